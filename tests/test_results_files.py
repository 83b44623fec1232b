"""Results folders: atomic files, INCOMPLETE until finished, never overwritten without --force.

A run killed at any moment must leave either a complete folder that reads
back, or one marked ``INCOMPLETE`` that :func:`read_results` refuses; never a
half-written Parquet file under its real name.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import sim.results_io as rio
from sim.cli import app
from sim.errors import ScenarioError
from sim.loader import load_scenario
from sim.results_io import INCOMPLETE, RESULT_FILES, atomic_text, atomic_write, read_results
from sim.run_folder import prepare_folder, run_scenario, write_run

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "bad_scenarios" / "base.yaml"
POLICESIM = shutil.which("policesim", path=str(Path(sys.executable).parent))
runner = CliRunner()


@pytest.fixture(scope="module")
def small_run():
    loaded = load_scenario(BASE, {"horizon_days": 4, "replications": 2})
    return loaded, run_scenario(loaded)


def _state(folder: Path) -> str:
    """'complete' (reads back) or 'incomplete' (marked and refused); anything else fails."""
    if (folder / INCOMPLETE).exists():
        with pytest.raises(ScenarioError, match="INCOMPLETE"):
            read_results(folder)
        return "incomplete"
    tables = read_results(folder)
    assert set(tables) == {
        "incidents",
        "officers",
        "investigations",
        "dispatches",
        "walkins",
        "replications",
        "summary",
    }
    return "complete"


# ------------------------------------------------------------------------ atomic files


def test_atomic_write_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "summary.csv"
    atomic_text(target, "old\n")

    def half_then_die(p: Path) -> None:
        p.write_text("new but only ha")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half_then_die)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv"]


def test_written_files_are_readable_like_normal_files(tmp_path):
    atomic_text(tmp_path / "x.txt", "x")
    mode = stat.S_IMODE((tmp_path / "x.txt").stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask


@pytest.mark.parametrize("crash_at", range(len(RESULT_FILES)))
def test_a_crash_between_any_two_files_leaves_an_incomplete_folder(
    crash_at, small_run, tmp_path, monkeypatch
):
    loaded, result = small_run
    out = tmp_path / "run"
    prepare_folder(out, force=False)
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        if len(calls) == crash_at:
            raise KeyboardInterrupt(f"killed before {Path(dst).name}")
        calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(rio.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_run(out, loaded, result)
    monkeypatch.setattr(rio.os, "replace", real_replace)
    assert _state(out) == "incomplete"
    assert not list(out.glob(".*.tmp"))


def test_a_finished_write_is_complete(small_run, tmp_path):
    loaded, result = small_run
    out = tmp_path / "run"
    prepare_folder(out, force=False)
    write_run(out, loaded, result)
    assert _state(out) == "complete"


def test_read_results_refuses_missing_and_damaged_folders(small_run, tmp_path):
    loaded, result = small_run
    with pytest.raises(ScenarioError, match="not found"):
        read_results(tmp_path / "nowhere")
    out = tmp_path / "run"
    prepare_folder(out, force=False)
    write_run(out, loaded, result)
    (out / "officers.parquet").unlink()
    with pytest.raises(ScenarioError, match="missing officers.parquet"):
        read_results(out)
    prepare_folder(out, force=True)
    write_run(out, loaded, result)
    data = (out / "incidents.parquet").read_bytes()
    (out / "incidents.parquet").write_bytes(data[: len(data) // 2])  # damaged by hand
    with pytest.raises(ScenarioError, match="cannot be read"):
        read_results(out)


# ------------------------------------------------------------------------ --force


def _run(out: Path, *extra: str) -> object:
    args = ["run", str(BASE), "--days", "3", "--reps", "1", "--out", str(out), *extra]
    return runner.invoke(app, args)


def test_a_results_folder_is_never_overwritten_without_force(tmp_path):
    out = tmp_path / "run"
    assert _run(out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    res = _run(out, "--reps", "2")
    assert res.exit_code == 2 and "--force" in res.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    res = _run(out, "--reps", "2", "--force")
    assert res.exit_code == 0, res.output
    assert _state(out) == "complete"
    assert set(read_results(out)["incidents"]["replication"]) == {0, 1}


def test_force_reuses_an_interrupted_folder_and_clears_its_leftovers(small_run, tmp_path):
    loaded, result = small_run
    out = tmp_path / "run"
    prepare_folder(out, force=False)
    (out / ".incidents.parquet.abc123.tmp").write_bytes(b"PAR1 half")  # a killed write
    assert _run(out).exit_code == 2  # still refused without --force
    assert _run(out, "--force").exit_code == 0
    assert _state(out) == "complete"
    assert not list(out.glob(".*.tmp"))


def test_force_marks_the_folder_incomplete_before_touching_old_files(small_run, tmp_path):
    loaded, result = small_run
    out = tmp_path / "run"
    prepare_folder(out, force=False)
    write_run(out, loaded, result)
    prepare_folder(out, force=True)  # a new run starts ... and dies before writing anything
    assert _state(out) == "incomplete"
    assert not (out / "manifest.json").exists()


# ------------------------------------------------------------------------ a real kill -9


def _start(out: Path) -> subprocess.Popen:
    args = [POLICESIM, "run", str(ROOT / "scenarios" / "wubei.yaml"), "--reps", "4"]
    return subprocess.Popen(
        [*args, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.002)
    return False


@pytest.mark.parametrize("moment", ["while simulating", "while writing files"])
def test_kill_9_leaves_a_folder_marked_incomplete_or_a_complete_one(moment, tmp_path):
    out = tmp_path / "run"
    proc = _start(out)
    try:
        if moment == "while simulating":
            seen = _wait_for(lambda: (out / INCOMPLETE).exists(), proc)
        else:
            seen = _wait_for(
                lambda: out.is_dir()
                and any(not p.name.lstrip(".").startswith(INCOMPLETE) for p in out.iterdir()),
                proc,
            )
        assert seen, proc.stderr.read().decode() if proc.poll() is not None else "timed out"
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    state = _state(out)
    if moment == "while simulating":
        assert state == "incomplete"
        assert proc.returncode == -signal.SIGKILL
    # Whatever was caught mid-write is under a temporary name, never a real one.
    for p in out.iterdir():
        if p.name.endswith(".parquet"):
            pd.read_parquet(p)
    # The analyst re-runs with --force and gets a complete folder.
    res = runner.invoke(
        app,
        ["run", str(BASE), "--days", "2", "--reps", "1", "--out", str(out), "--force"],
    )
    assert res.exit_code == 0, res.output
    assert _state(out) == "complete"
