"""The recovery check: does a fit cover the numbers that generated its log.

Each fitted cell is a Poisson count: calls of a type, of a type in an hour of
the day or on a weekday, of a type with k officers, in a village. For a log
drawn from a scenario the expected count of every cell follows from the
scenario (:func:`expected_counts`). :func:`recovery_misses` returns the cells
whose expected count lies outside the exact Poisson interval of the observed
count. Many cells are checked at once, so each interval is at confidence
``1 - family_alpha / m`` (Bonferroni over the m cells): for a log truly drawn
from the scenario, the chance of any miss is at most ``family_alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network import RoadNetwork
from ..scenario import Scenario
from .fitting import LogFit
from .rates import poisson_interval, weekday_days


@dataclass(frozen=True)
class Miss:
    """A cell whose generating (expected) count is outside the observed count's interval."""

    cell: str
    expected: float
    observed: int
    low: float
    high: float

    def __str__(self) -> str:
        return (f"{self.cell}: expected {self.expected:.2f} calls, observed {self.observed}, "
                f"interval [{self.low:.2f}, {self.high:.2f}]")


def expected_counts(sc: Scenario, net: RoadNetwork, fit: LogFit) -> dict[str, float]:
    """Expected calls per cell over ``fit``'s period (which must start on the run's day 0).

    The scenario's weekday profile starts on Monday (day 0 of a run is a Monday),
    as do the log's weekday cells, so calendar weekdays line up.

    Cells are named ``type``, ``type@hour07``, ``type@weekday0`` (Monday),
    ``type@officers3`` and ``village:NAME``; every cell ``fit`` has.
    """
    days = weekday_days(fit.log.start, fit.log.days)
    cells: dict[str, float] = {}
    total = 0.0
    for t in sc.incident_types:
        hourly = np.ones(24) if t.hourly_profile is None else np.asarray(t.hourly_profile, float)
        weekly = np.ones(7) if t.weekday_profile is None else np.asarray(t.weekday_profile, float)
        weekly = weekly * 7 / weekly.sum()
        n = t.rate_per_day * sc.demand_scale * float(np.dot(days, weekly))
        total += n
        cells[t.id] = n
        for h, share in enumerate(hourly / hourly.sum()):
            cells[f"{t.id}@hour{h:02d}"] = n * share
        for d in range(7):
            cells[f"{t.id}@weekday{d}"] = t.rate_per_day * sc.demand_scale * weekly[d] * days[d]
        for k, p in _officer_shares(t.officers_required).items():
            cells[f"{t.id}@officers{k}"] = n * p
    weights = net.village_weight / net.village_weight.sum()
    for place, w in zip(net.villages, weights):
        cells[f"village:{net.places[place]}"] = total * w
    return cells


def observed_counts(fit: LogFit) -> dict[str, int]:
    """Observed calls per cell, named as in :func:`expected_counts`."""
    cells: dict[str, int] = {}
    for t in fit.types:
        cells[t.id] = int(t.rate.counts[0])
        cells.update({f"{t.id}@hour{h:02d}": int(c) for h, c in enumerate(t.hours.counts)})
        cells.update({f"{t.id}@weekday{d}": int(c) for d, c in enumerate(t.weekdays.counts)})
        cells.update({f"{t.id}@officers{k}": c for k, c in t.officers.items()})
    for v, c in zip(fit.village_ids, fit.villages.counts):
        cells[f"village:{v}"] = int(c)
    return cells


def recovery_misses(
    sc: Scenario, net: RoadNetwork, fit: LogFit, family_alpha: float = 0.05
) -> tuple[list[Miss], int]:
    """Cells whose expected count is outside the Bonferroni-adjusted interval; and m.

    Every cell of either side is checked (a cell the log never saw counts 0).
    """
    expected = expected_counts(sc, net, fit)
    observed = observed_counts(fit)
    names = sorted(set(expected) | set(observed))
    counts = np.array([observed.get(c, 0) for c in names])
    low, high = poisson_interval(counts, 1 - family_alpha / len(names))
    misses = [
        Miss(c, expected.get(c, 0.0), int(n), lo, hi)
        for c, n, lo, hi in zip(names, counts, low, high)
        if not lo <= expected.get(c, 0.0) <= hi
    ]
    return misses, len(names)


def _officer_shares(required) -> dict[int, float]:
    if isinstance(required, int):
        return {required: 1.0}
    if required.dist == "fixed":
        return {int(required.value): 1.0}
    probs = required.p or [1 / len(required.values)] * len(required.values)
    return {int(v): float(p) for v, p in zip(required.values, probs)}
