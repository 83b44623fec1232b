"""Erlang C against values worked by hand and textbook identities."""

import math

import pytest

from sim.erlang import erlang_c, mmc_mean_wait, mmc_wait_probability_beyond


def test_single_server_waits_with_probability_rho():
    # M/M/1: P(wait) = rho and W_q = rho / (mu - lambda).
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert mmc_mean_wait(1, 0.7, 1.0) == pytest.approx(0.7 / 0.3)


def test_two_servers_one_erlang_is_one_third():
    # Erlang B(2, 1) = 0.2, so C = 0.2 / (1 - 0.5 + 0.5 * 0.2) = 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_known_table_value():
    # c = 10, a = 8 Erlangs: C = 0.409 (standard call-centre table value 0.4092).
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=5e-4)


def test_pooling_reduces_mean_wait():
    separate = mmc_mean_wait(4, 0.8 * 4, 1.0)
    pooled = mmc_mean_wait(12, 0.8 * 12, 1.0)
    assert pooled < separate


def test_tail_probability_at_zero_is_erlang_c():
    assert mmc_wait_probability_beyond(3, 2.0, 1.0, 0.0) == pytest.approx(erlang_c(3, 2.0))
    assert mmc_wait_probability_beyond(3, 2.0, 1.0, 1.0) == pytest.approx(
        erlang_c(3, 2.0) * math.exp(-1.0)
    )


@pytest.mark.parametrize("servers, load", [(0, 0.5), (2, 2.0), (2, -0.1)])
def test_unstable_or_invalid_input_is_refused(servers, load):
    with pytest.raises(ValueError):
        erlang_c(servers, load)
