"""The incident stream of one replication, drawn once and fed identically to both models.

Arrivals are a non-homogeneous Poisson process per incident type with a
piecewise-constant rate per hour (``rate_per_day`` times the normalised
``hourly_profile``), which is exact, not thinned. Each incident gets a village
(by demand weight), officers required, on-scene minutes, a county delay (used
only if the county is asked) and an optional investigation. Every attribute
comes from its own random stream (:mod:`sim.seeds`), so the models' paired
difference is not noise from different draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .network import RoadNetwork
from .scenario import IncidentTypeSpec, Scenario, WalkInSpec
from .seeds import rng

if TYPE_CHECKING:
    from .replay import CallLog

MIN_PER_DAY = 1440.0


@dataclass(frozen=True)
class IncidentStream:
    """All incidents of one replication, sorted by call time.

    Every array has one entry per incident. Times are minutes from the start of
    the run; ``place`` is a place number of :class:`~sim.network.RoadNetwork`.

    Attributes
    ----------
    call_min, type_index, place, township, priority, officers_required,
    on_scene_min, county_delay_min, investigation_hours
        ``township`` is the index of the village's station in ``scenario.stations``;
        ``investigation_hours`` is NaN when the incident creates no investigation.

    """

    call_min: np.ndarray
    type_index: np.ndarray
    place: np.ndarray
    township: np.ndarray
    priority: np.ndarray
    officers_required: np.ndarray
    on_scene_min: np.ndarray
    county_delay_min: np.ndarray
    investigation_hours: np.ndarray

    def __len__(self) -> int:
        return len(self.call_min)

    def digest(self) -> str:
        """A hash of every array, to prove two models saw the same stream."""
        import hashlib

        h = hashlib.sha256()
        for name in self.__dataclass_fields__:
            h.update(np.ascontiguousarray(getattr(self, name)).tobytes())
        return h.hexdigest()


def _hourly(per_day: float, hourly_profile: list[float] | None) -> np.ndarray:
    """The 24 rates per minute of a stream of ``per_day`` arrivals a day, by hour of day."""
    profile = np.ones(24) if hourly_profile is None else np.asarray(hourly_profile, float)
    profile = profile * 24.0 / profile.sum()
    return per_day * profile / MIN_PER_DAY


def arrival_rates_per_min(
    t: IncidentTypeSpec | WalkInSpec, scale: float, per_day: float | None = None
) -> np.ndarray:
    """Return the arrival rates (per minute) of an incident type or walk-ins, hour by hour.

    ``per_day``: the mean arrivals a day (default: ``t.rate_per_day``; walk-ins
    give their station's ``per_day``), times ``scale``. 24 hourly rates when
    ``t`` has no ``weekday_profile``; otherwise 168 (Monday 00-01 first, day 0
    of a run being a Monday), each hour's rate times the day's share of the
    normalised weekday profile (mean 1), so ``per_day`` stays the mean
    arrivals per day over a week.
    """
    hourly = _hourly((t.rate_per_day if per_day is None else per_day) * scale, t.hourly_profile)
    if t.weekday_profile is None:
        return hourly
    weekday = np.asarray(t.weekday_profile, float)
    weekday = weekday * 7.0 / weekday.sum()
    return np.outer(weekday, hourly).ravel()


def _arrival_times(rates: np.ndarray, horizon_min: float, gen: np.random.Generator) -> np.ndarray:
    """Exact NHPP arrivals on [0, horizon) for a rate constant within each hour."""
    n_hours = int(np.ceil(horizon_min / 60.0))
    hour_rate = np.resize(rates, n_hours)
    lengths = np.minimum(60.0, horizon_min - 60.0 * np.arange(n_hours))
    counts = gen.poisson(hour_rate * lengths)
    starts = np.repeat(60.0 * np.arange(n_hours), counts)
    widths = np.repeat(lengths, counts)
    return np.sort(starts + gen.random(counts.sum()) * widths)


def draw_call_attributes(
    t: IncidentTypeSpec, n: int, gens: dict[str, np.random.Generator]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Officers required, on-scene minutes and investigation hours (NaN: none) of ``n`` calls.

    ``gens`` holds the ``officers_required``, ``on_scene`` and ``investigation`` streams.
    """
    if isinstance(t.officers_required, int):
        need = np.full(n, t.officers_required, dtype=np.int64)
    else:
        need = t.officers_required.sample(gens["officers_required"], n).astype(np.int64)
    scene = t.on_scene_min.sample(gens["on_scene"], n)
    inv = np.full(n, np.nan)
    if t.investigation is not None:
        hit = gens["investigation"].random(n) < t.investigation.p
        work = t.investigation.work_hours.sample(gens["investigation"], n)
        inv[hit] = work[hit]
    return need, scene, inv


def draw_incidents(
    sc: Scenario, net: RoadNetwork, replication: int, calls: CallLog | None = None
) -> IncidentStream:
    """Draw the incident stream of ``replication`` for scenario ``sc`` on network ``net``.

    With a historic call log (``incidents: {replay: ...}``) the calls are the
    log's (:func:`sim.replay.replay_incidents`).
    """
    if calls is not None:
        from .replay import replay_incidents

        return replay_incidents(sc, net, replication, calls)
    horizon = sc.horizon_days * MIN_PER_DAY
    parts = []
    gens = {
        p: rng(sc.seed, replication, p)
        for p in ("arrivals", "places", "officers_required", "on_scene", "investigation")
    }
    county_gen = rng(sc.seed, replication, "county_delay")
    probs = net.village_weight / net.village_weight.sum()
    for k, t in enumerate(sc.incident_types):
        times = _arrival_times(arrival_rates_per_min(t, sc.demand_scale), horizon, gens["arrivals"])
        n = len(times)
        village = gens["places"].choice(len(net.villages), size=n, p=probs)
        need, scene, inv = draw_call_attributes(t, n, gens)
        parts.append((times, np.full(n, k), village, need, scene, inv, np.full(n, t.priority)))
    times, kind, village, need, scene, inv, prio = (np.concatenate(c) for c in zip(*parts))
    order = np.argsort(times, kind="stable")
    village = village[order]
    station_index = {s.id: i for i, s in enumerate(sc.stations)}
    township_of = np.array([station_index[t] for t in net.village_township], dtype=np.int64)
    n_all = len(times)
    return IncidentStream(
        call_min=times[order],
        type_index=kind[order].astype(np.int64),
        place=net.villages[village],
        township=township_of[village],
        priority=prio[order].astype(np.int64),
        officers_required=need[order],
        on_scene_min=scene[order],
        county_delay_min=sc.county.reinforcement_delay_min.sample(county_gen, n_all),
        investigation_hours=inv[order],
    )


@dataclass(frozen=True)
class WalkInStream:
    """Visitors to stations in one replication, sorted by arrival (both models see the same).

    ``arrival_min``: minutes from the start; ``station``: index in
    ``scenario.stations``; ``service_min``: minutes of a desk seat each needs.
    """

    arrival_min: np.ndarray
    station: np.ndarray
    service_min: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival_min)


def draw_walk_ins(sc: Scenario, replication: int) -> WalkInStream:
    """Draw the walk-in visitors of ``replication`` (empty without ``walk_ins``).

    Each station's visitors are a Poisson process at ``per_day`` (times
    ``demand_scale``) over the whole horizon: at a constant rate, or shaped by
    ``hourly_profile`` / ``weekday_profile`` as incident types are (drawn
    exactly, hour by hour, as :func:`draw_incidents` does).
    """
    spec = sc.walk_ins
    empty = np.zeros(0)
    if spec is None:
        return WalkInStream(empty, np.zeros(0, dtype=np.int64), empty)
    gen = rng(sc.seed, replication, "walk_ins")
    horizon = sc.horizon_days * MIN_PER_DAY
    shaped = spec.hourly_profile is not None or spec.weekday_profile is not None
    times, stations = [], []
    for k, station in enumerate(sc.stations):
        per_day = spec.per_day.get(station.id, 0.0)
        if shaped:  # a flat stream keeps its original draws (the same visitors as before)
            at = _arrival_times(arrival_rates_per_min(spec, sc.demand_scale, per_day), horizon, gen)
            times.append(at)
            stations.append(np.full(len(at), k, dtype=np.int64))
            continue
        rate = per_day * sc.demand_scale / MIN_PER_DAY
        n = gen.poisson(rate * horizon) if rate > 0 else 0
        times.append(gen.random(n) * horizon)
        stations.append(np.full(n, k, dtype=np.int64))
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    service = spec.service_min.sample(gen, len(t))
    return WalkInStream(t[order], np.concatenate(stations)[order], service)
