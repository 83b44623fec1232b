"""Charts of results folders and sweep folders, for planning reports (``policesim plot``).

Modules, one job each:

- :mod:`~sim.plots.style`: colours, line styles, hatches, fonts, sizes, DPI;
  every model (isolated and pooled, and any other registered) looks the same in every chart
  and the models stay apart in black-and-white print;
- :mod:`~sim.plots.data`: read a run or sweep folder (bad input raises
  :class:`~sim.errors.ScenarioError`);
- :mod:`~sim.plots.results_charts`: the six charts of a run;
- :mod:`~sim.plots.road_map`: the road map;
- :mod:`~sim.plots.sweep_charts`: a metric against swept parameters, heat maps;
- :mod:`~sim.plots.render`: write them all to ``RESULTS_DIR/charts/``;
- :mod:`~sim.plots.progress`: a progress bar for notebooks;
- :mod:`~sim.plots.command`: the ``plot`` command.

In code (matplotlib is imported on first use, so ``import sim.plots`` is cheap)::

    from sim.plots import load_run, plot_run, RUN_CHARTS
    run = load_run("results/demo")
    fig = RUN_CHARTS[0].build(run)     # a matplotlib Figure
    plot_run(run, fmt="svg")           # every chart into results/demo/charts/
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it (imported lazily: matplotlib is slow to load).
_EXPORTS = {
    "RunData": "data",
    "SweepData": "data",
    "load_run": "data",
    "load_sweep": "data",
    "folder_kind": "data",
    "RUN_CHARTS": "results_charts",
    "response_distribution": "results_charts",
    "response_by_township": "results_charts",
    "full_strength_reinforced": "results_charts",
    "officer_time": "results_charts",
    "investigation_turnaround": "results_charts",
    "network_map": "road_map",
    "cross_township_work": "road_map",
    "list_sweep_charts": "sweep_charts",
    "metric_vs_parameter": "sweep_charts",
    "difference_vs_parameter": "sweep_charts",
    "heatmap": "sweep_charts",
    "plot_run": "render",
    "plot_sweep": "render",
    "plot_folder": "render",
    "CHARTS_DIR": "render",
    "figure_bytes": "style",
    "save_figure": "style",
    "pixel_size": "style",
    "MODEL_STYLE": "style",
    "ProgressBar": "progress",
    "ProgressBackend": "progress",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
