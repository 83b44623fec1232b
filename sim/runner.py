"""Run a scenario: both operating models on the same incident streams, replication by replication.

The unit of work is one replication: draw its incident stream once, run every
model on it, and return the record tables. Replications are independent (each
has its own seeds, :mod:`sim.seeds`), so they can run in any order and in any
number of processes and the results are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from .engine import Engine
from .incidents import MIN_PER_DAY, draw_incidents
from .loader import LoadedScenario
from .metrics import replication_metrics
from .models import MODELS
from .records import incident_frame, investigation_frame, officer_frame


@dataclass
class ReplicationResult:
    """Everything one replication produced, for every model."""

    replication: int
    stream_digest: str
    incidents: pd.DataFrame
    officers: pd.DataFrame
    investigations: pd.DataFrame
    metrics: pd.DataFrame
    backlog_at_end: dict[str, int] = field(default_factory=dict)


def run_replication(
    loaded: LoadedScenario, replication: int, keep_records: bool = True
) -> ReplicationResult:
    """Run every model on replication ``replication``'s incident stream.

    With ``keep_records=False`` the record tables are dropped after the metrics
    are computed (sweeps only need the metrics).
    """
    sc = loaded.scenario
    stream = draw_incidents(sc, loaded.network, replication)
    observed_days = sc.horizon_days - sc.warmup_days
    townships = [s.id for s in sc.stations]
    inc, off, inv, met = [], [], [], []
    backlog = {}
    for number, (name, build) in enumerate(MODELS.items()):
        layout = build(loaded)
        rec = Engine(sc, loaded.network, layout, stream, replication, number).run()
        i = incident_frame(rec, stream, loaded, name, replication)
        o = officer_frame(rec, loaded, layout, name, replication)
        v = investigation_frame(rec, stream, loaded, name, replication)
        rows = replication_metrics(i, o, v, townships, sc.target_response_min, observed_days)
        for r in rows:
            r.update(replication=replication, model=name, backlog_at_end=rec.backlog_at_end)
        met.append(pd.DataFrame(rows))
        backlog[name] = rec.backlog_at_end
        if keep_records:
            inc.append(i)
            off.append(o)
            inv.append(v)
    empty = pd.DataFrame()
    return ReplicationResult(
        replication,
        stream.digest(),
        pd.concat(inc, ignore_index=True) if inc else empty,
        pd.concat(off, ignore_index=True) if off else empty,
        pd.concat(inv, ignore_index=True) if inv else empty,
        pd.concat(met, ignore_index=True),
        backlog,
    )


def _run_one(args: tuple[LoadedScenario, int, bool]) -> ReplicationResult:
    return run_replication(*args)


def run_replications(
    loaded: LoadedScenario,
    replications: Iterable[int],
    workers: int = 1,
    keep_records: bool = True,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> list[ReplicationResult]:
    """Run the given replications (in ``workers`` processes) and return them in replication order.

    ``on_done`` is called with each result as it finishes (for progress bars).
    """
    reps = list(replications)
    jobs = [(loaded, r, keep_records) for r in reps]
    results: list[ReplicationResult] = []
    if workers <= 1 or len(reps) <= 1:
        for job in jobs:
            results.append(_run_one(job))
            if on_done:
                on_done(results[-1])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for res in pool.map(_run_one, jobs):
                results.append(res)
                if on_done:
                    on_done(res)
    return sorted(results, key=lambda r: r.replication)


def observed_minutes(loaded: LoadedScenario) -> float:
    """Minutes of simulated time after warm-up."""
    sc = loaded.scenario
    return (sc.horizon_days - sc.warmup_days) * MIN_PER_DAY
