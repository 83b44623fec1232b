"""Travel times against networkx's own Dijkstra on tiny hand-made graphs, and graph files."""

from __future__ import annotations

import csv

import networkx as nx
import numpy as np
import pytest
import yaml

from sim.loader import load_scenario, scenario_from_dict
from tests.conftest import SCENARIOS, scenario_dict


def _doc(nodes, edges, stations):
    doc = scenario_dict("mmc_validation.yaml")
    doc["network"] = {"nodes": nodes, "edges": edges}
    doc["stations"] = stations
    doc["pooled"]["host"] = stations[0]["id"]
    return doc


def test_two_nodes_one_road():
    doc = _doc(
        [{"id": "S", "kind": "station"}, {"id": "V", "township": "S"}],
        [{"from": "S", "to": "V", "minutes": 7.5}],
        [{"id": "S", "node": "S", "officers": 2}],
    )
    net = scenario_from_dict(doc).network
    s, v = net.place_of("S"), net.place_of("V")
    assert net.travel_min[s, v] == net.travel_min[v, s] == 7.5
    assert net.travel_min[s, s] == 0.0


def test_three_by_three_grid_matches_networkx_dijkstra():
    rng = np.random.default_rng(3)
    grid = nx.grid_2d_graph(3, 3)
    name = {n: f"n{n[0]}{n[1]}" for n in grid}
    nodes = [{"id": name[(0, 0)], "kind": "station"}, {"id": name[(2, 2)], "kind": "station"}]
    nodes += [
        {"id": name[n], "township": "A" if sum(n) < 2 else "B"}
        for n in grid
        if n not in ((0, 0), (2, 2))
    ]
    edges = [
        {"from": name[u], "to": name[v], "minutes": float(rng.integers(1, 20))}
        for u, v in grid.edges
    ]
    doc = _doc(
        nodes,
        edges,
        [
            {"id": "A", "node": name[(0, 0)], "officers": 2},
            {"id": "B", "node": name[(2, 2)], "officers": 2},
        ],
    )
    net = scenario_from_dict(doc).network
    reference = nx.Graph()
    for e in edges:
        reference.add_edge(e["from"], e["to"], weight=e["minutes"])
    lengths = dict(nx.all_pairs_dijkstra_path_length(reference))
    for i, a in enumerate(net.places):
        for j, b in enumerate(net.places):
            assert net.travel_min[i, j] == pytest.approx(lengths[a][b])


def test_junctions_carry_roads_but_are_not_places_and_km_use_the_speed():
    doc = _doc(
        [
            {"id": "S", "kind": "station"},
            {"id": "J", "kind": "junction"},
            {"id": "V", "township": "S"},
        ],
        [{"from": "S", "to": "J", "km": 10, "speed_kmh": 30}, {"from": "J", "to": "V", "km": 5}],
        [{"id": "S", "node": "S", "officers": 2}],
    )
    doc["network"]["default_speed_kmh"] = 60
    net = scenario_from_dict(doc).network
    assert "J" not in net.places
    assert net.travel_min[net.place_of("S"), net.place_of("V")] == pytest.approx(20 + 5)


def test_zero_minute_roads_give_zero_travel():
    net = load_scenario(SCENARIOS / "mmc_validation.yaml").network
    assert (net.travel_min == 0).all()


def _write_wubei_files(tmp_path, fmt: str):
    inline = scenario_dict("wubei.yaml")
    net = inline["network"]
    if fmt == "graphml":
        g = nx.Graph()
        for n in net["nodes"]:
            g.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
        for e in net["edges"]:
            g.add_edge(e["from"], e["to"], minutes=float(e["minutes"]))
        nx.write_graphml(g, tmp_path / "wubei.graphml")
        inline["network"] = {"graphml": "wubei.graphml"}
    else:
        keys = ["id", "kind", "township", "weight", "x", "y"]
        with open(tmp_path / "nodes.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, keys)
            w.writeheader()
            w.writerows(net["nodes"])
        with open(tmp_path / "edges.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, ["from", "to", "minutes"])
            w.writeheader()
            w.writerows(net["edges"])
        inline["network"] = {"edges_csv": "edges.csv", "nodes_csv": "nodes.csv"}
    path = tmp_path / "wubei.yaml"
    path.write_text(yaml.safe_dump(inline), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["graphml", "csv"])
def test_graph_files_next_to_the_scenario_give_the_inline_travel_times(tmp_path, fmt):
    inline = load_scenario(SCENARIOS / "wubei.yaml").network
    from_file = load_scenario(_write_wubei_files(tmp_path, fmt)).network
    assert from_file.places == inline.places
    np.testing.assert_allclose(from_file.travel_min, inline.travel_min)
    np.testing.assert_allclose(from_file.village_weight, inline.village_weight)
