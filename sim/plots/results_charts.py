"""The six charts of a run folder (issue 4), each a function ``RunData -> Figure``.

Which calls each chart uses, so an analyst can check a number against the tables:

1. :func:`response_distribution`: every call after warm-up, all replications
   together; calls nobody reached before the horizon count in the denominator
   (the curve stops short of 100%), as in ``within_target_share``.
2. :func:`response_by_township`: the same, per township (the township of the
   call's village).
3. :func:`full_strength_reinforced`: the calls a station could not staff
   alone: those for which the *baseline* model (the first registered; in the
   shipped models, the isolated stations) asked for reinforcement (there, the
   county). The same calls (same replication, same incident: all models share
   each replication's incidents) are drawn under every other model, so the
   comparison is paired.
4. :func:`officer_time`: officers' on-duty minutes by state, per station and
   model; a case team (officer rows with role ``case_team``, in the shipped
   models only the joint station has one) gets its own row per model.
5. :func:`sim.plots.road_map.network_map`: the road map.
6. :func:`investigation_turnaround`: every investigation created after
   warm-up; those still open at the horizon count in the denominator.

Every chart draws the models present in the records it reads (incidents,
officers or investigations; :func:`~sim.plots.data.models_in`), in registry
order, baseline first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .common import ecdf, marker_positions, minutes, pct, percentile, source_note, title
from .data import RunData, models_in
from .road_map import network_map
from .style import (
    GREY,
    MODEL_STYLE,
    STATE_STYLE,
    context,
    fill_kwargs,
    line_kwargs,
    new_figure,
    no_data,
    target_line,
)

#: Most townships (or station groups) a per-township chart shows.
MAX_GROUPS = 12


def _note(run: RunData, extra: str = "") -> str:
    base = f"policesim simulation. {run.subtitle()}"
    return f"{base}. {extra}" if extra else base


def _model_rows(df: pd.DataFrame, model: str) -> pd.DataFrame:
    return df[df["model"] == model]


# --------------------------------------------------------------------------- 1


def response_distribution(run: RunData) -> Figure:
    """ECDF of first-response time per model, the target marked, share within target in the legend.

    Read it as: at x minutes, y% of calls had their first officer on scene.
    The further left and higher a curve, the faster the response.
    """
    target = run.target_min
    with context():
        fig, ax = new_figure("wide")
        title(fig, "First-response time: how soon the first officer reaches a call")
        xmax = 1.5 * target
        drawn = False
        for model in models_in(run.incidents["model"]):
            inc = _model_rows(run.incidents, model)
            n = len(inc)
            if n == 0:
                continue
            vals = inc["response_min"].to_numpy(dtype=float)
            answered = vals[~np.isnan(vals)]
            within = float((answered <= target).sum() / n)
            p90 = percentile(answered, 90)
            x, y = ecdf(answered, n)
            label = (
                f"{MODEL_STYLE[model]['label']}: {pct(within, 1)} within {target:g} min, "
                f"90% by {minutes(p90)}"
            )
            ax.step(
                x, 100 * y, where="post",
                **line_kwargs(model, label=label, markevery=marker_positions(y)),
            )
            xmax = max(xmax, percentile(answered, 99) * 1.05)
            drawn = True
        if not drawn:
            no_data(ax, "no calls after warm-up in this run")
            return fig
        target_line(ax, target, f"target: {target:g} min")
        ax.set_xlim(0, xmax)
        ax.set_ylim(0, 101)
        ax.set_xlabel("minutes from the call to the first officer on scene")
        ax.set_ylabel("calls reached within that time (%)")
        ax.legend(loc="lower right")
        source_note(
            fig,
            _note(run, "All calls after warm-up; x axis cut at the 99th percentile."),
        )
    return fig


# --------------------------------------------------------------------------- 2


def _box_stats(values: np.ndarray) -> dict[str, float]:
    q = np.percentile(values, [5, 25, 50, 75, 95])
    return {
        "whislo": q[0], "q1": q[1], "med": q[2], "q3": q[3], "whishi": q[4],
        "mean": float(values.mean()), "fliers": [],
    }


def pick_townships(run: RunData, limit: int = MAX_GROUPS) -> tuple[list[str], str]:
    """Townships to show: all of them, or the ``limit`` whose 90th percentile changes most.

    Returns the townships (scenario order) and a note saying what was left out.
    """
    towns = run.townships
    if len(towns) <= limit:
        return towns, ""
    inc = run.incidents
    base, *others = models_in(inc["model"]) or [""]
    p90 = inc.groupby(["model", "township"], observed=True)["response_min"].quantile(0.9)
    change = {t: _largest_change(p90, base, others, t) for t in towns}
    ordered = sorted((c, t) for t, c in change.items() if not math.isnan(c))
    half = limit // 2
    chosen = {t for _, t in ordered[:half]} | {t for _, t in ordered[-(limit - half):]}
    note = (
        f"Showing {len(chosen)} of {len(towns)} townships: those whose 90th percentile "
        "worsens most and improves most under pooling (all are in summary.csv)."
    )
    return [t for t in towns if t in chosen], note


def _largest_change(p90: pd.Series, base: str, others: list[str], town: str) -> float:
    """The baseline's 90th percentile minus another model's, the largest in size over them."""
    changes = [p90.get((base, town), math.nan) - p90.get((m, town), math.nan) for m in others]
    changes = [c for c in changes if not math.isnan(c)]
    return max(changes, key=abs) if changes else math.nan


def box_layout(n_models: int) -> tuple[float, list[float]]:
    """Box width and each model's offset from its township's tick, for ``n_models`` side by side.

    Two models keep the original look (width 0.36, offsets -0.2 and +0.2); more
    share the same 0.8 of a township's slot.
    """
    step = 0.8 / max(n_models, 1)
    return step - 0.04, [(k - (n_models - 1) / 2) * step for k in range(n_models)]


def response_by_township(run: RunData) -> Figure:
    """Box plots of first-response time per township and model, target line, share within target.

    Read it as: for each township, the box holds the middle half of calls, the
    whiskers 5% to 95%, the line the median, the diamond the mean; the number
    above says what share of the township's calls were reached within the target.
    """
    target = run.target_min
    towns, left_out = pick_townships(run)
    with context():
        fig, ax = new_figure("wide")
        title(fig, "First-response time by township: who gains and who loses from pooling")
        inc = run.incidents
        if inc.empty:
            no_data(ax, "no calls after warm-up in this run")
            return fig
        models = models_in(inc["model"])
        width, offsets = box_layout(len(models))
        top = 0.0
        within: dict[str, dict[str, float]] = {m: {} for m in models}
        done: dict[str, list[str]] = {m: [] for m in models}
        for k, model in enumerate(models):
            stats, pos, shares = [], [], []
            for i, town in enumerate(towns):
                rows = inc[(inc["model"] == model) & (inc["township"] == town)]
                vals = rows["response_min"].to_numpy(dtype=float)
                vals = vals[~np.isnan(vals)]
                if len(vals) == 0:
                    continue
                stats.append(_box_stats(vals))
                pos.append(i + offsets[k])
                shares.append((vals <= target).sum() / len(rows))
                done[model].append(town)
                top = max(top, stats[-1]["whishi"])
            if not stats:
                continue
            s = MODEL_STYLE[model]
            ax.bxp(
                stats, positions=pos, widths=width, patch_artist=True, showmeans=True,
                showfliers=False,
                boxprops=fill_kwargs(model),
                medianprops={"color": "black", "linewidth": 1.8, "path_effects": [
                    patheffects.withStroke(linewidth=3.6, foreground="white")]},
                meanprops={"marker": "D", "markerfacecolor": "white",
                           "markeredgecolor": "black", "markersize": 5},
                whiskerprops={"color": s["edge"], "linestyle": s["linestyle"]},
                capprops={"color": s["edge"]},
            )
            for town, share in zip([t for t in towns if t in done[model]], shares):
                within[model][town] = share
        target_line(ax, target, f"target: {target:g} min", vertical=False)
        many = len(towns) > 6
        def share_change(t: str) -> str:
            a, *b = (pct(within[m].get(t, math.nan)) for m in models)
            sep = "\n" if len(b) > 1 else " "  # several models: too wide for one line
            if many:  # narrow columns: 89\u219256%, or 89%\n\u219256%/60%
                head = f"{a}\n" if len(b) > 1 else a.rstrip("%")
                return f"{head}\u2192{'/'.join(b)}"
            return f"within {target:g} min:{sep}{a} \u2192 {' / '.join(b)}"

        labels = [f"{t}\n{share_change(t)}" for t in towns]
        ax.set_xticks(range(len(towns)), labels, fontsize=8 if many else 9)
        ax.set_xlim(-0.6, len(towns) - 0.4)
        ax.set_ylim(0, max(top * 1.12, target * 1.2))
        ax.set_xlabel("township (where the call came from)")
        ax.set_ylabel("minutes from the call to the first officer on scene")
        handles = [
            Patch(**fill_kwargs(m), label=MODEL_STYLE[m]["label"]) for m in models
        ] + ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", ncol=3 if len(handles) <= 3 else 2)
        source_note(
            fig,
            _note(
                run,
                "Box: middle half of calls; whiskers: 5th-95th percentile; line: median; "
                f"diamond: mean. Under each township: share of its calls reached within "
                f"{target:g} min, {_arrow(models)}. {left_out}",
            ),
        )
    return fig


def _arrow(models: list[str]) -> str:
    """``isolated \u2192 pooled`` (the baseline, then the others separated by slashes)."""
    names = [MODEL_STYLE[m]["short"] for m in models]
    return f"{names[0]} \u2192 {' / '.join(names[1:])}" if names else ""


# --------------------------------------------------------------------------- 3


def reinforced_calls(run: RunData) -> pd.DataFrame:
    """Calls a station could not staff alone, paired across models.

    The calls for which the baseline model (the first of :attr:`RunData.models`;
    in the shipped models the isolated stations, whose only source is the
    county) asked for reinforcement, with their ``full_strength_delay_min``
    under each model: columns ``replication``, ``incident``, then one per model.
    """
    inc = run.incidents
    models = models_in(inc["model"])
    base = _model_rows(inc, models[0] if models else "")
    need = base[base["reinforcement_requested_min"].notna()][["replication", "incident"]]
    wide = (
        inc.merge(need, on=["replication", "incident"])
        .pivot(index=["replication", "incident"], columns="model", values="full_strength_delay_min")
        .reindex(columns=models)
        .reset_index()
    )
    wide.columns.name = None
    return wide


def _county_band(run: RunData) -> tuple[float, float] | None:
    dist = run.loaded.scenario.county.reinforcement_delay_min
    low, high = getattr(dist, "low", None), getattr(dist, "high", None)
    if low is None or high is None or not run.loaded.scenario.county.enabled:
        return None
    return float(low), float(high)


def full_strength_reinforced(run: RunData) -> Figure:
    """ECDF of time to full strength for calls a station could not staff alone, paired.

    Read it as: of the calls whose own station was short of officers, y% had
    every required officer on scene within x minutes: with the county's
    reinforcement (isolated) and with the other member stations' (pooled).
    """
    target = run.target_min
    wide = reinforced_calls(run)
    models = models_in(run.incidents["model"])
    base = MODEL_STYLE[models[0]]["short"] if models else "baseline"
    with context():
        fig, ax = new_figure("wide")
        title(fig, "Calls a station could not staff alone: time until full strength")
        n = len(wide)
        if n == 0:
            no_data(ax, f"no call needed reinforcement under the {base} model in this run")
            source_note(fig, _note(run))
            return fig
        band = _county_band(run)
        if band:
            ax.axvspan(
                *band, facecolor="#EEEEEE", edgecolor="#D2D2D2", hatch="||", linewidth=0,
                label=f"county reinforcement delay, {band[0]:g}-{band[1]:g} min (assumed)",
            )
        xmax = 1.5 * target
        for model in models:
            vals = wide[model].to_numpy(dtype=float)
            done = vals[~np.isnan(vals)]
            never = 1 - len(done) / n
            label = (
                f"{MODEL_STYLE[model]['label']}: median {minutes(percentile(done, 50))}"
                f", {pct(float((done <= target).sum() / n))} within {target:g} min"
            )
            if never > 0.0005:
                label += f", {pct(never, 1)} never at full strength"
            x, y = ecdf(done, n)
            ax.step(
                x, 100 * y, where="post",
                **line_kwargs(model, label=label, markevery=marker_positions(y)),
            )
            if len(done):
                xmax = max(xmax, percentile(done, 99) * 1.05)
        if band:
            xmax = max(xmax, band[1] * 1.1)
        target_line(ax, target, f"{target:g} min (the response target)")
        ax.set_xlim(0, xmax)
        ax.set_ylim(0, 101)
        ax.set_xlabel("minutes from the call until every required officer is on scene")
        ax.set_ylabel("of these calls, at full strength within that time (%)")
        ax.legend(loc="lower right")
        source_note(
            fig,
            _note(
                run,
                f"{n} calls (all replications) for which the {base} model asked for "
                f"reinforcement; the same calls under the {_others(models)} model"
                f"{'s' if len(models) > 2 else ''} (paired).",
            ),
        )
    return fig


def _others(models: list[str]) -> str:
    """The models after the baseline by short name: ``pooled``, ``pooled and x``."""
    names = [MODEL_STYLE[m]["short"] for m in models[1:]]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)


# --------------------------------------------------------------------------- 4


def _groups(run: RunData) -> tuple[dict[str, str], str]:
    """Station -> row group: the station itself, or its joint station when there are many.

    The dict's insertion order is the row order (stations in scenario order, or
    joint stations by id and then the stations in none).
    """
    sc = run.loaded.scenario
    stations = run.townships
    if len(stations) <= MAX_GROUPS:
        return {s: s for s in stations}, ""
    group: dict[str, str] = {}
    for pool in sorted(sc.pools, key=lambda p: p.pool_id):
        for m in sc.pool_members(pool):
            group[m] = pool.pool_id
    for s in stations:
        group.setdefault(s, "in no pool")
    return group, (
        "Too many stations to show one by one: rows are joint stations (all their member "
        "stations' officers together), and the stations in no joint station together."
    )


def officer_time_table(run: RunData) -> pd.DataFrame:
    """Share of on-duty time per state, per row of the chart (group, model, role).

    Columns: ``row`` (label), ``group``, ``model``, one column per state in
    :data:`~sim.plots.style.STATE_STYLE`, and ``officers`` (per replication).
    """
    off = run.officers.copy()
    group, _ = _groups(run)
    off["group"] = off["station"].map(group).fillna(off["station"])
    states = [f"{s}_min" for s in STATE_STYLE]
    rows = []
    order = list(dict.fromkeys(group.values()))
    reps = max(1, off["replication"].nunique())
    models = models_in(off["model"])
    for g in order:
        for model in models:
            mine = (off["group"] == g) & (off["model"] == model) & (off["role"] == "community")
            block = off[mine]
            rows.append(_time_row(block, f"{g}: {MODEL_STYLE[model]['short']}", g, model, reps,
                                  states))
    # a case team and a command room's officers: only in the models whose records have them
    for role, name in (("case_team", "case team"), ("room", "command room")):
        for model in models:
            team = off[(off["model"] == model) & (off["role"] == role)]
            if not team.empty:
                rows.append(_time_row(team, f"{name}: {MODEL_STYLE[model]['short']}",
                                      name, model, reps, states))
    return pd.DataFrame(rows)


def _time_row(
    block: pd.DataFrame, label: str, group: str, model: str, reps: int, states: list[str]
) -> dict:
    on_duty = float(block["on_duty_min"].sum()) if not block.empty else 0.0
    row = {"row": label, "group": group, "model": model, "officers": len(block) / reps}
    for s in states:
        row[s[:-4]] = float(block[s].sum()) / on_duty if on_duty > 0 else math.nan
    return row


def _case_team_clause(table: pd.DataFrame) -> str:
    """The note's words on the models with a case team (their station rows are smaller)."""
    moved = table["group"].isin(["case team", "command room"])
    models = dict.fromkeys(table.loc[moved, "model"])
    if not models:
        return ""
    names = " and ".join(MODEL_STYLE[m]["short"] for m in models)
    return f"; {names} rows lack those moved to the command room or case team"


#: Officer states that count as busy (the right panel of the time-split chart).
BUSY_STATES = ("scene", "investigation", "travel", "return")


def officer_time(run: RunData) -> Figure:
    """Stacked bars: how officers spend their on-duty time, per station and model.

    Left: all of the on-duty time (100% per bar). Right: the busy part only
    (on scene, investigating, travelling to calls, driving back), on a zoomed
    scale, since patrol takes most of the time and hides the differences.
    """
    table = officer_time_table(run)
    _, grouped = _groups(run)
    with context():
        fig, (ax, bx) = new_figure("tall", ncols=2, sharey=True, width_ratios=[1.55, 1])
        title(fig, "Where officers' on-duty time goes, per station and model")
        if table.empty or table[list(STATE_STYLE)].isna().all().all():
            no_data(ax, "no officer records in this run")
            no_data(bx, "")
            return fig
        case_clause = _case_team_clause(table)
        table = table.iloc[::-1].reset_index(drop=True)  # first station on top
        gaps = (table["group"] != table["group"].shift()).cumsum().to_numpy()
        y = np.arange(len(table), dtype=float) + 0.5 * (gaps - 1)  # a gap between groups
        crowded = len(table) > 16
        _stack(ax, table, y, list(STATE_STYLE), label_min=None if crowded else 0.06)
        busy = _stack(bx, table, y, list(BUSY_STATES), label_min=None)
        for yi, total in zip(y, busy):
            bx.text(100 * total, yi, f" {100 * total:.1f}%", va="center", ha="left",
                    fontsize=(5.5 if len(table) > 32 else 6.5) if crowded else 8)
        labels = [
            f"{r.row}  ({r.officers:.0f})" if not math.isnan(r.officers) else r.row
            for r in table.itertuples()
        ]
        # more than 32 rows (three or more models over many stations): smaller still
        ax.set_yticks(y, labels, fontsize=(6 if len(table) > 32 else 7.5) if crowded else 9)
        base = next(iter(models_in(table["model"])), "")
        for tick, model in zip(ax.get_yticklabels(), table["model"]):
            tick.set_fontweight("normal" if model == base else "bold")
        ax.set_xlim(0, 100)
        bx.set_xlim(0, max(1.0, 100 * float(np.nanmax(busy)) * 1.3))
        ax.set_xlabel("share of on-duty time (%)")
        bx.set_xlabel("busy share of on-duty time (%)")
        ax.set_title("All on-duty time", loc="left", fontsize=10)
        bx.set_title("Busy time only (zoomed)", loc="left", fontsize=10)
        for a in (ax, bx):
            a.grid(axis="y", visible=False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.075), ncol=3, fontsize=8.5,
                  frameon=False)
        source_note(
            fig,
            _note(
                run,
                "Community officers per station (their number per replication in brackets"
                f"{case_clause}); the case team and the command room's officers separately "
                "(civilian call-takers are not officers). Desk time is the duty desk or the "
                "command room; scheduled duties are the scenario's community and case-team "
                "hours. "
                + grouped,
            ),
        )
    return fig


def _stack(ax, table: pd.DataFrame, y: np.ndarray, states: list[str],
           label_min: float | None) -> np.ndarray:
    """Draw ``states`` as stacked horizontal bars; return each bar's total share."""
    left = np.zeros(len(table))
    for state in states:
        label, colour, hatch = STATE_STYLE[state]
        share = table[state].fillna(0).to_numpy()
        ax.barh(
            y, 100 * share, left=100 * left, height=0.8, color=colour, hatch=hatch,
            edgecolor="#333333", linewidth=0.6, label=label,
        )
        if label_min is not None:
            for yi, li, si in zip(y, left, share):
                if si >= label_min:
                    dark = colour in ("#4D4D4D", "#8C510A")
                    ax.text(
                        100 * (li + si / 2), yi, f"{100 * si:.0f}%", ha="center", va="center",
                        fontsize=7.5, color="white" if dark else "black",
                        bbox=None if dark else {"boxstyle": "round,pad=0.1", "fc": "white",
                                                "ec": "none", "alpha": 0.75},
                    )
        left = left + share
    return left


# --------------------------------------------------------------------------- 6


def investigation_turnaround(run: RunData) -> Figure:
    """Investigation turnaround under each model: by its case team or by the stations' officers.

    Left: share of investigations finished within x hours of the call being
    cleared. Right: mean hours waiting for an investigator and mean hours of work.
    """
    inv = run.investigations
    with context():
        fig, (ax, bx) = new_figure("panel", ncols=2, width_ratios=[2.2, 1])
        title(fig, "Investigation turnaround: stations' own officers vs the case team")
        if inv.empty:
            no_data(ax, "no investigations in this run")
            no_data(bx, "")
            source_note(fig, _note(run))
            return fig
        xmax = 1.0
        means = {}
        curves = []
        for model in models_in(inv["model"]):
            rows = _model_rows(inv, model)
            n = len(rows)
            if n == 0:
                continue
            t = rows["turnaround_hours"].to_numpy(dtype=float)
            done = t[~np.isnan(t)]
            who = _investigators(rows)
            if len(done):
                label = (
                    f"{MODEL_STYLE[model]['short']}{who}: median "
                    f"{percentile(done, 50):.1f} h, mean {np.mean(done):.1f} h"
                )
            else:
                label = f"{MODEL_STYLE[model]['short']}{who}: none completed"
            still_open = 1 - len(done) / n
            if still_open > 0.0005:
                label += f", {pct(still_open, 1)} open at the end"
            x, y = ecdf(done, n)
            curves.append((model, done, n))
            ax.step(x, 100 * y, where="post",
                    **line_kwargs(model, label=label, markevery=marker_positions(y)))
            if len(done):
                xmax = max(xmax, percentile(done, 99) * 1.05)
            wait = rows["wait_hours"].to_numpy(dtype=float)
            means[model] = (
                float(np.nanmean(wait)) if np.isfinite(wait).any() else math.nan,
                float(rows["work_hours"].mean()),
            )
        ax.set_xlim(0, xmax)
        ax.set_ylim(0, 101)
        ax.set_xlabel("hours from the call's clearance to the investigation's completion")
        ax.set_ylabel("investigations completed within that time (%)")
        ax.set_title("How soon investigations are finished", loc="left", fontsize=10)
        ax.legend(loc="lower right")
        same = _same_curves(curves)
        if same:
            ax.text(0.98, 0.35, same, transform=ax.transAxes, ha="right", fontsize=8.5,
                    color=GREY)
        if not any(len(done) for _, done, _ in curves):
            # an overloaded run: investigations were opened but none was finished
            ax.text(0.5, 0.5, "no investigation was completed before the horizon\n"
                    "(the investigators never got to them: see the run's warnings)",
                    transform=ax.transAxes, ha="center", va="center", fontsize=9.5, color=GREY)
        models = [m for m in models_in(inv["model"]) if m in means]
        # NaN (no investigation started, so no wait or work to average) is drawn as 0
        started = {m: not math.isnan(means[m][0]) for m in models}
        means = {m: tuple(0.0 if math.isnan(v) else v for v in means[m]) for m in models}
        ypos = np.arange(len(models))[::-1]
        total = max((sum(means[m]) for m in models), default=0.0)
        total = total if math.isfinite(total) and total > 0 else 1.0
        for i, m in enumerate(models):
            wait, work = means[m]
            bx.barh(ypos[i], wait, height=0.5, **fill_kwargs(m))
            bx.barh(ypos[i], work, left=wait, height=0.5, facecolor="white",
                    edgecolor=MODEL_STYLE[m]["edge"], hatch="", linewidth=1.2)
            text = (f"{wait + work:.1f} h\n= {wait:.1f} wait\n+ {work:.1f} work" if started[m]
                    else f"none started:\nwait unknown\n+ {work:.1f} work")
            bx.text(wait + work + 0.02 * total, ypos[i], text,
                    va="center", ha="left", fontsize=8)
        bx.set_yticks(ypos, [MODEL_STYLE[m]["short"] for m in models])
        bx.set_ylim(-0.6, len(models) + 0.3)
        bx.set_xlim(0, total * 1.45)
        bx.set_xlabel("mean hours per investigation")
        bx.set_title("Mean wait, then work", loc="left", fontsize=10)
        bx.grid(axis="y", visible=False)
        legend = [
            Patch(facecolor="#CCCCCC", edgecolor="#333333", hatch="///",
                  label="waiting for an investigator (model's fill)"),
            Patch(facecolor="white", edgecolor="#333333", label="work"),
        ]
        bx.legend(handles=legend, loc="upper left", fontsize=8)
        source_note(
            fig,
            _note(
                run,
                "Investigations created after warm-up; open ones count in the denominator.",
            ),
        )
    return fig


def _investigators(rows: pd.DataFrame) -> str:
    """Who did a model's investigations ``rows``, from their ``by_case_team`` column.

    ``" (case team)"``, ``" (station officers)"``, ``" (case team and station
    officers)"``, or nothing when the records do not say (written by an older version).
    """
    if "by_case_team" not in rows.columns or rows["by_case_team"].isna().all():
        return ""
    by_team = rows["by_case_team"].dropna().astype(bool)
    if by_team.all():
        return " (case team)"
    return " (case team and station officers)" if by_team.any() else " (station officers)"


_COUNT_WORDS = {2: "two", 3: "three", 4: "four"}


def _same_curves(curves: list[tuple[str, np.ndarray, int]]) -> str:
    """A note when some models' ECDFs lie on top of each other (one would hide the other)."""
    if len(curves) < 2:
        return ""
    pairs = [
        (a[0], b[0]) for i, a in enumerate(curves) for b in curves[i + 1:]
        if _same_curve(a[1:], b[1:])
    ]
    if len(pairs) == len(curves) * (len(curves) - 1) // 2:
        n = len(curves)
        return f"the {_COUNT_WORDS.get(n, n)} models' curves lie on top of each other"
    return "\n".join(
        f"{MODEL_STYLE[a]['short']} and {MODEL_STYLE[b]['short']}: curves on top of each other"
        for a, b in pairs
    )


def _same_curve(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int], tol: float = 0.01) -> bool:
    """True when two ECDFs never differ by more than ``tol`` (one would hide the other)."""
    (va, na), (vb, nb) = a, b
    if len(va) == 0 or len(vb) == 0:
        return False
    grid = np.union1d(va, vb)
    fa = np.searchsorted(np.sort(va), grid, side="right") / na
    fb = np.searchsorted(np.sort(vb), grid, side="right") / nb
    return bool(np.max(np.abs(fa - fb), initial=0.0) <= tol)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Chart:
    """One chart of a run folder: file stem, figure kind (size), builder, one-line reading."""

    stem: str
    kind: str
    build: Callable[[RunData], Figure]
    caption: str


#: The run charts, in report order.
RUN_CHARTS: tuple[Chart, ...] = (
    Chart(
        "01_first_response_distribution", "wide", response_distribution,
        "Share of calls reached within x minutes under each model; the legend gives the share "
        "within the target and the time by which 90% were reached.",
    ),
    Chart(
        "02_first_response_by_township", "wide", response_by_township,
        "First-response times per township: which towns gain and which lose from pooling; "
        "the numbers are each township's share of calls reached within the target.",
    ),
    Chart(
        "03_full_strength_reinforced_calls", "wide", full_strength_reinforced,
        "For the calls a station could not staff alone (the first model in the legend asked "
        "for reinforcement), how soon all required officers were on scene under each model, "
        "on the same calls.",
    ),
    Chart(
        "04_officer_time_split", "tall", officer_time,
        "How each station's officers spend their on-duty time under each model: on scene, "
        "investigating, travelling, on scheduled duties, at a desk or the command room, on "
        "patrol, or idle at the station.",
    ),
    Chart(
        "05_road_network_map", "square", network_map,
        "The road network with stations, villages sized by demand and roads shaded by travel "
        "time; under pooling, how much of each station's work lies outside its own township.",
    ),
    Chart(
        "06_investigation_turnaround", "panel", investigation_turnaround,
        "How soon investigations are finished under each model, by the stations' own officers "
        "or by a case team, with the mean wait for an investigator and the work.",
    ),
)
