"""``import sim`` and ``policesim check`` load only what they need (issue 11, item 10a).

pandas, scipy, matplotlib and dask took ``check`` to 2.4-5.9 s; they are now
imported by the commands that use them, and the road network is built and
checked without networkx or scipy (issue 13: they cost 0.6 and 0.9 s). The
other commands' modules, the call-log reader and rich's tables are imported
only when used too (issue 13), while help still lists every command, and the
console script freezes its objects before the process exits. ``check`` never
imports numpy either (issue 13, goal 3: numpy is most of the yardstick,
``import simpy, numpy``). Checked in a
fresh interpreter, where ``sys.modules`` shows what an import really pulled in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import LAZY_COMMANDS, app

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "dask", "distributed", "scipy", "pandas", "pyarrow", "networkx")
#: Not heavy, but not ``check``'s: the other commands' code (sweep, plot, fit, design,
#: generate-city, attribute, report), the call-log reader and rich (run's tables and
#: progress; ``check`` prints plain lines, errors included).
NOT_CHECKS = (
    "sim.sweep", "sim.plots", "sim.fit", "sim.design", "sim.city", "sim.attribution_command",
    "sim.report_command", "sim.replay", "rich",
)


def loaded_after(code: str, modules: tuple[str, ...] = HEAVY) -> set[str]:
    probe = (
        f"import sys, json\n{code}\n"
        f"print(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    return set(json.loads(res.stdout.strip().splitlines()[-1]))


def test_import_sim_loads_no_heavy_library():
    assert loaded_after("import sim") == set()


def test_public_names_still_import_on_use():
    assert "pandas" in loaded_after("from sim import run_scenario, load_scenario, ScenarioError")


BASE = ROOT / "tests" / "bad_scenarios" / "base.yaml"
CHECK = (
    "from sim.cli import app\n"
    f"try:\n    app(['check', {str(BASE)!r}])\n"
    "except SystemExit as e:\n    assert not e.code, e.code"
)


def test_check_loads_no_heavy_library():
    # the road network is checked on plain node and road lists (union-find for
    # reachability): networkx and scipy load only when a graph or a travel table is asked for
    assert loaded_after(CHECK) == set()


def test_check_loads_no_other_commands_code():
    assert loaded_after(CHECK, NOT_CHECKS) == set()


def test_check_never_imports_numpy():
    # validating draws nothing, and the road network keeps its village places and weights
    # as tuples (numpy arrays on first use): numpy alone is most of `import simpy, numpy`,
    # the yardstick check's start-up is measured against (benchmarks/README.md). The
    # refused ones: a choice's p, and a choice's largest officer count (county off)
    bad = ROOT / "tests" / "bad_scenarios"
    paths = (BASE, ROOT / "scenarios" / "wubei.yaml", bad / "choice_p_not_summing.yaml",
             bad / "county_off_too_few_officers.yaml")
    checks = "".join(
        f"try:\n    app(['check', {str(path)!r}])\n"
        "except SystemExit as e:\n    codes.append(e.code)\n"
        for path in paths
    )
    code = f"from sim.cli import app\ncodes = []\n{checks}assert codes == [0, 0, 2, 2], codes"
    assert loaded_after(code, ("numpy",)) == set()


def test_a_refused_scenario_is_reported_without_rich_too():
    bad = ROOT / "tests" / "bad_scenarios" / "rate_negative.yaml"
    code = (
        "from sim.cli import app\n"
        f"try:\n    app(['check', {str(bad)!r}])\n"
        "except SystemExit as e:\n    assert e.code == 2, e.code"
    )
    assert loaded_after(code, NOT_CHECKS) == set()


def test_help_still_lists_every_command_and_runs_each_one():
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    names = ["check", "run", *LAZY_COMMANDS]
    rows = [line.split()[1] for line in listed.output.splitlines() if line.startswith("│ ")]
    assert [r for r in rows if r in names] == names  # each once, in order
    assert "Sweep parameters over a grid" in listed.output
    for name in LAZY_COMMANDS:
        res = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0 and f"Usage: root {name} [OPTIONS]" in res.output, res.output
    typo = runner.invoke(app, ["swep"])
    assert typo.exit_code == 2 and "Did you mean 'sweep'?" in typo.output


def test_the_graph_and_travel_tables_still_build_on_use():
    code = (
        "from sim.loader import load_scenario\n"
        "net = load_scenario('scenarios/wubei.yaml').network\n"
        "assert net.graph.number_of_edges() == len(net.roads)\n"
        "assert net.villages.dtype == 'int64'\n"
        "assert net.villages.tolist() == list(net.village_places)\n"
        "assert net.village_weight.tolist() == list(net.village_weights)\n"
        "assert net.travel_min.shape == (len(net.places), len(net.places))"
    )
    assert {"networkx", "scipy"} <= loaded_after(code)


def test_the_command_line_leaves_its_objects_to_the_exit_unsearched():
    # Python's exit searches every object still alive for reference cycles (about 30 ms
    # after `check`); main() freezes them first, so that search skips them
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count()))\n"
        "from sim.cli import main\n"
        f"sys.argv = ['policesim', 'check', {str(BASE)!r}]\n"
        "main()"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert ": OK: " in res.stdout.splitlines()[0]
    assert int(res.stdout.split("frozen")[-1]) > 10_000
