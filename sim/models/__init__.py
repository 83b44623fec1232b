"""Operating models, chosen by name: each turns a scenario into a :class:`Layout`."""

from __future__ import annotations

from collections.abc import Callable

from ..loader import LoadedScenario
from .isolated import build_isolated
from .layout import CASE_TEAM, COMMUNITY, ROOM, GroupPlan, Layout, OfficerPlan, TeamPlan
from .pooled import build_pooled

#: Model name -> layout builder, in the order results are reported.
MODELS: dict[str, Callable[[LoadedScenario], Layout]] = {
    "isolated": build_isolated,
    "pooled": build_pooled,
}

__all__ = [
    "MODELS",
    "CASE_TEAM",
    "COMMUNITY",
    "ROOM",
    "GroupPlan",
    "Layout",
    "OfficerPlan",
    "TeamPlan",
]
