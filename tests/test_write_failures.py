"""A results folder that cannot be written: one clear line, exit 2, no traceback, nothing lost.

Issue 11, items 2 and 3. Tests run as root, which ``chmod`` does not stop, so
the errors are made real where that is possible (a path under a regular file)
and injected where it is not (permission denied, read-only, disk full).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import sim.run_folder
import sim.sweep.store
from sim.cli import app
from sim.results_io import INCOMPLETE

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
runner = CliRunner()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    """The small valid corpus base, two replications."""
    data = yaml.safe_load((CORPUS / "base.yaml").read_text("utf-8"))
    data["replications"] = 2
    path = tmp_path_factory.mktemp("wf") / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def one_error_line(res, *fragments: str) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.stdout + res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def oserror(code: int):
    def fail(*_a, **_k):
        raise OSError(code, os.strerror(code))

    return fail


def sweep(scenario: Path, out: Path, *extra: str):
    args = ["sweep", str(scenario), "--set", "demand_scale=1,2", "--reps", "2", "--workers", "1"]
    return runner.invoke(app, [*args, "--out", str(out), *extra])


# ----------------------------------------------------------------- 2. sweep --out unusable


def test_sweep_out_under_a_regular_file(scenario, tmp_path):
    (tmp_path / "afile").write_text("x")
    res = sweep(scenario, tmp_path / "afile" / "sub")
    one_error_line(res, "afile/sub", "--out", "cannot write the sweep folder", "Not a directory")


def test_sweep_out_is_a_regular_file(scenario, tmp_path):
    (tmp_path / "afile").write_text("x")
    res = sweep(scenario, tmp_path / "afile")
    one_error_line(res, "--out", "is a file")
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_sweep_out_without_permission_or_read_only(scenario, tmp_path, monkeypatch, code):
    monkeypatch.setattr(Path, "mkdir", oserror(code))
    res = sweep(scenario, tmp_path / "new")
    one_error_line(res, "--out", f"cannot write the sweep folder ({os.strerror(code)})")


def test_sweep_lock_file_not_allowed(scenario, tmp_path, monkeypatch):
    real_open = os.open

    def no_lock(path, *a, **k):
        if str(path).endswith(".sweep.lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, *a, **k)

    monkeypatch.setattr(sim.run_folder.os, "open", no_lock)
    res = sweep(scenario, tmp_path / "locked")
    one_error_line(res, "Permission denied")


# ----------------------------------------------------------------- 3. disk full


def test_run_disk_full_prints_the_table_and_leaves_the_folder_incomplete(
    scenario, tmp_path, monkeypatch
):
    monkeypatch.setattr(sim.run_folder, "write_parquet", oserror(errno.ENOSPC))
    out = tmp_path / "full"
    res = runner.invoke(app, ["run", str(scenario), "--out", str(out)])
    one_error_line(res, str(out), "No space left on device", "INCOMPLETE")
    assert "response_mean_min" in res.stdout  # the comparison table was still printed
    assert "results written" not in res.stdout
    assert (out / INCOMPLETE).exists()
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())


def test_run_disk_full_with_json_still_prints_the_json(scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(sim.run_folder, "write_csv", oserror(errno.ENOSPC))
    res = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "j"), "--json"])
    one_error_line(res, "No space left on device")
    assert '"models"' in res.stdout


def test_sweep_keep_records_disk_full_keeps_finished_tasks(scenario, tmp_path, monkeypatch):
    real = sim.sweep.store.write_parquet
    calls = []

    def fills_up(df, path):
        calls.append(path)
        if len(calls) > 3:  # the first task's records fit, the second's do not
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(df, path)

    monkeypatch.setattr(sim.sweep.store, "write_parquet", fills_up)
    out = tmp_path / "records"
    res = sweep(scenario, out, "--keep-records")
    one_error_line(res, "No space left on device", "--resume", "INCOMPLETE")
    assert (out / INCOMPLETE).exists()
    assert len(list((out / "tasks").glob("*.parquet"))) == 1

    monkeypatch.setattr(sim.sweep.store, "write_parquet", real)
    res = sweep(scenario, out, "--keep-records", "--resume")
    assert res.exit_code == 0, res.output
    assert not (out / INCOMPLETE).exists()


def test_sweep_disk_full_at_the_tables_still_prints_the_summary(scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(sim.sweep.store, "write_parquet", oserror(errno.ENOSPC))
    out = tmp_path / "tables"
    res = sweep(scenario, out)
    one_error_line(res, "No space left on device", "--resume")
    assert "best and worst points" in res.stdout
    assert (out / INCOMPLETE).exists()
