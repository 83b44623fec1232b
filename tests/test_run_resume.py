"""Ctrl-C during ``policesim run`` keeps the finished replications; ``--resume`` finishes the run.

Issue 11, item 9. The interrupt is made the way a user makes it: ``policesim
run`` in its own process, SIGINT to that process once the first replication has
been kept. The resumed folder must equal an uninterrupted run's (byte-identical
``summary.csv`` and ``replications.csv``, equal record tables).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.results_io import INCOMPLETE, read_results
from sim.run_folder import PARTIAL_DIR

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
POLICESIM = [sys.executable, "-m", "sim"]
ROOT = Path(__file__).resolve().parent.parent


def policesim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*POLICESIM, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A folder with a 4-replication scenario (about a second per replication) and its full run."""
    folder = tmp_path_factory.mktemp("resume")
    data = yaml.safe_load((CORPUS / "base.yaml").read_text("utf-8"))
    data.update(horizon_days=3000, replications=4)
    (folder / "s.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = policesim("run", "s.yaml", "--out", "full", cwd=folder)
    assert res.returncode == 0, res.stderr
    return folder


@pytest.fixture(scope="module")
def interrupted(work) -> tuple[Path, subprocess.CompletedProcess]:
    out = work / "part"
    proc = subprocess.Popen(
        [*POLICESIM, "run", "s.yaml", "--out", "part"], cwd=work, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 120
    while not (out / PARTIAL_DIR / "r00000.json").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # to the main process only, as Ctrl-C's SIGINT reaches it
    stdout, stderr = proc.communicate(timeout=120)
    return out, subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_ctrl_c_says_what_was_kept_and_exits_130(interrupted):
    out, res = interrupted
    assert res.returncode == 130, res.stderr
    assert "Traceback" not in res.stderr
    # the input notes run prints before it starts (check's notes), then one line
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith("note: ")]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("interrupted after ")
    assert " of 4 replications; finished ones kept in part; continue with: " in lines[0]
    assert lines[0].endswith("policesim run s.yaml --out part --resume")
    assert (out / INCOMPLETE).exists()
    assert (out / PARTIAL_DIR / "r00000.json").exists()
    assert not (out / "summary.csv").exists()


def test_interrupted_folder_without_resume_names_resume(work, interrupted):
    res = policesim("run", "s.yaml", "--out", "part", cwd=work)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "interrupted run" in res.stderr and "--resume" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("change", [["--seed", "7"], ["--days", "10"]])
def test_resume_refuses_another_scenario_or_seed(work, interrupted, change):
    copy = work / f"part-{change[0].strip('-')}"
    shutil.copytree(work / "part", copy)
    res = policesim("run", "s.yaml", "--out", copy.name, *change, "--resume", cwd=work)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "--resume" in res.stderr and "different scenario, seed" in res.stderr
    assert (copy / PARTIAL_DIR / "r00000.json").exists()  # nothing lost


def test_force_starts_an_interrupted_folder_over(work, interrupted):
    copy = work / "part-force"
    shutil.copytree(work / "part", copy)
    res = policesim("run", "s.yaml", "--out", copy.name, "--force", "--reps", "1", cwd=work)
    assert res.returncode == 0, res.stderr
    assert not (copy / PARTIAL_DIR).exists()
    assert read_results(copy)["replications"]["replication"].max() == 0


def test_resume_equals_an_uninterrupted_run(work, interrupted):
    out, _ = interrupted
    kept = sorted((out / PARTIAL_DIR).glob("r*.json"))
    res = policesim("run", "s.yaml", "--out", "part", "--resume", cwd=work)
    assert res.returncode == 0, res.stderr
    full = work / "full"
    for name in ("summary.csv", "replications.csv"):
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    a, b = read_results(out), read_results(full)
    for name, table in a.items():
        pd.testing.assert_frame_equal(table, b[name], obj=name)
    assert not (out / PARTIAL_DIR).exists() and not (out / INCOMPLETE).exists()
    assert kept  # the resumed run reused at least the first replication
    again = policesim("run", "s.yaml", "--out", "part", "--resume", cwd=work)
    assert again.returncode == 2 and "already finished" in again.stderr


def test_resume_without_an_interrupted_run_is_refused(work, tmp_path):
    res = policesim("run", "s.yaml", "--out", str(tmp_path / "new"), "--resume", cwd=work)
    assert res.returncode == 2
    assert "no interrupted run to resume" in res.stderr
