"""``policesim attribute``: every mechanism switched off in turn, on the same seeds."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.attribution import (
    ALL_MECHANISMS,
    CSV_NAME,
    NOT_SWITCHABLE,
    VARIANTS,
    same_county_rule,
    variant_scenarios,
    without_case_work,
    without_duty_desk,
    without_room_case_team_draw,
    without_scheduled_duties,
    without_walk_ins,
)
from sim.cli import app
from sim.loader import scenario_from_dict
from sim.results_io import INCOMPLETE, is_complete
from tests.budgetkit import tiny
from tests.conftest import SCENARIOS

runner = CliRunner()


def full_doc() -> dict:
    """A small scenario that uses every switchable mechanism."""
    doc = tiny(
        [4, 4],
        horizon_days=6.0,
        duty_desk={"seats": 1},
        walk_ins={"per_day": {"S1": 4, "S2": 2}, "service_min": {"dist": "fixed", "value": 10}},
        scheduled_duties={"hours_per_day": {"community": 1.0, "case_team": 0.5}},
    )
    doc["replications"] = 2
    doc["patrol"] = {"share": 1.0}
    doc["incident_types"] = [
        {
            "id": "call",
            "rate_per_day": 4.0,
            "officers_required": 2,
            "on_scene_min": {"dist": "fixed", "value": 30},
            "investigation": {"p": 0.3, "work_hours": {"dist": "fixed", "value": 2}},
        },
        {"id": "help", "rate_per_day": 2.0, "on_scene_min": {"dist": "fixed", "value": 20}},
    ]
    doc["pooled"] = {
        "host": "S1",
        "command_room": {"staff": 2, "drawn_from": {"S1": 1}},
        "case_team": {"from_stations": {"S2": 1}},
        "county_after_min": 10,
    }
    return doc


@pytest.fixture
def full_file(tmp_path):
    path = tmp_path / "full.yaml"
    path.write_text(yaml.safe_dump(full_doc()), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- variant functions


def test_each_variant_really_lacks_its_mechanism():
    doc = full_doc()
    sc = scenario_from_dict(doc).scenario
    assert "duty_desk" not in without_duty_desk(doc, sc)
    assert "walk_ins" not in without_walk_ins(doc, sc)
    assert "scheduled_duties" not in without_scheduled_duties(doc, sc)
    assert all("investigation" not in t for t in without_case_work(doc, sc)["incident_types"])
    drawn = without_room_case_team_draw(doc, sc)["pooled"]
    assert drawn["command_room"]["drawn_from"] == {} and "case_team" not in drawn
    assert same_county_rule(doc, sc)["pooled"]["county_after_min"] == 0
    # the given document is never changed, and every variant still loads
    assert doc == full_doc()
    for v in VARIANTS:
        loaded = scenario_from_dict(v.apply(doc, sc)).scenario
        pool = loaded.pools[0]
        if v.name == "no room/case-team draw":
            assert pool.case_team is None and not pool.command_room.drawn_from
        if v.name == "same county rule":
            assert pool.county_after_min == loaded.isolated.county_after_min


def test_variants_change_only_their_own_block():
    doc = full_doc()
    sc = scenario_from_dict(doc).scenario
    changed = without_duty_desk(doc, sc)
    # the desk goes with the walk-ins it serves (without it isolated could not serve them)
    assert {k: v for k, v in doc.items() if k not in ("duty_desk", "walk_ins")} == changed


def test_variants_not_used_by_a_scenario_are_none(wubei_dict):
    for key in ("duty_desk", "walk_ins", "scheduled_duties"):
        wubei_dict.pop(key, None)
    sc = scenario_from_dict(wubei_dict, SCENARIOS / "wubei.yaml").scenario
    assert without_duty_desk(wubei_dict, sc) is None
    assert without_walk_ins(wubei_dict, sc) is None
    assert without_scheduled_duties(wubei_dict, sc) is None
    wubei_dict["pooled"]["county_after_min"] = 0
    assert same_county_rule(wubei_dict, scenario_from_dict(wubei_dict).scenario) is None


def test_list_of_pools_is_handled():
    doc = full_doc()
    pool = doc.pop("pooled")
    doc["pooled"] = [{**pool, "members": ["S1", "S2"]}]
    sc = scenario_from_dict(doc).scenario
    out = without_room_case_team_draw(doc, sc)["pooled"][0]
    assert out["command_room"]["drawn_from"] == {} and "case_team" not in out
    assert same_county_rule(doc, sc)["pooled"][0]["county_after_min"] == 0


def test_variant_scenarios_skip_with_a_note():
    # The M/M/c case uses none of the time budget: only the mechanisms it has remain.
    scenarios, skipped = variant_scenarios(SCENARIOS / "mmc_validation.yaml", {"horizon_days": 20})
    assert set(scenarios) == {ALL_MECHANISMS}
    assert {"no duty desk", "no walk-ins", "no scheduled duties", "no case work"} <= set(skipped)
    assert "no crew-dependent scene work" in skipped
    assert all(s.scenario.horizon_days == 20 for s in scenarios.values())


# --------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attr")
    path = folder / "full.yaml"
    path.write_text(yaml.safe_dump(full_doc()), encoding="utf-8")
    out = folder / "out"
    res = runner.invoke(app, ["attribute", str(path), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    return out, json.loads(res.stdout)


def test_every_applicable_variant_appears(full_run):
    out, doc = full_run
    assert doc["variants"] == [ALL_MECHANISMS, *(v.name for v in VARIANTS)]
    assert set(doc["skipped"]) == set(NOT_SWITCHABLE)
    assert "walk_in_wait_mean_min" in doc["metrics"]
    rows = pd.DataFrame(doc["rows"])
    for v in doc["variants"]:
        assert set(rows.loc[rows["variant"] == v, "metric"]) == set(doc["metrics"])


def test_csv_is_rereadable_and_the_folder_complete(full_run):
    out, doc = full_run
    assert is_complete(out) and not (out / INCOMPLETE).exists()
    table = pd.read_csv(out / CSV_NAME)
    ran = table[table["status"] == "run"]
    assert len(ran) == len(doc["rows"])
    for r, j in zip(ran.to_dict("records"), doc["rows"]):
        assert r["variant"] == j["variant"] and r["metric"] == j["metric"]
        for col in ("difference_mean", "accounts_for_mean"):
            if j[col] is None:
                assert math.isnan(r[col])
            else:
                assert r[col] == pytest.approx(j[col], rel=1e-8, abs=1e-9)
    skipped = table[table["status"] == "skipped"]
    assert set(skipped["variant"]) == set(NOT_SWITCHABLE)


def test_walk_ins_switched_off_removes_their_waits(full_run):
    _, doc = full_run
    rows = {(r["variant"], r["metric"]): r for r in doc["rows"]}
    assert rows[("no walk-ins", "walk_in_wait_mean_min")]["difference_mean"] is None
    # duty desk off: isolated stations' desk hours go to the field, patrol rises
    desk = rows[("no duty desk", "patrol_hours_per_day")]
    base = rows[(ALL_MECHANISMS, "patrol_hours_per_day")]
    assert desk["isolated_mean"] > base["isolated_mean"]
    assert desk["pooled_mean"] == pytest.approx(base["pooled_mean"])


def test_all_mechanisms_row_equals_a_plain_run(tmp_path):
    args = [str(SCENARIOS / "wubei.yaml"), "--days", "20", "--reps", "2", "--json"]
    att = runner.invoke(app, ["attribute", *args, "--out", str(tmp_path / "a")])
    plain = runner.invoke(app, ["run", *args, "--out", str(tmp_path / "r")])
    assert att.exit_code == 0 and plain.exit_code == 0, att.output + plain.output
    doc, run = json.loads(att.stdout), json.loads(plain.stdout)
    # The calibrated Wubei scenario uses every switchable mechanism.
    assert doc["variants"] == [
        ALL_MECHANISMS,
        "no duty desk",
        "no walk-ins",
        "no case work",
        "no scheduled duties",
        "no room/case-team draw",
        "same county rule",
    ]
    diff = run["models"]["isolated - pooled"]
    for r in doc["rows"]:
        if r["variant"] != ALL_MECHANISMS:
            continue
        d = diff[r["metric"]]
        assert (r["difference_mean"], r["difference_ci_low"], r["difference_ci_high"]) == (
            d["mean"],
            d["ci_low"],
            d["ci_high"],
        )
        assert r["isolated_mean"] == run["models"]["isolated"][r["metric"]]["mean"]
        assert r["better"] == run["better"][r["metric"]]["better"]
        assert r["accounts_for_mean"] is None


def test_table_on_stdout_names_variants_and_skips(tmp_path, full_file):
    doc = yaml.safe_load(full_file.read_text())
    doc["walk_ins"]["per_day"] = {"S1": 0}
    full_file.write_text(yaml.safe_dump(doc))
    res = runner.invoke(app, ["attribute", str(full_file), "--out", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    for text in ("no duty desk", "accounts for", "How to read", "no walk-ins: skipped"):
        assert text in res.stdout
    assert "results written to" in res.stdout


def test_bad_scenario_exits_2_without_traceback(tmp_path, full_file):
    doc = yaml.safe_load(full_file.read_text())
    doc["stations"][0]["officers"] = "many"
    full_file.write_text(yaml.safe_dump(doc))
    out = tmp_path / "bad"
    res = runner.invoke(app, ["attribute", str(full_file), "--out", str(out)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "full.yaml" in res.stderr and "stations" in res.stderr and "officers" in res.stderr
    assert not out.exists()


def test_existing_folder_needs_force(full_run, tmp_path):
    out, _ = full_run
    path = tmp_path / "full.yaml"
    path.write_text(yaml.safe_dump(full_doc()))
    res = runner.invoke(app, ["attribute", str(path), "--out", str(out)])
    assert res.exit_code == 2 and "--force" in res.stderr


def test_every_variant_runs_on_one_worker_pool_with_its_own_numbers(full_file, monkeypatch):
    """``attribute --workers N`` starts one backend for all variants (was one Dask cluster per
    variant, ~4 s each), and each variant's output is what a run of it alone gives."""
    import sim.sweep.backends as backends
    from sim.attribution import run_attribution
    from sim.run_folder import run_scenario

    made = []
    real = backends.make_backend

    def counting(workers, scheduler, log=None, tasks=None):
        made.append((workers, tasks))
        return real(1, scheduler, log, tasks)  # in this process: the count is what matters

    monkeypatch.setattr(backends, "make_backend", counting)
    scenarios = variant_scenarios(full_file)
    att = run_attribution(full_file, workers=2, scenarios=scenarios)
    n = att.replications
    assert made == [(2, n * len(scenarios[0]))], "one backend for every variant's replications"
    name = "no walk-ins"
    alone = run_scenario(scenarios[0][name], n)
    pd.testing.assert_frame_equal(att.runs[name].replications, alone.replications)
    pd.testing.assert_frame_equal(att.runs[name].incidents, alone.incidents)


def test_switching_walk_ins_off_closes_the_windows_that_serve_them():
    # a window with nobody to serve is refused (it would only keep officers from calls),
    # so the walk-in variant must take the windows with the visitors, not be skipped
    doc = full_doc()
    doc["pooled"]["service_window"] = {"seats": 1}
    sc = scenario_from_dict(doc).scenario
    changed = without_walk_ins(doc, sc)
    assert changed["pooled"]["service_window"] == {"seats": 0}
    assert doc["pooled"]["service_window"] == {"seats": 1}, "the given document is kept"
    assert scenario_from_dict(changed).scenario.walk_ins is None
