"""Derived tables of a run for the report and the charts: numbers, never drawing.

The report imports these for its tables and :mod:`sim.plots` for its charts,
so the report needs no chart module to get a number.

- :func:`cross_township_work`: per member station of a joint station, the calls
  other stations helped at and its officers' attendances elsewhere (exact, from
  the incident and dispatch records).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .plots.data import RunData


def cross_township_work(run: RunData) -> pd.DataFrame:
    """Per member station of a joint station, under the pooled model: help given and received.

    Columns: ``station``, ``pool``, ``calls`` (its township's calls), ``helped_share``
    (share of those calls attended by officers of other member stations),
    ``own_attendances`` (its community officers at its own calls),
    ``outside_attendances`` (at other townships' calls) and ``outside_share``.
    All exact, from the incident and dispatch records.
    """
    sc = run.loaded.scenario
    inc = run.incidents[run.incidents["model"] == "pooled"]
    dis = run.dispatches
    dis = dis[(dis["model"].astype(str) == "pooled") & (dis["role"] == "community")]
    town = inc.set_index(["replication", "incident"])["township"].astype(str)
    dis = dis.join(town, on=["replication", "incident"], how="inner")
    elsewhere = dis[dis["station"] != dis["township"]].groupby("station").size()
    at_home = dis[dis["station"] == dis["township"]].groupby("station").size()
    rows = []
    for pool in sc.pools:
        members = sc.pool_members(pool)
        if len(members) < 2:
            continue
        for m in members:
            mine = inc[inc["township"] == m]
            own = float(at_home.get(m, 0))
            out = float(elsewhere.get(m, 0))
            rows.append(
                {
                    "station": m,
                    "pool": pool.pool_id,
                    "calls": len(mine),
                    "helped_share": float((mine["n_other"] > 0).mean()) if len(mine) else math.nan,
                    "own_attendances": own,
                    "outside_attendances": out,
                    "outside_share": out / (own + out) if own + out > 0 else math.nan,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "station", "pool", "calls", "helped_share", "own_attendances",
            "outside_attendances", "outside_share",
        ],
    )
