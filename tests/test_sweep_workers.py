"""Worker processes: capped at the cores and the tasks, and never outliving the main process.

Issue 11, items 5 and 6: ``--workers 1000`` with 2 tasks started about 930
processes; and after ``kill -9`` of the main ``policesim sweep`` process alone
(not its process group: what the OOM killer or ``kill PID`` does), the workers
lived on as orphans holding ``.sweep.lock``, so ``--resume`` was refused for ever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import sim.run_folder
import sim.sweep.backends as backends
from sim.cli import app
from sim.results_io import INCOMPLETE
from sim.sweep.backends import DaskBackend, SequentialBackend, make_backend, worker_count
from sim.sweep.grid import combine
from sim.sweep.plan import build_plan
from sim.sweep.run import run_sweep
from tests.conftest import ROOT
from tests.test_sweep_cli import small_scenario

runner = CliRunner()

# ----------------------------------------------------------------- 6. capped workers


def test_workers_are_capped_at_the_cores_and_the_tasks(monkeypatch):
    monkeypatch.setattr(backends, "available_cores", lambda: 4)
    assert worker_count(1000) == 4
    assert worker_count(None) == 4
    assert worker_count(1000, tasks=2) == 2
    assert worker_count(3, tasks=100) == 3
    assert make_backend(1000, None, tasks=3).workers == 3
    assert isinstance(make_backend(1000, None, tasks=1), SequentialBackend)


def test_the_cores_are_those_this_process_may_use():
    cores = backends.available_cores()
    assert 1 <= cores <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert cores == len(os.sched_getaffinity(0))


def test_a_pool_never_starts_more_processes_than_tasks(monkeypatch):
    import dask.distributed

    sizes = []

    def no_cluster(n_workers, **kw):
        sizes.append(n_workers)
        raise RuntimeError("no cluster")

    monkeypatch.setattr(dask.distributed, "LocalCluster", no_cluster)
    with pytest.raises(RuntimeError, match="no cluster"):
        DaskBackend(workers=8).run({}, [object(), object()], lambda r: None)  # type: ignore
    assert sizes == [2]


def test_help_says_workers_are_capped():
    for command in ("sweep", "run"):
        res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert "never more than the cores" in res.output, res.output


def test_run_caps_its_workers_at_the_replications(monkeypatch, tmp_path):
    seen = []
    real = sim.run_folder.run_scenario

    def spy(loaded, n, workers=1, on_done=None, **kw):
        seen.append(workers)
        return real(loaded, n, workers=1, on_done=on_done, **kw)

    monkeypatch.setattr(sim.run_folder, "run_scenario", spy)
    scenario = Path(__file__).parent / "bad_scenarios" / "base.yaml"
    out = tmp_path / "r"
    res = runner.invoke(app, ["run", str(scenario), "--reps", "2", "--workers", "1000",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert seen == [min(2, backends.available_cores())]


# ----------------------------------------------------------------- 5. kill -9 of the main pid


def _children(pid: int) -> set[int]:
    kids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.add(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody has reaped yet counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _task_files(out: Path) -> int:
    folder = out / "tasks"
    return len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_main_process_alone_leaves_no_orphan_and_resume_works(tmp_path):
    scenario = small_scenario(tmp_path, days=12)
    sets = ["demand_scale=1,1.5"]
    reps, total = 6, 2 * 6
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(scenario), "--reps", str(reps),
           "--set", sets[0], "--workers", "2", "--out", str(out)]
    log = (tmp_path / "first.log").open("w")
    # its own session, only so that a failing test can still clean up the whole group
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while _task_files(out) < 1 or len(workers) < 2:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no task files or workers appeared"
            workers |= _children(proc.pid)
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # the main process ALONE
        proc.wait()
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "worker processes outlived the main one"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        log.close()
    kept = _task_files(out)
    assert 1 <= kept < total, "the kill did not land mid-sweep"
    assert (out / INCOMPLETE).exists()

    started = time.monotonic()
    res = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "another sweep is writing" not in res.stderr
    assert time.monotonic() - started < 60
    runs = pd.read_parquet(out / "runs.parquet")
    plan = build_plan(scenario, combine(None, sets), reps)
    run_sweep(plan, tmp_path / "whole", SequentialBackend(), console=Console(quiet=True))
    pd.testing.assert_frame_equal(runs, pd.read_parquet(tmp_path / "whole" / "runs.parquet"))


# ----------------------------------------------------------------- Ctrl-C keeps finished tasks


def test_ctrl_c_keeps_every_finished_task_not_only_those_already_collected(tmp_path):
    """``run --workers 2`` lost replications that had finished but were not yet collected."""
    from sim.loader import load_scenario
    from sim.sweep.tasks import TaskSpec

    loaded = load_scenario(small_scenario(tmp_path, days=2))
    backend = DaskBackend(workers=2)
    got = []

    def on_result(result):
        got.append(result.replication)
        if len(got) == 1:  # Ctrl-C arrives once every other task has finished too
            while any(backend.client.processing().values()):
                time.sleep(0.05)
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            backend.run({0: loaded}, [TaskSpec(0, r) for r in range(4)], on_result)
    finally:
        backend.close()
    assert sorted(got) == [0, 1, 2, 3]
