"""What an operating model decides: who the officers are and which dispatch groups exist.

An operating model is a function from a loaded scenario to a :class:`Layout`.
The engine (:mod:`sim.engine`) runs any layout the same way, so isolated and
pooled differ only here: which officers may be sent to a call (the group),
how a call is received (a command room or the station desk), and how long a
shortfall waits before the county is asked. A third model is one new module
that returns a Layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from ..distributions import Distribution

COMMUNITY = "community"
CASE_TEAM = "case_team"
ROOM = "room"
#: Roles in the order of :attr:`OfficerPlan.role` codes used by the engine.
ROLES = (COMMUNITY, CASE_TEAM, ROOM)


@dataclass(frozen=True)
class TeamPlan:
    """A team that works one roster: a station, a community team, a case team or a room.

    Attributes
    ----------
    name
        For reports, e.g. ``Taoxi`` or ``Wubei case team``.
    role
        :data:`COMMUNITY`, :data:`CASE_TEAM` or :data:`ROOM`.
    seats
        Officers of the team who sit at its desk whenever that many are on duty
        (a room team sits whole).
    desk
        Where they sit: ``("room", group)`` the group's call-taking desk or
        command room, ``("window", station)`` a pooled station's walk-in
        window, or None.
    duty_hours_per_day
        Scheduled-duty hours per officer on the roll per day.

    """

    name: str
    role: str
    seats: int = 0
    desk: tuple[str, int] | None = None
    duty_hours_per_day: float = 0.0


@dataclass(frozen=True)
class OfficerPlan:
    """One field officer.

    Attributes
    ----------
    station
        Index (in ``scenario.stations``) of the station the officer belongs to.
    role
        :data:`COMMUNITY`, :data:`CASE_TEAM` or :data:`ROOM` (never sent to scenes).
    group
        Index of the dispatch group that may send this officer.
    team
        Index of the officer's team in :attr:`Layout.teams` (its roster).
    base_place
        Place number where the officer waits when not on patrol.
    patrol_places, patrol_cum_weights
        Villages the officer patrols and their cumulative draw weights (empty: never patrols).

    """

    station: int
    role: str
    group: int
    team: int
    base_place: int
    patrol_places: tuple[int, ...]
    patrol_cum_weights: tuple[float, ...]


@dataclass(frozen=True)
class GroupPlan:
    """A dispatch group: a lone station, or a pool of stations under one command room.

    Attributes
    ----------
    name
        Station id or pool id.
    stations
        Station indices whose calls this group answers.
    handling
        Call-handling time (minutes) before dispatch.
    room_staff
        Most call-takers at once (a finite resource): a command room's seats
        or a duty desk's, or None when calls need no seat (handling is then a
        delay with no queue for a call-taker).
    room_civilians
        Seats always staffed by call-takers who are not on the police roll;
        the rest are filled by on-duty officers of the team sitting there.
    county_after_min
        Minutes a shortfall must last before the county is asked.
    case_assist_priority_max
        Case-team officers may be sent to calls of this priority or more urgent
        (0: never).
    investigations_by_case_team
        True: investigations go to the case team; False: to any field officer of the group.

    """

    name: str
    stations: tuple[int, ...]
    handling: Distribution
    room_staff: int | None
    county_after_min: float
    case_assist_priority_max: int
    investigations_by_case_team: bool
    room_civilians: int = 0
    desk_may_respond: bool = False


@dataclass(frozen=True)
class Layout:
    """The officers and dispatch groups of one operating model on one scenario."""

    model: str
    officers: tuple[OfficerPlan, ...]
    groups: tuple[GroupPlan, ...]
    teams: tuple[TeamPlan, ...]
    #: Walk-in desk of each station: ``("room", group)`` or ``("window", station)``;
    #: None when the model has no desk (walk-ins are then not simulated).
    walk_in_desk: tuple[tuple[str, int] | None, ...] = ()

    def group_of_station(self) -> np.ndarray:
        """Return, for each station index, the index of the group answering its calls."""
        import numpy as np  # not at the top: `policesim check` imports this module, never numpy

        n = max(s for g in self.groups for s in g.stations) + 1
        out = np.full(n, -1, dtype=np.int64)
        for gi, g in enumerate(self.groups):
            out[list(g.stations)] = gi
        return out
