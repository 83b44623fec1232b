"""A third operating model, registered only inside tests: the joint station whose case team
never helps at calls (it only investigates).

It is what "adding an operating model" means (docs/CONTRIBUTING.md): one builder that
returns a :class:`~sim.models.layout.Layout` and one :class:`OperatingModel` with its own
stream id. Nothing else in ``sim`` knows its name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace

from sim.loader import LoadedScenario
from sim.models.layout import Layout
from sim.models.pooled import build_pooled
from sim.models.registry import OperatingModel, registered

NAME = "pooled_no_assist"


def build_pooled_no_assist(loaded: LoadedScenario) -> Layout:
    """The pooled layout with every group's case-team assistance switched off."""
    layout = build_pooled(loaded)
    groups = tuple(replace(g, case_assist_priority_max=0) for g in layout.groups)
    return replace(layout, model=NAME, groups=groups)


THIRD = OperatingModel(
    NAME, build_pooled_no_assist, stream_id=7, label="joint station, case team never assists"
)


@contextlib.contextmanager
def third_model() -> Iterator[OperatingModel]:
    """Register :data:`THIRD` for the duration of a ``with`` block."""
    with registered(THIRD) as m:
        yield m
