"""The road network: stations, villages and junctions joined by roads, and travel times.

Loading builds plain node and road lists and checks them (no networkx, scipy or
numpy import, so ``policesim check`` starts fast); the networkx graph
(``RoadNetwork.graph``) and the villages' numpy arrays are built on first use.
Travel times (minutes) between *places* (station nodes and villages; junctions
only carry roads) come from scipy's C Dijkstra. The simulation
takes them per dispatch group (:mod:`sim.travel`, before the run starts, so it
never searches the graph while it runs); the dense all-pairs array
``RoadNetwork.travel_min`` is computed only when something asks for it (a
10,000-place network would need 800 MB). Loading checks reachability with
connected components, which costs nothing like an all-pairs search.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .scenario import EdgeSpec, Loc, NetworkSpec, NodeSpec, Scenario, loc_to_field

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    from scipy.sparse import csr_matrix

    from .travel import RoadIndex

#: Most places (stations and villages) a road network may have. Loading and
#: running cost memory in proportion to places (travel tables are per dispatch
#: group); only ``RoadNetwork.travel_min``, when asked for, is places x places.
MAX_PLACES = 100_000


class NetworkError(ValueError):
    """The road graph is unusable; ``field`` says where in the scenario.

    ``field`` may be a dotted string or a location tuple (``loc``), as for
    :class:`~sim.scenario.CrossReferenceError`.
    """

    def __init__(self, field: str | Loc, message: str) -> None:
        super().__init__(message)
        self.loc: Loc | None = None if isinstance(field, str) else tuple(field)
        self.field = field if isinstance(field, str) else loc_to_field(field)
        self.message = message


@dataclass(frozen=True)
class RoadNetwork:
    """Places and the travel minutes between them.

    Attributes
    ----------
    nodes
        Node id -> its attributes from the scenario, in the order given.
    roads
        ``(from, to, minutes)`` of every road, in the order given.
    graph
        The road graph as a networkx graph (edge attribute ``minutes``; node
        attributes from the scenario), built on first use.
    places
        Node ids of stations and villages, in place-number order.
    travel_min
        ``travel_min[i, j]``: shortest travel time in minutes from place i to place j
        (a property, computed on first use).
    station_place
        Station id -> place number of its node.
    village_places
        Place numbers of all villages.
    village_township
        Station id (township) of each village, aligned with ``village_places``.
    village_weights
        Demand weight of each village, aligned with ``village_places``.
    villages, village_weight
        ``village_places`` and ``village_weights`` as numpy arrays (made on
        first use: loading and ``policesim check`` never import numpy).
    notes
        What loading did that an analyst should know (an OSM extract's collapsed
        and one-way roads); ``policesim check`` prints them.

    """

    nodes: dict[str, dict[str, Any]]
    roads: tuple[tuple[str, str, float], ...]
    places: tuple[str, ...]
    station_place: dict[str, int]
    village_places: tuple[int, ...]
    village_township: tuple[str, ...]
    village_weights: tuple[float, ...]
    notes: tuple[str, ...] = ()

    @cached_property
    def villages(self) -> np.ndarray:
        """Place numbers of all villages (an int64 array, made on first use)."""
        import numpy as np

        return np.array(self.village_places, dtype=np.int64)

    @cached_property
    def village_weight(self) -> np.ndarray:
        """Demand weight of each village (a float array aligned with ``villages``)."""
        import numpy as np

        return np.array(self.village_weights, dtype=float)

    @cached_property
    def graph(self) -> nx.Graph:
        """The roads as a networkx graph (built once, on first use)."""
        import networkx as nx

        graph = nx.Graph()
        for n, attrs in self.nodes.items():
            graph.add_node(n, **attrs)
        for u, v, minutes in self.roads:
            graph.add_edge(u, v, minutes=minutes)
        return graph

    @cached_property
    def road_index(self) -> RoadIndex:
        """The travel tables of this network (:class:`sim.travel.RoadIndex`, built on first use)."""
        from .travel import RoadIndex

        return RoadIndex(self)

    @cached_property
    def travel_min(self) -> np.ndarray:
        """All-pairs travel minutes between places (dense; computed once, on first use)."""
        return _travel_matrix(self.graph, self.places)

    def township_villages(self, station_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (place numbers, demand weights) of the villages in ``station_id``'s township."""
        import numpy as np

        mask = np.array([t == station_id for t in self.village_township], dtype=bool)
        return self.villages[mask], self.village_weight[mask]

    def place_of(self, node_id: str) -> int:
        """Return the place number of node ``node_id``."""
        return self.places.index(node_id)


def read_network(
    spec: NetworkSpec, base_dir: Path
) -> tuple[list[NodeSpec], list[EdgeSpec], tuple[str, ...]]:
    """Return the network's nodes, edges and notes, from the scenario or the files it names.

    An OpenStreetMap extract (``osm``) gives the roads and a junction node per
    road node; ``nodes``/``nodes_csv`` give the places (:mod:`sim.osm`).
    """
    if spec.osm is None:
        return (*read_node_edge_specs(spec, base_dir), ())
    from .osm import OsmError, read_osm

    places = _osm_places(spec, base_dir)
    path = base_dir / spec.osm
    _check_file(path, "osm")
    try:
        roads = read_osm(
            path, places, spec.detour_factor, spec.max_snap_km, spec.highway_speeds_kmh
        )
    except OsmError as exc:
        raise NetworkError(("network", "osm"), str(exc)) from None
    return [*places, *roads.nodes], roads.edges, roads.notes


def _osm_places(spec: NetworkSpec, base_dir: Path) -> list[NodeSpec]:
    """The stations and villages of an OSM network: every one needs lat/lon."""
    if spec.nodes is not None:
        places = list(spec.nodes)
        key = "nodes"
    else:
        assert spec.nodes_csv is not None
        rows = _read_csv(base_dir / spec.nodes_csv, "nodes_csv")
        places = _rows_to_specs(rows, NodeSpec, "nodes_csv", Path(spec.nodes_csv).name)
        key = "nodes_csv"
    for i, p in enumerate(places):
        if p.lat is None:
            where: Loc = ("network", "nodes", i) if key == "nodes" else ("network", key)
            raise NetworkError(
                where,
                f"node {p.id!r} has no lat/lon: with an OSM extract every station and "
                "village is placed on the roads by its coordinates",
            )
    return places


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
        _read_csv(base_dir / spec.nodes_csv, "nodes_csv"),
        NodeSpec,
        "nodes_csv",
        Path(spec.nodes_csv).name,
    )
    rows = _read_csv(base_dir / spec.edges_csv, "edges_csv")
    lines = [row["__line__"] for row in rows]
    file_name = Path(spec.edges_csv).name
    edges = _rows_to_specs(rows, EdgeSpec, "edges_csv", file_name)
    check_duplicate_roads(
        edges, lambda _i: ("network", "edges_csv"), lambda i: f"{file_name} line {lines[i]}"
    )
    return nodes, edges


def check_duplicate_roads(
    edges: list[EdgeSpec],
    field: Callable[[int], Loc],
    where: Callable[[int], str],
    prefix: bool = True,
) -> None:
    """Refuse a road listed twice (the same two ends, in either direction).

    networkx would keep the last one silently (45 minutes instead of 15), so a
    second listing is an error even when its minutes are the same. ``where(i)``
    names edge ``i`` in the message (its file line, its YAML item); with
    ``prefix`` the message starts with it (files: the YAML line is the file's).
    """
    seen: dict[frozenset[str], int] = {}
    for i, e in enumerate(edges):
        key = frozenset((e.from_, e.to))
        if key in seen:
            first = seen[key]
            same = _length(edges[first]) == _length(e)
            here = f"{where(i)}: " if prefix else ""
            length = (
                "a duplicate even with the same length" if same
                else f"{_length_text(edges[first])}, here {_length_text(e)}"
            )
            raise NetworkError(
                field(i),
                f"{here}road {e.from_!r} - {e.to!r} is listed twice (first at {where(first)}, "
                f"{length}); roads are two-way: list each road once",
            )
        seen[key] = i


def _length(e: EdgeSpec) -> tuple[float | None, float | None, float | None]:
    return (e.minutes, e.km, e.speed_kmh)


def _check_file(path: Path, key: str) -> None:
    if not path.exists():
        raise NetworkError(
            ("network", key), f"file {path.name!r} not found (looked in {path.parent.resolve()})"
        )
    if not path.is_file():
        raise NetworkError(("network", key), f"{path.name!r} is not a file")


def _read_graphml(path: Path) -> tuple[list[NodeSpec], list[EdgeSpec]]:
    _check_file(path, "graphml")
    import networkx as nx

    try:
        g = nx.read_graphml(path)
    except Exception as exc:  # networkx and expat raise several types for bad files
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise NetworkError(
            ("network", "graphml"), f"{path.name!r} is not a valid GraphML file ({detail})"
        ) from None
    nodes = [{"id": str(n), **attrs} for n, attrs in g.nodes(data=True)]
    # An edge's GraphML ``id`` (networkx and OSMnx write one per edge of a multigraph) names
    # the edge, not a road attribute.
    edges = [
        {"from": str(u), "to": str(v), **{k: a for k, a in attrs.items() if k != "id"}}
        for u, v, attrs in g.edges(data=True)
    ]
    labels = [f"node {n['id']!r}" for n in nodes]
    arrow = "->" if g.is_directed() else "-"
    labels_e = [f"edge {e['from']!r} {arrow} {e['to']!r}" for e in edges]
    node_specs = _rows_to_specs(nodes, NodeSpec, "graphml", path.name, labels)
    edge_specs = _rows_to_specs(edges, EdgeSpec, "graphml", path.name, labels_e)
    where = ("network", "graphml")
    if g.is_directed():
        edge_specs, labels_e = _two_way_roads(edge_specs, labels_e, path.name)
    check_duplicate_roads(edge_specs, lambda _i: where, lambda i: f"{path.name} {labels_e[i]}")
    return node_specs, edge_specs


def _two_way_roads(
    edges: list[EdgeSpec], labels: list[str], file_name: str
) -> tuple[list[EdgeSpec], list[str]]:
    """A directed graph's roads, each once: every edge needs its way back, equally long.

    Road-network tools (OpenStreetMap exports) write two-way roads as two
    directed edges; those are accepted and read as one road. A one-way road,
    or a road whose two directions differ in length, is refused: policesim's
    roads are two-way, and making it two-way silently would change travel times.
    """
    where = ("network", "graphml")
    by_pair: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(edges):
        by_pair.setdefault((e.from_, e.to), []).append(i)
    keep = []
    for i, e in enumerate(edges):
        if e.from_ == e.to:
            keep.append(i)
            continue
        back = by_pair.get((e.to, e.from_))
        if not back:
            raise NetworkError(
                where,
                f"{file_name} {labels[i]}: one-way road (the graph is directed and has no "
                f"edge {e.to!r} -> {e.from_!r}); policesim's roads are two-way: add the way "
                'back, or write the graph as undirected (edgedefault="undirected")',
            )
        if _length(edges[back[0]]) != _length(e):
            raise NetworkError(
                where,
                f"{file_name} {labels[i]}: the two directions of this road differ in length "
                f"({_length_text(e)} one way, {_length_text(edges[back[0]])} back); policesim's "
                "roads are two-way with one length: make them equal",
            )
        if (e.from_, e.to) < (e.to, e.from_) or len(by_pair[(e.from_, e.to)]) > 1:
            keep.append(i)  # one of the two directions (parallel edges stay: duplicates)
    return [edges[i] for i in keep], [labels[i] for i in keep]


def _length_text(e: EdgeSpec) -> str:
    if e.minutes is not None:
        return f"{e.minutes:g} minutes"
    if e.km is None:
        return "length from the ends' lat/lon"
    return f"{e.km:g} km" + (f" at {e.speed_kmh:g} km/h" if e.speed_kmh else "")


def _read_csv(path: Path, key: str) -> list[dict[str, object]]:
    """Rows of a CSV file as dicts (empty cells dropped), with the file's line of each row."""
    _check_file(path, key)
    where = ("network", key)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            names = reader.fieldnames or []
            if any(";" in name for name in names) and not any("," in n for n in names):
                raise NetworkError(
                    where,
                    f"{path.name!r} line {reader.line_num}: {names[0].split(';')[0]!r}: "
                    "the file looks semicolon-separated; use commas (in Excel: save as "
                    "'CSV UTF-8 (comma delimited)')",
                )
            twice = [n for k, n in enumerate(names) if n in names[:k]]
            if twice:  # csv.DictReader would keep the last column's cells without a word
                raise NetworkError(
                    where,
                    f"{path.name!r} line 1: column {twice[0]!r} appears twice in the header; "
                    "keep one",
                )
            rows = []
            for row in reader:
                if None in row:
                    raise NetworkError(
                        where,
                        f"{path.name!r} line {reader.line_num}: "
                        "more values than the header has columns",
                    )
                if None in row.values():  # a lost cell would read as empty: a default
                    raise NetworkError(
                        where,
                        f"{path.name!r} line {reader.line_num}: fewer values than the header "
                        "has columns (leave an empty cell between commas)",
                    )
                clean = {k: v for k, v in row.items() if v not in ("", None)}
                clean["__line__"] = reader.line_num
                rows.append(clean)
    except UnicodeDecodeError:
        raise NetworkError(where, f"{path.name!r} is not UTF-8 text") from None
    except csv.Error as exc:
        raise NetworkError(where, f"{path.name!r} is not a readable CSV file ({exc})") from None
    if not rows:
        raise NetworkError(where, f"{path.name!r} has no rows under its header")
    return rows


#: Road attributes of OpenStreetMap tools (OSMnx) in files, and how they are read:
#: ``travel_time`` in seconds (read as seconds / 60 minutes), ``length`` in metres
#: (read as metres / 1000 km, at ``speed_kmh`` or the network's ``default_speed_kmh``).
OSM_EDGE_ATTRIBUTES = {
    "travel_time": ("minutes", 60.0, "seconds"),
    "length": ("km", 1000.0, "metres"),
}


class _OsmValueError(ValueError):
    """An OpenStreetMap length attribute that is not a number."""


def _osm_lengths(row: dict) -> dict:
    """Read an edge's ``travel_time`` (seconds) or ``length`` (metres) as minutes or km.

    Only when the row gives neither ``minutes`` nor ``km``; with both OSM names,
    ``travel_time`` wins (it already includes the road's speed) and ``length``
    is dropped. Other OSMnx attributes are not accepted (a misspelt column must
    not pass silently): remove them, or export only these.
    """
    if "minutes" in row or "km" in row:
        return row
    out = dict(row)
    if "travel_time" in out:
        out.pop("length", None)
    for name, (ours, per_unit, unit) in OSM_EDGE_ATTRIBUTES.items():
        if name in out:
            value = out.pop(name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise _OsmValueError(
                    f"{name}: should be a number of {unit} (got {value!r})"
                ) from None
            out[ours] = number / per_unit
    return out


def _rows_to_specs(
    rows: list[dict],
    cls: type,
    key: str,
    file_name: str | None = None,
    labels: list[str] | None = None,
) -> list:
    """Validate file rows (strings allowed: files carry no types) into spec objects.

    Errors name the file and the row (CSV line or GraphML node/edge id).
    """
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        line = row.pop("__line__", None)
        try:
            if cls is EdgeSpec:
                row = _osm_lengths(row)
            out.append(cls.model_validate(row, strict=False))
        except _OsmValueError as exc:
            where = (
                f"{file_name or ''} line {line}".strip() if line is not None
                else f"{file_name + ' ' if file_name else ''}{labels[i] if labels else i}"
            )
            raise NetworkError(("network", key), f"{where}: {exc}") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            if line is not None:
                where = f"{file_name or ''} line {line}".strip()
            else:
                where = f"{file_name + ' ' if file_name else ''}{labels[i] if labels else i}"
            what = (
                "unknown column (check the spelling)"
                if err["type"] == "extra_forbidden"
                else ("required column is missing" if err["type"] == "missing" else err["msg"])
            )
            what = what.removeprefix("Value error, ").replace("Input should be", "should be")
            got = (
                f" (got {err['input']!r})"
                if err["type"] not in ("missing", "extra_forbidden", "value_error")
                and "input" in err
                else ""
            )
            raise NetworkError(
                ("network", key), f"{where}: {loc + ': ' if loc else ''}{what}{got}"
            ) from None
    return out


def build_network(
    sc: Scenario,
    nodes: list[NodeSpec],
    edges: list[EdgeSpec],
    notes: tuple[str, ...] = (),
) -> RoadNetwork:
    """Build the graph and the place-to-place travel-time array for scenario ``sc``.

    Raises :class:`NetworkError` for an empty graph, a duplicate node id, an
    edge to an unknown node, a station node not on the graph, a village whose
    township is not a station, a village that cannot reach its station, or a
    joint-station member that cannot reach its host by road.
    """
    spec = sc.network
    inline_nodes, inline_edges = spec.nodes is not None, spec.edges is not None
    files = "graphml" if spec.graphml else "nodes_csv"
    src = "nodes" if inline_nodes else files
    src_e = "edges" if inline_edges else ("osm" if spec.osm else files.replace("nodes", "edges"))

    def inline_kind(kind: str) -> bool:
        return inline_nodes if kind == "nodes" else inline_edges

    def at(kind: str, i: int, *rest: str | int) -> Loc:
        """Where node/edge ``i`` is: its YAML item, or the file it came from."""
        if inline_kind(kind):
            return ("network", kind, i, *rest)
        return ("network", src_e if kind == "edges" else src)

    def name(kind: str, i: int) -> str:
        """How a message names node/edge ``i`` read from a file (inline ones have a line)."""
        if inline_kind(kind):
            return ""
        if kind == "nodes":
            return f"node {nodes[i].id!r}: "
        return f"road {edges[i].from_!r} - {edges[i].to!r}: "

    if not nodes:
        raise NetworkError(("network", src), "the road graph has no nodes")
    graph: dict[str, dict[str, Any]] = {}  # node id -> attributes
    for i, n in enumerate(nodes):
        if n.id in graph:
            raise NetworkError(
                at("nodes", i, "id"), f"{name('nodes', i)}duplicate node id {n.id!r}"
            )
        graph[n.id] = n.model_dump(exclude={"id"}, exclude_none=True)
    roads: list[tuple[str, str, float]] = []
    if inline_edges:
        check_duplicate_roads(
            edges, lambda i: at("edges", i), lambda i: f"network.edges[{i}]", prefix=False
        )
    _check_one_coordinate_kind(nodes, lambda i: at("nodes", i), lambda i: name("nodes", i))
    for i, e in enumerate(edges):
        for end, key in ((e.from_, "from"), (e.to, "to")):
            if end not in graph:
                raise NetworkError(
                    at("edges", i, key),
                    f"{name('edges', i)}road end {end!r} is not a node of the network",
                )
        minutes = _road_minutes(graph, e, spec, (at("edges", i), name("edges", i)))
        roads.append((e.from_, e.to, minutes))
    station_ids = {s.id for s in sc.stations}
    for i, s in enumerate(sc.stations):
        if s.node not in graph:
            raise NetworkError(("stations", i, "node"), f"node {s.node!r} is not on the road graph")
    village_ids = [n.id for n in nodes if n.kind == "village"]
    if not village_ids:
        raise NetworkError(
            ("network", src), "the road graph has no villages, so no calls can arise"
        )
    for i, n in enumerate(nodes):
        if n.kind == "village" and n.township not in station_ids:
            raise NetworkError(
                at("nodes", i, "township"),
                f"{name('nodes', i)}village {n.id!r} belongs to {n.township!r}, "
                "which is not a station id "
                f"(stations: {', '.join(s.id for s in sc.stations)})",
            )
    places = tuple(dict.fromkeys([s.node for s in sc.stations] + village_ids))
    if len(places) > MAX_PLACES:
        raise NetworkError(
            ("network", src),
            f"{len(places)} stations and villages: more than the limit of {MAX_PLACES}",
        )
    component = _place_components(graph, roads, places)
    index = {p: i for i, p in enumerate(places)}
    station_place = {s.id: index[s.node] for s in sc.stations}
    villages = tuple(index[v] for v in village_ids)
    township = tuple(graph[v]["township"] for v in village_ids)
    node_index = {n.id: i for i, n in enumerate(nodes)}
    for v, t in zip(village_ids, township):
        if component[station_place[t]] != component[index[v]]:
            raise NetworkError(
                at("nodes", node_index[v]),
                f"{name('nodes', node_index[v])}village {v!r} cannot be reached by road "
                f"from its station {t!r} "
                f"(node {graph_node(sc, t)!r}): no chain of edges connects them",
            )
    _check_pools_connected(sc, component, station_place)
    weights = tuple(float(graph[v].get("weight", 1.0)) for v in village_ids)
    _check_townships(sc, village_ids, township, weights, lambda v: at("nodes", node_index[v]),
                     lambda v: name("nodes", node_index[v]))
    return RoadNetwork(
        graph, tuple(roads), places, station_place, villages, township, weights, notes
    )


def _check_one_coordinate_kind(
    nodes: list[NodeSpec], at: Callable[[int], Loc], name: Callable[[int], str]
) -> None:
    """Refuse a network whose nodes mix x/y (a schematic plane) with lat/lon (degrees).

    Neither can be turned into the other, so a map or a road length from a mix
    would be meaningless.
    """
    first: dict[str, int] = {}
    for i, n in enumerate(nodes):
        kind = "lat/lon" if n.lat is not None else ("x/y" if n.x is not None else None)
        if kind is None:
            continue
        first.setdefault(kind, i)
        other = "x/y" if kind == "lat/lon" else "lat/lon"
        if other in first:
            j = first[other]
            raise NetworkError(
                at(i),
                f"{name(i)}node {n.id!r} has {kind} but node {nodes[j].id!r} has {other}: "
                "a network uses one kind of coordinates (x/y for a schematic layout, "
                "lat/lon in degrees for real places)",
            )


def _road_minutes(
    nodes: dict[str, dict[str, Any]], e: EdgeSpec, spec: NetworkSpec, where: tuple[Loc, str]
) -> float:
    """Minutes of road ``e``: as given, from km and speed, or from its ends' lat/lon.

    Without minutes or km the length is the great-circle distance between the
    ends times ``detour_factor`` (:mod:`sim.geo`), driven at ``speed_kmh`` or the
    network's ``default_speed_kmh``.
    """
    if e.minutes is not None:
        return float(e.minutes)
    speed = e.speed_kmh or spec.default_speed_kmh
    if e.km is not None:
        return 60.0 * e.km / speed
    from .geo import great_circle_km  # numpy: only for roads measured from coordinates

    ends = [nodes[e.from_], nodes[e.to]]
    missing = [n for n, a in zip((e.from_, e.to), ends) if a.get("lat") is None]
    if missing:
        loc, label = where  # a road read from a file is named by its label already
        raise NetworkError(
            loc,
            f"{label or f'road {e.from_!r} - {e.to!r}: '}no minutes or km, and node "
            f"{missing[0]!r} has no lat/lon to measure it from: give minutes, km, or the "
            "coordinates of both ends",
        )
    km = great_circle_km(ends[0]["lat"], ends[0]["lon"], ends[1]["lat"], ends[1]["lon"])
    return 60.0 * float(km) * spec.detour_factor / speed


def _check_townships(
    sc: Scenario,
    village_ids: list[str],
    township: tuple[str, ...],
    weights: tuple[float, ...],
    at_village: Callable[[str], Loc],
    name: Callable[[str], str],
) -> None:
    """Every station needs a township: at least one village, and some demand weight in it.

    A station without villages would get no calls of its own (its officers
    would only ever help others), and a township whose villages all weigh 0
    would too: both are almost always a typo in a ``township`` or a ``weight``,
    so they are refused rather than simulated quietly.
    """
    for i, s in enumerate(sc.stations):
        mine = [k for k, t in enumerate(township) if t == s.id]
        if not mine:
            raise NetworkError(
                ("stations", i),
                f"station {s.id!r} has no villages (no village has township: {s.id}), so no "
                "call could arise in its area; give it at least one village",
            )
        if sum(weights[k] for k in mine) <= 0:  # weights are >= 0: all of them are 0
            v = village_ids[mine[0]]
            raise NetworkError(
                (*at_village(v), "weight") if sc.network.nodes is not None else at_village(v),
                f"{name(v)}every village of township {s.id!r} has weight 0, so no call could "
                "arise there; give at least one of them a weight above 0",
            )


def graph_node(sc: Scenario, station_id: str) -> str:
    """Return the graph node of station ``station_id``."""
    return next(s.node for s in sc.stations if s.id == station_id)


def _check_pools_connected(
    sc: Scenario, component: list[int], station_place: dict[str, int]
) -> None:
    """Every member of a joint station must be reachable by road from its host."""
    for i, pool in enumerate(sc.pools):
        host = station_place[pool.host]
        for j, m in enumerate(sc.pool_members(pool)):
            if component[host] != component[station_place[m]]:
                where = sc.pool_loc(i)
                raise NetworkError(
                    (*where, "members", j) if pool.members is not None else (*where, "host"),
                    f"member station {m!r} cannot be reached by road from the host "
                    f"{pool.host!r}, so the pool cannot send its officers there",
                )


def _place_components(
    nodes: dict[str, dict[str, Any]],
    roads: list[tuple[str, str, float]],
    places: tuple[str, ...],
) -> list[int]:
    """Connected-component label of each place (same label: a finite road path joins them).

    Union-find over the roads: loading needs only which places are joined, and
    this keeps scipy's graph module (half a second to import) out of ``check``.
    """
    parent = {n: n for n in nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v, minutes in roads:
        if math.isfinite(minutes):
            parent[root(u)] = root(v)
    labels: dict[str, int] = {}
    return [labels.setdefault(root(p), len(labels)) for p in places]


def road_adjacency(graph: nx.Graph) -> tuple[csr_matrix, dict[str, int]]:
    """Return the roads as a symmetric sparse matrix of minutes, and each node's row number.

    scipy's csgraph treats explicit zeros as missing edges, so a zero-minute road
    is stored as 1e-9 minutes; callers set distances below 1e-6 back to zero.
    """
    from scipy.sparse import csr_matrix

    pos = {n: i for i, n in enumerate(graph.nodes)}
    rows, cols, vals = [], [], []
    for u, v, minutes in graph.edges(data="minutes"):
        rows += [pos[u], pos[v]]
        cols += [pos[v], pos[u]]
        vals += [minutes, minutes]
    vals = [v if v > 0 else 1e-9 for v in vals]
    return csr_matrix((vals, (rows, cols)), shape=(len(pos), len(pos))), pos


def _travel_matrix(graph: nx.Graph, places: tuple[str, ...]) -> np.ndarray:
    """Shortest travel minutes between all pairs of ``places`` (inf when unreachable)."""
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    adj, pos = road_adjacency(graph)
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
