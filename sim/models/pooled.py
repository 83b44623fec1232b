"""The pooled (joint station) model: member stations share officers under one command room.

Officers given to the command room leave field duty and form the room's
team (on its own roster); officers given to the case team move to the host
station, investigate, and (if the scenario says) help at calls of high
enough priority. Everyone else stays home as the member's community team,
which also staffs the station's walk-in window when the pool keeps one.
Stations in no pool keep working alone, as in the isolated model.
"""

from __future__ import annotations

from ..loader import LoadedScenario
from ..scenario import PoolSpec
from .common import add_lone_station, community_officers, duty_hours
from .layout import CASE_TEAM, COMMUNITY, ROOM, GroupPlan, Layout, OfficerPlan, TeamPlan


def _pool_group(pool: PoolSpec, members: list[int]) -> GroupPlan:
    case = pool.case_team
    assist = case.assist_priority_max if case and case.assists_emergencies else 0
    drawn = sum(pool.command_room.drawn_from.values())
    return GroupPlan(
        name=pool.pool_id,
        stations=tuple(members),
        handling=pool.command_room.handling_min,
        room_staff=pool.command_room.staff,
        county_after_min=pool.county_after_min,
        case_assist_priority_max=assist,
        investigations_by_case_team=case is not None and sum(case.from_stations.values()) > 0,
        room_civilians=pool.command_room.staff - drawn,
    )


def build_pooled(loaded: LoadedScenario) -> Layout:
    """Return a layout with one group per pool and one per station outside every pool."""
    sc, net = loaded.scenario, loaded.network
    index = {s.id: i for i, s in enumerate(sc.stations)}
    officers: list[OfficerPlan] = []
    groups: list[GroupPlan] = []
    teams: list[TeamPlan] = []
    desks: list[tuple[str, int] | None] = [None] * len(sc.stations)
    pooled_stations: set[int] = set()
    for pool in sc.pools:
        g = len(groups)
        members = [index[m] for m in sc.pool_members(pool)]
        pooled_stations.update(members)
        groups.append(_pool_group(pool, members))
        case = pool.case_team
        host_place = net.station_place[pool.host]
        window = pool.service_window.seats
        room_team = len(teams)
        teams.append(TeamPlan(f"{pool.pool_id} room", ROOM, 0, ("room", g)))
        case_team = len(teams)
        teams.append(
            TeamPlan(f"{pool.pool_id} case team", CASE_TEAM, 0, None, duty_hours(loaded, CASE_TEAM))
        )
        for m in members:
            sid = sc.stations[m].id
            to_room = pool.command_room.drawn_from.get(sid, 0)
            to_case = case.from_stations.get(sid, 0) if case else 0
            t = len(teams)
            teams.append(
                TeamPlan(
                    sid,
                    COMMUNITY,
                    window,
                    ("window", m) if window else None,
                    duty_hours(loaded, COMMUNITY),
                )
            )
            desks[m] = ("window", m) if window else ("room", g)
            officers += community_officers(
                loaded, m, sc.stations[m].officers - to_room - to_case, g, t
            )
            officers += [OfficerPlan(m, CASE_TEAM, g, case_team, host_place, (), ())] * to_case
            officers += [OfficerPlan(m, ROOM, g, room_team, host_place, (), ())] * to_room
    for i in range(len(sc.stations)):
        if i not in pooled_stations:
            desks[i] = add_lone_station(loaded, i, officers, groups, teams)
    return Layout("pooled", tuple(officers), tuple(groups), tuple(teams), tuple(desks))
