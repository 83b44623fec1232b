"""Sweep runs: one set of numbers on every backend, the output contract, failures, resume."""

from __future__ import annotations

import json
import math
import os

import pandas as pd
import pytest
import yaml
from dask.distributed import WorkerPlugin
from rich.console import Console

import sim.sweep.tasks as sweep_tasks
from sim import ScenarioError, load_scenario, run_replication
from sim.metrics import ALL, METRICS, t_interval
from sim.results_io import INCOMPLETE
from sim.sweep.backends import DaskBackend, SequentialBackend
from sim.sweep.grid import combine
from sim.sweep.plan import build_plan
from sim.sweep.run import run_sweep
from sim.sweep.store import SweepFolder
from tests.conftest import scenario_dict

SETS = ["stations.Xiangdian.officers=4,6", "demand_scale=1,1.5"]
REPS = 3
TASKS = 4 * REPS
PARAMS = ["stations.Xiangdian.officers", "demand_scale"]
QUIET = Console(stderr=True, quiet=True)


def small_scenario(folder, days: float = 8):
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=days, warmup_days=1)
    path = folder / "wubei_small.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    return small_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def plan(scenario):
    return build_plan(scenario, combine(None, SETS), REPS)


def sweep(plan, out, backend=None, close=True, **kw):
    backend = backend or SequentialBackend()
    try:
        return run_sweep(plan, out, backend, console=QUIET, **kw)
    finally:
        if close:
            backend.close()


def local(workers, how=None):
    """A local Dask cluster of ``workers`` processes (with ``how``: failing as _fail_some says)."""
    backend = DaskBackend(workers=workers)
    if how is not None:
        backend.connect(TASKS).register_plugin(FailSome(how))
    return backend


@pytest.fixture(scope="module")
def reference(plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "reference"
    outcome = sweep(plan, out)
    assert outcome.complete
    return out, pd.read_parquet(out / "runs.parquet")


def test_same_runs_with_one_worker_two_workers_and_a_dask_cluster(plan, reference, tmp_path):
    from dask.distributed import LocalCluster

    _, expected = reference
    sweep(plan, tmp_path / "two", local(2))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "two" / "runs.parquet"), expected)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        backend = DaskBackend(cluster.scheduler_address)
        try:
            sweep(plan, tmp_path / "dask", backend)
        finally:
            backend.close()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask" / "runs.parquet"), expected)


def test_the_equality_check_can_fail(plan, reference, scenario, tmp_path):
    # another base seed must give other numbers, or the test above proves nothing
    doc = yaml.safe_load(scenario.read_text())
    doc["seed"] += 1
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(doc), encoding="utf-8")
    sweep(build_plan(other, combine(None, SETS), REPS), tmp_path / "other")
    runs = pd.read_parquet(tmp_path / "other" / "runs.parquet")
    assert not runs["response_mean_min"].equals(reference[1]["response_mean_min"])


def test_runs_parquet_follows_the_output_contract(reference):
    out, runs = reference
    assert list(runs.columns) == ["point", "replication", "model", "seed", *PARAMS, *METRICS]
    assert len(runs) == TASKS * 2
    assert not runs.duplicated(["point", "replication", "model"]).any()
    assert set(runs["model"]) == {"isolated", "pooled"}
    assert str(runs["stations.Xiangdian.officers"].dtype) == "int64"
    assert str(runs["demand_scale"].dtype) == "float64"
    assert str(runs["seed"].dtype) == "int64"
    first = runs[runs["point"] == 1].iloc[0]
    assert (first["stations.Xiangdian.officers"], first["demand_scale"]) == (4, 1.5)
    # both models of a replication saw the same calls (paired)
    calls = runs.pivot_table(index=["point", "replication"], columns="model", values="calls")
    assert (calls["isolated"] == calls["pooled"]).all()
    assert not (out / INCOMPLETE).exists()


def test_points_csv_has_t_intervals_and_the_paired_difference(reference):
    out, runs = reference
    points = pd.read_csv(out / "points.csv", encoding="utf-8-sig")
    cols = ["point", *PARAMS, "model", "metric", "mean", "ci_low", "ci_high", "n"]
    assert list(points.columns) == cols
    assert len(points) == 4 * 3 * len(METRICS)
    assert set(points["model"]) == {"isolated", "pooled", "isolated - pooled"}
    block = runs[runs["point"] == 2]
    iso = block[block["model"] == "isolated"].set_index("replication")["response_mean_min"]
    pooled = block[block["model"] == "pooled"].set_index("replication")["response_mean_min"]
    row = points[(points["point"] == 2) & (points["metric"] == "response_mean_min")]
    for model, values in (("isolated", iso), ("isolated - pooled", iso - pooled)):
        got = row[row["model"] == model].iloc[0]
        mean, low, high = t_interval(values.to_numpy())
        assert math.isclose(got["mean"], mean, rel_tol=1e-9)
        assert math.isclose(got["ci_low"], low, rel_tol=1e-9)
        assert math.isclose(got["ci_high"], high, rel_tol=1e-9)
        assert got["n"] == REPS


def test_manifest_records_grid_seeds_and_versions(plan, reference):
    out, runs = reference
    m = json.loads((out / "sweep.json").read_text())
    assert m["status"] == "complete"
    assert m["parameters"] == PARAMS
    assert m["replications"] == REPS and m["tasks"] == TASKS and m["finished"] == TASKS
    assert m["base_seed"] == yaml.safe_load(open(plan.scenario_file))["seed"]
    assert {"numpy", "simpy", "pandas", "python"} <= set(m["versions"])
    assert len(m["task_seeds"]) == TASKS
    seeds = {p["point"]: p["seed"] for p in m["points"]}
    assert runs.groupby("point")["seed"].first().to_dict() == seeds
    assert m["task_seeds"]["3/2"] == {"entropy": seeds[3], "spawn_key_prefix": [2]}
    assert [g["path"] for g in m["grid"]["parameters"]] == PARAMS


def test_a_point_file_repeats_the_point_with_policesim_run(reference):
    out, runs = reference
    loaded = load_scenario(out / "points" / "point-000003.yaml")
    got = runs[runs["point"] == 3].reset_index(drop=True)
    for r in range(REPS):
        met = run_replication(loaded, r, keep_records=False).metrics
        met = met[met["township"] == ALL].reset_index(drop=True)
        expected = got[got["replication"] == r].reset_index(drop=True)
        pd.testing.assert_frame_equal(met[list(METRICS)], expected[list(METRICS)], check_exact=True)


def _fail_some(monkeypatch, how):
    """Make the tasks of demand_scale 1.5, replication 1 fail inside the task."""
    real = sweep_tasks.run_replication

    def flaky(loaded, replication, keep_records=True, models=()):
        if loaded.scenario.demand_scale == 1.5 and replication == 1:
            how()
        return real(loaded, replication, keep_records, models)

    monkeypatch.setattr(sweep_tasks, "run_replication", flaky)


class FailSome(WorkerPlugin):
    """_fail_some inside every Dask worker process (also one restarted after a crash)."""

    name = "fail-some"

    def __init__(self, how):
        self.how = how

    def setup(self, worker):
        self.patch = pytest.MonkeyPatch()
        _fail_some(self.patch, self.how)

    def teardown(self, worker):
        self.patch.undo()


def _boom():
    raise RuntimeError("injected failure")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_is_reported_and_the_others_are_kept(
    plan, reference, tmp_path, monkeypatch, workers
):
    _fail_some(monkeypatch, _boom)
    out = tmp_path / "failing"
    backend = SequentialBackend() if workers == 1 else local(workers, _boom)
    outcome = sweep(plan, out, backend, close=False)
    assert outcome.status == "failed" and not outcome.complete
    assert sorted((f.point, f.replication) for f in outcome.failures) == [(1, 1), (3, 1)]
    assert all("RuntimeError: injected failure" in f.error for f in outcome.failures)
    assert len(list((out / "tasks").glob("*.parquet"))) == TASKS - 2
    assert (out / INCOMPLETE).exists()
    m = json.loads((out / "sweep.json").read_text())
    assert m["status"] == "failed"
    assert sorted((f["point"], f["replication"]) for f in m["failures"]) == [(1, 1), (3, 1)]
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == (TASKS - 2) * 2
    # once the cause is gone, --resume runs just the two and matches an uninterrupted sweep
    monkeypatch.undo()
    if workers > 1:
        backend.client.unregister_worker_plugin(FailSome.name)
    again = sweep(plan, out, backend, resume=True)
    assert again.complete and again.ran == 2 and again.already_done == TASKS - 2
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), reference[1])
    assert not (out / INCOMPLETE).exists()


def test_a_task_that_kills_its_worker_process_fails_alone(plan, reference, tmp_path, monkeypatch):
    outcome = sweep(plan, tmp_path / "crash", local(2, lambda: os._exit(3)))
    assert sorted((f.point, f.replication) for f in outcome.failures) == [(1, 1), (3, 1)]
    assert all("worker process" in f.error for f in outcome.failures)
    assert len(list((tmp_path / "crash" / "tasks").glob("*.parquet"))) == TASKS - 2
    runs = pd.read_parquet(tmp_path / "crash" / "runs.parquet")
    expected = reference[1]
    keep = ~expected.set_index(["point", "replication"]).index.isin([(1, 1), (3, 1)])
    pd.testing.assert_frame_equal(runs, expected[keep].reset_index(drop=True))


def test_keep_records_writes_each_tasks_tables(plan, tmp_path):
    out = tmp_path / "records"
    sweep(plan, out, keep_records=True)
    incidents = pd.read_parquet(out / "records" / "incidents")
    assert {"point", "replication", "model"} <= set(incidents.columns)
    assert len(incidents.groupby(["point", "replication"])) == TASKS
    assert set(incidents["model"]) == {"isolated", "pooled"}
    officers = pd.read_parquet(out / "records" / "officers")
    assert len(officers.groupby(["point", "replication", "model"])) == TASKS * 2


def test_resume_adds_replications_and_refuses_another_sweep(plan, scenario, reference, tmp_path):
    out = tmp_path / "grow"
    small = build_plan(scenario, combine(None, SETS), 2)
    sweep(small, out)
    grown = sweep(plan, out, resume=True)  # 2 -> 3 replications: only the third runs
    assert grown.ran == 4 and grown.already_done == 8
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), reference[1])
    nothing = sweep(plan, out, resume=True)
    assert nothing.ran == 0 and nothing.complete
    other = build_plan(scenario, combine(None, ["stations.Xiangdian.officers=4,5"]), REPS)
    with pytest.raises(ScenarioError, match="holds a different sweep"):
        sweep(other, out, resume=True)
    assert not (out / INCOMPLETE).exists(), "a refused resume must leave the sweep as it was"
    with pytest.raises(ScenarioError, match="without --keep-records"):
        sweep(plan, out, resume=True, keep_records=True)
    with pytest.raises(ScenarioError, match="pass --resume to continue"):
        sweep(plan, out)
    with pytest.raises(ScenarioError, match="no sweep to resume"):
        sweep(plan, tmp_path / "empty", resume=True)


def test_force_starts_over_and_keeps_other_files(plan, tmp_path):
    out = tmp_path / "forced"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ScenarioError, match="not empty"):
        sweep(plan, out)
    sweep(plan, out, force=True)
    (out / "tasks" / "p000099-r00000.parquet").write_bytes(b"stale")
    sweep(plan, out, force=True)
    assert not (out / "tasks" / "p000099-r00000.parquet").exists()
    assert (out / "notes.txt").read_text() == "mine"


def test_two_sweeps_cannot_write_one_folder_at_once(tmp_path):
    first = SweepFolder(tmp_path / "locked")
    first.prepare()
    try:
        with pytest.raises(ScenarioError, match="another sweep is writing"):
            SweepFolder(tmp_path / "locked").prepare(resume=False, force=True)
    finally:
        first.close()
