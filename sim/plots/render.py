"""Write every chart of a results folder or a sweep folder to files: ``policesim plot``.

Charts go to ``RESULTS_DIR/charts/`` (or ``out``), one file per chart, named
by what it shows (``01_first_response_distribution.png``, ...;
``sweep_<metric>_vs_<parameter>.png``, ...), each written atomically. Chart
files of the same format left over from an earlier ``plot`` of that folder
(a sweep with other parameters, say) are removed, so the folder never holds
stale charts next to fresh ones; other files are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ScenarioError
from ..metrics import METRICS
from .data import RunData, SweepData, folder_kind, load_run, load_sweep
from .results_charts import RUN_CHARTS
from .style import FORMATS, save_figure
from .sweep_charts import list_sweep_charts

CHARTS_DIR = "charts"
DEFAULT_SWEEP_METRIC = "response_p90_min"
#: File names ``plot`` writes (the only ones it ever removes).
_OURS = re.compile(r"^(0[1-9]_[a-z_]+|sweep_.+)\.(png|svg|pdf)$")


def _check_format(fmt: str) -> str:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ScenarioError("--format", "", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def _prepare(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(
            out, "", f"cannot create the charts folder ({exc.strerror or exc})"
        ) from None
    return out


def _tidy(out: Path, fmt: str, written: list[Path]) -> None:
    keep = {p.name for p in written}
    for old in out.glob(f"*.{fmt}"):
        if _OURS.match(old.name) and old.name not in keep:
            old.unlink(missing_ok=True)


def _write(fig, path: Path, fmt: str) -> Path:
    try:
        return save_figure(fig, path, fmt)
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot write the chart ({exc.strerror or exc})") from None


def plot_run(
    folder: str | Path | RunData, fmt: str = "png", out: str | Path | None = None
) -> list[Path]:
    """Write the six charts of a run folder; return their paths (report order)."""
    fmt = _check_format(fmt)
    run = folder if isinstance(folder, RunData) else load_run(folder)
    target = _prepare(Path(out) if out else run.folder / CHARTS_DIR)
    written = [_write(c.build(run), target / f"{c.stem}.{fmt}", fmt) for c in RUN_CHARTS]
    _tidy(target, fmt, written)
    return written


def sweep_metric(sweep: SweepData, metric: str | None) -> str:
    """The metric to chart: ``metric``, else the sweep's target, else response_p90_min."""
    chosen = metric or sweep.manifest.get("target") or DEFAULT_SWEEP_METRIC
    if chosen not in METRICS:
        raise ScenarioError(
            "--metric", "", f"unknown metric {chosen!r}; choose one of: {', '.join(METRICS)}"
        )
    if chosen not in sweep.metrics:
        raise ScenarioError(sweep.folder, "points.csv", f"has no rows for metric {chosen!r}")
    return chosen


def plot_sweep(
    folder: str | Path | SweepData,
    metric: str | None = None,
    fmt: str = "png",
    out: str | Path | None = None,
) -> list[Path]:
    """Write the charts of a sweep folder for ``metric``; return their paths."""
    fmt = _check_format(fmt)
    sweep = folder if isinstance(folder, SweepData) else load_sweep(folder)
    metric = sweep_metric(sweep, metric)
    target = _prepare(Path(out) if out else sweep.folder / CHARTS_DIR)
    charts = list_sweep_charts(sweep, metric)
    written = [_write(c.build(sweep), target / f"{c.stem}.{fmt}", fmt) for c in charts]
    _tidy(target, fmt, written)
    return written


def plot_folder(
    folder: str | Path,
    fmt: str = "png",
    metric: str | None = None,
    out: str | Path | None = None,
) -> list[Path]:
    """Write the charts of a run folder or a sweep folder (told apart by their manifests)."""
    fmt = _check_format(fmt)
    if folder_kind(folder) == "sweep":
        return plot_sweep(folder, metric, fmt, out)
    if metric is not None:
        raise ScenarioError("--metric", "", "applies to sweep folders only")
    return plot_run(folder, fmt, out)
