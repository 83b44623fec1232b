"""Rule tests for what the two layouts (``sim/models/``) give the engine: team names, the
command room's civilian seats, walk-in windows and scheduled duties per team.

Written to kill the surviving mutants of ``sim/models/`` (benchmarks/mutation.md); tiny
scenarios from ``tests/budgetkit.py``, every expected number worked out in the docstring.
"""

from __future__ import annotations

import pytest

from tests.budgetkit import Call, run, tiny

DAY = 1440.0
TEAMS = "rule: a station's roll is one team (isolated); a pool has community, case and room teams"


def _pool(**extra):
    return {
        "host": "S1",
        "county_after_min": 0,
        "command_room": {
            "staff": 2,
            "drawn_from": {"S1": 1},
            "handling_min": {"dist": "fixed", "value": 5},
        },
        "case_team": {"from_stations": {"S1": 1}},
        **extra,
    }


def test_officer_rows_name_each_officers_team():
    """S1 has 3 officers: community 0, case team 1, command room 2 (pooled); one team
    named after the station in the isolated model."""
    doc = tiny([3, 1], county={"enabled": False}, pooled=_pool())
    iso = run(doc, "isolated", []).officers["team"].tolist()
    pooled = run(doc, "pooled", []).officers["team"].tolist()
    assert iso == ["S1", "S1", "S1", "S2"], TEAMS
    assert pooled == ["S1", "S1 case team", "S1 room", "S2"], TEAMS


def test_the_command_room_seats_its_officers_and_its_civilians():
    """staff 2 with 1 officer drawn from S1: 1 civilian + 1 officer = 2 call-takers
    (5 min each), so three calls at 0 are handled at 5, 5 and 10."""
    doc = tiny([3, 1], county={"enabled": False}, pooled=_pool())
    r = run(doc, "pooled", [Call(0.0), Call(0.0), Call(0.0)])
    assert r.incidents["handled_min"].tolist() == [5.0, 5.0, 10.0], (
        "rule: room seats beyond the officers drawn are civilian call-takers (staff - drawn)"
    )


def test_walk_ins_of_a_station_with_a_window_wait_for_the_window_not_the_room():
    """One window seat at S2 (its officer 2 sits there); a room of 2 civilians. Visitors
    to S2 at 10 and 12 (20 min each) are served one at a time at the window: 10, 30."""
    pool = {
        "host": "S1",
        "command_room": {"staff": 2, "drawn_from": {}},
        "service_window": {"seats": 1},
    }
    walk = {"per_day": {"S2": 1}, "service_min": {"dist": "fixed", "value": 20}}
    doc = tiny([2, 2], duty_desk={"seats": 1}, walk_ins=walk, pooled=pool)
    r = run(doc, "pooled", [], visitors=[(10.0, 1, 20.0), (12.0, 1, 20.0)])
    assert r.walk_ins["started_min"].tolist() == pytest.approx([10.0, 30.0]), (
        "rule: a pooled station's walk-ins go to its window when it keeps one"
    )


@pytest.mark.parametrize("role, officer", [("community", 0), ("case_team", 1)])
def test_pooled_teams_get_their_scheduled_duties(role, officer):
    """6 h/day per officer of ``role``, block 600: the pooled team of that role (one
    officer) owes 600 x 6 / 24 = 150 min at 600 and at 1200 (cut at 1440: 150 + 150)."""
    doc = tiny(
        [3, 1],
        county={"enabled": False},
        pooled=_pool(),
        scheduled_duties={"hours_per_day": {role: 6.0}, "block_min": 600},
    )
    r = run(doc, "pooled", [])
    duty = r.officers.set_index("officer")["duty_min"]
    assert duty[officer] == pytest.approx(300.0), (
        f"rule: scheduled duties are owed per officer of the role ({role}) on the team's roll"
    )


@pytest.mark.parametrize("scenario", ["wubei.yaml", "shanghang_southeast.yaml"])
def test_without_joint_stations_the_pooled_model_is_the_isolated_one(scenario):
    # a fair comparison: the models differ only by what pooling changes, so with no joint
    # station every group, team, officer, desk and duty is the same (only the name differs)
    from dataclasses import fields

    from sim.loader import scenario_from_dict
    from sim.models import MODELS, REFORM
    from tests.conftest import SCENARIOS, scenario_dict

    doc = scenario_dict(scenario)
    doc["pooled"] = []
    loaded = scenario_from_dict(doc, SCENARIOS / scenario)
    before, after = (MODELS[m].build(loaded) for m in REFORM)
    differ = [f.name for f in fields(before) if getattr(before, f.name) != getattr(after, f.name)]
    assert differ == ["model"], f"rule: without pools the layouts differ in {differ}"
