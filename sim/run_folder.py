"""``policesim run``: all replications of a scenario, paired, written to one results folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .loader import LoadedScenario
from .metrics import summarise
from .results_io import (
    finish_folder,
    prepare_folder,
    write_csv,
    write_manifest,
    write_parquet,
    write_scenario,
)
from .runner import ReplicationResult, run_replications


@dataclass
class RunOutput:
    """A finished run: per-replication metrics, summary and the record tables."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    incidents: pd.DataFrame
    officers: pd.DataFrame
    investigations: pd.DataFrame
    digests: dict[int, str]
    dispatches: pd.DataFrame
    walk_ins: pd.DataFrame


def run_scenario(
    loaded: LoadedScenario,
    replications: int | None = None,
    workers: int = 1,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> RunOutput:
    """Run ``replications`` (default: the scenario's) paired replications and summarise them."""
    n = replications or loaded.scenario.replications
    results = run_replications(loaded, range(n), workers=workers, on_done=on_done)
    per_rep = pd.concat([r.metrics for r in results], ignore_index=True)
    first = ["replication", "model", "township"]
    per_rep = per_rep[first + [c for c in per_rep.columns if c not in first]]
    return RunOutput(
        replications=per_rep,
        summary=summarise(per_rep),
        incidents=pd.concat([r.incidents for r in results], ignore_index=True),
        officers=pd.concat([r.officers for r in results], ignore_index=True),
        investigations=pd.concat([r.investigations for r in results], ignore_index=True),
        digests={r.replication: r.stream_digest for r in results},
        dispatches=pd.concat([r.dispatches for r in results], ignore_index=True),
        walk_ins=pd.concat([r.walk_ins for r in results], ignore_index=True),
    )


def write_run(out: Path, loaded: LoadedScenario, result: RunOutput) -> None:
    """Write every file of a run folder (the folder must have been prepared)."""
    write_scenario(out, loaded)
    write_parquet(result.incidents, out / "incidents.parquet")
    write_parquet(result.officers, out / "officers.parquet")
    write_parquet(result.investigations, out / "investigations.parquet")
    write_parquet(result.dispatches, out / "dispatches.parquet")
    write_parquet(result.walk_ins, out / "walkins.parquet")
    write_csv(result.replications, out / "replications.csv")
    write_csv(result.summary, out / "summary.csv")
    write_manifest(out, loaded, sorted(result.digests), result.digests)
    finish_folder(out)


__all__ = ["RunOutput", "prepare_folder", "run_scenario", "write_run"]
