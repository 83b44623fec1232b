"""``policesim report``: the command line of :mod:`sim.report`.

Kept apart so that registering the command imports nothing heavy: pandas,
matplotlib and the templates load only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .errors import ScenarioError


def report_command(
    results_dir: Annotated[
        Path, typer.Argument(help="Results folder of 'policesim run', or a sweep folder.")
    ],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="The HTML file to write (default: RESULTS_DIR/report.html)."),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            help="Sweep folders only: the metric to chart (default: the sweep's target, "
            "else response_p90_min)."
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report (charts embedded, tables, assumptions, versions)."""
    from . import cli  # the shared consoles and error exit (cli imports us)
    from .report import write_report

    try:
        path = write_report(results_dir, out_file, metric)
    except ScenarioError as exc:
        cli._fail(exc)
    cli.out.print(f"report written to {escape(str(path))}", highlight=False)
