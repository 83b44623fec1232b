"""Replay historic calls: both models run on a call log instead of the Poisson stream.

``incidents: {replay: calls.csv}`` (the path relative to the scenario file).
One row per call, with a header; column names:

=============  ========  ==============================================================
column         needed    meaning
=============  ========  ==============================================================
time           yes       when the call came in, ISO 8601 (``2024-03-01T08:15`` or
                         ``2024-03-01 08:15:00``); an offset (``+08:00``) is dropped
                         and the wall-clock time kept
type           yes       an incident type id of the scenario
village        yes [1]   a village id of the road network
lat, lon       [1]       where the call was (degrees), when ``village`` is empty: the
                         nearest village (great-circle) takes it
priority       no        1 = most urgent; empty: the type's priority
officers       no        officers who attended; empty: drawn from the type's
                         ``officers_required``
on_scene_min   no        minutes on scene; empty: drawn from the type's ``on_scene_min``
x_...          no        ignored (keep your own columns, e.g. ``x_call_id``)
=============  ========  ==============================================================

Time 0 of the run is midnight of the log's first day, so hours of the day
(shifts, profiles) are the log's. The log covers whole days from that
midnight to the end of its last call's day; ``horizon_days`` must cover them.

What stays random in a replication (each from its own stream, :mod:`sim.seeds`):
officers required and on-scene minutes where the log leaves them empty, the
investigation a call creates, the county's reinforcement delay, and
everything the models draw themselves (patrol positions, command-room
handling, walk-ins). With ``bootstrap_days`` (``policesim run
--bootstrap-days``) each replication also draws ``ceil(horizon_days)`` whole
days of the log with replacement (stream ``arrivals``), keeping each day's
calls and their times of day, so intervals reflect day-to-day variation of
demand (but not weekly patterns: days are drawn regardless of weekday).
"""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ScenarioError
from .geo import nearest_point
from .incidents import MIN_PER_DAY, IncidentStream, draw_call_attributes
from .network import RoadNetwork
from .scenario import (
    MAX_INCIDENTS_PER_REPLICATION,
    MAX_OFFICERS,
    CrossReferenceError,
    Scenario,
    check_cross_references,
)
from .seeds import rng

if TYPE_CHECKING:
    from .loader import LoadedScenario

#: Columns of a call log, in the order a resolved scenario writes them.
COLUMNS = ("time", "type", "village", "lat", "lon", "priority", "officers", "on_scene_min")
#: Prefix of columns the reader ignores.
IGNORED_PREFIX = "x_"


class CallLogError(ValueError):
    """A bad call log: ``row`` (0-based data row, None: the whole file) and ``column``."""

    def __init__(self, row: int | None, column: str, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.message = message


@dataclass(frozen=True)
class CallLog:
    """A validated call log, sorted by call time.

    Attributes
    ----------
    call_min
        Minutes from midnight of the log's first day.
    type_index
        Index of each call's type in ``scenario.incident_types``.
    village
        Position of each call's village in ``RoadNetwork.villages``.
    priority, officers, on_scene_min
        As logged; NaN where the log leaves them empty.
    days
        Whole days the log covers (from its first midnight).
    start
        Midnight of the log's first day (wall clock).
    rows
        The rows as read (column -> cell), for the resolved scenario.

    """

    call_min: np.ndarray
    type_index: np.ndarray
    village: np.ndarray
    priority: np.ndarray
    officers: np.ndarray
    on_scene_min: np.ndarray
    days: int
    start: datetime
    rows: tuple[dict[str, str | int | float], ...]

    def __len__(self) -> int:
        return len(self.call_min)


# --------------------------------------------------------------------------- reading


def read_call_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a call-log CSV as (file line, column -> non-empty cell).

    Raises :class:`ScenarioError` naming the file (and line) when it is missing,
    not UTF-8, not CSV, or has no rows.
    """
    if not path.is_file():
        raise ScenarioError(path, "", f"call log not found (looked in {path.parent.resolve()})")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            names = reader.fieldnames or []
            rows = []
            for row in reader:
                if None in row:
                    raise ScenarioError(
                        path, "", "more values than the header has columns", reader.line_num
                    )
                if None in row.values():  # a lost cell would read as an empty one
                    raise ScenarioError(
                        path, "", "fewer values than the header has columns (leave an empty "
                        "cell between commas)", reader.line_num
                    )
                rows.append((reader.line_num, {k: v.strip() for k, v in row.items() if v}))
    except UnicodeDecodeError:
        raise ScenarioError(path, "", "is not UTF-8 text (save the call log as UTF-8)") from None
    except csv.Error as exc:
        raise ScenarioError(path, "", f"is not a readable CSV file ({exc})") from None
    if not names:
        raise ScenarioError(path, "", "the call log is empty: it needs a header row and calls")
    _check_header(names, lambda col, msg: ScenarioError(path, col, msg, 1))
    if not rows:
        raise ScenarioError(path, "", "the call log has a header but no calls", 2)
    return rows


def _check_header(names: Sequence[str], error: Callable[[str, str], Exception]) -> None:
    for k, name in enumerate(names):
        if name in names[:k]:  # csv.DictReader would keep the last column's cells silently
            raise error(name, "this column appears twice in the header; keep one")
        if name not in COLUMNS and not name.startswith(IGNORED_PREFIX):
            guess = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            raise error(
                name,
                f"unknown column{hint}; columns are {', '.join(COLUMNS)}, and any starting "
                f"with {IGNORED_PREFIX!r} (ignored)",
            )
    for name in ("time", "type"):
        if name not in names:
            raise error(name, f"required column {name!r} is missing")
    if "village" not in names and not {"lat", "lon"} <= set(names):
        raise error("village", "required column 'village' (or lat and lon) is missing")


def parse_calls(
    rows: Sequence[dict[str, str | int | float]], sc: Scenario, net: RoadNetwork
) -> CallLog:
    """Validate call-log rows against the scenario's types and villages; sort them by time.

    Raises :class:`CallLogError` naming the row and column of the first bad cell.
    """
    if not rows:
        raise CallLogError(None, "", "the call log has no calls")
    columns = sorted({c for r in rows for c in r})
    _check_header(columns, lambda col, msg: CallLogError(0, col, msg))
    types = {t.id: k for k, t in enumerate(sc.incident_types)}
    village_ids = [net.places[p] for p in net.villages]
    village_pos = {v: k for k, v in enumerate(village_ids)}
    locate = _village_locator(net, village_ids)
    times, kind, village, prio, need, scene = [], [], [], [], [], []
    for i, row in enumerate(rows):
        times.append(_time(i, row))
        kind.append(_lookup(i, row, "type", types, "incident type"))
        if row.get("village", "") != "":
            village.append(_lookup(i, row, "village", village_pos, "village"))
        else:
            village.append(locate(i, row))
        prio.append(_number(i, row, "priority", whole=True, low=1))
        need.append(_number(i, row, "officers", whole=True, low=1, high=MAX_OFFICERS))
        scene.append(_number(i, row, "on_scene_min", low=0))
    _check_officers_available(sc, kind, need)
    start = min(times).replace(hour=0, minute=0, second=0, microsecond=0)
    call_min = np.array([(t - start).total_seconds() / 60.0 for t in times])
    order = np.argsort(call_min, kind="stable")
    days = int(call_min.max() // MIN_PER_DAY) + 1
    clean = tuple({c: _plain(r[c]) for c in COLUMNS if r.get(c, "") != ""} for r in rows)
    return CallLog(
        call_min=call_min[order],
        type_index=np.array(kind, dtype=np.int64)[order],
        village=np.array(village, dtype=np.int64)[order],
        priority=np.array(prio, dtype=float)[order],
        officers=np.array(need, dtype=float)[order],
        on_scene_min=np.array(scene, dtype=float)[order],
        days=days,
        start=start,
        rows=tuple(clean[k] for k in order),
    )


def _check_officers_available(sc: Scenario, kind: list[int], need: list[float]) -> None:
    """With the county switched off, no logged call may need more officers than a team has.

    The same rule as for ``officers_required`` (:func:`sim.scenario.check_cross_references`),
    applied to the call that needs the most officers.
    """
    logged = np.array(need, dtype=float)
    if sc.county.enabled or np.isnan(logged).all():
        return
    k = int(np.nanargmax(logged))
    types = list(sc.incident_types)
    t = types[kind[k]]
    if int(logged[k]) <= t.max_officers:
        return
    types[kind[k]] = t.model_copy(update={"officers_required": int(logged[k])})
    try:
        check_cross_references(sc.model_copy(update={"incident_types": types}))
    except CrossReferenceError as exc:
        message = exc.message.replace("an incident can need", "this call needs")
        raise CallLogError(k, "officers", message) from None


def _time(i: int, row: dict) -> datetime:
    if isinstance(row.get("time"), datetime):  # inline YAML reads an unquoted time as one
        return row["time"].replace(tzinfo=None)
    text = str(row.get("time", ""))
    if not text:
        raise CallLogError(i, "time", "empty: every call needs its time")
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise CallLogError(
            i, "time", f"cannot read {text!r} as an ISO date and time (e.g. 2024-03-01T08:15)"
        ) from None


def _plain(value: object) -> str | int | float:
    """A cell as text or a number (a time as ISO text), for the resolved scenario."""
    return value.isoformat() if isinstance(value, datetime) else value  # type: ignore[return-value]


def _lookup(i: int, row: dict, column: str, known: dict[str, int], what: str) -> int:
    value = str(row.get(column, ""))
    if value in known:
        return known[value]
    if not value:
        raise CallLogError(i, column, f"empty: every call needs its {what}")
    guess = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    hint = f"did you mean {guess[0]!r}?" if guess else f"known: {_few(list(known))}"
    raise CallLogError(i, column, f"unknown {what} {value!r} ({hint})")


def _few(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _number(
    i: int,
    row: dict,
    column: str,
    whole: bool = False,
    low: float = 0.0,
    high: float = math.inf,
) -> float:
    """The cell as a number (NaN when empty), refused when not finite, whole or in range."""
    value = row.get(column, "")
    if value == "":
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    kind = "a whole number" if whole else "a number"
    if not math.isfinite(number) or (whole and number != int(number)):
        raise CallLogError(i, column, f"should be {kind} (got {value!r})")
    if not low <= number <= high:
        bound = f">= {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
        raise CallLogError(i, column, f"should be {bound} (got {value!r})")
    return number


def _village_locator(net: RoadNetwork, village_ids: list[str]) -> Callable[[int, dict], int]:
    """Find the village nearest to a call's lat/lon (all villages need coordinates)."""
    graph = net.graph
    coords = [(graph.nodes[v].get("lat"), graph.nodes[v].get("lon")) for v in village_ids]
    lats = np.array([c[0] if c[0] is not None else np.nan for c in coords], dtype=float)
    lons = np.array([c[1] if c[1] is not None else np.nan for c in coords], dtype=float)

    def locate(i: int, row: dict) -> int:
        lat = _number(i, row, "lat", low=-90, high=90)
        lon = _number(i, row, "lon", low=-180, high=180)
        if math.isnan(lat) or math.isnan(lon):
            raise CallLogError(i, "village", "empty: give the village, or lat and lon")
        if np.isnan(lats).any():
            raise CallLogError(
                i,
                "lat",
                "a call given by lat/lon needs every village of the network to "
                "have lat/lon; give the village instead",
            )
        return nearest_point(lat, lon, lats, lons)[0]

    return locate


# --------------------------------------------------------------------------- running


def check_fits(sc: Scenario, calls: CallLog) -> tuple[tuple[str, ...], str] | None:
    """Where and why ``sc`` cannot replay ``calls`` (a field path and a message), or None."""
    if sc.demand_scale != 1.0:
        return ("demand_scale",), (
            "a replayed call log has the calls it has: demand_scale must be 1 "
            f"(got {sc.demand_scale:g})"
        )
    if sc.incidents is not None and not sc.incidents.bootstrap_days:
        if sc.horizon_days < calls.days:
            return ("horizon_days",), (
                f"the call log covers {calls.days} days (from {calls.start:%Y-%m-%d}); "
                f"horizon_days ({sc.horizon_days:g}) must cover them all"
            )
    if math.ceil(sc.horizon_days) * len(calls) / calls.days > MAX_INCIDENTS_PER_REPLICATION:
        return ("horizon_days",), (
            f"about {math.ceil(sc.horizon_days) * len(calls) / calls.days:,.0f} calls per "
            f"replication: more than the limit of {MAX_INCIDENTS_PER_REPLICATION:,}"
        )
    return None


def replication_calls(
    sc: Scenario, calls: CallLog, replication: int
) -> tuple[np.ndarray, np.ndarray]:
    """The log's calls of ``replication``: (row numbers into ``calls``, call minutes).

    Without ``bootstrap_days`` every replication has the whole log as it is.
    With it, day ``k`` of the run is a day drawn with replacement from the log
    (its calls shifted to day ``k``, their order and times of day kept).
    """
    every = np.arange(len(calls))
    bootstrap = sc.incidents is not None and sc.incidents.bootstrap_days
    if not bootstrap:
        return every, calls.call_min
    n_days = math.ceil(sc.horizon_days)
    drawn = rng(sc.seed, replication, "arrivals").integers(0, calls.days, size=n_days)
    day = (calls.call_min // MIN_PER_DAY).astype(np.int64)
    first = np.searchsorted(day, np.arange(calls.days + 1))
    pick = [every[first[d] : first[d + 1]] for d in drawn]
    shift = [np.full(len(p), (k - d) * MIN_PER_DAY) for k, (d, p) in enumerate(zip(drawn, pick))]
    rows = np.concatenate(pick) if pick else every[:0]
    times = calls.call_min[rows] + (np.concatenate(shift) if shift else 0.0)
    inside = times < sc.horizon_days * MIN_PER_DAY
    return rows[inside], times[inside]


def replay_incidents(
    sc: Scenario, net: RoadNetwork, replication: int, calls: CallLog
) -> IncidentStream:
    """The incident stream of ``replication``: the log's calls, with the rest drawn.

    Officers, on-scene minutes (where the log is empty), investigations and
    county delays come from the same streams as :func:`sim.incidents.draw_incidents`.
    """
    rows, times = replication_calls(sc, calls, replication)
    n = len(rows)
    kind = calls.type_index[rows]
    gens = {
        p: rng(sc.seed, replication, p) for p in ("officers_required", "on_scene", "investigation")
    }
    need = np.zeros(n, dtype=np.int64)
    scene = np.zeros(n)
    inv = np.full(n, np.nan)
    prio = calls.priority[rows].copy()
    for k, t in enumerate(sc.incident_types):
        mine = np.flatnonzero(kind == k)
        need[mine], scene[mine], inv[mine] = draw_call_attributes(t, len(mine), gens)
        prio[mine] = np.where(np.isnan(prio[mine]), t.priority, prio[mine])
    logged_need = calls.officers[rows]
    need = np.where(np.isnan(logged_need), need, logged_need).astype(np.int64)
    logged_scene = calls.on_scene_min[rows]
    scene = np.where(np.isnan(logged_scene), scene, logged_scene)
    village = calls.village[rows]
    station_index = {s.id: i for i, s in enumerate(sc.stations)}
    township_of = np.array([station_index[t] for t in net.village_township], dtype=np.int64)
    return IncidentStream(
        call_min=times.astype(float),
        type_index=kind.astype(np.int64),
        place=net.villages[village],
        township=township_of[village],
        priority=prio.astype(np.int64),
        officers_required=need,
        on_scene_min=scene.astype(float),
        county_delay_min=sc.county.reinforcement_delay_min.sample(
            rng(sc.seed, replication, "county_delay"), n
        ),
        investigation_hours=inv,
    )


# --------------------------------------------------------------------------- loading


def load_call_log(
    sc: Scenario,
    net: RoadNetwork,
    base: Path,
    inline_error: Callable[[tuple, str], ScenarioError],
) -> CallLog | None:
    """Read and check the scenario's call log (None without ``incidents``).

    Errors in a CSV file name the file, its line and the column; errors in
    inline ``calls`` are passed to ``inline_error(location, message)``.
    """
    spec = sc.incidents
    if spec is None:
        return None
    if spec.replay is not None:
        path = base / spec.replay
        lines = read_call_csv(path)
        try:
            calls = parse_calls([r for _, r in lines], sc, net)
        except CallLogError as exc:
            line = lines[exc.row][0] if exc.row is not None else None
            raise ScenarioError(path, exc.column, exc.message, line) from None
    else:
        assert spec.calls is not None
        try:
            calls = parse_calls(spec.calls, sc, net)
        except CallLogError as exc:
            where = ("incidents", "calls", *(() if exc.row is None else (exc.row,)))
            raise inline_error((*where, exc.column) if exc.column else where, exc.message) from None
    problem = check_fits(sc, calls)
    if problem is not None:
        raise inline_error(*problem)
    return calls


def with_bootstrap_days(loaded: LoadedScenario) -> LoadedScenario:
    """``loaded`` with ``incidents.bootstrap_days`` switched on (``run --bootstrap-days``).

    Raises :class:`ScenarioError` when the scenario replays no call log.
    """
    spec = loaded.scenario.incidents
    if spec is None:
        raise ScenarioError(
            loaded.source,
            "--bootstrap-days",
            "resamples days of a replayed call log, and this scenario has none "
            "(add incidents: {replay: calls.csv})",
        )
    scenario = loaded.scenario.model_copy(
        update={"incidents": spec.model_copy(update={"bootstrap_days": True})}
    )
    problem = check_fits(scenario, loaded.calls) if loaded.calls is not None else None
    if problem is not None:
        raise ScenarioError(loaded.source, ".".join(problem[0]), problem[1])
    return replace(loaded, scenario=scenario)
