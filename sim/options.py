"""Command-line arguments and options that several commands share, written once.

Each is an ``Annotated`` type for a typer command's parameter, so the same
option reads and checks the same way in ``run``, ``attribute``, ``sweep``,
``design`` and ``check``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.")]
RepsOpt = Annotated[
    int | None, typer.Option(min=1, help="Replications (default: the scenario's).")
]
DaysOpt = Annotated[float | None, typer.Option(help="Override horizon_days.")]
SeedOpt = Annotated[int | None, typer.Option(min=0, help="Override the scenario's seed.")]
WorkersOpt = Annotated[
    int,
    typer.Option(
        min=1,
        help="Worker processes for replications "
        "(never more than the cores or the replications to run).",
    ),
]
ForceOpt = Annotated[bool, typer.Option(help="Overwrite an existing results folder.")]
OutsidePathsOpt = Annotated[
    bool, typer.Option(help="Allow network files outside the scenario's folder.")
]
