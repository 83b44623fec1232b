"""Rule tests: which free officers a call gets, and from where they drive (docs/model.md).

Rule (Dispatch 1): after handling, the nearest free eligible officers are
sent, by travel minutes from where each officer is now -- its base, its patrol
village, or the scene it left while it drives back -- ties to the lower
officer number; ``turnout_min`` is added to every journey. The multi-officer
path and the by-place index of large groups choose the same officers.
"""

from __future__ import annotations

import pytest

import sim.engine
import sim.travel
from sim.incidents import draw_incidents
from sim.models import MODELS
from tests.rulekit import STAR, STAR_VILLAGES, C, fixed, load, run, scenario

NEAREST = "rule: nearest free officer by travel minutes"
TIE = "rule: equal travel minutes go to the lower officer number"
WHERE_NOW = "rule: travel minutes from where the officer is now (driving back: the scene it left)"
SETTLED = "rule: an officer that has reached its rest place is there"
MULTI = "rule: a call needing k officers gets the k nearest free officers"
INDEX = "rule: the by-place index of a large group picks the same officers as the scan"
PATROL = "rule: a free officer on patrol is at a village of its own township"
BASE = "rule: patrol share 0 keeps every free officer at its base"
TURNOUT = "rule: turnout minutes are added to every journey to a scene"



def star(n: int = 1, **top):
    stations = {s: (f"S{s}", n) for s in "ABCD"}
    return scenario(STAR, stations, STAR_VILLAGES, **top)


@pytest.fixture(params=["scan", "index"])
def search(request, monkeypatch):
    """Run a test with the small-group scan and again with the large-group index forced."""
    if request.param == "index":
        monkeypatch.setattr(sim.engine, "INDEX_MIN_OFFICERS", 0)
    else:
        monkeypatch.setattr(sim.engine, "INDEX_MIN_OFFICERS", 10**9)
    return request.param


def test_one_officer_call_gets_the_nearest_free_officer(search):
    r = run(star(), "pooled", [C(10, "VA")])
    assert r.travelled() == [1], f"{NEAREST}: B's officer (3 min) beats A (9), D (6), C (20)"
    assert r.time("first_arrival", 0) == 13, f"{NEAREST}: arrives 3 minutes after the call"
    assert r.counts(0) == (0, 1, 0, 0), f"{NEAREST}: one officer from another station"


def test_equal_minutes_go_to_the_lower_officer_number(search):
    doc = scenario([("V", "S", 5)], {"A": ("S", 3)}, {"V": "A"})
    r = run(doc, "isolated", [C(0, "V")])
    assert r.travelled() == [0], f"{TIE}: three officers at one base, officer 0 goes"
    roads = [("VA", "SA", 4), ("VA", "SB", 4), ("VA", "SC", 4)]
    doc = scenario(roads, {s: (f"S{s}", 1) for s in "ABC"}, {"VA": "A"})
    for need, expected in ((1, [0]), (2, [0, 1])):
        r = run(doc, "pooled", [C(0, "VA", need=need)])
        assert r.travelled() == expected, f"{TIE}: stations 4 minutes away each, need {need}"


@pytest.mark.parametrize("need, sent, full", [(2, [1, 3], 16), (3, [0, 1, 3], 19)])
def test_a_call_needing_k_officers_gets_the_k_nearest(search, need, sent, full):
    r = run(star(), "pooled", [C(10, "VA", need=need)])
    assert r.travelled() == sent, f"{MULTI}: need {need}"
    assert r.time("first_arrival", 0) == 13, f"{MULTI}: the nearest arrives first"
    assert r.time("full_strength", 0) == full, f"{MULTI}: the k-th nearest completes it"


def test_large_group_index_picks_the_nearest_by_number():
    # 4 stations x 12 officers = 48 community officers: the by-place index is used.
    r = run(star(12), "pooled", [C(10, "VA", need=14)])
    assert r.engine.groups[0].free_index is not None, f"{INDEX}: the index must be in use"
    assert r.travelled() == [*range(12, 24), 36, 37], (
        f"{INDEX}: all 12 of B (3 min), then D's two lowest numbers (6 min)"
    )
    assert r.time("full_strength", 0) == 16, f"{INDEX}: D's officers complete it"


# Pooled A and B: B's base is 14 min from VB, A's 17; VX (township A) is 2 min from VB,
# 15 from A's base and 16 from B's. A B officer leaving a call at VB is nearest to VX
# until it is back at its base, 14 minutes after the scene clears.
BACK = [("SA", "VX", 15), ("VX", "VB", 2), ("VB", "SB", 14)]


@pytest.mark.parametrize("crowd", [(1, 1), (25, 20)], ids=["scan", "index"])
def test_officer_driving_back_is_at_the_scene_it_left(crowd):
    n_a, n_b = crowd
    doc = scenario(BACK, {"A": ("SA", n_a), "B": ("SB", n_b)}, {"VX": "A", "VB": "B"})
    first_b = n_a
    r = run(doc, "pooled", [C(0, "VB", need=n_b, scene=6), C(25, "VX", scene=6)])
    assert (r.engine.groups[0].free_index is not None) == (n_a + n_b > 40)
    assert r.time("first_arrival", 0) == 14, f"{NEAREST}: B's officers take B's call"
    assert r.time("first_arrival", 1) == 27, f"{WHERE_NOW}: 2 minutes from VB, not 16 from SB"
    assert r.counts(1) == (0, 1, 0, 0), f"{WHERE_NOW}: a B officer takes A's call"
    assert r.travel_min(first_b) == 14 + 2, f"{WHERE_NOW}: B's first officer drove both"


@pytest.mark.parametrize("crowd", [(1, 1), (25, 20)], ids=["scan", "index"])
def test_officer_back_at_base_is_at_its_base(crowd):
    n_a, n_b = crowd
    doc = scenario(BACK, {"A": ("SA", n_a), "B": ("SB", n_b)}, {"VX": "A", "VB": "B"})
    # B's call clears at 20; its officers are back at SB at 34 exactly.
    r = run(doc, "pooled", [C(0, "VB", need=n_b, scene=6), C(34, "VX", scene=6)])
    assert r.time("first_arrival", 1) == 34 + 15, f"{SETTLED}: A's officer (15) beats SB (16)"
    assert r.counts(1) == (1, 0, 0, 0), f"{SETTLED}: A's own officer goes"


def test_isolated_officer_driving_back_is_sent_from_the_scene():
    doc = scenario([("S", "V1", 30), ("V1", "V2", 5), ("S", "V2", 33)], {"A": ("S", 2)},
                   {"V1": "A", "V2": "A"})  # fmt: skip
    r = run(doc, "isolated", [C(0, "V1"), C(45, "V2")])
    assert r.time("first_arrival", 1) == 50, f"{WHERE_NOW}: officer 0 is 5 minutes away at V1"
    assert r.travel_min(1) == 0, f"{WHERE_NOW}: officer 1 (33 minutes away) stays"


PATROL_ROADS = [("SA", "VA", 10), ("VA", "VB", 8), ("VB", "SB", 10)]
PATROL_STATIONS = {"A": ("SA", 1), "B": ("SB", 1)}


@pytest.mark.parametrize("model", ["isolated", "pooled"])
@pytest.mark.parametrize("share, road, rule", [(1.0, 0, PATROL), (0.0, 10, BASE)])
def test_free_officer_waits_on_patrol_or_at_base(model, share, road, rule):
    # Share 1: each officer waits at its township's one village; share 0: at its base.
    doc = scenario(PATROL_ROADS, PATROL_STATIONS, {"VA": "A", "VB": "B"}, turnout_min=3,
                   patrol={"share": share, "position": "demand_weighted"})  # fmt: skip
    r = run(doc, model, [C(100, "VA"), C(200, "VB")])
    assert r.time("first_arrival", 0) == 103 + road, f"{rule}: A's officer, {road} min + 3"
    assert r.time("first_arrival", 1) == 203 + road, f"{rule}: B's officer, {road} min + 3"
    assert r.counts(0)[0] == 1 and r.counts(1)[0] == 1, f"{rule}: each township's own"


def test_patrol_stays_in_the_officers_own_township():
    doc = scenario(PATROL_ROADS, PATROL_STATIONS, {"VA": "A", "VB": "B"}, turnout_min=3,
                   patrol={"share": 1.0, "position": "uniform"})  # fmt: skip
    r = run(doc, "pooled", [C(100, "VA", need=2)])
    assert r.time("first_arrival", 0) == 103, f"{PATROL}: A's officer is at VA"
    assert r.time("full_strength", 0) == 111, f"{PATROL}: B's officer comes from VB, not VA"


def test_turnout_is_added_to_every_journey():
    doc = star(turnout_min=4)
    r = run(doc, "pooled", [C(10, "VA", need=2)])
    assert r.time("first_arrival", 0) == 10 + 3 + 4, f"{TURNOUT}: 3 road minutes + 4"
    assert r.time("full_strength", 0) == 10 + 6 + 4, f"{TURNOUT}: 6 road minutes + 4"
    assert r.travel_min(1) == 7 and r.travel_min(3) == 10, f"{TURNOUT}: counted as travel"
    doc = scenario([("S", "V", 0)], {"A": ("S", 1)}, {"V": "A"}, turnout_min=4)
    r = run(doc, "isolated", [C(10, "V")])
    assert r.time("first_arrival", 0) == 14, f"{TURNOUT}: also when the road is 0 minutes"


def test_index_and_scan_choose_the_same_officers_on_a_busy_day(monkeypatch):
    doc = star(12, horizon_days=2, patrol={"share": 0.6, "position": "demand_weighted"})
    doc["incident_types"] = [
        {"id": "call", "rate_per_day": 150, "priority": 2, "officers_required":
         {"dist": "choice", "values": [1, 2, 5], "p": [0.6, 0.3, 0.1]},
         "on_scene_min": {"dist": "exponential", "mean": 45}},
    ]  # fmt: skip
    loaded = load(doc)
    stream = draw_incidents(loaded.scenario, loaded.network, 0)
    out = {}
    for name, limit in (("scan", 10**9), ("index", 0)):
        monkeypatch.setattr(sim.engine, "INDEX_MIN_OFFICERS", limit)
        layout = MODELS["pooled"](loaded)
        eng = sim.engine.Engine(loaded.scenario, loaded.network, layout, stream, 0, 1)
        rec = eng.run()
        out[name] = (list(rec.first_arrival), list(rec.full_strength), rec.officer_rows)
    assert len(stream) > 200
    assert out["scan"] == out["index"], f"{INDEX}: every arrival and officer minute equal"


def test_case_officer_driving_back_is_at_the_scene_it_left():
    # Host A's base SA is 13 minutes from VB. Call 0 (priority 1, need 3) takes B's
    # officer, A's officer and the case officer to VB; they clear by 31 and drive
    # back. At 33 A's officer (0) and the case officer (1) are still at VB (0 min),
    # B's officer (2) is at SB (1 min): a 2-officer urgent call at VB gets 0 and 1.
    pool = {"host": "A", "county_after_min": 0,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
            "case_team": {"from_stations": {"A": 1}, "assists_emergencies": True,
                          "assist_priority_max": 1}}  # fmt: skip
    roads = [("VA", "SA", 2), ("VA", "SB", 10), ("SB", "VB", 1)]
    doc = scenario(roads, {"A": ("SA", 2), "B": ("SB", 1)}, {"VA": "A", "VB": "B"}, pooled=pool)
    calls = [C(0, "VB", need=3, priority=1, scene=20), C(33, "VB", need=2, priority=1),
             C(56, "VB", need=2, priority=1)]  # fmt: skip
    r = run(doc, "pooled", calls)
    assert r.counts(1) == (0, 1, 1, 0), f"{WHERE_NOW}: the case officer is still at VB"
    assert r.time("full_strength", 1) == 33, f"{WHERE_NOW}: both 0 minutes away"
    # Call 1 clears at 43; officers 0 and 1 are back at SA (13 minutes) at 56 exactly.
    assert r.counts(2) == (1, 1, 0, 0), f"{SETTLED}: B's officer (1), then officer 0 by number"
    assert r.time("full_strength", 2) == 56 + 13, f"{SETTLED}: the case officer is at SA"


@pytest.mark.parametrize("need, sent", [(1, [5]), (2, [5, 6])])
def test_index_takes_every_place_as_near_as_the_kth(search, need, sent):
    # Officers patrol (share 1): A's 5 at VA2 (VA has weight 0), B's 20 at VB, D's 20
    # at VD. VB and VD are both 3 minutes from VA; VD has the lower place number, B
    # the lower officer numbers (5-24; D has 25-44): a tie by officer number, found
    # only if the index takes VB too once VD alone has enough officers.
    roads = [("VA", "VB", 3), ("VA", "VD", 3), ("VA", "VA2", 20),
             ("SA", "VA2", 1), ("SB", "VB", 1), ("SD", "VD", 1)]  # fmt: skip
    villages = {"VA": ("A", 0.0), "VA2": "A", "VD": "D", "VB": "B"}
    doc = scenario(roads, {"A": ("SA", 5), "B": ("SB", 20), "D": ("SD", 20)}, villages,
                   patrol={"share": 1.0, "position": "demand_weighted"})  # fmt: skip
    r = run(doc, "pooled", [C(100, "VA", need=need)])
    assert r.travelled() == sent, f"{TIE}: lowest numbers among the officers 3 minutes away"
    assert r.time("first_arrival", 0) == 103, f"{PATROL}: 3 minutes from the patrol village"


SHORTEST = "rule: travel minutes are shortest road paths"


@pytest.mark.parametrize("rows", ["lists", "arrays"])
def test_travel_minutes_are_shortest_paths(rows, monkeypatch):
    if rows == "arrays":  # the representation of very large groups
        monkeypatch.setattr(sim.travel, "LIST_ROWS_MAX", 0)
    # A direct road of 30 minutes and a detour of 12 + 12 through a junction;
    # a far village 500 minutes away (beyond the first search limit of 120).
    roads = [("S", "V", 30), ("S", "J", 12), ("J", "V", 12), ("V", "FAR", 500)]
    doc = scenario(roads, {"A": ("S", 2)}, {"V": "A", "FAR": "A"})
    r = run(doc, "isolated", [C(0, "V"), C(10, "FAR")])
    assert r.time("first_arrival", 0) == 24, f"{SHORTEST}: the detour (24) beats the road (30)"
    assert r.time("first_arrival", 1) == 10 + 524, f"{SHORTEST}: 24 + 500 to the far village"


RELEASE = "rule: a freed officer takes the head of its group's queue (released by number)"


def test_officers_freed_together_are_released_by_number():
    # Call 0 (need 2) gets B's officer (1, 3 min) first and A's (0, 9 min) second;
    # call 1 (need 2) gets C's officer (2) and waits for one more. When call 0
    # clears, officer 0 (lower number) takes the place, not officer 1.
    doc = scenario(STAR[:3], {s: (f"S{s}", 1) for s in "ABC"}, {"VA": "A"})
    r = run(doc, "pooled", [C(0, "VA", need=2, scene=30), C(5, "VA", need=2, scene=60)])
    assert r.counts(1) == (1, 1, 0, 0), f"{RELEASE}: A's officer 0 and C's, not B's officer 1"


def test_queued_call_takes_each_freed_officer_until_full():
    # Call 1 needs 3 and gets officer 2; officers 0 and 1 free at 15 both join it.
    doc = scenario([("S", "V", 5)], {"A": ("S", 3)}, {"V": "A"})
    r = run(doc, "isolated", [C(0, "V", need=2), C(1, "V", need=3, scene=100)])
    assert r.counts(1) == (3, 0, 0, 0), f"{RELEASE}: both freed officers join the call"
    assert r.time("full_strength", 1) == 15, f"{RELEASE}: 0 minutes away at 15"
