"""The isolated (before-reform) model: every station answers its own calls alone."""

from __future__ import annotations

from ..loader import LoadedScenario
from .common import community_officers, lone_station_group
from .layout import Layout


def build_isolated(loaded: LoadedScenario) -> Layout:
    """Return a layout with one group per station, holding all of that station's officers."""
    officers = []
    groups = []
    for i, station in enumerate(loaded.scenario.stations):
        groups.append(lone_station_group(loaded, i))
        officers += community_officers(loaded, i, station.officers, group=i)
    return Layout("isolated", tuple(officers), tuple(groups), room_officers=())
