"""Batch sweeps: a parameter grid x paired replications, on local processes or a Dask cluster.

One module per job:

- :mod:`~sim.sweep.paths`: dotted paths (``stations.Taoxi.officers``) applied to a scenario;
- :mod:`~sim.sweep.grid`: ``--set`` options and grid files, expanded into points;
- :mod:`~sim.sweep.plan`: every point applied, validated and seeded before anything runs;
- :mod:`~sim.sweep.tasks`: seeds and the unit of work, one (point, replication);
- :mod:`~sim.sweep.backends`: in-process, local processes, Dask;
- :mod:`~sim.sweep.store`: one atomic file per finished task, resume, ``runs.parquet``;
- :mod:`~sim.sweep.summary`: ``points.csv`` and the on-screen summary;
- :mod:`~sim.sweep.progress`: progress bar or plain lines;
- :mod:`~sim.sweep.run`: the sequence of a sweep session;
- :mod:`~sim.sweep.command`: ``policesim sweep``.

In code::

    from sim.sweep import build_plan, combine, make_backend, run_sweep
    plan = build_plan("scenarios/wubei.yaml", combine(None, ["demand_scale=1,1.5"]), 5)
    outcome = run_sweep(plan, "results/my-sweep", make_backend(2, None))
"""

from .backends import DaskBackend, ProcessBackend, SequentialBackend, make_backend
from .grid import Grid, Parameter, Point, combine, load_grid, parse_set
from .paths import set_path
from .plan import SweepPlan, build_plan
from .run import SweepOutcome, run_sweep
from .store import SweepFolder, parameter_table
from .summary import points_table
from .tasks import TaskResult, TaskSpec, point_seed, run_task

__all__ = [
    "DaskBackend",
    "Grid",
    "Parameter",
    "Point",
    "ProcessBackend",
    "SequentialBackend",
    "SweepFolder",
    "SweepOutcome",
    "SweepPlan",
    "TaskResult",
    "TaskSpec",
    "build_plan",
    "combine",
    "load_grid",
    "make_backend",
    "parameter_table",
    "parse_set",
    "point_seed",
    "points_table",
    "run_sweep",
    "run_task",
    "set_path",
]
