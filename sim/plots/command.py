"""The ``policesim plot`` command (``policesim report`` is :mod:`sim.report_command`).

It takes a run folder (``policesim run``) or a sweep folder (``policesim
sweep``). Bad input (a missing, unfinished or unreadable folder, an unknown
format or metric) is one message on stderr with exit status 2, no traceback.
Matplotlib is imported only when a command runs, so the rest of the CLI
starts as fast as before.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import ScenarioError

err = Console(stderr=True)
out = Console()

FolderArg = Annotated[
    Path, typer.Argument(help="Results folder of 'policesim run', or a sweep folder.")
]
MetricOpt = Annotated[
    str | None,
    typer.Option(
        help="Sweep folders only: the metric to chart (default: the sweep's target, "
        "else response_p90_min)."
    ),
]


class ChartFormat(str, Enum):
    """File formats of ``policesim plot``."""

    png = "png"
    svg = "svg"
    pdf = "pdf"


def _fail(exc: ScenarioError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def plot_command(
    results_dir: FolderArg,
    fmt: Annotated[
        ChartFormat, typer.Option("--format", help="File format of the charts.")
    ] = ChartFormat.png,
    metric: MetricOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the charts (default: RESULTS_DIR/charts)."),
    ] = None,
) -> None:
    """Draw the charts of a results folder into RESULTS_DIR/charts (one file per chart)."""
    from .render import plot_folder

    try:
        paths = plot_folder(results_dir, fmt.value, metric, out_dir)
    except ScenarioError as exc:
        _fail(exc)
    folder = paths[0].parent if paths else results_dir
    out.print(f"{len(paths)} charts written to {escape(str(folder))}:", highlight=False)
    for p in paths:
        out.print(f"  {escape(p.name)}", highlight=False)
