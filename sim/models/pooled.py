"""The pooled (joint station) model: member stations share officers under one command room.

Officers given to the command room leave field duty; officers given to the
case team move to the host station, investigate, and (if the scenario says)
help at calls of high enough priority. Everyone else stays home as the
community team. Stations in no pool keep working alone, as in the isolated model.
"""

from __future__ import annotations

from ..loader import LoadedScenario
from .common import community_officers, lone_station_group
from .layout import CASE_TEAM, GroupPlan, Layout, OfficerPlan


def build_pooled(loaded: LoadedScenario) -> Layout:
    """Return a layout with one group per pool and one per station outside every pool."""
    sc, net = loaded.scenario, loaded.network
    index = {s.id: i for i, s in enumerate(sc.stations)}
    officers: list[OfficerPlan] = []
    groups: list[GroupPlan] = []
    room: list[int] = []
    pooled_stations: set[int] = set()
    for pool in sc.pools:
        g = len(groups)
        members = [index[m] for m in sc.pool_members(pool)]
        pooled_stations.update(members)
        case = pool.case_team
        assist = case.assist_priority_max if case and case.assists_emergencies else 0
        groups.append(
            GroupPlan(
                name=pool.pool_id,
                stations=tuple(members),
                handling=pool.command_room.handling_min,
                room_staff=pool.command_room.staff,
                county_after_min=pool.county_after_min,
                case_assist_priority_max=assist,
                investigations_by_case_team=case is not None
                and sum(case.from_stations.values()) > 0,
            )
        )
        host_place = net.station_place[pool.host]
        for m in members:
            sid = sc.stations[m].id
            to_room = pool.command_room.drawn_from.get(sid, 0)
            to_case = case.from_stations.get(sid, 0) if case else 0
            room += [m] * to_room
            officers += community_officers(
                loaded, m, sc.stations[m].officers - to_room - to_case, g
            )
            officers += [OfficerPlan(m, CASE_TEAM, g, host_place, (), ())] * to_case
    for i in range(len(sc.stations)):
        if i not in pooled_stations:
            g = len(groups)
            groups.append(lone_station_group(loaded, i))
            officers += community_officers(loaded, i, sc.stations[i].officers, g)
    return Layout("pooled", tuple(officers), tuple(groups), room_officers=tuple(room))
