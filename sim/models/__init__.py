"""Operating models, chosen by name: each turns a scenario into a :class:`Layout`."""

from __future__ import annotations

from .isolated import build_isolated
from .layout import CASE_TEAM, COMMUNITY, ROOM, GroupPlan, Layout, OfficerPlan, TeamPlan
from .pooled import build_pooled
from .registry import MODELS, OperatingModel, baseline, difference, names, register

# Okabe-Ito orange (light in greyscale) with circles and diagonal hatching for the
# baseline, blue (dark) with squares and dots for the joint station: the two stay
# apart in print and for readers who do not see colour well.
register(OperatingModel(
    "isolated", build_isolated, stream_id=0, label="isolated stations (before)",
    style={"color": "#E69F00", "edge": "#8A5F00", "linestyle": "-", "marker": "o",
           "hatch": "///"},
))
register(OperatingModel(
    "pooled", build_pooled, stream_id=1, label="joint station (pooled)",
    style={"color": "#0072B2", "edge": "#003C5E", "linestyle": "--", "marker": "s",
           "hatch": "..."},
))

__all__ = [
    "MODELS",
    "OperatingModel",
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
]
