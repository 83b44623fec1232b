"""Rules of the time budget and the scene and county rules (issue 9), on hand-fed calls.

Each test runs a tiny scenario (``tests/budgetkit.py``) on calls given by hand,
so every expected time is worked out on paper in the test. Each assertion
message names the rule it guards.
"""

from __future__ import annotations

import math

import pytest

from sim.errors import ScenarioError
from sim.loader import scenario_from_dict
from tests.budgetkit import Call, run, tiny

DAY = 1440.0


def _row(run_, incident=0):
    return run_.incidents.set_index("incident").loc[incident]


def _minutes(run_, role, column="on_duty_min"):
    off = run_.officers
    return float(off.loc[off["role"] == role, column].sum())


# ------------------------------------------------------------------- shifts
def test_shifts_apply_per_team_not_per_home_station():
    """A case team drawn one officer from each of four stations is ONE team on a roster."""
    doc = tiny(
        [4, 4, 4, 4],
        shifts={"on_duty_share_by_hour": [0.25] * 24},
        pooled={
            "host": "S1",
            "command_room": {"staff": 1, "drawn_from": {}},
            "case_team": {"from_stations": {"S1": 1, "S2": 1, "S3": 1, "S4": 1}},
        },
    )
    r = run(doc, "pooled", [])
    # max(1, round(0.25 x 4)) = 1 case officer on duty around the clock, not 4.
    assert _minutes(r, "case_team") == pytest.approx(1 * DAY), "rule: shifts apply per team"
    # Community teams of 3: max(1, round(0.75)) = 1 each.
    assert _minutes(r, "community") == pytest.approx(4 * DAY), "rule: shifts apply per team"


def test_the_roster_rotates_so_on_duty_hours_are_shared():
    doc = tiny([4], horizon_days=4, shifts={"on_duty_share_by_hour": [0.25] * 24})
    r = run(doc, "isolated", [])
    hours = r.officers["on_duty_min"].to_numpy() / 60.0
    assert hours == pytest.approx([24.0] * 4), "rule: the on-duty window rotates through the team"


def test_room_seats_are_filled_from_the_room_teams_roster():
    doc = tiny(
        [4, 4],
        shifts={"on_duty_share_by_hour": [0.5] * 24},
        pooled={"host": "S1", "command_room": {"staff": 2, "drawn_from": {"S1": 1, "S2": 1}}},
    )
    r = run(doc, "pooled", [])
    # The room team of 2 at share 0.5 has one officer on duty, and they sit all the time.
    assert _minutes(r, "room") == pytest.approx(DAY), "rule: room seats follow the roster"
    assert _minutes(r, "room", "desk_min") == pytest.approx(DAY), "rule: room officers sit"


def test_desk_seat_is_taken_from_the_on_duty_roster():
    doc = tiny([4], shifts={"on_duty_share_by_hour": [0.5] * 24}, duty_desk={"seats": 1})
    r = run(doc, "isolated", [])
    off = r.officers
    assert off["desk_min"].sum() == pytest.approx(DAY), "rule: one desk seat around the clock"
    # Two on duty: one at the desk, one in the field (patrol share 0: at the station).
    assert off["station_min"].sum() == pytest.approx(DAY), "rule: the rest are field officers"


# --------------------------------------------------------------- scene work
def test_short_handed_scene_work_takes_longer():
    """Scene work is person-minutes: 1 officer of 3 needed works 3 times as long."""
    doc = tiny([1])
    r = run(doc, "isolated", [Call(0.0, need=3, scene_min=30, county_delay_min=10_000)])
    row = _row(r)
    assert row["first_arrival_min"] == pytest.approx(5.0)
    assert row["cleared_min"] - row["first_arrival_min"] == pytest.approx(90.0), (
        "rule: scene work progresses with the crew present"
    )


def test_full_crew_works_the_stated_scene_minutes():
    doc = tiny([3])
    r = run(doc, "isolated", [Call(0.0, need=3, scene_min=30)])
    row = _row(r)
    assert row["cleared_min"] - row["first_arrival_min"] == pytest.approx(30.0)
    assert row["full_strength_min"] == pytest.approx(5.0)


def test_scene_clears_when_work_is_done_and_late_units_turn_back():
    """Full strength is never after clearance; officers still on their way are turned back."""
    # S2's officer is 10 + 5 = 15 min away; S1's is 5. Work 2 x 5 = 10 person-min:
    # S1's officer alone works from 5 to 15 ... and the second officer arrives at 15.
    # Make it shorter: 2 x 4 = 8 person-min, S1 alone finishes at 5 + 8 = 13 < 15.
    doc = tiny([1, 1])
    r = run(doc, "pooled", [Call(0.0, need=2, scene_min=4)])
    row = _row(r)
    assert row["cleared_min"] == pytest.approx(13.0), "rule: the scene clears when work is done"
    assert math.isnan(row["full_strength_min"]), "rule: full strength never after clearance"
    late = r.dispatches[r.dispatches["station"] == "S2"].iloc[0]
    assert math.isnan(late["arrived_min"]) and late["freed_min"] == pytest.approx(13.0), (
        "rule: units still on their way are turned back at clearance"
    )


# ------------------------------------------------------------------- county
def test_priority_one_call_that_finds_nobody_free_asks_the_county():
    doc = tiny([1])
    calls = [Call(0.0, scene_min=100), Call(1.0, priority=1, scene_min=10)]
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["county_requested_min"] == pytest.approx(1.0), (
        "rule: a priority-1 call with nobody free asks the county after the model's wait"
    )


def test_lower_priority_call_that_finds_nobody_free_waits_under_partial_shortfall():
    doc = tiny([1])
    calls = [Call(0.0, scene_min=100), Call(1.0, priority=2, scene_min=10)]
    r = run(doc, "isolated", calls)
    assert math.isnan(_row(r, 1)["county_requested_min"])


def test_county_request_is_revisited_when_an_own_officer_gets_there_first():
    doc = tiny([1])
    # The officer frees at 5 + 60 = 65 in the same village as call 1 (0 minutes away);
    # the county would arrive at 1 + 70 = 71.
    calls = [Call(0.0, scene_min=60), Call(1.0, priority=1, scene_min=10, county_delay_min=70)]
    r = run(doc, "isolated", calls)
    row = _row(r, 1)
    assert row["first_arrival_min"] == pytest.approx(65.0), "rule: county request revisited"
    assert row["n_county_stood_down"] == 1, "rule: county stood down (county.revisit)"
    assert math.isnan(row["county_arrived_min"])


def test_county_keeps_coming_when_the_scenario_says_so():
    doc = tiny([1])
    doc["county"]["revisit"] = "keep_coming"
    calls = [Call(0.0, scene_min=60), Call(1.0, priority=1, scene_min=100, county_delay_min=70)]
    r = run(doc, "isolated", calls)
    row = _row(r, 1)
    assert row["first_arrival_min"] == pytest.approx(65.0)
    assert row["county_arrived_min"] == pytest.approx(71.0), "rule: county keeps coming"
    assert row["n_county_stood_down"] == 0


# ----------------------------------------------------- queue and preemption
def test_queue_order_is_priority_then_call_time_not_dispatch_time():
    """Call 1 comes first but its handling is longer; it must still be served first."""
    doc = tiny([1])
    doc["isolated"]["handling_min"] = {"dist": "exponential", "mean": 1}
    calls = [Call(0.0, scene_min=50), Call(1.0, scene_min=10), Call(2.0, scene_min=10)]
    r = run(doc, "isolated", calls, handling=[0.0, 10.0, 1.0])
    # Officer busy until 55; call 1 (called at 1, dispatched at 11) before call 2 (at 2, 3).
    assert _row(r, 1)["first_arrival_min"] < _row(r, 2)["first_arrival_min"], (
        "rule: the queue is ordered by priority, then call time"
    )


def test_preemption_pulls_an_officer_off_a_less_urgent_scene_when_enabled():
    doc = tiny([1], county={"enabled": False}, preemption={"enabled": True, "max_priority": 1})
    calls = [Call(0.0, priority=3, scene_min=100), Call(10.0, priority=1, scene_min=20)]
    r = run(doc, "isolated", calls)
    # Both calls are in the same village: the officer is pulled at 10 and there at once.
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(10.0), (
        "rule: priority-1 calls pull officers off less urgent scenes (preemption)"
    )
    assert _row(r, 0)["n_preempted"] == 1
    # It clears call 1 at 30, goes back to call 0 and works its 100 - 5 = 95 minutes left.
    assert _row(r, 0)["cleared_min"] == pytest.approx(30.0 + 95.0)


def test_no_preemption_by_default():
    doc = tiny([1], county={"enabled": False})
    calls = [Call(0.0, priority=3, scene_min=100), Call(10.0, priority=1, scene_min=20)]
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(105.0)


# ----------------------------------------------------- desk, walk-ins, work
def test_desk_officer_may_respond_only_when_the_scenario_allows():
    calls = [Call(0.0, scene_min=10)]
    stay = run(tiny([1, 1], duty_desk={"seats": 1, "may_respond": True}), "isolated", calls)
    assert _row(stay)["first_arrival_min"] == pytest.approx(5.0), "rule: desk may respond"
    doc = tiny([2], duty_desk={"seats": 1, "may_respond": False})
    r = run(doc, "isolated", [Call(0.0, scene_min=100), Call(1.0, scene_min=10)])
    assert _row(r, 1)["first_arrival_min"] == pytest.approx(105.0), (
        "rule: a desk officer stays at the desk unless may_respond"
    )


def test_walk_ins_are_served_at_the_desk_and_their_wait_recorded():
    doc = tiny(
        [3],
        horizon_days=5,
        duty_desk={"seats": 1},
        walk_ins={"per_day": {"S1": 30}, "service_min": {"dist": "fixed", "value": 20}},
    )
    r = run(doc, "isolated", [])
    w = r.walk_ins.dropna(subset=["done_min"])
    assert len(w) > 100
    assert (w["done_min"] - w["started_min"]).round(9).eq(20.0).all()
    # One seat: service never overlaps, so the desk serves them one at a time.
    s = w.sort_values("started_min")
    assert (s["started_min"].iloc[1:].to_numpy() >= s["done_min"].iloc[:-1].to_numpy() - 1e-9).all()
    assert r.officers["desk_min"].sum() == pytest.approx(5 * DAY)


def test_case_work_needs_its_whole_crew():
    doc = tiny([2])
    doc["incident_types"][0]["investigation"] = {
        "p": 1.0,
        "work_hours": {"dist": "fixed", "value": 2},
        "crew": 2,
    }
    r = run(doc, "isolated", [Call(0.0, scene_min=10, investigation_hours=2.0)])
    off = r.officers
    assert off["investigation_min"].tolist() == pytest.approx([120.0, 120.0]), (
        "rule: case work occupies its whole crew for its hours"
    )


def test_scheduled_duties_take_the_stated_hours():
    doc = tiny(
        [4],
        horizon_days=3,
        scheduled_duties={"hours_per_day": {"community": 2.0}, "block_min": 60},
    )
    r = run(doc, "isolated", [])
    # 4 officers x 2 h x 3 days = 24 h, due in 20-minute parts every hour; the part due
    # at the horizon itself (20 min) may not be worked.
    hours = r.officers["duty_min"].sum() / 60.0
    assert 24.0 - 20.0 / 60.0 - 1e-9 <= hours <= 24.0 + 1e-9, "rule: duty hours per day"


def test_a_call_interrupts_a_duty_block_when_interruptible():
    doc = tiny(
        [1],
        horizon_days=2,
        scheduled_duties={"hours_per_day": {"community": 12.0}, "block_min": 600},
    )
    # One officer, 12 h a day: every 600 minutes 300 minutes of duty fall due, so the
    # officer works duties from 1200 to 1500.
    r = run(doc, "isolated", [Call(1250.0, scene_min=10)])
    assert _row(r)["first_arrival_min"] == pytest.approx(1255.0), "rule: duties interruptible"
    doc["scheduled_duties"]["interruptible"] = False
    r = run(doc, "isolated", [Call(1250.0, scene_min=10)])
    assert _row(r)["first_arrival_min"] == pytest.approx(1500.0 + 5.0)


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "extra, field",
    [
        ({"duty_desk": {"seats": 1}}, "duty_desk.seats"),  # a 1-officer station: nobody left
        (
            {
                "duty_desk": {"seats": 1},
                "walk_ins": {
                    "per_day": {"Nowhere": 1},
                    "service_min": {"dist": "fixed", "value": 5},
                },
            },
            "walk_ins.per_day.Nowhere",
        ),
        (
            {"scheduled_duties": {"hours_per_day": {"community": 30}}},
            "scheduled_duties.hours_per_day",
        ),
        ({"preemption": {"enabled": True, "max_priority": 0}}, "preemption.max_priority"),
        ({"county": {"revisit": "sometimes"}}, "county.revisit"),
        ({"standby": {"enabled": True, "call_in_min": -5}}, "standby.call_in_min"),
        ({"standby": {"max_priority": 0}}, "standby.max_priority"),
        ({"case_work": {"interruptible": "sometimes"}}, "case_work.interruptible"),
        (
            {"scheduled_duties": {"hours_per_day": {"community": 1}, "block_min": 1}},
            "scheduled_duties.block_min",
        ),
        ({"scheduled_duties": {"hours_per_day": {"room": 1}}}, "scheduled_duties.hours_per_day"),
        ({"duty_desk": {"seats": -1}}, "duty_desk.seats"),
    ],
)
def test_bad_time_budget_fields_name_the_field(extra, field):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(tiny([1], **extra))
    assert field in str(err.value)


def test_the_run_says_whether_both_models_use_the_same_officer_hours():
    from sim.metrics import staffing_warnings, summarise
    from sim.runner import run_replications

    def summary(doc):
        loaded = scenario_from_dict(doc)
        reps = run_replications(loaded, range(2))
        import pandas as pd

        return summarise(pd.concat([r.metrics for r in reps], ignore_index=True))

    same = tiny([4, 4], horizon_days=2, shifts={"on_duty_share_by_hour": [0.5] * 24})
    assert staffing_warnings(summary(same))[0].startswith("both models use the same")
    # A room team of 1 drawn from S1 is on duty around the clock while the isolated
    # station's 4 officers round to 2 of 4: the pooled model gets more hours.
    doc = tiny([4, 4], horizon_days=2, shifts={"on_duty_share_by_hour": [0.5] * 24})
    doc["pooled"]["command_room"]["drawn_from"] = {"S1": 1}
    note = staffing_warnings(summary(doc))[0]
    assert "do not use the same on-duty officer-hours" in note


def test_scene_work_speeds_up_when_the_second_officer_arrives():
    """2 x 30 = 60 person-minutes: 10 done alone (5 to 15), the last 50 at two at a time."""
    doc = tiny([1, 1])
    r = run(doc, "pooled", [Call(0.0, need=2, scene_min=30)])
    row = _row(r)
    assert row["full_strength_min"] == pytest.approx(15.0)
    assert row["cleared_min"] == pytest.approx(15.0 + 25.0), (
        "rule: scene work done so far is booked at the crew present before it changes"
    )


def test_county_is_stood_down_when_the_scene_is_done_before_it_arrives():
    doc = tiny([1])
    r = run(doc, "isolated", [Call(0.0, need=2, scene_min=10, county_delay_min=100)])
    row = _row(r)
    assert row["cleared_min"] == pytest.approx(5.0 + 20.0)
    assert row["n_county"] == 1 and row["n_county_stood_down"] == 1, (
        "rule: a county request not yet arrived is stood down at clearance"
    )
    assert math.isnan(row["county_arrived_min"])
    county = r.dispatches[r.dispatches["role"] == "county"].iloc[0]
    assert bool(county["stood_down"]) and county["freed_min"] == pytest.approx(25.0)


def test_standby_officers_are_called_in_for_urgent_calls_only():
    doc = tiny(
        [2],
        county={"enabled": False},
        shifts={"on_duty_share_by_hour": [0.5] * 24},
        standby={"enabled": True, "call_in_min": 15, "max_priority": 1},
    )
    calls = [Call(0.0, scene_min=100), Call(10.0, priority=1, scene_min=20)]
    r = run(doc, "isolated", calls)
    row = _row(r, 1)
    # The off-duty officer leaves its station 15 min after the call-out: 10 + 15 + 5.
    assert row["first_arrival_min"] == pytest.approx(30.0), "rule: standby call-in"
    assert row["n_called_in"] == 1
    calls[1] = Call(10.0, priority=2, scene_min=20)
    r = run(doc, "isolated", calls)
    assert _row(r, 1)["n_called_in"] == 0, "rule: standby only for urgent calls"
    # Called-in time counts as on duty: the officer's on-duty minutes grow by its call.
    on = run(doc, "isolated", [Call(0.0, scene_min=100), Call(10.0, priority=1, scene_min=20)])
    off = run(doc, "isolated", [Call(0.0, scene_min=100)])
    assert on.officers["on_duty_min"].sum() == pytest.approx(
        off.officers["on_duty_min"].sum() + 40.0
    )


def test_a_call_to_an_empty_desk_is_forwarded_not_left_waiting():
    """The only desk officer is out on a call: the next call is still handled at once."""
    doc = tiny([2], duty_desk={"seats": 1, "may_respond": True})
    doc["isolated"]["handling_min"] = {"dist": "exponential", "mean": 1}
    calls = [Call(0.0, scene_min=100), Call(1.0, scene_min=100), Call(10.0, priority=1)]
    r = run(doc, "isolated", calls, handling=[0.0, 0.0, 2.0])
    # Call 0 takes the field officer, call 1 the desk officer: nobody sits at 10.
    assert _row(r, 2)["handled_min"] == pytest.approx(12.0), (
        "rule: a call to an unstaffed desk is forwarded to the duty officer's phone"
    )


def test_walk_ins_without_a_duty_desk_are_refused():
    doc = tiny([2], walk_ins={"per_day": {"S1": 5}, "service_min": {"dist": "fixed", "value": 5}})
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc)
    assert "walk_ins" in str(err.value) and "duty desk" in str(err.value)


def test_bad_crew_and_window_fields_name_the_field():
    doc = tiny([2])
    doc["incident_types"][0]["investigation"] = {
        "p": 0.5,
        "work_hours": {"dist": "fixed", "value": 1},
        "crew": 3,
    }
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc)
    assert "investigation.crew" in str(err.value) and "only 2" in str(err.value)
    doc = tiny([2])
    doc["pooled"]["service_window"] = {"seats": -1}
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(doc)
    assert "pooled.service_window.seats" in str(err.value)
