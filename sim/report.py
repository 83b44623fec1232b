"""``policesim report``: one self-contained HTML file that can be mailed as is.

For a run folder the report holds: the headline comparison (means, 95%
intervals, the paired differences and a plain verdict), the six charts, a
per-township table, the cross-township work under pooling, every
assumption of the scenario (stations, incident types with their rates, county,
both operating models, patrol and shifts), and what is needed to repeat the
run (seed, replications, versions, command line). For a sweep folder: the grid,
the sweep charts for the target metric and a table of every point.

The page is laid out by the Jinja2 templates in ``sim/templates/`` (autoescaping
on, so a scenario, station or village name is always text, never markup). This
module only gathers data for them: every comparison table is a
:class:`sim.compare.Comparison`; assumptions and reproducibility are plain lists
of formatted rows.

Self-contained means: charts are embedded as base64 PNG (``data:`` URIs), the
style sheet is inline, there is no script, no font or image from elsewhere and
no link to a local file. The file opens the same in any browser, offline, and
prints on A4.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from .analysis import cross_township_work
from .compare import (
    BELOW_ZERO_MARK,
    BELOW_ZERO_NOTE,
    Comparison,
    Verdict,
    comparison,
    row_values,
    threshold_note,
    verdict_text,
)
from .errors import ScenarioError
from .metrics import ALL, HEADLINE_METRICS, METRICS, STABILITY, stability_warnings
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
#: One table row: its cells as text or numbers (the templates escape them).
Row = Sequence[Any]


@cache
def environment() -> jinja2.Environment:
    """The template environment: ``sim/templates``, autoescaping on, undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(verdict_text=verdict_text, row_values=row_values)
    env.tests["verdict"] = lambda v: v is None or isinstance(v, Verdict)
    env.globals.update(metric_info={**METRICS, **STABILITY}, below_zero_mark=BELOW_ZERO_MARK)
    return env


def render(template: str, **data: Any) -> str:
    """Render ``sim/templates/<template>`` with ``data``."""
    return environment().get_template(template).render(**data)


# --------------------------------------------------------------------------- formatting


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


def chart(fig: Any, caption: str, alt: str) -> dict[str, str]:
    """A chart for the templates: the figure as a ``data:image/png;base64,...`` URI, its texts."""
    from .plots.style import figure_bytes

    png = base64.b64encode(figure_bytes(fig, "png")).decode("ascii")
    return {"src": "data:image/png;base64," + png, "caption": caption, "alt": alt}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def headline_table(summary: pd.DataFrame, metrics: Sequence[str] = HEADLINE,
                   township: str = ALL) -> str:
    """The comparison of ``township`` for ``metrics`` as an HTML table (one row per metric)."""
    macros: Any = environment().get_template("tables.html.j2").module
    return str(macros.comparison_table(comparison(summary, township, metrics)))


# --------------------------------------------------------------------------- run report


def assumptions(loaded: Any) -> dict[str, Any]:
    """Every assumption of the scenario as rows of text, one list per table of the report."""
    sc = loaded.scenario
    net = loaded.network
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
    return {
        "name": sc.name,
        "description": (sc.description or "").strip(),
        "general": general,
        "stations": _station_rows(sc, net),
        "incident_types": [_incident_row(t, sc.demand_scale) for t in sc.incident_types],
        "county": [
            ("county reinforcement", "on" if sc.county.enabled else "off"),
            ("county delay", dist_text(sc.county.reinforcement_delay_min) + " min"),
            ("county asked for", sc.county.requests.replace("_", " ")),
            *_model_rows(sc),
        ],
        "pools": [_pool_row(sc, pool) for pool in sc.pools],
    }


def _model_rows(sc: Any) -> list[Row]:
    """Each registered model's own settings (``OperatingModel.assumptions``), named by model."""
    return [
        (f"{model.name}: {what}", f"{dist_text(value)} {unit}")
        for model in registry.MODELS.values() if model.assumptions is not None
        for what, value, unit in model.assumptions(sc)
    ]


def _station_rows(sc: Any, net: Any) -> list[Row]:
    villages: dict[str, tuple[int, float]] = {}
    for t, w in zip(net.village_township, net.village_weight):
        n, total = villages.get(t, (0, 0.0))
        villages[t] = (n + 1, total + float(w))
    all_w = sum(w for _, w in villages.values()) or 1.0
    return [
        (s.id, s.node, s.officers, villages.get(s.id, (0, 0))[0],
         f"{100 * villages.get(s.id, (0, 0.0))[1] / all_w:.1f}%")
        for s in sc.stations
    ]


def _incident_row(t: Any, demand_scale: float) -> Row:
    inv = (f"p={t.investigation.p:g}, work {dist_text(t.investigation.work_hours)} h"
           if t.investigation else "none")
    return (
        t.id, f"{t.rate_per_day:g}", f"{t.rate_per_day * demand_scale:g}", t.priority,
        dist_text(t.officers_required), dist_text(t.on_scene_min) + " min", inv,
        "yes" if t.hourly_profile else "flat",
    )


def _pool_row(sc: Any, pool: Any) -> Row:
    room, case = pool.command_room, pool.case_team
    if case is None:
        case_text = "none"
    elif case.assists_emergencies:
        case_text = (f"{_short(case.from_stations)}; helps at calls of priority <= "
                     f"{case.assist_priority_max}")
    else:
        case_text = f"{_short(case.from_stations)}; does not help at calls"
    return (
        pool.pool_id, pool.host, ", ".join(sc.pool_members(pool)),
        f"{room.staff} ({_short(room.drawn_from) or 'none'} from stations), handling "
        f"{dist_text(room.handling_min)} min",
        case_text,
        f"{pool.county_after_min:g} min",
    )


def reproducibility(manifest: dict[str, Any], folder: Path) -> dict[str, list[Row]]:
    """Seed, replications, horizon, command line, versions and digests from ``manifest.json``."""
    reps = manifest.get("replications", [])
    return {
        "rows": [
            ("scenario file", manifest.get("scenario_file", "-")),
            ("seed", manifest.get("seed", "-")),
            ("replications", f"{len(reps)} (numbers {reps[0]}-{reps[-1]})" if reps else "-"),
            ("horizon / warm-up", f"{manifest.get('horizon_days', '-')} / "
                                  f"{manifest.get('warmup_days', '-')} days"),
            ("command line", " ".join(map(str, manifest.get("command_line", [])))),
            ("repeat with", manifest.get("repeat_with", "-")),
            ("results folder", str(folder)),
        ],
        "versions": list(manifest.get("versions", {}).items()),
        "digests": list(manifest.get("incident_stream_sha256", {}).items()),
    }


def _cross_township_rows(run: Any) -> list[Row]:
    return [
        (r.station, r.pool, f"{r.calls:,}", f"{100 * r.helped_share:.1f}%",
         f"{r.own_attendances:,.0f}", f"{r.outside_attendances:,.0f}",
         f"{100 * r.outside_share:.1f}%")
        for r in cross_township_work(run).itertuples()
    ]


def run_report_html(run: Any) -> str:
    """The whole HTML report of a run (``run``: :class:`sim.plots.data.RunData`)."""
    from .plots.results_charts import RUN_CHARTS

    sc = run.loaded.scenario
    summary = run.summary.assign(township=run.summary["township"].astype(str))
    townships: list[tuple[str, Comparison]] = [
        (t, comparison(summary, t, TOWNSHIP_METRICS)) for t in run.townships
    ]
    headline = comparison(summary, ALL, HEADLINE)
    return render(
        "run.html.j2",
        name=sc.name,
        model_labels=[registry.label(m) for m in headline.models],
        now=_now(),
        subtitle=run.subtitle(),
        seed=run.manifest.get("seed", sc.seed),
        warnings=stability_warnings(summary),
        headline=headline,
        threshold_note=threshold_note(HEADLINE),
        below_zero_note=BELOW_ZERO_NOTE,
        charts=[chart(c.build(run), c.caption, c.stem.replace("_", " ")) for c in RUN_CHARTS],
        townships=townships,
        cross_township_work=_cross_township_rows(run),
        assumptions=assumptions(run.loaded),
        reproducibility=reproducibility(run.manifest, run.folder),
        every_metric=comparison(summary, ALL, [*METRICS, *STABILITY]),
        definitions=[(m, u, d) for m, (u, d) in METRICS.items()],
    )


# --------------------------------------------------------------------------- sweep report


def sweep_report_html(sweep: Any, metric: str) -> str:
    """The HTML report of a sweep folder for ``metric``."""
    from .plots.sweep_charts import list_sweep_charts

    m = sweep.manifest
    params = list(sweep.parameters)
    unit, meaning = METRICS[metric]
    grid = m.get("grid", {})
    grid = grid if isinstance(grid, dict) else {}
    ordered = sweep.points.sort_values("point")
    # each point is one scope of the comparison layer: its models, differences and verdicts
    pts = ordered[ordered["metric"] == metric]
    pts = pts.assign(township=pts["point"].astype(str))
    points = []
    for point, block in pts.groupby("point", sort=True):
        cmp = comparison(block, str(point), [metric])
        if cmp.rows:
            points.append((point, [_short(block.iloc[0][p]) for p in params], cmp))
    reproduce = {
        "rows": [
            ("scenario file", m.get("scenario_file", "-")),
            ("base seed", m.get("base_seed", "-")),
            ("replications per point", m.get("replications", "-")),
            ("seeding", m.get("seeding", "-")),
            ("command line", " ".join(map(str, m.get("command_line", [])))),
            ("repeat one point with", m.get("repeat_point_with", "-")),
            ("sweep folder", str(sweep.folder)),
        ],
        "versions": list(m.get("versions", {}).items()),
    }
    return render(
        "sweep.html.j2",
        name=sweep.name or "Sweep",
        now=_now(),
        metric=metric,
        unit=unit,
        meaning=meaning,
        n_points=sweep.points["point"].nunique(),
        replications=sweep.replications,
        description=str(grid.get("description") or "").strip(),
        parameters=[(p, ", ".join(_short(v) for v in dict.fromkeys(ordered[p].tolist())))
                    for p in params],
        fixed=[(k, _short(v)) for k, v in (grid.get("fixed") or {}).items()],
        charts=[chart(c.build(sweep), c.caption, c.stem) for c in list_sweep_charts(sweep, metric)],
        parameter_names=params,
        columns=points[0][2].columns if points else [],
        points=[(point, settings, cmp.rows[0]) for point, settings, cmp in points],
        reproducibility=reproduce,
    )


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
