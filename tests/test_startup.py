"""``import sim`` and ``policesim check`` load only what they need (issue 11, item 10a).

pandas, scipy, matplotlib and dask took ``check`` to 2.4-5.9 s; they are now
imported by the commands that use them, and the road network is built and
checked without networkx or scipy (issue 13: they cost 0.6 and 0.9 s).
Checked in a fresh interpreter, where ``sys.modules`` shows what an import
really pulled in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "dask", "distributed", "scipy", "pandas", "pyarrow", "networkx")


def loaded_after(code: str) -> set[str]:
    probe = (
        f"import sys, json\n{code}\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
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


def test_check_loads_no_heavy_library():
    scenario = ROOT / "tests" / "bad_scenarios" / "base.yaml"
    code = (
        "from sim.cli import app\n"
        f"try:\n    app(['check', {str(scenario)!r}])\n"
        "except SystemExit as e:\n    assert not e.code, e.code"
    )
    # the road network is checked on plain node and road lists (union-find for
    # reachability): networkx and scipy load only when a graph or a travel table is asked for
    assert loaded_after(code) == set()


def test_the_graph_and_travel_tables_still_build_on_use():
    code = (
        "from sim.loader import load_scenario\n"
        "net = load_scenario('scenarios/wubei.yaml').network\n"
        "assert net.graph.number_of_edges() == len(net.roads)\n"
        "assert net.travel_min.shape == (len(net.places), len(net.places))"
    )
    assert {"networkx", "scipy"} <= loaded_after(code)
