"""Pieces both operating models share: community officers, teams and lone-station groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .layout import COMMUNITY, GroupPlan, OfficerPlan, TeamPlan

if TYPE_CHECKING:
    from ..loader import LoadedScenario
    from ..scenario import IsolatedSpec, Scenario

#: The scenario field with the rules of a station working alone (the isolated model's
#: stations, and every station in no joint station under the pooled model).
LONE_STATION_FIELD = "isolated"


def lone_station_rules(sc: Scenario) -> IsolatedSpec:
    """How a station working alone takes calls and when it asks the county.

    The scenario's ``isolated:`` block: ``handling_min`` (minutes at the desk
    per call) and ``county_after_min`` (minutes a shortfall waits).
    """
    return sc.isolated


def lone_station_field(handling_min: Any, county_after_min: float) -> dict[str, Any]:
    """The scenario-document field of a station working alone, to merge into a document.

    Parameters
    ----------
    handling_min
        Call-handling time at the station's desk, minutes: a number or a
        distribution block (``{"dist": "exponential", "mean": 3}``).
    county_after_min
        Minutes a shortfall waits before the county is asked.

    """
    return {
        LONE_STATION_FIELD: {"handling_min": handling_min, "county_after_min": county_after_min}
    }


def patrol_area(
    loaded: LoadedScenario, station_id: str
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Return the villages a community officer of ``station_id`` patrols and cumulative weights.

    Weights follow ``patrol.position``: village demand, or equal. Empty when the
    patrol share is zero or the township has no villages.
    """
    import numpy as np  # not at the top: `policesim check` imports this module, never numpy

    sc, net = loaded.scenario, loaded.network
    found = net.road_index.township_villages.get(station_id)
    places, weights = found if found is not None else net.township_villages(station_id)
    if sc.patrol.share == 0 or len(places) == 0:
        return (), ()
    if sc.patrol.position == "uniform" or weights.sum() == 0:
        weights = np.ones(len(places))
    cum = np.cumsum(weights) / weights.sum()
    return tuple(int(p) for p in places), tuple(float(c) for c in cum)


def duty_hours(loaded: LoadedScenario, role: str) -> float:
    """Scheduled-duty hours per officer per day for ``role`` (0 without ``scheduled_duties``)."""
    duties = loaded.scenario.scheduled_duties
    return 0.0 if duties is None else float(duties.hours_per_day.get(role, 0.0))


def community_officers(
    loaded: LoadedScenario, station_index: int, count: int, group: int, team: int
) -> list[OfficerPlan]:
    """Return ``count`` community officers of one station, answering to ``group``."""
    station = loaded.scenario.stations[station_index]
    places, cum = patrol_area(loaded, station.id)
    base = loaded.network.station_place[station.id]
    return [
        OfficerPlan(station_index, COMMUNITY, group, team, base, places, cum) for _ in range(count)
    ]


def desk_seats(loaded: LoadedScenario) -> int:
    """Duty-desk seats of a station working alone (0 without ``duty_desk``)."""
    desk = loaded.scenario.duty_desk
    return 0 if desk is None else desk.seats


def lone_station_group(loaded: LoadedScenario, station_index: int) -> GroupPlan:
    """Return the group of a station working alone (the isolated model's only kind).

    With a ``duty_desk`` the station's calls need a desk seat, filled from its
    own on-duty officers; without one, handling is a delay that costs nobody.
    """
    sc = loaded.scenario
    seats = desk_seats(loaded)
    rules = lone_station_rules(sc)
    return GroupPlan(
        name=sc.stations[station_index].id,
        stations=(station_index,),
        handling=rules.handling_min,
        room_staff=seats or None,
        county_after_min=rules.county_after_min,
        case_assist_priority_max=0,
        investigations_by_case_team=False,
        desk_may_respond=bool(sc.duty_desk and sc.duty_desk.may_respond),
    )


def lone_station_team(loaded: LoadedScenario, station_index: int, group: int) -> TeamPlan:
    """Return the team of a station working alone: its whole roll, staffing its own desk."""
    seats = desk_seats(loaded)
    return TeamPlan(
        name=loaded.scenario.stations[station_index].id,
        role=COMMUNITY,
        seats=seats,
        desk=("room", group) if seats else None,
        duty_hours_per_day=duty_hours(loaded, COMMUNITY),
    )


def add_lone_station(
    loaded: LoadedScenario,
    station_index: int,
    officers: list[OfficerPlan],
    groups: list[GroupPlan],
    teams: list[TeamPlan],
) -> tuple[str, int] | None:
    """Append a station working alone (group, team, officers); return its walk-in desk."""
    g, t = len(groups), len(teams)
    groups.append(lone_station_group(loaded, station_index))
    teams.append(lone_station_team(loaded, station_index, g))
    officers += community_officers(
        loaded, station_index, loaded.scenario.stations[station_index].officers, g, t
    )
    return ("room", g) if desk_seats(loaded) else None
