"""Metrics of one replication, and their confidence intervals across replications.

A replication's metrics are computed from its record tables, overall and per
township. Across replications each metric gets a mean and a Student-t 95%
confidence interval; the paired difference baseline - other (see
:mod:`sim.models.registry`) is computed per replication first (the models saw
the same incidents), then given its own interval, which is much narrower than the two separate ones.

Overload: when calls arrive faster than the officers can serve them, the queue
never settles and the response-time means describe only the calls that were
answered before the horizon (and grow with the run's length). :func:`summarise`
flags such a model per replication (see :func:`queue_unstable`) and adds two
rows per model: ``unstable_share`` (share of replications flagged) and, overall,
``backlog_at_end`` (calls still waiting for officers at the horizon);
:func:`stability_warnings` words them for the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from .models import registry

ALL = "all"

#: Summary-only rows (computed by :func:`summarise` from the per-replication table).
STABILITY: dict[str, tuple[str, str]] = {
    "unstable_share": (
        "share",
        "replications whose queue was still piling up at the horizon (overload)",
    ),
    "backlog_at_end": ("count", "calls still waiting for officers at the horizon"),
}
#: A replication's queue is flagged unstable when at least this many calls, and ...
UNSTABLE_MIN_CALLS = 5
#: ... this share of its calls had no officer at the horizon, or ...
UNSTABLE_SHARE = 0.05
#: ... this smaller share while the officers were busy at least this share of their time.
UNSTABLE_SHARE_SATURATED, SATURATED_UTILISATION = 0.01, 0.97

#: Metric name -> (unit, one-line meaning); the order is the report order.
METRICS: dict[str, tuple[str, str]] = {
    "calls": ("count", "incidents called after warm-up"),
    "response_mean_min": ("min", "mean time from call to first officer on scene"),
    "response_median_min": ("min", "median first-response time"),
    "response_p90_min": ("min", "90th percentile first-response time"),
    "response_p95_min": ("min", "95th percentile first-response time"),
    "within_target_share": ("share", "calls with first response within the target minutes"),
    "unanswered_share": ("share", "calls nobody reached before the horizon"),
    "full_strength_mean_min": ("min", "mean time from call to all required officers on scene"),
    "full_strength_median_min": ("min", "median time to full strength"),
    "full_strength_p90_min": ("min", "90th percentile time to full strength"),
    "full_strength_p95_min": ("min", "95th percentile time to full strength"),
    "short_handed_share": ("share", "cleared calls that never reached full strength"),
    "own_short_share": (
        "share",
        "calls the own station could not staff alone with the officers free at dispatch",
    ),
    "reinforced_share": (
        "share",
        "calls the own station could not staff alone that got officers from another station, "
        "the case team or the county",
    ),
    "cross_township_share": (
        "share",
        "calls the own station could staff that were still (partly) covered by another "
        "station's officers, because they were nearer",
    ),
    "reinforcement_mean_min": (
        "min",
        "mean time from call to the last reinforcement on scene, over reinforced calls",
    ),
    "same_call_full_strength_mean_min": (
        "min",
        "mean time to full strength over the calls the baseline's station could not staff "
        "alone: the same calls in every model",
    ),
    "same_call_full_strength_p90_min": (
        "min",
        "90th percentile of the same, over the same calls in every model",
    ),
    "county_requests_per_30d": ("count", "county reinforcement requests per 30 days"),
    "county_stood_down_per_30d": (
        "count",
        "county heads called off per 30 days because own or pool officers got there first",
    ),
    "utilisation": (
        "share",
        "field officers' on-duty time travelling to, on scene or investigating",
    ),
    "patrol_share": ("share", "community officers' on-duty time on patrol (an output)"),
    "on_duty_hours_per_day": ("hours", "officer-hours on duty per day, every role"),
    "community_on_duty_hours_per_day": ("hours", "community officers' on-duty hours per day"),
    "case_team_on_duty_hours_per_day": ("hours", "case-team officers' on-duty hours per day"),
    "room_on_duty_hours_per_day": ("hours", "command-room officers' on-duty hours per day"),
    "on_duty_hours_per_officer_year": (
        "hours",
        "on-duty hours per officer on the roll per year (the roster)",
    ),
    "patrol_hours_per_day": ("hours", "officer-hours on patrol per day"),
    "desk_hours_per_day": ("hours", "officer-hours at a duty desk, command room or window per day"),
    "call_hours_per_day": ("hours", "officer-hours travelling to and on scene per day"),
    "case_work_hours_per_day": ("hours", "officer-hours of case work (investigations) per day"),
    "duty_hours_per_day": ("hours", "officer-hours of scheduled duties per day"),
    "walk_in_wait_mean_min": ("min", "mean wait of walk-in visitors for a desk seat"),
    "walk_in_wait_p90_min": ("min", "90th percentile wait of walk-in visitors"),
    "investigation_turnaround_mean_hours": ("hours", "mean time from case creation to completion"),
    "investigations_open_share": ("share", "investigations not completed by the horizon"),
}

#: Metrics computed from the officer table (NaN for priority and incident-type scopes).
OFFICER_METRICS = (
    "utilisation",
    "patrol_share",
    "on_duty_hours_per_day",
    "community_on_duty_hours_per_day",
    "case_team_on_duty_hours_per_day",
    "room_on_duty_hours_per_day",
    "on_duty_hours_per_officer_year",
    "patrol_hours_per_day",
    "desk_hours_per_day",
    "call_hours_per_day",
    "case_work_hours_per_day",
    "duty_hours_per_day",
)


#: The metrics of the comparison table (CLI) and the report's headline table, in order.
HEADLINE_METRICS: tuple[str, ...] = (
    "calls",
    "response_mean_min",
    "response_median_min",
    "response_p90_min",
    "within_target_share",
    "unanswered_share",
    "full_strength_mean_min",
    "full_strength_p90_min",
    "own_short_share",
    "reinforced_share",
    "cross_township_share",
    "same_call_full_strength_mean_min",
    "same_call_full_strength_p90_min",
    "county_requests_per_30d",
    *OFFICER_METRICS,  # the time budget, in the same order
    "walk_in_wait_mean_min",
    "investigation_turnaround_mean_hours",
)


def _q(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else math.nan


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def incident_metrics(
    inc: pd.DataFrame, target_min: float, observed_days: float
) -> dict[str, float]:
    """Return response, full-strength and county metrics of one set of incident rows."""
    n = len(inc)
    resp = inc["response_min"].to_numpy()
    answered = resp[~np.isnan(resp)]
    full = inc["full_strength_delay_min"].to_numpy()
    full = full[~np.isnan(full)]
    cleared = ~np.isnan(inc["cleared_min"].to_numpy())
    helped = (inc["n_other"] + inc["n_case"] + inc["n_county"]).to_numpy() > 0
    own_short = inc["own_short"].to_numpy(dtype=bool)
    reinforced = helped & own_short
    cover = (inc["n_other"].to_numpy() > 0) & ~own_short
    rf = (inc["reinforcement_arrived_min"] - inc["call_min"]).to_numpy()[reinforced]
    rf = rf[~np.isnan(rf)]
    short = cleared & np.isnan(inc["full_strength_min"].to_numpy())
    per_30d = 30.0 / observed_days
    return {
        "calls": float(n),
        "response_mean_min": _mean(answered),
        "response_median_min": _q(answered, 50),
        "response_p90_min": _q(answered, 90),
        "response_p95_min": _q(answered, 95),
        "within_target_share": float((answered <= target_min).sum() / n) if n else math.nan,
        "unanswered_share": float(1 - len(answered) / n) if n else math.nan,
        "full_strength_mean_min": _mean(full),
        "full_strength_median_min": _q(full, 50),
        "full_strength_p90_min": _q(full, 90),
        "full_strength_p95_min": _q(full, 95),
        "short_handed_share": float(short.sum() / cleared.sum()) if cleared.any() else math.nan,
        "own_short_share": float(own_short.mean()) if n else math.nan,
        "reinforced_share": float(reinforced.mean()) if n else math.nan,
        "cross_township_share": float(cover.mean()) if n else math.nan,
        "reinforcement_mean_min": _mean(rf),
        "county_requests_per_30d": float(
            (~np.isnan(inc["county_requested_min"].to_numpy())).sum() * per_30d
        ),
        "county_stood_down_per_30d": float(inc["n_county_stood_down"].sum() * per_30d),
    }


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else math.nan


def officer_metrics(off: pd.DataFrame) -> dict[str, float]:
    """Return the time budget of a set of officer rows.

    Utilisation is the field officers' (community and case team) call and case
    work over their on-duty time; patrol share is the community officers'
    patrol time over theirs. Officer-hours are per day of observed time;
    on-duty hours per officer per year are over every officer on the roll.
    """
    if off.empty:
        return dict.fromkeys(OFFICER_METRICS, math.nan)
    role = off["role"].to_numpy()
    field = off[role != "room"]
    community = off[role == "community"]
    days = float(off["observed_min"].iloc[0]) / 1440.0
    per_day = 1.0 / (60.0 * days)
    out = {
        "utilisation": _share(field["busy_min"].sum(), field["on_duty_min"].sum()),
        "patrol_share": _share(community["patrol_min"].sum(), community["on_duty_min"].sum()),
        "on_duty_hours_per_day": float(off["on_duty_min"].sum() * per_day),
        "on_duty_hours_per_officer_year": float(
            off["on_duty_min"].sum() / 60.0 / len(off) * 365.0 / days
        ),
        "patrol_hours_per_day": float(off["patrol_min"].sum() * per_day),
        "desk_hours_per_day": float(off["desk_min"].sum() * per_day),
        "call_hours_per_day": float((off["travel_min"] + off["scene_min"]).sum() * per_day),
        "case_work_hours_per_day": float(off["investigation_min"].sum() * per_day),
        "duty_hours_per_day": float(off["duty_min"].sum() * per_day),
    }
    for r in ("community", "case_team", "room"):
        out[f"{r}_on_duty_hours_per_day"] = float(
            off["on_duty_min"].to_numpy()[role == r].sum() * per_day
        )
    return out


def walk_in_metrics(walk_ins: pd.DataFrame, township: str) -> dict[str, float]:
    """Return the mean and 90th percentile wait (minutes) of walk-ins served, for a scope."""
    if walk_ins.empty:
        return {"walk_in_wait_mean_min": math.nan, "walk_in_wait_p90_min": math.nan}
    w = walk_ins if township == ALL else walk_ins[walk_ins["station"] == township]
    wait = w["wait_min"].to_numpy()
    wait = wait[~np.isnan(wait)]
    return {"walk_in_wait_mean_min": _mean(wait), "walk_in_wait_p90_min": _q(wait, 90)}


def same_call_metrics(incidents: list[pd.DataFrame], rows: list[list[dict]]) -> None:
    """Add full-strength times over the calls the baseline model's station could not staff alone.

    ``incidents[k]`` and ``rows[k]`` are model ``k``'s incident table and metric
    rows of one replication, baseline first. The set of calls is
    taken from the baseline and used for every model, so the difference is
    paired on the same calls. Rows are updated in place.
    """
    base = incidents[0]
    chosen = base["incident"].to_numpy()[base["own_short"].to_numpy(dtype=bool)]
    for inc, model_rows in zip(incidents, rows):
        picked = inc[inc["incident"].isin(chosen)]
        for row in model_rows:
            column = _BREAKDOWN_COLUMN[row["breakdown"]]
            sel = (
                picked
                if column is None
                else picked[picked[column].astype(str) == str(row["group_value"])]
            )
            d = sel["full_strength_delay_min"].dropna().to_numpy()
            row["same_call_full_strength_mean_min"] = _mean(d)
            row["same_call_full_strength_p90_min"] = _q(d, 90)


#: The incident-table column each breakdown of :func:`replication_metrics` splits by.
_BREAKDOWN_COLUMN = {"all": None, "township": "township", "priority": "priority", "type": "type"}


def investigation_metrics(inv: pd.DataFrame) -> dict[str, float]:
    """Return mean turnaround (hours) of completed investigations and the share still open."""
    if inv.empty:
        return {
            "investigation_turnaround_mean_hours": math.nan,
            "investigations_open_share": math.nan,
        }
    done = inv["turnaround_hours"].dropna()
    return {
        "investigation_turnaround_mean_hours": float(done.mean()) if len(done) else math.nan,
        "investigations_open_share": float(1 - len(done) / len(inv)),
    }


def _split(frame: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """Rows of ``frame`` by value of ``column`` in one pass (order of rows kept)."""
    if frame.empty or column not in frame.columns:
        return {}
    return {str(k): g for k, g in frame.groupby(column, observed=True, sort=False)}


def replication_metrics(
    inc: pd.DataFrame,
    off: pd.DataFrame,
    inv: pd.DataFrame,
    townships: list[str],
    target_min: float,
    observed_days: float,
) -> list[dict]:
    """Return one row per scope of one model in one replication.

    Scopes: ``all``, each township (``breakdown`` "township"), each priority
    and each incident type (``breakdown`` "priority" / "type", with the
    ``township`` column reading e.g. ``priority 1`` or ``type theft``). Officer
    metrics are NaN for priority and type scopes (officers are not split by call).
    """
    parts = [_split(inc, "township"), _split(off, "station"), _split(inv, "township")]
    rows = []
    for scope in [ALL, *townships]:
        if scope == ALL:
            i, o, v = inc, off, inv
        else:
            i, o, v = (
                split.get(scope, frame.iloc[0:0]) for split, frame in zip(parts, (inc, off, inv))
            )
        row = {"township": scope, "breakdown": "all" if scope == ALL else "township"}
        row["group_value"] = scope
        row.update(incident_metrics(i, target_min, observed_days))
        row.update(officer_metrics(o))
        row.update(investigation_metrics(v))
        rows.append(row)
    no_officers = dict.fromkeys(OFFICER_METRICS, math.nan)
    for column, label in (("priority", "priority"), ("type", "type")):
        for value, i in sorted(_split(inc, column).items(), key=lambda kv: str(kv[0])):
            row = {"township": f"{label} {value}", "breakdown": label, "group_value": value}
            if column == "priority":
                row["group_value"] = int(value)
            row.update(incident_metrics(i, target_min, observed_days))
            row.update(no_officers)
            rows.append(row)
    return rows


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Return (mean, low, high) of a Student-t interval; NaN bounds with fewer than 2 values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(values.std(ddof=1))
    if sd == 0.0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def queue_unstable(per_rep: pd.DataFrame) -> pd.Series:
    """Return 1.0 where a replication's queue did not keep up, 0.0 where it did (NaN: no calls).

    A row is flagged when at least :data:`UNSTABLE_MIN_CALLS` calls were still
    without an officer at the horizon and they were at least
    :data:`UNSTABLE_SHARE` of its calls (or :data:`UNSTABLE_SHARE_SATURATED`
    while utilisation was at least :data:`SATURATED_UTILISATION`). In a stable
    queue the calls waiting at the end are only those of the last few response
    times, a vanishing share of a run; in an overloaded one the backlog grows
    with the horizon and the response means leave out exactly the longest waits.
    """
    calls = per_rep["calls"].astype(float)
    share = per_rep["unanswered_share"].astype(float)
    util = per_rep["utilisation"].astype(float).fillna(0.0)
    waiting = calls * share
    limit = np.where(util >= SATURATED_UTILISATION, UNSTABLE_SHARE_SATURATED, UNSTABLE_SHARE)
    flag = ((waiting >= UNSTABLE_MIN_CALLS) & (share >= limit)).astype(float)
    return flag.where(calls > 0)


def stability_warnings(summary: pd.DataFrame, township: str = ALL) -> list[str]:
    """Return one plain-language warning per model whose queue was unstable (empty if none)."""
    block = summary[
        (summary["township"] == township) & ~summary["model"].map(registry.is_difference)
    ]
    rows = block.set_index(["metric", "model"])
    out = []
    for model in dict.fromkeys(block["model"]):
        if ("unstable_share", model) not in rows.index:
            continue
        flagged = rows.loc[("unstable_share", model)]
        if not flagged["mean"] > 0:
            continue
        n = int(flagged["n"])
        k = round(flagged["mean"] * n)
        unanswered = rows.loc[("unanswered_share", model), "mean"]
        backlog = ""
        if ("backlog_at_end", model) in rows.index:
            waiting = rows.loc[("backlog_at_end", model), "mean"]
            backlog = (
                f"on average {waiting:.0f} calls were still waiting for officers at the horizon, "
            )
        out.append(
            f"{model} model: the queue was unstable (calls arrive faster than the officers "
            f"clear them) in {k} of {n} replications: {backlog}{100 * unanswered:.1f}% of "
            "calls had no officer yet. Its response and full-strength times leave those calls "
            "out and grow with the horizon: do not read them as typical. Add officers, lower "
            "demand_scale, or run longer to confirm."
        )
    return out


#: On-duty officer-hours of the two models may differ by this share before a warning.
STAFFING_TOLERANCE = 0.01


def staffing_warnings(summary: pd.DataFrame) -> list[str]:
    """Warn when the models do not put the same on-duty officer-hours to work.

    The roster is applied per team, so rounding (``max(1, round(share x n))``)
    can give one model's smaller teams more or fewer on-duty hours than another
    model's stations from the same roll; a difference in results is then
    partly a difference in staffing, not in how the officers are organised.
    """
    rows = summary[(summary["township"] == ALL) & (summary["metric"] == "on_duty_hours_per_day")]
    means = {r.model: r.mean for r in rows.itertuples() if not registry.is_difference(r.model)}
    if len(means) < 2 or any(math.isnan(v) for v in means.values()):
        return []
    base, *others = list(means.items())
    out = []
    for model, hours in others:
        if abs(hours - base[1]) > STAFFING_TOLERANCE * base[1]:
            out.append(
                f"the models do not use the same on-duty officer-hours: {base[0]} "
                f"{base[1]:.1f} h/day, {model} {hours:.1f} h/day "
                f"({100 * (hours / base[1] - 1):+.1f}%), from rounding the roster per team. "
                "Part of any difference is staffing, not organisation: adjust the roster or "
                "team sizes to compare like with like."
            )
    if not out:
        out_note = (
            f"both models use the same on-duty officer-hours ({base[1]:.1f} h/day, "
            f"within {100 * STAFFING_TOLERANCE:.0f}%)."
        )
        return [out_note]
    return out


def unstable_models(summary: pd.DataFrame, township: str = ALL) -> set[str]:
    """Return the models flagged unstable in any replication (never a difference label)."""
    rows = summary[
        (summary["township"] == township)
        & (summary["metric"] == "unstable_share")
        & ~summary["model"].map(registry.is_difference)
    ]
    return {r.model for r in rows.itertuples() if r.mean > 0}


def model_order(models: Iterable[str]) -> list[str]:
    """The distinct ``models`` in report order: registered ones first (baseline first)."""
    present = list(dict.fromkeys(str(m) for m in models))
    known = [m for m in registry.names() if m in present]
    return known + [m for m in present if m not in known]


def summarise(per_rep: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Summarise a per-replication table into means and intervals per model and township.

    ``per_rep`` has columns ``replication``, ``model``, ``township`` and one
    column per metric. The result has one row per (township, metric, model)
    with ``mean``, ``ci_low``, ``ci_high`` and ``n``, where model is each
    model of ``per_rep`` (baseline first, see :mod:`sim.models.registry`) or a
    paired difference ``baseline - other`` per other model.
    """
    rows = []
    metrics = [m for m in METRICS if m in per_rep.columns]
    per_rep = per_rep.copy()
    if {"calls", "unanswered_share", "utilisation"} <= set(per_rep.columns):
        per_rep["unstable_share"] = queue_unstable(per_rep)
        metrics.append("unstable_share")
    if "backlog_at_end" in per_rep.columns:
        metrics.append("backlog_at_end")
    models = model_order(per_rep["model"])
    base, others = models[0], models[1:]
    for scope, block in per_rep.groupby("township", sort=False, observed=True):
        breakdown = str(block["breakdown"].iloc[0]) if "breakdown" in block else "all"
        wide = {m: block[block["model"] == m].set_index("replication") for m in models}
        for metric in metrics:
            if metric == "backlog_at_end" and scope != ALL:
                continue  # counted for the whole model, not per township
            series = {m: wide[m][metric] for m in wide}
            if breakdown in ("priority", "type") and all(v.isna().all() for v in series.values()):
                continue  # officer metrics are not split by priority or type
            paired = {
                registry.difference(o, base): (series[base] - series[o]).dropna() for o in others
            }
            for label, values in {**series, **paired}.items():
                mean, low, high = t_interval(values.to_numpy(), level)
                rows.append(
                    {
                        "township": scope,
                        "breakdown": breakdown,
                        "metric": metric,
                        "model": label,
                        "mean": mean,
                        "ci_low": low,
                        "ci_high": high,
                        "n": int(values.notna().sum()),
                    }
                )
    return pd.DataFrame(rows)
