"""The isolated (before-reform) model: every station answers its own calls alone.

Its settings are the scenario's ``isolated:`` block (:class:`~sim.scenario.IsolatedSpec`),
which also rules every station that stays alone under another model; it is read
and written through :mod:`sim.models.common` (``lone_station_rules``,
``lone_station_field``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import add_lone_station, lone_station_rules
from .layout import Layout
from .registry import Assumption, OperatingModel

if TYPE_CHECKING:
    from ..loader import LoadedScenario
    from ..scenario import Scenario

NAME = "isolated"


def build_isolated(loaded: LoadedScenario) -> Layout:
    """Return a layout with one group and one team per station, holding all its officers.

    With a ``duty_desk``, each station's desk seats are filled from its own
    on-duty officers, who take its calls and serve its walk-ins.
    """
    officers, groups, teams, desks = [], [], [], []
    for i in range(len(loaded.scenario.stations)):
        desks.append(add_lone_station(loaded, i, officers, groups, teams))
    return Layout(NAME, tuple(officers), tuple(groups), tuple(teams), tuple(desks))


def assumptions(sc: Scenario) -> list[Assumption]:
    """The report's rows for the ``isolated:`` block: call handling and the county rule."""
    rules = lone_station_rules(sc)
    return [
        ("call handling", rules.handling_min, "min"),
        ("county asked after", rules.county_after_min, "min of shortfall"),
    ]


# Okabe-Ito orange (light in greyscale) with circles and diagonal hatching for the
# baseline: it stays apart from the joint station's blue in print and for readers
# who do not see colour well.
MODEL = OperatingModel(
    NAME, build_isolated, stream_id=0, label="isolated stations (before)",
    style={"color": "#E69F00", "edge": "#8A5F00", "linestyle": "-", "marker": "o",
           "hatch": "///"},
    assumptions=assumptions,
)
