"""Run a scenario: both operating models on the same incident streams, replication by replication.

The unit of work is one replication: draw its incident stream once, run every
model on it, and return the record tables. Replications are independent (each
has its own seeds, :mod:`sim.seeds`), so they can run in any order and in any
number of processes (:mod:`sim.sweep.backends`) and the results are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .engine import Engine
from .incidents import draw_incidents, draw_walk_ins
from .loader import LoadedScenario
from .metrics import replication_metrics, same_call_metrics, walk_in_metrics
from .models import MODELS
from .records import (
    dispatch_frame,
    incident_frame,
    investigation_frame,
    officer_frame,
    walk_in_frame,
)


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
    dispatches: pd.DataFrame = field(default_factory=pd.DataFrame)
    walk_ins: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_replication(
    loaded: LoadedScenario,
    replication: int,
    keep_records: bool = True,
    models: Sequence[str] = (),
) -> ReplicationResult:
    """Run every model (or only ``models``, by name) on replication ``replication``'s stream.

    With ``keep_records=False`` the record tables are dropped after the metrics
    are computed (sweeps only need the metrics). ``models`` keeps the registry's
    order; a name it does not know is a ``KeyError``. A model's numbers do not
    depend on which others run beside it (each has its own streams).
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise KeyError(f"no operating model named {unknown[0]!r}; registered: {', '.join(MODELS)}")
    sc = loaded.scenario
    stream = draw_incidents(sc, loaded.network, replication, loaded.calls)
    walk_ins = draw_walk_ins(sc, replication)
    observed_days = sc.horizon_days - sc.warmup_days
    townships = [s.id for s in sc.stations]
    inc, off, inv, dis, wlk, met = [], [], [], [], [], []
    backlog = {}
    for name, model in MODELS.items():
        if models and name not in models:
            continue
        layout = model.build(loaded)
        engine = Engine(sc, loaded.network, layout, stream, replication, model.stream_id, walk_ins)
        rec = engine.run()
        i = incident_frame(rec, stream, loaded, name, replication)
        o = officer_frame(rec, loaded, layout, name, replication)
        v = investigation_frame(rec, stream, loaded, name, replication)
        w = walk_in_frame(rec, walk_ins, loaded, name, replication)
        rows = replication_metrics(i, o, v, townships, sc.target_response_min, observed_days)
        for r in rows:
            r.update(walk_in_metrics(w, r["township"]))
            r.update(replication=replication, model=name, backlog_at_end=rec.backlog_at_end)
        met.append(rows)
        backlog[name] = rec.backlog_at_end
        inc.append(i)
        if keep_records:
            off.append(o)
            inv.append(v)
            dis.append(dispatch_frame(rec, stream, loaded, name, replication))
            wlk.append(w)
    same_call_metrics(inc, met)
    empty = pd.DataFrame()
    return ReplicationResult(
        replication,
        stream.digest(),
        pd.concat(inc, ignore_index=True) if keep_records else empty,
        pd.concat(off, ignore_index=True) if off else empty,
        pd.concat(inv, ignore_index=True) if inv else empty,
        pd.DataFrame([r for rows in met for r in rows]),
        backlog,
        pd.concat(dis, ignore_index=True) if dis else empty,
        pd.concat(wlk, ignore_index=True) if wlk else empty,
    )


def run_replications(
    loaded: LoadedScenario, replications: Iterable[int], keep_records: bool = True
) -> list[ReplicationResult]:
    """Run the given replications in this process, in order (in processes: :mod:`sim.sweep`)."""
    return [run_replication(loaded, r, keep_records) for r in replications]
