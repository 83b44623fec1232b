"""The isolated (before-reform) model: every station answers its own calls alone."""

from __future__ import annotations

from ..loader import LoadedScenario
from .common import add_lone_station
from .layout import Layout


def build_isolated(loaded: LoadedScenario) -> Layout:
    """Return a layout with one group and one team per station, holding all its officers.

    With a ``duty_desk``, each station's desk seats are filled from its own
    on-duty officers, who take its calls and serve its walk-ins.
    """
    officers, groups, teams, desks = [], [], [], []
    for i in range(len(loaded.scenario.stations)):
        desks.append(add_lone_station(loaded, i, officers, groups, teams))
    return Layout("isolated", tuple(officers), tuple(groups), tuple(teams), tuple(desks))
