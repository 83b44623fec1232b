"""``policesim attribute``: the command line of :mod:`sim.attribution`.

Kept apart so that registering the command imports nothing heavy: the
simulation, pandas and numpy load only when the command runs.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import ScenarioError
from .options import (
    DaysOpt,
    ForceOpt,
    OutsidePathsOpt,
    RepsOpt,
    ScenarioArg,
    WorkersOpt,
)

# --------------------------------------------------------------------------- the command


def attribute(
    scenario: ScenarioArg,
    reps: RepsOpt = None,
    days: DaysOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default: results/NAME-attribution-TIME)."),
    ] = None,
    workers: WorkersOpt = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    force: ForceOpt = False,
    allow_outside_paths: OutsidePathsOpt = False,
) -> None:
    """Switch each mechanism off in turn: how much of isolated - pooled each accounts for."""
    from . import cli  # the shared console and error exit (cli imports us)
    from .attribution import (
        ALL_MECHANISMS,
        CSV_NAME,
        attribution_json,
        attribution_table,
        run_attribution,
        variant_scenarios,
        write_attribution,
    )
    from .results_io import prepare_folder
    from .sweep.progress import SweepProgress

    overrides: dict[str, Any] = {}
    if days is not None:
        overrides["horizon_days"] = days
    if reps is not None:
        overrides["replications"] = reps
    try:
        scenarios = variant_scenarios(scenario, overrides, allow_outside_paths)
        folder = out_dir or (
            Path("results")
            / f"{cli._slug(scenario.stem)}-attribution-{datetime.now():%Y%m%d-%H%M%S}"
        )
        prepare_folder(folder, force)
        (folder / CSV_NAME).unlink(missing_ok=True)
    except ScenarioError as exc:
        cli._fail(exc)
    except OSError as exc:
        cli._fail(ScenarioError(folder, "--out", f"cannot write ({exc.strerror or exc})"))
    loaded = scenarios[0][ALL_MECHANISMS]
    n = loaded.scenario.replications
    total = n * len(scenarios[0])
    label = f"{loaded.scenario.name}: attribution runs"
    with SweepProgress(total, 0, cli.err, label, interval_s=None) as progress:
        att = run_attribution(
            scenario, workers=workers, on_done=lambda _r: progress.advance(), scenarios=scenarios
        )
    try:
        write_attribution(folder, att)
        write_error = None
    except OSError as exc:
        write_error = ScenarioError(
            folder,
            "--out",
            f"cannot finish writing the results folder ({exc.strerror or exc}); it stays "
            "marked INCOMPLETE and the numbers shown were not saved: make room and run again",
        )
    if as_json:
        sys.stdout.write(json.dumps(attribution_json(att), indent=2) + "\n")
    else:
        title = (
            f"{loaded.scenario.name}: attribution, {n} paired replications of "
            f"{loaded.scenario.horizon_days:g} days, every run on the same seeds"
        )
        cli.out.print(attribution_table(att, title))
    if write_error is not None:
        cli._fail(write_error)
    if not as_json:
        cli.out.print(f"results written to {folder}")
