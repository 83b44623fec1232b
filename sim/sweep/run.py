"""Run a sweep plan into a folder: skip finished tasks, store each result as it comes, summarise.

The order of events, chosen so that no finished work is ever lost and no
half-written file is ever read as whole:

1. prepare and lock the folder, mark it ``INCOMPLETE`` (on ``--resume``, check
   it holds this very sweep);
2. write ``sweep.json`` (status ``running``) and each point's scenario;
3. run the tasks that have no result file; each result is written the moment
   it arrives (:class:`~sim.sweep.store.SweepFolder`), a failure is printed
   with its point and replication and the others carry on;
4. read every task file, write ``runs.parquet`` and ``points.csv``;
5. update ``sweep.json``; remove ``INCOMPLETE`` only if every task succeeded.

On Ctrl-C the tasks already running are waited for and kept, ``sweep.json``
says ``interrupted`` and no tables are written: ``--resume`` finishes the job.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from ..results_io import versions
from .backends import DaskBackend, SequentialBackend
from .plan import SweepPlan
from .progress import SweepProgress
from .store import POINTS_DIR, SweepFolder, point_file_name, runs_table
from .summary import points_table
from .tasks import TaskResult

Backend = SequentialBackend | DaskBackend


@dataclass
class SweepOutcome:
    """What a sweep session did.

    ``total`` tasks in the sweep, ``already_done`` found finished at the start
    (``--resume``), ``ran`` in this session, ``failures`` (tracebacks included),
    ``wall_s`` of the task phase; the tables ``runs`` and ``points`` (None when
    interrupted); ``write_error`` when they could not be written (the disk is
    full: they were computed, the folder stays ``INCOMPLETE``); ``status`` is
    ``complete``, ``failed`` (some tasks failed) or ``interrupted``.
    """

    folder: Path
    total: int
    already_done: int
    ran: int = 0
    failures: list[TaskResult] = field(default_factory=list)
    interrupted: bool = False
    wall_s: float = 0.0
    runs: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    write_error: OSError | None = None
    status: str = "running"

    @property
    def complete(self) -> bool:
        """True when every task has a result."""
        return self.status == "complete"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def manifest(
    plan: SweepPlan,
    folder: Path,
    backend: Backend,
    keep_records: bool,
    status: str,
    sessions: list[dict[str, Any]],
    failures: list[TaskResult],
    finished: int,
) -> dict[str, Any]:
    """The content of ``sweep.json``: enough to repeat the sweep, or any point of it, exactly."""
    values = {p.point.id: p.point.values for p in plan.points}
    return {
        "kind": "policesim sweep",
        "status": status,
        "scenario_file": plan.scenario_file,
        "scenario_name": plan.scenario_name,
        "parameters": plan.parameters,
        "grid": plan.grid.describe(),
        "target": plan.target,
        "base_seed": plan.base_seed,
        "replications": plan.replications,
        "tasks": len(plan.points) * plan.replications,
        "finished": finished,
        "keep_records": keep_records,
        "fingerprint": plan.fingerprint(),
        "seeding": (
            "point seed = SeedSequence(entropy=[scenario seed, *sha256(the point's settings "
            "{path: value} as canonical JSON) as uint32 words]).generate_state(1, uint64) >> 1; "
            "replication r "
            "of a point draws from SeedSequence(entropy=point seed, spawn_key=(r, purpose)) "
            "(sim/seeds.py), exactly as `policesim run` on points/point-NNNNNN.yaml"
        ),
        "points": [
            {"point": p.point.id, "values": p.point.values, "settings": p.point.overrides,
             "seed": p.seed, "scenario": f"{POINTS_DIR}/{point_file_name(p.point.id)}",
             "scenario_sha256": p.scenario_sha256}
            for p in plan.points
        ],
        # "point/replication" -> the task's SeedSequence identity, as in `policesim run`
        "task_seeds": {
            f"{p.point.id}/{r}": {"entropy": p.seed, "spawn_key_prefix": [r]}
            for p in plan.points
            for r in range(plan.replications)
        },
        "failures": [
            {"point": f.point, "replication": f.replication, "values": values.get(f.point),
             "seed": f.seed, "error": f.error}
            for f in failures
        ],
        "repeat_point_with": (
            f"policesim run {folder / POINTS_DIR / 'point-NNNNNN.yaml'} --out NEW_FOLDER"
        ),
        "command_line": sys.argv,
        "backend": backend.describe(),
        "sessions": sessions,
        "versions": versions(),
    }


def _first_line(error: str | None) -> str:
    lines = [ln for ln in (error or "").strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "unknown error"


def run_sweep(
    plan: SweepPlan,
    out: str | Path,
    backend: Backend,
    *,
    resume: bool = False,
    force: bool = False,
    keep_records: bool = False,
    console: Console | None = None,
    progress_interval_s: float = 10.0,
) -> SweepOutcome:
    """Run every task of ``plan`` that has no result in ``out`` yet; write the tables.

    Raises :class:`~sim.errors.ScenarioError` for a folder that cannot be used
    (not empty without ``force``, another sweep on ``resume``, locked).
    """
    console = console or Console(stderr=True)
    folder = SweepFolder(out)
    folder.prepare(force=force, resume=resume)
    try:
        old = folder.check_resumable(plan, keep_records) if resume else {}
        folder.start()
        specs = plan.tasks(keep_records)
        todo = [s for s in specs if s.key not in folder.finished()]
        outcome = SweepOutcome(folder.out, len(specs), len(specs) - len(todo))
        where = backend.describe()
        session = {"started": _now(), "backend": where.get("backend"),
                   "workers": where.get("workers"), "tasks_found_done": outcome.already_done}
        sessions = [*old.get("sessions", []), session]

        def write_manifest(status: str) -> None:
            finished = len(folder.finished() & {s.key for s in specs})
            folder.write_manifest(manifest(plan, folder.out, backend, keep_records, status,
                                           sessions, outcome.failures, finished))

        write_manifest("running")
        folder.write_point_scenarios(plan)
        if resume and outcome.already_done:
            console.print(f"resuming {folder.out}: {outcome.already_done} of {outcome.total} "
                          f"tasks already done, {len(todo)} to run", highlight=False)
        _run_tasks(plan, folder, backend, todo, outcome, console, progress_interval_s)
        session.update(ended=_now(), tasks_run=outcome.ran, tasks_failed=len(outcome.failures),
                       wall_s=round(outcome.wall_s, 3))
        if outcome.interrupted:
            outcome.status = "interrupted"
            write_manifest(outcome.status)
            return outcome
        outcome.runs = runs_table(plan, folder.read_tasks(plan))
        outcome.points = points_table(outcome.runs, plan.parameters)
        complete = outcome.already_done + outcome.ran == outcome.total and not outcome.failures
        outcome.status = "complete" if complete else "failed"
        try:
            folder.write_tables(outcome.runs, outcome.points)
            write_manifest(outcome.status)
        except OSError as exc:  # e.g. the disk is full: keep the summary for the caller
            outcome.write_error, outcome.status = exc, "failed"
            return outcome
        if complete:
            folder.finish()
        return outcome
    finally:
        folder.close()


def _run_tasks(
    plan: SweepPlan,
    folder: SweepFolder,
    backend: Backend,
    todo: list,
    outcome: SweepOutcome,
    console: Console,
    interval_s: float,
) -> None:
    """Run ``todo``: store each result as it comes, print each failure; note Ctrl-C."""
    by_id = {p.point.id: p for p in plan.points}
    start = time.perf_counter()
    with SweepProgress(outcome.total, outcome.already_done, console, interval_s=interval_s) as bar:

        def on_result(result: TaskResult) -> None:
            outcome.ran += 1
            if result.ok:
                folder.write_task(result, by_id[result.point].scenario_sha256)
            else:
                outcome.failures.append(result)
                console.print(
                    f"task failed: point {result.point} ({by_id[result.point].point.label()}), "
                    f"replication {result.replication}: {_first_line(result.error)}",
                    highlight=False, markup=False, soft_wrap=True,
                )
            bar.advance(result.ok)

        try:
            backend.run({i: p.loaded for i, p in by_id.items()}, todo, on_result)
        except KeyboardInterrupt:
            outcome.interrupted = True
    outcome.wall_s = time.perf_counter() - start

