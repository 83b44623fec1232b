"""Rule tests for outputs no other rule test pinned: walk-in visitors and their waits,
full strength over the same calls, and the staffing note (docs/model.md).

Written to kill the mutants of ``sim/incidents.py`` and ``sim/metrics.py`` that
survived (or that no rule test ran); benchmarks/mutation.md has the list. Tables are
built by hand so every expected number is worked out here; the walk-in stream is
drawn with a fixed seed and checked against Poisson bounds many standard deviations
wide.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.incidents import draw_walk_ins
from sim.metrics import (
    ALL,
    officer_metrics,
    same_call_metrics,
    stability_warnings,
    staffing_warnings,
    summarise,
    walk_in_metrics,
)
from sim.models.registry import difference
from tests.budgetkit import tiny
from tests.rulekit import C, load, scenario
from tests.rulekit import run as rulerun
from tests.test_rules_metrics import officers, per_rep

DIFFERENCE = difference("pooled")

WALK = "rule: walk-ins arrive as a Poisson process per station at per_day x demand_scale"
WAIT = "rule: walk-in wait = started - arrival, mean and 90th percentile over those served"
SAME = "rule: same_call_full_strength_* are over the calls the isolated station could not staff"
STAFF = "rule: the run says whether both models put the same on-duty officer-hours to work"


def _visitors(per_day, scale=1.0, days=50.0, service=None, replication=0):
    walk = {"per_day": per_day, "service_min": service or {"dist": "fixed", "value": 7}}
    doc = tiny(
        [2, 2, 2], horizon_days=days, demand_scale=scale, walk_ins=walk, duty_desk={"seats": 1}
    )
    return draw_walk_ins(load(doc).scenario, replication)


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_walk_ins_per_station_follow_per_day_times_demand_scale(scale):
    """S1 40/day, S2 10/day, S3 none, over 50 days: 2000 and 500 expected (x scale);
    each count within 5 Poisson standard deviations."""
    w = _visitors({"S1": 40.0, "S2": 10.0}, scale=scale)
    counts = np.bincount(w.station, minlength=3)
    for k, per_day in enumerate((40.0, 10.0, 0.0)):
        want = per_day * scale * 50
        assert abs(counts[k] - want) <= 5 * math.sqrt(want) + 1e-9, f"{WALK}: station {k}"
    assert len(w) == counts.sum() and len(w.service_min) == len(w), WALK


def test_walk_ins_come_in_time_order_over_the_whole_horizon_with_their_service():
    """Times sorted, in [0, horizon); about as many in each half of the run; fixed service."""
    w = _visitors({"S1": 40.0, "S2": 10.0, "S3": 20.0}, days=50.0)
    t = w.arrival_min
    assert np.all(np.diff(t) >= 0) and t[0] >= 0 and t[-1] < 50 * 1440, WALK
    first = np.sum(t < 25 * 1440)
    assert abs(first - len(t) / 2) <= 5 * math.sqrt(len(t) / 4), f"{WALK}: constant over time"
    assert set(w.service_min.tolist()) == {7.0}, "rule: each visitor takes service_min"
    for k in range(3):  # each station's visitors are spread over the run too
        mine = t[w.station == k]
        assert mine.min() < 5 * 1440 and mine.max() > 45 * 1440, WALK


def test_walk_in_service_is_drawn_from_its_distribution():
    """Exponential service of mean 12: the sample mean of ~2500 is within 5 standard errors."""
    w = _visitors({"S1": 50.0}, service={"dist": "exponential", "mean": 12})
    m = w.service_min.mean()
    assert abs(m - 12) <= 5 * 12 / math.sqrt(len(w)), "rule: service_min drawn per visitor"


def test_walk_ins_are_reproducible_and_none_without_the_block():
    a, b = _visitors({"S1": 5.0}), _visitors({"S1": 5.0})
    assert np.array_equal(a.arrival_min, b.arrival_min), "rule: a replication is reproducible"
    c = _visitors({"S1": 5.0}, replication=1)
    assert not np.array_equal(a.arrival_min[:5], c.arrival_min[:5]), (
        "rule: each replication draws its own visitors"
    )
    none = draw_walk_ins(load(tiny([1])).scenario, 0)
    assert len(none) == 0 and len(none.station) == 0, "rule: no walk_ins, no visitors"
    assert none.station.dtype == np.int64, "rule: no walk_ins, no visitors"


def _walk_frame():
    return pd.DataFrame(
        {
            "station": ["S1", "S1", "S1", "S2", "S2"],
            "wait_min": [0.0, 10.0, 20.0, 4.0, math.nan],  # S2's second never started
        }
    )


def test_walk_in_wait_mean_and_p90_per_township():
    w = _walk_frame()
    allm = walk_in_metrics(w, ALL)
    assert allm["walk_in_wait_mean_min"] == pytest.approx(34.0 / 4), WAIT
    assert allm["walk_in_wait_p90_min"] == pytest.approx(np.percentile([0, 10, 20, 4], 90)), WAIT
    s1 = walk_in_metrics(w, "S1")
    assert (s1["walk_in_wait_mean_min"], s1["walk_in_wait_p90_min"]) == (10.0, 18.0), WAIT
    s2 = walk_in_metrics(w, "S2")
    assert (s2["walk_in_wait_mean_min"], s2["walk_in_wait_p90_min"]) == (4.0, 4.0), WAIT
    s3 = walk_in_metrics(w, "S3")
    assert math.isnan(s3["walk_in_wait_mean_min"]) and math.isnan(s3["walk_in_wait_p90_min"])
    empty = walk_in_metrics(w.iloc[0:0], ALL)
    assert set(empty) == {"walk_in_wait_mean_min", "walk_in_wait_p90_min"}, WAIT
    assert all(math.isnan(v) for v in empty.values()), WAIT


def _incidents(delays, short):
    return pd.DataFrame(
        {
            "incident": [0, 1, 2, 3],
            "township": ["A", "A", "B", "B"],
            "priority": [1, 2, 1, 2],
            "type": ["x", "y", "x", "y"],
            "own_short": short,
            "full_strength_delay_min": delays,
        }
    )


def test_same_call_full_strength_uses_the_isolated_models_short_calls_for_both():
    """Isolated could not staff calls 1, 2, 3 alone; pooled could (own_short False): the
    pooled rows still average over calls 1-3, by scope; call 3 never reached full
    strength in isolated (NaN, left out)."""
    iso = _incidents([5.0, 20.0, 40.0, math.nan], [False, True, True, True])
    pool = _incidents([5.0, 10.0, 30.0, 50.0], [False, False, False, False])
    scopes = [("all", ALL), ("township", "A"), ("township", "B"), ("priority", "1"), ("type", "y")]
    rows = [[{"breakdown": b, "group_value": v} for b, v in scopes] for _ in range(2)]
    same_call_metrics([iso, pool], rows)
    mean = [[r["same_call_full_strength_mean_min"] for r in m] for m in rows]
    p90 = [[r["same_call_full_strength_p90_min"] for r in m] for m in rows]
    nan = math.nan
    want_iso = [30.0, 20.0, 40.0, 40.0, 20.0]
    want_pool = [30.0, 10.0, 40.0, 30.0, 30.0]
    assert mean[0] == pytest.approx(want_iso), f"{SAME} (isolated)"
    assert mean[1] == pytest.approx(want_pool), f"{SAME} (pooled, the isolated model's calls)"
    assert p90[1] == pytest.approx(
        [
            np.percentile([10, 30, 50], 90),
            10.0,
            np.percentile([30, 50], 90),
            30.0,
            np.percentile([10, 50], 90),
        ]
    ), SAME
    assert p90[0][0] == pytest.approx(np.percentile([20, 40], 90)), SAME
    rows = [[{"breakdown": "township", "group_value": "C"}] for _ in range(2)]
    same_call_metrics([iso, pool], rows)
    assert math.isnan(rows[1][0]["same_call_full_strength_mean_min"]), (nan, SAME)
    assert math.isnan(rows[1][0]["same_call_full_strength_p90_min"]), SAME


def _summary(iso_hours, pool_hours, township=ALL):
    rows = [
        (township, "on_duty_hours_per_day", "isolated", iso_hours),
        (township, "on_duty_hours_per_day", "pooled", pool_hours),
        (township, "on_duty_hours_per_day", DIFFERENCE, iso_hours - pool_hours),
        (ALL, "response_mean_min", "isolated", 99.0),
    ]
    return pd.DataFrame(rows, columns=["township", "metric", "model", "mean"])


def test_staffing_note_when_both_models_use_the_same_hours():
    out = staffing_warnings(_summary(100.0, 100.9))
    assert out == ["both models use the same on-duty officer-hours (100.0 h/day, within 1%)."], (
        STAFF
    )


def test_staffing_warning_names_both_models_and_the_difference():
    out = staffing_warnings(_summary(100.0, 102.0))
    assert len(out) == 1, STAFF
    assert out[0].startswith(
        "the models do not use the same on-duty officer-hours: isolated 100.0 h/day, "
        "pooled 102.0 h/day (+2.0%), from rounding the roster per team."
    ), STAFF
    assert "adjust the roster" in out[0], STAFF
    assert staffing_warnings(_summary(100.0, 98.0))[0].count("(-2.0%)") == 1, STAFF


def test_no_staffing_note_without_both_models_or_their_hours():
    assert staffing_warnings(_summary(100.0, math.nan)) == [], STAFF
    assert staffing_warnings(_summary(100.0, 100.0, township="A")) == [], (
        f"{STAFF} (over all townships only)"
    )
    one = _summary(100.0, 100.0)
    assert staffing_warnings(one[one["model"] != "pooled"]) == [], STAFF


def test_staffing_warning_at_exactly_the_tolerance_and_far_beyond_it():
    """1% is still the same staffing; +50% is reported as +50.0%."""
    assert staffing_warnings(_summary(100.0, 101.0))[0].startswith("both models use the same"), (
        f"{STAFF}: a difference of exactly 1% is within the tolerance"
    )
    (msg,) = staffing_warnings(_summary(100.0, 150.0))
    assert msg == (
        "the models do not use the same on-duty officer-hours: isolated 100.0 h/day, "
        "pooled 150.0 h/day (+50.0%), from rounding the roster per team. Part of any "
        "difference is staffing, not organisation: adjust the roster or team sizes to "
        "compare like with like."
    ), STAFF


def test_on_duty_hours_per_officer_year_over_a_run_of_several_days():
    """The hand-made officer rows of test_rules_metrics over 2 observed days: half the
    yearly hours of the same minutes over one day."""
    off = officers().assign(observed_min=2880.0)
    m = officer_metrics(off)
    assert m["on_duty_hours_per_officer_year"] == pytest.approx(2500 / 60 / 4 * 365 / 2), (
        "rule: on-duty hours per officer per year = on-duty hours / officers x 365 / days"
    )


def test_the_unstable_queue_warning_in_full():
    (msg,) = stability_warnings(summarise(per_rep()))
    assert msg == (
        "isolated model: the queue was unstable (calls arrive faster than the officers clear "
        "them) in 1 of 2 replications: on average 10 calls were still waiting for officers at "
        "the horizon, 5.0% of calls had no officer yet. Its response and full-strength times "
        "leave those calls out and grow with the horizon: do not read them as typical. Add "
        "officers, lower demand_scale, or run longer to confirm."
    ), "rule: an unstable queue is reported in plain language, with its numbers"


BREAKDOWN = "rule: every metric is reported per breakdown (summary.csv's breakdown column)"


def test_summary_rows_carry_their_breakdown_and_skip_officer_metrics_by_priority():
    """Per replication: scope 'all', township 'A', priority '1' and type 'x' (officer
    metrics NaN by priority and type: officers are not split that way). The summary names
    each row's breakdown; by priority and type it has no officer metric, but still the
    incident metrics and the queue flag; backlog only over all."""
    scopes = (
        ("all", "all", 0.5),
        ("A", "township", 0.4),
        ("1", "priority", math.nan),
        ("x", "type", math.nan),
    )
    rows = [
        {
            "replication": rep,
            "model": model,
            "township": scope,
            "breakdown": breakdown,
            "calls": 100.0,
            "unanswered_share": 0.0,
            "utilisation": util,
            "response_mean_min": 10.0 + rep,
            "backlog_at_end": 3.0,
        }
        for rep in (0, 1)
        for model in ("isolated", "pooled")
        for scope, breakdown, util in scopes
    ]
    s = summarise(pd.DataFrame(rows))
    got = {(r.township, r.breakdown, r.metric) for r in s.itertuples() if r.model == "isolated"}
    everywhere = ("calls", "unanswered_share", "response_mean_min", "unstable_share")
    want = {(scope, b, m) for scope, b, _ in scopes for m in everywhere}
    want |= {("all", "all", "utilisation"), ("A", "township", "utilisation")}
    want |= {("all", "all", "backlog_at_end")}
    assert got == want, BREAKDOWN
    assert list(s.columns[:4]) == ["township", "breakdown", "metric", "model"], BREAKDOWN
    plain = summarise(per_rep())
    assert set(plain["breakdown"]) == {"all"}, f"{BREAKDOWN}: 'all' when the table has none"


def test_travel_minutes_are_shortest_even_far_beyond_the_first_search_limit():
    """S to V: 150 + 150 through junction M (300), or 1 + 400 + 1 through P and Q (402).
    The first search (120 min) reaches P and Q but not M: the answer is still 300."""
    roads = [("S", "M", 150), ("M", "V", 150), ("S", "P", 1), ("P", "Q", 400), ("Q", "V", 1)]
    doc = scenario(roads, {"A": ("S", 1)}, {"V": "A"})
    r = rulerun(doc, "isolated", [C(0, "V")])
    assert r.time("first_arrival", 0) == 300, "rule: travel minutes are shortest road paths"


def test_travel_minutes_are_shortest_through_a_junction_only_one_side_reaches_cheaply():
    """Rule (docs/model.md, travel): minutes are shortest road paths. V1 to V2: 10 + 10
    through junction X (20) or the direct road (40); S reaches V1 through junction Y (10).
    X is S's lowest-numbered neighbour and 100 minutes from it, so the first search (60
    min) must reach X from V1 or V2; a symmetric copy of the roads that drops the roads
    into X (``_symmetric_min``) leaves X out and answers S to V2 = 10 + 40."""
    roads = [("S", "X", 100), ("S", "Y", 5), ("Y", "V1", 5), ("V1", "X", 10),
             ("X", "V2", 10), ("V1", "V2", 40)]  # fmt: skip
    doc = scenario(roads, {"A": ("S", 1)}, {"V1": "A", "V2": "A"})
    r = rulerun(doc, "isolated", [C(0, "V2")])
    assert r.time("first_arrival", 0) == 30, (
        "rule: travel minutes are shortest road paths (S-Y-V1-X-V2 = 30, not S-Y-V1-V2 = 50)"
    )
