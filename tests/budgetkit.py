"""Tiny hand-made scenarios and hand-written incident streams for exact rule tests.

``tiny(...)`` builds a scenario document: stations ``S1``..``Sk`` each with
one village ``Sk-V`` a given number of minutes away, the stations joined by a
road of ``between_min``. ``run(doc, model, calls)`` runs one model on calls
given by hand (no random arrivals), so every time in the records can be
checked on paper.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import Engine
from sim.incidents import IncidentStream, WalkInStream, draw_walk_ins
from sim.loader import scenario_from_dict
from sim.models import MODELS
from sim.records import dispatch_frame, incident_frame, officer_frame, walk_in_frame


def tiny(
    officers: list[int],
    village_min: float = 5.0,
    between_min: float = 10.0,
    horizon_days: float = 1.0,
    **extra: Any,
) -> dict[str, Any]:
    """Return a scenario document with one station and one village per entry of ``officers``."""
    names = [f"S{k + 1}" for k in range(len(officers))]
    nodes = [{"id": n, "kind": "station"} for n in names]
    nodes += [{"id": f"{n}-V", "township": n, "weight": 1.0} for n in names]
    edges = [{"from": n, "to": f"{n}-V", "minutes": village_min} for n in names]
    edges += [{"from": a, "to": b, "minutes": between_min} for a, b in zip(names, names[1:])]
    doc: dict[str, Any] = {
        "name": "tiny",
        "seed": 1,
        "horizon_days": horizon_days,
        "replications": 1,
        "network": {"nodes": nodes, "edges": edges},
        "stations": [{"id": n, "node": n, "officers": k} for n, k in zip(names, officers)],
        "patrol": {"share": 0.0},
        "county": {"enabled": True, "reinforcement_delay_min": {"dist": "fixed", "value": 50}},
        "isolated": {"handling_min": {"dist": "fixed", "value": 0}, "county_after_min": 0},
        "pooled": {
            "host": "S1",
            "command_room": {"staff": 1, "drawn_from": {}},
            "county_after_min": 0,
        },
        "incident_types": [
            {"id": "call", "rate_per_day": 1.0, "on_scene_min": {"dist": "fixed", "value": 30}}
        ],
    }
    for key, value in extra.items():
        doc[key] = copy.deepcopy(value)
    return doc


@dataclass
class Call:
    """A call given by hand: minute, station number (0-based), priority, officers, scene minutes."""

    t: float
    station: int = 0
    priority: int = 2
    need: int = 1
    scene_min: float = 30.0
    county_delay_min: float = 50.0
    investigation_hours: float = float("nan")


@dataclass
class Run:
    """The records of one hand-fed run."""

    incidents: pd.DataFrame
    officers: pd.DataFrame
    dispatches: pd.DataFrame
    walk_ins: pd.DataFrame
    engine: Engine


def stream_of(loaded, calls: list[Call]) -> IncidentStream:
    """Return an incident stream holding exactly ``calls`` (each at its station's village)."""
    net = loaded.network
    place = [net.places.index(f"S{c.station + 1}-V") for c in calls]

    def arr(values, dtype=float):
        return np.asarray(values, dtype=dtype)

    return IncidentStream(
        call_min=arr([c.t for c in calls]),
        type_index=arr([0] * len(calls), np.int64),
        place=arr(place, np.int64),
        township=arr([c.station for c in calls], np.int64),
        priority=arr([c.priority for c in calls], np.int64),
        officers_required=arr([c.need for c in calls], np.int64),
        on_scene_min=arr([c.scene_min for c in calls]),
        county_delay_min=arr([c.county_delay_min for c in calls]),
        investigation_hours=arr([c.investigation_hours for c in calls]),
    )


def run(
    doc: dict[str, Any],
    model: str,
    calls: list[Call],
    handling: list[float] | None = None,
    visitors: list[tuple[float, int, float]] | None = None,
) -> Run:
    """Run ``model`` on the hand-given ``calls``.

    ``handling`` fixes each call's handling minutes; ``visitors`` gives the
    walk-ins by hand as (minute, station number, service minutes) instead of
    drawing them from the scenario's rates.
    """
    loaded = scenario_from_dict(doc)
    layout = MODELS[model](loaded)
    stream = stream_of(loaded, calls)
    if visitors is None:
        walk_ins = draw_walk_ins(loaded.scenario, 0)
    else:
        walk_ins = WalkInStream(
            np.asarray([v[0] for v in visitors], dtype=float),
            np.asarray([v[1] for v in visitors], dtype=np.int64),
            np.asarray([v[2] for v in visitors], dtype=float),
        )
    engine = Engine(loaded.scenario, loaded.network, layout, stream, 0, 0, walk_ins)
    if handling is not None:
        engine.handling = list(handling)
    rec = engine.run()
    return Run(
        incident_frame(rec, stream, loaded, model, 0),
        officer_frame(rec, loaded, layout, model, 0),
        dispatch_frame(rec, stream, loaded, model, 0),
        walk_in_frame(rec, walk_ins, loaded, model, 0),
        engine,
    )
