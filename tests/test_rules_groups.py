"""Rule tests: who may be sent to a call in each operating model (docs/model.md, the table).

Isolated: only the station's own officers. Pooled: any member station's
community officers; the case team too for calls of priority <= the case team's
``assist_priority_max`` when ``assists_emergencies``; stations in no pool work
alone (station desk, isolated handling); command-room officers never go out.
"""

from __future__ import annotations

import math

import pytest

from sim.models.layout import CASE_TEAM, COMMUNITY
from sim.models.layout import ROOM as ROOM_ROLE
from tests.rulekit import STAR, STAR_STATIONS, STAR_VILLAGES, C, fixed, run, scenario

OWN = "rule: isolated sends only the station's own officers"
POOL = "rule: pooled sends community officers of any member station"
CASE = "rule: the case team helps only at calls of priority <= assist_priority_max"
CASE_OFF = "rule: the case team never helps when assists_emergencies is false"
ALONE = "rule: a station in no pool stays alone"
ROOM = "rule: command-room officers never go to scenes"
CREW = "rule: scene work is on_scene_min x officers_required person-minutes at the crew's rate"
TURNED = "rule: the scene clears when the work is done; officers still on the way turn back"



def test_isolated_sends_only_own_officers():
    r = run(scenario(STAR, STAR_STATIONS, STAR_VILLAGES), "isolated", [C(10, "VA", need=2)])
    assert r.travelled() == [0], f"{OWN}: B (3 min) and D (6) are nearer but not A's"
    assert r.counts(0) == (1, 0, 0, 0), f"{OWN}: one own officer, nobody else"
    assert r.time("first_arrival", 0) == 19, f"{OWN}: A's officer drives 9 minutes"
    assert math.isnan(r.time("full_strength", 0)), f"{OWN}: nobody else completes the call"


def test_pooled_sends_any_member_community_officer():
    # Scene work 4 x 20 = 80 person-minutes; B on scene at 13, D 16, A 19, C 30:
    # 3x1 + 3x2 + 11x3 = 42 done by 30 (the work outlasts C's drive), 38 left at 4.
    r = run(scenario(STAR, STAR_STATIONS, STAR_VILLAGES), "pooled",
            [C(10, "VA", need=4, scene=20)])  # fmt: skip
    assert r.travelled() == [0, 1, 2, 3], f"{POOL}: all four stations' officers go"
    assert r.counts(0) == (1, 3, 0, 0), f"{POOL}: one own, three from other members"
    assert r.time("full_strength", 0) == 30, f"{POOL}: the last (C, 20 min) completes it"
    assert r.time("reinforcement_requested", 0) == 10, f"{POOL}: help sent at once"
    assert r.time("reinforcement_arrived", 0) == 30, f"{POOL}: last helper on scene"
    assert r.time("cleared", 0) == 30 + 38 / 4, f"{CREW}: 38 person-minutes at 4"



def test_officer_still_on_the_way_is_turned_back():
    # Scene work 4 x 10 = 40 person-minutes: 3x1 + 3x2 by 19, then 31 at 3 officers,
    # done at 19 + 31/3 = 29 1/3, before C (20 min away) arrives at 30.
    r = run(scenario(STAR, STAR_STATIONS, STAR_VILLAGES), "pooled", [C(10, "VA", need=4)])
    assert r.time("cleared", 0) == pytest.approx(19 + 31 / 3), f"{CREW}: 1, 2, then 3 at work"
    assert math.isnan(r.time("full_strength", 0)), f"{TURNED}: never at full strength"
    assert r.counts(0) == (1, 3, 0, 0), f"{TURNED}: C was sent and is counted"
    assert r.travel_min(2) == pytest.approx(19 + 1 / 3), f"{TURNED}: C drove until turned back"


# A: 2 officers, one to the case team (at the host, A's base); B: 1 officer.
# Officer numbers: 0 = A community, 1 = A case team, 2 = B community.
CASE_ROADS = [("VA", "SA", 2), ("VA", "SB", 10), ("SB", "VB", 1)]


def case_doc(assists: bool = True, priority_max: int = 1, **top):
    pool = {
        "host": "A",
        "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
        "case_team": {"from_stations": {"A": 1}, "assists_emergencies": assists,
                      "assist_priority_max": priority_max},
        "county_after_min": 0,
    }  # fmt: skip
    stations = {"A": ("SA", 2), "B": ("SB", 1)}
    return scenario(CASE_ROADS, stations, {"VA": "A", "VB": "B"}, pooled=pool, **top)


def test_case_team_helps_at_urgent_calls_only():
    r = run(case_doc(), "pooled", [C(10, "VA", need=2, priority=1)])
    assert r.counts(0) == (1, 0, 1, 0), f"{CASE}: priority 1 <= 1: the case officer (2 min)"
    assert r.time("full_strength", 0) == 12, f"{CASE}: both from A's base"
    r = run(case_doc(), "pooled", [C(10, "VA", need=2, priority=2)])
    assert r.counts(0) == (1, 1, 0, 0), f"{CASE}: priority 2 > 1: B's officer instead"
    assert r.time("full_strength", 0) == 20, f"{CASE}: B's officer drives 10"
    r = run(case_doc(), "pooled", [C(10, "VA", need=3, priority=1)])
    assert r.counts(0) == (1, 1, 1, 0), f"{CASE}: everyone free goes when few are free"
    r = run(case_doc(), "pooled", [C(10, "VA", need=3, priority=2)])
    assert r.counts(0) == (1, 1, 0, 0), f"{CASE}: not even when the call is short"
    r = run(case_doc(priority_max=2), "pooled", [C(10, "VA", need=2, priority=2)])
    assert r.counts(0) == (1, 0, 1, 0), f"{CASE}: priority 2 <= 2: the case officer goes"
    r = run(case_doc(priority_max=2), "pooled", [C(10, "VA", need=1, priority=3)])
    assert r.counts(0) == (1, 0, 0, 0), f"{CASE}: priority 3 > 2: a community officer"


def test_case_team_never_helps_when_it_does_not_assist():
    r = run(case_doc(assists=False), "pooled", [C(10, "VA", need=2, priority=1)])
    assert r.counts(0) == (1, 1, 0, 0), f"{CASE_OFF}: B's officer, not the case officer"
    assert r.travel_min(1) == 0, f"{CASE_OFF}: the case officer never drives"


def test_freed_case_officer_takes_only_urgent_queued_calls():
    # Call 0 (priority 1) goes to officer 0 (tie with the case officer at A's base);
    # its investigation (1 h) keeps the case officer busy from 12 to 72. Call 1 needs
    # 3 at 30: officers 0 and 2 go, one place waits until the case officer is free.
    for priority, n_case in ((2, 0), (1, 1)):
        calls = [C(0, "VA", priority=1, investigation_hours=1.0),
                 C(30, "VA", need=3, priority=priority, scene=120)]  # fmt: skip
        r = run(case_doc(), "pooled", calls)
        assert r.investigations()[0][4] == 1, "rule: the case team investigates"
        assert r.counts(1) == (1, 1, n_case, 0), f"{CASE}: priority {priority}, queued call"
        if n_case:
            assert r.time("full_strength", 1) == 74, f"{CASE}: sent from A's base at 72"
        else:
            assert math.isnan(r.time("full_strength", 1)), f"{CASE}: it never comes"


@pytest.mark.parametrize("room", [5.0, 0.0])
def test_station_outside_every_pool_stays_alone(room):
    pool = {"host": "A", "members": ["A", "B", "D"],
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(room)},
            "county_after_min": 0}  # fmt: skip
    isolated = {"handling_min": fixed(2), "county_after_min": 0}
    doc = scenario(STAR, STAR_STATIONS, STAR_VILLAGES, pooled=[pool], isolated=isolated)
    r = run(doc, "pooled", [C(10, "VA", need=4), C(100, "VC", need=2)])
    assert [g.name for g in r.layout.groups] == ["A", "C"], f"{ALONE}: one pool, C alone"
    assert r.counts(0) == (1, 2, 0, 0), f"{ALONE}: C's officer never goes to A's call"
    # Pooled numbers pool officers first (A 0, B 1, D 2), then lone stations (C 3).
    assert r.travel_min(3) == 1, f"{ALONE}: C's officer drove only to its own call"
    assert r.counts(1) == (1, 0, 0, 0), f"{ALONE}: C's call gets no pool officer"
    assert r.time("handled", 0) == 10 + room, f"{ALONE}: the pool's room takes {room} min"
    assert r.time("handled", 1) == 102, f"{ALONE}: C keeps its station desk (2 minutes)"
    r = run(doc, "pooled", [C(100, "VC")])  # no call for the pool at all
    assert r.time("handled", 0) == 102, f"{ALONE}: C's desk, whatever the pool's calls"


def test_command_room_officers_never_go_to_scenes():
    pool = {"host": "A", "command_room": {"staff": 1, "drawn_from": {"A": 1},
            "handling_min": fixed(0)}, "county_after_min": 0}  # fmt: skip
    doc = scenario([("S", "V", 5)], {"A": ("S", 2)}, {"V": "A"}, pooled=pool)
    r = run(doc, "pooled", [C(0, "V", need=2)])
    roles = [o.role for o in r.layout.officers]
    assert roles == [COMMUNITY, ROOM_ROLE], f"{ROOM}: A's officer 1 is in the room"
    assert len(r.rec.officer_rows) == 2, f"{ROOM}: the room officer is on the roll too"
    assert r.counts(0) == (1, 0, 0, 0), f"{ROOM}: the room officer is not sent"
    assert r.travelled() == [0], f"{ROOM}: only the community officer drives"
    r = run(doc, "isolated", [C(0, "V", need=2)])
    assert r.counts(0) == (2, 0, 0, 0), f"{ROOM}: isolated has no room, both go"


LAYOUT = "rule: the models' layouts (officers, roles, room)"


def test_layouts_name_roles_and_room_officers():
    pool = {"host": "B", "county_after_min": 0,
            "command_room": {"staff": 2, "drawn_from": {"A": 1, "B": 1},
                             "handling_min": fixed(0)},
            "case_team": {"from_stations": {"A": 1}, "assists_emergencies": True,
                          "assist_priority_max": 1}}  # fmt: skip
    doc = scenario(CASE_ROADS, {"A": ("SA", 3), "B": ("SB", 2)}, {"VA": "A", "VB": "B"},
                   pooled=pool)  # fmt: skip
    r = run(doc, "isolated", [])
    assert r.layout.model == "isolated", LAYOUT
    assert [o.role for o in r.layout.officers] == [COMMUNITY] * 5, f"{LAYOUT}: all community"
    assert [o.team for o in r.layout.officers] == [0, 0, 0, 1, 1], f"{LAYOUT}: a station, a team"
    assert len(r.layout.teams) == 2, f"{LAYOUT}: one team per station"
    r = run(doc, "pooled", [])
    assert r.layout.model == "pooled", LAYOUT
    got = [(o.station, o.role) for o in r.layout.officers]
    want = [(0, COMMUNITY), (0, CASE_TEAM), (0, ROOM_ROLE), (1, COMMUNITY), (1, ROOM_ROLE)]
    assert got == want, f"{LAYOUT}: A 3 = 1 community, 1 case, 1 room; B 2 = 1 + 1 room"
    teams = [r.layout.teams[o.team].role for o in r.layout.officers]
    assert teams == [COMMUNITY, CASE_TEAM, ROOM_ROLE, COMMUNITY, ROOM_ROLE], f"{LAYOUT}: teams"
    assert len(r.layout.teams) == 4, f"{LAYOUT}: A's and B's community teams, case team, room"
    host = r.loaded.network.station_place["B"]
    for k in (1, 2, 4):
        o = r.layout.officers[k]
        assert o.base_place == host, f"{LAYOUT}: case and room officers at the host"
        assert o.patrol_places == () and o.patrol_cum_weights == (), f"{LAYOUT}: no patrol"


WEIGHTS = "rule: the patrol village is drawn by demand weight, or uniformly"


@pytest.mark.parametrize("position, weights, cum", [
    ("demand_weighted", (1.0, 3.0), (0.25, 1.0)),
    ("uniform", (1.0, 3.0), (0.5, 1.0)),
    ("demand_weighted", (0.0, 3.0), (0.0, 1.0)),  # kept, never drawn
])  # fmt: skip
def test_patrol_village_weights(position, weights, cum):
    villages = {"V1": ("A", weights[0]), "V2": ("A", weights[1]), "VB": "B"}
    roads = [("S", "V1", 5), ("S", "V2", 5), ("S", "SB", 5), ("SB", "VB", 5)]
    doc = scenario(roads, {"A": ("S", 1), "B": ("SB", 1)}, villages,
                   patrol={"share": 0.5, "position": position})  # fmt: skip
    for model in ("isolated", "pooled"):
        o = run(doc, model, []).layout.officers[0]
        assert o.patrol_cum_weights == cum, f"{WEIGHTS}: {position} {weights} ({model})"
        assert len(o.patrol_places) == 2, f"{WEIGHTS}: both villages of its township"


def test_case_officers_wait_at_the_host_even_when_others_patrol():
    # Patrol share 1: community officers patrol, the case officer stays at the host.
    pool = {"host": "A", "county_after_min": 0,
            "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
            "case_team": {"from_stations": {"A": 1}, "assists_emergencies": True,
                          "assist_priority_max": 1}}  # fmt: skip
    doc = scenario(CASE_ROADS, {"A": ("SA", 2), "B": ("SB", 1)}, {"VA": "A", "VB": "B"},
                   pooled=pool, patrol={"share": 1.0, "position": "demand_weighted"})
    r = run(doc, "pooled", [C(100, "VB", need=3, priority=1, scene=20), C(300, "VA",
            need=3, priority=1)])  # fmt: skip
    # At 300 A's officer patrols VA (0), the case officer is at SA (2), B's at VB (11).
    assert r.time("first_arrival", 1) == 300, f"{CASE}: A's officer is at VA"
    assert r.time("full_strength", 1) == 311, f"{CASE}: B's officer comes from VB"
    assert r.counts(1) == (1, 1, 1, 0), CASE
