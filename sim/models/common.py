"""Pieces both operating models share: community officers and lone-station groups."""

from __future__ import annotations

import numpy as np

from ..loader import LoadedScenario
from ..travel import road_index
from .layout import COMMUNITY, GroupPlan, OfficerPlan


def patrol_area(
    loaded: LoadedScenario, station_id: str
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Return the villages a community officer of ``station_id`` patrols and cumulative weights.

    Weights follow ``patrol.position``: village demand, or equal. Empty when the
    patrol share is zero or the township has no villages.
    """
    sc, net = loaded.scenario, loaded.network
    found = road_index(net).township_villages.get(station_id)
    places, weights = found if found is not None else net.township_villages(station_id)
    if sc.patrol.share == 0 or len(places) == 0:
        return (), ()
    if sc.patrol.position == "uniform" or weights.sum() == 0:
        weights = np.ones(len(places))
    cum = np.cumsum(weights) / weights.sum()
    return tuple(int(p) for p in places), tuple(float(c) for c in cum)


def community_officers(
    loaded: LoadedScenario, station_index: int, count: int, group: int
) -> list[OfficerPlan]:
    """Return ``count`` community officers of one station, answering to ``group``."""
    station = loaded.scenario.stations[station_index]
    places, cum = patrol_area(loaded, station.id)
    base = loaded.network.station_place[station.id]
    return [OfficerPlan(station_index, COMMUNITY, group, base, places, cum) for _ in range(count)]


def lone_station_group(loaded: LoadedScenario, station_index: int) -> GroupPlan:
    """Return the group of a station working alone (the isolated model's only kind)."""
    sc = loaded.scenario
    return GroupPlan(
        name=sc.stations[station_index].id,
        stations=(station_index,),
        handling=sc.isolated.handling_min,
        room_staff=None,
        county_after_min=sc.isolated.county_after_min,
        case_assist_priority_max=0,
        investigations_by_case_team=False,
    )
