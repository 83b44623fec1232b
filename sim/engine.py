"""The discrete-event engine: one operating model, one incident stream, one replication.

SimPy supplies the clock and the event heap (ties resolve by insertion order,
so a run is deterministic). Calls and officers are a small state machine
driven by callbacks on SimPy timeouts rather than one generator process per
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

Speed (``benchmarks/README.md`` has the measurements): everything the event
loop touches is a plain Python object prepared before the run -- travel
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

import heapq
import math
from bisect import bisect_right
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import simpy

from .incidents import MIN_PER_DAY, IncidentStream
from .models.layout import CASE_TEAM, GroupPlan, Layout
from .records import RunRecords
from .scenario import Scenario
from .seeds import rng
from .travel import GroupTable, group_travel

if TYPE_CHECKING:
    from .network import RoadNetwork

# Officer states (index into Officer.minutes).
PATROL, STATION, RETURN, TRAVEL, SCENE, INVESTIGATION, OFF_DUTY = range(7)
STATE_NAMES = ("patrol", "station", "return", "travel", "scene", "investigation", "off_duty")

#: Groups with more community officers than this keep a by-place index of free officers.
INDEX_MIN_OFFICERS = 40

_heappush = heapq.heappush
_heappop = heapq.heappop
_isnan = math.isnan
_INF = math.inf


class Officer:
    """A field officer's mutable state during one run."""

    __slots__ = (
        "id",
        "station",
        "case",
        "group",
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
        "on_duty",
    )

    def __init__(
        self,
        oid: int,
        station: int,
        case: bool,
        group: int,
        base: int,
        patrol_places: tuple[int, ...],
        patrol_cum: tuple[float, ...],
    ) -> None:
        self.id = oid
        self.station = station
        self.case = case
        self.group = group
        self.base = base  # local place number in the group
        self.patrol_places = patrol_places
        self.patrol_cum = patrol_cum
        self.state = STATION
        self.since = 0.0
        self.rest = base  # where the officer settles when free
        self.rest_state = STATION
        self.scene = base  # where the officer was freed
        self.settle_at = 0.0  # when it reaches ``rest``
        self.minutes = [0.0] * len(STATE_NAMES)
        self.call: Call | None = None
        self.on_duty = True


class Call:
    """A call's mutable state during one run."""

    __slots__ = (
        "i",
        "place",
        "station",
        "priority",
        "need",
        "remaining",
        "assigned",
        "pending",
        "arrived",
        "officers",
        "county_ok_at",
        "county_n",
        "clear_waiting",
        "cleared",
        "group",
    )

    def __init__(
        self, i: int, place: int, station: int, priority: int, need: int, group: Group
    ) -> None:
        self.i = i
        self.place = place  # local place number in the group
        self.station = station
        self.priority = priority
        self.need = need
        self.remaining = need  # demand not yet met by anyone sent or asked
        self.assigned = 0  # group officers sent
        self.pending = 0  # units on their way (officers, plus 1 for the county)
        self.arrived = 0  # officers on scene (county counted by head)
        self.officers: list[Officer] = []
        self.county_ok_at = _INF
        self.county_n = 0
        self.clear_waiting = False
        self.cleared = False
        self.group = group


class Room:
    """A command room's call-takers: what ``simpy.PriorityResource`` does, with fewer objects.

    A request is granted at once when a call-taker is free (the grant is an
    event at the current time, as SimPy's request event is), else it waits in
    priority order (priority, then request time, then arrival order). A
    release frees the call-taker at once and, when the release event is
    processed, grants the head of the queue if a call-taker is still free.
    """

    __slots__ = ("capacity", "users", "waiting", "seq")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.users = 0
        self.waiting: list[tuple[int, float, int, Call]] = []
        self.seq = 0


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
        """Forget free officer ``o`` (it was sent, went off duty or took an investigation)."""
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
        self.calls: list[tuple[int, float, int, Call]] = []
        self.investigations: deque[tuple[int, float, float]] = deque()
        self.room = Room(plan.room_staff) if plan.room_staff else None
        self.handles = plan.handling.maximum != 0.0
        self.county_after = plan.county_after_min
        self.assist_max = plan.case_assist_priority_max


class Engine:
    """Run one layout against one incident stream; :meth:`run` returns the records.

    ``network`` is the scenario's :class:`~sim.network.RoadNetwork`; travel
    tables come from :func:`sim.travel.group_travel`, one per dispatch group.
    """

    def __init__(
        self,
        scenario: Scenario,
        network: RoadNetwork,
        layout: Layout,
        stream: IncidentStream,
        replication: int,
        model_number: int,
    ) -> None:
        self.sc = scenario
        self.layout = layout
        self.stream = stream
        self.env = simpy.Environment()
        self.warmup = scenario.warmup_days * MIN_PER_DAY
        self.horizon = scenario.horizon_days * MIN_PER_DAY
        self.county_on = scenario.county.enabled
        self.county_partial = scenario.county.requests == "partial_shortfall"
        self.patrol_share = scenario.patrol.share
        self.turnout = scenario.turnout_min
        self.group_of_station = layout.group_of_station().tolist()
        places = self._group_places(network)
        self.groups = [
            Group(gi, g, places[gi], group_travel(network, places[gi]))
            for gi, g in enumerate(layout.groups)
        ]
        self.officers = self._make_officers()
        for g in self.groups:
            n_community = sum(1 for o in self.officers if o.group == g.index and not o.case)
            if n_community > INDEX_MIN_OFFICERS:
                g.free_index = FreeIndex(g.table)
        n = len(stream)
        self._uniforms = rng(scenario.seed, replication, "patrol", (model_number,))
        self._ubuf: list[float] = []
        self.handling = self._draw_handling(replication, model_number, n)
        self.rec = RunRecords(n, len(self.officers))

    # ----------------------------------------------------------------- setup
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
                p.role == CASE_TEAM,
                p.group,
                g.local[p.base_place],
                tuple(g.local[v] for v in p.patrol_places),
                p.patrol_cum_weights,
            )
            out.append(o)
        return out

    def _draw_handling(self, replication: int, model_number: int, n: int) -> list[float]:
        """Call-handling minutes of every call, each drawn from its own group's stream.

        Group ``gi``'s stream gives one draw per incident of the whole stream
        (as it always has, so the numbers do not depend on how incidents are
        split between groups); a call keeps the draw of its position from its
        own group's stream. Groups whose handling is always zero draw nothing.
        Memory is one number per call, not one per call per group.
        """
        out = np.zeros(n)
        if n == 0:
            return []
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
            out[idx] = g.handling.sample(gen, n)[idx]
        return out.tolist()

    def _uniform(self) -> float:
        if not self._ubuf:
            self._ubuf = self._uniforms.random(4096).tolist()
        return self._ubuf.pop()

    # ------------------------------------------------------------------- run
    def run(self) -> RunRecords:
        """Simulate to the horizon and return the filled records."""
        for o in self.officers:
            self._go_free(o, o.base)
        s = self.stream
        self._calls = s.call_min.tolist()
        self._place = s.place.tolist()
        self._town = s.township.tolist()
        self._prio = s.priority.tolist()
        self._need = s.officers_required.tolist()
        self._scene_min = s.on_scene_min.tolist()
        self._county_delay = s.county_delay_min.tolist()
        self._inv_hours = s.investigation_hours.tolist()
        self._next = 0
        if self._calls:
            # One arrival event at a time, each scheduled when the previous call
            # has been received (the order a SimPy source process would give).
            self.env.timeout(self._calls[0] - self.env.now).callbacks.append(self._on_arrival)
        if self.sc.shifts is not None:
            self.env.process(self._shift_changes())
        self.env.run(until=self.horizon)
        for o in self.officers:
            self._close(o, self.horizon)
        self.rec.set_officers(self.officers, self.warmup, self.horizon)
        self.rec.backlog_at_end = sum(
            1 for g in self.groups for *_, c in g.calls if c.remaining > 0 and not c.cleared
        )
        self.rec.investigations_waiting = sum(len(g.investigations) for g in self.groups)
        return self.rec

    def _on_arrival(self, _e: simpy.Event) -> None:
        i = self._next
        town = self._town[i]
        g = self.groups[self.group_of_station[town]]
        call = Call(i, g.local[self._place[i]], town, self._prio[i], self._need[i], g)
        self._receive(call, g)
        i += 1
        self._next = i
        if i < len(self._calls):
            env = self.env
            env.timeout(self._calls[i] - env.now).callbacks.append(self._on_arrival)

    def _receive(self, call: Call, g: Group) -> None:
        if not g.handles:
            self._dispatch(call, g)
        elif g.room is None:
            self.env.timeout(self.handling[call.i]).callbacks.append(
                lambda _e: self._dispatch(call, g)
            )
        else:
            room = g.room
            room.seq += 1
            _heappush(room.waiting, (call.priority, self.env.now, room.seq, call))
            if room.users < room.capacity:
                self._grant(room)

    # ----------------------------------------------------------- command room
    def _grant(self, room: Room) -> None:
        """Give the head of ``room``'s queue a call-taker; it starts when the grant event runs."""
        call = _heappop(room.waiting)[3]
        room.users += 1
        self.env.timeout(0).callbacks.append(lambda _e: self._take_call(call))

    def _take_call(self, call: Call) -> None:
        self.env.timeout(self.handling[call.i]).callbacks.append(
            lambda _e: self._call_taken(call)
        )

    def _call_taken(self, call: Call) -> None:
        g = call.group
        room = g.room
        room.users -= 1
        self.env.timeout(0).callbacks.append(lambda _e: self._room_released(room))
        self._dispatch(call, g)

    def _room_released(self, room: Room) -> None:
        if room.waiting and room.users < room.capacity:
            self._grant(room)

    # -------------------------------------------------------------- dispatch
    def _dispatch(self, call: Call, g: Group) -> None:
        """Send the nearest free eligible officers; queue or escalate the shortfall."""
        now = self.env.now
        self.rec.handled[call.i] = now
        call.county_ok_at = now + g.county_after
        need = call.need
        assist = g.free_case and call.priority <= g.assist_max
        n_free = len(g.free_community) + (len(g.free_case) if assist else 0)
        if n_free:
            if n_free <= need:
                pool = list(g.free_community)
                if assist:
                    pool += g.free_case
                pool.sort(key=lambda o: o.id)
                chosen = pool
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
        if call.remaining > 0:
            _heappush(g.calls, (call.priority, now, call.i, call))
            if self.county_on:
                if g.county_after > 0:
                    self.env.timeout(g.county_after).callbacks.append(
                        lambda _e: self._maybe_county(call)
                    )
                else:
                    self._maybe_county(call)

    def _take_free(self, o: Officer, g: Group) -> None:
        """Remove free officer ``o`` from its group's free sets."""
        if o.case:
            g.free_case.discard(o)
        else:
            g.free_community.discard(o)
            if g.free_index is not None:
                g.free_index.remove(o)

    def _send(self, o: Officer, call: Call, g: Group, origin: int, was_free: bool) -> None:
        """Send officer ``o`` from local place ``origin`` to ``call``.

        ``was_free``: ``o`` is in the group's free set (else it has just finished a job).
        """
        env = self.env
        now = env.now
        if was_free:
            self._close(o, now)
            self._take_free(o, g)
        o.state = TRAVEL
        o.since = now
        o.call = call
        call.remaining -= 1
        call.assigned += 1
        call.pending += 1
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
        minutes = g.tt[origin][call.place] + self.turnout
        if minutes == 0.0:
            self._arrive(o, call)
        else:
            env.timeout(minutes).callbacks.append(lambda _e: self._arrive(o, call))

    def _maybe_county(self, call: Call) -> None:
        """Ask the county for the whole remaining shortfall, if the rules allow it now."""
        if (
            not self.county_on
            or call.remaining <= 0
            or call.cleared
            or call.county_n
            or self.env.now < call.county_ok_at
            or (self.county_partial and call.assigned == 0)
        ):
            return
        now = self.env.now
        rec = self.rec
        i = call.i
        call.county_n = call.remaining
        rec.by_county[i] = call.remaining
        call.remaining = 0
        call.pending += 1
        rec.county_requested[i] = now
        if _isnan(rec.dispatched[i]):
            rec.dispatched[i] = now
        if _isnan(rec.reinforcement_requested[i]):
            rec.reinforcement_requested[i] = now
        self.env.timeout(self._county_delay[i]).callbacks.append(
            lambda _e: self._county_arrives(call)
        )

    # --------------------------------------------------------------- on scene
    def _arrive(self, o: Officer, call: Call) -> None:
        self._close(o, self.env.now)
        o.state = SCENE
        self._on_scene(call, 1, o.case or o.station != call.station)

    def _county_arrives(self, call: Call) -> None:
        self.rec.county_arrived[call.i] = self.env.now
        self._on_scene(call, call.county_n, True)

    def _on_scene(self, call: Call, heads: int, reinforcement: bool) -> None:
        now = self.env.now
        rec = self.rec
        i = call.i
        call.pending -= 1
        call.arrived += heads
        if reinforcement:
            rec.reinforcement_arrived[i] = now  # the last reinforcement to arrive wins
        if call.arrived == heads:
            rec.first_arrival[i] = now
            self.env.timeout(self._scene_min[i]).callbacks.append(
                lambda _e: self._scene_done(call)
            )
        if call.arrived >= call.need and _isnan(rec.full_strength[i]):
            rec.full_strength[i] = now
        if call.clear_waiting and call.pending == 0:
            self._clear(call)

    def _scene_done(self, call: Call) -> None:
        call.remaining = 0  # the work is done: nobody new is sent
        if call.pending:
            call.clear_waiting = True
        else:
            self._clear(call)

    def _clear(self, call: Call) -> None:
        """Close the scene: record, create any investigation, release officers by number."""
        now = self.env.now
        call.cleared = True
        call.remaining = 0
        i = call.i
        self.rec.cleared[i] = now
        hours = self._inv_hours[i]
        if hours == hours:  # not NaN
            g = call.group
            g.investigations.append((i, now, hours))
            self.rec.create_investigation(i, now, hours)
            self._start_waiting_investigation(g)
        officers = call.officers
        if len(officers) > 1:
            officers.sort(key=lambda o: o.id)
        place = call.place
        for o in officers:
            self._close(o, now)
            o.call = None
            self._next_job(o, place)

    # ------------------------------------------------------------ after a job
    def _next_job(self, o: Officer, place: int) -> None:
        """Give freed officer ``o`` (at local ``place``) the next queued call or work."""
        g = self.groups[o.group]
        if not o.on_duty:
            o.state = OFF_DUTY
            o.since = self.env.now
            return
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
        if g.investigations and (o.case or not g.plan.investigations_by_case_team):
            self._investigate(o, g)
            return
        self._go_free(o, place)

    def _go_free(self, o: Officer, place: int) -> None:
        now = self.env.now
        g = self.groups[o.group]
        if o.patrol_places and self._uniform() < self.patrol_share:
            k = bisect_right(o.patrol_cum, self._uniform())
            o.rest = o.patrol_places[min(k, len(o.patrol_places) - 1)]
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
            g.free_community.add(o)
            if g.free_index is not None:
                g.free_index.add(o, now)

    def _start_waiting_investigation(self, g: Group) -> None:
        """Hand waiting investigations to free investigators (lowest officer number first)."""
        while g.investigations:
            if g.plan.investigations_by_case_team:
                free = g.free_case
            else:
                free = [*g.free_community, *g.free_case]
            if not free:
                return
            o = min(free, key=lambda o: o.id)
            self._close(o, self.env.now)
            self._take_free(o, g)
            self._investigate(o, g)

    def _investigate(self, o: Officer, g: Group) -> None:
        i, created, hours = g.investigations.popleft()
        now = self.env.now
        o.state = INVESTIGATION
        o.since = now
        self.rec.start_investigation(i, now, o)

        def done(_e: simpy.Event) -> None:
            self.rec.finish_investigation(i, self.env.now)
            self._close(o, self.env.now)
            self._next_job(o, o.base)

        self.env.timeout(hours * 60.0).callbacks.append(done)

    # ----------------------------------------------------------------- shifts
    def _duty_units(self) -> list[list[Officer]]:
        """Officers grouped by (station, role) in officer-number order: the units of a shift."""
        units: dict[tuple[int, bool], list[Officer]] = {}
        for o in self.officers:
            units.setdefault((o.station, o.case), []).append(o)
        return list(units.values())

    def _shift_changes(self):
        """Apply the shift shares: the first ``max(1, round(share * n))`` of each unit on duty.

        Acts only at hours whose share differs from the hour before.
        """
        shares = self.sc.shifts.on_duty_share_by_hour
        units = self._duty_units()
        on_now = [len(u) for u in units]
        hour = 0
        while True:
            share = shares[hour % 24]
            for k, unit in enumerate(units):
                on = max(1, round(share * len(unit)))
                lo, hi = sorted((on, on_now[k]))
                for o in unit[lo:hi]:
                    self._set_duty(o, on > on_now[k])
                on_now[k] = on
            step = 1
            while step < 24 and shares[(hour + step) % 24] == share:
                step += 1
            hour += step
            yield self.env.timeout(60.0 * step)

    def _set_duty(self, o: Officer, on: bool) -> None:
        if o.on_duty == on:
            return
        o.on_duty = on
        now = self.env.now
        if on and o.state == OFF_DUTY:
            self._close(o, now)
            self._next_job(o, o.base)
        elif not on and o.state in (PATROL, STATION, RETURN):
            self._close(o, now)
            self._take_free(o, self.groups[o.group])
            o.state = OFF_DUTY

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
