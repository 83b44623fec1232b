"""Rule tests: the incident record and the county bureau (docs/model.md).

Records: call <= handled <= dispatched <= first arrival <= full strength, and
the counts of who came (own station, other stations, case team, county).
County: asked for the whole remaining shortfall once it has lasted the model's
``county_after_min`` (``partial_shortfall``: with at least one officer already
sent, except for a priority-1 call); its officers arrive together after the
incident's drawn delay; with ``county.enabled: false`` it is never asked. A
request is revisited when an own officer frees up and would get there first
(one head stood down, or ``keep_coming``). Scene work is ``on_scene_min`` x
``officers_required`` person-minutes at the crew's rate, and the call clears
when it is done, so the scenes below are long enough for the county to arrive.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.incidents import draw_incidents
from tests.rulekit import STAR, STAR_STATIONS, STAR_VILLAGES, C, fixed, load, run, scenario

ORDER = "rule: call <= handled <= dispatched <= first arrival <= full strength"
COUNTS = "rule: n_own/n_other/n_case/n_county count who was sent"
DELAY = "rule: the county arrives after the incident's drawn delay"
WHOLE = "rule: the county is asked for the whole shortfall after county_after_min"
NEVER = "rule: county.enabled false never asks the county"
NOT_NEEDED = "rule: the county is not asked when the shortfall ends before county_after_min"
REVISIT = "rule: a county request is revisited when an own officer frees up and gets there first"
CREW = "rule: scene work is on_scene_min x officers_required person-minutes at the crew's rate"



def county(enabled: bool = True, delay: float = 40.0):
    return {"enabled": enabled, "requests": "partial_shortfall",
            "reinforcement_delay_min": fixed(delay)}  # fmt: skip


def star(room_handling=3.0, pool_after=0.0, iso_after=0.0, **top):
    top.setdefault("county", county())
    pool = {"host": "A", "county_after_min": pool_after,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(room_handling)}}
    return scenario(STAR, STAR_STATIONS, STAR_VILLAGES, pooled=pool, turnout_min=1,
                    isolated={"handling_min": fixed(2), "county_after_min": iso_after},
                    **top)  # fmt: skip


def test_times_are_ordered_and_exact():
    calls = [C(10, "VA", need=2, scene=30, county_delay=40)]
    r = run(star(), "isolated", calls)
    # Isolated: desk 2 min; A's officer 9 + 1 turnout; the county for the other one.
    # Work 2 x 30 = 60 person-minutes: 30 alone (22-52), 30 at 2 -> cleared at 67.
    want = {"handled": 12, "dispatched": 12, "first_arrival": 22, "full_strength": 52,
            "cleared": 67, "county_requested": 12, "county_arrived": 52,
            "reinforcement_requested": 12, "reinforcement_arrived": 52}  # fmt: skip
    got = {k: r.time(k, 0) for k in want}
    assert got == want, f"{ORDER} (isolated, with county): {got}"
    assert r.counts(0) == (1, 0, 0, 1), f"{COUNTS}: one own officer, one county officer"
    r = run(star(), "pooled", calls)
    # Pooled: room 3 min; B (3 + 1) and D (6 + 1) are the nearest two.
    # Work 60: 3 alone (17-20), 57 at 2 -> cleared at 20 + 28.5.
    want = {"handled": 13, "dispatched": 13, "first_arrival": 17, "full_strength": 20,
            "cleared": 48.5, "reinforcement_requested": 13,
            "reinforcement_arrived": 20}  # fmt: skip
    got = {k: r.time(k, 0) for k in want}
    assert got == want, f"{ORDER} (pooled): {got}"
    assert math.isnan(r.time("county_requested", 0)), f"{COUNTS}: the pool was enough"
    assert r.counts(0) == (0, 2, 0, 0), f"{COUNTS}: two officers of other stations"
    df = r.frame()
    cols = ["call_min", "handled_min", "dispatched_min", "first_arrival_min",
            "full_strength_min"]  # fmt: skip
    row = df.loc[0, cols].to_numpy(dtype=float)
    assert (np.diff(row) >= 0).all() and row.tolist() == [10, 13, 13, 17, 20], f"{ORDER}: {row}"
    assert df.loc[0, ["n_own", "n_other", "n_case", "n_county"]].tolist() == [0, 2, 0, 0], COUNTS
    assert df.loc[0, "response_min"] == 7, f"{ORDER}: response = first arrival - call"
    assert df.loc[0, "full_strength_delay_min"] == 10, f"{ORDER}: full strength - call"


def test_own_officer_is_not_a_reinforcement():
    r = run(star(), "isolated", [C(10, "VA")])
    assert r.counts(0) == (1, 0, 0, 0), COUNTS
    assert math.isnan(r.time("reinforcement_requested", 0)), f"{COUNTS}: own is not help"
    assert math.isnan(r.time("reinforcement_arrived", 0)), f"{COUNTS}: own is not help"


def test_counts_of_every_kind():
    pool = {"host": "A", "county_after_min": 0,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
            "case_team": {"from_stations": {"A": 1}, "assists_emergencies": True,
                          "assist_priority_max": 1}}  # fmt: skip
    stations = {"A": ("SA", 2), "B": ("SB", 1)}
    doc = scenario([("VA", "SA", 2), ("VA", "SB", 10)], stations, {"VA": "A"}, pooled=pool,
                   county=county(delay=30))  # fmt: skip
    r = run(doc, "pooled", [C(0, "VA", need=6, priority=1, scene=20, county_delay=30)])
    assert r.counts(0) == (1, 1, 1, 3), f"{COUNTS}: own 1, other 1, case 1, county 3"
    assert r.time("county_requested", 0) == 0, f"{WHOLE}: pooled county_after_min 0"
    assert r.time("full_strength", 0) == 30, f"{DELAY}: the county completes it at 30"
    # Work 6 x 20 = 120: 2 officers 2-10 (16), 3 officers 10-30 (60), 44 left at 6.
    assert r.time("cleared", 0) == pytest.approx(30 + 44 / 6), f"{CREW}: 2, 3, then 6 at work"


@pytest.mark.parametrize("delay", [33.0, 61.5])
def test_county_arrives_after_its_drawn_delay(delay):
    # Work 3 x 30 = 90 person-minutes, A's officer alone from 22: not done by 12 + 61.5.
    r = run(star(), "isolated", [C(10, "VA", need=3, scene=30, county_delay=delay)])
    assert r.time("county_requested", 0) == 12, f"{WHOLE}: at handling, county_after_min 0"
    assert r.time("county_arrived", 0) == 12 + delay, f"{DELAY}: {delay} minutes later"
    assert r.time("full_strength", 0) == 12 + delay, f"{DELAY}: all county officers together"
    assert r.counts(0) == (1, 0, 0, 2), f"{WHOLE}: two county officers for the two missing"


def test_county_delay_is_drawn_from_the_scenario_distribution():
    doc = star(horizon_days=10)
    doc["incident_types"][0]["rate_per_day"] = 50
    loaded = load(doc)
    s = draw_incidents(loaded.scenario, loaded.network, 0)
    assert len(s) > 100 and (s.county_delay_min == 40).all(), f"{DELAY}: fixed 40"
    doc["county"]["reinforcement_delay_min"] = {"dist": "uniform", "low": 30, "high": 70}
    loaded = load(doc)
    d = draw_incidents(loaded.scenario, loaded.network, 0).county_delay_min
    assert d.min() >= 30 and d.max() <= 70 and d.std() > 5, f"{DELAY}: Uniform(30, 70)"


@pytest.mark.parametrize("model, after, handled",
                         [("isolated", 5, 12), ("isolated", 1, 12), ("pooled", 15, 13)])
def test_county_is_asked_for_the_whole_shortfall_after_the_wait(model, after, handled):
    doc = star(iso_after=after, pool_after=after)
    r = run(doc, model, [C(10, "VA", need=7, scene=120, county_delay=40)])
    sent = 1 if model == "isolated" else 4
    assert r.time("county_requested", 0) == handled + after, f"{WHOLE}: after {after} min"
    assert r.counts(0)[3] == 7 - sent, f"{WHOLE}: all {7 - sent} missing at once"
    assert r.time("county_arrived", 0) == handled + after + 40, f"{DELAY}: 40 after asking"


@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_county_not_asked_when_the_shortfall_ends_in_time(model):
    # One station, 2 officers. Call 0 (0-10) frees officer 0 at V at 10; call 1 needs
    # 2 at 1: officer 1 goes, officer 0 fills the shortfall at 10, before 30 minutes.
    pool = {"host": "A", "county_after_min": 30,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)}}
    doc = scenario([("S", "V", 5)], {"A": ("S", 2)}, {"V": "A"}, county=county(), pooled=pool,
                   isolated={"handling_min": fixed(0), "county_after_min": 30})  # fmt: skip
    r = run(doc, model, [C(0, "V", scene=5), C(1, "V", need=2, scene=30)])
    assert math.isnan(r.time("county_requested", 1)), f"{NOT_NEEDED} ({model})"
    assert r.counts(1) == (2, 0, 0, 0), f"{NOT_NEEDED}: two own officers"
    assert r.time("full_strength", 1) == 10, f"{NOT_NEEDED}: officer 0 from V at 10"


def test_county_waits_for_county_after_even_when_an_officer_frees_earlier():
    # Pooled waits 15: call 1 needs 3 at 1; officer 1 goes, officer 0 joins at 10 (freed
    # at V), the last place goes to the county at 1 + 15, not at 10.
    pool = {"host": "A", "county_after_min": 15,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)}}
    doc = scenario([("S", "V", 5)], {"A": ("S", 2)}, {"V": "A"}, county=county(), pooled=pool)
    r = run(doc, "pooled", [C(0, "V", scene=5), C(1, "V", need=3, scene=60, county_delay=40)])
    assert r.time("county_requested", 1) == 16, f"{WHOLE}: after 15 minutes of shortfall"
    assert r.counts(1) == (2, 0, 0, 1), f"{WHOLE}: one county officer for the one missing"
    assert r.time("full_strength", 1) == 56, f"{DELAY}: 40 minutes after asking"


@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_disabled_county_is_never_asked(model):
    doc = star(county=county(enabled=False))
    r = run(doc, model, [C(10, "VA", need=7, scene=120, county_delay=40)])
    assert math.isnan(r.time("county_requested", 0)), f"{NEVER} ({model})"
    assert math.isnan(r.time("county_arrived", 0)), f"{NEVER} ({model})"
    assert r.counts(0)[3] == 0, f"{NEVER}: no county officers"
    assert math.isnan(r.time("full_strength", 0)), f"{NEVER}: the call stays short"
    assert not math.isnan(r.time("cleared", 0)), f"{NEVER}: the call still clears"


@pytest.mark.parametrize("revisit, stood_down", [("stand_down", 1), ("keep_coming", 0)])
def test_own_officer_freed_first_is_sent_and_the_county_revisited(revisit, stood_down):
    # Call 1 (need 3, scene 100) at 1: officer 1 goes (on scene at 6), the county is
    # asked for 2 at once (due at 41). Officer 0, freed at V by call 0 at 10, gets
    # there before the county (0 minutes), so it is sent and one county head is
    # stood down (stand_down) or both keep coming (keep_coming).
    cty = {**county(), "revisit": revisit}
    doc = scenario([("S", "V", 5)], {"A": ("S", 2)}, {"V": "A"}, county=cty,
                   isolated={"handling_min": fixed(0), "county_after_min": 0})  # fmt: skip
    r = run(doc, "isolated", [C(0, "V", scene=5), C(1, "V", need=3, scene=100)])
    assert r.counts(1) == (2, 0, 0, 2), f"{REVISIT}: both own officers, two county heads asked"
    assert r.rec.county_stood_down[1] == stood_down, f"{REVISIT} ({revisit})"
    assert r.frame().loc[1, "n_county_stood_down"] == stood_down, f"{REVISIT}: recorded"
    assert r.time("full_strength", 1) == 41, f"{DELAY}: the third head is the county's, at 41"
    # Work 300: 4 alone (6-10), 62 at 2 (10-41), 234 at 3 (at most the 3 required,
    # even with 4 on scene under keep_coming): cleared at 41 + 78.
    assert r.time("cleared", 1) == 119, f"{CREW}: the rate is capped at the number required"


def test_case_officers_are_counted_each():
    pool = {"host": "A", "county_after_min": 0,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
            "case_team": {"from_stations": {"A": 2}, "assists_emergencies": True,
                          "assist_priority_max": 1}}  # fmt: skip
    doc = scenario([("VA", "SA", 2)], {"A": ("SA", 3)}, {"VA": "A"}, pooled=pool)
    r = run(doc, "pooled", [C(0, "VA", need=3, priority=1)])
    assert r.counts(0) == (1, 0, 2, 0), f"{COUNTS}: two case officers"


ANY = "rule: county.requests any_shortfall asks the county even when nobody was free"


def test_any_shortfall_asks_when_nobody_is_free():
    cty = {"enabled": True, "requests": "any_shortfall", "reinforcement_delay_min": fixed(40)}
    doc = scenario([("S", "V", 5)], {"A": ("S", 1)}, {"V": "A"}, county=cty,
                   isolated={"handling_min": fixed(0), "county_after_min": 0})  # fmt: skip
    r = run(doc, "isolated", [C(0, "V", scene=60), C(10, "V", county_delay=40)])
    assert r.counts(1) == (0, 0, 0, 1), f"{ANY}: the one officer is busy"
    assert r.time("county_requested", 1) == 10, f"{ANY}: at once"
    assert r.time("dispatched", 1) == 10, f"{ORDER}: dispatched = the county asked"
    assert r.time("first_arrival", 1) == 50, f"{DELAY}: the county arrives first"


P1 = "rule: partial_shortfall asks the county even when nobody was free, for a priority-1 call"
QUEUE = "rule: the shortfall queue is ordered by priority, then call time"
CANCEL = "rule: a call clears when its work is done; demand still queued is cancelled"


@pytest.mark.parametrize("priority", [1, 2])
def test_partial_shortfall_asks_for_a_priority_1_call_nobody_could_take(priority):
    # One officer, busy at call 0 until 65 (on scene at 5, 60 minutes of work).
    doc = scenario([("S", "V", 5)], {"A": ("S", 1)}, {"V": "A"}, county=county(),
                   isolated={"handling_min": fixed(0), "county_after_min": 0})  # fmt: skip
    r = run(doc, "isolated", [C(0, "V", scene=60), C(10, "V", priority=priority)])
    if priority == 1:
        assert r.time("county_requested", 1) == 10, f"{P1}: at once, nobody sent"
        assert r.counts(1) == (0, 0, 0, 1), f"{P1}: one county head"
        assert r.time("first_arrival", 1) == 50, f"{DELAY}: 40 minutes later"
    else:
        assert math.isnan(r.time("county_requested", 1)), f"{P1}: not for priority 2"
        assert r.counts(1) == (1, 0, 0, 0), f"{P1}: it waits for the own officer"
        assert r.time("first_arrival", 1) == 65, f"{P1}: freed at V at 65, 0 minutes away"


def test_queue_is_ordered_by_call_time_not_by_joining_time():
    # One officer busy until 65. Call 1 (called at 10) is handled 20 minutes later
    # than call 2 (called at 15, handled at once), so it joins the queue second,
    # but it was called first: the freed officer takes it at 65, call 2 after.
    doc = scenario([("S", "V", 5)], {"A": ("S", 1)}, {"V": "A"},  # a desk delay, then fixed:
                   isolated={"handling_min": fixed(1), "county_after_min": 0})  # fmt: skip
    calls = [C(0, "V", scene=60), C(10, "V"), C(15, "V")]
    r = run(doc, "isolated", calls, handling=[0, 20, 0])
    assert r.time("handled", 1) == 30 and r.time("handled", 2) == 15, "handling as fixed"
    assert r.time("first_arrival", 1) == 65, f"{QUEUE}: call 1 (called at 10) first"
    assert r.time("first_arrival", 2) == 75, f"{QUEUE}: call 2 after call 1 clears at 75"


def test_short_handed_call_clears_and_its_queued_demand_is_cancelled():
    # One officer, county off. Call 0 needs 2 x 10 = 20 person-minutes: the officer
    # alone (on scene at 5) is done at 25. The missing officer is no longer wanted:
    # nothing waits, and call 1 at 28 gets the officer driving back from V at once
    # (it would be back at its base at 30).
    doc = scenario([("S", "V", 5)], {"A": ("S", 1)}, {"V": "A"}, county=county(enabled=False),
                   isolated={"handling_min": fixed(0), "county_after_min": 0})  # fmt: skip
    r = run(doc, "isolated", [C(0, "V", need=2, scene=10)])
    assert r.time("cleared", 0) == 25, f"{CREW}: 20 person-minutes at 1"
    assert math.isnan(r.time("full_strength", 0)), f"{CANCEL}: never at full strength"
    assert r.rec.backlog_at_end == 0, f"{CANCEL}: the shortfall no longer waits"
    r = run(doc, "isolated", [C(0, "V", need=2, scene=10), C(28, "V")])
    assert r.time("first_arrival", 1) == 28, f"{CANCEL}: the officer is free, 0 min from V"


@pytest.mark.parametrize("w, turnout, sent", [(17, 0, True), (18, 0, False), (13, 3, True),
                                              (15, 3, False)])  # fmt: skip
def test_revisit_sends_the_freed_officer_only_if_it_beats_the_county(w, turnout, sent):
    # Officer 0 takes call 0 at W (S-V 5, V-W w) and is freed there at 15 + w + turnout.
    # Call 1 at V (need 3) gets officers 1 and 2; the county is asked for one at 1,
    # due at 51. Officer 0 would reach V at 15 + 2(w + turnout): sent only if before 51
    # (at 51 exactly, with turnout counted, it is not).
    doc = scenario([("S", "V", 5), ("V", "W", w)], {"A": ("S", 3)}, {"V": "A", "W": "A"},
                   county=county(), turnout_min=turnout,
                   isolated={"handling_min": fixed(0), "county_after_min": 0})  # fmt: skip
    r = run(doc, "isolated", [C(0, "W"), C(1, "V", need=3, scene=200, county_delay=50)])
    reach = 15 + 2 * (w + turnout)
    assert r.time("county_requested", 1) == 1, f"{WHOLE}: for the one missing, at once"
    if sent:
        assert r.counts(1) == (3, 0, 0, 1), f"{REVISIT}: officer 0 reaches V at {reach} < 51"
        assert r.rec.county_stood_down[1] == 1, f"{REVISIT}: the county head stood down"
        assert r.time("full_strength", 1) == reach, f"{REVISIT}: officer 0 completes it"
        assert math.isnan(r.time("county_arrived", 1)), f"{REVISIT}: no county head came"
    else:
        assert r.counts(1) == (2, 0, 0, 1), f"{REVISIT}: officer 0 would be there at {reach}"
        assert r.rec.county_stood_down[1] == 0, f"{REVISIT}: the county keeps coming"
        assert r.time("full_strength", 1) == 51, f"{DELAY}: the county completes it"
