"""Design search end to end: candidates -> proxy -> exact partition -> paired simulation -> ranking.

Ranking: every design's pooled model is simulated on the same replications
(same seed, :mod:`sim.design.simulate`); the status quo is the isolated model
of those same replications (it does not depend on the pools). Each design is
ranked by the paired difference *status quo - design* of ``rank_metric``
(per replication, then a Student-t 95% interval, :func:`sim.metrics.t_interval`),
best first in the metric's better direction (:func:`sim.compare.direction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..compare import direction
from ..errors import ScenarioError
from ..loader import LoadedScenario
from ..metrics import t_interval
from ..models import REFORM, with_pools
from ..scenario import PoolSpec
from .candidates import StationGeo, enumerate_pools, station_geo
from .designs import base_document, design_key, load_doc, pool_doc, write_design
from .partition import Column, Infeasible, solve
from .proxy import design_score, proxy_model
from .simulate import Runner, paired

#: Metrics of the ranked table (each: design mean and paired difference with the status quo).
TABLE_METRICS = (
    "response_mean_min",
    "response_p90_min",
    "within_target_share",
    "full_strength_mean_min",
    "full_strength_p90_min",
    "county_requests_per_30d",
)
STATUS_QUO = "status_quo"
SHIPPED = "scenario"


@dataclass
class DesignRequest:
    """What ``policesim design`` was asked."""

    scenario: Path
    min_size: int = 3
    max_size: int = 4
    max_host_min: float = 45.0
    keep: list[str] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)
    top: int = 3
    pools: int | None = None
    reps: int = 3
    rank_metric: str = "full_strength_p90_min"
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Design:
    """A grouping: its pools ``(member ids, host id, spec or None)`` and proxy score."""

    name: str
    pools: list[tuple[list[str], str, PoolSpec | None]]
    proxy: float
    doc: dict[str, Any] | None = None
    key: str = ""


def _resolve_keep(loaded: LoadedScenario, keep: list[str]) -> list[tuple[list[str], str, Any]]:
    sc = loaded.scenario
    by_id = {p.pool_id: p for p in sc.pools}
    ids = {s.id for s in sc.stations}
    out = []
    for k in keep:
        if k in by_id:
            p = by_id[k]
            out.append((sc.pool_members(p), p.host, p))
            continue
        members = [m.strip() for m in k.split(",") if m.strip()]
        bad = [m for m in members if m not in ids]
        if bad or len(members) < 2:
            raise ScenarioError(
                "--keep", "", f"{k!r} is neither a joint station of the scenario "
                f"({', '.join(by_id) or 'none'}) nor a comma list of 2+ stations (host first)"
                + (f"; unknown station(s): {', '.join(bad)}" if bad else ""),
            )
        out.append((members, members[0], None))
    seen: set[str] = set()
    for members, _, _ in out:
        if seen & set(members):
            both = ", ".join(sorted(seen & set(members)))
            raise ScenarioError("--keep", "", f"station(s) {both} are in two kept pools")
        seen |= set(members)
    return out


def _no_candidates(geo: StationGeo, req: DesignRequest, excluded: set[int]) -> ScenarioError:
    """Say which limit stops every pool: host reach, road connectivity, or stations left."""
    free = [i for i in range(len(geo.ids)) if i not in excluded]
    if len(free) < req.min_size:
        return ScenarioError(
            "--pool-size", "", f"only {len(free)} station(s) are free to pool (after --keep and "
            f"--alone), fewer than the smallest pool size {req.min_size}",
        )
    unlimited = enumerate_pools(geo, req.min_size, req.max_size, np.inf, frozenset(excluded))
    if not unlimited:
        return ScenarioError(
            "--pool-size", "", f"no {req.min_size}-{req.max_size} stations are connected by road "
            "(neighbouring townships) even without a host-distance limit: lower --pool-size",
        )
    need = min(max(geo.station_min[h, list(ms)]) for ms, hosts in unlimited.items()
               for h in hosts)  # fmt: skip
    return ScenarioError(
        "--max-host-minutes", "", f"no pool of {req.min_size}-{req.max_size} road-connected "
        f"stations has every member within {req.max_host_min:g} minutes of its host; the "
        f"closest one needs {need:.1f} minutes (raise --max-host-minutes to at least that)",
    )


def propose(loaded: LoadedScenario, req: DesignRequest) -> tuple[list[Design], Design | None,
                                                                 Design, int]:
    """Return the K best designs, the scenario's own design (or None), the status quo, and more.

    The fourth value is the number of candidate pools.
    """
    sc = loaded.scenario
    geo = station_geo(loaded)
    pm = proxy_model(loaded, geo)
    ids = geo.ids
    for st in req.alone:
        if st not in ids:
            raise ScenarioError("--alone", "", f"{st!r} is not a station")
    kept = _resolve_keep(loaded, req.keep)
    kept_idx = {geo.index(m) for members, _, _ in kept for m in members}
    alone_idx = {geo.index(s) for s in req.alone}
    if kept_idx & alone_idx:
        raise ScenarioError("--alone", "", "a station is both kept in a pool and --alone")
    cands = enumerate_pools(geo, req.min_size, req.max_size, req.max_host_min,
                            frozenset(kept_idx | alone_idx))  # fmt: skip
    if not cands:
        raise _no_candidates(geo, req, kept_idx | alone_idx)
    columns = []
    for ms, hosts in cands.items():
        members = tuple(sorted(ms))
        host, score = pm.best_host(members, hosts)
        columns.append(Column(members, host, score))
    alone_score = np.array([pm.alone(i) for i in range(len(ids))])
    for i in kept_idx:  # kept stations are covered by their pool: make them free "alone"
        alone_score[i] = 0.0
    extra = None if req.pools is None else req.pools - len(kept)
    if extra is not None and extra < 0:
        raise ScenarioError("--pools", "", f"--pools {req.pools} is fewer than the "
                            f"{len(kept)} kept pools")  # fmt: skip
    try:
        parts = solve(len(ids), columns, alone_score, req.top, extra,
                      frozenset(kept_idx | alone_idx))  # fmt: skip
    except Infeasible as exc:
        raise ScenarioError("--pools", "", str(exc)) from None
    kept_score = sum(pm.pool(tuple(geo.index(m) for m in members), geo.index(host), spec)
                     for members, host, spec in kept)  # fmt: skip
    designs = []
    for k, part in enumerate(parts, 1):
        pools = list(kept) + [
            ([ids[i] for i in c.members], ids[c.host], None) for c in part.pools
        ]
        designs.append(Design(f"design_{k}", pools, part.score + kept_score))
    shipped = None
    if sc.pools and all(p.members is not None for p in sc.pools) or len(sc.pools) == 1:
        pools = [(sc.pool_members(p), p.host, p) for p in sc.pools]
        pairs = [(tuple(geo.index(m) for m in mm), geo.index(h)) for mm, h, _ in pools]
        shipped = Design(SHIPPED, pools, design_score(pm, pairs, [p for _, _, p in pools]))
    status = Design(STATUS_QUO, [], float(alone_score.sum() if not kept_idx else
                                          sum(pm.alone(i) for i in range(len(ids)))))
    return designs, shipped, status, len(columns)


def design_docs(
    designs: list[Design], base: dict[str, Any], loaded: LoadedScenario
) -> None:
    """Give every design its scenario document (pools staffed like the scenario's first)."""
    template = loaded.scenario.pools[0]
    officers = {s.id: s.officers for s in loaded.scenario.stations}
    for d in designs:
        pools = []
        for n, (members, host, spec) in enumerate(d.pools, 1):
            if spec is not None:
                doc = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
                doc["members"] = list(members)
                doc.setdefault("id", spec.pool_id)
            else:
                doc = pool_doc(f"P{n:02d}", members, host, template, officers)
            pools.append(doc)
        d.doc = with_pools(base, pools)
        d.key = design_key(d.doc)


def rank(
    designs: list[Design],
    results: dict[str, list[dict[str, dict[str, float]]]],
    status_quo_proxy: float,
    rank_metric: str,
) -> pd.DataFrame:
    """The ranked table: one row per design, status quo included."""
    base = results[designs[0].key]
    rows = []
    sign = direction(rank_metric) or -1
    for d in designs:
        per = results[d.key]
        row: dict[str, Any] = {
            "design": d.name, "pools": len(d.pools),
            "pooled_stations": sum(len(m) for m, _, _ in d.pools),
            "proxy": round(d.proxy, 2), "proxy_vs_status_quo": round(status_quo_proxy - d.proxy, 2),
        }
        for metric in dict.fromkeys((rank_metric, *TABLE_METRICS)):
            vals = np.array([r[REFORM.after][metric] for r in per])
            row[metric] = t_interval(vals)[0]
            m, lo, hi = t_interval(np.array(paired(per, base, metric)))
            row[f"{metric}_diff"], row[f"{metric}_diff_lo"], row[f"{metric}_diff_hi"] = m, lo, hi
        rows.append(row)
    sq: dict[str, Any] = {
        "design": STATUS_QUO, "pools": 0, "pooled_stations": 0,
        "proxy": round(status_quo_proxy, 2), "proxy_vs_status_quo": 0.0,
    }
    for metric in dict.fromkeys((rank_metric, *TABLE_METRICS)):
        sq[metric] = t_interval(np.array([r[REFORM.before][metric] for r in base]))[0]
        sq[f"{metric}_diff"] = sq[f"{metric}_diff_lo"] = sq[f"{metric}_diff_hi"] = 0.0
    rows.append(sq)
    table = pd.DataFrame(rows)
    # status quo - design: positive is better when lower is better (sign -1)
    table["_key"] = -sign * table[f"{rank_metric}_diff"]
    table = table.sort_values("_key", ascending=False, kind="stable").drop(columns="_key")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def run_design(req: DesignRequest, runner: Runner, loaded: LoadedScenario) -> dict[str, Any]:
    """Propose, write, simulate and rank; return everything the command prints."""
    designs, shipped, status, n_cands = propose(loaded, req)
    base = base_document(req.scenario, req.overrides)
    every = designs + ([shipped] if shipped else [])
    design_docs(every, base, loaded)
    folder = runner.out / "designs"
    variants = {}
    for d in every:
        header = (
            f"{d.name}: {len(d.pools)} joint stations, proxy {d.proxy:.1f} delay-min/day "
            f"(status quo {status.proxy:.1f}); written by policesim design from {req.scenario}"
        )
        path = write_design(folder, d.name, d.doc, req.scenario, header)
        variants[d.key] = load_doc(d.doc, path)
    results = runner.run(variants, req.reps)
    table = rank(every, results, status.proxy, req.rank_metric)
    return {"designs": every, "status": status, "table": table, "candidates": n_cands}
