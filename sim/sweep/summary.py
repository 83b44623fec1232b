"""Per-point confidence intervals (``points.csv``) and the on-screen summary of a sweep.

For each point, model and metric: the mean across replications and a
Student-t 95% interval (:func:`sim.metrics.t_interval`), and for the paired
difference ``isolated - pooled`` the interval of the per-replication
differences (the two models saw the same incidents in each replication, so
this interval is much narrower than the two separate ones).

"Pooled beats isolated" at a point means the paired 95% interval excludes 0
on pooled's side (for a metric where lower is better, ``isolated - pooled``
entirely above 0) and the difference reaches the metric's practical threshold
(:mod:`sim.compare`, which says what "better" means everywhere). "No clear
difference" means the interval contains 0 (with more replications it may
still resolve either way) or the difference is too small to matter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from rich.console import Console
from rich.table import Table

from .. import compare
from ..metrics import DIFFERENCE, METRICS, t_interval
from ..models import MODELS

MODELS_OUT = (*MODELS, DIFFERENCE)
#: Metrics where a smaller / a larger value is better for the public (from sim.compare).
LOWER_IS_BETTER = frozenset(m for m in METRICS if compare.direction(m) == compare.LOWER)
HIGHER_IS_BETTER = frozenset(m for m in METRICS if compare.direction(m) == compare.HIGHER)
POINTS_COLUMNS_TAIL = ("model", "metric", "mean", "ci_low", "ci_high", "n")
#: Lines of each kind the on-screen summary shows at most.
SHOW = 10


def points_table(
    runs: pd.DataFrame, parameters: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """Return ``points.csv``: one row per point x model (and paired difference) x metric.

    ``runs`` is the ``runs.parquet`` table. Columns: ``point``, the parameter
    columns, ``model``, ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``n``
    (replications with a value; for the difference, with both values).
    """
    rows = []
    params = list(parameters)
    for point, block in runs.groupby("point", sort=True):
        first = block.iloc[0]
        fixed = {"point": int(point), **{p: first[p] for p in params}}
        by_model = {m: block[block["model"] == m].set_index("replication") for m in MODELS}
        for model in MODELS_OUT:
            for metric in METRICS:
                if model == DIFFERENCE:
                    iso, pooled = by_model["isolated"][metric], by_model["pooled"][metric]
                    values = (iso - pooled).dropna().to_numpy()
                else:
                    values = by_model[model][metric].dropna().to_numpy()
                mean, low, high = t_interval(values, level)
                rows.append(
                    {
                        **fixed,
                        "model": model,
                        "metric": metric,
                        "mean": mean,
                        "ci_low": low,
                        "ci_high": high,
                        "n": len(values),
                    }
                )
    columns = ["point", *params, *POINTS_COLUMNS_TAIL]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows, columns=columns).astype({"point": "int64", "n": "int64"})


def direction(metric: str) -> int:
    """-1 when lower is better, +1 when higher is better, 0 when neither (:mod:`sim.compare`)."""
    return compare.direction(metric)


def verdict(metric: str, low: float, high: float, mean: float | None = None) -> str:
    """Compare the models at one point from the paired interval of ``isolated - pooled``.

    The verdict is :func:`sim.compare.verdict` (interval and practical threshold),
    worded for a sweep: ``pooled better``, ``isolated better``, ``no clear
    difference``, ``too few replications``; metrics without a direction say
    ``pooled lower`` / ``pooled higher``.
    """
    if math.isnan(low) or math.isnan(high):
        return compare.TOO_FEW
    v = compare.verdict(metric, low, high, mean)
    if v.better == compare.NOT_RANKED:
        if low <= 0 <= high:
            return compare.NO_CLEAR
        return "pooled lower" if low > 0 else "pooled higher"
    return {compare.POOLED: "pooled better", compare.ISOLATED: "isolated better"}.get(
        v.better, v.better
    )


def _fmt(value: float, metric: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    unit = METRICS[metric][0]
    if unit == "share":
        return f"{100 * value:.1f}%"
    return f"{value:.2f}"


def _cell(row: pd.Series, metric: str) -> str:
    if math.isnan(row["ci_low"]):
        return _fmt(row["mean"], metric)
    low, high = _fmt(row["ci_low"], metric), _fmt(row["ci_high"], metric)
    return f"{_fmt(row['mean'], metric)} [{low}, {high}]"


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def print_summary(
    points: pd.DataFrame,
    parameters: Sequence[str],
    target: str,
    console: Console,
    replications: int,
) -> None:
    """Print the best and worst points for ``target`` and where pooled stops beating isolated."""
    params = list(parameters)
    block = points[points["metric"] == target]
    if block.empty:
        console.print("no finished tasks: nothing to summarise")
        return
    wide = {m: block[block["model"] == m].set_index("point") for m in MODELS_OUT}
    ids = list(wide["isolated"].index)
    values = {i: {p: wide["isolated"].at[i, p] for p in params} for i in ids}
    unit, meaning = METRICS[target]
    d = direction(target)
    how = {-1: "lower is better", 1: "higher is better", 0: "neither direction is better"}[d]
    console.print(
        f"\n[bold]{len(ids)} points × {replications} paired replications[/]; target metric "
        f"[bold]{target}[/] ({meaning}; {unit}; {how})"
    )

    table = Table(title=f"best and worst points for {target}", title_justify="left")
    for col in ("", "point", *params, "mean [95% CI]"):
        table.add_column(col, overflow="fold")
    best, worst = ("lowest", "highest") if d <= 0 else ("highest", "lowest")
    if d != 0:
        best, worst = f"best ({best})", f"worst ({worst})"
    for model in (*MODELS, DIFFERENCE):
        means = wide[model]["mean"].dropna()
        if means.empty:
            continue
        lo, hi = int(means.idxmin()), int(means.idxmax())
        pick = [(best, lo), (worst, hi)] if d <= 0 else [(best, hi), (worst, lo)]
        if model == DIFFERENCE:
            # the point where pooling helps most / least, whatever the metric's direction
            more, less = (hi, lo) if d <= 0 else (lo, hi)
            pick = [("pooling helps most", more), ("pooling helps least", less)]
            if d == 0:
                pick = [("isolated - pooled largest", hi), ("smallest", lo)]
        for what, i in pick:
            name = model if model != DIFFERENCE else f"{DIFFERENCE} (paired)"
            table.add_row(
                f"{name}: {what}",
                str(i),
                *(_value(values[i][p]) for p in params),
                _cell(wide[model].loc[i], target),
            )
    console.print(table)

    diff = wide[DIFFERENCE]
    verdicts = {
        i: verdict(target, diff.at[i, "ci_low"], diff.at[i, "ci_high"], diff.at[i, "mean"])
        for i in ids
    }
    counts = pd.Series(list(verdicts.values())).value_counts()
    console.print(
        "paired isolated - pooled, 95% CI, per point: "
        + ", ".join(f"{k} at {v}" for k, v in counts.items())
    )
    if d == 0:
        return
    losing = [i for i in ids if verdicts[i] != "pooled better"]
    if not losing:
        console.print(
            f"pooled clearly beats isolated at every point on {target} (95% paired CI)."
        )
        return
    if len(losing) == len(ids):
        console.print(
            f"pooled does not clearly beat isolated at any point on {target} (95% paired CI)."
        )
        return
    for line in _boundaries(params, values, verdicts)[:SHOW]:
        console.print(line, highlight=False)
    table = Table(
        title=f"points where pooled does not clearly beat isolated on {target}",
        title_justify="left",
    )
    for col in ("point", *params, "isolated - pooled [95% CI]", "verdict"):
        table.add_column(col, overflow="fold")
    for i in losing[:SHOW]:
        table.add_row(
            str(i),
            *(_value(values[i][p]) for p in params),
            _cell(wide[DIFFERENCE].loc[i], target),
            verdicts[i],
        )
    if len(losing) > SHOW:
        table.caption = f"... and {len(losing) - SHOW} more (see points.csv)"
    console.print(table)


def _boundaries(
    params: list[str], values: dict[int, dict], verdicts: dict[int, str]
) -> list[str]:
    """Where pooled stops beating isolated along one parameter, the others held fixed."""
    lines = []
    for p in params:
        others = [q for q in params if q != p]
        lines_of: dict[tuple, list[int]] = {}
        for i, v in values.items():
            lines_of.setdefault(tuple(str(v[q]) for q in others), []).append(i)
        for members in lines_of.values():
            if len(members) < 2:
                continue
            members.sort()  # point ids follow the grid's value order
            wins = [verdicts[i] == "pooled better" for i in members]
            for a, b, wa, wb in zip(members, members[1:], wins, wins[1:]):
                if wa and not wb:
                    held = ", ".join(f"{q}={values[a][q]}" for q in others) or "nothing else"
                    lines.append(
                        f"along {p} (with {held}): pooled clearly beats isolated at "
                        f"{_value(values[a][p])}, not at {_value(values[b][p])} ({verdicts[b]})"
                    )
    return lines
