"""The degenerate case must be an M/M/c queue (the design brief, section 4).

The shipped ``mmc_validation.yaml`` puts three 4-officer stations and their
villages on one spot (zero travel), with Poisson calls, exponential on-scene
time, one officer per call, no patrol, no handling and no county. Then the
isolated model is M/M/4 per station and the pooled model M/M/12, and the
mean first-response time is the Erlang C mean wait W_q.

Each check runs 20 seeded replications and asks that the theoretical value
lie inside the 99% Student-t confidence interval of the replication means,
and that the interval is narrow enough (half-width under 10% of theory) that
a 10% error in the model would be caught: the test can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.erlang import erlang_c, mmc_mean_wait
from sim.loader import scenario_from_dict
from sim.metrics import t_interval
from sim.runner import run_replications
from tests.conftest import SCENARIOS, scenario_dict

REPS = 20
STATIONS, OFFICERS, MEAN_SCENE_MIN, BASE_RATE = 3, 4, 60.0, 230.4


def _theory(model: str, scale: float) -> tuple[float, float, float]:
    """Return (W_q minutes, P(wait), utilisation) of the model at ``scale`` x base demand."""
    lam_total = BASE_RATE * scale / 1440.0
    mu = 1.0 / MEAN_SCENE_MIN
    servers, lam = (
        (OFFICERS, lam_total / STATIONS)
        if model == "isolated"
        else (OFFICERS * STATIONS, lam_total)
    )
    return mmc_mean_wait(servers, lam, mu), erlang_c(servers, lam / mu), lam / (servers * mu)


@pytest.fixture(scope="module", params=[0.875, 1.0], ids=["rho=0.70", "rho=0.80"])
def validation_runs(request):
    scale = request.param
    doc = scenario_dict("mmc_validation.yaml")
    doc["demand_scale"] = scale
    loaded = scenario_from_dict(doc, SCENARIOS / "mmc_validation.yaml")
    return scale, run_replications(loaded, range(REPS))


def _per_rep(results, model: str, column: str) -> np.ndarray:
    rows = [
        r.metrics[(r.metrics["model"] == model) & (r.metrics["township"] == "all")] for r in results
    ]
    return np.array([row[column].iloc[0] for row in rows])


@pytest.mark.slow
@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_mean_first_response_matches_erlang_c(validation_runs, model):
    scale, results = validation_runs
    wq, _, rho = _theory(model, scale)
    mean, low, high = t_interval(_per_rep(results, model, "response_mean_min"), level=0.99)
    msg = f"{model} rho={rho:.2f}: sim={mean:.3f} [{low:.3f}, {high:.3f}] theory={wq:.3f} min"
    assert low <= wq <= high, msg
    assert (high - low) / 2 < 0.10 * wq, "interval too wide to detect a 10% error: " + msg


@pytest.mark.slow
@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_share_of_calls_that_wait_matches_erlang_c(validation_runs, model):
    scale, results = validation_runs
    _, p_wait, rho = _theory(model, scale)
    shares = []
    for r in results:
        inc = r.incidents[r.incidents["model"] == model]
        shares.append(float((inc["response_min"] > 1e-9).mean()))
    mean, low, high = t_interval(np.array(shares), level=0.99)
    msg = (
        f"{model} rho={rho:.2f}: P(wait) sim={mean:.4f} [{low:.4f}, {high:.4f}] theory={p_wait:.4f}"
    )
    assert low <= p_wait <= high, msg


@pytest.mark.slow
@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_utilisation_matches_offered_load(validation_runs, model):
    scale, results = validation_runs
    _, _, rho = _theory(model, scale)
    mean, low, high = t_interval(_per_rep(results, model, "utilisation"), level=0.99)
    assert low <= rho <= high, (
        f"{model}: utilisation sim={mean:.4f} [{low:.4f}, {high:.4f}] theory={rho:.4f}"
    )


@pytest.mark.slow
def test_isolated_and_pooled_theories_are_told_apart(validation_runs):
    """The check has power: pooled results exclude the isolated formula and vice versa."""
    scale, results = validation_runs
    for model, other in (("isolated", "pooled"), ("pooled", "isolated")):
        _, low, high = t_interval(_per_rep(results, model, "response_mean_min"), level=0.99)
        wrong, _, _ = _theory(other, scale)
        assert not low <= wrong <= high, (
            f"{model} CI [{low:.3f}, {high:.3f}] contains {other} {wrong:.3f}"
        )


# ------------------------------------------------ desk accounting (issue 9)
#: Demand scale at which a station with one officer at the desk (M/M/3) runs at rho = 0.75.
DESK_SCALE = 0.703125


@pytest.fixture(scope="module")
def desk_runs():
    """Each isolated station keeps 1 of its 4 officers at a duty desk that never responds.

    Handling is zero, so the desk costs no time per call but takes an officer
    out of the field: each station is M/M/3. The pooled model's room is a
    dedicated (civilian) call-taker, so the pool keeps all 12: M/M/12.
    """
    doc = scenario_dict("mmc_validation.yaml")
    doc["demand_scale"] = DESK_SCALE
    doc["duty_desk"] = {"seats": 1, "may_respond": False}
    loaded = scenario_from_dict(doc, SCENARIOS / "mmc_validation.yaml")
    return run_replications(loaded, range(REPS))


@pytest.mark.slow
@pytest.mark.parametrize("model, servers", [("isolated", OFFICERS - 1), ("pooled", 12)])
def test_desk_officer_leaves_the_field_as_erlang_c_says(desk_runs, model, servers):
    lam_total = BASE_RATE * DESK_SCALE / 1440.0
    lam = lam_total / STATIONS if model == "isolated" else lam_total
    mu = 1.0 / MEAN_SCENE_MIN
    wq = mmc_mean_wait(servers, lam, mu)
    mean, low, high = t_interval(_per_rep(desk_runs, model, "response_mean_min"), level=0.99)
    msg = (
        f"{model} M/M/{servers} rho={lam / (servers * mu):.2f}: "
        f"sim={mean:.3f} [{low:.3f}, {high:.3f}] theory={wq:.3f} min"
    )
    assert low <= wq <= high, msg
    # Power: the M/M/4 formula (the desk forgotten) lies outside the isolated interval.
    if model == "isolated":
        wrong = mmc_mean_wait(OFFICERS, lam, mu)
        assert not low <= wrong <= high, "cannot tell M/M/3 from M/M/4: " + msg
