"""The fit report: ``report.md``, ``rates.csv`` and one chart per type, in a folder.

matplotlib (Agg backend) is imported only when the charts are drawn.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .durations import DurationFit
from .fitting import LogFit, TypeFit, incident_type_block, village_weights
from .rates import PROFILE_TEST_ALPHA

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def report_folder(out_path: Path) -> Path:
    """The report folder next to the fitted scenario: ``NEW_fit/`` for ``NEW.yaml``."""
    return out_path.with_name(f"{out_path.stem}_fit")


def dispersion(fit: LogFit, type_id: str) -> float:
    """Variance over mean of the type's calls per day: about 1 for Poisson calls.

    Well above 1 (trends, seasons, clusters of calls) means the Poisson
    intervals are too narrow.
    """
    calls = fit.log.calls
    day = (calls.loc[calls["type"] == type_id, "time"] - pd.Timestamp(fit.log.start)).dt.days
    per_day = np.bincount(day.to_numpy(), minlength=fit.log.days)
    return float(per_day.var(ddof=1) / per_day.mean()) if per_day.mean() > 0 else math.nan


def rates_table(fit: LogFit) -> pd.DataFrame:
    """One row per type: calls, rate per day and its interval, dispersion, the on-scene choice."""
    rows = []
    for t in fit.types:
        rows.append({
            "type": t.id,
            "calls": int(t.rate.counts[0]),
            "rate_per_day": float(t.rate.rate[0]),
            "ci_low": float(t.rate.low[0]),
            "ci_high": float(t.rate.high[0]),
            "dispersion": dispersion(fit, t.id),
            "on_scene": t.on_scene.chosen,
            "on_scene_gof_p": t.on_scene.gof_p,
        })
    return pd.DataFrame(rows)


def write_report(fit: LogFit, out_path: Path, notes: list[str]) -> Path:
    """Write the report folder for the scenario at ``out_path``; return the folder."""
    folder = report_folder(out_path)
    folder.mkdir(parents=True, exist_ok=True)
    rates_table(fit).to_csv(folder / "rates.csv", index=False)
    for t in fit.types:
        _chart(fit, t, folder / f"{_safe(t.id)}.png")
    (folder / "report.md").write_text(markdown(fit, out_path, notes), encoding="utf-8")
    return folder


def markdown(fit: LogFit, out_path: Path, notes: list[str]) -> str:
    """The report's text."""
    log = fit.log
    pct = f"{fit.confidence:.0%}"
    lines = [
        f"# Fit of {log.source.name}",
        "",
        f"- scenario written: `{out_path}`",
        f"- period: {log.days} days from {log.start:%Y-%m-%d (%a)}; "
        f"{len(log.calls)} calls used, {len(log.skipped)} bad row(s) skipped",
        f"- intervals: exact Poisson, {pct} two-sided (per number, not simultaneous)",
        "- dispersion: variance / mean of calls per day; about 1 for Poisson calls, well "
        "above 1 means the intervals are too narrow (trends, seasons, clusters)",
        "",
        "## Rates",
        "",
        f"| type | calls | rate per day | {pct} interval | dispersion | priority "
        "| officers required | on-scene (minutes) |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    for t in fit.types:
        block = incident_type_block(t)
        lines.append(
            f"| {t.id} | {int(t.rate.counts[0])} | {t.rate.rate[0]:.4f} | "
            f"{t.rate.low[0]:.4f} to {t.rate.high[0]:.4f} | {dispersion(fit, t.id):.2f} | "
            f"{block.get('priority', 2)} | "
            f"{_short(block.get('officers_required', 1))} | {_short(block['on_scene_min'])} |"
        )
    for t in fit.types:
        lines += ["", *_type_section(t, pct)]
    lines += ["", "## Villages (demand weight = calls per day, all types)", "",
              f"| village | calls | weight | {pct} interval |", "|---|---:|---:|---|"]
    weights = village_weights(fit)
    for v, n, low, high in zip(fit.village_ids, fit.villages.counts, fit.villages.low,
                               fit.villages.high):
        lines.append(f"| {v} | {n} | {weights[v]:.4f} | {low:.4f} to {high:.4f} |")
    if log.skipped:
        lines += ["", f"## Bad rows skipped ({len(log.skipped)})", ""]
        lines += [f"- {m}" for m in log.skipped]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _type_section(t: TypeFit, pct: str) -> list[str]:
    lines = [f"## {t.id}", "", f"![{t.id}]({_safe(t.id)}.png)", ""]
    for label, cells, names in (("hour of day", t.hours, [f"{h:02d}" for h in range(24)]),
                                ("weekday", t.weekdays, WEEKDAYS)):
        p = cells.flat_p_value
        profile = cells.profile()
        said = (f"written (a flat profile is rejected: chi-square p = {p:.2g} < "
                f"{PROFILE_TEST_ALPHA})" if profile is not None else
                f"left flat (a flat profile is not rejected: chi-square p = {p:.2g})")
        lines.append(f"- {label} profile {said}")
        if profile is not None:
            lines.append("  " + ", ".join(f"{n} {v:g}" for n, v in zip(names, profile)))
    if len(t.priorities) > 1:
        lines.append(f"- priorities in the log: {t.priorities} (the scenario holds one per type: "
                     "the most frequent; split the type if they differ in kind)")
    lines += ["", *_duration_lines(t.on_scene)]
    return lines


def _duration_lines(d: DurationFit) -> list[str]:
    lines = [f"On-scene minutes: n = {d.n}, mean {d.mean:.1f}, sd {d.sd:.1f}. "
             f"Written: `{_short(d.dist)}` ({d.reason})."]
    if not d.candidates:
        return lines
    lines += ["", "| family | parameters (scipy, loc = 0) | log-likelihood | AIC | ΔAIC | KS D |",
              "|---|---|---:|---:|---:|---:|"]
    best = d.candidates[0].aic
    for c in d.candidates:
        params = ", ".join(f"{v:.4g}" for v in c.params)
        lines.append(f"| {c.family} | {params} | {c.log_likelihood:.1f} | {c.aic:.1f} | "
                     f"{c.aic - best:.1f} | {c.ks:.4f} |")
    return lines


def _short(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def _chart(fit: LogFit, t: TypeFit, path: Path) -> None:
    """Histogram of on-scene minutes against the written density; calls by hour of day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = fit.log.calls.loc[fit.log.calls["type"] == t.id, "on_scene_min"].to_numpy()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist(minutes, bins=min(50, max(5, int(math.sqrt(len(minutes))))), density=True,
              color="#bbbbbb", label=f"log ({len(minutes)} calls)")
    grid = np.linspace(0, np.quantile(minutes, 0.995) * 1.1 + 1e-9, 300)
    _density(left, t.on_scene, grid)
    left.set(title=f"{t.id}: on-scene minutes", xlabel="minutes", ylabel="density")
    left.legend(fontsize=8)
    hours = np.arange(24)
    h = t.hours
    right.bar(hours, h.rate, color="#7aa6c2", label="calls per day in the hour")
    right.errorbar(hours, h.rate, yerr=[h.rate - h.low, h.high - h.rate], fmt="none",
                   ecolor="black", elinewidth=0.8, label=f"{fit.confidence:.0%} interval")
    right.axhline(h.rate.mean(), color="grey", linestyle="--", label="flat")
    right.set(title=f"{t.id}: hour of day", xlabel="hour", ylabel="calls per day",
              xticks=range(0, 24, 3))
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _density(ax, d: DurationFit, grid: np.ndarray) -> None:
    for c in d.candidates:
        chosen = c.family == d.chosen
        ax.plot(grid, c.frozen().pdf(grid), linewidth=2 if chosen else 1,
                linestyle="-" if chosen else ":", label=f"{c.family} (AIC {c.aic:.0f})")
    if d.dist["dist"] == "empirical":
        q = np.asarray(d.dist["quantiles"])
        widths = np.diff(q)
        heights = np.where(widths > 0, (1 / len(widths)) / np.where(widths > 0, widths, 1), 0)
        ax.stairs(heights, q, linewidth=2, label="empirical (written)")

