"""``policesim sweep`` on the command line: exit codes, dry runs, and kill -9 then --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

import sim.sweep.tasks as sweep_tasks
from sim.cli import app
from sim.results_io import INCOMPLETE
from sim.sweep.backends import SequentialBackend
from sim.sweep.grid import combine
from sim.sweep.plan import build_plan
from sim.sweep.run import run_sweep
from tests.conftest import ROOT, scenario_dict

runner = CliRunner()


def small_scenario(folder: Path, days: float) -> Path:
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=days, warmup_days=1)
    path = folder / "wubei_small.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    return small_scenario(tmp_path_factory.mktemp("cli"), days=6)


def invoke(*args):
    return runner.invoke(app, ["sweep", *map(str, args)])


def test_a_bad_set_path_exits_2_with_one_clear_message(scenario, tmp_path):
    out = tmp_path / "never"
    res = invoke(scenario, "--set", "stations.Taoxy.officers=4,6", "--out", out)
    assert res.exit_code == 2, res.output
    assert "stations.Taoxy.officers" in res.output
    assert "no item with id 'Taoxy'" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


def test_an_invalid_point_exits_2_before_anything_runs(scenario, tmp_path, monkeypatch):
    def never(*_a, **_k):
        raise AssertionError("a task ran")

    monkeypatch.setattr(sweep_tasks, "run_replication", never)
    out = tmp_path / "never"
    res = invoke(
        scenario, "--set", "pooled.case_team.from_stations.Taoxi=1,10", "--workers", 1, "--out", out
    )
    assert res.exit_code == 2, res.output
    assert "sweep point 1 (pooled.case_team.from_stations.Taoxi=10)" in res.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "demand_scale"], "expected PATH=VALUE1"),
        (["--set", "demand_scale=1", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
        (["--set", "demand_scale=1", "--resume"], "--resume needs --out"),
        (["--set", "demand_scale=1", "--target", "speed"], "'speed' is not a metric"),
        (["--grid", "missing.yaml"], "file not found"),
    ],
)
def test_other_bad_input_exits_2(scenario, args, expected):
    res = invoke(scenario, *args)
    assert res.exit_code == 2, res.output
    assert expected in res.output
    assert "Traceback" not in res.output


def test_dry_run_lists_points_and_runs_nothing(scenario, tmp_path):
    grid = ROOT / "scenarios" / "sweeps" / "wubei_staffing.yaml"
    res = invoke(scenario, "--grid", grid, "--dry-run", "--out", tmp_path / "dry")
    assert res.exit_code == 0, res.output
    assert "24 points × 10 replications = 240 tasks" in res.output
    assert "slower_45_90" in res.output
    assert not (tmp_path / "dry").exists()


def test_failed_tasks_exit_1_and_are_named(scenario, tmp_path, monkeypatch):
    real = sweep_tasks.run_replication

    def flaky(loaded, replication, keep_records=True, models=()):
        if loaded.scenario.demand_scale == 2 and replication == 0:
            raise ValueError("injected")
        return real(loaded, replication, keep_records, models)

    monkeypatch.setattr(sweep_tasks, "run_replication", flaky)
    out = tmp_path / "failing"
    res = invoke(scenario, "--set", "demand_scale=1,2", "--reps", 2, "--workers", 1, "--out", out)
    assert res.exit_code == 1, res.output
    assert "task failed: point 1 (demand_scale=2), replication 0: ValueError: injected" in (
        res.output
    )
    assert "1 of 4 tasks failed" in res.output
    assert (out / INCOMPLETE).exists()
    assert len(pd.read_parquet(out / "runs.parquet")) == 3 * 2


def test_a_sweep_prints_its_summary(scenario, tmp_path):
    res = invoke(
        scenario, "--set", "demand_scale=1,2", "--reps", 2, "--workers", 1, "--out", tmp_path
    )
    assert res.exit_code == 0, res.output
    assert "best and worst points for response_p90_min" in res.output
    assert "paired isolated - pooled, 95% CI, per point" in res.output
    assert "sweep: 4/4 tasks (100%)" in res.output  # plain progress lines when not a terminal


def _task_files(out: Path) -> set[str]:
    folder = out / "tasks"
    return {p.name for p in folder.glob("*.parquet")} if folder.is_dir() else set()


def test_kill_9_mid_sweep_loses_nothing_and_resume_completes_it(tmp_path):
    scenario = small_scenario(tmp_path, days=30)
    sets = ["stations.Xiangdian.officers=4,6", "demand_scale=1,1.5"]
    reps, total = 8, 4 * 8
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(scenario), "--reps", str(reps)]
    for s in sets:
        cmd += ["--set", s]
    cmd += ["--workers", "2", "--out", str(out)]
    log = (tmp_path / "first.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(_task_files(out)) < 6:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no task files appeared"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, like kill -9
        proc.wait()
        log.close()
    kept = _task_files(out)
    assert 6 <= len(kept) < total, "the kill did not land mid-sweep"
    assert (out / INCOMPLETE).exists() and not (out / "runs.parquet").exists()

    res = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == total * 2
    assert not runs.duplicated(["point", "replication", "model"]).any()
    assert not (out / INCOMPLETE).exists()
    session = json.loads((out / "sweep.json").read_text())["sessions"][-1]
    # every task finished before the kill was kept, and only the others ran again
    assert session["tasks_found_done"] == len(kept)
    assert session["tasks_run"] == total - len(kept)

    plan = build_plan(scenario, combine(None, sets), reps)
    quiet = Console(stderr=True, quiet=True)
    run_sweep(plan, tmp_path / "whole", SequentialBackend(), console=quiet)
    pd.testing.assert_frame_equal(runs, pd.read_parquet(tmp_path / "whole" / "runs.parquet"))
