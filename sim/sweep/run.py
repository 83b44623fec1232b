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
from .store import MANIFEST, POINTS_DIR, SweepFolder, point_file_name, runs_table
from .summary import points_table
from .tasks import TaskResult

Backend = SequentialBackend | DaskBackend


@dataclass
class SweepOutcome:
    """What a sweep session did.

    Attributes
    ----------
    folder
        The results folder.
    total
        Tasks in the sweep.
    already_done
        Tasks found finished at the start (``--resume``).
    ran
        Tasks run in this session (finished or failed).
    failures
        Tasks that raised (or whose worker died), with their tracebacks.
    interrupted
        True after Ctrl-C.
    wall_s
        Wall seconds of this session's task phase.
    runs, points
        The tables (None when interrupted).
    write_error
        Why the tables could not be written (e.g. the disk is full), else None:
        the tables were computed, and the folder stays ``INCOMPLETE``.
    status
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


def task_seeds(plan: SweepPlan) -> dict[str, dict[str, Any]]:
    """``"point/replication"`` -> the task's SeedSequence identity, as in ``policesim run``."""
    return {
        f"{p.point.id}/{r}": {"entropy": p.seed, "spawn_key_prefix": [r]}
        for p in plan.points
        for r in range(plan.replications)
    }


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
            {
                "point": p.point.id,
                "values": p.point.values,
                "settings": p.point.overrides,
                "seed": p.seed,
                "scenario": f"{POINTS_DIR}/{point_file_name(p.point.id)}",
                "scenario_sha256": p.scenario_sha256,
            }
            for p in plan.points
        ],
        "task_seeds": task_seeds(plan),
        "failures": [
            {
                "point": f.point,
                "replication": f.replication,
                "values": values.get(f.point),
                "seed": f.seed,
                "error": f.error,
            }
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
        sessions: list[dict[str, Any]] = []
        if resume:
            sessions = list(folder.check_resumable(plan, keep_records).get("sessions", []))
        folder.start()
        specs = plan.tasks(keep_records)
        done = folder.finished()
        todo = [s for s in specs if s.key not in done]
        outcome = SweepOutcome(folder.out, len(specs), len(specs) - len(todo))
        session = {
            "started": _now(),
            "backend": backend.describe().get("backend"),
            "workers": backend.describe().get("workers"),
            "tasks_found_done": outcome.already_done,
        }
        sessions.append(session)

        def write_manifest(status: str, finished: int) -> None:
            folder.write_manifest(
                manifest(
                    plan,
                    folder.out,
                    backend,
                    keep_records,
                    status,
                    sessions,
                    outcome.failures,
                    finished,
                )
            )

        write_manifest("running", outcome.already_done)
        folder.write_point_scenarios(plan)
        if resume and outcome.already_done:
            console.print(
                f"resuming {folder.out}: {outcome.already_done} of {outcome.total} tasks "
                f"already done, {len(todo)} to run",
                highlight=False,
            )
        sha = {p.point.id: p.scenario_sha256 for p in plan.points}
        labels = {p.point.id: p.point.label() for p in plan.points}
        loaded = {p.point.id: p.loaded for p in plan.points}
        start = time.perf_counter()
        with SweepProgress(
            outcome.total, outcome.already_done, console, interval_s=progress_interval_s
        ) as progress:

            def on_result(result: TaskResult) -> None:
                outcome.ran += 1
                if result.ok:
                    folder.write_task(result, sha[result.point])
                else:
                    outcome.failures.append(result)
                    console.print(
                        f"task failed: point {result.point} ({labels[result.point]}), "
                        f"replication {result.replication}: {_first_line(result.error)}",
                        highlight=False,
                        markup=False,
                        soft_wrap=True,
                    )
                progress.advance(result.ok)

            try:
                backend.run(loaded, todo, on_result)
            except KeyboardInterrupt:
                outcome.interrupted = True
        outcome.wall_s = time.perf_counter() - start
        finished = len(folder.finished() & {s.key for s in specs})
        session.update(
            ended=_now(),
            tasks_run=outcome.ran,
            tasks_failed=len(outcome.failures),
            wall_s=round(outcome.wall_s, 3),
        )
        if outcome.interrupted:
            outcome.status = "interrupted"
            write_manifest(outcome.status, finished)
            return outcome
        tasks = folder.read_tasks(plan)
        outcome.runs = runs_table(plan, tasks)
        outcome.points = points_table(outcome.runs, plan.parameters)
        complete = finished == outcome.total and not outcome.failures
        outcome.status = "complete" if complete else "failed"
        try:
            folder.write_tables(outcome.runs, outcome.points)
            write_manifest(outcome.status, finished)
        except OSError as exc:  # e.g. the disk is full: keep the summary for the caller
            outcome.write_error = exc
            outcome.status = "failed"
            return outcome
        if complete:
            folder.finish()
        return outcome
    finally:
        folder.close()


__all__ = ["MANIFEST", "SweepOutcome", "manifest", "run_sweep", "task_seeds"]
