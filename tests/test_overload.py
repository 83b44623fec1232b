"""Overload: more calls than the officers can serve still ends, in bounded memory, flagged unstable.

The M/M/c validation case is pushed to utilisation 1.5 (calls arrive 50%
faster than twelve officers can clear them). The queue then grows for the
whole run; the summary must say so instead of presenting the answered calls'
mean as a response time. The companion checks (the same case at utilisation
0.8, the shipped Wubei scenario) must not be flagged, so the flag can fail.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from sim import run_replication, scenario_from_dict
from sim.cli import app
from sim.incidents import draw_incidents
from sim.metrics import queue_unstable, stability_warnings, unstable_models
from sim.run_folder import run_scenario
from tests.conftest import SCENARIOS

runner = CliRunner()


def _mmc(mmc_dict, load: float, days: float = 20.0) -> dict:
    doc = dict(mmc_dict)
    doc.update(demand_scale=load / 0.8, horizon_days=days, warmup_days=2, replications=2)
    return doc


def test_overloaded_run_ends_with_bounded_queues_and_memory(mmc_dict):
    loaded = scenario_from_dict(_mmc(mmc_dict, load=3.0, days=20), SCENARIOS / "x.yaml")
    n_calls = len(draw_incidents(loaded.scenario, loaded.network, 0))
    tracemalloc.start()
    try:
        result = run_replication(loaded, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    for model, backlog in result.backlog_at_end.items():
        # Two thirds of the calls cannot be served; every one is either served or waiting.
        assert n_calls / 2 < backlog <= n_calls, model
    assert peak < 300 * 2**20  # the whole replication (both models, records) in < 300 MB


def test_backlog_grows_with_the_horizon_when_overloaded(mmc_dict):
    backlogs = []
    for days in (10, 20):
        loaded = scenario_from_dict(_mmc(mmc_dict, load=1.5, days=days), SCENARIOS / "x.yaml")
        backlogs.append(run_replication(loaded, 0).backlog_at_end["pooled"])
    assert backlogs[1] > 1.7 * backlogs[0]


@pytest.mark.parametrize(("load", "unstable"), [(1.5, True), (1.2, True), (0.8, False)])
def test_summary_flags_an_unstable_queue_and_only_then(mmc_dict, load, unstable):
    loaded = scenario_from_dict(_mmc(mmc_dict, load=load, days=30), SCENARIOS / "x.yaml")
    out = run_scenario(loaded)
    flags = queue_unstable(out.replications)
    assert set(flags.dropna()) == ({1.0} if unstable else {0.0})
    assert unstable_models(out.summary) == ({"isolated", "pooled"} if unstable else set())
    assert len(stability_warnings(out.summary)) == (2 if unstable else 0)
    rows = out.summary[(out.summary["township"] == "all") & (out.summary["model"] == "pooled")]
    by_metric = rows.set_index("metric")["mean"]
    assert by_metric["unstable_share"] == (1.0 if unstable else 0.0)
    assert by_metric["backlog_at_end"] >= 0


def test_shipped_scenario_is_not_flagged():
    doc = yaml.safe_load((SCENARIOS / "wubei.yaml").read_text())
    doc.update(horizon_days=60, warmup_days=5, replications=3)
    out = run_scenario(scenario_from_dict(doc, SCENARIOS / "wubei.yaml"))
    assert unstable_models(out.summary) == set()
    assert stability_warnings(out.summary) == []


def test_flag_rule_on_hand_made_rows():
    import pandas as pd

    rows = pd.DataFrame(
        {
            "calls": [1000, 1000, 1000, 1000, 40, 0],
            "unanswered_share": [0.06, 0.02, 0.02, 0.001, 0.1, np.nan],
            "utilisation": [0.5, 0.5, 0.99, 0.99, 0.99, np.nan],
        }
    )
    flags = queue_unstable(rows).tolist()
    assert flags[:5] == [1.0, 0.0, 1.0, 0.0, 0.0]  # 4 waiting calls are too few to judge
    assert np.isnan(flags[5])


def test_cli_says_unstable_in_the_table_and_in_json(mmc_dict, tmp_path):
    path = tmp_path / "overloaded.yaml"
    path.write_text(yaml.safe_dump(_mmc(mmc_dict, load=1.5, days=15)))
    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "table")])
    assert res.exit_code == 0, res.output
    row = next(line for line in res.stdout.splitlines() if "response_mean_min" in line)
    assert row.count("unstable") == 3  # isolated, pooled and their difference: no number shown
    assert "warning: isolated model: the queue was unstable" in res.stdout
    assert "warning: pooled model: the queue was unstable" in res.stdout

    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "json"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["unstable"] == {"isolated": True, "pooled": True}
    assert len(doc["warnings"]) == 2
    assert doc["models"]["pooled"]["unstable_share"]["mean"] == 1.0
    # The numbers stay available to programs, next to the flag.
    assert doc["models"]["pooled"]["response_mean_min"]["mean"] > 60


def test_stable_cli_run_has_no_warning(mmc_dict, tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(_mmc(mmc_dict, load=0.6, days=15)))
    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["unstable"] == {"isolated": False, "pooled": False}
    assert doc["warnings"] == []
