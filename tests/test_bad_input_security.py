"""Security of inputs: plain data only, no code evaluated, no files outside the scenario's folder.

* YAML is read with the safe loader: tags that would build Python objects are
  refused (and provably do not run); alias bombs end quickly.
* Nothing in a scenario is evaluated: an expression is just text, refused
  where a number belongs.
* Network files are resolved relative to the scenario file and refused when
  they lead outside its folder (``..``, absolute paths, symlinks), unless the
  analyst passes ``--allow-outside-paths``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.loader import load_scenario

BASE = Path(__file__).resolve().parent / "bad_scenarios" / "base.yaml"
runner = CliRunner()


def _base_doc() -> dict:
    return yaml.safe_load(BASE.read_text("utf-8"))


def _write_graphml(path: Path) -> None:
    net = _base_doc()["network"]
    g = nx.Graph()
    for n in net["nodes"]:
        g.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    for e in net["edges"]:
        g.add_edge(e["from"], e["to"], minutes=float(e["minutes"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(g, path)


def _scenario_using(folder: Path, graphml: str) -> Path:
    doc = _base_doc()
    doc["network"] = {"graphml": graphml}
    path = folder / "scenario.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


# ------------------------------------------------------------------------ YAML: data only


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {canary}"]',
        "!!python/object/new:os.system [touch {canary}]",
        "!!python/name:os.system",
        "!!python/module:os",
    ],
)
def test_python_tags_are_refused_and_nothing_runs(tag, tmp_path):
    canary = tmp_path / "ran"
    text = BASE.read_text().replace("name: Corpus base", "name: " + tag.format(canary=canary))
    path = tmp_path / "s.yaml"
    path.write_text(text)
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2
    assert "is not allowed" in res.stderr and "Traceback" not in res.output
    assert not canary.exists()


def test_expressions_are_text_not_code(tmp_path):
    canary = tmp_path / "ran"
    doc = _base_doc()
    doc["name"] = f"__import__('os').system('touch {canary}')"
    doc["description"] = "{{ 1 + 1 }} ${HOME} $(touch " + str(canary) + ")"
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    loaded = load_scenario(path)
    assert loaded.scenario.name == doc["name"]  # kept verbatim, never evaluated
    assert loaded.scenario.description == doc["description"]
    doc["incident_types"][0]["rate_per_day"] = "2 * 3"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError, match=r"should be a number \(got '2 \* 3'\)"):
        load_scenario(path)
    assert not canary.exists()


def test_alias_bomb_is_refused_quickly(tmp_path):
    # "Billion laughs": 9 levels of 9 aliases. Safe YAML shares the objects instead of
    # copying them; the error message must not try to print all of it either.
    lines = ["x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, 10):
        refs = ", ".join(f"*a{k - 1}" for _ in range(9))
        lines.append(f"x-a{k}: &a{k} [{refs}]")
    text = BASE.read_text().replace("name: Corpus base", "name: *a9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n" + text)
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails the test instead of the suite
        check=False,
    )
    assert proc.returncode == 2
    assert "name: should be text" in proc.stderr
    assert len(proc.stderr) < 600 and "Traceback" not in proc.stderr


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_a_file_that_is_not_yaml_at_all(tmp_path):
    path = tmp_path / "picture.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert str(path) in res.stderr


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_a_control_character_is_refused_with_its_line_and_column(char, tmp_path):
    # UTF-8 text that YAML refuses before parsing (PyYAML raised outside the loader's
    # error handling: a traceback and exit 1)
    path = tmp_path / "control.yaml"
    path.write_text(f"name: a\r\n\nb: 中{char}\n", encoding="utf-8")
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{path}:3: not valid YAML (column 5): unacceptable character #x{ord(char):04x}" in (
        " ".join(res.stderr.split())
    )


# ------------------------------------------------------------------------ paths


def test_network_file_next_to_the_scenario_is_accepted(tmp_path):
    _write_graphml(tmp_path / "roads" / "base.graphml")
    path = _scenario_using(tmp_path, "roads/../roads/base.graphml")
    assert len(load_scenario(path).network.villages) == 4


def test_dotdot_out_of_the_folder_is_refused_and_allowed_on_request(tmp_path):
    _write_graphml(tmp_path / "shared" / "base.graphml")
    path = _scenario_using(tmp_path / "scenarios", "../shared/base.graphml")
    with pytest.raises(ScenarioError, match="leads outside the scenario's folder") as info:
        load_scenario(path)
    assert info.value.field == "network.graphml" and info.value.line is not None
    assert len(load_scenario(path, allow_outside_paths=True).network.villages) == 4
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2 and "--allow-outside-paths" in res.stderr
    res = runner.invoke(app, ["check", str(path), "--allow-outside-paths"])
    assert res.exit_code == 0, res.output


def test_absolute_path_is_refused(tmp_path):
    _write_graphml(tmp_path / "elsewhere" / "base.graphml")
    path = _scenario_using(tmp_path / "s", str(tmp_path / "elsewhere" / "base.graphml"))
    with pytest.raises(ScenarioError, match="leads outside"):
        load_scenario(path)
    assert load_scenario(path, allow_outside_paths=True).scenario.name == "Corpus base"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_leading_outside_is_refused(tmp_path):
    _write_graphml(tmp_path / "elsewhere" / "base.graphml")
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "roads.graphml").symlink_to(tmp_path / "elsewhere" / "base.graphml")
    path = _scenario_using(folder, "roads.graphml")
    with pytest.raises(ScenarioError, match="leads outside"):
        load_scenario(path)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(path), "--days", "1", "--out", str(out)])
    assert res.exit_code == 2 and not out.exists()
    res = runner.invoke(
        app, ["run", str(path), "--days", "1", "--out", str(out), "--allow-outside-paths"]
    )
    assert res.exit_code == 0, res.output


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folder_inside_is_fine_but_a_symlink_loop_is_an_error(tmp_path):
    _write_graphml(tmp_path / "s" / "data" / "base.graphml")
    (tmp_path / "s" / "alias").symlink_to(tmp_path / "s" / "data")
    path = _scenario_using(tmp_path / "s", "alias/base.graphml")
    assert load_scenario(path).scenario.name == "Corpus base"
    (tmp_path / "s" / "loop").symlink_to(tmp_path / "s" / "loop")
    path = _scenario_using(tmp_path / "s", "loop")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "network.graphml"
