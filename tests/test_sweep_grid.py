"""Sweep grids: dotted paths, --set values, grid files, ranges, alternatives, validation, seeds."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from sim import ScenarioError
from sim.sweep.grid import Grid, combine, load_grid, parse_set, range_values
from sim.sweep.paths import set_path
from sim.sweep.plan import build_plan
from sim.sweep.tasks import point_seed
from tests.conftest import SCENARIOS, scenario_dict

WUBEI = SCENARIOS / "wubei.yaml"


# --- paths -------------------------------------------------------------------------------------


def test_paths_reach_fields_list_ids_positions_and_defaults():
    doc = scenario_dict("wubei.yaml")
    assert "demand_scale" not in doc  # a field left at its default can still be set
    new = doc
    for path, value in [
        ("stations.Taoxi.officers", 4),
        ("county.reinforcement_delay_min.high", 90),
        ("incident_types.theft.rate_per_day", 2.5),
        ("pooled.case_team.from_stations.Taoxi", 3),
        ("pooled.case_team.from_stations.Yongping", 1),  # a new key of a free mapping
        ("demand_scale", 1.5),
        ("network.edges[0].minutes", 13),
        ("shifts.on_duty_share_by_hour[2]", 0.5),
    ]:
        new = set_path(new, path, value)
    assert new["stations"][0] == {"id": "Taoxi", "node": "Taoxi", "officers": 4}
    assert new["county"]["reinforcement_delay_min"] == {"dist": "uniform", "low": 30, "high": 90}
    assert next(t for t in new["incident_types"] if t["id"] == "theft")["rate_per_day"] == 2.5
    assert new["pooled"]["case_team"]["from_stations"] == {
        "Taoxi": 3,
        "Dahe": 1,
        "Xiangdian": 1,
        "Yongping": 1,
    }
    assert new["demand_scale"] == 1.5
    assert new["network"]["edges"][0]["minutes"] == 13
    assert new["shifts"]["on_duty_share_by_hour"][2] == 0.5
    assert doc == scenario_dict("wubei.yaml"), "the original document must not change"


def test_a_whole_block_can_replace_a_field_or_a_list_item():
    doc = scenario_dict("wubei.yaml")
    block = {"dist": "triangular", "low": 20, "mode": 40, "high": 90}
    new = set_path(doc, "county.reinforcement_delay_min", block)
    assert new["county"]["reinforcement_delay_min"] == block
    new = set_path(doc, "stations.Dahe", {"id": "Dahe", "node": "Dahe", "officers": 9})
    assert new["stations"][2]["officers"] == 9


def test_an_override_does_not_leak_through_a_yaml_alias():
    # wubei.yaml gives several incident types the same *day_profile list (one shared object)
    doc = scenario_dict("wubei.yaml")
    types = {t["id"]: t for t in doc["incident_types"]}
    assert types["theft"]["hourly_profile"] is types["dispute"]["hourly_profile"]
    new = set_path(doc, "incident_types.theft.hourly_profile[0]", 9.0)
    new_types = {t["id"]: t for t in new["incident_types"]}
    assert new_types["theft"]["hourly_profile"][0] == 9.0
    assert new_types["dispute"]["hourly_profile"][0] == 0.3
    assert types["theft"]["hourly_profile"][0] == 0.3


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("stations.Taoxy.officers", "stations has no item with id 'Taoxy' (ids: Taoxi, Yongping"),
        ("stations.Taoxi.oficers", "'oficers' is not a field of stations.Taoxi (its fields: id"),
        ("county.reinforcement_delay_min.mode", "'mode' is not a field of county.reinforcement"),
        ("incident_types.theft.priority.values", "is a single value (2)"),
        ("network.edges.Taoxi.minutes", "its items have no id: use a position [0]"),
        ("shifts.on_duty_share_by_hour[24]", "has 24 items, so [24] does not exist"),
        ("demand_scal", "'demand_scal' is not a field of the scenario"),
        ("x-day-profile", "'x-day-profile' is not a field of the scenario"),
        ("stations..officers", "malformed parameter path"),
    ],
)
def test_a_bad_path_names_the_part_that_does_not_exist(path, expected):
    with pytest.raises(ScenarioError) as info:
        set_path(scenario_dict("wubei.yaml"), path, 1)
    assert info.value.field == path
    assert expected in str(info.value)


def test_a_good_path_sets_the_value_it_names():
    # the good path next to the bad ones above: it must change exactly that field
    doc = set_path(scenario_dict("wubei.yaml"), "stations.Taoxi.officers", 1)
    taoxi = next(s for s in doc["stations"] if s["id"] == "Taoxi")
    assert taoxi["officers"] == 1
    assert doc["stations"] != scenario_dict("wubei.yaml")["stations"]


# --- --set -------------------------------------------------------------------------------------


def test_set_values_are_typed_yaml_literals():
    p = parse_set("x.y=4, 1.5,true,Taoxi,{dist: fixed, value: 3},[1, 2],'a,b',null")
    assert p.name == "x.y"
    assert p.values == (4, 1.5, True, "Taoxi", {"dist": "fixed", "value": 3}, [1, 2], "a,b", None)
    assert type(p.values[0]) is int and type(p.values[1]) is float


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("stations.Taoxi.officers", "expected PATH=VALUE1"),
        ("stations.Taoxi.officers=", "no values given"),
        ("stations.Taoxi.officers=4,,6", "empty value"),
        ("stations.Taoxi.officers=4,6,4", "value 4 is listed twice"),
        ("demand_scale=1,1.0", "value 1 is listed twice"),
        ("replications=3,4", "--reps"),
        ("model=1,2", "results column"),
        ("x=[1,", "not valid YAML"),
    ],
)
def test_bad_set_options_are_refused(option, expected):
    with pytest.raises(ScenarioError, match=None) as info:
        combine(None, [option])
    assert expected in str(info.value)


def test_nothing_to_sweep_is_an_error():
    with pytest.raises(ScenarioError, match="nothing to sweep"):
        combine(None, [])


# --- ranges and grid files ----------------------------------------------------------------------


def test_ranges_include_stop_and_have_no_float_drift():
    assert range_values({"start": 4, "stop": 8, "step": 2}) == [4, 6, 8]
    assert range_values({"start": 0.1, "stop": 0.5, "step": 0.1}) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert range_values({"start": 1.0, "stop": 1.6, "step": 0.25}) == [1.0, 1.25, 1.5]
    assert range_values({"start": 10, "stop": 4, "step": -3}) == [10, 7, 4]
    assert all(type(v) is int for v in range_values({"start": 1, "stop": 3, "step": 1}))
    for bad in (
        {"start": 1, "stop": 3, "step": 0},
        {"start": 3, "stop": 1, "step": 1},
        {"start": "a", "stop": 1, "step": 1},
        {"start": 0, "stop": 1e9, "step": 1},
    ):
        with pytest.raises(ValueError):
            range_values(bad)


GRID = """\
description: a test grid
replications: 4
target: within_target_share
fixed:
  horizon_days: 20
parameters:
  stations.Xiangdian.officers: {start: 4, stop: 6, step: 2}
  county.reinforcement_delay_min:
    - {dist: uniform, low: 30, high: 70}
    - {dist: uniform, low: 45, high: 90}
alternatives:
  staffing:
    as_reported: {}
    bigger_case_team:
      pooled.case_team.from_stations.Taoxi: 3
      pooled.command_room.drawn_from: {Taoxi: 1}
"""


def _write(tmp_path, text, name="grid.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_grid_file_lists_ranges_blocks_and_alternatives(tmp_path):
    grid = combine(load_grid(_write(tmp_path, GRID)), ["demand_scale=1,1.5"])
    assert grid.names == [
        "stations.Xiangdian.officers",
        "county.reinforcement_delay_min",
        "staffing",
        "demand_scale",
    ]
    assert (grid.replications, grid.target) == (4, "within_target_share")
    assert grid.fixed == {"horizon_days": 20}
    points = grid.points()
    assert len(points) == 2 * 2 * 2 * 2
    # the last parameter varies fastest
    assert [p.values["demand_scale"] for p in points[:4]] == [1, 1.5, 1, 1.5]
    assert points[0].values == {
        "stations.Xiangdian.officers": 4,
        "county.reinforcement_delay_min": {"dist": "uniform", "low": 30, "high": 70},
        "staffing": "as_reported",
        "demand_scale": 1,
    }
    last = points[-1]
    assert last.values["staffing"] == "bigger_case_team"
    assert last.overrides["pooled.case_team.from_stations.Taoxi"] == 3
    assert last.overrides["pooled.command_room.drawn_from"] == {"Taoxi": 1}
    assert last.overrides["stations.Xiangdian.officers"] == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("paramters:\n  demand_scale: [1]\n", "grid.yaml:1: paramters: unknown key"),
        ("parameters:\n  demand_scale: {start: 1}\n", "give a list of values"),
        ("parameters:\n  demand_scale: []\n", "the list of values is empty"),
        ("parameters:\n  demand_scale: {start: 1, stop: 0, step: 1}\n", "bad range"),
        (
            "replications: 0\nparameters: {demand_scale: [1]}\n",
            "grid.yaml:1: replications: should be greater than or equal to 1",
        ),
        ("target: speed\nparameters: {demand_scale: [1]}\n", "'speed' is not a metric"),
        ("target: [1]\nparameters: {demand_scale: [1]}\n", "grid.yaml:1: target: [1] is not a"),
        ("alternatives:\n  a: {x: 1}\n", "must be a mapping of PATH: VALUE"),
    ],
)
def test_bad_grid_files_are_refused_with_file_and_field(tmp_path, text, expected):
    with pytest.raises(ScenarioError) as info:
        combine(load_grid(_write(tmp_path, text)), [])
    assert expected in str(info.value)


def test_a_bad_path_in_a_grid_file_names_its_line(tmp_path):
    path = _write(tmp_path, "parameters:\n  demand_scale: [1, 2]\n  stations.Taoxy.officers: [4]\n")
    with pytest.raises(ScenarioError) as info:
        build_plan(WUBEI, combine(load_grid(path), []))
    assert str(info.value).startswith(f"{path}:3: stations.Taoxy.officers: stations has no item")


def test_overlapping_or_repeated_parameters_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="overlapping fields"):
        combine(None, ["pooled.case_team={}", "pooled.case_team.from_stations.Taoxi=1,2"])
    with pytest.raises(ScenarioError, match="given twice"):
        combine(None, ["demand_scale=1,2", "demand_scale=3"])
    grid = load_grid(_write(tmp_path, "fixed: {demand_scale: 2}\n"))
    with pytest.raises(ScenarioError, match="the same field"):
        combine(grid, ["demand_scale=1,2"])


# --- the plan ----------------------------------------------------------------------------------


def test_every_point_is_validated_and_an_invalid_one_is_named():
    # Taoxi has 10 officers and gives 1 to the command room: 10 to the case team is too many
    grid = combine(None, ["demand_scale=1,2", "pooled.case_team.from_stations.Taoxi=2,10"])
    with pytest.raises(ScenarioError) as info:
        build_plan(WUBEI, grid)
    text = str(info.value)
    assert "sweep point 1 (demand_scale=1, pooled.case_team.from_stations.Taoxi=10)" in text
    assert "has 10 officers but gives 11" in text
    assert "2 of 4 points are invalid; the others: 3" in text
    assert "nothing was run" in text


def test_a_plan_carries_seeds_replications_and_defaults():
    grid = combine(None, ["stations.Dahe.officers=5,7"])
    plan = build_plan(WUBEI, grid, replications=3)
    assert plan.replications == 3 and plan.target == "response_p90_min"
    assert len(plan.tasks()) == 6
    for p in plan.points:
        assert p.loaded.scenario.seed == p.seed
        assert p.loaded.scenario.replications == 3
    assert [p.loaded.scenario.stations[2].officers for p in plan.points] == [5, 7]
    # the scenario's own replications are the default
    assert build_plan(WUBEI, grid).replications == yaml.safe_load(WUBEI.read_text())["replications"]


def test_point_seeds_depend_on_settings_not_on_order_or_other_points():
    small = build_plan(WUBEI, combine(None, ["stations.Dahe.officers=5,7"]), 1)
    big = build_plan(WUBEI, combine(None, ["stations.Dahe.officers=7,5,6", "demand_scale=1.0"]), 1)
    seeds_small = {p.point.values["stations.Dahe.officers"]: p.seed for p in small.points}
    seeds_big = {p.point.values["stations.Dahe.officers"]: p.seed for p in big.points}
    assert seeds_small[5] != seeds_small[7]
    # demand_scale=1.0 is a setting of its own, so the big grid's points differ ...
    assert seeds_big[5] != seeds_small[5]
    # ... but the same settings in any order give the same seed, and 1 == 1.0
    assert point_seed(7, {"a": 1, "b": 2.0}) == point_seed(7, {"b": 2, "a": 1.0})
    assert point_seed(7, {"a": 1}) != point_seed(8, {"a": 1})
    again = build_plan(WUBEI, combine(None, ["stations.Dahe.officers=7,5"]), 1)
    assert {p.point.values["stations.Dahe.officers"]: p.seed for p in again.points} == seeds_small


def test_fixed_settings_apply_to_every_point_without_a_column(tmp_path):
    text = "fixed: {horizon_days: 9, warmup_days: 1}\n"
    grid = combine(load_grid(_write(tmp_path, text)), ["demand_scale=1,2"])
    plan = build_plan(WUBEI, grid, 1)
    assert plan.parameters == ["demand_scale"]
    assert all(p.loaded.scenario.horizon_days == 9 for p in plan.points)


def test_an_empty_grid_object_is_refused():
    with pytest.raises(ScenarioError):
        combine(Grid(), [])
