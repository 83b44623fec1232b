"""``policesim run`` / ``check``: files written and re-readable, JSON summary, exact repeats."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.results_io import INCOMPLETE, read_results
from tests.conftest import SCENARIOS

runner = CliRunner()
REQUIRED_JSON = [
    "response_mean_min",
    "response_p90_min",
    "full_strength_p90_min",
    "within_target_share",
    "county_requests_per_30d",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "wubei"
    res = runner.invoke(
        app,
        [
            "run",
            str(SCENARIOS / "wubei.yaml"),
            "--days",
            "25",
            "--reps",
            "3",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    return out, res.stdout


def test_json_summary_has_every_model_and_metric_with_intervals(run_dir):
    _, stdout = run_dir
    doc = json.loads(stdout)
    assert doc["replications"] == 3
    for model in ("isolated", "pooled", "isolated - pooled"):
        for metric in REQUIRED_JSON:
            entry = doc["models"][model][metric]
            assert set(entry) == {"mean", "ci_low", "ci_high"}
            if entry["ci_low"] is not None:
                assert entry["ci_low"] <= entry["mean"] <= entry["ci_high"]
    assert set(doc["townships"]) == {"Taoxi", "Yongping", "Dahe", "Xiangdian"}


def test_results_folder_is_complete_and_reads_back(run_dir):
    out, _ = run_dir
    assert not (out / INCOMPLETE).exists()
    tables = read_results(out)
    inc = tables["incidents"]
    assert set(inc["model"]) == {"isolated", "pooled"}
    assert set(inc["replication"]) == {0, 1, 2}
    for col in (
        "call_min",
        "dispatched_min",
        "first_arrival_min",
        "full_strength_min",
        "cleared_min",
        "n_own",
        "n_other",
        "n_case",
        "n_county",
    ):
        assert col in inc.columns
    assert {"busy_min", "travel_min", "patrol_min"} <= set(tables["officers"].columns)
    assert {"created_min", "completed_min"} <= set(tables["investigations"].columns)
    summary = tables["summary"]
    assert set(summary["model"]) == {"isolated", "pooled", "isolated - pooled"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20221201 and manifest["replications"] == [0, 1, 2]
    assert len(manifest["incident_stream_sha256"]) == 3
    assert "simpy" in manifest["versions"]


def test_resolved_scenario_repeats_the_run_exactly(run_dir, tmp_path):
    out, _ = run_dir
    again = tmp_path / "again"
    res = runner.invoke(app, ["run", str(out / "scenario.resolved.yaml"), "--out", str(again)])
    assert res.exit_code == 0, res.output
    assert (again / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()
    a = pd.read_parquet(out / "incidents.parquet")
    b = pd.read_parquet(again / "incidents.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_existing_folder_is_not_overwritten_without_force(run_dir):
    out, _ = run_dir
    before = (out / "summary.csv").read_bytes()
    res = runner.invoke(
        app,
        ["run", str(SCENARIOS / "wubei.yaml"), "--days", "20", "--reps", "1", "--out", str(out)],
    )
    assert res.exit_code == 2
    assert "--force" in res.stderr
    assert (out / "summary.csv").read_bytes() == before


def test_check_and_module_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "check", str(SCENARIOS / "wubei.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout


def test_console_script_prints_the_comparison_table(tmp_path):
    exe = __import__("shutil").which(
        "policesim", path=str(__import__("pathlib").Path(sys.executable).parent)
    )
    proc = subprocess.run(
        [
            exe,
            "run",
            str(SCENARIOS / "shanghang_southeast.yaml"),
            "--days",
            "20",
            "--reps",
            "2",
            "--out",
            str(tmp_path / "sh"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "response_mean_min" in proc.stdout and "isolated - pooled" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_an_unknown_breakdown_is_one_error_line_and_exit_2(tmp_path):
    out = tmp_path / "never"
    res = runner.invoke(app, ["run", str(SCENARIOS / "wubei.yaml"), "--by", "village",
                              "--out", str(out)])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "error: --by: expected one of all, township, priority, type, got 'village'" in res.output
    assert "Traceback" not in res.output and not out.exists()
