"""Per-point confidence intervals (``points.csv``) and the on-screen summary of a sweep.

For each point, model and metric: the mean across replications and a
Student-t 95% interval, and for each paired difference ``baseline - other``
the interval of the per-replication differences, all computed by
:func:`sim.metrics.summarise` (the models saw the same incidents in each
replication, so a paired interval is much narrower than the separate ones).

"Other beats baseline" at a point means the paired 95% interval excludes 0
on the other model's side and the difference reaches the metric's practical
threshold (:mod:`sim.compare`, which says what "better" means everywhere).
"No clear difference" means the interval contains 0 (with more replications
it may still resolve either way) or the difference is too small to matter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from rich.console import Console
from rich.table import Table

from .. import compare
from ..metrics import METRICS, model_order, summarise
from ..models import registry

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
    params = list(parameters)
    columns = ["point", *params, *POINTS_COLUMNS_TAIL]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    # each point is a "township" of summarise: one call gives every point's intervals
    per_rep = runs[["replication", "model", "point", *[m for m in METRICS if m in runs]]]
    s = summarise(per_rep.assign(model=per_rep["model"].astype(str), township=runs["point"]), level)
    s = s[s["metric"].isin(list(METRICS))].rename(columns={"township": "point"})
    rank = {
        "model": {m: k for k, m in enumerate(dict.fromkeys(s["model"]))},
        "metric": {m: k for k, m in enumerate(METRICS)},
    }
    s = s.sort_values(
        ["point", "model", "metric"], key=lambda c: c.map(rank[c.name]) if c.name in rank else c
    )
    values = runs.drop_duplicates("point")[["point", *params]]
    out = s.merge(values, on="point", how="left", validate="many_to_one")[columns]
    return out.reset_index(drop=True).astype({"point": "int64", "n": "int64"})




def verdict(
    metric: str, low: float, high: float, mean: float | None = None,
    pair: tuple[str, str] | None = None,
) -> str:
    """Compare two models at one point from the paired interval of ``base - other``.

    The verdict is :func:`sim.compare.verdict` (interval and practical threshold),
    worded for a sweep: ``pooled better``, ``isolated better``, ``no clear
    difference``, ``too few replications``; metrics without a direction say
    ``pooled lower`` / ``pooled higher`` (the other model's value against the base's).
    ``pair`` is (base, other), by default the first two registered models.
    """
    if math.isnan(low) or math.isnan(high):
        return compare.TOO_FEW
    v = compare.verdict(metric, low, high, mean, pair=pair)
    if v.better == compare.NOT_RANKED:
        if low <= 0 <= high:
            return compare.NO_CLEAR
        return f"{v.pair[1]} lower" if low > 0 else f"{v.pair[1]} higher"
    return compare.verdict_text(v)


def _cell(row: pd.Series, metric: str, difference: bool = False) -> str:
    """``mean [low, high]`` as every table shows it (:func:`sim.compare.interval`)."""
    return compare.interval(row["mean"], row["ci_low"], row["ci_high"], metric, difference)[0]


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
    """Print the best and worst points for ``target``, and where each model stops winning."""
    params = list(parameters)
    block = points[points["metric"] == target]
    if block.empty:
        console.print("no finished tasks: nothing to summarise")
        return
    models = model_order(m for m in block["model"] if not registry.is_difference(m))
    base = models[0]
    # difference label -> (base, other)
    pairs = {registry.difference(o, base): (base, o) for o in models[1:]}
    wide = {m: block[block["model"] == m].set_index("point") for m in (*models, *pairs)}
    values = wide[base][params]
    unit, meaning = METRICS[target]
    d = compare.direction(target)
    how = {-1: "lower is better", 1: "higher is better", 0: "neither direction is better"}[d]
    console.print(
        f"\n[bold]{len(values)} points × {replications} paired replications[/]; target metric "
        f"[bold]{target}[/] ({meaning}; {unit}; {how})"
    )
    table = Table(title=f"best and worst points for {target}", title_justify="left")
    for col in ("", "point", *params, "mean [95% CI]"):
        table.add_column(col, overflow="fold")
    words = ("lowest", "highest") if d <= 0 else ("highest", "lowest")
    for model, rows in wide.items():
        means = rows["mean"].dropna()
        if means.empty:
            continue
        lo, hi = int(means.idxmin()), int(means.idxmax())
        best, worst = (lo, hi) if d <= 0 else (hi, lo)
        name, labels, picks = model, words, (best, worst)
        if d:
            labels = (f"best ({words[0]})", f"worst ({words[1]})")
        if model in pairs:
            # the point where the other model helps most / least, whatever the direction
            other, name = pairs[model][1], f"{model} (paired)"
            labels, picks = (f"{other} helps most", f"{other} helps least"), (worst, best)
            if d == 0:
                labels, picks = (f"{model} largest", "smallest"), (hi, lo)
        for what, i in zip(labels, picks):
            row = (_value(values.at[i, p]) for p in params)
            cell = _cell(rows.loc[i], target, model in pairs)
            table.add_row(f"{name}: {what}", str(i), *row, cell)
    console.print(table)
    for label, pair in pairs.items():
        _print_pair(wide[label], values, target, pair, console)


def _print_pair(
    diff: pd.DataFrame, values: pd.DataFrame, target: str, pair: tuple[str, str],
    console: Console,
) -> None:
    """The verdict per point for one pair (base, other) and where ``other`` stops winning."""
    base, other = pair
    label = registry.difference(other, base)
    verdicts = {
        i: verdict(target, row["ci_low"], row["ci_high"], row["mean"], pair=pair)
        for i, row in diff.loc[values.index].iterrows()
    }
    counts = pd.Series(list(verdicts.values())).value_counts()
    console.print(
        f"paired {label}, 95% CI, per point: "
        + ", ".join(f"{k} at {v}" for k, v in counts.items())
    )
    if compare.direction(target) == 0:
        return
    losing = [i for i, v in verdicts.items() if v != f"{other} better"]
    if not losing or len(losing) == len(verdicts):
        beats = "clearly beats" if not losing else "does not clearly beat"
        at = "every" if not losing else "any"
        console.print(f"{other} {beats} {base} at {at} point on {target} (95% paired CI).")
        return
    for line in _boundaries(values, verdicts, pair)[:SHOW]:
        console.print(line, highlight=False)
    table = Table(
        title=f"points where {other} does not clearly beat {base} on {target}",
        title_justify="left",
    )
    for col in ("point", *values.columns, f"{label} [95% CI]", "verdict"):
        table.add_column(col, overflow="fold")
    for i in losing[:SHOW]:
        row = (_value(values.at[i, p]) for p in values.columns)
        table.add_row(str(i), *row, _cell(diff.loc[i], target, True), verdicts[i])
    if len(losing) > SHOW:
        table.caption = f"... and {len(losing) - SHOW} more (see points.csv)"
    console.print(table)


def _boundaries(
    values: pd.DataFrame, verdicts: dict[int, str], pair: tuple[str, str]
) -> list[str]:
    """Where ``pair[1]`` stops beating ``pair[0]`` along one parameter, the others held fixed."""
    base, other = pair
    lines = []
    for p in values.columns:
        held = [q for q in values.columns if q != p]
        groups = values.astype(str).groupby(held, sort=False).groups if held else {0: values.index}
        for members in groups.values():
            ids = sorted(members)  # point ids follow the grid's value order
            for a, b in zip(ids, ids[1:]):
                if verdicts[a] == f"{other} better" and verdicts[b] != f"{other} better":
                    fixed = ", ".join(f"{q}={values.at[a, q]}" for q in held) or "nothing else"
                    lines.append(
                        f"along {p} (with {fixed}): {other} clearly beats {base} at "
                        f"{_value(values.at[a, p])}, not at {_value(values.at[b, p])} "
                        f"({verdicts[b]})"
                    )
    return lines
