"""Rule tests written to kill the engine mutants that survived the other rule tests.

Each test pins a rule of docs/model.md that no earlier rule test checked
exactly (benchmarks/mutation.md lists which mutants each one kills and the
survivors judged equivalent). Tiny scenarios from ``tests/budgetkit.py``, calls
given by hand, every expected minute worked out in the docstring; each
assertion message names the rule it guards.
"""

from __future__ import annotations

import math

import pytest

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
    r = run(tiny([3]), "isolated", [Call(0.0, scene_min=100), Call(1.0, scene_min=100),
                                    Call(2.0, scene_min=100)])  # fmt: skip
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


# -------------------------------------------------------------------- preemption
@pytest.mark.parametrize("scene1, cleared", [(300.0, 152.5), (20.0, 30.0 + 245.0 / 3)])
def test_a_crew_that_loses_one_to_preemption_works_on_at_its_new_rate(scene1, cleared):
    """Priority-3 call 0 needs 3 (100 min = 300 person-min), all three there at 5.
    At 10 a priority-1 call takes officer 0 (15 done, 285 left): 2 work on, done at
    10 + 285 / 2 = 152.5 -- unless officer 0 comes back from a 20-min call 1 at 30
    (245 left at 3 -> 30 + 81.67)."""
    doc = tiny([3], county={"enabled": False},
               preemption={"enabled": True, "max_priority": 1})  # fmt: skip
    calls = [Call(0.0, priority=3, need=3, scene_min=100),
             Call(10.0, priority=1, scene_min=scene1)]  # fmt: skip
    r = run(doc, "isolated", calls)
    assert _row(r, 0)["cleared_min"] == pytest.approx(cleared), f"{CREW} ({PREEMPT})"
    assert _row(r, 0)["n_preempted"] == 1, PREEMPT


def test_a_lone_officer_left_after_preemption_finishes_the_last_half_minute():
    """Call 0 (priority 3) needs 2 for 10 min (20 person-min); both there at 5. At 14.75 a
    priority-1 call takes officer 0: 0.5 person-min left for 1 officer -> cleared 15.25."""
    doc = tiny([2], county={"enabled": False},
               preemption={"enabled": True, "max_priority": 1})  # fmt: skip
    calls = [Call(0.0, priority=3, need=2, scene_min=10),
             Call(14.75, priority=1, scene_min=300)]  # fmt: skip
    r = run(doc, "isolated", calls)
    assert _row(r, 0)["cleared_min"] == pytest.approx(15.25), f"{CREW} ({PREEMPT})"


def test_a_short_call_that_is_preempted_needs_one_more_than_before():
    """3 officers. Call X (p1, 40 min) at 0: officer 0, busy 5..45. Call A (p3, need 4,
    200 min) at 0.5: officers 1 and 2, 2 short (no county). Call B (p1, 20 min) at 10
    takes officer 1 off A: A is 3 short. Officer 1 frees at 30 and goes back to A (2
    short), officer 0 frees at 45 and goes to A too."""
    doc = tiny([3], county={"enabled": False},
               preemption={"enabled": True, "max_priority": 1})  # fmt: skip
    calls = [Call(0.0, priority=1, scene_min=40), Call(0.5, priority=3, need=4, scene_min=200),
             Call(10.0, priority=1, scene_min=20)]  # fmt: skip
    r = run(doc, "isolated", calls)
    assert _sent(r, 1) == [1, 2, 1, 0], PREEMPT


# ------------------------------------------------------------------------ roster
@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_the_on_duty_window_rotates_through_the_team_by_number(model):
    """6 officers at share 1/3: 2 on duty a day -- 0 and 1 on day 1, 2 and 3 on day 2,
    4 and 5 on day 3. A call each day goes to the lowest-numbered on-duty officer (all
    at one base). Pooled: the same through a pool whose command room is civilian."""
    doc = tiny([6], horizon_days=3, county={"enabled": False},
               shifts={"on_duty_share_by_hour": [1 / 3] * 24})  # fmt: skip
    calls = [Call(100.0), Call(1440.0 + 100), Call(2880.0 + 100)]
    r = run(doc, model, calls)
    assert [_sent(r, i) for i in range(3)] == [[0], [2], [4]], ROSTER


@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_the_roster_follows_the_hour_by_hour_share(model):
    """2 officers: share 1 in hour 0, 0.5 in hours 1..11, 1 in hours 12..23. A call
    needing 2 at 30 finds both on duty; one at 90 and one at 690 only one (the other
    comes from the queue when its colleague... never: county off, scene 10, so the one
    on duty does both halves); one at 750 finds both."""
    shares = [1.0] + [0.5] * 11 + [1.0] * 12
    doc = tiny([2], county={"enabled": False}, shifts={"on_duty_share_by_hour": shares})
    calls = [Call(t, need=2, scene_min=10) for t in (30.0, 90.0, 690.0, 750.0)]
    r = run(doc, model, calls)
    first = [len(r.dispatches[(r.dispatches["incident"] == i)
                              & (r.dispatches["sent_min"] == t)])
             for i, t in enumerate((30.0, 90.0, 690.0, 750.0))]  # fmt: skip
    assert first == [2, 1, 1, 2], f"{ROSTER}: officers sent at the call, by the hour's share"


# ----------------------------------------------------------------------- standby
@pytest.mark.parametrize("enabled, called_in", [(False, 0), (True, 1)])
def test_standby_calls_out_nobody_when_switched_off(enabled, called_in):
    """Share 0.5 of 2: officer 0 on duty and busy (0..105); a priority-1 call at 10.
    Standby off: nobody is called in, even for priority 1 (<= its max_priority)."""
    doc = tiny([2], county={"enabled": False},
               shifts={"on_duty_share_by_hour": [0.5] * 24},
               standby={"enabled": enabled, "call_in_min": 15, "max_priority": 1})  # fmt: skip
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
