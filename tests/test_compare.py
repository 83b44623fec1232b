"""Which model is better: one definition (sim/compare.py) rendered by the CLI and the report.

Issue 11, item 7: the comparison table had no verdict, the sign of
"isolated - pooled" favoured pooled on time rows and isolated on share rows,
share differences printed as "%" and "-0.0%" appeared; the report called a
0.02-hour difference "isolated better" and never said who wins overall.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from sim import compare
from sim.cli import app, comparison_table
from sim.metrics import HEADLINE_METRICS, METRICS, STABILITY
from sim.models.registry import difference
from sim.report import headline_table
from sim.sweep import summary as sweep_summary
from tests.test_write_failures import CORPUS

DIFFERENCE = difference("pooled")

runner = CliRunner()


def test_every_metric_has_a_direction_and_a_threshold():
    for metric in [*METRICS, *STABILITY]:
        r = compare.rule(metric)
        assert r.direction in (compare.LOWER, compare.HIGHER, compare.UNRANKED), metric
        assert r.threshold > 0 and r.threshold_text, metric


def test_a_metric_without_a_direction_raises():
    with pytest.raises(compare.UnknownMetric, match="sim/compare.py"):
        compare.rule("new_metric_nobody_classified")
    with pytest.raises(compare.UnknownMetric):
        compare.verdict("new_metric_nobody_classified", 1.0, 2.0)


@pytest.mark.parametrize(
    ("metric", "low", "high", "mean", "better"),
    [
        ("response_mean_min", 1.0, 3.0, 2.0, "pooled"),  # isolated slower: pooled better
        ("response_mean_min", -3.0, -1.0, -2.0, "isolated"),
        ("within_target_share", 0.02, 0.06, 0.04, "isolated"),  # higher is better
        ("within_target_share", -0.06, -0.02, -0.04, "pooled"),
        ("response_mean_min", -1.0, 3.0, 1.0, "no clear difference"),  # crosses 0
        ("response_mean_min", 0.1, 0.3, 0.2, "no clear difference"),  # below 0.5 min
        ("investigation_turnaround_mean_hours", 0.01, 0.03, 0.02, "no clear difference"),
        ("within_target_share", 0.002, 0.008, 0.005, "no clear difference"),  # below 1 pp
        ("utilisation", 0.1, 0.2, 0.15, "not ranked"),
        ("calls", 0.0, 0.0, 0.0, "not ranked"),
        ("response_mean_min", math.nan, math.nan, 2.0, "too few replications"),
        ("reinforcement_mean_min", math.nan, math.nan, math.nan, "no data"),
    ],
)
def test_verdict(metric, low, high, mean, better):
    assert compare.verdict(metric, low, high, mean).better == better


def test_unstable_waiting_times_are_not_compared():
    v = compare.verdict("response_mean_min", 1.0, 3.0, 2.0, unstable=True)
    assert v.better == compare.UNSTABLE and v.winner is None


def test_numbers_shares_in_points_signed_differences_no_negative_zero():
    assert compare.number(-0.00001, "within_target_share", difference=True) == "0.0 pp"
    assert compare.number(0.0321, "within_target_share", difference=True) == "+3.2 pp"
    assert compare.number(-0.0001, "response_mean_min", difference=True) == "0.00"
    assert compare.number(0.25, "utilisation") == "25.0%"
    assert compare.interval(-0.00001, -0.00002, 0.0, "unanswered_share", True) == (
        "0.0 pp [0.0, 0.0]", False
    )
    text, below = compare.interval(0.5, -0.2, 1.2, "county_requests_per_30d")
    assert (text, below) == ("0.50 [-0.20, 1.20]", True)  # printed as is, flagged


def test_bottom_line():
    vs = [compare.Verdict(b, "", ("isolated", "pooled")) for b in
          ("pooled", "pooled", "isolated", "no clear difference", "not ranked")]
    assert compare.bottom_line(vs) == (
        "pooled is better on 2 of 4 headline metrics, isolated on 1, no clear difference on "
        "the rest."
    )


def test_sweep_summary_reads_better_from_compare():
    assert "response_p90_min" in sweep_summary.LOWER_IS_BETTER
    assert "within_target_share" in sweep_summary.HIGHER_IS_BETTER
    assert sweep_summary.verdict("response_p90_min", 1.0, 3.0) == "pooled better"
    assert sweep_summary.verdict("response_p90_min", 0.1, 0.3) == "no clear difference"
    assert sweep_summary.verdict("utilisation", 0.1, 0.2) == "pooled lower"


def _summary() -> pd.DataFrame:
    rows = []

    def add(metric, iso, pooled, diff):
        for model, (mean, lo, hi) in (("isolated", iso), ("pooled", pooled), (DIFFERENCE, diff)):
            rows.append({"township": "all", "metric": metric, "model": model, "mean": mean,
                         "ci_low": lo, "ci_high": hi, "n": 5})

    add("calls", (100, 90, 110), (100, 90, 110), (0, 0, 0))
    add("response_mean_min", (12, 11, 13), (9, 8, 10), (3, 2.5, 3.5))
    add("within_target_share", (0.80, 0.78, 0.82), (0.90, 0.88, 0.92), (-0.1, -0.12, -0.08))
    add("unanswered_share", (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (-0.0, -0.0, -0.0))
    add("county_requests_per_30d", (0.4, -0.3, 1.1), (0.2, -0.1, 0.5), (0.2, -0.2, 0.6))
    add("investigation_turnaround_mean_hours", (6.02, 6.0, 6.04), (6.0, 5.98, 6.02),
        (0.02, 0.01, 0.03))
    add("utilisation", (0.5, 0.4, 0.6), (0.45, 0.4, 0.5), (0.05, 0.04, 0.06))
    add("unstable_share", (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    return pd.DataFrame(rows)


def test_cli_table_has_a_better_column_and_a_bottom_line():
    console = Console(width=200, record=True)
    console.print(comparison_table(_summary(), "t"))
    text = console.export_text()
    assert "better" in text.splitlines()[1] or "better" in text
    rows = {ln.split("│")[1].strip(): ln for ln in text.splitlines() if ln.count("│") > 3}
    assert rows["response_mean_min"].rstrip(" │").endswith("pooled")
    assert "-10.0 pp [-12.0, -8.0]" in rows["within_target_share"]
    assert rows["within_target_share"].rstrip(" │").endswith("pooled")
    assert "-0.0" not in text
    assert rows["investigation_turnaround_mean_hours"].rstrip(" │").endswith(
        "no clear difference"
    )
    assert "0.40 [-0.30, 1.10]*" in rows["county_requests_per_30d"]
    assert "reaches below 0" in text
    ranked = sum(compare.direction(m) != 0 for m in HEADLINE_METRICS if m in rows)
    assert (
        f"bottom line: pooled is better on 2 of {ranked} headline metrics, isolated on 0, "
        "no clear difference on the rest." in text
    )
    assert "0.5 min for times, 1 pp for shares" in text


def test_report_headline_table_says_which_is_better():
    html = headline_table(_summary())
    assert ">better<" in html and "verdict (95%)" not in html
    assert "pooled better" in html
    assert "isolated better" not in html  # 0.02 h turnaround is below the threshold
    assert "-10.0 pp" in html
    assert "-0.0" not in html


def test_run_prints_the_verdicts_and_json_carries_them(tmp_path):
    res = runner.invoke(app, ["run", str(CORPUS / "base.yaml"), "--reps", "2", "--out",
                              str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "bottom line: pooled is better on" in res.stdout
    res = runner.invoke(app, ["run", str(CORPUS / "base.yaml"), "--reps", "2", "--out",
                              str(tmp_path / "b"), "--json"])
    data = json.loads(res.stdout)
    assert data["bottom_line"].startswith("pooled is better on")
    assert data["better"]["calls"]["better"] == "not ranked"


def test_comparison_frame_is_the_cli_table_as_text():
    frame = compare.comparison(_summary(), metrics=["response_mean_min", "utilisation"]).to_frame()
    assert list(frame.columns) == ["isolated", "pooled", "isolated - pooled (paired)", "better"]
    assert frame.loc["response_mean_min", "isolated"] == "12.00 [11.00, 13.00]"
    assert frame.loc["response_mean_min", "isolated - pooled (paired)"] == "+3.00 [+2.50, +3.50]"
    assert frame.loc["response_mean_min", "better"] == "pooled better"
    assert frame.loc["utilisation", "better"] == "not ranked"


def test_a_third_model_gets_its_own_difference_and_verdict_against_the_baseline():
    s = _summary()
    third = s[s["model"] == "pooled"].assign(model="other")
    third.loc[third["metric"] == "response_mean_min", ["mean", "ci_low", "ci_high"]] = (13, 12, 14)
    diff = s[s["model"] == DIFFERENCE].assign(model="isolated - other")
    cols = ["mean", "ci_low", "ci_high"]
    diff.loc[diff["metric"] == "response_mean_min", cols] = (-1, -1.5, -0.6)
    cmp = compare.comparison(pd.concat([s, third, diff]), metrics=["response_mean_min"])
    assert cmp.models == ("isolated", "pooled", "other")
    assert cmp.columns[3:] == [
        "isolated - pooled (paired)", "better (pooled)", "isolated - other (paired)",
        "better (other)",
    ]
    (row,) = cmp.rows
    assert [v.better for v in row.verdicts] == ["pooled", "isolated"]
    assert cmp.bottom_lines[1].startswith(
        "other is better on 1 of 5 headline metrics, isolated on 1"
    )
