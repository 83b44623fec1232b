"""Rule tests written to kill the engine mutants that survived the other rule tests.

Each test pins a rule of docs/model.md that no earlier rule test checked
exactly (benchmarks/mutation.md lists which mutants each one kills and the
survivors judged equivalent). Tiny scenarios from ``tests/budgetkit.py`` (and
``tests/rulekit.py`` where a station needs a near and a far village), calls
given by hand, every expected minute worked out in the docstring; each
assertion message names the rule it guards.
"""

from __future__ import annotations

import math

import pytest

from sim.records import dispatch_frame, officer_frame
from tests import rulekit
from tests.budgetkit import Call, run, tiny

OWN_FREE = "rule: own_free_at_dispatch = the call's own-station community officers free at dispatch"
COUNTY_ROWS = "rule: one dispatch row per county head (officer -1, role county), sent when asked"
STOOD_DOWN = "rule: a county request not yet arrived is stood down when the scene clears"
CREW = "rule: scene work is on_scene_min x officers_required person-minutes at the crew's rate"
PREEMPT = "rule: a call that loses an officer to preemption needs one more again and queues"
ROSTER = "rule: the on-duty window is consecutive members by number and rotates at each change"
STANDBY = "rule: standby call-out only when standby.enabled, for priority <= standby.max_priority"
COUNTY_NOW = "rule: county_after_min 0 asks the county at once, before anything else that minute"


def _row(r, incident=0):
    return r.incidents.set_index("incident").loc[incident]


def _sent(r, incident):
    """Officer numbers sent to ``incident``, in row order."""
    d = r.dispatches
    return d[d["incident"] == incident]["officer"].tolist()


# ------------------------------------------------------------ own_free_at_dispatch
def test_own_free_at_dispatch_counts_free_own_officers():
    """3 officers, 100-min scenes: calls at 0, 1, 2 find 3, 2 and 1 free (each sends one)."""
    r = run(
        tiny([3]),
        "isolated",
        [Call(0.0, scene_min=100), Call(1.0, scene_min=100), Call(2.0, scene_min=100)],
    )
    assert r.incidents["own_free_at_dispatch"].tolist() == [3, 2, 1], OWN_FREE


def test_own_free_at_dispatch_leaves_out_officers_the_roster_sent_home():
    """Share 2/3 of 3: two on duty, so a call at 10 finds 2 of the 3 free."""
    doc = tiny([3], shifts={"on_duty_share_by_hour": [2 / 3] * 24})
    r = run(doc, "isolated", [Call(10.0)])
    assert r.incidents["own_free_at_dispatch"].tolist() == [2], OWN_FREE


# ---------------------------------------------------------------- dispatch rows
def test_county_heads_have_their_own_dispatch_rows():
    """1 officer, call needs 2 at 0 (30 min scene): the officer arrives at 5, the county
    head (asked at 0, delay 50) at 50. 60 person-minutes: 45 alone, 15 at 2 -> 57.5."""
    r = run(tiny([1]), "isolated", [Call(0.0, need=2)])
    d = r.dispatches.sort_values("officer")
    assert d["officer"].tolist() == [-1, 0], COUNTY_ROWS
    assert d["role"].tolist() == ["county", "community"], COUNTY_ROWS
    assert d["sent_min"].tolist() == [0.0, 0.0], COUNTY_ROWS
    assert d["travel_min"].tolist() == [50.0, 5.0], COUNTY_ROWS
    assert d["arrived_min"].tolist() == [50.0, 5.0], COUNTY_ROWS
    assert d["freed_min"].tolist() == [57.5, 57.5], COUNTY_ROWS
    assert d["stood_down"].tolist() == [False, False], COUNTY_ROWS


def test_county_heads_still_coming_are_stood_down_at_clearance():
    """2 officers, delay 100. Call 0 (need 1, 20 min) at 0: officer 0 there 5..25.
    Call 1 (need 3, 40 min = 120 person-min) at 1: officer 1 there at 6, county asked for
    2 (eta 101). Officer 0 frees at 25, 0 min away: one head stood down (revisit).
    Work: 19 done by 25, 101 left at 2 -> cleared 75.5 < 101: the other head too."""
    calls = [Call(0.0, scene_min=20), Call(1.0, need=3, scene_min=40, county_delay_min=100)]
    r = run(tiny([2]), "isolated", calls)
    c1 = _row(r, 1)
    assert c1["cleared_min"] == pytest.approx(75.5), CREW
    assert c1["n_county_stood_down"] == 2, f"{STOOD_DOWN} (one by revisit, one at clearance)"
    assert math.isnan(c1["county_arrived_min"]), STOOD_DOWN
    d = r.dispatches
    heads = d[(d["incident"] == 1) & (d["officer"] == -1)]
    assert heads["stood_down"].tolist() == [True, True], STOOD_DOWN
    assert sorted(heads["freed_min"].tolist()) == [25.0, 75.5], STOOD_DOWN


def _preempting(officers: int) -> dict:
    """One station of ``officers``, no county, preemption for priority-1 calls."""
    return tiny(
        [officers], county={"enabled": False}, preemption={"enabled": True, "max_priority": 1}
    )


# -------------------------------------------------------------------- preemption
@pytest.mark.parametrize("scene1, cleared", [(300.0, 152.5), (20.0, 30.0 + 245.0 / 3)])
def test_a_crew_that_loses_one_to_preemption_works_on_at_its_new_rate(scene1, cleared):
    """Priority-3 call 0 needs 3 (100 min = 300 person-min), all three there at 5.
    At 10 a priority-1 call takes officer 0 (15 done, 285 left): 2 work on, done at
    10 + 285 / 2 = 152.5 -- unless officer 0 comes back from a 20-min call 1 at 30
    (245 left at 3 -> 30 + 81.67)."""
    doc = _preempting(3)
    calls = [Call(0.0, priority=3, need=3, scene_min=100), Call(10.0, priority=1, scene_min=scene1)]
    r = run(doc, "isolated", calls)
    assert _row(r, 0)["cleared_min"] == pytest.approx(cleared), f"{CREW} ({PREEMPT})"
    assert _row(r, 0)["n_preempted"] == 1, PREEMPT


def test_a_lone_officer_left_after_preemption_finishes_the_last_half_minute():
    """Call 0 (priority 3) needs 2 for 10 min (20 person-min); both there at 5. At 14.75 a
    priority-1 call takes officer 0: 0.5 person-min left for 1 officer -> cleared 15.25."""
    doc = _preempting(2)
    calls = [Call(0.0, priority=3, need=2, scene_min=10), Call(14.75, priority=1, scene_min=300)]
    r = run(doc, "isolated", calls)
    assert _row(r, 0)["cleared_min"] == pytest.approx(15.25), f"{CREW} ({PREEMPT})"


def test_a_short_call_that_is_preempted_needs_one_more_than_before():
    """3 officers. Call X (p1, 40 min) at 0: officer 0, busy 5..45. Call A (p3, need 4,
    200 min) at 0.5: officers 1 and 2, 2 short (no county). Call B (p1, 20 min) at 10
    takes officer 1 off A: A is 3 short. Officer 1 frees at 30 and goes back to A (2
    short), officer 0 frees at 45 and goes to A too."""
    doc = _preempting(3)
    calls = [
        Call(0.0, priority=1, scene_min=40),
        Call(0.5, priority=3, need=4, scene_min=200),
        Call(10.0, priority=1, scene_min=20),
    ]
    r = run(doc, "isolated", calls)
    assert _sent(r, 1) == [1, 2, 1, 0], PREEMPT


# ------------------------------------------------------------------------ roster
@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_the_on_duty_window_rotates_through_the_team_by_number(model):
    """6 officers at share 1/3: 2 on duty a day -- 0 and 1 on day 1, 2 and 3 on day 2,
    4 and 5 on day 3. A call each day goes to the lowest-numbered on-duty officer (all
    at one base). Pooled: the same through a pool whose command room is civilian."""
    doc = tiny(
        [6],
        horizon_days=3,
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [1 / 3] * 24},
    )
    calls = [Call(100.0), Call(1440.0 + 100), Call(2880.0 + 100)]
    r = run(doc, model, calls)
    assert [_sent(r, i) for i in range(3)] == [[0], [2], [4]], ROSTER


@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_the_roster_follows_the_hour_by_hour_share(model):
    """2 officers: share 1 in hour 0, 0.5 in hours 1..11, 1 in hours 12..23. A call
    needing 2 at 30 finds both on duty (2 sent at the call); one at 90 and one at 690
    only one; one at 750 both again."""
    shares = [1.0] + [0.5] * 11 + [1.0] * 12
    doc = tiny([2], county={"enabled": False}, shifts={"on_duty_share_by_hour": shares})
    calls = [Call(t, need=2, scene_min=10) for t in (30.0, 90.0, 690.0, 750.0)]
    r = run(doc, model, calls)
    first = [
        len(r.dispatches[(r.dispatches["incident"] == i) & (r.dispatches["sent_min"] == t)])
        for i, t in enumerate((30.0, 90.0, 690.0, 750.0))
    ]
    assert first == [2, 1, 1, 2], f"{ROSTER}: officers sent at the call, by the hour's share"


# ----------------------------------------------------------------------- standby
@pytest.mark.parametrize("enabled, called_in", [(False, 0), (True, 1)])
def test_standby_calls_out_nobody_when_switched_off(enabled, called_in):
    """Share 0.5 of 2: officer 0 on duty and busy (0..105); a priority-1 call at 10.
    Standby off: nobody is called in, even for priority 1 (<= its max_priority)."""
    doc = tiny(
        [2],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [0.5] * 24},
        standby={"enabled": enabled, "call_in_min": 15, "max_priority": 1},
    )
    r = run(doc, "isolated", [Call(0.0, scene_min=100), Call(10.0, priority=1, scene_min=20)])
    assert _row(r, 1)["n_called_in"] == called_in, STANDBY


# ------------------------------------------------------------------------ county
def test_county_after_zero_asks_before_an_officer_freed_the_same_minute():
    """1 officer: call 0 at 0 (15 min) clears at 20. Priority-1 call 1 at 20 finds nobody
    free: the county is asked at 20 at once; the officer freed at 20 then revisits it
    (5 min away, the county 50) and stands the head down."""
    r = run(tiny([1]), "isolated", [Call(0.0, scene_min=15), Call(20.0, priority=1)])
    c1 = _row(r, 1)
    assert c1["county_requested_min"] == 20.0, COUNTY_NOW
    assert c1["n_county_stood_down"] == 1, COUNTY_NOW


# ----------------------------------------------------------------- county revisit
REVISIT = (
    "rule: a freed officer revisits a call still waiting for the county if it gets there first"
)


def _busy_then_county_calls(delay_a: float, revisit: str = "stand_down"):
    """3 officers busy with calls 0-2 (free at 25, 35, 45, 0 min from calls 3 and 4);
    priority-1 calls 3 (at 1) and 4 (at 2) find nobody free and ask the county at once
    (partial_shortfall asks for a priority-1 call nobody could take): call 3's county
    arrives after ``delay_a``, call 4's after 100. Scenes of 300 min keep both open."""
    doc = tiny(
        [3],
        county={
            "enabled": True,
            "revisit": revisit,
            "reinforcement_delay_min": {"dist": "fixed", "value": 50},
        },
    )
    calls = [
        Call(0.0, scene_min=20),
        Call(0.0, scene_min=30),
        Call(0.0, scene_min=40),
        Call(1.0, priority=1, scene_min=300, county_delay_min=delay_a),
        Call(2.0, priority=1, scene_min=300, county_delay_min=100),
    ]
    return run(doc, "isolated", calls)


def test_a_revisit_that_stands_down_the_last_head_leaves_later_county_calls_open():
    """Officer 0 (free at 25) revisits call 3 and stands its only head down; officer 1
    (free at 35) revisits call 4; officer 2 (free at 45) finds nothing left to revisit."""
    r = _busy_then_county_calls(100.0)
    assert r.incidents["n_county_stood_down"].tolist() == [0, 0, 0, 1, 1], REVISIT
    assert (_sent(r, 3), _sent(r, 4)) == ([-1, 0], [-1, 1]), REVISIT


def test_a_county_that_has_arrived_is_passed_over_not_the_calls_after_it():
    """Call 3's county arrives at 11: officer 0 (free at 25) passes it over and revisits
    call 4 (county due at 102)."""
    r = _busy_then_county_calls(10.0)
    assert (_sent(r, 3), _sent(r, 4)) == ([-1], [-1, 0]), REVISIT
    assert r.incidents["n_county_stood_down"].tolist() == [0, 0, 0, 0, 1], REVISIT


def test_keep_coming_revisits_each_call_once_per_head():
    """keep_coming: officer 0 revisits call 3 (its one head keeps coming), officer 1 passes
    call 3 over (one own officer per head already) and revisits call 4; officer 2 finds
    both calls done with."""
    r = _busy_then_county_calls(100.0, revisit="keep_coming")
    assert (_sent(r, 3), _sent(r, 4)) == ([-1, 0], [-1, 1]), REVISIT
    assert r.incidents["n_county_stood_down"].tolist() == [0] * 5, REVISIT


def test_keep_coming_sends_one_own_officer_per_county_head():
    """Calls 0-2 (10, 20, 30 min) hold officers 0-2 (free at 15, 25, 35); call 3 needs 3 at
    1 (100 min): officer 3 goes, the county is asked for 2 (due at 101). Officers 0 and 1
    revisit (the heads keep coming); officer 2 does not: one own officer per head."""
    doc = tiny(
        [4],
        county={
            "enabled": True,
            "revisit": "keep_coming",
            "reinforcement_delay_min": {"dist": "fixed", "value": 50},
        },
    )
    calls = [
        Call(0.0, scene_min=10),
        Call(0.0, scene_min=20),
        Call(0.0, scene_min=30),
        Call(1.0, need=3, scene_min=100, county_delay_min=100),
    ]
    r = run(doc, "isolated", calls)
    assert sorted(_sent(r, 3)) == [-1, -1, 0, 1, 3], REVISIT


# ------------------------------------------------------------ who is sent, from where
CASE = "rule: case-team officers are sent only to calls of priority <= assist_priority_max"
WHERE_NOW = "rule: travel minutes from where the officer is now (settled: its rest place)"


def _case_pool(**case):
    """S1's one officer (0) is the case team (at S1, 5 min from S1-V); S2's two (1, 2) are
    community officers (15 min from S1-V), so a one-officer call has a choice."""
    pool = {
        "host": "S1",
        "command_room": {"staff": 1, "drawn_from": {}},
        "county_after_min": 0,
        "case_team": {"from_stations": {"S1": 1}, "assist_priority_max": 1, **case},
    }
    return tiny([1, 2], county={"enabled": False}, pooled=pool)


@pytest.mark.parametrize("priority, officer", [(1, 0), (2, 1)])
def test_one_officer_call_takes_the_nearer_case_officer_only_when_urgent(priority, officer):
    """All free: the case officer (5 min) for a priority-1 call, else S2's officer 1 (15 min)."""
    r = run(_case_pool(), "pooled", [Call(0.0, priority=priority)])
    assert _sent(r, 0) == [officer], CASE


def test_an_officer_that_settled_this_minute_is_at_its_rest_place_for_a_k_officer_call():
    """Pooled, officers 0 and 1 at S1, 2 at S2 (S1-S2 10 min, villages 5 min off). Call 0
    at S1-V (10 min) takes officer 0: there 5..15, back at S1 at 20. Call 1 at S2-V at 20
    needs 2: officer 2 (5 min), then officers 0 and 1 at S1 (15 each: the lower number,
    officer 0, which counts as at S1 from 20 on, not at S1-V, 20 min away)."""
    doc = tiny([2, 1], county={"enabled": False})
    r = run(doc, "pooled", [Call(0.0, scene_min=10), Call(20.0, station=1, need=2)])
    assert sorted(_sent(r, 1)) == [0, 2], WHERE_NOW


# ---------------------------------------------------------------------- desks
DESK = "rule: with duty_desk, the first seats on-duty officers sit at the desk"
RESPOND = "rule: an idle desk officer may leave the desk for a call no field officer can take"


def test_two_desk_seats_handle_two_calls_at_once():
    """seats 2 (officers 0, 1), handling 10 each: calls at 0 and 0 are handled by 10."""
    doc = tiny([3], county={"enabled": False}, duty_desk={"seats": 2})
    doc["isolated"]["handling_min"] = {"dist": "fixed", "value": 10}
    r = run(doc, "isolated", [Call(0.0), Call(0.0)])
    assert r.incidents["handled_min"].tolist() == [10.0, 10.0], DESK


def test_a_desk_officer_that_left_is_not_taken_off_the_desk_again():
    """seats 2 (officers 0, 1), may_respond, field officer 2. Call 0 takes officer 2; call 1
    at 1 takes desk officer 0; call 2 at 2 takes desk officer 1 (0 is already out)."""
    doc = tiny([3], county={"enabled": False}, duty_desk={"seats": 2, "may_respond": True})
    calls = [Call(0.0, scene_min=100), Call(1.0, scene_min=100), Call(2.0, scene_min=100)]
    r = run(doc, "isolated", calls)
    assert [_sent(r, i) for i in range(3)] == [[2], [0], [1]], RESPOND


def test_a_desk_officer_turned_back_sits_again_at_once():
    """seats 1 (officer 0), may_respond. Call 0 (10 min) at 0: officer 1, there 5..15, at
    S1-V until 20. Call 1 at 16 needs 2 for 1 min: officer 1 (0 min away, there at 16) and
    the desk officer (5 min). Officer 1 alone does the 2 person-minutes by 18: the desk
    officer is turned back at 18, 2 minutes out, and sits again at its base at once."""
    doc = tiny([2], county={"enabled": False}, duty_desk={"seats": 1, "may_respond": True})
    r = run(doc, "isolated", [Call(0.0, scene_min=10), Call(16.0, need=2, scene_min=1)])
    assert _row(r, 1)["cleared_min"] == 18.0, "rule: the scene clears when the work is done"
    o0 = r.officers.set_index("officer").loc[0]
    assert (o0["travel_min"], o0["desk_min"]) == (2.0, 1440.0 - 2.0), (
        "rule: an officer turned back is free again where it set out from (its desk)"
    )


def test_a_desk_officer_one_minute_from_the_scene_drives_that_minute_back():
    """Villages 1 min away. seats 1, may_respond: call 0 (100 min) takes officer 1, call 1
    at 10 (20 min) the desk officer: there at 11, clears at 31, back at the desk at 32."""
    doc = tiny(
        [2], village_min=1.0, county={"enabled": False}, duty_desk={"seats": 1, "may_respond": True}
    )
    r = run(doc, "isolated", [Call(0.0, scene_min=100), Call(10.0, scene_min=20)])
    o0 = r.officers.set_index("officer").loc[0]
    assert (o0["return_min"], o0["desk_min"]) == (1.0, 1440.0 - 22.0), (
        "rule: a desk officer drives back to its seat"
    )


# ------------------------------------------------------------------ scene work
def test_the_last_officer_to_arrive_shares_the_last_half_minute():
    """Pooled; officers 0 (S1) and 1 (S2). Call 0 at S2-V (15 min) holds officer 1 until 20.
    Call 1 at S1-V at 0.5 needs 2 for 17.5 min (35 person-min): officer 0 there at 5.5
    works alone; officer 1, freed at 20 at S2-V, drives 20 min: at 40, 0.5 is left,
    shared by two: cleared at 40.25."""
    doc = tiny([1, 1], county={"enabled": False})
    calls = [Call(0.0, station=1, scene_min=15), Call(0.5, need=2, scene_min=17.5)]
    r = run(doc, "pooled", calls)
    assert _row(r, 1)["cleared_min"] == pytest.approx(40.25), CREW


# ----------------------------------------------------------- journeys of 0 minutes
def test_an_officer_zero_minutes_away_arrives_at_once_and_counts_as_reinforcement():
    """Pooled, officers 0 (S1) and 1 (S2). Call 0 at S1-V needs 2 (10 min): officer 0 there
    at 5, officer 1 at 15; 20 person-min: 10 alone, 10 at 2 -> cleared at 20, both at S1-V.
    Call 1 there at 21 needs 2: both 0 min away, there at 21; officer 1 is from S2, so the
    reinforcement arrives at 21 too."""
    r = run(
        tiny([1, 1], county={"enabled": False}),
        "pooled",
        [Call(0.0, need=2, scene_min=10), Call(21.0, need=2)],
    )
    d = r.dispatches[r.dispatches["incident"] == 1]
    assert d["arrived_min"].tolist() == [21.0, 21.0], "rule: a 0-minute journey arrives at once"
    assert d["freed_min"].tolist() == [51.0, 51.0], "rule: freed when the scene clears"
    assert _row(r, 1)["reinforcement_arrived_min"] == 21.0, (
        "rule: reinforcement arrived = the last officer from another station on scene"
    )


def test_an_officer_turned_back_and_sent_on_at_once_arrives_only_at_the_new_call():
    """Isolated, 2 officers. Call 0 (10 min) at 0: officer 0, there 5..15, at S1-V till 20.
    Call 1 at 16 needs 2 for 1 min: officer 0 (0 min, there at 16) and officer 1 (5 min,
    due at 21). Call 2 at 17 needs 2 for 10 min and waits. At 18 call 1 is done: officer
    0 goes on to call 2 (0 min), officer 1 is turned back (travel 16..18) and sent on to
    call 2 from its base: there at 23; 20 person-min: 5 by officer 0 alone, 15 at 2 ->
    freed at 30.5."""
    r = run(
        tiny([2], county={"enabled": False}),
        "isolated",
        [
            Call(0.0, scene_min=10),
            Call(16.0, need=2, scene_min=1),
            Call(17.0, need=2, scene_min=10),
        ],
    )
    d = r.dispatches.set_index(["incident", "officer"])
    assert (d.loc[(2, 1), "sent_min"], d.loc[(2, 1), "arrived_min"]) == (18.0, 23.0), (
        "rule: an officer turned back is free again where it set out from"
    )
    o1 = r.officers.set_index("officer").loc[1]
    assert (o1["travel_min"], o1["scene_min"]) == (2.0 + 5.0, 7.5), (
        "rule: the trip back of a turned-back officer is not charged; no scene time before 23"
    )


# ----------------------------------------------------------------- case team
def test_the_lowest_numbered_free_case_officer_takes_an_investigation():
    """Pool S1 (3 officers: community 0, case team 1 and 2). A priority-2 call (0) is
    taken by officer 0; its investigation (1 h, crew 1) goes to case officer 1."""
    pool = {
        "host": "S1",
        "command_room": {"staff": 1, "drawn_from": {}},
        "county_after_min": 0,
        "case_team": {"from_stations": {"S1": 2}, "assist_priority_max": 1},
    }
    doc = tiny([3], county={"enabled": False}, pooled=pool)
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 1.0},
    }
    r = run(doc, "pooled", [Call(0.0, scene_min=10, investigation_hours=1.0)])
    assert r.engine.rec.investigations[0][4] == 1, (
        "rule: investigations go to free investigators, lowest officer number first"
    )


def _case_pool_two(preempt=None, interrupt=False):
    """Pool of S1 (one officer: the case team, 0) and S2 (community officer 1)."""
    pool = {
        "host": "S1",
        "command_room": {"staff": 1, "drawn_from": {}},
        "county_after_min": 0,
        "case_team": {"from_stations": {"S1": 1}, "assist_priority_max": 1},
    }
    extra = {"case_work": {"interruptible": interrupt}}
    if preempt:
        extra["preemption"] = {"enabled": True, "max_priority": preempt}
    doc = tiny([1, 1], county={"enabled": False}, pooled=pool, **extra)
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 10.0},
    }
    return doc


def test_a_case_officer_is_taken_off_case_work_for_a_call_of_priority_assist_max():
    """Call A (p2) at S2-V at 0: officer 1, there 5..15, opens a 10-h case the case officer
    starts at 15. Call B (p2, 300 min) at 16 at S2-V: officer 1 again. Call C (p1 =
    assist_priority_max) at 30 at S1-V: the case officer leaves its case for it."""
    calls = [
        Call(0.0, station=1, scene_min=10, investigation_hours=10.0),
        Call(16.0, station=1, scene_min=300),
        Call(30.0, priority=1),
    ]
    r = run(_case_pool_two(interrupt=True), "pooled", calls)
    assert _sent(r, 2) == [0], f"{CASE} (and case_work.interruptible lets a call take it)"


def test_preemption_looks_past_a_case_officer_a_call_may_not_have():
    """As above, but call B is priority 3 and preemption is on for priority <= 2: call C
    (p2) may not have the case officer (2 > assist_priority_max) and takes officer 1
    off call B at 30 (there at 50, S2-V to S1-V)."""
    calls = [
        Call(0.0, station=1, scene_min=10, investigation_hours=10.0),
        Call(16.0, station=1, priority=3, scene_min=300),
        Call(30.0, priority=2),
    ]
    r = run(_case_pool_two(preempt=2), "pooled", calls)
    assert _sent(r, 2) == [1], f"{PREEMPT}; {CASE}"
    assert _row(r, 2)["first_arrival_min"] == 50.0, f"{PREEMPT}: pulled at 30, 20 min away"


def _crew_of_two_case():
    """2 officers; every call may open a 2-h case for a crew of 2; case work interruptible."""
    doc = tiny([2], county={"enabled": False}, case_work={"interruptible": True})
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 2.0},
        "crew": 2,
    }
    return doc


def test_a_paused_case_keeps_its_start_and_ends_when_its_hours_are_done():
    """Isolated, 2 officers, crew 2, 2 h, interruptible. Call 0 (10 min) clears at 15: the
    case starts at 15 with officers 0 and 1. Call 1 at 45 (300 min) takes officer 0 (30
    of 120 done): it is back on the case at 350 (there at 50, cleared at 350, and case
    work is done at the base, 0 min for the record), so with 90 min left it ends at 440,
    not at its old end, 135."""
    doc = _crew_of_two_case()
    calls = [Call(0.0, scene_min=10, investigation_hours=2.0), Call(45.0, scene_min=300)]
    r = run(doc, "isolated", calls)
    created, started, completed, *_ = r.engine.rec.investigations[0]
    assert started == 15.0, "rule: an investigation starts once (a paused case keeps its start)"
    resumed = 45.0 + 5.0 + 300.0
    assert completed == pytest.approx(resumed + 90.0), (
        "rule: a paused case waits again, first in line, with the hours left"
    )


# ------------------------------------------------------------ scheduled duties
DUTY = "rule: scheduled-duty blocks are done where the officer is, by free on-duty members"


@pytest.mark.parametrize(
    "block, hours, t1, arrival",
    [
        (18.0, 4.0, 22.0, 22.0),  # block due at 18 while driving back: done at S1-V
        (18.0, 4.0, 40.0, 45.0),  # block due at 36, settled at S1 since 26: done at S1
        (20.0, 3.6, 24.0, 29.0),  # block due at 20, the minute it settles at S1: done at S1
    ],
)
def test_a_duty_block_is_done_where_the_officer_is_now(block, hours, t1, arrival):
    """1 officer; ``block x hours / 24`` = 3 min of duty falls due every ``block`` min.
    Call 0 (10 min): there 5..15, back at S1 at 20. A block started while it drives back
    is done at S1-V (then it drives back again, so call 1 at S1-V finds it 0 min away);
    a block started once it has settled is done at S1 (5 min from call 1)."""
    doc = tiny(
        [1],
        county={"enabled": False},
        scheduled_duties={"hours_per_day": {"community": hours}, "block_min": block},
    )
    r = run(doc, "isolated", [Call(0.0, scene_min=10), Call(t1, scene_min=10)])
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(arrival), DUTY


def test_a_team_owing_one_hour_a_day_gets_its_duties():
    """1 officer, 1 h/day, block 60: 2.5 min due every hour, 23 times by 1380, all done."""
    doc = tiny([1], scheduled_duties={"hours_per_day": {"community": 1.0}, "block_min": 60})
    r = run(doc, "isolated", [])
    assert r.officers["duty_min"].tolist() == pytest.approx([23 * 2.5]), DUTY


def test_duty_work_due_while_the_team_is_busy_piles_up():
    """1 officer, 6 h/day, block 100: 25 min due every 100 min (14 ticks by 1400 = 350).
    A 250-min call from 0 (there at 5) keeps it busy over two ticks: nothing is lost."""
    doc = tiny(
        [1],
        county={"enabled": False},
        scheduled_duties={"hours_per_day": {"community": 6.0}, "block_min": 100},
    )
    r = run(doc, "isolated", [Call(0.0, scene_min=250)])
    assert r.officers["duty_min"].tolist() == pytest.approx([350.0]), DUTY


def test_an_interrupted_block_adds_what_it_had_left_to_the_backlog():
    """2 officers, 15 h/day, block 700: 875 min due at 700 and 1400. Call 0 (895 min)
    holds officer 0 5..900. At 700 officer 1 takes a 700-min block (175 stay due); call 1
    at 750 (10 min) cuts it with 650 left: 825 due. Back at 765 it takes 700 (765..1465,
    cut by the horizon), officer 0 the other 125 at 900. At 1400 officer 0 starts again."""
    doc = tiny(
        [2],
        county={"enabled": False},
        scheduled_duties={"hours_per_day": {"community": 15.0}, "block_min": 700},
    )
    r = run(doc, "isolated", [Call(0.0, scene_min=895), Call(750.0, scene_min=10)])
    assert r.officers["duty_min"].tolist() == pytest.approx([125.0 + 40.0, 50.0 + 675.0]), DUTY


# ----------------------------------------------------------------------- posts
POST = "rule: an officer whose post changes first finishes the job in hand, then takes it"


@pytest.mark.parametrize("kind", ["duty", "case", "duty cut", "case cut"])
def test_an_officer_goes_off_duty_at_its_shift_end_after_any_kind_of_work(kind):
    """2 officers at share 0.5 over 2 days: officer 0 on day 1, officer 1 on day 2. On day
    1 officer 0 does a duty block or case work (perhaps cut short by a call); whatever it
    did, it is off duty the whole of day 2."""
    extra = {"shifts": {"on_duty_share_by_hour": [0.5] * 24}, "county": {"enabled": False}}
    calls = [Call(0.0, scene_min=10)]
    if kind.startswith("duty"):
        extra["scheduled_duties"] = {"hours_per_day": {"community": 4.0}, "block_min": 600}
    else:
        extra["case_work"] = {"interruptible": True}
        calls = [Call(0.0, scene_min=10, investigation_hours=2.0)]
    if kind == "duty cut":
        calls.append(Call(610.0, scene_min=20))
    if kind == "case cut":
        calls.append(Call(30.0, scene_min=20))
    doc = tiny([2], horizon_days=2, **extra)
    if kind.startswith("case"):
        doc["incident_types"][0]["investigation"] = {
            "p": 1.0,
            "work_hours": {"dist": "fixed", "value": 2.0},
        }
    r = run(doc, "isolated", calls)
    off = r.officers.set_index("officer")["off_duty_min"].tolist()
    assert off == [1440.0, 1440.0], POST
    assert r.officers["duty_min"].sum() + r.officers["investigation_min"].sum() > 0



def test_an_officer_freed_from_a_cut_duty_block_goes_off_duty_at_its_shift_end():
    """3 officers at share 2/3 until 720, then 1/3: officers 0 and 1 on duty, then officer 2
    only. 2 h/day, block 600: 150 min due at 600, officer 0 works 600..750. Call B at 605
    (20 min) takes officer 1; call A at 610 (30 min) cuts officer 0's block (140 back to the
    backlog). Officer 1 clears at 630 and takes the 140; officer 0 clears at 645 with nothing
    left to do and is free at its station at 720, when its shift ends: off duty 720 min.
    Officer 2 works the 150 due at 1200."""
    doc = tiny(
        [3],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [2 / 3] * 12 + [1 / 3] * 12},
        scheduled_duties={"hours_per_day": {"community": 2.0}, "block_min": 600},
    )
    r = run(doc, "isolated", [Call(605.0, scene_min=20), Call(610.0, scene_min=30)])
    off = r.officers.set_index("officer")
    assert off["duty_min"].tolist() == pytest.approx([10.0, 140.0, 150.0]), DUTY
    assert off["off_duty_min"].tolist() == pytest.approx([720.0, 720.0 - 50.0, 720.0]), (
        "rule: an officer freed from a cut duty block takes its new post (off duty) at once"
    )


def test_an_officer_taken_off_a_paused_case_goes_off_duty_at_its_shift_end():
    """3 officers at share 2/3 until 720, then 1/3 (officers 0 and 1, then officer 2).
    Call X at 560 (10 min, a 2-hour case): officer 0 clears at 575, officer 1 (free at the
    station) takes the case 575..695. Call B at 605 (20 min) takes officer 0; call A at 610
    (30 min) pauses the case (85 min left) and takes officer 1. Officer 0 clears at 630 and
    takes the case (630..715); officer 1 clears at 645 with nothing left to do and is free
    at its station at 720, when its shift ends: everyone off duty 720 min."""
    doc = tiny(
        [3],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [2 / 3] * 12 + [1 / 3] * 12},
        case_work={"interruptible": True},
    )
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 2.0},
    }
    calls = [Call(560.0, scene_min=10, investigation_hours=2.0), Call(605.0, scene_min=20),
             Call(610.0, scene_min=30)]  # fmt: skip
    r = run(doc, "isolated", calls)
    off = r.officers.set_index("officer")
    assert off["investigation_min"].tolist() == pytest.approx([85.0, 35.0, 0.0]), (
        "rule: a paused case waits first in line for the next free officer"
    )
    assert off["off_duty_min"].tolist() == pytest.approx([720.0, 720.0, 720.0]), (
        "rule: an officer taken off a paused case takes its new post (off duty) at once"
    )


def test_a_shift_change_sends_an_officer_driving_to_its_seat_to_the_field():
    """2 officers, one desk seat, share 0.5 in hour 0 then 1.0: officer 0 sits at the desk
    from 0, officer 1 is off; at 60 officer 1 takes the seat and officer 0 the field. A call
    at 40 (12 min) takes officer 0 from the desk (may_respond): there at 45, clears at 57,
    drives back to its seat (57..62). At 60 its post is the field: it stops driving to the
    seat, returns from the scene as a field officer (60..65) and waits at the station."""
    doc = tiny(
        [2],
        county={"enabled": False},
        duty_desk={"seats": 1, "may_respond": True},
        shifts={"on_duty_share_by_hour": [0.5] + [1.0] * 23},
    )
    r = run(doc, "isolated", [Call(40.0, scene_min=12)])
    cols = ["desk_min", "travel_min", "scene_min", "return_min", "station_min", "off_duty_min"]
    got = r.officers.set_index("officer")[cols]
    assert got.loc[0].tolist() == pytest.approx([40.0, 5.0, 12.0, 3.0 + 5.0, 1375.0, 0.0]), POST
    assert got.loc[1].tolist() == pytest.approx([1380.0, 0.0, 0.0, 0.0, 0.0, 60.0]), (
        "rule: the first on-duty officers of a station sit at its duty desk"
    )


def test_the_patrol_share_holds_over_more_than_one_batch_of_patrol_draws():
    """Rule (docs/model.md, patrol positions): after each job an officer goes on patrol with
    probability ``patrol.share``. 1 officer, share 0.9, its only patrol village is the call
    village; 2500 calls 30 min apart (5 min each): a call finds it there (response 0) when
    it patrolled after the last one, else it drives 5 min from the station. About 1.9
    patrol draws per job: the 4096 drawn at a time run out after some 2150 jobs, and the
    draws go on from the next batch (the last one of a batch may be either draw)."""
    doc = tiny([1], horizon_days=60, county={"enabled": False}, patrol={"share": 0.9})
    n = 2500
    r = run(doc, "isolated", [Call(30.0 * i, scene_min=5) for i in range(n)])
    response = r.incidents["response_min"].to_numpy()[1:]
    assert set(response.tolist()) <= {0.0, 5.0}, "rule: patrol in the call village or station"
    on_patrol = float((response == 0.0).mean())
    half_width = 3.3 * math.sqrt(0.9 * 0.1 / (n - 1))  # 99.9% binomial interval
    assert abs(on_patrol - 0.9) < half_width, (
        f"rule: an officer patrols after a job with probability patrol.share: {on_patrol:.3f}"
    )

def test_a_stale_duty_end_does_not_free_an_officer_on_a_call():
    """1 officer, 4 h/day, block 600 (100 min due at 600 and 1200). Call 0 (10 min) at 0.
    At 600 it starts a 100-min block; a call at 610 (200 min) takes it off: there at 615,
    clears at 815. The block's old end (700) must not free it: call 2 at 750 (at S1-V,
    where the officer is) waits until 815."""
    doc = tiny(
        [1],
        county={"enabled": False},
        scheduled_duties={"hours_per_day": {"community": 4.0}, "block_min": 600},
    )
    calls = [Call(0.0, scene_min=10), Call(610.0, scene_min=200), Call(750.0, scene_min=10)]
    r = run(doc, "isolated", calls)
    assert _row(r, 2)["first_arrival_min"] == pytest.approx(815.0), POST
    assert _row(r, 1)["cleared_min"] == pytest.approx(815.0), CREW


def test_a_seat_is_handed_over_only_after_the_sitter_has_left_it():
    """3 officers, share 2/3 (2 on duty), one desk seat, handling 30. Day 1: 0 sits, 1 in
    the field; day 2: 2 sits, 0 in the field; day 3: 1 sits, 2 in the field, 0 off. Call
    0 at 2870 is handled by officer 2 until 2900; call 1 at 2875 waits. At 2880 officer 2
    leaves the seat (its call in hand is finished by the desk) and officer 1 sits: one
    seat, still busy until 2900, so call 1 is handled 2900..2930."""
    doc = tiny(
        [3],
        horizon_days=3,
        county={"enabled": False},
        duty_desk={"seats": 1},
        shifts={"on_duty_share_by_hour": [2 / 3] * 24},
    )
    doc["isolated"]["handling_min"] = {"dist": "fixed", "value": 30}
    r = run(doc, "isolated", [Call(2870.0, scene_min=10), Call(2875.0, scene_min=10)])
    assert r.incidents["handled_min"].tolist() == [2900.0, 2930.0], (
        f"{DESK}; {POST} (a desk has as many seats as officers sitting, never more)"
    )
    o = r.officers.set_index("officer")
    assert o["desk_min"].tolist() == [1440.0] * 3, f"{DESK} (one day each)"


def test_standby_calls_in_the_nearest_off_duty_officer():
    """Pooled S1 and S2, 2 officers each at share 0.5: officers 0 (S1) and 2 (S2) on duty,
    1 (S1) and 3 (S2) off. Calls 0 and 1 hold 0 and 2; a priority-1 call at S1-V at 10
    calls in officer 1 (5 min from its station), not officer 3 (15 min)."""
    doc = tiny(
        [2, 2],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [0.5] * 24},
        standby={"enabled": True, "call_in_min": 15, "max_priority": 1},
    )
    calls = [
        Call(0.0, scene_min=100),
        Call(0.0, station=1, scene_min=100),
        Call(10.0, priority=1, scene_min=20),
    ]
    r = run(doc, "pooled", calls)
    assert _sent(r, 2) == [1], f"{STANDBY}, nearest first"


def test_command_room_officers_are_not_pulled_to_scenes_when_preemption_is_on():
    """Pool of S1 (2 officers, one drawn to the command room) with preemption on: the
    field officer is busy at a priority-1 call; a second priority-1 call waits for it
    rather than take the idle room officer."""
    pool = {
        "host": "S1",
        "county_after_min": 0,
        "command_room": {"staff": 1, "drawn_from": {"S1": 1}},
    }
    doc = tiny(
        [2], county={"enabled": False}, pooled=pool, preemption={"enabled": True, "max_priority": 1}
    )
    r = run(doc, "pooled", [Call(0.0, priority=1, scene_min=20), Call(1.0, priority=1)])
    assert _sent(r, 1) == [0], "rule: command-room officers never go to scenes"
    assert _row(r, 1)["first_arrival_min"] == 25.0, "rule: command-room officers never go to scenes"


def test_officers_sent_home_by_the_roster_leave_the_large_group_index():
    """3 officers at share 2/3 over 3 days (0, 1 on day 1; 2, 0 on day 2; 1, 2 on day 3),
    with the by-place index of large groups forced: a call on day 3 goes to officer 1,
    not to officer 0, who went off duty at 2880."""
    import sim.engine

    saved = sim.engine.INDEX_MIN_OFFICERS
    sim.engine.INDEX_MIN_OFFICERS = 0
    try:
        doc = tiny(
            [3],
            horizon_days=3,
            county={"enabled": False},
            shifts={"on_duty_share_by_hour": [2 / 3] * 24},
        )
        r = run(doc, "isolated", [Call(2880.0 + 100)])
    finally:
        sim.engine.INDEX_MIN_OFFICERS = saved
    assert _sent(r, 0) == [1], "rule: off-duty officers are not sent (by-place index too)"


def test_a_scene_preempted_twice_ends_when_its_last_officer_finishes():
    """Call 0 (p3) needs 3 for 100 min (300 person-min), all there at 5. Priority-1 calls
    at 10 and 20 (300 min) take officers 0 and 1: 15 done by 10, 20 more by 20, then one
    officer does the last 265 -> cleared at 285 (not at 152.5, when 2 would have
    finished)."""
    doc = _preempting(3)
    calls = [
        Call(0.0, priority=3, need=3, scene_min=100),
        Call(10.0, priority=1, scene_min=300),
        Call(20.0, priority=1, scene_min=300),
    ]
    r = run(doc, "isolated", calls)
    assert _row(r, 0)["cleared_min"] == pytest.approx(285.0), f"{CREW} ({PREEMPT})"


def test_a_fully_staffed_scene_preempted_needs_exactly_one_more():
    """4 officers. Call 0 (p3) needs 3 for 100 min: officers 0-2. Call 1 (p3, 50 min) at 0:
    officer 3, busy 5..55. Priority-1 call 2 at 10 (20 min) takes officer 0 off call 0,
    which needs one again; officer 0 comes back at 30. Officer 3, free at 55, has nothing
    to go back to."""
    doc = _preempting(4)
    calls = [
        Call(0.0, priority=3, need=3, scene_min=100),
        Call(0.0, priority=3, scene_min=50),
        Call(10.0, priority=1, scene_min=20),
    ]
    r = run(doc, "isolated", calls)
    assert _sent(r, 0) == [0, 1, 2, 0], PREEMPT


def test_a_case_officer_sent_to_a_call_is_no_longer_free():
    """Two priority-1 calls at S1-V at 0 and 1: the case officer (5 min) takes the first;
    the second gets S2's officer 1 (15 min), not the case officer again."""
    r = run(_case_pool(), "pooled", [Call(0.0, priority=1), Call(1.0, priority=1)])
    assert (_sent(r, 0), _sent(r, 1)) == ([0], [1]), f"{CASE}; an officer is sent once at a time"


def test_a_paused_case_that_never_resumes_is_never_completed():
    """As the paused case above, but call 1 lasts past the horizon: the case, 30 of 120
    min done, waits at the horizon and has no completion time."""
    doc = _crew_of_two_case()
    calls = [Call(0.0, scene_min=10, investigation_hours=2.0), Call(45.0, scene_min=1500)]
    r = run(doc, "isolated", calls)
    assert math.isnan(r.engine.rec.investigations[0][2]), (
        "rule: a paused case waits again with the hours left (not done at its old end)"
    )
    assert r.engine.rec.investigations_waiting == 1, "rule: investigations waiting at the horizon"


def test_a_case_officer_revisits_a_county_call_of_priority_assist_max():
    """Pool: case officer 0 at S1, community officer 1 at S2. Call A (p1, 30 min) at S1-V:
    the case officer, there 5..35. Call B (p2, 300 min) at S2-V: officer 1. Call C (p1)
    at S1-V at 1: nobody free, the county is asked (due at 51). The case officer, free at
    35 at S1-V, revisits C (priority 1 = assist_priority_max) and stands the head down."""
    pool = {
        "host": "S1",
        "command_room": {"staff": 1, "drawn_from": {}},
        "county_after_min": 0,
        "case_team": {"from_stations": {"S1": 1}, "assist_priority_max": 1},
    }
    doc = tiny([1, 1], pooled=pool)
    calls = [Call(0.0, priority=1), Call(0.5, station=1, scene_min=300), Call(1.0, priority=1)]
    r = run(doc, "pooled", calls)
    assert sorted(_sent(r, 2)) == [-1, 0], f"{REVISIT}; {CASE}"
    assert _row(r, 2)["n_county_stood_down"] == 1, REVISIT


def test_both_officers_of_a_paused_case_go_to_a_call_needing_two():
    """Isolated, 2 officers on a crew-2 case (interruptible) from 15. Call 1 at 45 needs 2
    (30 min): case work is taken nearest first, and the crew mate the pause frees is
    free and eligible too, so both go: full strength at 50, cleared at 80."""
    doc = _crew_of_two_case()
    calls = [Call(0.0, scene_min=10, investigation_hours=2.0), Call(45.0, need=2, scene_min=30)]
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["full_strength_min"] == 50.0, (
        "rule: a short call takes officers from interruptible case work, nearest first"
    )


def test_calls_of_one_priority_and_minute_take_the_room_in_arrival_order():
    """One call-taker, 5 min each: three calls at 0 are handled at 5, 10 and 15, in order."""
    pool = {
        "host": "S1",
        "county_after_min": 0,
        "command_room": {
            "staff": 1,
            "drawn_from": {},
            "handling_min": {"dist": "fixed", "value": 5},
        },
    }
    doc = tiny([3], county={"enabled": False}, pooled=pool)
    r = run(doc, "pooled", [Call(0.0), Call(0.0), Call(0.0)])
    assert r.incidents["handled_min"].tolist() == [5.0, 10.0, 15.0], (
        "rule: calls wait for a seat by priority, then arrival"
    )


# ------------------------------------------- round 3: county revisit, then preemption
def test_a_revisited_county_call_that_is_preempted_needs_one_own_officer_again():
    """3 officers. X (10 min) and Y (55 min) at 0 hold officers 0 (free at 15) and 1 (free
    at 60). C (p3) at 1 needs 2 for 100 min (200 person-min): officer 2 there at 6, the
    county asked at once for the other head (due at 101). Officer 0, free at 15 at S1-V
    (0 min away), revisits C and stands the head down: C is fully staffed, 9 done, 191
    left at 2. P (p1, 30 min) at 20 takes officer 0 off C again (nearest first, then the
    lower number; 10 more done, 181 left at 1): C needs one own officer again, no second
    county request (asked once). Officer 0 clears P at 50 and goes back to C (30 more
    done, 151 at 2 -> cleared at 125.5); officer 1, free at 60, finds C fully staffed."""
    doc = tiny([3], preemption={"enabled": True, "max_priority": 1})
    calls = [
        Call(0.0, scene_min=10),
        Call(0.0, scene_min=55),
        Call(1.0, priority=3, need=2, scene_min=100, county_delay_min=100),
        Call(20.0, priority=1, scene_min=30),
    ]
    r = run(doc, "isolated", calls)
    assert _sent(r, 2) == [2, -1, 0, 0], (
        f"{PREEMPT}; {REVISIT} (one own officer for the one stood-down head); "
        "rule: the county is asked once per call"
    )
    c = _row(r, 2)
    assert c["n_county_stood_down"] == 1, STOOD_DOWN
    assert c["county_requested_min"] == 1.0, "rule: the county is asked once per call"
    assert c["cleared_min"] == pytest.approx(20.0 + 30.0 + 151.0 / 2), f"{CREW} ({PREEMPT})"


# ------------------------------- round 3: a drive to the seat that spans shift changes
SEAT_TIME = ["desk_min", "travel_min", "scene_min", "return_min", "duty_min", "off_duty_min"]


def _far_and_near_desk(shares: list[float], **extra) -> dict:
    """Station A (officers 0, 1; one desk seat, may_respond) with villages VF 200 min and VN
    5 min away; roster share ``shares`` by hour, so the desk passes between 0 and 1."""
    doc = rulekit.scenario(
        [("SA", "VF", 200), ("SA", "VN", 5)],
        {"A": ("SA", 2)},
        {"VF": "A", "VN": "A"},
        duty_desk={"seats": 1, "may_respond": True},
        shifts={"on_duty_share_by_hour": shares},
        **extra,
    )
    return doc


def _officer_minutes(r: rulekit.Run, officer: int) -> list[float]:
    """``SEAT_TIME`` minutes of ``officer`` in a rulekit run."""
    o = officer_frame(r.rec, r.loaded, r.layout, r.model, 0).set_index("officer")
    return o.loc[officer, SEAT_TIME].tolist()


#: 2 officers at share 0.5 (one on duty, the desk's one seat), 0.6 in hour 10: the roster
#: changes at 600 and 660, and the window of one moves 0 -> 1 -> 0 (officer 0 at the desk
#: until 600 and from 660, officer 1 in between).
SEAT_OFF_SEAT = [0.5] * 10 + [0.6] + [0.5] * 13


def test_a_drive_to_the_seat_cut_by_a_shift_change_never_seats_the_officer_twice():
    """Call 1 at 0 at VF takes desk officer 0 (handled at once): there 200..500, it drives
    back to its seat from 500 (due at 700). At 600 its post is off: it stops where it is.
    At 660 it sits again at its base. Its old drive must not seat it a second time at 700:
    calls 2 and 3 at 710 (VN, 10 min; handling 2) share the one seat -- call 2 handled at
    712 takes officer 0 (there 717..727, back at 732), call 3 is handled 732..734."""
    doc = _far_and_near_desk(SEAT_OFF_SEAT, isolated={"handling_min": rulekit.fixed(2)})
    calls = [rulekit.C(0.0, "VF", scene=300), rulekit.C(710.0, "VN"), rulekit.C(710.0, "VN")]
    r = rulekit.run(doc, "isolated", calls, handling=[0.0, 2.0, 2.0])
    assert r.rec.handled.tolist() == [0.0, 712.0, 732.0 + 2.0], (
        f"{DESK}; {POST} (a desk has as many seats as officers sitting, never more)"
    )


def test_an_old_drive_to_the_seat_does_not_end_a_later_one():
    """As above, but call 2 at 680 at VN (12 min, no handling) takes officer 0 from the seat
    it took at 660: there 685..697, back at its seat 697..702. Its first drive (due at 700)
    must not seat it at 700: return 100 (500..600) + 5, desk 660..680 and from 702."""
    doc = _far_and_near_desk(SEAT_OFF_SEAT)
    calls = [rulekit.C(0.0, "VF", scene=300), rulekit.C(680.0, "VN", scene=12)]
    r = rulekit.run(doc, "isolated", calls)
    expected = [20.0 + 1440.0 - 702.0, 200.0 + 5.0, 300.0 + 12.0, 100.0 + 5.0, 0.0, 60.0]
    assert _officer_minutes(r, 0) == pytest.approx(expected), (
        f"{POST}; rule: a desk officer drives back to its seat"
    )


def test_a_duty_block_taken_during_a_drive_to_the_seat_is_finished_first():
    """Shares 0.5, 1.0 in hour 10, 0.5 in hour 11, then 0.6: officer 0 sits until 600, is
    in the field 600..660 (officer 1 sits), off 660..720, at the seat from 720. 4 h/day of
    duties, block 600: 200 min due at 600. Call 1 at 0 at VF (350 min) takes officer 0:
    there 200..550, driving back to its seat from 550 (due at 750). At 600 it is a field
    officer at the roadside (50 min of return) and takes the 200-min block there
    (600..800); its post changes twice more while it works. Its old drive must not seat it
    at 750: it finishes the block, then drives 200 min back and sits at 1000."""
    shares = [0.5] * 10 + [1.0] + [0.5] + [0.6] * 12
    duties = {"hours_per_day": {"community": 4.0}, "block_min": 600}
    doc = _far_and_near_desk(shares, scheduled_duties=duties)
    r = rulekit.run(doc, "isolated", [rulekit.C(0.0, "VF", scene=350)])
    expected = [1440.0 - 1000.0, 200.0, 350.0, 50.0 + 200.0, 200.0, 0.0]
    assert _officer_minutes(r, 0) == pytest.approx(expected), f"{POST}; {DUTY}"
    assert _officer_minutes(r, 1) == pytest.approx([120.0, 0, 0, 0, 0, 1440.0 - 120.0]), DESK


def test_an_officer_turned_back_to_its_new_seat_never_arrives_at_the_call():
    """Shares 1.0 in hours 0-3, 0.5 in hour 4, then 0.6: officer 0 sits, officer 1 is in
    the field until 240, off 240..300, at the seat from 300. Call 1 at 0 at VF (10 min):
    officer 1 there 200..210. Call 2 at 205 at VN needs 2 for 60 min: desk officer 0 there
    at 210; officer 1, freed at 210 at VF, sets out (205 min, due at 415). Officer 0 does
    the 120 person-minutes alone by 330: officer 1 is turned back at VF (travel 120 min),
    now a desk officer, and drives 200 min to its seat (330..530). It never arrives."""
    shares = [1.0] * 4 + [0.5] + [0.6] * 19
    doc = _far_and_near_desk(shares)
    calls = [rulekit.C(0.0, "VF"), rulekit.C(205.0, "VN", need=2, scene=60)]
    r = rulekit.run(doc, "isolated", calls)
    d = dispatch_frame(r.rec, r.stream, r.loaded, r.model, 0).set_index(["incident", "officer"])
    assert d.loc[(1, 1), "freed_min"] == 330.0, "rule: the scene clears when the work is done"
    assert math.isnan(d.loc[(1, 1), "arrived_min"]), (
        "rule: officers still on their way are turned back (they never arrive)"
    )
    expected = [1440.0 - 530.0, 200.0 + 120.0, 10.0, 200.0, 0.0, 0.0]
    assert _officer_minutes(r, 1) == pytest.approx(expected), f"{POST}; {DESK}"


# ------------------------------------------------- round 3: two cases paused by one call
def test_a_call_that_pauses_two_cases_frees_the_crew_mates_of_both():
    """Isolated, 4 officers, crew-2 cases of 2 h, interruptible. Calls at 0 take officers
    0-3 (there at 5): P (10 min, a case) and R (10 min) clear at 15, so case A starts with
    officers 2 and 0 at 15; Q (20 min, a case) and S (20 min) at 25, so case B starts with
    3 and 1. Call Z at 40 needs 2 (30 min): case work nearest first, then the lower
    number, takes 0 (pausing A, 95 min left) and 1 (pausing B, 105 left); B is now first
    in line. The mates go back to case work: 3 and 2 resume B at 40 (done at 145); 0 and
    1, free when Z clears at 75, resume A (done at 170)."""
    doc = tiny([4], county={"enabled": False}, case_work={"interruptible": True})
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 2.0},
        "crew": 2,
    }
    calls = [
        Call(0.0, scene_min=10, investigation_hours=2.0),
        Call(0.0, scene_min=20, investigation_hours=2.0),
        Call(0.0, scene_min=10),
        Call(0.0, scene_min=20),
        Call(40.0, need=2, scene_min=30),
    ]
    r = run(doc, "isolated", calls)
    done = {i: v[2] for i, v in r.engine.rec.investigations.items()}
    assert done == {0: pytest.approx(75.0 + 95.0), 1: pytest.approx(40.0 + 105.0)}, (
        "rule: a paused case waits again, first in line, with the hours left "
        "(the crew mates of every case a call pauses are free for case work again)"
    )


# ----------------------------------------------------------- round 3: warm-up and roster
def test_an_officer_coming_on_duty_after_the_warm_up_counts_no_warm_up_minutes():
    """2 officers at share 0.5 over 2 days, the first a warm-up: officer 0 on duty on day 1,
    officer 1 on day 2. Minutes are counted from the end of the warm-up, so each officer
    has 1440 minutes: officer 1, off duty all through the warm-up, none of them off duty."""
    doc = tiny(
        [2],
        horizon_days=2,
        warmup_days=1,
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [0.5] * 24},
    )
    r = run(doc, "isolated", [])
    o = r.officers.set_index("officer")
    assert o["off_duty_min"].tolist() == [1440.0, 0.0], (
        "rule: officer minutes are counted from the end of the warm-up"
    )
