"""Batch sweeps: a parameter grid x paired replications, on local processes or a Dask cluster.

One module per job:

- :mod:`~sim.sweep.paths`: dotted paths (``stations.Taoxi.officers``) applied to a scenario;
- :mod:`~sim.sweep.grid`: ``--set`` options and grid files, expanded into points;
- :mod:`~sim.sweep.plan`: every point applied, validated and seeded before anything runs;
- :mod:`~sim.sweep.tasks`: seeds and the unit of work, one (point, replication);
- :mod:`~sim.sweep.backends`: in this process, or on Dask (a local cluster or a remote one);
- :mod:`~sim.sweep.store`: one atomic file per finished task, ``runs.parquet``
  (the folder life-cycle is :mod:`sim.run_folder`'s, shared with ``policesim run``);
- :mod:`~sim.sweep.summary`: ``points.csv`` and the on-screen summary;
- :mod:`~sim.sweep.progress`: progress bar or plain lines;
- :mod:`~sim.sweep.run`: the sequence of a sweep session;
- :mod:`~sim.sweep.command`: ``policesim sweep``.

In code::

    from sim.sweep import build_plan, combine, make_backend, run_sweep
    plan = build_plan("scenarios/wubei.yaml", combine(None, ["demand_scale=1,1.5"]), 5)
    outcome = run_sweep(plan, "results/my-sweep", make_backend(2, None))
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it (imported lazily: pandas, pyarrow and dask are
#: slow to load, and ``policesim check`` needs none of them).
_EXPORTS = {
    name: module
    for module, names in {
        "backends": "DaskBackend SequentialBackend make_backend",
        "grid": "Grid Parameter Point combine load_grid parse_set",
        "paths": "set_path",
        "plan": "SweepPlan build_plan",
        "run": "SweepOutcome run_sweep",
        "store": "SweepFolder parameter_table",
        "summary": "points_table",
        "tasks": "TaskResult TaskSpec point_seed run_task",
    }.items()
    for name in names.split()
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
