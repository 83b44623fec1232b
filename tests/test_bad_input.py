"""Broken scenarios end with one clear message and exit status 2, never a traceback.

The corpus is ``tests/bad_scenarios/``: each file is ``base.yaml`` (valid) with
one mistake, and ``expected.yaml`` gives the field path, YAML line and a
fragment of the message for each. Every file is checked three ways:

* in-process (``load_scenario``): the :class:`ScenarioError` fields;
* through the CLI in-process (typer's ``CliRunner``): ``check`` and ``run``
  print exactly one line on stderr naming file, line, field and problem, exit
  2, and ``run`` writes nothing (an existing results folder is left untouched,
  even with ``--force``);
* as real subprocesses, for a sample with one file of each kind of mistake
  (a Python start-up costs over a second, the in-process runs give the same
  guarantees): ``python -m sim check`` and the ``policesim`` console script's
  ``run``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.loader import load_scenario

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))
FILES = sorted(EXPECTED)
POLICESIM = shutil.which("policesim", path=str(Path(sys.executable).parent))
#: Files also checked by a real ``python -m sim check`` subprocess: one of each kind of mistake.
CHECK_SAMPLE = [
    "yaml_unclosed_brace.yaml",
    "yaml_duplicate_key.yaml",
    "python_tag.yaml",
    "empty.yaml",
    "list_not_mapping.yaml",
    "not_utf8.yaml",
    "officers_quoted.yaml",
    "missing_on_scene.yaml",
    "typo_oficers.yaml",
    "rate_negative.yaml",
    "choice_p_not_summing.yaml",
    "triangular_mode_outside.yaml",
    "disconnected_village.yaml",
    "duplicate_station.yaml",
    "host_not_member.yaml",
    "case_team_too_large.yaml",
    "graphml_not_graphml.yaml",
    "csv_bad_row.yaml",
    "path_escapes_folder.yaml",
    "horizon_shorter_than_warmup.yaml",
]
#: Files also run through a real ``policesim run`` subprocess.
RUN_SAMPLE = [
    "yaml_unclosed_brace.yaml",
    "python_tag.yaml",
    "typo_oficers.yaml",
    "host_not_member.yaml",
    "graphml_missing.yaml",
    "horizon_shorter_than_warmup.yaml",
]

runner = CliRunner()


def _assert_one_clean_message(stdout: str, stderr: str, name: str) -> str:
    """Exactly one message on stderr naming file, line, field and problem; no traceback."""
    exp = EXPECTED[name]
    assert "Traceback" not in stdout and "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    msg = lines[0]
    assert msg.startswith("error: "), msg
    assert str(CORPUS / name) in msg, msg
    if exp["line"] is not None:
        assert f"{name}:{exp['line']}:" in msg, msg
    if exp["field"]:
        assert f" {exp['field']}: " in msg, msg
    assert exp["message"] in msg, msg
    return msg


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def results_folder(tmp_path: Path) -> Path:
    """An existing (fake but complete-looking) results folder."""
    out = tmp_path / "existing"
    out.mkdir()
    (out / "manifest.json").write_text('{"seed": 1}\n')
    (out / "summary.csv").write_text("metric,mean\ncalls,1\n")
    return out


# ------------------------------------------------------------------------ the corpus itself


def test_corpus_has_at_least_30_files_and_every_file_has_an_expectation():
    files = {p.name for p in CORPUS.glob("*.yaml")} - {"base.yaml", "expected.yaml"}
    assert files == set(EXPECTED)
    assert len(files) >= 30


def test_base_scenario_is_valid():
    loaded = load_scenario(CORPUS / "base.yaml")
    assert [s.id for s in loaded.scenario.stations] == ["Taoxi", "Yongping", "Dahe"]


@pytest.mark.parametrize("name", FILES)
def test_loader_names_field_line_and_problem(name):
    exp = EXPECTED[name]
    with pytest.raises(ScenarioError) as info:
        load_scenario(CORPUS / name)
    err = info.value
    assert err.source == str(CORPUS / name)
    assert err.field == exp["field"]
    assert err.line == exp["line"]
    assert exp["message"] in err.message


# ------------------------------------------------------------------------ CLI, in process


@pytest.mark.parametrize("name", FILES)
def test_check_prints_one_message_and_exits_2(name):
    res = runner.invoke(app, ["check", str(CORPUS / name)])
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit)
    assert res.stdout == ""
    _assert_one_clean_message(res.stdout, res.stderr, name)


@pytest.mark.parametrize("name", FILES)
def test_run_prints_one_message_and_writes_nothing(name, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(CORPUS / name), "--days", "1", "--reps", "1", "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit)
    _assert_one_clean_message(res.stdout, res.stderr, name)
    assert not out.exists()


@pytest.mark.parametrize("name", FILES)
def test_failed_validation_leaves_an_existing_folder_untouched_even_with_force(
    name, results_folder
):
    before = _snapshot(results_folder)
    args = ["run", str(CORPUS / name), "--days", "1", "--out", str(results_folder), "--force"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert _snapshot(results_folder) == before


# ------------------------------------------------------------------------ real subprocesses


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100"},
        timeout=120,
    )


@pytest.fixture(scope="module")
def checked() -> dict[str, subprocess.CompletedProcess]:
    """``python -m sim check FILE`` for the sample, a few processes at a time."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        procs = pool.map(
            lambda n: _cli(sys.executable, "-m", "sim", "check", str(CORPUS / n)), CHECK_SAMPLE
        )
        return dict(zip(CHECK_SAMPLE, procs))


def test_samples_are_corpus_files():
    assert set(CHECK_SAMPLE) <= set(FILES) and set(RUN_SAMPLE) <= set(FILES)


@pytest.mark.parametrize("name", CHECK_SAMPLE)
def test_module_check_subprocess(name, checked):
    proc = checked[name]
    assert proc.returncode == 2, proc.stderr
    _assert_one_clean_message(proc.stdout, proc.stderr, name)


@pytest.mark.parametrize("name", RUN_SAMPLE)
def test_console_script_run_subprocess(name, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(CORPUS / name), "--days", "1", "--reps", "1", "--out", str(out)]
    proc = _cli(POLICESIM, *args)
    assert proc.returncode == 2, proc.stderr
    _assert_one_clean_message(proc.stdout, proc.stderr, name)
    assert not out.exists()


def test_relative_paths_resolve_against_the_scenario_not_the_working_folder(tmp_path):
    # From another working folder the CSV files next to the scenario are still found.
    scenario = str(CORPUS / "csv_bad_row.yaml")
    proc = _cli(sys.executable, "-m", "sim", "check", scenario, cwd=tmp_path)
    assert proc.returncode == 2
    assert "bad_row_edges.csv line 4: minutes" in proc.stderr


# ------------------------------------------------------------------------ CLI usage mistakes


@pytest.mark.parametrize(
    "args",
    [
        ["run", "BASE", "--replications", "3", "--out", "OUT"],  # unknown option
        ["check", "BASE", "--oops"],
        ["run"],  # missing argument
        ["frobnicate", "BASE"],  # unknown command
        ["run", "BASE", "--reps", "0", "--out", "OUT"],
        ["run", "BASE", "--days", "many", "--out", "OUT"],
        ["run", "BASE", "--seed", "-1", "--out", "OUT"],
    ],
)
def test_usage_mistakes_exit_2_without_traceback(args, tmp_path):
    subs = {"BASE": str(CORPUS / "base.yaml"), "OUT": str(tmp_path / "o")}
    res = runner.invoke(app, [subs.get(a, a) for a in args])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_unknown_option_in_a_real_process(tmp_path):
    args = ["run", str(CORPUS / "base.yaml"), "--replications", "3", "--out", str(tmp_path / "o")]
    proc = _cli(POLICESIM, *args)
    assert proc.returncode == 2
    assert "No such option" in proc.stderr and "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["check", "run"])
def test_missing_file_and_folder_instead_of_file(command, tmp_path):
    for target, words in ((tmp_path / "nope.yaml", "file not found"), (tmp_path, "is a folder")):
        res = runner.invoke(app, [command, str(target)])
        assert res.exit_code == 2
        assert words in res.stderr and str(target) in res.stderr
        assert "Traceback" not in res.output
    if command == "check":
        proc = _cli(POLICESIM, command, str(tmp_path / "nope.yaml"))
        assert proc.returncode == 2 and "file not found" in proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr


def test_days_override_that_breaks_the_scenario_says_so(tmp_path):
    wubei = Path(__file__).resolve().parents[1] / "scenarios" / "wubei.yaml"
    res = runner.invoke(app, ["run", str(wubei), "--days", "7", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "warmup_days" in res.stderr and "given on the command line" in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("days", ["-1", "nan", "inf", "0"])
def test_days_override_out_of_range(days, tmp_path):
    res = runner.invoke(
        app, ["run", str(CORPUS / "base.yaml"), "--days", days, "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2, res.output
    assert "horizon_days" in res.stderr
    assert not (tmp_path / "o").exists()


def test_out_pointing_at_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me\n")
    res = runner.invoke(app, ["run", str(CORPUS / "base.yaml"), "--out", str(target)])
    assert res.exit_code == 2
    assert "is a file" in res.stderr
    assert target.read_text() == "keep me\n"


def test_force_refuses_a_folder_that_is_not_a_results_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("an analyst's notes\n")
    res = runner.invoke(
        app, ["run", str(CORPUS / "base.yaml"), "--days", "1", "--out", str(tmp_path), "--force"]
    )
    assert res.exit_code == 2
    assert "not a policesim results folder" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ------------------------------------------------------------------------ messages in detail


def test_markup_like_text_in_a_message_is_printed_verbatim(tmp_path):
    doc = (CORPUS / "base.yaml").read_text()
    bad = tmp_path / "s.yaml"
    bad.write_text(doc.replace("node: Dahe, officers: 4", "node: '[bold]x[/]', officers: 4"))
    res = runner.invoke(app, ["check", str(bad)])
    assert res.exit_code == 2
    assert "node '[bold]x[/]' is not on the road graph" in res.stderr


def test_several_mistakes_show_the_first_in_the_file_and_count_the_rest(tmp_path):
    doc = (CORPUS / "base.yaml").read_text()
    doc = doc.replace("seed: 1\n", "seed: one\n").replace("staff: 2", "staff: -2")
    doc = doc.replace("rate_per_day: 3.0", "rate_per_day: -3")
    bad = tmp_path / "s.yaml"
    bad.write_text(doc)
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert info.value.field == "seed" and info.value.line == 5
    assert "(and 2 more problems)" in info.value.message


def test_yes_no_on_off_read_as_booleans_get_a_hint(tmp_path):
    doc = (CORPUS / "base.yaml").read_text().replace("name: Corpus base", "name: no")
    bad = tmp_path / "s.yaml"
    bad.write_text(doc)
    with pytest.raises(ScenarioError, match="yes/no/on/off"):
        load_scenario(bad)
