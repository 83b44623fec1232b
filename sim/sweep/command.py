"""``policesim sweep``: the command-line face of :mod:`sim.sweep`.

Registered in :mod:`sim.cli`. Exit status: 0 when every task finished, 1
when some tasks failed (they are listed; ``--resume`` re-runs them), 2 for
bad input (one message naming the file or option and the field, no
traceback), 130 after Ctrl-C (``--resume`` continues).
"""

from __future__ import annotations

import re
import shlex
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ScenarioError
from ..options import OutsidePathsOpt, ScenarioArg

if TYPE_CHECKING:
    from .plan import SweepPlan

EXIT_FAILED_TASKS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _fail(err: Console, exc: ScenarioError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _write_failed(folder: Path, exc: OSError) -> ScenarioError:
    """One line for a sweep folder that could not be written to (disk full, permissions)."""
    message = f"cannot write the sweep folder ({exc.strerror or exc})"
    if (folder / "sweep.json").is_file():
        message += (
            "; every finished task is kept and the folder stays INCOMPLETE: make room, then "
            f"continue with {resume_command(sys.argv[1:], folder)}"
        )
    return ScenarioError(folder, "--out", message)


def _default_out(scenario: Path) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario.stem).strip("-") or "sweep"
    return Path("results") / f"sweep-{stem}-{datetime.now():%Y%m%d-%H%M%S}"


def resume_command(argv: list[str], folder: Path) -> str:
    """The command that continues this sweep: the same options, ``--out folder --resume``."""
    dropped = ("--out", "--force", "--resume", "--dry-run")
    args = [
        arg
        for before, arg in zip(["", *argv], argv)
        if arg not in dropped and before != "--out" and not arg.startswith("--out=")
    ]
    return shlex.join(["policesim", *args, "--out", str(folder), "--resume"])


def _print_plan(plan: SweepPlan, out: Console) -> None:
    from .grid import short

    table = Table(
        title=(
            f"{plan.scenario_name}: {len(plan.points)} points × {plan.replications} "
            f"replications = {len(plan.points) * plan.replications} tasks (all points valid)"
        ),
        title_justify="left",
    )
    table.add_column("point", justify="right")
    for name in plan.parameters:
        table.add_column(name, overflow="fold")
    table.add_column("seed", justify="right")
    for p in plan.points:
        table.add_row(
            str(p.point.id), *(short(p.point.values[n]) for n in plan.parameters), str(p.seed)
        )
    out.print(table)


def sweep(
    scenario: ScenarioArg,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="PATH=V1,V2,... e.g. stations.Taoxi.officers=4,6,8 (repeatable; values are YAML).",
        ),
    ] = None,
    grid: Annotated[
        Path | None,
        typer.Option(help="Grid YAML file: parameters, ranges, alternatives (docs/sweeps.md)."),
    ] = None,
    reps: Annotated[
        int | None,
        typer.Option(
            min=1, help="Replications per point (default: the grid's, else the scenario's)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Local worker processes (default: the number of cores; never more than the "
            "cores or the tasks).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on an existing Dask cluster, e.g. tcp://HOST:8786."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default: results/sweep-NAME-TIME)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted sweep in --out: run only missing tasks.")
    ] = False,
    keep_records: Annotated[
        bool, typer.Option(help="Also keep every task's incident/officer/investigation records.")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Start over in an existing --out folder (its sweep files go).")
    ] = False,
    target: Annotated[
        str | None,
        typer.Option(help="Metric of the on-screen summary (default: response_p90_min)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Validate every point and list them; run nothing.")
    ] = False,
    allow_outside_paths: OutsidePathsOpt = False,
) -> None:
    """Sweep parameters over a grid: every point runs both models with paired replications.

    Writes runs.parquet (one row per point, replication and model), points.csv
    (means and 95% CIs, and the paired isolated - pooled difference) and sweep.json.
    """
    from .backends import make_backend
    from .grid import combine, load_grid
    from .plan import build_plan
    from .run import run_sweep
    from .summary import print_summary

    err = Console(stderr=True)
    say = partial(err.print, highlight=False, soft_wrap=True)
    out = Console() if Console().is_terminal else Console(width=140)
    try:
        if workers is not None and scheduler:
            raise ScenarioError(
                "--workers", "", "give --workers (local processes) or --scheduler (Dask), not both"
            )
        if resume and out_dir is None:
            raise ScenarioError("--resume", "", "--resume needs --out DIR, the sweep to continue")
        grid_spec = combine(load_grid(grid) if grid else None, list(set_ or []))
        plan = build_plan(scenario, grid_spec, reps, target, allow_outside_paths)
        if dry_run:
            _print_plan(plan, out)
            return
        backend = make_backend(workers, scheduler, say, len(plan.points) * plan.replications)
    except ScenarioError as exc:
        _fail(err, exc)
    folder = out_dir or _default_out(scenario)
    try:
        where = backend.describe()
        say(
            f"{plan.scenario_name}: {len(plan.points)} points × {plan.replications} replications"
            f" on {where['backend']} ({where.get('workers')} worker"
            f"{'' if where.get('workers') == 1 else 's'}) -> {folder}"
        )
        outcome = run_sweep(
            plan, folder, backend, resume=resume, force=force, keep_records=keep_records,
            console=err,
        )
    except ScenarioError as exc:
        _fail(err, exc)
    except OSError as exc:  # the disk filled up (or the folder vanished) while tasks ran
        _fail(err, _write_failed(folder, exc))
    finally:
        backend.close()

    if outcome.interrupted:
        say(
            f"interrupted: {outcome.already_done + outcome.ran - len(outcome.failures)} of "
            f"{outcome.total} tasks are saved in {folder}; continue with\n"
            f"  {resume_command(sys.argv[1:], folder)}"
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    print_summary(outcome.points, plan.parameters, plan.target, out, plan.replications)
    if outcome.write_error is not None:  # the summary above was computed, not saved
        _fail(err, _write_failed(folder, outcome.write_error))
    out.print(f"results written to {folder} (runs.parquet, points.csv, sweep.json)")
    if outcome.failures:
        say(
            f"[bold red]{len(outcome.failures)} of {outcome.total} tasks failed[/] "
            "(tracebacks in sweep.json; the folder stays INCOMPLETE):"
        )
        for f in sorted(outcome.failures, key=lambda r: (r.point, r.replication))[:20]:
            say(f"  point {f.point}, replication {f.replication}")
        say(f"fix the cause, then: {resume_command(sys.argv[1:], folder)}")
        raise typer.Exit(EXIT_FAILED_TASKS)
