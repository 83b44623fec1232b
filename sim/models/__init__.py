"""Operating models, chosen by name: each turns a scenario into a :class:`Layout`.

Each model is one module (its builder, its :class:`OperatingModel` ``MODEL`` and
the functions that read and write its scenario fields); this package registers
them, baseline first, and names the reform the one-change analyses study.
Code outside this package and scenario handling takes model names from here
(:data:`MODELS`, :data:`REFORM`) and never spells one out
(``tests/test_model_names.py``).
"""

from __future__ import annotations

from . import isolated, pooled
from .common import lone_station_field, lone_station_rules
from .layout import CASE_TEAM, COMMUNITY, ROOM, GroupPlan, Layout, OfficerPlan, TeamPlan
from .pooled import pool_blocks, pool_path, pools_field, with_pools
from .registry import MODELS, OperatingModel, Reform, baseline, difference, names, register

register(isolated.MODEL)
register(pooled.MODEL)

#: The shipped reform: isolated township stations (the status quo, and the baseline of
#: every paired difference) pooled into joint stations.
REFORM = Reform(before=isolated.NAME, after=pooled.NAME)

__all__ = [
    "MODELS",
    "REFORM",
    "OperatingModel",
    "Reform",
    "baseline",
    "difference",
    "names",
    "register",
    "CASE_TEAM",
    "COMMUNITY",
    "ROOM",
    "GroupPlan",
    "Layout",
    "OfficerPlan",
    "TeamPlan",
    "lone_station_field",
    "lone_station_rules",
    "pool_blocks",
    "pool_path",
    "pools_field",
    "with_pools",
]
