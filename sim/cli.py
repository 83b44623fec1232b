"""The ``policesim`` command line (also ``python -m sim``).

Every command turns bad input into one message naming the file and the
field, on stderr, with exit status 2 and no traceback.
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import re
import sys
from collections.abc import Iterator, MutableMapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from .errors import ScenarioError
from .loader import load_scenario
from .models import pool_path, registry
from .options import (
    DaysOpt,
    ForceOpt,
    OutsidePathsOpt,
    RepsOpt,
    ScenarioArg,
    SeedOpt,
    WorkersOpt,
)

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from .loader import LoadedScenario

# pandas, scipy, matplotlib, dask and the metric, sweep and chart code are imported
# inside the commands that need them: `policesim check` and `import sim.cli` stay fast.

#: Commands written in their own modules: name -> (module, function), in the order help
#: lists them (after ``check`` and ``run``). A module is imported only when its command
#: runs or help lists it, so ``policesim check`` loads none of their code.
LAZY_COMMANDS = {
    "sweep": (".sweep.command", "sweep"),
    "generate-city": (".city", "generate_city_command"),
    "plot": (".plots.command", "plot_command"),
    "report": (".report_command", "report_command"),
    "attribute": (".attribution_command", "attribute"),
    "design": (".design.commands", "design_command"),
    "staff": (".design.commands", "staff_command"),
    "fit": (".fit.command", "fit_command"),
}


def _build_command(name: str) -> Any:
    """The click command of ``LAZY_COMMANDS[name]``, built as typer builds a registered one."""
    module, function = LAZY_COMMANDS[name]
    one = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    one.command(name)(getattr(importlib.import_module(module, __package__), function))
    return typer.main.get_command(one)


class _Commands(MutableMapping):
    """A group's commands: those built by typer, then :data:`LAZY_COMMANDS` on first lookup."""

    def __init__(self, built: dict[str, Any]) -> None:
        self._built = dict(built)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built and name in LAZY_COMMANDS:
            self._built[name] = _build_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._built, *LAZY_COMMANDS]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self._built, *LAZY_COMMANDS]))


class _LazyGroup(TyperGroup):
    """The app's group: its commands in :data:`LAZY_COMMANDS` are imported on first use."""

    def __init__(self, *, commands: dict[str, Any] | None = None, **attrs: Any) -> None:
        super().__init__(commands=_Commands(commands or {}), **attrs)


app = typer.Typer(
    cls=_LazyGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate township police stations under each operating model: "
    + ", ".join(registry.label(m) for m in registry.names()) + ".",
)


@cache
def console(stderr: bool = False) -> Console:
    """The rich console of stdout (or stderr), made on first use.

    ``check`` prints plain lines and never imports rich (tests/test_startup.py);
    other modules reach these consoles as ``cli.out`` and ``cli.err``.
    """
    from rich.console import Console

    if stderr:
        return Console(stderr=True)
    # Wide enough for the comparison table when stdout is a file or pipe (rich assumes 80).
    return Console() if Console().is_terminal else Console(width=140)


def _escape(text: str) -> str:
    """``text`` shown as written inside rich markup."""
    from rich.markup import escape

    return escape(text)



def __getattr__(name: str) -> Any:
    """Made on first use: ``out`` and ``err`` (rich consoles), ``TABLE_METRICS``.

    ``TABLE_METRICS`` are the comparison table's rows, ``JSON_METRICS`` what
    ``run --json`` guarantees.
    """
    if name in ("out", "err"):
        return console(stderr=name == "err")
    if name not in ("TABLE_METRICS", "JSON_METRICS"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .metrics import HEADLINE_METRICS, METRICS

    if name == "TABLE_METRICS":  # metrics shown in the comparison table printed after a run
        return (*HEADLINE_METRICS, "unstable_share")
    return tuple(METRICS)  # JSON_METRICS: what ``run --json`` guarantees (more are included)



def _fail(exc: ScenarioError | str) -> None:
    """Print ``exc`` as one ``error:`` line on stderr (as written, no wrapping); exit 2."""
    typer.echo(f"{typer.style('error:', fg='red', bold=True)} {exc}", err=True)
    raise typer.Exit(2)


@app.command()
def check(
    scenario: ScenarioArg,
    allow_outside_paths: OutsidePathsOpt = False,
) -> None:
    """Validate a scenario file without running it."""
    try:
        loaded = load_scenario(scenario, allow_outside_paths=allow_outside_paths)
    except ScenarioError as exc:
        _fail(exc)
    sc = loaded.scenario
    # plain lines: the path, name and notes as written (no rich markup or :emoji: codes)
    typer.echo(
        f"{scenario}: OK: {sc.name!r}, {len(sc.stations)} stations, "
        f"{len(sc.pools)} joint station(s), "
        f"{len(loaded.network.village_places)} villages, {len(sc.incident_types)} incident types"
    )
    for note in input_notes(loaded):
        typer.echo(f"note: {note}")


def input_notes(loaded: LoadedScenario) -> list[str]:
    """What loading made of the input that an analyst should know (``check`` and ``run`` print it).

    The command rooms' seats, ``p`` lists renormalised to 1, what reading an
    OpenStreetMap extract did to its roads, and a replayed call log's span.
    """
    sc = loaded.scenario
    notes = [*check_notes(sc), *loaded.network.notes]
    if loaded.calls is not None:
        notes.append(
            f"incidents: replaying {len(loaded.calls)} calls over {loaded.calls.days} days "
            f"from {loaded.calls.start:%Y-%m-%d} (docs/maps.md)"
        )
        if not sc.incidents.bootstrap_days and sc.horizon_days > loaded.calls.days:
            notes.append(
                f"horizon_days ({sc.horizon_days:g}) runs past the log's {loaded.calls.days} "
                "days: no calls arrive after it ends"
            )
    return notes


def check_notes(sc: Any) -> list[str]:
    """Notes ``check`` prints: each command room's seats, and ``p`` lists renormalised to 1."""
    notes = []
    for pool in sc.pools:
        room = pool.command_room
        drawn = sum(room.drawn_from.values())
        civilians = room.staff - drawn
        notes.append(
            f"{pool_path(pool)}.command_room: {room.staff} seat(s): "
            f"{drawn} officer(s) drawn from member stations, {civilians} civilian "
            "call-taker(s) not on the police roll (docs/model.md)"
        )
    for path, dist in _choices(sc, ""):
        if dist.renormalised_from is not None:
            notes.append(
                f"{path}: p sums to {dist.renormalised_from:g}; renormalised to sum to 1 "
                f"({', '.join(f'{q:.4g}' for q in dist.p)})"
            )
    return notes


def _choices(node: Any, path: str) -> Any:
    """(path, distribution) of every ``choice`` distribution in a scenario model."""
    from pydantic import BaseModel

    from .distributions import Choice

    if isinstance(node, Choice):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _choices(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            label = getattr(item, "id", None) or i
            yield from _choices(item, f"{path}.{label}" if isinstance(label, str) else
                                f"{path}[{label}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _choices(item, f"{path}.{key}")


@app.command()
def run(
    scenario: ScenarioArg,
    reps: RepsOpt = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Results folder (default: results/NAME-TIME).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout.")
    ] = False,
    workers: WorkersOpt = 1,
    force: ForceOpt = False,
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue an interrupted run in --out: run only the replications it lacks "
            "(same scenario and options)."
        ),
    ] = False,
    allow_outside_paths: OutsidePathsOpt = False,
    by: Annotated[
        str,
        typer.Option(
            help="Also print one table per township, priority or incident type "
            "(all, township, priority, type)."
        ),
    ] = "all",
    bootstrap_days: Annotated[
        bool,
        typer.Option(
            "--bootstrap-days",
            help="With a replayed call log: each replication resamples whole days of it "
            "(with replacement), for intervals (docs/maps.md).",
        ),
    ] = False,
) -> None:
    """Run a scenario under both models with paired replications and write a results folder."""
    from . import run_folder
    from .metrics import stability_warnings, staffing_warnings
    from .sweep.backends import worker_count
    from .sweep.progress import SweepProgress

    if by not in BREAKDOWNS:
        _fail(f"--by: expected one of {', '.join(BREAKDOWNS)}, got {by!r}")
    overrides: dict[str, Any] = {}
    if seed is not None:
        overrides["seed"] = seed
    if days is not None:
        overrides["horizon_days"] = days
    if reps is not None:
        overrides["replications"] = reps
    try:
        loaded = load_scenario(scenario, overrides, allow_outside_paths)
        if bootstrap_days:
            from .replay import with_bootstrap_days

            loaded = with_bootstrap_days(loaded)
        folder = (
            out_dir or Path("results") / f"{_slug(scenario.stem)}-{datetime.now():%Y%m%d-%H%M%S}"
        )
        partial = run_folder.prepare_run_folder(folder, loaded, force, resume)
    except ScenarioError as exc:
        _fail(exc)
    for note in input_notes(loaded):  # on stderr: --json keeps stdout to the summary
        typer.echo(f"note: {note}", err=True)
    n = loaded.scenario.replications
    try:
        label = f"{loaded.scenario.name}: replications"
        with SweepProgress(n, 0, console(stderr=True), label, interval_s=None) as progress:
            result = run_folder.run_scenario(
                loaded, n, workers=worker_count(workers, n), on_done=lambda _r: progress.advance(),
                partial=partial,
            )
        run_folder.write_run(folder, loaded, result)
        write_error = None
    except KeyboardInterrupt:
        _interrupted(scenario, folder, partial, n, reps=reps, seed=seed, days=days,
                     workers=workers, allow_outside_paths=allow_outside_paths,
                     bootstrap_days=bootstrap_days)
    except OSError as exc:  # e.g. the disk filled up: the numbers are still worth showing
        write_error = ScenarioError(
            folder,
            "--out",
            f"cannot finish writing the results folder ({exc.strerror or exc}); it stays "
            "marked INCOMPLETE and the numbers shown were not saved: make room and run again",
        )
    if as_json:
        sys.stdout.write(
            json.dumps(summary_json(result.summary, loaded.scenario.name, n), indent=2) + "\n"
        )
    else:
        console().print(
            comparison_table(result.summary, f"{loaded.scenario.name}: {n} paired replications")
        )
        for scope in _scopes(result.summary, by):
            title = f"{loaded.scenario.name}: {scope}"
            console().print(comparison_table(result.summary, title, scope))
        for note in staffing_warnings(result.summary):
            label = "staffing:" if note.startswith("both") else "[bold yellow]warning:[/]"
            console().print(f"{label} {_escape(note)}", soft_wrap=True)
        for warning in stability_warnings(result.summary):
            console().print(f"[bold yellow]warning:[/] {_escape(warning)}", soft_wrap=True)
    if write_error is not None:
        _fail(write_error)
    if not as_json:
        console().print(f"results written to {folder}")


def _interrupted(scenario: Path, folder: Path, partial: Any, n: int, **options: Any) -> None:
    """Say what an interrupted run kept and how to continue it; exit 130 (as for SIGINT)."""
    from .run_folder import resume_command

    argv = [
        f"--{name.replace('_', '-')}" + ("" if value is True else f"={value}")
        for name, value in options.items()
        if value not in (None, False) and not (name == "workers" and value == 1)
    ]
    kept = len(partial.replications(below=n))
    console(stderr=True).print(
        f"interrupted after {kept} of {n} replications; finished ones kept in {folder}; "
        f"continue with: {resume_command(scenario, folder, argv)}",
        highlight=False, markup=False, soft_wrap=True,
    )
    raise typer.Exit(130)


#: Breakdowns ``run --by`` can print (``all`` prints the overall table only).
BREAKDOWNS = ("all", "township", "priority", "type")


def _scopes(summary: pd.DataFrame, by: str) -> list[str]:
    """Scopes (values of the summary's ``township`` column) of breakdown ``by``, in order."""
    if by == "all" or "breakdown" not in summary:
        return []
    return list(dict.fromkeys(summary.loc[summary["breakdown"] == by, "township"]))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "run"


def comparison_table(summary: pd.DataFrame, title: str, township: str | None = None) -> Table:
    """Return a rich table of each metric's means [95% CI], paired differences and verdicts.

    Only renders :func:`sim.compare.comparison`: cells, verdicts and notes come from there.
    """
    from rich.table import Table

    from .compare import Verdict, comparison, row_values
    from .metrics import ALL

    township = township or ALL
    cmp = comparison(summary, township)
    table = Table(title=title, title_justify="left", caption_justify="left")
    table.add_column(
        "metric (overall)" if township == ALL else f"metric ({township})", no_wrap=True
    )
    for label in cmp.columns:
        table.add_column(label, justify="left" if label.startswith("better") else "right")
    for row in cmp.rows:
        table.add_row(row.metric, *(
            v.better if isinstance(v, Verdict) else "" if v is None else str(v)
            for v in row_values(row)
        ))
    table.caption = _escape("\n".join(cmp.notes))
    return table


def summary_json(summary: pd.DataFrame, name: str, replications: int) -> dict[str, Any]:
    """Return the summary as nested dicts: models -> metric -> mean/ci_low/ci_high (NaN as null)."""
    from .compare import bottom_line, summary_models, summary_verdicts
    from .metrics import (
        ALL,
        HEADLINE_METRICS,
        METRICS,
        stability_warnings,
        staffing_warnings,
        unstable_models,
    )


    def clean(v: float) -> float | None:
        return None if v is None or math.isnan(v) else float(v)

    def block(rows: pd.DataFrame) -> dict[str, dict[str, dict[str, float | None]]]:
        outd: dict[str, dict[str, dict[str, float | None]]] = {}
        for r in rows.itertuples():
            outd.setdefault(r.model, {})[r.metric] = {
                "mean": clean(r.mean),
                "ci_low": clean(r.ci_low),
                "ci_high": clean(r.ci_high),
            }
        return outd

    overall = summary[summary["township"] == ALL]
    kind = (
        summary["breakdown"]
        if "breakdown" in summary
        else summary["township"].map(lambda t: "all" if t == ALL else "township")
    )

    def groups(breakdown: str) -> dict[str, Any]:
        rows = summary[kind == breakdown]
        return {str(t): block(g) for t, g in rows.groupby("township", sort=False)}

    return {
        "scenario": name,
        "replications": replications,
        "confidence": 0.95,
        "models": block(overall),
        "townships": groups("township"),
        "priorities": groups("priority"),
        "incident_types": groups("type"),
        "unstable": {m: m in unstable_models(summary) for m in summary_models(summary)},
        "better": {
            metric: {"better": v.better, "reason": v.reason}
            for metric, v in summary_verdicts(summary, metrics=tuple(METRICS)).items()
        },
        "bottom_line": bottom_line(
            v for m, v in summary_verdicts(summary).items() if m in HEADLINE_METRICS
        ),
        "comparisons": {
            o: {
                "better": {
                    metric: {"better": v.better, "reason": v.reason}
                    for metric, v in summary_verdicts(summary, metrics=tuple(METRICS),
                                                      other=o).items()
                },
                "bottom_line": bottom_line(
                    summary_verdicts(summary, metrics=HEADLINE_METRICS, other=o).values()
                ),
            }
            for o in summary_models(summary)[1:]
        },
        "warnings": stability_warnings(summary),
        "staffing": staffing_warnings(summary),
    }


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except ScenarioError as exc:  # raised outside a command's own handling
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    finally:
        # The process ends now. Python's exit would search every object left (the
        # schema, numpy, typer: about 30 ms, a tenth of `check`) for reference cycles
        # to free; frozen objects are skipped. Files, pools and clusters are closed by
        # the commands themselves or by atexit, neither of which needs that search.
        gc.freeze()
