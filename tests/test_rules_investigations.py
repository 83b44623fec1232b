"""Rule tests: investigations (docs/model.md, Dispatch 5 and the models table).

Clearing a call creates an investigation with probability ``investigation.p``
(drawn with the incident); it waits for an investigator, first come first
served, and occupies one officer for ``work_hours``. Pooled: the case team
investigates (community officers when the pool has none); isolated: the
station's officers.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.incidents import draw_incidents
from tests.rulekit import C, fixed, load, run, scenario

P = "rule: an incident creates an investigation with probability investigation.p"
AT_CLEAR = "rule: the investigation is created when the call clears"
CASE = "rule: pooled investigations go to the case team"
COMMUNITY = "rule: a pool without a case team investigates with community officers"
STATION = "rule: isolated investigations go to the station's officers"
FIFO = "rule: investigations wait first come, first served"
WORK = "rule: an investigation occupies one officer for work_hours"


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_investigation_probability(p):
    doc = scenario([("S", "V", 5)], {"A": ("S", 2)}, {"V": "A"}, horizon_days=20)
    doc["incident_types"] = [
        {"id": "call", "rate_per_day": 200, "priority": 2, "on_scene_min": fixed(10),
         "investigation": {"p": p, "work_hours": {"dist": "uniform", "low": 2, "high": 3}}},
        {"id": "other", "rate_per_day": 50, "priority": 2, "on_scene_min": fixed(10)},
    ]  # fmt: skip
    loaded = load(doc)
    s = draw_incidents(loaded.scenario, loaded.network, 0)
    has = ~np.isnan(s.investigation_hours)
    mine = s.type_index == 0
    assert not has[~mine].any(), f"{P}: a type without investigation never creates one"
    share = has[mine].mean()
    assert abs(share - p) < 0.03, f"{P}: p={p}, drawn share {share:.3f} of {mine.sum()}"
    work = s.investigation_hours[has]
    assert ((work >= 2) & (work <= 3)).all(), f"{P}: work_hours from the type"
    assert len(work) < 2 or work.std() > 0.1, f"{P}: one work_hours draw per incident"


# One station A, base S, village V 5 minutes away; officers as each test says.
def station(n: int, pooled=None):
    return scenario([("S", "V", 5)], {"A": ("S", n)}, {"V": "A"}, pooled=pooled)


def case_pool(n_case: int):
    return {"host": "A", "command_room": {"staff": 1, "drawn_from": {}, "handling_min": fixed(0)},
            "case_team": {"from_stations": {"A": n_case}, "assists_emergencies": True,
                          "assist_priority_max": 1},
            "county_after_min": 0}  # fmt: skip


# Calls at 0, 20 and 40 (priority 2, scene 10, 1 h of work each) clear at 15, 35 and 55.
CALLS = [C(t, "V", investigation_hours=1.0) for t in (0, 20, 40)]


def test_investigation_is_created_at_clearance():
    r = run(station(3), "isolated", [C(0, "V", investigation_hours=2.0), C(3, "V")])
    assert list(r.rec.investigations) == [0], f"{AT_CLEAR}: only the call that drew one"
    created = r.rec.investigations[0][0]
    assert created == r.time("cleared", 0) == 15, f"{AT_CLEAR}: created at clearance (15)"
    assert r.rec.investigations[0][3] == 2.0, f"{WORK}: the incident's work hours recorded"
    assert r.investigations()[0][3] == 15 + 120, f"{WORK}: 2 hours after it started"


def test_pooled_case_team_investigates_first_come_first_served():
    r = run(station(3, case_pool(1)), "pooled", CALLS)
    rows = r.investigations()
    assert [row[0] for row in rows] == [0, 1, 2], f"{FIFO}: started in creation order"
    assert [row[1] for row in rows] == [15, 35, 55], f"{AT_CLEAR}: created at each clearance"
    assert [row[2] for row in rows] == [15, 75, 135], f"{FIFO}: one case officer, one by one"
    assert [row[3] for row in rows] == [75, 135, 195], f"{WORK}: 60 minutes each"
    assert {row[4] for row in rows} == {2}, f"{CASE}: officer 2 is the case team"
    assert all(row[5] for row in rows), f"{CASE}: recorded as done by the case team"
    assert r.counts(0)[2] == 0 and r.travel_min(2) == 0, f"{CASE}: priority 2: no assist"


# A new investigation goes to the lowest-numbered free investigator; the officer
# whose call just cleared is not free yet and takes it only when nobody else is.
# Three officers: call 0 (officer 0) -> investigation by officer 1 (15-75); call 1
# (officer 0) -> officer 2 (35-95); call 2 (officer 0) -> nobody free, officer 0.
ORDER = [1, 2, 0]
LOWEST = "rule: a waiting investigation goes to the lowest-numbered free investigator"


@pytest.mark.parametrize("pool", [None, "empty case team"])
def test_pool_without_case_team_investigates_with_community_officers(pool):
    doc = station(3, case_pool(0) if pool else None)
    r = run(doc, "pooled", CALLS)
    rows = r.investigations()
    assert [row[4] for row in rows] == ORDER, f"{COMMUNITY}: {LOWEST}"
    assert [row[2] for row in rows] == [15, 35, 55], f"{COMMUNITY}: no wait, officers free"
    assert not any(row[5] for row in rows), f"{COMMUNITY}: not a case-team investigation"


def test_isolated_station_officers_investigate():
    r = run(station(3), "isolated", CALLS)
    rows = r.investigations()
    assert [row[4] for row in rows] == ORDER, f"{STATION}: {LOWEST}"
    assert [row[2] for row in rows] == [15, 35, 55], f"{STATION}: started at clearance"
    assert not any(row[5] for row in rows), f"{STATION}: no case team in isolated"


def test_isolated_investigations_wait_for_a_free_officer_in_order():
    # One officer: it answers every call (no call waits) and does the investigations
    # between calls, oldest first.
    calls = [C(0, "V", investigation_hours=1.0), C(16, "V", investigation_hours=1.0)]
    r = run(station(1), "isolated", calls)
    rows = r.investigations()
    assert [row[0] for row in rows] == [0, 1], f"{FIFO}: oldest first"
    # Call 0 clears at 15; the officer investigates 15-75; call 1 waits for it and
    # is answered from the base at 75 (arrives 80, clears 90): investigation 1 at 90.
    assert [row[2] for row in rows] == [15, 90], f"{STATION}: one officer, one at a time"
    assert r.time("first_arrival", 1) == 80, f"{STATION}: the call waited for the officer"


def test_case_team_only_when_the_pool_has_one():
    r = run(station(3, case_pool(1)), "pooled", [*CALLS, C(80, "V")])
    rows = r.investigations()
    assert [row[4] for row in rows] == [2, 2, 2], f"{CASE}: community officers never take one"
