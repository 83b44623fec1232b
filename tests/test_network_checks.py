"""Road graphs that used to be accepted silently (issue 11, item 4), beyond the corpus cases.

A directed GraphML graph is read as two-way roads only when every edge has its
way back with the same length (what OpenStreetMap tools write); a one-way road
or two directions of different length are refused, never made two-way quietly.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import yaml

from sim.errors import ScenarioError
from sim.loader import load_scenario

CORPUS = Path(__file__).resolve().parent / "bad_scenarios"
ROADS = [("Taoxi", "Yongping", 24), ("Taoxi", "Dahe", 21), ("Taoxi", "Taoxi-V1", 11),
         ("Taoxi", "Taoxi-V2", 10), ("Yongping", "Yongping-V1", 12), ("Dahe", "Dahe-V1", 10)]


def _scenario_with(folder: Path, graph: nx.Graph) -> Path:
    base = yaml.safe_load((CORPUS / "base.yaml").read_text("utf-8"))
    for n in base["network"]["nodes"]:
        graph.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    nx.write_graphml(graph, folder / "roads.graphml")
    base["network"] = {"graphml": "roads.graphml"}
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    return path


def test_a_directed_graph_with_every_road_both_ways_reads_as_the_undirected_one(tmp_path):
    g = nx.DiGraph()
    for a, b, m in ROADS:
        g.add_edge(a, b, minutes=float(m))
        g.add_edge(b, a, minutes=float(m))
    loaded = load_scenario(_scenario_with(tmp_path, g))
    inline = load_scenario(CORPUS / "base.yaml")
    assert loaded.network.graph.number_of_edges() == len(ROADS)
    np.testing.assert_array_equal(loaded.network.travel_min, inline.network.travel_min)


def test_a_directed_road_whose_two_ways_differ_is_refused(tmp_path):
    g = nx.DiGraph()
    for a, b, m in ROADS:
        g.add_edge(a, b, minutes=float(m))
        g.add_edge(b, a, minutes=float(m) if a != "Taoxi" or b != "Dahe" else 45.0)
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario_with(tmp_path, g))
    assert info.value.field == "network.graphml"
    assert "differ in length (21 minutes one way, 45 minutes back)" in info.value.message


def test_an_undirected_graphml_road_listed_twice_is_refused(tmp_path):
    g = nx.MultiGraph()
    for a, b, m in ROADS:
        g.add_edge(a, b, minutes=float(m))
    g.add_edge("Dahe", "Taoxi", minutes=45.0)
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario_with(tmp_path, g))
    assert "road 'Taoxi' - 'Dahe' is listed twice" in info.value.message
    assert "roads.graphml edge" in info.value.message
