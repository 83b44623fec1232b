"""Queueing-theory formulas the simulation is validated against (M/M/c, Erlang C)."""

from __future__ import annotations

import math


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arriving customer waits in an M/M/c queue (Erlang C).

    Parameters
    ----------
    servers
        Number of servers c (officers).
    offered_load
        a = lambda / mu in Erlangs; must be below ``servers`` for a stable queue.

    """
    if servers < 1:
        raise ValueError("servers must be >= 1")
    if not 0 <= offered_load < servers:
        raise ValueError(f"offered load {offered_load} must lie in [0, {servers})")
    # Erlang B by its stable recursion, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1 - rho + rho * b)


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue W_q of an M/M/c queue, in the time unit of the rates.

    ``W_q = C(c, a) / (c * mu - lambda)`` with ``a = lambda / mu``.
    """
    a = arrival_rate / service_rate
    return erlang_c(servers, a) / (servers * service_rate - arrival_rate)


def mmc_wait_probability_beyond(
    servers: int, arrival_rate: float, service_rate: float, t: float
) -> float:
    """P(W_q > t) of an M/M/c queue: ``C(c, a) * exp(-(c*mu - lambda) * t)``."""
    a = arrival_rate / service_rate
    return erlang_c(servers, a) * math.exp(-(servers * service_rate - arrival_rate) * t)
