"""``policesim design`` and ``policesim staff`` (issue 14), on tiny horizons."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.erlang import mmc_mean_wait
from sim.loader import load_scenario

from .conftest import SCENARIOS

runner = CliRunner()


def county(tmp_path: Path) -> Path:
    """Two clusters of three stations, 8-12 minutes apart inside, 150 minutes between them."""
    nodes, edges, stations = [], [], []
    for x0, cluster in ((0.0, "A"), (200.0, "B")):
        for k in range(3):
            sid = f"{cluster}{k + 1}"
            nodes.append({"id": sid, "kind": "station", "x": x0 + 10 * k, "y": 0.0})
            stations.append({"id": sid, "node": sid, "officers": 6})
            for v in range(2):
                vid = f"{sid}-V{v}"
                nodes.append({"id": vid, "township": sid, "weight": 1.0,
                              "x": x0 + 10 * k + 3 * v, "y": 5.0 + 3 * v})
                edges.append({"from": sid, "to": vid, "minutes": 6 + 4 * v})
        edges += [
            {"from": f"{cluster}1", "to": f"{cluster}2", "minutes": 8},
            {"from": f"{cluster}2", "to": f"{cluster}3", "minutes": 9},
            {"from": f"{cluster}1", "to": f"{cluster}3", "minutes": 12},
        ]
    edges.append({"from": "A3", "to": "B1", "minutes": 150})
    doc = {
        "name": "two clusters",
        "seed": 11,
        "horizon_days": 4,
        "warmup_days": 0.5,
        "replications": 2,
        "network": {"nodes": nodes, "edges": edges},
        "stations": stations,
        "pooled": [{
            "id": "J1", "host": "A1", "members": ["A1", "B1", "A2"],  # a poor grouping
            "command_room": {"staff": 1, "drawn_from": {"A1": 1}},
            "case_team": {"from_stations": {"A1": 1}},
        }],
        "incident_types": [
            {"id": "fight", "rate_per_day": 12, "priority": 1,
             "officers_required": {"dist": "choice", "values": [2, 4, 6], "p": [0.5, 0.3, 0.2]},
             "on_scene_min": {"dist": "exponential", "mean": 40}},
        ],
    }
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_design_finds_the_two_clusters(tmp_path):
    scenario = county(tmp_path)
    out = tmp_path / "out"
    args = ["design", str(scenario), "--pool-size", "2-3", "--max-host-minutes", "200",
            "--top", "2", "--reps", "2", "--workers", "1", "--out", str(out)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "design.json").read_text())
    best = summary["designs"][0]
    assert best["name"] == "design_1"
    groups = sorted(sorted(p["members"]) for p in best["pools"])
    assert groups == [["A1", "A2", "A3"], ["B1", "B2", "B3"]]
    table = pd.read_csv(out / "ranked.csv")
    assert set(table["design"]) == {"design_1", "design_2", "scenario", "status_quo"}
    assert (out / "pools_map.png").stat().st_size > 0
    # every design file is a ready-to-run scenario with the same seed (common random numbers)
    loaded = load_scenario(out / "designs" / "design_1.yaml")
    assert loaded.scenario.seed == 11 and len(loaded.scenario.pools) == 2
    # resumable and deterministic: a rerun reuses every simulation and gives the same table
    again = runner.invoke(app, [*args, "--resume"])
    assert again.exit_code == 0, again.output
    assert "0 simulations run" in again.output
    pd.testing.assert_frame_equal(pd.read_csv(out / "ranked.csv"), table)


def test_design_infeasible_names_the_host_limit(tmp_path):
    res = runner.invoke(app, ["design", str(county(tmp_path)), "--pool-size", "3",
                              "--max-host-minutes", "5", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "--max-host-minutes" in res.output and "Traceback" not in res.output


def test_design_too_big_pools_names_pool_size(tmp_path):
    res = runner.invoke(app, ["design", str(county(tmp_path)), "--pool-size", "4-5", "--alone",
                              "A3", "--max-host-minutes", "1000", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "--pool-size" in res.output


def test_staff_mmc_matches_erlang_c(tmp_path):
    """Pooled M/M/N: the smallest N with W_q <= 3 min is Erlang C's (14; 13 gives 4.0 min)."""
    lam, mu, target = 230.4 / 1440, 1 / 60, 3.0
    erlang = next(c for c in range(11, 30) if mmc_mean_wait(c, lam, mu) <= target)
    assert mmc_mean_wait(erlang - 1, lam, mu) > target + 0.8  # a margin the test can see
    out = tmp_path / "staff"
    res = runner.invoke(app, [
        "staff", str(SCENARIOS / "mmc_validation.yaml"), "--target",
        f"response_mean_min <= {target}", "--budget", "18", "--days", "40", "--reps", "4",
        "--workers", "1", "--out", str(out),
    ])
    assert res.exit_code == 0, res.output
    staff = json.loads((out / "staff.json").read_text())
    assert staff["smallest"]["pooled"] == erlang
    frontier = pd.read_csv(out / "frontier.csv")
    assert {"officers", "isolated_mean", "pooled_mean"} <= set(frontier.columns)
    assert len(frontier) < 18 - 3  # bisection, not every total


def test_staff_unreachable_target_names_the_budget(tmp_path):
    res = runner.invoke(app, [
        "staff", str(SCENARIOS / "mmc_validation.yaml"), "--target", "response_mean_min <= 1",
        "--budget", "6", "--days", "5", "--reps", "2", "--workers", "1",
        "--out", str(tmp_path / "s"),
    ])
    assert res.exit_code == 2
    assert "--budget 6" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("target", ["full_strength_p90_min < 30", "nonsense <= 3", "p90 <= x"])
def test_staff_bad_target_exits_2(tmp_path, target):
    res = runner.invoke(app, ["staff", str(SCENARIOS / "mmc_validation.yaml"), "--target", target,
                              "--out", str(tmp_path / "s")])
    assert res.exit_code == 2
    assert "--target" in res.output
