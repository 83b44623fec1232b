"""Per-group travel tables (sim.travel) equal the network's all-pairs array, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Engine
from sim.incidents import draw_incidents
from sim.loader import load_scenario, scenario_from_dict
from sim.models import MODELS
from sim.travel import group_travel
from tests.conftest import ROOT, SCENARIOS, scenario_dict

SHIPPED = ["mmc_validation.yaml", "wubei.yaml", "shanghang_southeast.yaml", "city/city.yaml"]


def _group_places(loaded):
    stream = draw_incidents(loaded.scenario, loaded.network, 0)
    for number, build in enumerate(MODELS.values()):
        engine = Engine(loaded.scenario, loaded.network, build(loaded), stream, 0, number)
        for g in engine.groups:
            yield g.places, g.table


@pytest.mark.parametrize("name", SHIPPED)
def test_group_tables_are_blocks_of_the_all_pairs_array(name):
    loaded = load_scenario(SCENARIOS / name)
    full = loaded.network.travel_min
    seen = 0
    for places, table in _group_places(loaded):
        block = full[np.ix_(places, places)]
        assert np.array_equal(table.dist, block)
        assert table.rows == block.tolist() or all(
            list(r) == b for r, b in zip(table.rows, block.tolist())
        )
        seen += 1
    assert seen >= 2


def test_long_roads_need_a_wider_search_and_still_match():
    doc = scenario_dict("wubei.yaml")
    for e in doc["network"]["edges"]:
        e["minutes"] = e["minutes"] * 37.3  # beyond the first search limit
    loaded = scenario_from_dict(doc, SCENARIOS / "wubei.yaml")
    net = loaded.network
    places = list(range(len(net.places)))
    assert np.array_equal(group_travel(net, places).dist, net.travel_min)
    assert net.travel_min.max() > 1000


def test_nearest_first_orders_places_by_travel_time_to_the_destination():
    loaded = load_scenario(SCENARIOS / "wubei.yaml")
    net = loaded.network
    table = group_travel(net, list(range(len(net.places))))
    for dest in range(len(net.places)):
        order = table.nearest_first(dest)
        minutes = [table.rows[p][dest] for p in order]
        assert minutes == sorted(minutes)
        assert sorted(order) == list(range(len(net.places)))


def test_loading_does_not_build_the_all_pairs_array():
    net = load_scenario(ROOT / "scenarios" / "city" / "city.yaml").network
    assert "travel_min" not in vars(net)
    assert net.travel_min.shape == (len(net.places), len(net.places))
    assert "travel_min" in vars(net)
