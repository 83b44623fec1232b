"""Rule tests for the issue 9 time-budget paths of the engine, on hand-fed calls.

Preemption, standby call-out, scheduled duties, walk-ins, desk seats, paused
case work and county revisits. Each test runs a tiny scenario
(``tests/budgetkit.py``) on calls (and here also walk-in visitors) given by
hand, so every expected minute is worked out in the comments. Each assertion
message names the rule it guards (docs/model.md).
"""

from __future__ import annotations

import math

import pytest

from tests.budgetkit import Call, Run, run, tiny

DAY = 1440.0


def _row(run_, incident=0):
    return run_.incidents.set_index("incident").loc[incident]


def _officer(run_, k):
    return run_.officers.set_index("officer").loc[k]


def run_with_walk_ins(doc, model, calls, visitors, handling=None) -> Run:
    """``budgetkit.run`` with walk-ins given by hand: (minute, station, service)."""
    return run(doc, model, calls, handling, visitors)


WALK = {"per_day": {"S1": 1}, "service_min": {"dist": "fixed", "value": 20}}


def _desk_doc(**extra):
    doc = tiny([2], duty_desk={"seats": 1}, **extra)
    doc["isolated"]["handling_min"] = {"dist": "exponential", "mean": 1}  # calls use the desk
    return doc


# --------------------------------------------------------------- preemption
def test_preemption_requeues_the_less_urgent_call_and_restarts_its_county_clock():
    """Priority-3 scene (100 min) loses its officer at 10 to a priority-1 call (20 min).

    Call 0: worked 5..10 (5 of 100 done), needs one again: the county is asked at 10
    (county_after 0, one officer already sent), the officer clears call 1 at 30, is
    0 min away and gets there before the county (10 + 50 = 60): the head is stood
    down, and the 95 minutes left end at 125.
    """
    doc = tiny([1], preemption={"enabled": True, "max_priority": 1})
    r = run(
        doc,
        "isolated",
        [Call(0.0, priority=3, scene_min=100), Call(10.0, priority=1, scene_min=20)],
    )
    c0, c1 = _row(r, 0), _row(r, 1)
    assert c1["first_arrival_min"] == pytest.approx(10.0), "rule: preemption takes the officer"
    assert c1["cleared_min"] == pytest.approx(30.0), "rule: preemption takes the officer"
    assert c0["n_preempted"] == 1, "rule: preemption is recorded on the call that lost it"
    assert c0["county_requested_min"] == pytest.approx(10.0), (
        "rule: a preempted call is short again and its county clock restarts"
    )
    assert c0["n_county_stood_down"] == 1, "rule: county request revisited after preemption"
    assert c0["cleared_min"] == pytest.approx(125.0), (
        "rule: scene work done before preemption is kept (95 of 100 left)"
    )
    d = r.dispatches
    first = d[(d["incident"] == 0) & (d["officer"] == 0)].sort_values("sent_min")
    assert first["freed_min"].tolist() == pytest.approx([10.0, 125.0]), (
        "rule: the preempted officer's dispatch row is freed when it is pulled"
    )
    off = _officer(r, 0)
    assert off["scene_min"] == pytest.approx(5.0 + 20.0 + 95.0), "rule: preemption time budget"


def test_preemption_needs_a_less_urgent_scene_and_an_urgent_enough_call():
    calls = [Call(0.0, priority=2, scene_min=100), Call(10.0, priority=2, scene_min=20)]
    doc = tiny([1], county={"enabled": False}, preemption={"enabled": True, "max_priority": 2})
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(105.0), (
        "rule: preemption only from scenes of less urgent calls (not equal priority)"
    )
    assert _row(r, 0)["n_preempted"] == 0
    calls = [Call(0.0, priority=3, scene_min=100), Call(10.0, priority=2, scene_min=20)]
    doc = tiny([1], county={"enabled": False}, preemption={"enabled": True, "max_priority": 1})
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(105.0), (
        "rule: preemption only for calls of priority <= preemption.max_priority"
    )


# ------------------------------------------------------------------ standby
def test_standby_officer_is_called_in_from_its_station_and_goes_off_again():
    """Share 0.5 of 2: officer 0 on duty (busy 0..105), officer 1 off duty.

    Priority-1 call at 10: officer 1 is called out, leaves its station 15 min later
    and drives 5 min: there at 30, clears at 50 and goes off duty again there.
    """
    doc = tiny(
        [2],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [0.5] * 24},
        standby={"enabled": True, "call_in_min": 15, "max_priority": 1},
    )
    r = run(doc, "isolated", [Call(0.0, scene_min=100), Call(10.0, priority=1, scene_min=20)])
    c1 = _row(r, 1)
    assert c1["first_arrival_min"] == pytest.approx(30.0), "rule: standby call-in delay + travel"
    assert c1["cleared_min"] == pytest.approx(50.0), "rule: standby call-in"
    assert c1["n_called_in"] == 1, "rule: called-in officers are counted"
    d = r.dispatches.set_index("incident").loc[1]
    assert bool(d["called_in"]) and d["officer"] == 1, "rule: standby dispatch row is marked"
    assert d["sent_min"] == pytest.approx(10.0) and d["arrived_min"] == pytest.approx(30.0)
    o1 = _officer(r, 1)
    assert o1["on_duty_min"] == pytest.approx(40.0), "rule: standby hours out count as on duty"
    assert o1["travel_min"] == pytest.approx(20.0), "rule: the call-in wait is booked as travel"
    assert o1["off_duty_min"] == pytest.approx(DAY - 40.0), "rule: off duty again after the call"


# --------------------------------------------------------- scheduled duties
def test_duty_blocks_fall_due_per_block_and_go_to_the_lowest_numbered_free_officer():
    """2 officers x 6 h/day, block 600: 600 x 6 x 2 / 24 = 300 min due at 600 and 1200.

    Officer 0 takes both parts (300, then 1200..1440 cut by the horizon); officer 1 none.
    """
    doc = tiny([2], scheduled_duties={"hours_per_day": {"community": 6.0}, "block_min": 600})
    r = run(doc, "isolated", [])
    assert r.officers["duty_min"].tolist() == pytest.approx([540.0, 0.0]), (
        "rule: duty work due per block, done by free members, lowest number first"
    )
    doc["scheduled_duties"]["hours_per_day"] = {"case_team": 6.0}
    r = run(doc, "isolated", [])
    assert r.officers["duty_min"].sum() == pytest.approx(0.0), "rule: duty hours are by role"


def test_an_interrupted_duty_block_returns_its_rest_to_the_backlog():
    """1 officer, 12 h/day, block 600: 300 min due at 600 (done 600..900) and 1200.

    A call at 650 takes it off (250 left go back), it arrives at 655, clears at 685
    and works the 250 at the scene (685..935), drives 5 back; 1200..1440 is duty again.
    """
    doc = tiny([1], scheduled_duties={"hours_per_day": {"community": 12.0}, "block_min": 600})
    r = run(doc, "isolated", [Call(650.0, scene_min=30)])
    assert _row(r)["first_arrival_min"] == pytest.approx(655.0), "rule: duties are interruptible"
    o = _officer(r, 0)
    assert o["duty_min"] == pytest.approx(50.0 + 250.0 + 240.0), (
        "rule: the rest of an interrupted duty block goes back to the backlog"
    )
    assert o["return_min"] == pytest.approx(5.0), "rule: a duty block is done where the officer is"
    assert o["station_min"] == pytest.approx(DAY - 540.0 - 5.0 - 30.0 - 5.0)



def test_an_interrupted_duty_block_returns_even_its_last_fraction_of_a_minute():
    """As above, but the call comes at 899.5, half a minute before the block ends at 900.

    The half minute goes back to the backlog and is worked after the call (934.5..935):
    299.5 + 0.5 + 240 duty minutes, none lost.
    """
    doc = tiny([1], scheduled_duties={"hours_per_day": {"community": 12.0}, "block_min": 600})
    r = run(doc, "isolated", [Call(899.5, scene_min=30)])
    assert _row(r)["first_arrival_min"] == pytest.approx(904.5), "rule: duties are interruptible"
    assert _officer(r, 0)["duty_min"] == pytest.approx(540.0, abs=1e-9), (
        "rule: the rest of an interrupted duty block goes back to the backlog, "
        "however little is left"
    )

# ---------------------------------------------------------------- walk-ins
def test_walk_ins_queue_behind_calls_at_the_desk_unless_their_priority_says_otherwise():
    """One desk seat (officer 0). Visitors at 10 and 15 (20 min each), a call at 12 (5 min).

    Default: visitor 1 starts at 10 and leaves at 30; the call goes first (30..35), then
    visitor 2 (35..55). With walk_ins.priority 1 visitor 2 goes first (30..50), call at 55.
    """
    visitors = [(10.0, 0, 20.0), (15.0, 0, 20.0)]
    calls = [Call(12.0, scene_min=10)]
    r = run_with_walk_ins(_desk_doc(walk_ins=WALK), "isolated", calls, visitors, handling=[5.0])
    w = r.walk_ins
    assert w["started_min"].tolist() == pytest.approx([10.0, 35.0]), (
        "rule: walk-ins wait behind calls at the desk"
    )
    assert w["wait_min"].tolist() == pytest.approx([0.0, 20.0]), "rule: walk-in wait recorded"
    assert _row(r)["handled_min"] == pytest.approx(35.0), "rule: calls wait for a desk seat"
    r = run_with_walk_ins(
        _desk_doc(walk_ins={**WALK, "priority": 1}), "isolated", calls, visitors, handling=[5.0]
    )
    assert r.walk_ins["done_min"].tolist() == pytest.approx([30.0, 50.0]), (
        "rule: walk_ins.priority places visitors among call priorities"
    )
    assert _row(r)["handled_min"] == pytest.approx(55.0)


def test_pooled_walk_ins_without_a_window_go_to_the_command_room():
    """One civilian call-taker; visitors to S2 at 10 and 12 take 20 min each, one at a time."""
    doc = tiny(
        [2, 2],
        duty_desk={"seats": 1},  # walk-ins need a desk in the isolated model
        walk_ins={"per_day": {"S2": 1}, "service_min": {"dist": "fixed", "value": 20}},
    )
    r = run_with_walk_ins(doc, "pooled", [], [(10.0, 1, 20.0), (12.0, 1, 20.0)])
    w = r.walk_ins
    assert w["started_min"].tolist() == pytest.approx([10.0, 30.0]), (
        "rule: pooled walk-ins wait for a seat at the window, else the command room"
    )
    assert w["wait_min"].tolist() == pytest.approx([0.0, 18.0])
    assert (w["station"] == "S2").all()


# --------------------------------------------------------------- desk seats
def test_a_desk_officer_that_responds_drives_back_and_sits_again():
    """may_respond: officer 0 sits, officer 1 takes call 0 (0..105).

    Call 1 at 10 takes officer 0 off the desk: there at 15, clears at 35, back at the
    desk at 40. A visitor at 20 waits for the desk to be staffed again: 40..50.
    """
    doc = tiny([2], duty_desk={"seats": 1, "may_respond": True}, walk_ins=WALK)
    calls = [Call(0.0, scene_min=100), Call(10.0, scene_min=20)]
    r = run_with_walk_ins(doc, "isolated", calls, [(20.0, 0, 10.0)])
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(15.0), "rule: desk may respond"
    o0 = _officer(r, 0)
    assert o0["desk_min"] == pytest.approx(10.0 + DAY - 40.0), (
        "rule: a desk officer leaves its seat for the call and sits again on its return"
    )
    assert o0["return_min"] == pytest.approx(5.0), "rule: the desk officer drives back to its seat"
    assert r.walk_ins["started_min"].tolist() == pytest.approx([40.0]), (
        "rule: a walk-in waits until someone sits at the desk"
    )


def test_an_officer_whose_shift_ends_finishes_the_call_in_hand():
    """Share 0.5 of 2 over 2 days: officer 0 on day 1, officer 1 on day 2.

    A call at 1430 (there at 1435, 30 min): officer 0 finishes it at 1465, then goes off.
    """
    doc = tiny([2], horizon_days=2, shifts={"on_duty_share_by_hour": [0.5] * 24})
    r = run(doc, "isolated", [Call(1430.0, scene_min=30)])
    assert _row(r)["cleared_min"] == pytest.approx(1465.0), "rule: the job in hand is finished"
    assert r.officers["on_duty_min"].tolist() == pytest.approx([1465.0, DAY]), (
        "rule: an officer whose post changes first finishes the job in hand"
    )


# ---------------------------------------------------------- paused case work
def test_a_call_pauses_case_work_and_the_case_resumes_with_the_hours_left():
    """Crew of 2, 2 h: the case starts at 15 (call 0 cleared); call 1 at 45 takes officer 0.

    90 of 120 min are left; officer 1 waits free. Officer 0 clears call 1 at 80 and the
    case resumes with both, first in line: 80..170. Each works 30 + 90 = 120 min.
    """
    doc = tiny([2], case_work={"interruptible": True})
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 2},
        "crew": 2,
    }
    calls = [Call(0.0, scene_min=10, investigation_hours=2.0), Call(45.0, scene_min=30)]
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(50.0), (
        "rule: case_work.interruptible lets a call take one of the crew"
    )
    assert r.officers["investigation_min"].tolist() == pytest.approx([120.0, 120.0]), (
        "rule: a paused case resumes with the hours left"
    )
    assert _officer(r, 1)["station_min"] == pytest.approx(15.0 + 35.0 + DAY - 170.0), (
        "rule: the rest of the crew is freed while the case waits for its whole crew"
    )
    doc["case_work"]["interruptible"] = False
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(135.0 + 5.0), (
        "rule: case work is not interrupted unless case_work.interruptible"
    )


# ------------------------------------------------------------ county revisit
def test_revisit_stands_down_one_of_two_county_heads():
    """Call 1 needs 2 at 1: the county (2 heads) would come at 71. Officer frees at 65, 0 min away.

    One head stood down, one still comes at 71: 6 person-min alone, 14 left at 2 -> 78.
    """
    r = run(
        tiny([1]),
        "isolated",
        [Call(0.0, scene_min=60), Call(1.0, priority=1, need=2, scene_min=10, county_delay_min=70)],
    )
    c1 = _row(r, 1)
    assert c1["n_county"] == 2 and c1["n_county_stood_down"] == 1, (
        "rule: a revisit stands the county down for one head"
    )
    assert c1["county_arrived_min"] == pytest.approx(71.0), "rule: the other head keeps coming"
    assert c1["full_strength_min"] == pytest.approx(71.0)
    assert c1["cleared_min"] == pytest.approx(78.0), "rule: scene work depends on the crew"


def test_a_freed_officer_revisits_only_the_first_county_call():
    """Calls 1 and 2 (at 1 and 2) both wait for the county; the officer frees at 65."""
    calls = [
        Call(0.0, scene_min=60),
        Call(1.0, priority=1, scene_min=10, county_delay_min=70),
        Call(2.0, priority=1, scene_min=10, county_delay_min=70),
    ]
    r = run(tiny([1]), "isolated", calls)
    c1, c2 = _row(r, 1), _row(r, 2)
    assert c1["first_arrival_min"] == pytest.approx(65.0), "rule: county request revisited"
    assert c1["n_county_stood_down"] == 1 and math.isnan(c1["county_arrived_min"])
    assert c2["n_county_stood_down"] == 0, "rule: one freed officer revisits one call"
    assert c2["county_arrived_min"] == pytest.approx(72.0), "rule: county keeps its other calls"
    assert c2["cleared_min"] == pytest.approx(82.0)


def test_no_revisit_when_the_county_gets_there_first():
    """The officer frees at 65 but the county would be there at 1 + 60 = 61."""
    calls = [Call(0.0, scene_min=60), Call(1.0, priority=1, scene_min=10, county_delay_min=60)]
    r = run(tiny([1]), "isolated", calls)
    c1 = _row(r, 1)
    assert c1["n_county_stood_down"] == 0, "rule: revisit only if the officer gets there first"
    assert c1["first_arrival_min"] == pytest.approx(61.0)
    assert c1["cleared_min"] == pytest.approx(71.0)


def test_a_call_takes_an_officer_off_a_duty_block_before_an_idle_desk_officer():
    """Officer 0 sits (may_respond), officer 1 owes 600 x 12 x 2 / 24 = 600 min at 600.

    A call at 650 takes officer 1 off its block (not the desk): 50 done, 550 back to
    the backlog, worked 685..1235; 600 more fall due at 1200, worked 1235..1440.
    """
    doc = tiny(
        [2],
        duty_desk={"seats": 1, "may_respond": True},
        scheduled_duties={"hours_per_day": {"community": 12.0}, "block_min": 600},
    )
    r = run(doc, "isolated", [Call(650.0, scene_min=30)])
    assert r.dispatches["officer"].tolist() == [1], (
        "rule: interruptible duties are taken before an idle desk officer"
    )
    assert _officer(r, 0)["desk_min"] == pytest.approx(DAY), "rule: the desk officer stays seated"
    assert _officer(r, 1)["duty_min"] == pytest.approx(50.0 + 550.0 + 205.0), (
        "rule: the rest of an interrupted duty block goes back to the backlog"
    )


def test_pooled_walk_ins_are_served_at_their_stations_window():
    """service_window.seats 1: each station's first community officer sits at its window."""
    doc = tiny(
        [2, 2],
        duty_desk={"seats": 1},  # walk-ins need a desk in the isolated model
        walk_ins={"per_day": {"S2": 1}, "service_min": {"dist": "fixed", "value": 20}},
        pooled={
            "host": "S1",
            "command_room": {"staff": 1, "drawn_from": {}},
            "service_window": {"seats": 1},
        },
    )
    r = run_with_walk_ins(doc, "pooled", [], [(10.0, 1, 20.0), (12.0, 1, 20.0)])
    assert r.officers["desk_min"].tolist() == pytest.approx([DAY, 0.0, DAY, 0.0]), (
        "rule: a pooled station's window is staffed from its community team"
    )
    assert r.walk_ins["started_min"].tolist() == pytest.approx([10.0, 30.0]), (
        "rule: walk-ins wait for a seat at their station's window"
    )


# ----------------------------------------------- counts and per-kind switches
def test_standby_only_for_urgent_calls_and_every_head_called_in_is_counted():
    """Share 0.5 of 4: officers 0 and 1 on duty, both busy with call 0 (0..105)."""
    doc = tiny(
        [4],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [0.5] * 24},
        standby={"enabled": True, "call_in_min": 15, "max_priority": 1},
    )
    calls = [Call(0.0, need=2, scene_min=100), Call(10.0, priority=1, need=2, scene_min=20)]
    r = run(doc, "isolated", calls)
    c1 = _row(r, 1)
    assert c1["n_called_in"] == 2, "rule: every officer called in from standby is counted"
    assert c1["full_strength_min"] == pytest.approx(30.0), "rule: standby call-in delay + travel"
    calls[1] = Call(10.0, priority=2, need=2, scene_min=20)
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["n_called_in"] == 0, "rule: standby only for priority <= max_priority"
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(105.0)


def test_a_call_preempted_twice_counts_both_and_keeps_its_work():
    """Priority-3 call (100 min) loses its officer at 10 and at 50 to two 20-min calls.

    Worked 5..10 and 30..50 (25 done), back at 70: the 75 left end at 145.
    """
    doc = tiny([1], county={"enabled": False}, preemption={"enabled": True, "max_priority": 1})
    calls = [
        Call(0.0, priority=3, scene_min=100),
        Call(10.0, priority=1, scene_min=20),
        Call(50.0, priority=1, scene_min=20),
    ]
    r = run(doc, "isolated", calls)
    c0 = _row(r, 0)
    assert c0["n_preempted"] == 2, "rule: every preemption of a call is counted"
    assert c0["cleared_min"] == pytest.approx(145.0), "rule: work done before preemption is kept"
    assert (r.dispatches["incident"] == 0).sum() == 3, "rule: a preempted call queues for one more"


def test_case_work_and_duties_are_not_interrupted_unless_their_own_switch_says_so():
    """Preemption is on (so calls look for busy officers), but case work and duties are not
    interruptible: the priority-1 call waits for the case (15..135) or the block (1200..1500).
    """
    doc = tiny([2], preemption={"enabled": True, "max_priority": 1}, county={"enabled": False})
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 2},
        "crew": 2,
    }
    calls = [Call(0.0, scene_min=10, investigation_hours=2.0), Call(45.0, priority=1)]
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(140.0), (
        "rule: case work is interrupted only with case_work.interruptible"
    )
    doc = tiny(
        [1],
        horizon_days=2,
        county={"enabled": False},
        preemption={"enabled": True, "max_priority": 1},
        scheduled_duties={
            "hours_per_day": {"community": 12.0},
            "block_min": 600,
            "interruptible": False,
        },
    )
    r = run(doc, "isolated", [Call(1250.0, priority=1, scene_min=10)])
    assert _row(r)["first_arrival_min"] == pytest.approx(1505.0), (
        "rule: duties are interrupted only when scheduled_duties.interruptible"
    )


def test_a_desk_officer_serving_a_visitor_does_not_respond():
    """may_respond, but officer 0 serves a visitor 5..65: call 1 at 10 waits for officer 1 (105)."""
    doc = tiny([2], duty_desk={"seats": 1, "may_respond": True}, walk_ins=WALK)
    calls = [Call(0.0, scene_min=100), Call(10.0, scene_min=20)]
    r = run_with_walk_ins(doc, "isolated", calls, [(5.0, 0, 60.0)])
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(105.0), (
        "rule: only an idle desk officer may respond"
    )
    assert _officer(r, 0)["desk_min"] == pytest.approx(DAY)


def test_two_freed_officers_stand_down_both_county_heads():
    """Call 2 needs 2 (20 min) at 1; the county would come at 101. Officer 0 frees at 65,
    officer 1 at 85, both 0 min away: both heads stood down. 20 person-min alone
    (65..85), 20 left at 2 -> 95.
    """
    calls = [
        Call(0.0, scene_min=60),
        Call(0.0, scene_min=80),
        Call(1.0, priority=1, need=2, scene_min=20, county_delay_min=100),
    ]
    r = run(tiny([2]), "isolated", calls)
    c2 = _row(r, 2)
    assert c2["n_county"] == 2 and c2["n_county_stood_down"] == 2, (
        "rule: each revisit stands the county down for one head"
    )
    assert math.isnan(c2["county_arrived_min"]), "rule: no head left, the county never arrives"
    assert c2["full_strength_min"] == pytest.approx(85.0)
    assert c2["cleared_min"] == pytest.approx(95.0), "rule: county revisit"
    d = r.dispatches[r.dispatches["incident"] == 2]
    assert len(d) == 4 and d["stood_down"].sum() == 2
    assert sorted(d.loc[d["stood_down"], "freed_min"]) == pytest.approx([65.0, 85.0]), (
        "rule: a stood-down head is freed when the officer is sent"
    )
