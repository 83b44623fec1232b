"""Builders for the fast rule tests (``tests/test_rules_*.py``).

A rule test states a tiny scenario -- a few places joined by roads of whole
minutes, a few officers, fixed distributions -- loads it through the public
loader (:func:`sim.loader.scenario_from_dict`), feeds the engine a hand-made
list of calls instead of a Poisson draw, and checks records that can be worked
out on paper. Every value a rule depends on (patrol share, county settings,
handling, turnout, shifts) is written out, never left to a schema default, so
the tests keep meaning the same thing when defaults move.

Officer numbers follow the layout: stations in scenario order, each station's
community officers first, then (pooled) its case-team officers, then its
command-room officers (on the roll, role "room", never sent); pooled numbers
the pools' members first and stations in no pool after them. No ``shifts``
are given, so everyone is on duty all day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine import Engine
from sim.incidents import IncidentStream
from sim.loader import LoadedScenario, scenario_from_dict
from sim.models import MODELS
from sim.records import STATE_NAMES, RunRecords, incident_frame

TRAVEL = STATE_NAMES.index("travel")
#: An officer row is (id, station, role, team, *minutes by state).
MINUTES_AT = 4
NAN = math.nan


#: Village VA of township A with the bases of A, B, C and D 9, 3, 20 and 6 minutes
#: away; each other station has a village 1 minute from its base.
STAR = [("VA", "SA", 9), ("VA", "SB", 3), ("VA", "SC", 20), ("VA", "SD", 6),
        ("SB", "VB", 1), ("SC", "VC", 1), ("SD", "VD", 1)]  # fmt: skip
STAR_VILLAGES = {"VA": "A", "VB": "B", "VC": "C", "VD": "D"}
STAR_STATIONS = {s: (f"S{s}", 1) for s in "ABCD"}


def fixed(value: float) -> dict[str, Any]:
    """A fixed distribution as a scenario writes it."""
    return {"dist": "fixed", "value": value}


def scenario(
    roads: list[tuple[str, str, float]],
    stations: dict[str, tuple[str, int]],
    villages: dict[str, str | tuple[str, float]],
    pooled: dict[str, Any] | list[dict[str, Any]] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """Return a scenario document.

    ``roads``: (node, node, minutes); ``stations``: id -> (node, officers);
    ``villages``: node -> township (station id), or (township, demand weight);
    place numbers follow station order, then village order. Station nodes are the
    station tuples' nodes; every other road end that is not a village is a
    junction. A station no village belongs to gets a leaf village ``<node>-V``
    1 minute from its base, after the given villages (the loader refuses a
    station without villages; a leaf changes no other shortest path, and with
    patrol share 0 nobody goes there). ``pooled`` defaults to one pool of every
    station hosted by the first, a dedicated call-taker, no handling, no case
    team. ``top`` replaces
    top-level fields (``patrol``, ``county``, ``isolated``, ``turnout_min``...).
    """
    villages = dict(villages)
    roads = list(roads)
    towns = {v[0] if isinstance(v, tuple) else v for v in villages.values()}
    for s, (node, _) in stations.items():
        if s not in towns:  # the loader refuses a station no village belongs to
            villages[f"{node}-V"] = s
            roads.append((node, f"{node}-V", 1))
    station_nodes = [node for node, _ in stations.values()]
    ends = [n for a, b, _ in roads for n in (a, b)]
    nodes = []
    for n in dict.fromkeys([*station_nodes, *villages, *ends]):
        if n in station_nodes:
            nodes.append({"id": n, "kind": "station"})
        elif n in villages:
            town, weight = villages[n] if isinstance(villages[n], tuple) else (villages[n], 1.0)
            nodes.append({"id": n, "township": town, "weight": weight})
        else:
            nodes.append({"id": n, "kind": "junction"})
    first = next(iter(stations))
    doc: dict[str, Any] = {
        "name": "rule test",
        "seed": 1,
        "horizon_days": 1,
        "warmup_days": 0,
        "replications": 1,
        "turnout_min": 0,
        "network": {
            "nodes": nodes,
            "edges": [{"from": a, "to": b, "minutes": m} for a, b, m in roads],
        },
        "stations": [{"id": s, "node": n, "officers": k} for s, (n, k) in stations.items()],
        "patrol": {"share": 0.0, "position": "demand_weighted"},
        "county": {
            "enabled": False,
            "requests": "partial_shortfall",
            "reinforcement_delay_min": fixed(40),
        },
        "isolated": {"handling_min": fixed(0), "county_after_min": 0},
        "pooled": pooled
        if pooled is not None
        else {
            "host": first,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
            "county_after_min": 0,
        },
        "incident_types": [
            {"id": "call", "rate_per_day": 1, "priority": 2, "on_scene_min": fixed(10)}
        ],
    }
    doc.update(top)
    return doc


def load(doc: dict[str, Any]) -> LoadedScenario:
    """Load a scenario document through the public loader."""
    return scenario_from_dict(doc, "<rule test>")


@dataclass(frozen=True)
class C:
    """One hand-made call: when, where (a village node id) and what it needs."""

    t: float
    village: str
    need: int = 1
    priority: int = 2
    scene: float = 10.0
    county_delay: float = 40.0
    investigation_hours: float = NAN


def stream_of(loaded: LoadedScenario, calls: list[C]) -> IncidentStream:
    """Build the incident stream of ``calls`` (sorted by time) on ``loaded``'s network."""
    net, sc = loaded.network, loaded.scenario
    place = {p: k for k, p in enumerate(net.places)}
    township = dict(zip(net.villages.tolist(), net.village_township))
    station = {s.id: i for i, s in enumerate(sc.stations)}
    calls = sorted(calls, key=lambda c: c.t)
    places = [place[c.village] for c in calls]

    def arr(values: list, dtype: type) -> np.ndarray:
        return np.asarray(values, dtype=dtype)

    return IncidentStream(
        call_min=arr([c.t for c in calls], float),
        type_index=arr([0] * len(calls), np.int64),
        place=arr(places, np.int64),
        township=arr([station[township[p]] for p in places], np.int64),
        priority=arr([c.priority for c in calls], np.int64),
        officers_required=arr([c.need for c in calls], np.int64),
        on_scene_min=arr([c.scene for c in calls], float),
        county_delay_min=arr([c.county_delay for c in calls], float),
        investigation_hours=arr([c.investigation_hours for c in calls], float),
    )


@dataclass(repr=False)
class Run:
    """The records of one model on one hand-made stream, with readable accessors."""

    loaded: LoadedScenario
    model: str
    stream: IncidentStream
    rec: RunRecords
    layout: Any
    engine: Engine = field(repr=False)

    def __repr__(self) -> str:  # short, so a failed assertion shows the rule, not the scenario
        return f"Run({self.model}, {len(self.stream)} calls)"

    def time(self, name: str, i: int) -> float:
        """Time field ``name`` (e.g. ``"first_arrival"``) of call ``i``."""
        return getattr(self.rec, name)[i]

    def counts(self, i: int) -> tuple[int, int, int, int]:
        """(own, other, case, county) officers of call ``i``."""
        r = self.rec
        return (r.by_own[i], r.by_other[i], r.by_case[i], r.by_county[i])

    def travelled(self) -> list[int]:
        """Officer numbers that spent any minute driving to a scene, in order."""
        return [row[0] for row in self.rec.officer_rows if row[MINUTES_AT + TRAVEL] > 0]

    def travel_min(self, officer: int) -> float:
        """Minutes officer ``officer`` spent driving to scenes."""
        return self.rec.officer_rows[officer][MINUTES_AT + TRAVEL]

    def frame(self):
        """The public incident table of this run."""
        return incident_frame(self.rec, self.stream, self.loaded, self.model, 0)

    def investigations(self) -> list[tuple[int, float, float, float, int, bool]]:
        """(incident, created, started, completed, officer, by_case_team), by start time."""
        rows = [(i, v[0], v[1], v[2], v[4], v[5]) for i, v in self.rec.investigations.items()]
        return sorted(rows, key=lambda r: (r[2], r[0]))


def run(
    doc_or_loaded: dict[str, Any] | LoadedScenario,
    model: str,
    calls: list[C],
    handling: list[float] | None = None,
) -> Run:
    """Run ``model`` on the hand-made ``calls`` and return the records.

    ``handling`` fixes each call's handling minutes (in call order) instead of
    the scenario's draw, e.g. to let a later call be handled first.
    """
    loaded = doc_or_loaded if isinstance(doc_or_loaded, LoadedScenario) else load(doc_or_loaded)
    stream = stream_of(loaded, calls)
    number = MODELS[model].stream_id
    layout = MODELS[model](loaded)
    engine = Engine(loaded.scenario, loaded.network, layout, stream, 0, number)
    if handling is not None:
        engine.handling = list(handling)
    rec = engine.run()
    return Run(loaded, model, stream, rec, layout, engine)
