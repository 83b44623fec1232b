"""The discrete-event engine: one operating model, one incident stream, one replication.

SimPy supplies the clock's event heap and ids (ties resolve by insertion
order, so a run is deterministic). Calls and officers are a small state machine
driven by callbacks on timed entries of SimPy's heap rather than one generator process per
call: a call's officers are chosen, re-chosen and released by events that
belong to other calls, which a per-call process would only wrap. Per call the
engine schedules one arrival, one handling event (two more with a command
room), one travel event per officer with a non-zero journey, one county event
if asked, and one clearance.

Rules (also in ``docs/model.md``):

* A call is received (station desk delay, or a command-room call-taker for
  the handling time), then the nearest free eligible officers of its group
  are sent, by travel minutes from where each officer is now (ties: lower
  officer number).
* A shortfall waits in the group's priority queue (priority, then call time).
  A freed officer takes the head of its group's queue, else investigation
  work if it is an investigator, else becomes free: on patrol at a village of
  its own area with probability ``patrol.share``, otherwise at its base.
* The county is asked for the whole remaining shortfall once it has lasted
  ``county_after_min`` (``requests: partial_shortfall`` also needs at least one
  officer already sent); county officers all arrive after one delay draw.
* On-scene work starts at the first arrival and lasts ``on_scene_min``; the
  scene clears then, or when the last unit already on its way has arrived.
  Demand still queued at clearance is cancelled, so no call holds officers
  forever waiting for help that cannot come.

Speed (``benchmarks/README.md`` has the measurements): SimPy supplies the
clock's heap and event ids, but the engine runs its own loop over them
(:meth:`Engine._at` pushes ``(time, priority, id, callback)`` entries exactly
where ``env.timeout(...).callbacks.append`` would, :meth:`Engine._run_until`
pops them with ``Environment.run``'s stopping rule), without a ``Timeout``
object or ``Environment.step`` per event, and with the garbage collector
paused. Everything the event loop touches is a plain Python object prepared
before the run -- travel
tables per dispatch group as lists of floats (:mod:`sim.travel`, never the
whole network's all-pairs array), the incident stream as lists, handling
times drawn up front, records in preallocated arrays. The command room is a
small priority queue that schedules exactly the events a
``simpy.PriorityResource`` would (request granted, release processed) without
its bookkeeping. Large groups (more than :data:`INDEX_MIN_OFFICERS` field
officers) keep their free officers by place, so the nearest-officer search
walks places outward from the call instead of scanning every officer; small
groups scan, which is faster for a handful. Both searches choose exactly the
same officers.
"""

from __future__ import annotations

import gc
import heapq
import math
from bisect import bisect_right, insort
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import simpy

from .incidents import MIN_PER_DAY, IncidentStream, WalkInStream
from .models.layout import CASE_TEAM, ROLES, ROOM, GroupPlan, Layout
from .records import (
    DESK,
    DUTY,
    INVESTIGATION,
    OFF_DUTY,
    PATROL,
    RETURN,
    SCENE,
    STATE_NAMES,
    STATION,
    TRAVEL,
    RunRecords,
)
from .scenario import Scenario
from .seeds import rng
from .travel import GroupTable, group_travel

if TYPE_CHECKING:
    from .network import RoadNetwork

#: Groups with more community officers than this keep a by-place index of free officers.
INDEX_MIN_OFFICERS = 40

#: Posts an officer can hold in an hour of its team's roster.
OFF, FIELD, SEAT = 0, 1, 2

_heappush = heapq.heappush
_heappop = heapq.heappop
#: SimPy's event priorities (``simpy.events.URGENT`` and ``NORMAL``).
_URGENT, _NORMAL = 0, 1
_isnan = math.isnan
_NAN = math.nan
_INF = math.inf
_FREE_STATES = (PATROL, STATION, RETURN)
#: Scheduled-duty backlogs below this many minutes count as done (float dust).
_DUTY_EPS = 1e-9


class Officer:
    """An officer's mutable state during one run (field officers and room officers)."""

    __slots__ = (
        "id",
        "station",
        "case",
        "role",
        "group",
        "team",
        "base",
        "patrol_places",
        "patrol_cum",
        "state",
        "since",
        "rest",
        "rest_state",
        "scene",
        "settle_at",
        "minutes",
        "call",
        "post",
        "token",
        "origin",
        "drow",
        "job",
        "seat",
        "role_name",
        "grp",
        "tm",
    )

    def __init__(
        self,
        oid: int,
        station: int,
        role: int,
        group: int,
        team: int,
        base: int,
        patrol_places: tuple[int, ...],
        patrol_cum: tuple[float, ...],
    ) -> None:
        self.id = oid
        self.station = station
        self.role = role
        self.case = ROLES[role] == CASE_TEAM
        self.group = group
        self.team = team
        self.base = base  # local place number in the group
        self.patrol_places = patrol_places
        self.patrol_cum = patrol_cum
        self.state = OFF_DUTY
        self.since = 0.0
        self.rest = base  # where the officer settles when free
        self.rest_state = STATION
        self.scene = base  # where the officer was freed
        self.settle_at = 0.0  # when it reaches ``rest``
        self.minutes = [0.0] * len(STATE_NAMES)
        self.call: Call | None = None
        self.post = OFF
        self.token = 0  # bumped whenever a scheduled event of this officer becomes stale
        self.origin = base  # where its current journey started
        self.drow = -1  # its current dispatch record row
        self.job: CaseJob | float | None = None  # case work in hand, or a duty block's end
        self.seat: Room | None = None  # the desk it sits at
        self.role_name = ROLES[role]
        self.grp: Group  # its dispatch group and roster team (set by the engine)
        self.tm: Team


class Call:
    """A call's mutable state during one run.

    Scene work is ``on_scene_min x need`` person-minutes, done at a rate of
    ``min(crew, need)`` officers; ``token`` invalidates a scheduled clearance
    when the crew changes. One is made per call in the event loop, so fields
    that start the same for every call are class-level defaults (an instance
    dict, not ``__slots__``): creating a call sets only the nine that differ,
    about half the cost of setting twenty slots.
    """

    assigned = 0  # group officers sent
    crew = 0  # officers on scene now (county counted by head)
    work_left = _INF  # person-minutes of scene work left (set at first arrival)
    work_t = 0.0
    token = 0
    county_ok_at = _INF
    county_n = 0  # county heads still coming
    county_eta = _INF
    county_rows: list[int] | tuple[()] = ()  # replaced by a list when the county is asked
    revisits = 0  # own officers sent in place of county heads
    cleared = False

    def __init__(
        self,
        i: int,
        place: int,
        station: int,
        priority: int,
        call_min: float,
        need: int,
        group: Group,
    ) -> None:
        self.i = i
        self.place = place  # local place number in the group
        self.station = station
        self.priority = priority
        self.call_min = call_min
        self.need = need
        self.remaining = need  # demand not yet met by anyone sent or asked
        self.officers: list[Officer] = []
        self.group = group


class CaseJob:
    """An investigation: ``left`` minutes of work for a crew of ``crew`` officers."""

    __slots__ = ("i", "left", "crew", "officers", "t0", "token", "started")

    def __init__(self, i: int, minutes: float, crew: int) -> None:
        self.i = i
        self.left = minutes
        self.crew = crew
        self.officers: list[Officer] = []
        self.t0 = 0.0
        self.token = 0
        self.started = False


class Room:
    """Desk seats (a duty desk, a command room or a walk-in window): a priority queue.

    What ``simpy.PriorityResource`` does, with fewer objects, plus a capacity
    that follows who is sitting: ``capacity`` is the civilian seats plus the
    officers at the desk now. A request is granted at once when a seat is
    free (the grant is an event at the current time, as SimPy's request event
    is), else it waits in priority order (priority, then request time, then
    arrival order). A release frees the seat at once and, when the release
    event is processed, grants the head of the queue if a seat is still free.
    Items are calls (kind 0) and walk-in visitors (kind 1).
    """

    __slots__ = ("capacity", "users", "waiting", "seq", "sitters")

    def __init__(self, civilians: int) -> None:
        self.capacity = civilians
        self.users = 0
        self.waiting: list[tuple[int, float, int, int, object]] = []
        self.seq = 0
        self.sitters: set[Officer] = set()


class FreeIndex:
    """Free community officers of a large group, by where they are.

    ``at[p]`` holds officers settled at local place ``p``; ``moving`` those
    still driving to their rest place (they count as being where they were
    freed until ``settle_at``), promoted lazily by a heap of settle times.
    """

    __slots__ = ("at", "moving", "heap", "seq", "table")

    def __init__(self, table: GroupTable) -> None:
        self.table = table
        self.at: list[set[Officer]] = [set() for _ in range(len(table.rows))]
        self.moving: set[Officer] = set()
        self.heap: list[tuple[float, int, Officer]] = []
        self.seq = 0

    def add(self, o: Officer, now: float) -> None:
        """Index free officer ``o`` (settled, or moving until ``o.settle_at``)."""
        if o.settle_at > now:
            self.moving.add(o)
            self.seq += 1
            _heappush(self.heap, (o.settle_at, self.seq, o))
        else:
            self.at[o.rest].add(o)

    def remove(self, o: Officer) -> None:
        """Forget free officer ``o`` (it was sent, went off duty or took other work)."""
        if o in self.moving:
            self.moving.remove(o)
        else:
            self.at[o.rest].discard(o)

    def candidates(self, dest: int, k: int, now: float) -> list[tuple[float, int, Officer]]:
        """Return (minutes, id, officer) of free officers including the ``k`` nearest to ``dest``.

        Officers still moving are all included; settled officers are collected
        place by place, nearest place first, until ``k`` are found and every
        place as near as the ``k``-th has been taken.
        """
        heap, moving, at = self.heap, self.moving, self.at
        while heap and heap[0][0] <= now:
            t, _, o = _heappop(heap)
            if o in moving and o.settle_at == t:
                moving.remove(o)
                at[o.rest].add(o)
        rows = self.table.rows
        out = [(rows[o.scene][dest], o.id, o) for o in moving]
        found = 0
        level = _INF
        full = False
        for p in self.table.nearest_first(dest):
            bucket = at[p]
            if bucket:
                d = rows[p][dest]
                if full and d > level:
                    break
                out += [(d, o.id, o) for o in bucket]
                found += len(bucket)
                if not full and found >= k:
                    full = True
                    level = d
        return out


class Group:
    """A dispatch group's state: free officers, call queue, investigations, travel table."""

    def __init__(self, index: int, plan: GroupPlan, places: list[int], table: GroupTable) -> None:
        self.index = index
        self.plan = plan
        self.places = places
        self.local = {p: k for k, p in enumerate(places)}
        self.table = table
        self.tt: list = table.rows
        self.free_community: set[Officer] = set()
        self.free_case: set[Officer] = set()
        self.free_index: FreeIndex | None = None
        self.field: list[Officer] = []  # its community and case-team officers, by number
        self.calls: list[tuple[int, float, int, Call]] = []
        self.county_calls: list[tuple[int, float, int, Call]] = []
        self.investigations: deque[CaseJob] = deque()
        self.room = Room(plan.room_civilians) if plan.room_staff else None
        self.handles = plan.handling.maximum != 0.0
        self.county_after = plan.county_after_min
        self.assist_max = plan.case_assist_priority_max
        self.pull_busy = False  # may short calls take officers from other work (set by Engine)


class Team:
    """A roster's state: its officers by number, who is on duty now, its duty backlog."""

    def __init__(self, index: int, members: list[Officer], seats: int, desk: Room | None) -> None:
        self.index = index
        self.members = members
        self.seats = seats
        self.desk = desk
        self.start = 0  # first member of the on-duty window (the roster rotates)
        self.k = len(members)  # members on duty now
        self.carry = 0.0  # officer-hours the roster still owes (rounding carried over)
        self.duty_backlog = 0.0  # minutes of scheduled duties due and not yet taken

    def posts(self) -> list[int]:
        """Return each member's post for the current window (in member order)."""
        n = len(self.members)
        out = [OFF] * n
        for j in range(self.k):
            out[(self.start + j) % n] = SEAT if j < self.seats else FIELD
        return out


class Engine:
    """Run one layout against one incident stream; :meth:`run` returns the records.

    ``network`` is the scenario's :class:`~sim.network.RoadNetwork`; travel
    tables come from :func:`sim.travel.group_travel`, one per dispatch group.
    ``walk_ins`` are the replication's station visitors (None: none).
    """

    def __init__(
        self,
        scenario: Scenario,
        network: RoadNetwork,
        layout: Layout,
        stream: IncidentStream,
        replication: int,
        model_number: int,
        walk_ins: WalkInStream | None = None,
    ) -> None:
        self.sc = scenario
        self.layout = layout
        self.stream = stream
        self.walk_ins = walk_ins if walk_ins is not None and len(walk_ins) else None
        self.env = simpy.Environment()
        self._queue = self.env._queue  # SimPy's event heap (see _at)
        self._eid = self.env._eid  # SimPy's event-id counter
        self.now = 0.0  # the clock: the time of the event being processed
        self.warmup = scenario.warmup_days * MIN_PER_DAY
        self.horizon = scenario.horizon_days * MIN_PER_DAY
        self.county_on = scenario.county.enabled
        self.county_partial = scenario.county.requests == "partial_shortfall"
        self.county_stand_down = scenario.county.revisit == "stand_down"
        self.patrol_share = scenario.patrol.share
        self.turnout = scenario.turnout_min
        duties = scenario.scheduled_duties
        self.duty_block = duties.block_min if duties else 0.0
        self.duty_interrupt = bool(duties and duties.interruptible)
        self.case_interrupt = scenario.case_work.interruptible
        pre = scenario.preemption
        self.preempt_max = pre.max_priority if pre.enabled else 0
        standby = scenario.standby
        self.standby_max = standby.max_priority if standby.enabled else 0
        self.call_in = standby.call_in_min
        self.walk_in_priority = self._walk_in_priority()
        self.group_of_station = layout.group_of_station().tolist()
        places = self._group_places(network)
        self.groups = [
            Group(gi, g, places[gi], group_travel(network, places[gi]))
            for gi, g in enumerate(layout.groups)
        ]
        self.windows: dict[int, Room] = {
            t.desk[1]: Room(0) for t in layout.teams if t.desk and t.desk[0] == "window"
        }
        self.officers = self._make_officers()
        self.teams = self._make_teams()
        for o in self.officers:
            o.grp = self.groups[o.group]
            o.tm = self.teams[o.team]
        #: Free community officers per station now (``own_free`` without a scan).
        self._own_free = [0] * len(scenario.stations)
        for o in self.officers:  # one pass: no groups x officers scan
            if ROLES[o.role] != ROOM:
                self.groups[o.group].field.append(o)
        for g in self.groups:
            n_community = sum(1 for o in g.field if not o.case)
            if n_community > INDEX_MIN_OFFICERS:
                g.free_index = FreeIndex(g.table)
            g.pull_busy = self._can_pull_busy(g)
        n = len(stream)
        self._uniforms = rng(scenario.seed, replication, "patrol", (model_number,))
        self._ubuf: list[float] = []
        self.handling = self._draw_handling(replication, model_number, n)
        self.rec = RunRecords(n, len(self.officers), len(walk_ins) if walk_ins else 0)

    # ----------------------------------------------------------------- setup
    def _walk_in_priority(self) -> int:
        spec = self.sc.walk_ins
        if spec is not None and spec.priority is not None:
            return spec.priority
        return max(t.priority for t in self.sc.incident_types) + 1

    def _group_places(self, network: RoadNetwork) -> list[list[int]]:
        """Per group, the global place numbers its officers and calls can be at (sorted).

        A group's calls come from the villages of its townships; its officers
        sit at their bases and patrol villages.
        """
        stations = self.sc.stations
        by_township: dict[str, list[int]] = {}
        for place, township in zip(network.villages.tolist(), network.village_township):
            by_township.setdefault(township, []).append(place)
        sets: list[set[int]] = []
        for g in self.layout.groups:
            s: set[int] = set()
            for st in g.stations:
                s.update(by_township.get(stations[st].id, ()))
            sets.append(s)
        for o in self.layout.officers:
            s = sets[o.group]
            s.add(o.base_place)
            s.update(o.patrol_places)
        return [sorted(s) for s in sets]

    def _make_officers(self) -> list[Officer]:
        out = []
        for oid, p in enumerate(self.layout.officers):
            g = self.groups[p.group]
            o = Officer(
                oid,
                p.station,
                ROLES.index(p.role),
                p.group,
                p.team,
                g.local[p.base_place],
                tuple(g.local[v] for v in p.patrol_places),
                p.patrol_cum_weights,
            )
            out.append(o)
        return out

    def _desk(self, where: tuple[str, int] | None) -> Room | None:
        if where is None:
            return None
        kind, k = where
        return self.groups[k].room if kind == "room" else self.windows[k]

    def _make_teams(self) -> list[Team]:
        members: list[list[Officer]] = [[] for _ in self.layout.teams]
        for o in self.officers:
            members[o.team].append(o)
        teams = []
        for k, plan in enumerate(self.layout.teams):
            seats = len(members[k]) if plan.role == ROOM else plan.seats
            teams.append(Team(k, members[k], seats, self._desk(plan.desk)))
        return teams

    def _can_pull_busy(self, g: Group) -> bool:
        """Whether a short call of ``g`` may take officers from other work than being free."""
        return bool(
            self.duty_interrupt
            or self.case_interrupt
            or self.preempt_max
            or self.standby_max
            or (g.plan.desk_may_respond and g.room is not None)
        )

    def _draw_handling(self, replication: int, model_number: int, n: int) -> list[float]:
        """Call-handling minutes of every call, each drawn from its own group's stream.

        Group ``gi``'s stream gives one draw per call of that group, in call
        order, so set-up draws one number per call in all (linear in calls,
        not groups x calls). Groups whose handling is always zero draw nothing.
        """
        if n == 0:
            return []
        out = np.zeros(n)
        group_of_call = np.asarray(self.group_of_station, dtype=np.int64)[self.stream.township]
        order = np.argsort(group_of_call, kind="stable")
        bounds = np.searchsorted(group_of_call[order], np.arange(len(self.layout.groups) + 1))
        for gi, g in enumerate(self.layout.groups):
            if g.handling.maximum == 0.0:
                continue
            idx = order[bounds[gi] : bounds[gi + 1]]
            if len(idx) == 0:
                continue
            gen = rng(self.sc.seed, replication, "handling", (model_number, gi))
            out[idx] = g.handling.sample(gen, len(idx))
        return out.tolist()

    def _uniform(self) -> float:
        """Refill the (empty) buffer of patrol uniforms and return the next one.

        The buffer list is refilled in place, so callers may hold it and pop
        from it while it is not empty.
        """
        buf = self._ubuf
        if not buf:
            buf[:] = self._uniforms.random(4096).tolist()
        return buf.pop()

    # ------------------------------------------------------------------- run
    def run(self) -> RunRecords:
        """Simulate to the horizon and return the filled records."""
        s = self.stream
        self._calls = s.call_min.tolist()
        self._place = s.place.tolist()
        self._town = s.township.tolist()
        self._prio = s.priority.tolist()
        self._need = s.officers_required.tolist()
        self._scene_min = s.on_scene_min.tolist()
        self._county_delay = s.county_delay_min.tolist()
        self._inv_hours = s.investigation_hours.tolist()
        crews = np.array(
            [t.investigation.crew if t.investigation else 1 for t in self.sc.incident_types]
        )
        self._inv_crew = crews[s.type_index].tolist() if len(s) else []
        self._call_group, self._call_local = self._group_of_calls()
        self._next = 0
        self._arrival_cb = self._on_arrival  # one bound method for every arrival event
        self._n_calls = len(self._calls)
        self._apply_posts()  # everyone takes their post at time 0
        if self._calls:
            # One arrival event at a time, each scheduled when the previous call
            # has been received (the order a SimPy source process would give).
            self._at(self._calls[0] - self.now, self._on_arrival)
        if self.walk_ins is not None:
            self._walk_next = 0
            wi = self.walk_ins
            self._walk_at = wi.arrival_min.tolist()
            self._walk_service = wi.service_min.tolist()
            desks = [self._desk(d) for d in self.layout.walk_in_desk]
            self._walk_desk = [desks[s] for s in wi.station.tolist()]
            first = self._walk_at[0]
            self._at(first, self._on_walk_in)
        if self.sc.shifts is not None:
            self._shift_changes()
        for team in self.teams:
            self._start_duties(team)
        self._run_until(self.horizon)
        for o in self.officers:
            self._close(o, self.horizon)
        self.rec.set_officers(self.officers, self.warmup, self.horizon)
        self.rec.backlog_at_end = sum(
            1 for g in self.groups for *_, c in g.calls if c.remaining > 0 and not c.cleared
        )
        self.rec.investigations_waiting = sum(len(g.investigations) for g in self.groups)
        return self.rec

    def _at(self, delay: float, callback, priority: int = 1) -> None:
        """Call ``callback()`` ``delay`` minutes from now (a SimPy timeout without the object).

        The entry goes on SimPy's own event heap with SimPy's next event id, so
        events run in exactly the order ``env.timeout(delay).callbacks.append``
        would give; :meth:`_run_until` processes them.
        """
        _heappush(self._queue, (self.now + delay, priority, next(self._eid), callback))

    def _run_until(self, until: float) -> None:
        """Process the events before ``until`` as ``env.run(until=until)`` would.

        SimPy's run schedules an urgent stop event at ``until`` (taking one event
        id) and stops there; this loop takes the same id and stops at the same
        point, calling each entry's callback directly instead of going through a
        ``simpy.Event`` and ``Environment.step``.
        """
        queue = self._queue
        stop = (until, _URGENT, next(self._eid))
        pop = _heappop
        # The loop makes no reference cycles that outlive an event, but allocates
        # millions of tracked objects (heap entries, calls, record rows) whose
        # young-generation collections cost ~10% of the run: collect afterwards.
        collecting = gc.isenabled()
        gc.disable()
        try:
            while queue and queue[0] < stop:
                self.now, _, _, callback = pop(queue)
                callback()
        finally:
            if collecting:
                gc.enable()
        self.now = self.env._now = until

    def _group_of_calls(self) -> tuple[list[Group], list[int]]:
        """Each call's dispatch group and its place's local number there (lists, by call)."""
        s = self.stream
        if len(s) == 0:
            return [], []
        group_of_call = np.asarray(self.group_of_station, dtype=np.int64)[s.township]
        local = np.empty(len(s), dtype=np.int64)
        order = np.argsort(group_of_call, kind="stable")
        bounds = np.searchsorted(group_of_call[order], np.arange(len(self.groups) + 1))
        for g in self.groups:
            idx = order[bounds[g.index] : bounds[g.index + 1]]
            places = np.asarray(g.places, dtype=np.int64)
            at = s.place[idx]
            pos = np.searchsorted(places, at)
            if len(idx) and (pos.max() >= len(places) or (places[pos] != at).any()):
                raise KeyError(f"a call of group {g.index} is at a place outside the group")
            local[idx] = pos
        groups = self.groups
        return [groups[k] for k in group_of_call.tolist()], local.tolist()

    def _on_arrival(self) -> None:
        i = self._next
        g = self._call_group[i]
        call = Call(
            i, self._call_local[i], self._town[i], self._prio[i], self._calls[i], self._need[i], g
        )
        if g.handles:
            self._receive(call, g)
        else:
            self._dispatch(call, g)
        i += 1
        self._next = i
        if i < self._n_calls:  # self._at, inline
            now = self.now
            _heappush(
                self._queue,
                (now + (self._calls[i] - now), _NORMAL, next(self._eid), self._arrival_cb),
            )

    def _on_walk_in(self) -> None:
        w = self._walk_next
        room = self._walk_desk[w]
        if room is not None:
            self._enqueue(room, self.walk_in_priority, 1, w)
        w += 1
        self._walk_next = w
        if w < len(self._walk_at):
            self._at(self._walk_at[w] - self.now, self._on_walk_in)

    def _receive(self, call: Call, g: Group) -> None:
        """Take a call: at a free seat of the group's desk or room, else as a plain delay.

        A desk with nobody at it (its only on-duty officer is out on a call)
        does not leave the phone ringing: the call is forwarded to the duty
        officer's phone and handled in the usual time without a seat.
        """
        if not g.handles:
            self._dispatch(call, g)
        elif g.room is None or g.room.capacity == 0:
            self._at(self.handling[call.i], lambda: self._dispatch(call, g))
        else:
            self._enqueue(g.room, call.priority, 0, call)

    # ------------------------------------------------------- desks and rooms
    def _enqueue(self, room: Room, priority: int, kind: int, item: object) -> None:
        room.seq += 1
        _heappush(room.waiting, (priority, self.now, room.seq, kind, item))
        if room.users < room.capacity:
            self._grant(room)

    def _grant(self, room: Room) -> None:
        """Give the head of ``room``'s queue a seat; service starts when the grant event runs."""
        _, _, _, kind, item = _heappop(room.waiting)
        room.users += 1
        self._at(0, lambda: self._serve(room, kind, item))

    def _serve(self, room: Room, kind: int, item) -> None:
        if kind == 0:
            minutes = self.handling[item.i]
        else:
            self.rec.walk_in_started[item] = self.now
            minutes = self._walk_service[item]
        self._at(minutes, lambda: self._served(room, kind, item))

    def _served(self, room: Room, kind: int, item) -> None:
        room.users -= 1
        self._at(0, lambda: self._room_released(room))
        if kind == 0:
            self._dispatch(item, item.group)
        else:
            self.rec.walk_in_done[item] = self.now

    def _room_released(self, room: Room) -> None:
        if room.waiting and room.users < room.capacity:
            self._grant(room)

    def _sit(self, o: Officer, room: Room) -> None:
        """Officer ``o`` takes a seat at ``room`` (at its base) now."""
        self._close(o, self.now)
        o.state = DESK
        o.seat = room
        room.sitters.add(o)
        room.capacity += 1
        if room.waiting and room.users < room.capacity:
            self._grant(room)

    def _unsit(self, o: Officer) -> None:
        """Officer ``o`` leaves its seat (a call in hand at that seat is finished by the desk)."""
        self._close(o, self.now)
        room = o.seat
        room.sitters.discard(o)
        room.capacity -= 1
        o.seat = None

    def _go_to_desk(self, o: Officer, place: int) -> None:
        """Send ``o`` from local ``place`` to its team's desk; it sits on arrival."""
        room = self.teams[o.team].desk
        g = self.groups[o.group]
        minutes = g.tt[place][o.base]
        if minutes == 0.0:
            self._sit(o, room)
            return
        now = self.now
        o.token += 1
        token = o.token
        o.state = RETURN
        o.since = now
        o.scene = place
        o.rest = o.base
        o.rest_state = DESK
        o.settle_at = now + minutes

        def arrive() -> None:
            if o.token == token and o.post == SEAT:
                self._sit(o, room)

        self._at(minutes, arrive)

    # -------------------------------------------------------------- dispatch
    def _dispatch(self, call: Call, g: Group) -> None:
        """Send the nearest free eligible officers; queue or escalate the shortfall."""
        now = self.now
        rec = self.rec
        rec.handled[call.i] = now
        call.county_ok_at = now + g.county_after
        need = call.need
        assist = g.free_case and call.priority <= g.assist_max
        rec.own_free[call.i] = self._own_free[call.station]
        n_free = len(g.free_community) + (len(g.free_case) if assist else 0)
        if n_free:
            if n_free == 1:
                chosen = list(g.free_community or g.free_case)
            elif n_free <= need:
                pool = list(g.free_community)
                if assist:
                    pool += g.free_case
                pool.sort(key=lambda o: o.id)
                chosen = pool
            elif need == 1 and g.free_index is None:
                # The nearest one (ties: lower number), without a tuple per officer.
                row = g.tt
                dest = call.place
                best = None
                best_d = _INF
                best_id = 0
                for o in [*g.free_community, *g.free_case] if assist else g.free_community:
                    d = row[o.rest if now >= o.settle_at else o.scene][dest]
                    if best is None or d < best_d or (d == best_d and o.id < best_id):
                        best, best_d, best_id = o, d, o.id
                chosen = (best,)
            else:
                row = g.tt
                dest = call.place
                if g.free_index is not None:
                    keyed = g.free_index.candidates(dest, need, now)
                else:
                    keyed = [
                        (row[o.rest if now >= o.settle_at else o.scene][dest], o.id, o)
                        for o in g.free_community
                    ]
                if assist:
                    keyed += [
                        (row[o.rest if now >= o.settle_at else o.scene][dest], o.id, o)
                        for o in g.free_case
                    ]
                if need == 1:
                    chosen = [min(keyed)[2]]
                else:
                    keyed.sort()
                    chosen = [k[2] for k in keyed[:need]]
            for o in chosen:
                self._send(o, call, g, o.rest if now >= o.settle_at else o.scene, True)
        if call.remaining > 0 and g.pull_busy:
            self._pull_busy(call, g)
        if call.remaining > 0:
            _heappush(g.calls, (call.priority, call.call_min, call.i, call))
            self._county_timer(call, g)

    def _county_timer(self, call: Call, g: Group) -> None:
        if not self.county_on:
            return
        if g.county_after > 0:
            self._at(g.county_after, lambda: self._maybe_county(call))
        else:
            self._maybe_county(call)

    def _pull_busy(self, call: Call, g: Group) -> None:
        """Take officers from interruptible work for short ``call``, nearest first.

        In order: scheduled duties, case work (when interruptible), an idle
        desk officer (``may_respond``), off-duty officers on standby (called in
        from their station after ``standby.call_in_min``), then officers on
        scene at less urgent calls (preemption, for calls of priority <=
        ``max_priority``); nearest first within each.
        """
        dest = call.place
        tt = g.tt
        cands = []
        preempt = call.priority <= self.preempt_max
        standby = call.priority <= self.standby_max
        for o in g.field:
            if o.case and call.priority > g.assist_max:
                continue
            st = o.state
            if o.post != FIELD:
                if standby and o.post == OFF and st == OFF_DUTY:
                    cands.append((3, self.call_in + tt[o.base][dest], o.id, o, o.base))
                continue
            if st == DUTY and self.duty_interrupt:
                cands.append((0, tt[o.rest][dest], o.id, o, o.rest))
            elif st == INVESTIGATION and self.case_interrupt:
                cands.append((1, tt[o.base][dest], o.id, o, o.base))
            elif st == SCENE and preempt and o.call.priority > call.priority:
                cands.append((4, tt[o.call.place][dest], o.id, o, o.call.place))
        room = g.room
        if g.plan.desk_may_respond and room is not None:
            idle = room.capacity - room.users
            for o in sorted(room.sitters, key=lambda o: o.id)[: max(idle, 0)]:
                cands.append((2, tt[o.base][dest], o.id, o, o.base))
        cands.sort(key=lambda c: c[:3])
        want = call.remaining
        # Crew mates of a case paused here: free of the case, and still candidates for
        # this call in their turn; whoever is not sent gets its next job at the end.
        mates: list[Officer] = []
        for kind, _, _, o, place in cands:
            if want <= 0:
                break
            want -= 1
            delay = None
            if kind == 0:
                self._stop_duty(o)
            elif kind == 1:
                if o.job is None:  # a mate of a case paused above
                    mates.remove(o)
                else:
                    mates += self._pause_case(o, g)
            elif kind == 2:
                self._unsit(o)
            elif kind == 3:
                self._close(o, self.now)  # off duty until now; out on call from here
                delay = self.call_in
                self.rec.called_in[call.i] += 1
            else:
                self._pull_from_scene(o, g)
            self._send(o, call, g, place, False, delay)
        for x in mates:
            self._next_job(x, x.base)

    def _take_free(self, o: Officer, g: Group) -> None:
        """Remove free officer ``o`` from its group's free sets."""
        if o.case:
            g.free_case.discard(o)
        else:
            free = g.free_community
            if o in free:
                free.remove(o)
                self._own_free[o.station] -= 1
            if g.free_index is not None:
                g.free_index.remove(o)

    def _send(
        self,
        o: Officer,
        call: Call,
        g: Group,
        origin: int,
        was_free: bool,
        delay: float | None = None,
    ) -> None:
        """Send officer ``o`` from local place ``origin`` to ``call``.

        ``was_free``: ``o`` is in the group's free set (else it has just left other work);
        ``delay``: minutes before it sets out, for a standby officer called in (else None).
        """
        now = self.now
        if was_free:
            self._close(o, now)
            self._take_free(o, g)
        o.state = TRAVEL
        o.since = now
        o.call = call
        o.origin = origin
        o.token += 1
        token = o.token
        call.remaining -= 1
        call.assigned += 1
        call.officers.append(o)
        rec = self.rec
        i = call.i
        other = o.station != call.station
        if o.case:
            rec.by_case[i] += 1
        elif other:
            rec.by_other[i] += 1
        else:
            rec.by_own[i] += 1
        if _isnan(rec.dispatched[i]):
            rec.dispatched[i] = now
        if (o.case or other) and _isnan(rec.reinforcement_requested[i]):
            rec.reinforcement_requested[i] = now
        called_in = delay is not None
        minutes = g.tt[origin][call.place] + self.turnout + (delay if called_in else 0.0)
        rows = rec.dispatches  # RunRecords.add_dispatch, inline
        o.drow = len(rows)
        rows.append(
            [
                i,
                o.id,
                o.station,
                o.role_name,
                now,
                _NAN,
                _NAN,
                minutes,
                False,
                g.places[origin],
                called_in,
            ]
        )
        if minutes == 0.0:
            # Arrives at once: the travel state lasted no time (what _close would book).
            o.state = SCENE
            rows[o.drow][5] = now
            self._on_scene(call, 1, o.case or other)
        else:

            def arrive() -> None:
                if o.token == token:
                    self._arrive(o, call)

            self._at(minutes, arrive)

    def _maybe_county(self, call: Call) -> None:
        """Ask the county for the whole remaining shortfall, if the rules allow it now.

        Under ``partial_shortfall`` a call nobody was sent to waits for its own
        officers, except a priority-1 call, which asks after the model's wait.
        """
        if (
            not self.county_on
            or call.remaining <= 0
            or call.cleared
            or call.county_n
            or call.county_rows
            or self.now < call.county_ok_at
            or (self.county_partial and call.assigned == 0 and call.priority > 1)
        ):
            return
        now = self.now
        rec = self.rec
        i = call.i
        delay = self._county_delay[i]
        call.county_n = call.remaining
        call.county_eta = now + delay
        rec.by_county[i] = call.remaining
        call.county_rows = [
            rec.add_dispatch(i, -1, -1, "county", now, delay) for _ in range(call.remaining)
        ]
        call.remaining = 0
        rec.county_requested[i] = now
        if _isnan(rec.dispatched[i]):
            rec.dispatched[i] = now
        if _isnan(rec.reinforcement_requested[i]):
            rec.reinforcement_requested[i] = now
        insort(call.group.county_calls, (call.priority, call.call_min, i, call))
        self._at(delay, lambda: self._county_arrives(call))

    def _revisit(self, o: Officer, g: Group, place: int) -> bool:
        """Send freed ``o`` to a call still waiting for the county if it gets there first.

        The county is then stood down for one head (``county.revisit:
        stand_down``) or keeps coming (``keep_coming``). Returns whether ``o`` went.
        """
        now = self.now
        live = []
        sent = False
        for entry in g.county_calls:
            call = entry[3]
            if call.cleared or call.county_n == 0 or now >= call.county_eta:
                continue
            if call.revisits >= len(call.county_rows):
                live.append(entry)
                continue
            eligible = not o.case or call.priority <= g.assist_max
            if (
                not sent
                and eligible
                and now + g.tt[place][call.place] + self.turnout < call.county_eta
            ):
                sent = True
                call.revisits += 1
                if self.county_stand_down:
                    row = call.county_rows[call.county_n - 1]
                    call.county_n -= 1
                    self.rec.stand_down(row, now)
                    self.rec.county_stood_down[call.i] += 1
                call.remaining += 1
                self._send(o, call, g, place, False)
                if call.county_n == 0:
                    continue
            live.append(entry)
        g.county_calls = live
        return sent

    # --------------------------------------------------------------- on scene
    def _arrive(self, o: Officer, call: Call) -> None:
        now = self.now
        self._close(o, now)
        o.state = SCENE
        self.rec.dispatch_arrived(o.drow, now)
        self._on_scene(call, 1, o.case or o.station != call.station)

    def _county_arrives(self, call: Call) -> None:
        if call.cleared or call.county_n == 0:
            return
        now = self.now
        self.rec.county_arrived[call.i] = now
        for row in call.county_rows[: call.county_n]:
            self.rec.dispatch_arrived(row, now)
        self._on_scene(call, call.county_n, True)

    def _on_scene(self, call: Call, heads: int, reinforcement: bool) -> None:
        now = self.now
        rec = self.rec
        i = call.i
        if reinforcement:
            rec.reinforcement_arrived[i] = now  # the last reinforcement to arrive wins
        if _isnan(rec.first_arrival[i]):
            rec.first_arrival[i] = now
            call.work_left = self._scene_min[i] * call.need
        elif call.crew > 0:
            call.work_left -= min(call.crew, call.need) * (now - call.work_t)
        call.work_t = now
        crew = call.crew = call.crew + heads
        need = call.need
        if crew >= need and _isnan(rec.full_strength[i]):
            rec.full_strength[i] = now
        # _schedule_work, inline (the crew is at least one here)
        token = call.token = call.token + 1
        minutes = max(call.work_left, 0.0) / (crew if crew < need else need)

        def done() -> None:
            if call.token == token and not call.cleared:
                self._clear(call)

        self._at(minutes, done)

    def _progress(self, call: Call, now: float) -> None:
        """Book the scene work done since ``call.work_t`` by the crew present."""
        if call.crew > 0:
            call.work_left -= min(call.crew, call.need) * (now - call.work_t)
        call.work_t = now

    def _schedule_work(self, call: Call) -> None:
        """(Re)schedule the end of ``call``'s scene work for the crew present now."""
        call.token += 1
        if call.crew <= 0:
            return
        token = call.token
        minutes = max(call.work_left, 0.0) / min(call.crew, call.need)

        def done() -> None:
            if call.token == token and not call.cleared:
                self._clear(call)

        self._at(minutes, done)

    def _pull_from_scene(self, o: Officer, g: Group) -> None:
        """Take ``o`` off its less urgent scene; that call needs one more officer again."""
        now = self.now
        old = o.call
        self._close(o, now)
        self._progress(old, now)
        old.crew -= 1
        old.officers.remove(o)
        self.rec.dispatch_freed(o.drow, now)
        self.rec.preempted[old.i] += 1
        self._schedule_work(old)
        old.remaining += 1
        _heappush(g.calls, (old.priority, old.call_min, old.i, old))
        self._county_timer(old, g)
        o.call = None

    def _clear(self, call: Call) -> None:
        """Close the scene when its work is done.

        Officers still on their way are turned back (free again where they set
        out from), the county is stood down if it has not arrived, any
        investigation is created, and officers are released by number.
        """
        now = self.now
        call.cleared = True
        call.remaining = 0
        call.token += 1
        i = call.i
        rec = self.rec
        rec.cleared[i] = now
        if call.county_n and _isnan(rec.county_arrived[i]):
            for row in call.county_rows[: call.county_n]:
                rec.stand_down(row, now)
            rec.county_stood_down[i] += call.county_n
            call.county_n = 0
        elif call.county_n:
            for row in call.county_rows[: call.county_n]:
                rec.dispatch_freed(row, now)
        hours = self._inv_hours[i]
        if hours == hours:  # not NaN
            g = call.group
            g.investigations.append(CaseJob(i, hours * 60.0, self._inv_crew[i]))
            rec.create_investigation(i, now, hours)
            self._start_waiting_investigation(g)
        officers = call.officers
        if len(officers) > 1:
            officers.sort(key=lambda o: o.id)
        place = call.place
        warmup = self.warmup
        rows = rec.dispatches
        for o in officers:
            # _close for an officer travelling or on scene (never RETURN), inline
            start = o.since if o.since > warmup else warmup
            if now > start:
                o.minutes[o.state] += now - start
            o.since = now
            rows[o.drow][6] = now
            o.call = None
            if o.state == TRAVEL:
                o.token += 1
                self._next_job(o, o.origin)
            else:
                self._next_job(o, place)

    # ------------------------------------------------------------ after a job
    def _next_job(self, o: Officer, place: int) -> None:
        """Give freed officer ``o`` (at local ``place``) its post, the next call or work."""
        if o.post != FIELD:
            if o.post == OFF:
                o.state = OFF_DUTY
                o.since = self.now
            else:
                self._go_to_desk(o, place)
            return
        g = o.grp
        q = g.calls
        while q and q[0][3].remaining <= 0:
            _heappop(q)
        if q and (not o.case or q[0][0] <= g.assist_max):
            call = q[0][3]
            self._send(o, call, g, place, False)
            if call.remaining <= 0:
                _heappop(q)
            self._maybe_county(call)
            return
        if g.county_calls and self._revisit(o, g, place):
            return
        if g.investigations and (o.case or not g.plan.investigations_by_case_team):
            if self._start_case(g, o):
                return
        team = o.tm
        if team.duty_backlog > _DUTY_EPS:
            self._do_duty(o, team, place)
            return
        self._go_free(o, place)

    def _go_free(self, o: Officer, place: int) -> None:
        now = self.now
        g = o.grp
        patrol = o.patrol_places
        buf = self._ubuf
        if patrol and (buf.pop() if buf else self._uniform()) < self.patrol_share:
            k = bisect_right(o.patrol_cum, buf.pop() if buf else self._uniform())
            o.rest = patrol[min(k, len(patrol) - 1)]
            o.rest_state = PATROL
        else:
            o.rest = o.base
            o.rest_state = STATION
        o.scene = place
        o.settle_at = now + g.tt[place][o.rest]
        o.state = RETURN
        o.since = now
        if o.case:
            g.free_case.add(o)
        else:
            free = g.free_community
            if o not in free:
                free.add(o)
                self._own_free[o.station] += 1
            if g.free_index is not None:
                g.free_index.add(o, now)

    def _where(self, o: Officer) -> int:
        """Local place a free officer counts as being at now."""
        return o.rest if self.now >= o.settle_at else o.scene

    # ------------------------------------------------------------ case work
    def _case_free(self, g: Group) -> list[Officer]:
        if g.plan.investigations_by_case_team:
            return sorted(g.free_case, key=lambda o: o.id)
        return sorted([*g.free_community, *g.free_case], key=lambda o: o.id)

    def _start_case(self, g: Group, first: Officer) -> bool:
        """Start the head investigation with freed ``first`` and free officers; False if short."""
        job = g.investigations[0]
        others = [o for o in self._case_free(g) if o is not first][: job.crew - 1]
        if len(others) < job.crew - 1:
            return False
        g.investigations.popleft()
        for o in others:
            self._close(o, self.now)
            self._take_free(o, g)
        self._investigate([first, *others], job)
        return True

    def _start_waiting_investigation(self, g: Group) -> None:
        """Hand waiting investigations to free investigators (lowest officer numbers first)."""
        while g.investigations:
            job = g.investigations[0]
            free = self._case_free(g)
            if len(free) < job.crew:
                return
            g.investigations.popleft()
            crew = free[: job.crew]
            for o in crew:
                self._close(o, self.now)
                self._take_free(o, g)
            self._investigate(crew, job)

    def _investigate(self, crew: list[Officer], job: CaseJob) -> None:
        now = self.now
        job.officers = crew
        job.t0 = now
        job.token += 1
        token = job.token
        for o in crew:
            o.state = INVESTIGATION
            o.since = now
            o.job = job
        if not job.started:
            job.started = True
            self.rec.start_investigation(job.i, now, crew[0])

        def done() -> None:
            if job.token != token:
                return
            t = self.now
            self.rec.finish_investigation(job.i, t)
            for o in job.officers:
                self._close(o, t)
                o.job = None
            for o in job.officers:
                self._next_job(o, o.base)

        self._at(job.left, done)

    def _pause_case(self, o: Officer, g: Group) -> list[Officer]:
        """A call takes ``o`` off its case: the case waits again, first in line.

        Returns the crew mates, off the case (``job`` None) and not yet given their
        next job: the caller may send them to the same call first.
        """
        now = self.now
        job = o.job
        job.left -= now - job.t0
        job.token += 1
        crew = job.officers
        job.officers = []
        for x in crew:
            self._close(x, now)
            x.job = None
        g.investigations.appendleft(job)
        return [x for x in crew if x is not o]

    # ------------------------------------------------------ scheduled duties
    def _start_duties(self, team: Team) -> None:
        """Start the team's scheduled-duty clock: every ``block_min`` the work due is added.

        The team owes ``hours_per_day x size / 24`` minutes of work per minute;
        the backlog is one number (work beyond what the team can do piles up
        there, not in memory), and the clock ticks once per block whatever the
        team's size.
        """
        plan = self.layout.teams[team.index]
        n = len(team.members)
        if plan.duty_hours_per_day <= 0 or n == 0 or plan.role == ROOM:
            return
        block = self.duty_block
        work = block * plan.duty_hours_per_day * n / 24.0  # minutes due per tick

        def due() -> None:
            team.duty_backlog += work
            self._offer_duty(team)
            self._at(block, due)

        self._at(block, due)

    def _offer_duty(self, team: Team) -> None:
        """Give waiting duty blocks to free on-duty members (lowest number first)."""
        for o in team.members:
            if team.duty_backlog <= _DUTY_EPS:
                return
            if o.post == FIELD and o.state in _FREE_STATES and o.call is None:
                g = self.groups[o.group]
                if o in g.free_community or o in g.free_case:
                    place = self._where(o)
                    self._close(o, self.now)
                    self._take_free(o, g)
                    self._do_duty(o, team, place)

    def _do_duty(self, o: Officer, team: Team, place: int) -> None:
        """``o`` works the next duty block where it is (``place``)."""
        now = self.now
        minutes = min(self.duty_block, team.duty_backlog)
        team.duty_backlog -= minutes
        o.state = DUTY
        o.since = now
        o.rest = o.scene = place
        o.settle_at = now
        o.job = now + minutes
        o.token += 1
        token = o.token

        def done() -> None:
            if o.token == token:
                self._close(o, self.now)
                o.job = None
                self._next_job(o, place)

        self._at(minutes, done)

    def _stop_duty(self, o: Officer) -> None:
        """A call takes ``o`` off its duty block; the rest goes back to the team's backlog."""
        now = self.now
        left = o.job - now
        if left > 0:
            self.teams[o.team].duty_backlog += left
        o.job = None
        o.token += 1
        self._close(o, now)

    # ----------------------------------------------------------------- shifts
    def _shift_changes(self) -> None:
        """Apply the roster each hour whose share differs from the hour before (at least daily).

        Each team has about ``share x size`` members on duty, at least one: a
        window that moves on by the outgoing crew's size at every change, so
        duty rotates through the team. The whole number on duty carries its
        rounding error over to the next change (error diffusion), so a team's
        on-duty hours match ``share x size`` over a run, to within one change's
        rounding, whatever its size: small teams are not rounded down (or up)
        every shift, and both models get the same officer-hours from the same
        roll (up to the one-officer minimum per team). A constant share changes
        once a day (a 24-hour duty rotation), so its rounding is carried to the
        next day.
        """
        shares = self.sc.shifts.on_duty_share_by_hour
        hour = 0

        def change() -> None:
            nonlocal hour
            share = shares[hour % 24]
            step = 1
            while step < 24 and shares[(hour + step) % 24] == share:
                step += 1
            for team in self.teams:
                n = len(team.members)
                if n == 0:
                    continue
                if hour:
                    team.start = (team.start + team.k) % n
                want = share * n * step + team.carry  # officer-hours owed in this segment
                team.k = min(n, max(1, math.floor(want / step + 0.5)))
                team.carry = want - team.k * step
            self._apply_posts()
            hour += step
            self._at(60.0 * step, change)

        # First change at once, as the start of a SimPy process would (an urgent event now).
        self._at(0.0, change, _URGENT)

    def _apply_posts(self) -> None:
        """Move every officer to its post in its team's current window (in officer order)."""
        wanted = [OFF] * len(self.officers)
        for team in self.teams:  # the window of Team.posts, without a list per team
            members = team.members
            n = len(members)
            start, seats = team.start, team.seats
            for j in range(team.k):
                wanted[members[(start + j) % n].id] = SEAT if j < seats else FIELD
        # Leave posts first (seats freed, officers off), then take the new ones.
        set_post = self._set_post
        for o, w in zip(self.officers, wanted):
            if w != o.post and (o.post == SEAT or w == OFF):
                set_post(o, w)
        for o, w in zip(self.officers, wanted):
            if o.post != w:
                set_post(o, w)

    def _set_post(self, o: Officer, post: int) -> None:
        """Give ``o`` a new post; an officer busy with a job takes it when the job ends."""
        if o.post == post:
            return
        o.post = post
        st = o.state
        now = self.now
        if st == OFF_DUTY:  # coming on duty (the commonest change with leaving, below)
            start = o.since if o.since > self.warmup else self.warmup  # _close, inline
            if now > start:
                o.minutes[OFF_DUTY] += now - start
            o.since = now
            place = o.base
        elif st in _FREE_STATES and o.call is None and o.job is None:
            if o.rest_state == DESK:  # on its way to a seat
                o.token += 1
                place = o.scene
            else:
                place = o.rest if now >= o.settle_at else o.scene  # _where, inline
                self._take_free(o, o.grp)
            self._close(o, now)
        elif st == DESK:
            self._unsit(o)
            place = o.base
        else:
            return  # busy: _next_job applies the post
        if post == OFF:
            o.state = OFF_DUTY
            o.since = now
        elif post == SEAT:
            self._go_to_desk(o, place)
        else:
            self._next_job(o, place)

    # ------------------------------------------------------------ accounting
    def _close(self, o: Officer, now: float) -> None:
        """Add the minutes since ``o.since`` (after warm-up) to the officer's current state."""
        start = o.since if o.since > self.warmup else self.warmup
        if o.state == RETURN:
            settle = o.settle_at if o.settle_at < now else now
            if settle > start:
                o.minutes[RETURN] += settle - start
            start = settle if settle > start else start
            if now > start:
                o.minutes[o.rest_state] += now - start
        elif now > start:
            o.minutes[o.state] += now - start
        o.since = now
