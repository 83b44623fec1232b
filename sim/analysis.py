"""Derived tables of a run for the report and the charts: numbers, never drawing.

The report imports these for its tables and :mod:`sim.plots` for its charts,
so the report needs no chart module to get a number.

- :func:`cross_township_models`: the models whose records show officers working
  outside their own station's township (whatever the model is called);
- :func:`cross_township_work`: per member station of a joint station, the calls
  other stations helped at and its officers' attendances elsewhere (exact, from
  the incident and dispatch records).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from .metrics import model_order

if TYPE_CHECKING:
    from .plots.data import RunData


def _community_dispatches(run: RunData) -> pd.DataFrame:
    """Community officers' dispatches with the township of their call (column ``township``)."""
    dis = run.dispatches
    if dis is None or dis.empty:
        return pd.DataFrame(columns=["replication", "incident", "model", "station", "township"])
    dis = dis[dis["role"] == "community"].assign(model=lambda d: d["model"].astype(str))
    town = run.incidents.set_index(["replication", "model", "incident"])["township"]
    return dis.join(town.astype(str), on=["replication", "model", "incident"], how="inner")


def cross_township_models(run: RunData) -> list[str]:
    """The models whose records show cross-township work, baseline first.

    A model is in when one of its community officers attended a call outside
    the township of the officer's own station, or one of its calls had officers
    of another station (``n_other``): only where a group of stations spans
    townships, whatever the model is called.
    """
    dis = _community_dispatches(run)
    away = set(dis.loc[dis["station"] != dis["township"], "model"])
    inc = run.incidents
    helped = set(inc.loc[inc["n_other"] > 0, "model"]) if "n_other" in inc.columns else set()
    return model_order(sorted(str(m) for m in away | helped))


def cross_township_work(run: RunData, model: str | None = None) -> pd.DataFrame:
    """Per member station of a joint station, under ``model``: help given and received.

    ``model``: the first of :func:`cross_township_models` when not given (in the
    shipped models, the pooled one). Columns: ``station``, ``pool``, ``calls``
    (its township's calls), ``helped_share`` (share of those calls attended by
    officers of other member stations), ``own_attendances`` (its community
    officers at its own calls), ``outside_attendances`` (at other townships'
    calls), ``outside_share`` and ``model``. All exact, from the incident and
    dispatch records; empty when no model worked across townships.
    """
    sc = run.loaded.scenario
    if model is None:
        model = next(iter(cross_township_models(run)), None)
    inc = run.incidents[run.incidents["model"] == model]
    dis = _community_dispatches(run)
    dis = dis[dis["model"] == model]
    elsewhere = dis[dis["station"] != dis["township"]].groupby("station").size()
    at_home = dis[dis["station"] == dis["township"]].groupby("station").size()
    rows = []
    for pool in sc.pools if model is not None else ():
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
                    "model": model,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "station", "pool", "calls", "helped_share", "own_attendances",
            "outside_attendances", "outside_share", "model",
        ],
    )
