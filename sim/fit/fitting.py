"""Fit everything ``incident_types`` holds from a validated call log.

One :class:`TypeFit` per incident type in the log (in order of first
appearance in the base scenario, then the log's new types by name), and the
village demand of all calls together (the scenario draws every type's village
from one set of weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario import IncidentTypeSpec, Scenario
from .calls import CallLog
from .durations import DurationFit, fit_on_scene
from .rates import CountFit, choice_shares, count_fit, hour_counts, weekday_counts, weekday_days


@dataclass(frozen=True)
class TypeFit:
    """What the log says about one incident type.

    Attributes
    ----------
    id
        Incident type id.
    rate
        One cell: calls per day over the period, with its interval.
    hours
        24 cells: calls per day in each hour of the day (Poisson intervals).
    weekdays
        7 cells, Monday first: calls per day on each weekday.
    priorities
        Priority -> calls (empty when the log has no priority column).
    officers
        Officers attended -> calls (empty when the log has no officers column).
    on_scene
        The on-scene fit (None when not asked for).
    base
        The base scenario's type of the same id (None for a new type).

    """

    id: str
    rate: CountFit
    hours: CountFit
    weekdays: CountFit
    priorities: dict[int, int]
    officers: dict[int, int]
    on_scene: DurationFit | None
    base: IncidentTypeSpec | None


@dataclass(frozen=True)
class LogFit:
    """The whole fit: per type, per village, and the period it covers."""

    log: CallLog
    types: tuple[TypeFit, ...]
    villages: CountFit
    village_ids: tuple[str, ...]
    confidence: float


def fit_log(
    log: CallLog,
    base: Scenario,
    village_ids: list[str],
    confidence: float = 0.95,
    gof_alpha: float = 0.01,
    fit_durations: bool = True,
) -> LogFit:
    """Fit every incident type in ``log``; ``village_ids`` are the base network's villages.

    ``fit_durations=False`` leaves ``on_scene`` None (counts only: faster, for
    :mod:`sim.fit.recovery`).
    """
    calls = log.calls
    known = {t.id: t for t in base.incident_types}
    in_log = set(calls["type"])
    order = [t for t in known if t in in_log] + sorted(in_log - set(known))
    per_day = weekday_days(log.start, log.days)
    types = []
    for k, type_id in enumerate(order):
        rows = calls[calls["type"] == type_id]
        times = rows["time"].to_numpy(dtype="datetime64[ns]")
        types.append(
            TypeFit(
                id=type_id,
                rate=count_fit(np.array([len(rows)]), np.array([log.days]), confidence),
                hours=count_fit(hour_counts(times), np.full(24, log.days), confidence),
                weekdays=count_fit(weekday_counts(times), per_day, confidence),
                priorities=_tally(rows, "priority"),
                officers=_tally(rows, "officers"),
                on_scene=(
                    fit_on_scene(rows["on_scene_min"].to_numpy(), gof_alpha, seed=k)
                    if fit_durations
                    else None
                ),
                base=known.get(type_id),
            )
        )
    counts = calls["village"].value_counts()
    village_counts = np.array([counts.get(v, 0) for v in village_ids])
    villages = count_fit(village_counts, np.full(len(village_ids), log.days), confidence)
    return LogFit(log, tuple(types), villages, tuple(village_ids), confidence)


def _tally(rows, column: str) -> dict[int, int]:
    if column not in rows:
        return {}
    return {int(k): int(v) for k, v in rows[column].value_counts().sort_index().items()}


def incident_type_block(fit: TypeFit) -> dict:
    """The fitted type as a scenario mapping (what ``incident_types`` holds for it).

    Priority is the log's most frequent one; officers required the log's
    choice distribution (a plain number when all calls had the same). A column
    the log lacks, and the investigation (a call log does not show case work),
    come from the base scenario's type of the same id, else the defaults.
    """
    block: dict = {"id": fit.id, "rate_per_day": round(float(fit.rate.rate[0]), 4)}
    for key, cells in (("hourly_profile", fit.hours), ("weekday_profile", fit.weekdays)):
        profile = cells.profile()
        if profile is not None:
            block[key] = profile
    base = fit.base
    if fit.priorities:
        block["priority"] = max(fit.priorities, key=lambda p: (fit.priorities[p], -p))
    elif base is not None:
        block["priority"] = base.priority
    if fit.officers:
        values, shares = choice_shares(np.repeat(list(fit.officers), list(fit.officers.values())))
        block["officers_required"] = (
            values[0] if len(values) == 1 else {"dist": "choice", "values": values, "p": shares}
        )
    elif base is not None:
        block["officers_required"] = _dumped(base.officers_required)
    block["on_scene_min"] = fit.on_scene.dist
    if base is not None and base.investigation is not None:
        block["investigation"] = _dumped(base.investigation)
    return block


def _dumped(value):
    return value if isinstance(value, int) else value.model_dump(by_alias=True, exclude_none=True)


def village_weights(fit: LogFit) -> dict[str, float]:
    """Demand weight of each village: its calls per day, all types together (4 decimals)."""
    return {v: round(float(r), 4) for v, r in zip(fit.village_ids, fit.villages.rate)}
