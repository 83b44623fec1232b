"""The pooled (joint station) model: member stations share officers under one command room.

Officers given to the command room leave field duty and form the room's
team (on its own roster); officers given to the case team move to the host
station, investigate, and (if the scenario says) help at calls of high
enough priority. Everyone else stays home as the member's community team,
which also staffs the station's walk-in window when the pool keeps one.
Stations in no pool keep working alone, as in the isolated model.

Its settings are the scenario's ``pooled:`` field: one joint station (a mapping,
pooling every station unless it lists ``members``) or a list of them. Code
outside :mod:`sim.models` and scenario handling reads and writes that field
through the functions here (:func:`pool_blocks`, :func:`with_pools`,
:func:`pools_field`, :func:`pool_path`, exported from :mod:`sim.models`).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .common import add_lone_station, community_officers, duty_hours
from .layout import CASE_TEAM, COMMUNITY, ROOM, GroupPlan, Layout, OfficerPlan, TeamPlan
from .registry import OperatingModel

if TYPE_CHECKING:
    from ..loader import LoadedScenario
    from ..scenario import PoolSpec

NAME = "pooled"
#: The scenario field holding the joint stations (one mapping or a list of mappings).
POOLS_FIELD = "pooled"


def pool_blocks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The joint-station mappings of a scenario document, as a list (edit them in place).

    A single mapping becomes a one-item list; entries that are not mappings
    and a missing field give nothing (validation reports those).
    """
    pools = doc.get(POOLS_FIELD)
    if isinstance(pools, dict):
        return [pools]
    if isinstance(pools, list):
        return [p for p in pools if isinstance(p, dict)]
    return []


def pools_field(pools: list[dict[str, Any]]) -> dict[str, Any]:
    """The scenario-document field holding ``pools`` (joint-station mappings), to merge in."""
    return {POOLS_FIELD: pools}


def with_pools(doc: dict[str, Any], pools: list[dict[str, Any]]) -> dict[str, Any]:
    """A deep copy of the scenario document ``doc`` whose joint stations are ``pools``."""
    out = copy.deepcopy(doc)
    out.update(pools_field(pools))
    return out


def pool_path(pool: PoolSpec) -> str:
    """The dotted path of ``pool`` for notes: ``pooled``, or ``pooled.ID`` when it has an id."""
    return POOLS_FIELD + (f".{pool.id}" if pool.id else "")


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
    return Layout(NAME, tuple(officers), tuple(groups), tuple(teams), tuple(desks))


# Okabe-Ito blue (dark in greyscale) with squares and dots: it stays apart from the
# isolated stations' orange in print and for readers who do not see colour well.
MODEL = OperatingModel(
    NAME, build_pooled, stream_id=1, label="joint station (pooled)",
    style={"color": "#0072B2", "edge": "#003C5E", "linestyle": "--", "marker": "s",
           "hatch": "..."},
)
