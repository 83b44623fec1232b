"""The road network: a networkx graph of stations, villages and junctions, and travel times.

Travel times (minutes) between every pair of *places* (station nodes and
villages; junctions only carry roads) are computed once per scenario with
scipy's C Dijkstra and kept as a dense array indexed by place number, so the
simulation never searches the graph while it runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from pydantic import ValidationError
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .scenario import EdgeSpec, NetworkSpec, NodeSpec, Scenario


class NetworkError(ValueError):
    """The road graph is unusable; ``field`` says where in the scenario."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RoadNetwork:
    """Places and the travel minutes between them.

    Attributes
    ----------
    graph
        The road graph (edge attribute ``minutes``; node attributes from the scenario).
    places
        Node ids of stations and villages, in place-number order.
    travel_min
        ``travel_min[i, j]``: shortest travel time in minutes from place i to place j.
    station_place
        Station id -> place number of its node.
    villages
        Place numbers of all villages.
    village_township
        Station id (township) of each village, aligned with ``villages``.
    village_weight
        Demand weight of each village, aligned with ``villages``.

    """

    graph: nx.Graph
    places: tuple[str, ...]
    travel_min: np.ndarray
    station_place: dict[str, int]
    villages: np.ndarray
    village_township: tuple[str, ...]
    village_weight: np.ndarray

    def township_villages(self, station_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (place numbers, demand weights) of the villages in ``station_id``'s township."""
        mask = np.array([t == station_id for t in self.village_township], dtype=bool)
        return self.villages[mask], self.village_weight[mask]

    def place_of(self, node_id: str) -> int:
        """Return the place number of node ``node_id``."""
        return self.places.index(node_id)


def read_node_edge_specs(
    spec: NetworkSpec, base_dir: Path
) -> tuple[list[NodeSpec], list[EdgeSpec]]:
    """Return the network's nodes and edges, reading GraphML or CSV files from ``base_dir``.

    Raises :class:`NetworkError` naming the file field when a file is missing or malformed.
    """
    if spec.nodes is not None and spec.edges is not None:
        return list(spec.nodes), list(spec.edges)
    if spec.graphml is not None:
        return _read_graphml(base_dir / spec.graphml)
    assert spec.edges_csv is not None and spec.nodes_csv is not None
    nodes = _rows_to_specs(
        _read_csv(base_dir / spec.nodes_csv, "network.nodes_csv"), NodeSpec, "network.nodes_csv"
    )
    edges = _rows_to_specs(
        _read_csv(base_dir / spec.edges_csv, "network.edges_csv"), EdgeSpec, "network.edges_csv"
    )
    return nodes, edges


def _read_graphml(path: Path) -> tuple[list[NodeSpec], list[EdgeSpec]]:
    field = "network.graphml"
    if not path.is_file():
        raise NetworkError(field, f"file not found: {path}")
    try:
        g = nx.read_graphml(path)
    except Exception as exc:  # networkx raises several types for bad XML
        raise NetworkError(field, f"{path.name} is not valid GraphML ({exc})") from None
    nodes = [{"id": str(n), **attrs} for n, attrs in g.nodes(data=True)]
    edges = [{"from": str(u), "to": str(v), **attrs} for u, v, attrs in g.edges(data=True)]
    return (
        _rows_to_specs(nodes, NodeSpec, field, strict=False),
        _rows_to_specs(edges, EdgeSpec, field, strict=False),
    )


def _read_csv(path: Path, field: str) -> list[dict[str, object]]:
    if not path.is_file():
        raise NetworkError(field, f"file not found: {path}")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [{k: v for k, v in row.items() if v not in ("", None)} for row in rows]


def _rows_to_specs(rows: list[dict], cls: type, field: str, strict: bool = False) -> list:
    """Validate file rows (strings allowed: files carry no types) into spec objects."""
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(cls.model_validate(row, strict=strict))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise NetworkError(f"{field}[{i}]{'.' + loc if loc else ''}", err["msg"]) from None
    return out


def build_network(sc: Scenario, nodes: list[NodeSpec], edges: list[EdgeSpec]) -> RoadNetwork:
    """Build the graph and the place-to-place travel-time array for scenario ``sc``.

    Raises :class:`NetworkError` for an empty graph, an edge to an unknown node,
    a station node not on the graph, a village whose township is not a station,
    or a village that cannot reach its station.
    """
    if not nodes:
        raise NetworkError("network.nodes", "the road graph has no nodes")
    graph = nx.Graph()
    for i, n in enumerate(nodes):
        if n.id in graph:
            raise NetworkError(f"network.nodes[{i}].id", f"duplicate node id {n.id!r}")
        graph.add_node(n.id, **n.model_dump(exclude={"id"}, exclude_none=True))
    speed = sc.network.default_speed_kmh
    for i, e in enumerate(edges):
        for end in (e.from_, e.to):
            if end not in graph:
                raise NetworkError(f"network.edges[{i}]", f"edge end {end!r} is not a node")
        minutes = e.minutes if e.minutes is not None else 60.0 * e.km / (e.speed_kmh or speed)
        graph.add_edge(e.from_, e.to, minutes=float(minutes))
    station_ids = {s.id for s in sc.stations}
    for i, s in enumerate(sc.stations):
        if s.node not in graph:
            raise NetworkError(f"stations[{i}].node", f"node {s.node!r} is not on the road graph")
    village_ids = [n.id for n in nodes if n.kind == "village"]
    if not village_ids:
        raise NetworkError("network.nodes", "the road graph has no villages (no demand)")
    for i, n in enumerate(nodes):
        if n.kind == "village" and n.township not in station_ids:
            raise NetworkError(
                f"network.nodes[{i}].township",
                f"village {n.id!r} belongs to {n.township!r}, which is not a station id",
            )
    places = tuple(dict.fromkeys([s.node for s in sc.stations] + village_ids))
    travel = _travel_matrix(graph, places)
    index = {p: i for i, p in enumerate(places)}
    station_place = {s.id: index[s.node] for s in sc.stations}
    villages = np.array([index[v] for v in village_ids], dtype=np.int64)
    township = tuple(graph.nodes[v]["township"] for v in village_ids)
    for v, t in zip(village_ids, township):
        if not np.isfinite(travel[station_place[t], index[v]]):
            raise NetworkError(
                "network.edges", f"village {v!r} cannot be reached from its station {t!r}"
            )
    weights = np.array([graph.nodes[v].get("weight", 1.0) for v in village_ids], dtype=float)
    if weights.sum() <= 0:
        raise NetworkError("network.nodes", "all village weights are zero (no demand)")
    return RoadNetwork(graph, places, travel, station_place, villages, township, weights)


def _travel_matrix(graph: nx.Graph, places: tuple[str, ...]) -> np.ndarray:
    """Shortest travel minutes between all pairs of ``places`` (inf when unreachable)."""
    order = list(graph.nodes)
    pos = {n: i for i, n in enumerate(order)}
    rows, cols, vals = [], [], []
    for u, v, minutes in graph.edges(data="minutes"):
        rows += [pos[u], pos[v]]
        cols += [pos[v], pos[u]]
        vals += [minutes, minutes]
    # csgraph treats explicit zeros as missing edges: shift zero-minute roads by a
    # negligible epsilon and remove it again after the search.
    eps = 1e-9
    vals = [v if v > 0 else eps for v in vals]
    n = len(order)
    adj = csr_matrix((vals, (rows, cols)), shape=(n, n))
    src = [pos[p] for p in places]
    dist = dijkstra(adj, directed=False, indices=src)[:, src]
    dist[dist < 1e-6] = 0.0
    np.fill_diagonal(dist, 0.0)
    return dist


def network_to_specs(net: RoadNetwork) -> tuple[list[dict], list[dict]]:
    """Return the graph as inline YAML-ready node and edge dicts (for the resolved scenario)."""
    nodes = [{"id": n, **attrs} for n, attrs in net.graph.nodes(data=True)]
    edges = [{"from": u, "to": v, "minutes": m} for u, v, m in net.graph.edges(data="minutes")]
    return nodes, edges
