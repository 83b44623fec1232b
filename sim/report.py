"""``policesim report``: one self-contained HTML file that can be mailed as is.

For a run folder the report holds: the headline comparison (means, 95%
intervals, the paired difference and a plain verdict), the six charts, a
per-township table, the cross-township work under pooling, every
assumption of the scenario (stations, incident types with their rates, county,
both operating models, patrol and shifts), and what is needed to repeat the
run (seed, replications, versions, command line). For a sweep folder: the grid,
the sweep charts for the target metric and a table of every point.

Self-contained means: charts are embedded as base64 PNG (``data:`` URIs), the
style sheet is inline, there is no script, no font or image from elsewhere and
no link to a local file. The file opens the same in any browser, offline, and
prints on A4.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .compare import (
    BELOW_ZERO_MARK,
    BELOW_ZERO_NOTE,
    Cell,
    Verdict,
    comparison,
    interval,
    threshold_note,
    verdict,
)
from .errors import ScenarioError
from .metrics import (
    ALL,
    HEADLINE_METRICS,
    METRICS,
    STABILITY,
    stability_warnings,
)
from .models import registry
from .results_io import atomic_text

REPORT_NAME = "report.html"
#: Metrics in the headline table of a run report, in order.
HEADLINE = HEADLINE_METRICS
#: Metrics of the per-township table.
TOWNSHIP_METRICS = (
    "calls",
    "response_p90_min",
    "within_target_share",
    "full_strength_mean_min",
    "county_requests_per_30d",
    "utilisation",
)

CSS = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #222; margin: 2em auto;
       max-width: 1100px; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #0072B2; padding-bottom: 0.15em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.88em; }
th, td { border: 1px solid #CCC; padding: 0.25em 0.55em; text-align: right; vertical-align: top; }
th { background: #F2F2F2; }
td.l, th.l { text-align: left; }
tr.group td { background: #FAFAFA; font-weight: bold; text-align: left; }
.warn { background: #FFF4E0; border-left: 5px solid #E69F00; padding: 0.6em 0.9em;
        margin: 0.8em 0; }
.note { color: #555; font-size: 0.9em; }
figure { margin: 1.2em 0 2em; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #EEE; }
figcaption { font-size: 0.92em; color: #333; margin-top: 0.3em; }
code { background: #F4F4F4; padding: 0 0.25em; font-size: 0.92em; word-break: break-all; }
.better { color: #0B5D1E; font-weight: bold; }
.worse { color: #9A3A00; font-weight: bold; }
details { margin: 0.8em 0; }
summary { cursor: pointer; font-weight: bold; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""


# --------------------------------------------------------------------------- formatting


def esc(value: Any) -> str:
    """HTML-escape ``value`` as text."""
    return html.escape(str(value), quote=True)


def fmt(value: Any, metric: str = "") -> str:
    """A number as the tables show it: shares in %, counts whole, times to 2 decimals."""
    if value is None:
        return "-"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if math.isnan(v):
        return "-"
    unit = {**METRICS, **STABILITY}.get(metric, ("",))[0]
    if unit == "share":
        return f"{100 * v:.1f}%"
    if metric == "calls":
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def cell(mean: Any, low: Any, high: Any, metric: str, difference: bool = False) -> str:
    """``mean [low, high]`` (the interval left out when it is undefined; :mod:`sim.compare`).

    Differences of shares are in percentage points; a model's interval that
    reaches below 0 is marked ``*`` (explained under the table).
    """
    text, below = interval(mean, low, high, metric, difference)
    mean_text, _, bounds = text.partition(" [")
    out = esc(mean_text)
    if bounds:
        out += f" <span class=note>[{esc(bounds)}</span>"
    return out + (esc(BELOW_ZERO_MARK) if below else "")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], left: int = 1,
          raw: bool = False) -> str:
    """An HTML table; the first ``left`` columns left-aligned. Cells are escaped unless ``raw``."""
    out = ["<table><thead><tr>"]
    out += [f"<th class=l>{esc(h)}</th>" if i < left else f"<th>{esc(h)}</th>"
            for i, h in enumerate(headers)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, c in enumerate(row):
            text = str(c) if raw else esc(c)
            out.append(f"<td class=l>{text}</td>" if i < left else f"<td>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def verdict_html(metric: str, low: float, high: float, mean: float | None = None,
                 unstable: bool = False) -> str:
    """Which model is better (:func:`sim.compare.verdict`), its reason as a tooltip."""
    return _verdict_cell(verdict(metric, low, high, mean, unstable))


def png_data_uri(fig: Any) -> str:
    """Render a matplotlib figure to a ``data:image/png;base64,...`` URI."""
    from .plots.style import figure_bytes

    return "data:image/png;base64," + base64.b64encode(figure_bytes(fig, "png")).decode("ascii")


def figure_html(fig: Any, caption: str, alt: str) -> str:
    """A ``<figure>`` with the chart embedded and its caption."""
    return (
        f'<figure><img src="{png_data_uri(fig)}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def dist_text(value: Any) -> str:
    """A distribution block as text: ``uniform(low=30, high=70)``; numbers as themselves."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, dict) and "dist" in value:
        args = ", ".join(f"{k}={_short(v)}" for k, v in value.items() if k != "dist")
        return f"{value['dist']}({args})"
    return _short(value)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items())
    return str(value)


def _page(title_text: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{esc(title_text)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------------- run report


def _summary_block(summary: pd.DataFrame, township: str) -> pd.DataFrame:
    block = summary[summary["township"].astype(str) == township]
    return block.set_index(["metric", "model"])


def _verdict_cell(v: Verdict | None) -> str:
    if v is None:
        return ""
    cls = "better" if v.winner and v.winner != v.pair[0] else "worse" if v.winner else ""
    text = f"{v.better} better" if v.winner else v.better
    span = f"<span class={cls} " if cls else "<span "
    return f'{span}title="{esc(v.reason)}">{esc(text)}</span>'


def _cell_html(c: Cell) -> str:
    out = esc(c.mean)
    if c.bounds:
        out += f" <span class=note>{esc(c.bounds)}</span>"
    return out + (esc(BELOW_ZERO_MARK) if c.below_zero else "")


def _value_cells(values: Iterable[Any]) -> list[str]:
    return [_verdict_cell(v) if v is None or isinstance(v, Verdict) else _cell_html(v)
            for v in values]


def headline_table(summary: pd.DataFrame, metrics: Sequence[str] = HEADLINE,
                   township: str = ALL) -> str:
    """Means [95% CI] per model, the paired differences and which is better, one row per metric."""
    from .compare import row_values

    cmp = comparison(summary, township, metrics)
    rows = []
    for row in cmp.rows:
        unit, meaning = METRICS.get(row.metric, STABILITY.get(row.metric, ("", "")))
        rows.append([f"<b>{esc(meaning)}</b><br><span class=note>{esc(row.metric)} "
                     f"({esc(unit)})</span>", *_value_cells(row_values(row))])
    return table(["metric", *cmp.columns], rows, raw=True)


def bottom_line_html(summary: pd.DataFrame) -> str:
    """The bottom lines of the headline metrics, the thresholds and the units, as paragraphs."""
    cmp = comparison(summary, ALL, HEADLINE)
    lines = "".join(f"<p><b>Bottom line: {esc(b)}</b></p>" for b in cmp.bottom_lines)
    return (
        f"{lines}<p class=note>{esc(threshold_note(HEADLINE))}. Shares in %, their differences "
        f"in percentage points (pp). {esc(BELOW_ZERO_NOTE)}.</p>"
    )


def township_table(summary: pd.DataFrame, townships: Sequence[str]) -> str:
    """Per township: each model, the paired differences and which is better."""
    from .compare import row_values

    rows: list[list[str]] = []
    columns: list[str] = []
    for t in townships:
        cmp = comparison(summary, t, TOWNSHIP_METRICS)
        columns = cmp.columns
        rows.append([f"<b>{esc(t)}</b>", *[""] * len(columns)])
        for row in cmp.rows:
            rows.append([f"&nbsp;&nbsp;{esc(METRICS[row.metric][1])}",
                         *_value_cells(row_values(row))])
    return table(["township / metric", *columns], rows, raw=True)


def assumptions_html(loaded: Any) -> str:
    """Every assumption of the scenario, as tables an analyst can check against the YAML."""
    sc = loaded.scenario
    net = loaded.network
    out = [f"<p><b>{esc(sc.name)}</b></p>"]
    if sc.description:
        out.append(f"<p>{esc(sc.description.strip())}</p>")
    general = [
        ("target first-response time", f"{sc.target_response_min:g} min"),
        ("horizon", f"{sc.horizon_days:g} days, of which {sc.warmup_days:g} warm-up days "
                    "(calls in the warm-up are not counted)"),
        ("demand scale", f"{sc.demand_scale:g} x every incident type's rate"),
        ("turnout", f"{sc.turnout_min:g} min added to every journey to a scene"),
        ("patrol", f"{100 * sc.patrol.share:g}% of free periods on patrol in the own area "
                   f"({sc.patrol.position.replace('_', ' ')} positions)"),
        ("road network", f"{len(net.places)} places ({len(sc.stations)} stations, "
                         f"{len(net.villages)} villages), {net.graph.number_of_edges()} roads"),
    ]
    if sc.shifts:
        shares = sc.shifts.on_duty_share_by_hour
        general.append(("shifts", f"on duty: {100 * min(shares):.0f}% to {100 * max(shares):.0f}%"
                                  " of each roll by hour of day"))
    else:
        general.append(("shifts", "everyone on duty at all hours"))
    out.append("<h3>General</h3>" + table(["setting", "value"], general, left=2))

    villages: dict[str, tuple[int, float]] = {}
    for t, w in zip(net.village_township, net.village_weight):
        n, total = villages.get(t, (0, 0.0))
        villages[t] = (n + 1, total + float(w))
    all_w = sum(w for _, w in villages.values()) or 1.0
    rows = [
        (s.id, s.node, s.officers, villages.get(s.id, (0, 0))[0],
         f"{100 * villages.get(s.id, (0, 0.0))[1] / all_w:.1f}%")
        for s in sc.stations
    ]
    out.append("<h3>Stations</h3>" + table(
        ["station (township)", "node", "officers on the roll", "villages", "share of demand"],
        rows,
    ))

    rows = []
    for t in sc.incident_types:
        inv = (f"p={t.investigation.p:g}, work {dist_text(t.investigation.work_hours)} h"
               if t.investigation else "none")
        rows.append((
            t.id, f"{t.rate_per_day:g}", f"{t.rate_per_day * sc.demand_scale:g}", t.priority,
            dist_text(t.officers_required), dist_text(t.on_scene_min) + " min", inv,
            "yes" if t.hourly_profile else "flat",
        ))
    out.append("<h3>Incident types</h3>" + table(
        ["type", "rate per day", "x demand scale", "priority", "officers required",
         "on scene", "investigation", "hourly profile"], rows,
    ))

    county = sc.county
    rows = [
        ("county reinforcement", "on" if county.enabled else "off"),
        ("county delay", dist_text(county.reinforcement_delay_min) + " min"),
        ("county asked for", county.requests.replace("_", " ")),
        ("isolated: call handling", dist_text(sc.isolated.handling_min) + " min"),
        ("isolated: county asked after", f"{sc.isolated.county_after_min:g} min of shortfall"),
    ]
    out.append("<h3>County and isolated model</h3>" + table(["setting", "value"], rows, left=2))

    rows = []
    for pool in sc.pools:
        room = pool.command_room
        case = pool.case_team
        rows.append((
            pool.pool_id, pool.host, ", ".join(sc.pool_members(pool)),
            f"{room.staff} ({_short(room.drawn_from) or 'none'} from stations), handling "
            f"{dist_text(room.handling_min)} min",
            (f"{_short(case.from_stations)}; helps at calls of priority <= "
             f"{case.assist_priority_max}" if case.assists_emergencies else
             f"{_short(case.from_stations)}; does not help at calls") if case else "none",
            f"{pool.county_after_min:g} min",
        ))
    out.append("<h3>Joint stations (pooled model)</h3>" + table(
        ["joint station", "host", "members", "command room", "case team",
         "county asked after"], rows, left=5,
    ))
    return "\n".join(out)


def reproducibility_html(manifest: dict[str, Any], folder: Path) -> str:
    """Seed, replications, horizon, command line and versions from ``manifest.json``."""
    reps = manifest.get("replications", [])
    rows = [
        ("scenario file", manifest.get("scenario_file", "-")),
        ("seed", manifest.get("seed", "-")),
        ("replications", f"{len(reps)} (numbers {reps[0]}-{reps[-1]})" if reps else "-"),
        ("horizon / warm-up", f"{manifest.get('horizon_days', '-')} / "
                              f"{manifest.get('warmup_days', '-')} days"),
        ("command line", " ".join(map(str, manifest.get("command_line", [])))),
        ("repeat with", manifest.get("repeat_with", "-")),
        ("results folder", str(folder)),
    ]
    versions = manifest.get("versions", {})
    out = [table(["item", "value"], rows, left=2)]
    if versions:
        out.append("<h3>Versions</h3>" + table(["package", "version"], versions.items(), left=2))
    digests = manifest.get("incident_stream_sha256", {})
    if digests:
        out.append("<details><summary>Incident stream digests (SHA-256 per replication: the "
                   "same digests mean the same calls)</summary>"
                   + table(["replication", "sha256"], digests.items(), left=2) + "</details>")
    return "\n".join(out)


def run_report_html(run: Any) -> str:
    """The whole HTML report of a run (``run``: :class:`sim.plots.data.RunData`)."""
    from .plots.results_charts import RUN_CHARTS
    from .analysis import cross_township_work

    sc = run.loaded.scenario
    summary = run.summary
    summary = summary.assign(township=summary["township"].astype(str))
    body = [
        f"<h1>{esc(sc.name)}: isolated township stations vs a joint station</h1>",
        f"<p class=sub>policesim report, {esc(_now())}. {esc(run.subtitle())}; seed "
        f"{esc(run.manifest.get('seed', sc.seed))}. Every number is a simulation under the "
        "assumptions listed below, not a measurement.</p>",
    ]
    for w in stability_warnings(summary):
        body.append(f"<div class=warn><b>Warning:</b> {esc(w)}</div>")
    body += [
        "<h2>Headline comparison</h2>",
        "<p>Means across replications with 95% confidence intervals. Both models saw exactly "
        "the same calls in each replication, so the paired difference <i>isolated - pooled</i> "
        "has its own, narrower interval. <b>pooled better</b> means the paired interval lies "
        "entirely on pooled's side and the difference is large enough to matter; <b>no clear "
        "difference</b> means the interval contains zero or the difference is below the "
        "practical threshold.</p>",
        headline_table(summary),
        bottom_line_html(summary),
        "<h2>Charts</h2>",
    ]
    for chart in RUN_CHARTS:
        body.append(figure_html(chart.build(run), chart.caption, chart.stem.replace("_", " ")))
    body += [
        "<h2>By township</h2>",
        "<p>Calls are counted in the township of their village; officers in the township of "
        "their station.</p>",
        township_table(summary, run.townships),
    ]
    work = cross_township_work(run)
    if not work.empty:
        rows = [
            (r.station, r.pool, f"{r.calls:,}", f"{100 * r.helped_share:.1f}%",
             f"{r.own_attendances:,.0f}", f"{r.outside_attendances:,.0f}",
             f"{100 * r.outside_share:.1f}%")
            for r in work.itertuples()
        ]
        body += [
            "<h3>Cross-township work under the joint station</h3>",
            table(["station", "joint station", "calls (all replications)",
                   "calls helped by other stations", "own officers at own calls",
                   "officer attendances elsewhere", "share elsewhere"], rows,
                  left=2),
            "<p class=note>Helped: from the incident records (<code>n_other</code>). "
            "Attendances: community officers sent, by home station, from the dispatch "
            "records (<code>dispatches.parquet</code>).</p>",
        ]
    body += [
        "<h2>Assumptions</h2>",
        "<p>Everything below is an input of the simulation (<code>scenario.resolved.yaml"
        "</code> in the results folder), not a published figure unless the scenario file "
        "says so.</p>",
        assumptions_html(run.loaded),
        "<h2>Repeating this run</h2>",
        reproducibility_html(run.manifest, run.folder),
        "<h2>Every metric</h2>",
        "<details><summary>All metrics, overall (from summary.csv)</summary>",
        headline_table(summary, [*METRICS, *STABILITY]),
        "</details>",
        "<p class=note>Metric definitions: " + "; ".join(
            f"<b>{esc(m)}</b> ({esc(u)}): {esc(d)}" for m, (u, d) in METRICS.items()
        ) + ".</p>",
    ]
    return _page(f"{sc.name}: policesim report", body)


# --------------------------------------------------------------------------- sweep report


def sweep_report_html(sweep: Any, metric: str) -> str:
    """The HTML report of a sweep folder for ``metric``."""
    from .plots.sweep_charts import list_sweep_charts

    m = sweep.manifest
    params = sweep.parameters
    unit, meaning = METRICS[metric]
    body = [
        f"<h1>{esc(sweep.name or 'Sweep')}: parameter sweep</h1>",
        f"<p class=sub>policesim sweep report, {esc(_now())}. Metric: <b>{esc(meaning)}</b> "
        f"(<code>{esc(metric)}</code>, {esc(unit)}). {sweep.points['point'].nunique()} points "
        f"x {esc(sweep.replications)} paired replications.</p>",
    ]
    grid = m.get("grid", {})
    if isinstance(grid, dict) and grid.get("description"):
        body.append(f"<p>{esc(str(grid['description']).strip())}</p>")
    rows = []
    for p in params:
        vals = list(dict.fromkeys(sweep.points.sort_values("point")[p].tolist()))
        rows.append((p, ", ".join(_short(v) for v in vals)))
    body += ["<h2>Parameters</h2>", table(["parameter", "values"], rows, left=2)]
    if isinstance(grid, dict) and grid.get("fixed"):
        body.append(table(["fixed at every point", "value"],
                          [(k, _short(v)) for k, v in grid["fixed"].items()], left=2))
    body.append("<h2>Charts</h2>")
    for chart in list_sweep_charts(sweep, metric):
        body.append(figure_html(chart.build(sweep), chart.caption, chart.stem))
    pts = sweep.points[sweep.points["metric"] == metric]
    models = [x for x in registry.names() if x in set(pts["model"])]
    base = models[0]
    diffs = [registry.difference(o, base) for o in models[1:]]
    wide = {mod: pts[pts["model"] == mod].set_index("point") for mod in (*models, *diffs)}
    rows = []
    for point in sorted(wide[base].index):
        r = wide[base].loc[point]
        cells = [str(point), *[esc(_short(r[p])) for p in params]]
        for mod in models:
            cells.append(_point_cell(wide[mod], point, metric, False))
        for o, d in zip(models[1:], diffs):
            cells.append(_point_cell(wide[d], point, metric, True))
            if point in wide[d].index:
                x = wide[d].loc[point]
                cells.append(_verdict_cell(verdict(metric, float(x["ci_low"]),
                                                   float(x["ci_high"]), float(x["mean"]),
                                                   pair=(base, o))))
            else:
                cells.append("")
        rows.append(cells)
    headers = list(models)
    for o, d in zip(models[1:], diffs):
        headers += [f"{d} (paired)", "better" if len(diffs) == 1 else f"better ({o})"]
    body += [
        "<h2>Every point</h2>",
        f"<p>{esc(meaning)}: mean [95% CI] per model and the paired difference.</p>",
        table(["point", *params, *headers], rows, left=1 + len(params), raw=True),
        "<h2>Repeating this sweep</h2>",
        table(["item", "value"], [
            ("scenario file", m.get("scenario_file", "-")),
            ("base seed", m.get("base_seed", "-")),
            ("replications per point", m.get("replications", "-")),
            ("seeding", m.get("seeding", "-")),
            ("command line", " ".join(map(str, m.get("command_line", [])))),
            ("repeat one point with", m.get("repeat_point_with", "-")),
            ("sweep folder", str(sweep.folder)),
        ], left=2),
    ]
    if m.get("versions"):
        body.append("<h3>Versions</h3>" + table(["package", "version"],
                                                m["versions"].items(), left=2))
    return _page(f"{sweep.name or 'Sweep'}: policesim sweep report", body)


def _point_cell(rows: pd.DataFrame, point: Any, metric: str, difference: bool) -> str:
    if point not in rows.index:
        return "-"
    x = rows.loc[point]
    return cell(x["mean"], x["ci_low"], x["ci_high"], metric, difference)


# --------------------------------------------------------------------------- entry point


def write_report(
    folder: str | Path, out: str | Path | None = None, metric: str | None = None
) -> Path:
    """Write the report of a run or sweep folder to ``out`` (default ``folder/report.html``).

    Raises :class:`ScenarioError` for a folder that is missing, unfinished or unreadable.
    """
    from .plots.data import folder_kind, load_run, load_sweep
    from .plots.render import sweep_metric

    folder = Path(folder)
    if folder_kind(folder) == "sweep":
        sweep = load_sweep(folder)
        text = sweep_report_html(sweep, sweep_metric(sweep, metric))
    else:
        if metric is not None:
            raise ScenarioError("--metric", "", "applies to sweep folders only")
        text = run_report_html(load_run(folder))
    path = Path(out) if out else folder / REPORT_NAME
    if path.is_dir():
        path = path / REPORT_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_text(path, text)
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot write the report ({exc.strerror or exc})") from None
    return path


__all__ = ["REPORT_NAME", "run_report_html", "sweep_report_html", "write_report"]

