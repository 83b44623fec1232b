"""Charts of a sweep folder: a metric against each swept parameter, and heat maps.

Read from ``points.csv`` (means and 95% confidence intervals per point, model
and metric; ``docs/sweeps.md``). For each swept parameter:

* :func:`metric_vs_parameter`: the metric under each model against the
  parameter, with 95% confidence bands; one panel per combination of the
  other parameters (at most :data:`MAX_PANELS`);
* :func:`difference_vs_parameter`: each paired difference ``baseline - other``
  (``isolated - pooled`` for the shipped models) with its 95% band and the
  zero line: where the band leaves zero, the other model clearly changes the
  metric;

and for each pair of parameters, :func:`heatmap`: the metric under each model
and each paired difference over the two parameters (other parameters held at
their first value).

The models and differences drawn are those in ``points.csv``
(:attr:`SweepData.models`, :attr:`SweepData.differences`), baseline first.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from ..compare import direction
from ..metrics import METRICS
from ..models import registry
from .common import source_note, title
from .data import SweepData
from .style import (
    MODEL_STYLE,
    context,
    line_kwargs,
    new_figure,
    no_data,
    target_line,
)

#: Most panels (combinations of the other parameters) in one line chart.
MAX_PANELS = 9
#: Longest parameter value shown on an axis (block values are compact JSON).
MAX_LABEL = 22


def slug(text: str) -> str:
    """A file-name-safe form of a parameter or metric name."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", str(text)).strip("-") or "parameter"


def short(value: Any) -> str:
    """A parameter value for an axis: numbers as ``%g``, long text cut."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    text = str(value)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def short_name(param: str, limit: int = 30) -> str:
    """A long dotted parameter path cut to its last parts: ``…from_stations.Taoxi``."""
    if len(param) <= limit:
        return param
    parts = param.split(".")
    out = parts[-1]
    for part in reversed(parts[:-1]):
        if len(part) + 1 + len(out) > limit - 1:
            break
        out = f"{part}.{out}"
    return "\u2026" + out


#: Unit suffixes of scenario field names, as axis text.
_UNITS = (
    ("_per_day", " per day"), ("_min", " (min)"), ("_hours", " (hours)"), ("_days", " (days)"),
    ("_kmh", " (km/h)"), ("_km", " (km)"),
)
#: Lists of items with an id, and how an item is named after the field: "officers at Midvale".
_ITEM_WORD = {"stations": "at", "incident_types": "of"}


def _words(field: str) -> str:
    for suffix, text in _UNITS:
        if field.endswith(suffix):
            return field[: -len(suffix)].replace("_", " ") + text
    return field.replace("_", " ")


def parameter_label(param: str) -> str:
    """A swept dotted path as axis text: ``stations.Midvale.officers`` -> ``officers at Midvale``.

    ``incident_types.dispute.rate_per_day`` -> ``rate per day of dispute``,
    ``pooled.command_room.staff`` -> ``pooled: command room staff`` (a section
    named after an operating model), ``demand_scale`` -> ``demand scale``;
    anything else keeps its parts in order.
    """
    parts = [p for p in param.split(".") if p]
    if len(parts) >= 3 and parts[0] in ("stations", "incident_types"):
        what = " ".join(_words(p) for p in parts[2:])
        return f"{what} {_ITEM_WORD[parts[0]]} {parts[1]}"
    if len(parts) >= 2 and parts[0] in registry.names():
        return f"{parts[0]}: " + " ".join(_words(p) for p in parts[1:])
    return " ".join(_words(p) for p in parts)


def metric_label(metric: str) -> str:
    """``response_p90_min`` -> ``90th percentile first-response time (min)``."""
    unit, meaning = METRICS.get(metric, ("", metric))
    unit = {"share": "%", "count": "count"}.get(unit, unit)
    return f"{meaning} ({unit})" if unit else meaning


def _scale(metric: str) -> float:
    return 100.0 if METRICS.get(metric, ("",))[0] == "share" else 1.0


def _values(points: pd.DataFrame, param: str) -> list[Any]:
    """The parameter's values in grid order (numbers sorted, labels by first point)."""
    col = points.sort_values("point")[param]
    uniq = list(dict.fromkeys(col.tolist()))
    if all(isinstance(v, (int, float, np.integer, np.floating)) for v in uniq):
        return sorted(uniq)
    return uniq


def _numeric(values: list[Any]) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in values
    )


def _kind_for(panels: int) -> tuple[str, int, int]:
    if panels <= 1:
        return "wide", 1, 1
    if panels <= 3:
        return "panel", 1, panels
    if panels == 4:
        return "square", 2, 2
    if panels <= 6:
        return "tall", 2, 3
    return "square", 3, 3


def _note(sweep: SweepData, extra: str = "", bands: bool = True) -> str:
    reps = f"{sweep.replications} paired replications per point" if sweep.replications else ""
    n_points = sweep.points["point"].nunique()
    base = f"policesim sweep: {sweep.name + ', ' if sweep.name else ''}{n_points} points"
    base += f", {reps}" if reps else ""
    band = " Bands: 95% confidence intervals." if bands else ""
    return f"{base}.{band} {extra}".strip()


def _combos(sweep: SweepData, param: str) -> list[dict[str, Any]]:
    others = [p for p in sweep.parameters if p != param]
    if not others:
        return [{}]
    lists = [_values(sweep.points, p) for p in others]
    return [dict(zip(others, combo)) for combo in itertools.product(*lists)]


def _select(block: pd.DataFrame, fixed: dict[str, Any]) -> pd.DataFrame:
    for p, v in fixed.items():
        block = block[block[p] == v]
    return block


def _positions(values: list[Any]) -> tuple[np.ndarray, bool]:
    if _numeric(values):
        return np.asarray(values, dtype=float), True
    return np.arange(len(values), dtype=float), False


def _series(block: pd.DataFrame, param: str, values: list[Any], model: str,
            scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = block[block["model"] == model].set_index(param)
    mean, low, high = [], [], []
    for v in values:
        if v in rows.index:
            r = rows.loc[v]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            mean.append(r["mean"] * scale)
            low.append(r["ci_low"] * scale)
            high.append(r["ci_high"] * scale)
        else:
            mean.append(math.nan)
            low.append(math.nan)
            high.append(math.nan)
    return np.array(mean, float), np.array(low, float), np.array(high, float)


def _better_words(diffs: list[str], metric: str, axis: str) -> str:
    """Which side of zero favours the other model(s) of the differences ``diffs``.

    ``axis`` is ``"above 0: "`` (a line chart's axis) or ``"positive = "`` (heat map
    cells); a single other model is named, several are "the other model".
    """
    others = [d.split(" - ", 1)[1] for d in diffs]
    who = MODEL_STYLE[others[0]]["short"] if len(others) == 1 else "the other model"
    d = direction(metric)
    if axis == "above 0: ":
        return {-1: f"above 0: {who} lower (better)", 1: f"below 0: {who} higher (better)",
                0: f"above 0: {who} lower"}[d]
    return {-1: f"positive = {who} lower (better).", 1: f"negative = {who} higher (better).",
            0: f"positive = {who} lower."}[d]


def _difference_words(diffs: list[str]) -> str:
    """``isolated - pooled`` for one difference, ``baseline - other model`` for several."""
    return diffs[0] if len(diffs) == 1 else "baseline - other model"


def _line_chart(sweep: SweepData, metric: str, param: str, models: list[str],
                diff: bool = False) -> Figure:
    pts = sweep.points[sweep.points["metric"] == metric]
    values = _values(sweep.points, param)
    x, numeric = _positions(values)
    combos = _combos(sweep, param)
    shown = combos[:MAX_PANELS]
    kind, nrows, ncols = _kind_for(len(shown))
    scale = _scale(metric)
    fig, axes = new_figure(kind, nrows=nrows, ncols=ncols, sharex=True, sharey=True,
                           squeeze=False)
    flat = list(axes.flat)
    for ax, fixed in zip(flat, shown):
        block = _select(pts, fixed)
        for model in models:
            mean, low, high = _series(block, param, values, model, scale)
            ax.fill_between(x, low, high, color=MODEL_STYLE[model]["color"], alpha=0.18,
                            linewidth=0)
            ax.plot(x, mean, **line_kwargs(model))
        if diff:
            target_line(ax, 0.0, "no difference", vertical=False)
        elif sweep.target_min and metric.startswith("response_") and metric.endswith("_min"):
            target_line(ax, sweep.target_min, f"target: {sweep.target_min:g} min",
                        vertical=False)
        if fixed:
            ax.set_title("\n".join(f"{short_name(parameter_label(p))} = {short(v)}"
                                   for p, v in fixed.items()),
                         fontsize=8, loc="left", fontweight="normal")
        if not numeric:
            ax.set_xticks(x, [short(v) for v in values])
            ax.set_xlim(-0.5, len(values) - 0.5)
        elif len(values) <= 8:
            ax.set_xticks(x, [short(v) for v in values])
    for ax in flat[len(shown):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(parameter_label(param))
    ylabel = metric_label(metric)
    if diff and models:
        ylabel = (f"{_difference_words(models)}\n{ylabel}\n"
                  f"{_better_words(models, metric, 'above 0: ')}")
    fig.supylabel(ylabel, fontsize=10)
    handles, labels = flat[0].get_legend_handles_labels()
    flat[0].legend(handles, labels, loc="best", fontsize=8)
    more = ""
    if len(combos) > len(shown):
        more = (f"Showing {len(shown)} of {len(combos)} combinations of the other parameters "
                "(all are in points.csv).")
    what = f"paired difference {_difference_words(models)} in " if diff and models else ""
    title(fig, f"Sweep: {what}{metric} against {parameter_label(param)}")
    source_note(fig, _note(sweep, more))
    return fig


def metric_vs_parameter(sweep: SweepData, metric: str, param: str) -> Figure:
    """The metric under each model against ``param``, with 95% bands."""
    with context():
        return _line_chart(sweep, metric, param, sweep.models)


def difference_vs_parameter(sweep: SweepData, metric: str, param: str) -> Figure:
    """Each paired difference baseline - other against ``param``, its 95% band and zero."""
    with context():
        return _line_chart(sweep, metric, param, sweep.differences, diff=True)


def heatmap_layout(panels: int) -> tuple[str, int, int]:
    """Figure kind, rows and columns of a heat-map chart of ``panels`` maps, three a row."""
    if panels <= 3:
        return "panel", 1, 3
    rows = math.ceil(panels / 3)
    return ("tall" if rows == 2 else "square"), rows, 3


def heatmap(sweep: SweepData, metric: str, pair: tuple[str, str]) -> Figure:
    """Heat maps of the metric over two parameters: each model, then each paired difference."""
    p, q = pair
    scale = _scale(metric)
    pts = sweep.points[sweep.points["metric"] == metric]
    others = [r for r in sweep.parameters if r not in pair]
    held = {r: _values(sweep.points, r)[0] for r in others}
    pts = _select(pts, held)
    xs, ys = _values(sweep.points, p), _values(sweep.points, q)
    models, diffs = sweep.models, sweep.differences
    shown = [*models, *diffs]
    kind, nrows, ncols = heatmap_layout(len(shown))
    with context():
        fig, grid_axes = new_figure(kind, nrows=nrows, ncols=ncols, squeeze=False)
        axes = list(grid_axes.flat)
        for ax in axes[len(shown):]:
            ax.set_visible(False)
        title(fig, f"Sweep: {metric} over {p} and {q}")
        grids = {}
        for model in shown:
            rows = pts[pts["model"] == model]
            grid = np.full((len(ys), len(xs)), math.nan)
            for rd in rows.to_dict("records"):
                if rd[p] in xs and rd[q] in ys:
                    grid[ys.index(rd[q]), xs.index(rd[p])] = rd["mean"] * scale
            grids[model] = grid
        if all(np.isnan(g).all() for g in grids.values()):
            for ax in axes:
                no_data(ax, f"no values of {metric}")
            return fig
        d = direction(metric)
        seq = colormaps["cividis_r" if d <= 0 else "cividis"]
        cells = _cells([grids[m] for m in models])  # one colour scale for every model
        norm = Normalize(float(cells.min()), float(cells.max())) if len(cells) else Normalize(0, 1)
        dcells = _cells([grids[m] for m in diffs])  # and one, centred on 0, for the differences
        span = float(np.abs(dcells).max()) if len(dcells) else 1.0
        dnorm = TwoSlopeNorm(0.0, -max(span, 1e-9), max(span, 1e-9))
        for ax, model in zip(axes, shown):
            is_diff = model in diffs
            cmap, nm = (colormaps["PuOr"], dnorm) if is_diff else (seq, norm)
            im = ax.imshow(grids[model], cmap=cmap, norm=nm, origin="lower", aspect="auto")
            for (i, j), v in np.ndenumerate(grids[model]):
                if math.isnan(v):
                    continue
                rgba = cmap(nm(v))
                light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
                text = f"{v:+.1f}" if is_diff else f"{v:.1f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="black" if light else "white")
            ax.set_xticks(range(len(xs)), [short(v) for v in xs],
                          rotation=30 if any(len(short(v)) > 6 for v in xs) else 0)
            ax.set_yticks(range(len(ys)), [short(v) for v in ys])
            ax.set_xlabel(parameter_label(p))
            ax.grid(False)
            name = MODEL_STYLE[model]["short"] + (" (paired)" if is_diff else "")
            ax.set_title(name, loc="left", fontsize=10)
            cb = fig.colorbar(im, ax=ax, shrink=0.85, pad=0.02)
            unit = {"share": "%"}.get(METRICS.get(metric, ("",))[0],
                                      METRICS.get(metric, ("",))[0])
            cb.set_label(unit)
        for row in grid_axes:
            row[0].set_ylabel(parameter_label(q))
        held_text = (
            "Other parameters held at " + ", ".join(f"{r} = {short(v)}" for r, v in held.items())
            + "." if held else ""
        )
        source_note(
            fig,
            f"{_note(sweep, held_text, bands=False)} Cells: mean across replications of "
            f"{metric_label(metric)}; {_difference_place(len(diffs))}, "
            + _better_words(diffs, metric, "positive = "),
        )
    return fig


def _cells(grids: list[np.ndarray]) -> np.ndarray:
    """The non-NaN cells of ``grids``, flat."""
    cells = np.concatenate([g.ravel() for g in grids]) if grids else np.array([])
    return cells[~np.isnan(cells)]


def _difference_place(n_diffs: int) -> str:
    """Where the difference maps are: ``right: paired difference`` for one, else the last ones."""
    return "right: paired difference" if n_diffs == 1 else f"last {n_diffs}: paired differences"


@dataclass(frozen=True)
class SweepChart:
    """One chart of a sweep folder: file stem, figure kind (size) and how to build it."""

    stem: str
    kind: str
    build: Any
    caption: str


def list_sweep_charts(sweep: SweepData, metric: str) -> list[SweepChart]:
    """The charts of a sweep folder for ``metric``, in report order."""
    out = []
    m = slug(metric)
    diffs = _difference_words(sweep.differences) if sweep.differences else "baseline - other"
    names = ", ".join(MODEL_STYLE[x]["short"] for x in sweep.models)
    heat_kind = heatmap_layout(len(sweep.models) + len(sweep.differences))[0]
    for param in sweep.parameters:
        panels = min(len(_combos(sweep, param)), MAX_PANELS)
        kind = _kind_for(panels)[0]
        out.append(SweepChart(
            f"sweep_{m}_vs_{slug(param)}", kind,
            lambda s, p=param: metric_vs_parameter(s, metric, p),
            f"{metric} under each model as {param} changes, with 95% confidence bands.",
        ))
        out.append(SweepChart(
            f"sweep_{m}_difference_vs_{slug(param)}", kind,
            lambda s, p=param: difference_vs_parameter(s, metric, p),
            f"Paired difference {diffs} in {metric} as {param} changes: where the band leaves "
            "the zero line, the other model clearly changes the metric.",
        ))
    for pair in itertools.combinations(sweep.parameters, 2):
        out.append(SweepChart(
            f"sweep_{m}_heatmap_{slug(pair[0])}_x_{slug(pair[1])}", heat_kind,
            lambda s, pr=pair: heatmap(s, metric, pr),
            f"{metric} over {pair[0]} and {pair[1]}: {names} and their paired "
            f"difference{'s' if len(sweep.differences) > 1 else ''}.",
        ))
    return out
