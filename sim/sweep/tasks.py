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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..loader import LoadedScenario
from ..metrics import ALL, METRICS
from ..models import OperatingModel, registry
from ..runner import ReplicationResult, run_replication
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
    """One task: replication ``replication`` of point ``point`` (both models, paired).

    ``keep_records`` keeps the record tables (``policesim run``, ``sweep --keep-records``);
    ``models`` names the models to run (empty: every registered one), e.g. only the
    reform pair for ``attribute``, ``design`` and ``staff``, which read nothing else.
    """

    point: int
    replication: int
    keep_records: bool = False
    models: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[int, int]:
        """(point, replication)."""
        return self.point, self.replication


@dataclass
class TaskResult:
    """What a task sends back: the replication's result, or the error it raised.

    Attributes
    ----------
    result
        Every table of the replication (record tables only with ``keep_records``);
        None when the task failed.
    error
        The formatted traceback when the task raised (or its worker process died).
    elapsed_s
        Wall seconds inside the worker.

    """

    point: int
    replication: int
    seed: int
    result: ReplicationResult | None = None
    error: str | None = None
    elapsed_s: float = 0.0
    keep_records: bool = False

    @property
    def ok(self) -> bool:
        """True when the task finished without raising."""
        return self.error is None

    @property
    def rows(self) -> list[dict]:
        """One dict per model: ``model`` and every metric of :data:`sim.metrics.METRICS`."""
        if self.result is None:
            return []
        overall = self.result.metrics[self.result.metrics["township"] == ALL]
        return [
            {"model": str(rec["model"]), **{m: float(rec[m]) for m in METRICS}}
            for rec in overall.to_dict("records")
        ]

    @property
    def records(self) -> dict[str, pd.DataFrame] | None:
        """The incident, officer and investigation tables, when they were kept."""
        if self.result is None or not self.keep_records:
            return None
        return {name: getattr(self.result, name) for name in RECORD_TABLES}


def run_task(
    loaded: LoadedScenario, spec: TaskSpec, models: tuple[OperatingModel, ...] = ()
) -> TaskResult:
    """Run replication ``spec.replication`` of one point under every model.

    ``models``: the sending command's registered models, registered here first
    when this process lacks them (a worker process; see
    :func:`sim.models.registry.adopt`). Exceptions are caught and returned as
    :attr:`TaskResult.error` (with the traceback), so one failing task is
    reported and the others carry on.
    ``KeyboardInterrupt`` and ``SystemExit`` still propagate.
    """
    start = time.perf_counter()
    done = TaskResult(
        spec.point, spec.replication, loaded.scenario.seed, keep_records=spec.keep_records
    )
    try:
        registry.adopt(models)
        done.result = run_replication(
            loaded, spec.replication, keep_records=spec.keep_records, models=spec.models
        )
    except Exception:
        done.error = traceback.format_exc()
    done.elapsed_s = time.perf_counter() - start
    return done
