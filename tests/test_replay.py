"""Replay of a historic call log (``incidents: {replay: ...}``): exact pairing, seeds, bootstrap.

``tests/data/calls_wubei.csv`` is a small synthetic log (25 calls over three
days, rows shuffled, some cells empty) on the Wubei villages and types.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.loader import load_scenario
from sim.replay import with_bootstrap_days
from sim.runner import run_replication
from tests.conftest import ROOT, scenario_dict

LOG = ROOT / "tests" / "data" / "calls_wubei.csv"
START = datetime(2024, 3, 1)
runner = CliRunner()


def _scenario(tmp_path: Path, log_text: str | None = None, **incidents) -> Path:
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=3, warmup_days=0, replications=2)
    doc["incidents"] = {"replay": "calls.csv", **incidents}
    if log_text is None:
        shutil.copy(LOG, tmp_path / "calls.csv")
    else:
        (tmp_path / "calls.csv").write_text(log_text, encoding="utf-8")
    path = tmp_path / "replay.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _log() -> pd.DataFrame:
    with LOG.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    df = pd.DataFrame(rows)
    df["call_min"] = [(datetime.fromisoformat(t) - START).total_seconds() / 60 for t in df["time"]]
    return df.sort_values("call_min", kind="stable").reset_index(drop=True)


def test_both_models_see_exactly_the_calls_of_the_log_in_order(tmp_path):
    loaded = load_scenario(_scenario(tmp_path))
    log = _log()
    inc = run_replication(loaded, 0).incidents
    types = {t.id: t for t in loaded.scenario.incident_types}
    for model in ("isolated", "pooled"):
        mine = inc[inc["model"] == model].sort_values("incident").reset_index(drop=True)
        assert len(mine) == len(log) == 25
        np.testing.assert_array_equal(mine["call_min"], log["call_min"])
        assert list(mine["type"].astype(str)) == list(log["type"])
        assert list(mine["village"]) == list(log["village"])
        given = log["officers"] != ""
        assert list(mine.loc[given, "officers_required"]) == [
            int(x) for x in log["officers"][given]
        ]
        given = log["on_scene_min"] != ""
        np.testing.assert_array_equal(
            mine.loc[given, "on_scene_min"], log["on_scene_min"][given].astype(float)
        )
        expected_priority = [
            int(p) if p else types[t].priority for p, t in zip(log["priority"], log["type"])
        ]
        assert list(mine["priority"]) == expected_priority
    # The two models' records describe the same calls, row for row.
    cols = [
        "incident",
        "call_min",
        "type",
        "village",
        "priority",
        "officers_required",
        "on_scene_min",
    ]
    iso = inc[inc["model"] == "isolated"][cols].reset_index(drop=True)
    poo = inc[inc["model"] == "pooled"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(iso, poo)


def test_a_replayed_run_is_reproducible_and_only_empty_cells_vary(tmp_path):
    loaded = load_scenario(_scenario(tmp_path))
    a, b = run_replication(loaded, 1), run_replication(loaded, 1)
    assert a.stream_digest == b.stream_digest
    pd.testing.assert_frame_equal(a.incidents, b.incidents)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    other = run_replication(loaded, 0).incidents
    one = a.incidents
    np.testing.assert_array_equal(one["call_min"], other["call_min"])  # the log's, every time
    empty = (_log()["on_scene_min"] == "").to_numpy()
    first = one[one["model"] == "pooled"].sort_values("incident")["on_scene_min"].to_numpy()
    second = other[other["model"] == "pooled"].sort_values("incident")["on_scene_min"].to_numpy()
    assert (first[~empty] == second[~empty]).all()
    assert (first[empty] != second[empty]).all()  # drawn afresh per replication


def test_the_resolved_scenario_carries_the_calls_and_repeats_the_run(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(_scenario(tmp_path)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    assert len(resolved["incidents"]["calls"]) == 25 and "replay" not in resolved["incidents"]
    again = tmp_path / "again"
    res = runner.invoke(app, ["run", str(out / "scenario.resolved.yaml"), "--out", str(again)])
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "incidents.parquet"), pd.read_parquet(again / "incidents.parquet")
    )


def _days(inc: pd.DataFrame) -> list[frozenset]:
    """Each day's calls as a set of (minute of day, type, village)."""
    inc = inc[inc["model"] == "pooled"]
    day = (inc["call_min"] // 1440).astype(int)
    return [
        frozenset(zip(g["call_min"] % 1440, g["type"].astype(str), g["village"]))
        for _, g in inc.groupby(day)
    ]


def test_bootstrap_resamples_whole_days_and_differs_by_replication(tmp_path):
    path = _scenario(tmp_path, bootstrap_days=True)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["horizon_days"] = 10  # longer than the log: ten days drawn from its three
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    loaded = load_scenario(path)
    log = _log()
    log_days = [
        frozenset(zip(g["call_min"] % 1440, g["type"], g["village"]))
        for _, g in log.groupby((log["call_min"] // 1440).astype(int))
    ]
    drawn = []
    for rep in range(4):
        inc = run_replication(loaded, rep).incidents
        days = _days(inc)
        assert all(d in log_days for d in days), "every day is one whole day of the log"
        assert inc["call_min"].max() < 10 * 1440
        drawn.append(days)
    assert len({tuple(d) for d in drawn}) == 4, "replications draw different days"
    again = _days(run_replication(loaded, 2).incidents)
    assert again == drawn[2], "the same seed draws the same days"


def test_bootstrap_flag_on_run_and_refused_without_a_log(tmp_path):
    loaded = with_bootstrap_days(load_scenario(_scenario(tmp_path)))
    assert loaded.scenario.incidents.bootstrap_days
    res = runner.invoke(
        app,
        [
            "run",
            str(ROOT / "scenarios" / "mmc_validation.yaml"),
            "--bootstrap-days",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert res.exit_code == 2
    assert "--bootstrap-days" in res.output and "replay" in res.output


HEADER = "time,type,village,priority,officers,on_scene_min\n"
GOOD = "2024-03-01T08:00,dispute,Taoxi-V1,,,\n"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("", "calls.csv:", "empty"),
        (HEADER, "calls.csv:2:", "no calls"),
        (
            "time,type,priority\n" + "2024-03-01T08:00,dispute,1\n",
            "calls.csv:1: village:",
            "missing",
        ),
        (
            HEADER + GOOD + "2024-03-32T08:00,dispute,Taoxi-V1,,,\n",
            "calls.csv:3: time:",
            "ISO date",
        ),
        (
            HEADER + GOOD + GOOD + "2024-03-01T09:00,dispute,Taoxi-V9,,,\n",
            "calls.csv:4: village:",
            "unknown village 'Taoxi-V9'",
        ),
        (
            HEADER + GOOD + "2024-03-01T09:00,dispute,Taoxi-V1,,,-5\n",
            "calls.csv:3: on_scene_min:",
            ">= 0",
        ),
        (
            HEADER + "2024-03-01T09:00,disput,Taoxi-V1,,,\n",
            "calls.csv:2: type:",
            "did you mean 'dispute'",
        ),
        (
            HEADER + "2024-03-01T09:00,dispute,Taoxi-V1,,2.5,\n",
            "calls.csv:2: officers:",
            "whole number",
        ),
        (
            "time,type,vilage\n" + "2024-03-01T08:00,dispute,Taoxi-V1\n",
            "calls.csv:1: vilage:",
            "did you mean 'village'",
        ),
        (HEADER + "2024-03-01T08:00,dispute,Taoxi-V1,,,,\n", "calls.csv:2:", "more values"),
        (
            HEADER + GOOD + "2024-03-07T08:00,dispute,Taoxi-V1,,,\n",
            "horizon_days:",
            "covers 7 days",
        ),
    ],
)
def test_bad_call_logs_exit_2_naming_file_line_and_column(tmp_path, text, where, words):
    path = _scenario(tmp_path, text)
    for command in (["check", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        res = runner.invoke(app, command)
        assert res.exit_code == 2, res.output
        flat = " ".join(res.output.split())
        assert where in flat and words in flat, flat
        assert "Traceback" not in res.output


def test_a_logged_call_needing_more_officers_than_any_team_is_refused_without_county(tmp_path):
    doc = scenario_dict("mmc_validation.yaml")  # county switched off, 4 officers a station
    doc.update(horizon_days=1, warmup_days=0)
    doc["incidents"] = {"replay": "calls.csv"}
    (tmp_path / "calls.csv").write_text(
        "time,type,village,officers\n2024-01-01T01:00,call,A-village,4\n"
        "2024-01-01T02:00,call,B-village,9\n",
        encoding="utf-8",
    )
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2
    assert "calls.csv:3: officers: this call needs 9 officers" in " ".join(res.output.split())


def test_inline_calls_are_checked_like_the_file_and_name_their_yaml_item(tmp_path):
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=1, warmup_days=0)
    doc["incidents"] = {
        "calls": [
            {"time": datetime(2024, 3, 1, 8, 0), "type": "dispute", "village": "Taoxi-V1"},
            {
                "time": "2024-03-01T09:00",
                "type": "dispute",
                "village": "Taoxi-V1",
                "on_scene_min": -3,
            },
        ]
    }
    path = tmp_path / "inline.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    res = runner.invoke(app, ["check", str(path)])
    assert res.exit_code == 2
    flat = " ".join(res.output.split())
    assert "incidents.calls[1].on_scene_min: should be >= 0" in flat, flat
    doc["incidents"]["calls"][1]["on_scene_min"] = 30
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    loaded = load_scenario(path)
    assert list(loaded.calls.call_min) == [480.0, 540.0]
    assert loaded.calls.rows[0]["time"] == "2024-03-01T08:00:00"


def test_check_says_what_it_replays_and_warns_of_a_horizon_past_the_log(tmp_path):
    path = _scenario(tmp_path)
    res = runner.invoke(app, ["check", str(path)])
    flat = " ".join(res.output.split())
    assert res.exit_code == 0 and "replaying 25 calls over 3 days from 2024-03-01" in flat
    assert "runs past" not in flat
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["horizon_days"] = 5
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    res = runner.invoke(app, ["check", str(path)])
    assert "horizon_days (5) runs past the log's 3 days" in " ".join(res.output.split())
