"""The unit of work of a sweep: one (point, replication), both models, paired.

Seeds
-----
A point's seed is drawn from ``numpy.random.SeedSequence(entropy=[scenario
seed, *sha256(what the point sets, {path: value})])``; replication ``r`` of the point
then uses the streams ``SeedSequence(entropy=point seed, spawn_key=(r,
purpose))`` of :mod:`sim.seeds`. So a task's random numbers depend only on
the scenario seed, the point's settings and the replication number -- never on
the order tasks run or finish in, the number of workers, the backend, or
which other points the grid holds, nor on how a setting was written (a list
value, a range or a labelled alternative): the same point in another grid
gives the same numbers.

Putting the point's seed into the scenario's own ``seed`` field (rather than
adding a sweep-only seeding path to the engine) means every point of a sweep
*is* an ordinary scenario: ``policesim run DIR/points/point-00003.yaml``
repeats that point exactly, with the tools analysts already trust.

Point seeds are independent between points, as the issue asks: two points do
not share incident streams, so their confidence intervals are independent
(within a point the two models do share them, which is what makes the paired
isolated - pooled difference precise).
"""

from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..loader import LoadedScenario
from ..metrics import ALL, METRICS
from ..runner import run_replication
from .grid import canonical_json

#: Record tables a task returns with ``--keep-records``.
RECORD_TABLES = ("incidents", "officers", "investigations")


def point_seed(base_seed: int, settings: dict) -> int:
    """Return the seed of the point that sets ``settings`` (a 63-bit int, fits Parquet int64).

    ``settings`` maps scenario paths to the values the point gives them;
    whole floats count as ints, so ``1.0`` and ``1`` give the same seed.
    """
    digest = hashlib.sha256(canonical_json(settings).encode("utf-8")).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    state = np.random.SeedSequence(entropy=[int(base_seed), *words]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


@dataclass(frozen=True)
class TaskSpec:
    """What a worker needs to run one task (``loaded`` already carries the point's seed)."""

    point: int
    replication: int
    keep_records: bool = False

    @property
    def key(self) -> tuple[int, int]:
        """(point, replication)."""
        return self.point, self.replication


@dataclass
class TaskResult:
    """What a task sends back: overall metrics per model, or the error it raised.

    Attributes
    ----------
    rows
        One dict per model: ``model`` and every metric of :data:`sim.metrics.METRICS`.
    records
        With ``--keep-records``: the incident, officer and investigation tables.
    error
        The formatted traceback when the task raised (``rows`` is then empty).
    elapsed_s
        Wall seconds inside the worker.

    """

    point: int
    replication: int
    seed: int
    rows: list[dict] = field(default_factory=list)
    records: dict[str, pd.DataFrame] | None = None
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the task finished without raising."""
        return self.error is None


def run_task(loaded: LoadedScenario, spec: TaskSpec) -> TaskResult:
    """Run replication ``spec.replication`` of one point under every model.

    Exceptions are caught and returned as :attr:`TaskResult.error` (with the
    traceback), so one failing task is reported and the others carry on.
    ``KeyboardInterrupt`` and ``SystemExit`` still propagate.
    """
    start = time.perf_counter()
    seed = loaded.scenario.seed
    try:
        res = run_replication(loaded, spec.replication, keep_records=spec.keep_records)
        overall = res.metrics[res.metrics["township"] == ALL]
        rows = []
        for rec in overall.to_dict("records"):
            row = {"model": str(rec["model"])}
            row.update({m: float(rec[m]) for m in METRICS})
            rows.append(row)
        records = None
        if spec.keep_records:
            records = {name: getattr(res, name) for name in RECORD_TABLES}
        return TaskResult(
            spec.point, spec.replication, seed, rows, records, None, time.perf_counter() - start
        )
    except Exception:
        return TaskResult(
            spec.point,
            spec.replication,
            seed,
            error=traceback.format_exc(),
            elapsed_s=time.perf_counter() - start,
        )
