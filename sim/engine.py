"""The discrete-event engine: one operating model, one incident stream, one replication.

SimPy supplies the clock and the event heap (ties resolve by insertion order,
so a run is deterministic). Calls and officers are a small state machine
driven by callbacks on SimPy timeouts rather than one generator process per
call: a call's officers are chosen, re-chosen and released by events that
belong to other calls, which a per-call process would only wrap. Per call the
engine schedules one arrival, one travel event per officer with a non-zero
journey, one county event if asked, and one clearance.

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
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections import deque

import numpy as np
import simpy

from .incidents import MIN_PER_DAY, IncidentStream
from .models.layout import CASE_TEAM, GroupPlan, Layout
from .records import RunRecords
from .scenario import Scenario
from .seeds import rng

# Officer states (index into Officer.minutes).
PATROL, STATION, RETURN, TRAVEL, SCENE, INVESTIGATION, OFF_DUTY = range(7)
STATE_NAMES = ("patrol", "station", "return", "travel", "scene", "investigation", "off_duty")



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
    )

    def __init__(self, i: int, place: int, station: int, priority: int, need: int) -> None:
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
        self.county_ok_at = math.inf
        self.county_n = 0
        self.clear_waiting = False
        self.cleared = False


class Group:
    """A dispatch group's state: free officers, call queue, investigations, travel table."""

    def __init__(
        self, plan: GroupPlan, places: list[int], travel: np.ndarray, env: simpy.Environment
    ) -> None:
        self.plan = plan
        self.places = places
        self.local = {p: k for k, p in enumerate(places)}
        sub = travel[np.ix_(places, places)]
        self.tt: list[list[float]] = sub.tolist()
        self.free_community: set[Officer] = set()
        self.free_case: set[Officer] = set()
        self.calls: list[tuple[int, float, int, Call]] = []
        self.investigations: deque[tuple[int, float, float]] = deque()
        self.room = simpy.PriorityResource(env, plan.room_staff) if plan.room_staff else None


class Engine:
    """Run one layout against one incident stream; :meth:`run` returns the records."""

    def __init__(
        self,
        scenario: Scenario,
        travel: np.ndarray,
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
        self.groups = [
            Group(g, self._group_places(gi, g), travel, self.env)
            for gi, g in enumerate(layout.groups)
        ]
        self.officers = self._make_officers()
        n = len(stream)
        self._uniforms = rng(scenario.seed, replication, "patrol", (model_number,))
        self._ubuf: list[float] = []
        self.handling = self._draw_handling(replication, model_number, n)
        self.rec = RunRecords(n, len(self.officers))

    # ----------------------------------------------------------------- setup
    def _group_places(self, gi: int, plan: GroupPlan) -> list[int]:
        """Global place numbers the group's officers and calls can be at."""
        places: set[int] = set(self.stream.place[np.isin(self.stream.township, plan.stations)])
        for o in self.layout.officers:
            if o.group == gi:
                places.add(o.base_place)
                places.update(o.patrol_places)
        return sorted(places)

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

    def _draw_handling(
        self, replication: int, model_number: int, n: int
    ) -> list[list[float] | None]:
        """Per group, the call-handling minutes of every call (None when always zero)."""
        out: list[list[float] | None] = []
        for gi, g in enumerate(self.layout.groups):
            if g.handling.maximum == 0.0:
                out.append(None)
            else:
                gen = rng(self.sc.seed, replication, "handling", (model_number, gi))
                out.append(g.handling.sample(gen, n).tolist())
        return out

    def _uniform(self) -> float:
        if not self._ubuf:
            self._ubuf = self._uniforms.random(4096).tolist()
        return self._ubuf.pop()

    # ------------------------------------------------------------------- run
    def run(self) -> RunRecords:
        """Simulate to the horizon and return the filled records."""
        for o in self.officers:
            self._go_free(o, o.base)
        self.env.process(self._arrivals())
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

    def _arrivals(self):
        s = self.stream
        env = self.env
        calls = s.call_min.tolist()
        place, town = s.place.tolist(), s.township.tolist()
        prio, need = s.priority.tolist(), s.officers_required.tolist()
        for i, t in enumerate(calls):
            yield env.timeout(t - env.now)
            gi = self.group_of_station[town[i]]
            g = self.groups[gi]
            call = Call(i, g.local[place[i]], town[i], prio[i], need[i])
            self._receive(call, g, gi)

    def _receive(self, call: Call, g: Group, gi: int) -> None:
        handling = self.handling[gi]
        if handling is None:
            self._dispatch(call, g)
        elif g.room is None:
            self._after(handling[call.i], lambda _e: self._dispatch(call, g))
        else:
            req = g.room.request(priority=call.priority)
            req.callbacks.append(lambda _e: self._take_call(call, g, req, handling[call.i]))

    def _take_call(self, call: Call, g: Group, req: simpy.Event, minutes: float) -> None:
        def done(_e: simpy.Event) -> None:
            g.room.release(req)
            self._dispatch(call, g)

        self._after(minutes, done)

    def _after(self, minutes: float, fn) -> None:
        self.env.timeout(minutes).callbacks.append(fn)

    # -------------------------------------------------------------- dispatch
    def _dispatch(self, call: Call, g: Group) -> None:
        """Send the nearest free eligible officers; queue or escalate the shortfall."""
        now = self.env.now
        self.rec.handled[call.i] = now
        call.county_ok_at = now + g.plan.county_after_min
        pool = list(g.free_community)
        if g.free_case and call.priority <= g.plan.case_assist_priority_max:
            pool += g.free_case
        if pool:
            row = g.tt
            dest = call.place
            if len(pool) <= call.need:
                chosen = sorted(pool, key=lambda o: o.id)
            elif call.need == 1:
                chosen = [
                    min(
                        pool,
                        key=lambda o: (row[o.rest if now >= o.settle_at else o.scene][dest], o.id),
                    )
                ]
            else:
                pool.sort(
                    key=lambda o: (row[o.rest if now >= o.settle_at else o.scene][dest], o.id)
                )
                chosen = pool[: call.need]
            for o in chosen:
                self._send(o, call, g, o.rest if now >= o.settle_at else o.scene, True)
        if call.remaining > 0:
            heapq.heappush(g.calls, (call.priority, now, call.i, call))
            if self.county_on:
                if g.plan.county_after_min > 0:
                    self._after(g.plan.county_after_min, lambda _e: self._maybe_county(call))
                else:
                    self._maybe_county(call)

    def _send(self, o: Officer, call: Call, g: Group, origin: int, was_free: bool) -> None:
        """Send officer ``o`` from local place ``origin`` to ``call``.

        ``was_free``: ``o`` is in the group's free set (else it has just finished a job).
        """
        now = self.env.now
        if was_free:
            self._close(o, now)
            (g.free_case if o.case else g.free_community).discard(o)
        o.state = TRAVEL
        o.since = now
        o.call = call
        call.remaining -= 1
        call.assigned += 1
        call.pending += 1
        call.officers.append(o)
        rec = self.rec
        if o.case:
            rec.by_case[call.i] += 1
        elif o.station == call.station:
            rec.by_own[call.i] += 1
        else:
            rec.by_other[call.i] += 1
        if math.isnan(rec.dispatched[call.i]):
            rec.dispatched[call.i] = now
        if (o.case or o.station != call.station) and math.isnan(
            rec.reinforcement_requested[call.i]
        ):
            rec.reinforcement_requested[call.i] = now
        minutes = g.tt[origin][call.place] + self.turnout
        if minutes == 0.0:
            self._arrive(o, call)
        else:
            self._after(minutes, lambda _e: self._arrive(o, call))

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
        call.county_n = call.remaining
        rec.by_county[call.i] = call.remaining
        call.remaining = 0
        call.pending += 1
        rec.county_requested[call.i] = now
        if math.isnan(rec.dispatched[call.i]):
            rec.dispatched[call.i] = now
        if math.isnan(rec.reinforcement_requested[call.i]):
            rec.reinforcement_requested[call.i] = now
        self._after(self.stream.county_delay_min[call.i], lambda _e: self._county_arrives(call))

    # --------------------------------------------------------------- on scene
    def _arrive(self, o: Officer, call: Call) -> None:
        now = self.env.now
        self._close(o, now)
        o.state = SCENE
        self._on_scene(call, 1, reinforcement=o.case or o.station != call.station)

    def _county_arrives(self, call: Call) -> None:
        self.rec.county_arrived[call.i] = self.env.now
        self._on_scene(call, call.county_n, reinforcement=True)

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
            self._after(self.stream.on_scene_min[i], lambda _e: self._scene_done(call))
        if call.arrived >= call.need and math.isnan(rec.full_strength[i]):
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
        rec = self.rec
        rec.cleared[i] = now
        gi = self.group_of_station[call.station]
        g = self.groups[gi]
        hours = self.stream.investigation_hours[i]
        if hours == hours:  # not NaN
            g.investigations.append((i, now, hours))
            rec.create_investigation(i, now, hours)
            self._start_waiting_investigation(g)
        for o in sorted(call.officers, key=lambda o: o.id):
            self._close(o, now)
            o.call = None
            self._next_job(o, call.place)

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
            heapq.heappop(q)
        if q and (not o.case or q[0][0] <= g.plan.case_assist_priority_max):
            call = q[0][3]
            self._send(o, call, g, place, False)
            if call.remaining <= 0:
                heapq.heappop(q)
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
        (g.free_case if o.case else g.free_community).add(o)

    def _start_waiting_investigation(self, g: Group) -> None:
        """Hand waiting investigations to free investigators (lowest officer number first)."""
        while g.investigations:
            if g.plan.investigations_by_case_team:
                free = list(g.free_case)
            else:
                free = [*g.free_community, *g.free_case]
            if not free:
                return
            o = min(free, key=lambda o: o.id)
            self._close(o, self.env.now)
            (g.free_case if o.case else g.free_community).discard(o)
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

        self._after(hours * 60.0, done)

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
            g = self.groups[o.group]
            (g.free_case if o.case else g.free_community).discard(o)
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
