"""Paired simulation of many variants of one scenario, on common random numbers, resumable.

Every variant (a design, a staffing candidate) keeps the scenario's own seed,
so replication ``r`` of every variant draws the *same* incident stream
(:mod:`sim.seeds`: streams depend on the seed, the replication and the purpose
only). Differences between variants are then paired, replication by
replication, which is what makes their confidence intervals narrow.

The work runs on the sweep backends (:mod:`sim.sweep.backends`: this process,
local processes, or a Dask cluster with ``--scheduler``) as sweep tasks
(:func:`sim.sweep.tasks.run_task`: one replication, both models, overall
metrics). Each finished task is stored at once in
``OUT/sims/<variant key>-s<seed>-r<replication>.json`` (written to a temporary
name and renamed); a rerun with ``--resume`` reads those instead of simulating
again. The variant key is a hash of the variant's scenario document, so a
changed design is never mistaken for a stored one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ..errors import ScenarioError
from ..loader import LoadedScenario
from ..models import REFORM
from ..sweep.backends import make_backend
from ..sweep.progress import SweepProgress
from ..sweep.tasks import TaskResult, TaskSpec

SIMS = "sims"


@dataclass
class Runner:
    """Runs variants' replications into a store folder; see the module docstring."""

    out: Path
    workers: int | None = None
    scheduler: str | None = None
    console: Console | None = None
    label: str = "simulations"

    def __post_init__(self) -> None:
        self.store = self.out / SIMS
        self.store.mkdir(parents=True, exist_ok=True)
        self.console = self.console or Console(stderr=True)
        self.simulated = 0
        self.reused = 0

    def _file(self, key: str, seed: int, rep: int) -> Path:
        return self.store / f"{key}-s{seed}-r{rep:05d}.json"

    def run(
        self, variants: dict[str, LoadedScenario], reps: int
    ) -> dict[str, list[dict[str, dict[str, float]]]]:
        """Return ``{key: [per replication: {model: {metric: value}}]}`` for every variant."""
        todo: list[tuple[str, int]] = []
        for key, loaded in variants.items():
            for r in range(reps):
                if not self._file(key, loaded.scenario.seed, r).exists():
                    todo.append((key, r))
        self.reused += sum(len(range(reps)) for _ in variants) - len(todo)
        if todo:
            self._simulate(variants, todo, reps)
        out: dict[str, list[dict[str, dict[str, float]]]] = {}
        for key, loaded in variants.items():
            out[key] = [
                json.loads(self._file(key, loaded.scenario.seed, r).read_text())
                for r in range(reps)
            ]
        return out

    def _simulate(
        self, variants: dict[str, LoadedScenario], todo: list[tuple[str, int]], reps: int
    ) -> None:
        keys = sorted({k for k, _ in todo})
        number = {k: i for i, k in enumerate(keys)}
        loaded = {number[k]: variants[k] for k in keys}
        specs = [TaskSpec(number[k], r, models=tuple(REFORM)) for k, r in todo]
        backend = make_backend(self.workers, self.scheduler, tasks=len(specs))
        failures: list[TaskResult] = []

        def on_result(res: TaskResult, progress: SweepProgress) -> None:
            progress.advance(res.ok)
            if not res.ok:
                failures.append(res)
                return
            key = keys[res.point]
            path = self._file(key, res.seed, res.replication)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            rows = {row["model"]: {m: v for m, v in row.items() if m != "model"}
                    for row in res.rows}  # fmt: skip
            tmp.write_text(json.dumps(rows))
            tmp.replace(path)
            self.simulated += 1

        try:
            with SweepProgress(len(specs), 0, self.console, self.label, 10.0) as progress:
                backend.run(loaded, specs, lambda res: on_result(res, progress))
        finally:
            backend.close()
        if failures:
            first = failures[0]
            last = [ln for ln in (first.error or "").strip().splitlines() if ln.strip()][-1:]
            raise ScenarioError(
                self.out, SIMS,
                f"{len(failures)} simulation(s) failed, e.g. variant {keys[first.point]} "
                f"replication {first.replication}: {last[0] if last else 'unknown error'}",
            )


def paired(
    per_rep: list[dict[str, dict[str, float]]],
    base: list[dict[str, dict[str, float]]],
    metric: str,
    model: str = REFORM.after,
    base_model: str = REFORM.before,
) -> list[float]:
    """Per-replication differences ``base[base_model] - per_rep[model]`` of ``metric``."""
    return [b[base_model][metric] - v[model][metric] for v, b in zip(per_rep, base)]
