"""The city generator (sim.city): the field report's counts, determinism, and a short run."""

from __future__ import annotations

import filecmp

from typer.testing import CliRunner

from sim.city import generate_city, write_city
from sim.cli import app
from sim.loader import load_scenario
from sim.runner import run_replication
from tests.conftest import ROOT


def test_the_city_has_the_report_counts():
    doc, nodes, edges = generate_city()
    stations = [s["id"] for s in doc["stations"]]
    assert len(stations) == 118
    pools = doc["pooled"]
    assert len(pools) == 14
    assert all(3 <= len(p["members"]) <= 4 for p in pools)
    members = [m for p in pools for m in p["members"]]
    assert len(members) == len(set(members)) == 46
    assert all(p["host"] in p["members"] for p in pools)
    per_town: dict[str, int] = {}
    for n in nodes:
        if n["kind"] == "village":
            per_town[n["township"]] = per_town.get(n["township"], 0) + 1
    assert set(per_town) == set(stations)
    assert all(17 <= k <= 23 for k in per_town.values())
    assert 19 <= sum(per_town.values()) / len(per_town) <= 21
    assert len(edges) >= len(nodes) - 1  # a connected graph needs at least this many roads


def test_same_seed_same_city_other_seed_other_city():
    assert generate_city(seed=5) == generate_city(seed=5)
    assert generate_city(seed=5) != generate_city(seed=6)


def test_scale_multiplies_stations_and_joint_stations():
    doc, _, _ = generate_city(scale=2)
    assert len(doc["stations"]) == 236
    assert len(doc["pooled"]) == 28
    assert sum(len(p["members"]) for p in doc["pooled"]) == 92


def test_the_shipped_city_is_what_the_generator_writes(tmp_path):
    shipped = ROOT / "scenarios" / "city"
    write_city(tmp_path)
    for name in ("city.yaml", "nodes.csv", "edges.csv"):
        # Compare everything but the header line that names the output folder.
        fresh = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        kept = (shipped / name).read_text(encoding="utf-8").splitlines()
        drop = [i for i, line in enumerate(kept) if "policesim generate-city" in line]
        assert [x for i, x in enumerate(fresh) if i not in drop] == [
            x for i, x in enumerate(kept) if i not in drop
        ], name


def test_cli_writes_a_city_that_loads_and_runs(tmp_path):
    result = CliRunner().invoke(app, ["generate-city", str(tmp_path / "c"), "--days", "4"])
    assert result.exit_code == 0, result.output
    again = tmp_path / "again"
    CliRunner().invoke(app, ["generate-city", str(again), "--days", "4"])
    assert filecmp.cmp(tmp_path / "c" / "nodes.csv", again / "nodes.csv", shallow=False)
    loaded = load_scenario(tmp_path / "c" / "city.yaml")
    assert len(loaded.scenario.stations) == 118
    res = run_replication(loaded, 0)
    inc = res.incidents
    assert set(inc["model"]) == {"isolated", "pooled"}
    assert inc["first_arrival_min"].notna().mean() > 0.9
    pooled = inc[inc["model"] == "pooled"]
    assert (pooled["n_other"] > 0).any()
