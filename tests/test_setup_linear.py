"""Engine set-up does work linear in calls, not groups x calls (issue 13; no timings)."""

from __future__ import annotations

import pytest

from sim import distributions
from sim.engine import Engine
from sim.incidents import draw_incidents
from sim.loader import scenario_from_dict
from sim.models import MODELS
from tests.conftest import SCENARIOS, scenario_dict


@pytest.mark.parametrize("model", ["isolated", "pooled"])
def test_handling_draws_one_number_per_call(monkeypatch, model):
    """Each dispatch group draws handling minutes for its own calls only."""
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=30, warmup_days=3)
    loaded = scenario_from_dict(doc, SCENARIOS / "wubei.yaml")
    stream = draw_incidents(loaded.scenario, loaded.network, 0)
    drawn: list[int] = []
    real = distributions.Exponential.sample

    def counting(self, gen, size):
        drawn.append(size)
        return real(self, gen, size)

    monkeypatch.setattr(distributions.Exponential, "sample", counting)
    layout = MODELS[model](loaded)
    engine = Engine(loaded.scenario, loaded.network, layout, stream, 0, 0)
    groups = len(layout.groups)
    assert groups == (4 if model == "isolated" else 1)
    assert sum(drawn) == len(stream)  # not groups x calls
    assert len(engine.handling) == len(stream)
