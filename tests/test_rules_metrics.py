"""Rule tests: metrics of a replication and their intervals (docs/model.md, Records and metrics).

The record tables here are written by hand (five calls, two stations), so
every metric can be worked out on paper: the engine's rules are tested in the
other ``test_rules_*`` files, these test only what the metrics make of records.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.metrics import (
    ALL,
    incident_metrics,
    investigation_metrics,
    officer_metrics,
    queue_unstable,
    replication_metrics,
    stability_warnings,
    summarise,
    t_interval,
    unstable_models,
)
from sim.models.registry import difference

DIFFERENCE = difference("pooled")


NAN = math.nan
RESPONSE = "rule: first response = first arrival - call, over the calls someone reached"
UNANSWERED = "rule: calls nobody reached count in unanswered_share, not in response means"
FULL = "rule: full strength = full strength - call, over the calls that reached it"
SHORT = "rule: short-handed = cleared calls that never reached full strength"
REINF = "rule: reinforced = an own-short call helped by other stations, case team or county"
COVER = "rule: cross-township cover = another station's officer came to a call not own-short"
OWN_SHORT = "rule: own-short = fewer own officers free at dispatch than required"
COUNTY = "rule: county requests and stood-down heads are counted per 30 observed days"
UTIL = "rule: utilisation = (travel + scene + investigation) / on-duty time of field officers"
PATROL = "rule: patrol share = patrol / on-duty time of community officers"
HOURS = "rule: officer-hours per observed day, by state and by role"
INVEST = "rule: investigation turnaround over completed ones; open share of all"
SCOPE = "rule: metrics for the whole model and for each township"
CI = "rule: every metric gets a Student-t interval across replications"
PAIRED = "rule: the paired isolated - pooled difference gets its own interval"
UNSTABLE = "rule: a replication whose queue did not keep up is flagged unstable"

#: call, response, full-strength delay, cleared, n_other, n_case, n_county,
#: reinforcement arrived, county requested, township, own short, county stood down,
#: priority, type. Call 1 asked the county for 2 and stood one down; call 2 got
#: another station's officer though A could staff it (cover, not reinforcement).
ROWS = [
    (0, 5, 5, 20, 0, 0, 0, NAN, NAN, "A", False, 0, 1, "theft"),
    (100, 10, 40, 200, 0, 0, 2, 140, 100, "A", True, 1, 2, "fight"),
    (200, 25, NAN, 260, 1, 0, 0, 230, NAN, "B", False, 0, 1, "fight"),
    (300, NAN, NAN, NAN, 0, 0, 0, NAN, NAN, "B", True, 0, 2, "fight"),
    (400, 20, 20, 450, 0, 1, 0, 420, NAN, "A", True, 0, 2, "fight"),
]


def incidents() -> pd.DataFrame:
    cols = ["call_min", "response_min", "full_strength_delay_min", "cleared_min", "n_other",
            "n_case", "n_county", "reinforcement_arrived_min", "county_requested_min",
            "township", "own_short", "n_county_stood_down", "priority", "type"]  # fmt: skip
    df = pd.DataFrame(ROWS, columns=cols)
    df["first_arrival_min"] = df["call_min"] + df["response_min"]
    df["full_strength_min"] = df["call_min"] + df["full_strength_delay_min"]
    return df


def officers() -> pd.DataFrame:
    """A's and B's community officers, A's case officer and A's room officer, one day."""
    df = pd.DataFrame({
        "station": ["A", "B", "A", "A"],
        "role": ["community", "community", "case_team", "room"],
        "on_duty_min": [1000.0, 500.0, 500.0, 500.0],
        "travel_min": [100.0, 20.0, 0.0, 0.0],
        "scene_min": [100.0, 30.0, 0.0, 0.0],
        "investigation_min": [50.0, 0.0, 100.0, 0.0],
        "patrol_min": [500.0, 100.0, 0.0, 0.0],
        "desk_min": [0.0, 0.0, 0.0, 500.0],
        "duty_min": [100.0, 0.0, 50.0, 0.0],
    })  # fmt: skip
    df["observed_min"] = 1440.0
    df["busy_min"] = df["travel_min"] + df["scene_min"] + df["investigation_min"]
    return df


def investigations() -> pd.DataFrame:
    return pd.DataFrame({"township": ["A", "A", "B"], "turnaround_hours": [2.0, NAN, 4.0]})


def close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


def test_incident_metrics_by_hand():
    m = incident_metrics(incidents(), target_min=20, observed_days=10)
    want = {
        "calls": 5, "response_mean_min": 15, "response_median_min": 15,
        "response_p90_min": 23.5, "response_p95_min": 24.25,
        "within_target_share": 3 / 5, "unanswered_share": 1 / 5,
        "full_strength_mean_min": 65 / 3, "full_strength_median_min": 20,
        "full_strength_p90_min": 36, "full_strength_p95_min": 38,
        "short_handed_share": 1 / 4, "own_short_share": 3 / 5,
        "reinforced_share": 2 / 5,  # calls 1 (county) and 4 (case team); 3 got nobody
        "cross_township_share": 1 / 5,  # call 2
        "reinforcement_mean_min": 30,  # (40 + 20) / 2: calls 1 and 4 only
        "county_requests_per_30d": 3.0, "county_stood_down_per_30d": 3.0,
    }  # fmt: skip
    rule = {"calls": RESPONSE, "within_target_share": RESPONSE, "unanswered_share": UNANSWERED,
            "short_handed_share": SHORT, "own_short_share": OWN_SHORT,
            "reinforced_share": REINF, "reinforcement_mean_min": REINF,
            "cross_township_share": COVER, "county_requests_per_30d": COUNTY,
            "county_stood_down_per_30d": COUNTY}  # fmt: skip
    for k, v in want.items():
        r = rule.get(k, FULL if k.startswith("full") else RESPONSE)
        assert close(m[k], v), f"{r}: {k} = {m[k]}, by hand {v}"
    assert set(m) == set(want)


def test_incident_metrics_of_no_calls():
    m = incident_metrics(incidents().iloc[0:0], target_min=20, observed_days=10)
    counts = ("calls", "county_requests_per_30d", "county_stood_down_per_30d")
    assert all(m[k] == 0 for k in counts), RESPONSE
    others = [k for k in m if k not in counts]
    assert all(math.isnan(m[k]) for k in others), f"{RESPONSE}: NaN without calls"
    one = incidents().iloc[[3]]  # nobody reached it, nothing cleared
    m = incident_metrics(one, target_min=20, observed_days=10)
    assert m["unanswered_share"] == 1 and m["within_target_share"] == 0, UNANSWERED
    assert math.isnan(m["short_handed_share"]), f"{SHORT}: no cleared calls"
    assert m["own_short_share"] == 1 and m["reinforced_share"] == 0, f"{REINF}: nobody helped"


def test_officer_and_investigation_metrics():
    m = officer_metrics(officers())
    # Field = community + case team: (250 + 50 + 100) / (1000 + 500 + 500); not the room.
    assert close(m["utilisation"], 0.2), UTIL
    assert close(m["patrol_share"], 0.4), f"{PATROL}: 600 / 1500, community officers only"
    want = {"on_duty_hours_per_day": 2500 / 60, "patrol_hours_per_day": 10,
            "desk_hours_per_day": 500 / 60, "call_hours_per_day": 250 / 60,
            "case_work_hours_per_day": 2.5, "duty_hours_per_day": 2.5,
            "community_on_duty_hours_per_day": 25, "case_team_on_duty_hours_per_day": 500 / 60,
            "room_on_duty_hours_per_day": 500 / 60,
            "on_duty_hours_per_officer_year": 2500 / 60 / 4 * 365}  # fmt: skip
    for k, v in want.items():
        assert close(m[k], v), f"{HOURS}: {k} = {m[k]}, by hand {v}"
    two_days = officer_metrics(officers().assign(observed_min=2880.0))
    assert close(two_days["patrol_hours_per_day"], 5), f"{HOURS}: per observed day"
    assert close(two_days["utilisation"], 0.2), f"{UTIL}: a ratio, whatever the days"
    keys = set(want) | {"utilisation", "patrol_share"}
    for duty in (0.0, 0.5):
        m = officer_metrics(officers().assign(on_duty_min=duty, busy_min=0.25, patrol_min=0.25))
        assert set(m) == keys, UTIL
        want = NAN if duty == 0 else 0.5  # 3 x 0.25 / (3 x 0.5) and 2 x 0.25 / (2 x 0.5)
        assert close(m["utilisation"], want) and close(m["patrol_share"], want), f"{UTIL}: {duty}"
    m = investigation_metrics(investigations())
    assert m["investigation_turnaround_mean_hours"] == 3.0, INVEST
    assert close(m["investigations_open_share"], 1 / 3), INVEST
    m = investigation_metrics(investigations().iloc[[1]])
    assert math.isnan(m["investigation_turnaround_mean_hours"]), f"{INVEST}: none completed"
    assert m["investigations_open_share"] == 1, INVEST
    m = investigation_metrics(investigations().iloc[0:0])
    assert all(math.isnan(v) for v in m.values()), f"{INVEST}: no investigations"
    assert set(m) == {"investigation_turnaround_mean_hours", "investigations_open_share"}, INVEST


def test_replication_metrics_per_township():
    rows = replication_metrics(incidents(), officers(), investigations(), ["A", "B", "C"], 20, 10)
    by = {r["township"]: r for r in rows}
    assert list(by) == [ALL, "A", "B", "C", "priority 1", "priority 2", "type fight",
                        "type theft"], f"{SCOPE}, each priority and each incident type"
    kinds = [(r["breakdown"], r["group_value"]) for r in rows]
    assert kinds == [("all", ALL), ("township", "A"), ("township", "B"), ("township", "C"),
                     ("priority", 1), ("priority", 2), ("type", "fight"), ("type", "theft")]
    assert by[ALL]["calls"] == 5 and by["A"]["calls"] == 3 and by["B"]["calls"] == 2, SCOPE
    assert close(by["A"]["response_mean_min"], 35 / 3), SCOPE
    assert by["B"]["unanswered_share"] == 0.5, SCOPE
    # A's field officers: community (250 / 1000) and case team (100 / 500); room left out.
    assert close(by["A"]["utilisation"], 350 / 1500) and by["B"]["utilisation"] == 0.1, SCOPE
    assert by["priority 1"]["calls"] == 2 and by["priority 1"]["response_mean_min"] == 15, SCOPE
    assert by["type fight"]["calls"] == 4 and by["type theft"]["calls"] == 1, SCOPE
    assert close(by["priority 2"]["reinforced_share"], 2 / 3), f"{SCOPE}: calls 1, 3, 4"
    assert math.isnan(by["priority 1"]["utilisation"]), f"{SCOPE}: officers not split by call"
    assert by["A"]["investigations_open_share"] == 0.5, SCOPE
    assert by["B"]["investigation_turnaround_mean_hours"] == 4.0, SCOPE
    assert by["C"]["calls"] == 0 and math.isnan(by["C"]["utilisation"]), f"{SCOPE}: empty"
    assert math.isnan(by["C"]["investigations_open_share"]), f"{SCOPE}: empty"


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_t_interval(level):
    mean, low, high = t_interval(np.array([1.0, 2.0, NAN, 3.0]), level)
    half = stats.t.ppf(0.5 + level / 2, 2) * 1.0 / math.sqrt(3)
    assert mean == 2 and close(low, 2 - half) and close(high, 2 + half), f"{CI}: n=3, sd 1"
    if level == 0.95:
        assert t_interval(np.array([1.0, 2.0, 3.0])) == (mean, low, high), f"{CI}: 95% default"
    assert t_interval(np.array([5.0]))[0] == 5, f"{CI}: one value: its mean"
    assert all(math.isnan(x) for x in t_interval(np.array([5.0]))[1:]), f"{CI}: no interval"
    assert all(math.isnan(x) for x in t_interval(np.array([NAN]))), f"{CI}: no values"
    assert t_interval(np.array([2.0, 2.0])) == (2, 2, 2), f"{CI}: no spread"


def test_queue_unstable_flags():
    per = pd.DataFrame({
        "calls": [100, 100, 200, 400, 0, 1000, 100, 100, 1000, 1],
        "unanswered_share": [0.05, 0.04, 0.04, 0.01, NAN, 0.01, 0.0499, 0.05, 0.02, 0.0],
        "utilisation": [0.5, 0.5, 0.97, 0.98, NAN, 0.97, 0.5, NAN, NAN, 0.5],
    })  # fmt: skip
    got = queue_unstable(per).tolist()
    want = [1.0, 0.0, 1.0, 0.0, NAN, 1.0, 0.0, 1.0, 0.0, 0.0]
    assert all(close(a, b) for a, b in zip(got, want)), f"{UNSTABLE}: {got}"


def per_rep() -> pd.DataFrame:
    rows = []
    for rep, (iso, pool) in enumerate([(30.0, 20.0), (34.0, 21.0)]):
        for model, resp in (("isolated", iso), ("pooled", pool)):
            bad = model == "isolated" and rep == 1
            for town in (ALL, "A"):
                rows.append({"replication": rep, "model": model, "township": town,
                             "calls": 200.0, "response_mean_min": resp + (town == "A"),
                             "unanswered_share": 0.1 if bad else 0.0, "utilisation": 0.5,
                             "backlog_at_end": 20.0 if bad else 0.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_summarise_means_intervals_and_paired_difference():
    s = summarise(per_rep())
    key = s.set_index(["township", "metric", "model"])
    row = key.loc[(ALL, "response_mean_min", "isolated")]
    assert row["mean"] == 32 and row["n"] == 2, CI
    half = stats.t.ppf(0.975, 1) * math.sqrt(8) / math.sqrt(2)
    assert close(row["ci_low"], 32 - half) and close(row["ci_high"], 32 + half), CI
    diff = key.loc[(ALL, "response_mean_min", DIFFERENCE)]
    assert diff["mean"] == 11.5 and diff["n"] == 2, f"{PAIRED}: (10 + 13) / 2"
    half = stats.t.ppf(0.975, 1) * math.sqrt(4.5) / math.sqrt(2)
    assert close(diff["ci_high"] - diff["mean"], half), f"{PAIRED}: sd of the differences"
    assert key.loc[("A", "response_mean_min", "pooled")]["mean"] == 21.5, SCOPE
    assert key.loc[(ALL, "unstable_share", "isolated")]["mean"] == 0.5, UNSTABLE
    assert key.loc[(ALL, "unstable_share", "pooled")]["mean"] == 0.0, UNSTABLE
    assert key.loc[(ALL, "backlog_at_end", "isolated")]["mean"] == 10, UNSTABLE
    assert ("A", "backlog_at_end", "isolated") not in key.index, f"{SCOPE}: backlog model-wide"
    assert set(s["model"]) == {"isolated", "pooled", DIFFERENCE}, PAIRED
    row = summarise(per_rep(), level=0.9).set_index(["township", "metric", "model"])
    half = stats.t.ppf(0.95, 1) * math.sqrt(8) / math.sqrt(2)
    got = row.loc[(ALL, "response_mean_min", "isolated")]["ci_high"]
    assert close(got, 32 + half), f"{CI}: the level is passed on"


def test_stability_warnings_name_the_unstable_model():
    s = summarise(per_rep())
    assert unstable_models(s) == {"isolated"}, UNSTABLE
    (msg,) = stability_warnings(s)
    assert msg.startswith("isolated model: the queue was unstable"), UNSTABLE
    assert "in 1 of 2 replications" in msg and "on average 10 calls" in msg, UNSTABLE
    assert "5.0% of calls had no officer" in msg, UNSTABLE
    calm = per_rep().assign(unanswered_share=0.0)
    assert stability_warnings(summarise(calm)) == [] and unstable_models(summarise(calm)) == set()
    s = summarise(per_rep().drop(columns="backlog_at_end"))
    (msg,) = stability_warnings(s)
    assert "1 of 2 replications: 5.0% of calls" in msg, f"{UNSTABLE}: no backlog, no count"
    assert stability_warnings(s, township="A") != [], f"{SCOPE}: per township too"
    swapped = per_rep()
    swapped["model"] = swapped["model"].map({"isolated": "pooled", "pooled": "isolated"})
    swapped = swapped.sort_values(["replication", "model"], kind="stable")
    (msg,) = stability_warnings(summarise(swapped))
    assert msg.startswith("pooled model"), f"{UNSTABLE}: a calm isolated model comes first"
    calm_a = per_rep()
    calm_a.loc[calm_a["township"] == "A", "unanswered_share"] = 0.0
    s = summarise(calm_a)
    assert unstable_models(s) == {"isolated"}, f"{SCOPE}: unstable overall"
    assert unstable_models(s, township="A") == set(), f"{SCOPE}: calm in township A"
