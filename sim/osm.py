"""Roads from an OpenStreetMap extract (OSM XML), read offline with OSMnx.

``network: {osm: roads.osm, nodes: [...]}``: the roads come from the file,
the stations and villages from ``nodes`` (or ``nodes_csv``) by ``lat``/``lon``.
The steps, each stated because each changes travel times (docs/maps.md):

1. ``osmnx.graph_from_xml`` reads every way of the file (no network access).
2. Only ways a police car can drive are kept: those whose ``highway`` type is
   in :data:`HIGHWAY_SPEEDS_KMH` (footways, paths, steps, cycleways go); then
   the largest connected piece of what is left.
3. Speeds: a way's ``maxspeed`` tag (OSMnx reads ``"50"``, ``"30 mph"``);
   without one, the default of its highway type in :data:`HIGHWAY_SPEEDS_KMH`
   (assumptions); minutes = OSMnx's segment length / speed.
4. Each station and village is joined to its nearest road node by a short
   road of great-circle length x ``detour_factor`` at ``default_speed_kmh``;
   one farther than ``max_snap_km`` is refused (its coordinates are likely wrong).
5. Chains of road segments are merged (``osmnx.simplify_graph``, minutes
   summed; the nodes places are joined to are kept).
6. policesim's roads are two-way with one length, so the OSM multigraph is
   collapsed to the fastest edge per pair of nodes; a one-way way is used in
   both directions (a police car on a call is taken to get through; in rural
   extracts one-way ways are mostly the two halves of a dual carriageway or a
   roundabout). Both are counted and reported as notes, never done silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from .geo import nearest_point
from .scenario import EdgeSpec, NodeSpec

#: Free-flow speed (km/h) of a way without a ``maxspeed`` tag, by OSM ``highway`` type.
#: Assumptions. Ordinary roads follow China's legal limits where no sign says otherwise
#: (Road Traffic Safety Law Implementing Regulations, art. 45: 70 km/h on a highway with
#: one lane each way, 40 km/h without a centre line; 50 and 30 in towns); motorways and
#: trunk roads their usual signed limits; tracks and service roads a walking-pace guess.
#: Ways of other types (footway, path, cycleway, steps, ...) are not driven.
HIGHWAY_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 40.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 10.0,
    "road": 30.0,
    "service": 20.0,
    "track": 15.0,
}


class OsmError(ValueError):
    """The extract cannot give a road graph; the message says why."""


@dataclass(frozen=True)
class OsmRoads:
    """Road nodes and roads read from an extract, the place connectors, and what was done."""

    nodes: list[NodeSpec]
    edges: list[EdgeSpec]
    notes: tuple[str, ...]


def osmnx_available() -> bool:
    """True when the optional dependency OSMnx (``pip install policesim[geo]``) is installed."""
    try:
        import osmnx  # noqa: F401
    except ImportError:
        return False
    return True


def read_osm(
    path: Path,
    places: list[NodeSpec],
    detour_factor: float,
    max_snap_km: float,
    speeds_kmh: dict[str, float] | None = None,
) -> OsmRoads:
    """Build the roads of ``path`` and join ``places`` (with lat/lon) to them.

    Returns the road nodes (``osm<id>`` junctions), the roads in minutes (one
    per node pair) and the connectors from each place to its road node (given
    without a length: :func:`sim.network.build_network` makes it great-circle
    km x ``detour_factor``). ``speeds_kmh`` replaces or adds entries of
    :data:`HIGHWAY_SPEEDS_KMH` (a type added there becomes drivable). Raises
    :class:`OsmError`.
    """
    try:
        import osmnx as ox
    except ImportError:
        raise OsmError(
            "reading an OpenStreetMap extract needs OSMnx: pip install 'policesim[geo]'"
        ) from None
    from osmnx._errors import InsufficientResponseError

    try:
        g = ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=False)
    except InsufficientResponseError:
        raise OsmError(f"{path.name!r} has no roads (no ways with their nodes)") from None
    except Exception as exc:  # expat, KeyError on a way without nodes, ...
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise OsmError(f"{path.name!r} is not a readable OSM XML extract ({detail})") from None
    speeds = {**HIGHWAY_SPEEDS_KMH, **(speeds_kmh or {})}
    present = {a.get("highway") for _, _, a in g.edges(data=True)}
    unused = [t for t in (speeds_kmh or {}) if t not in present]  # a misspelt type, say
    types = ", ".join(sorted(str(t) for t in present if t))
    g, dropped = _drivable(g, speeds)
    if g.number_of_edges() == 0:
        raise OsmError(
            f"{path.name!r} has no drivable roads (ways with a highway tag of: "
            f"{', '.join(speeds)})"
        )
    g = ox.truncate.largest_component(g, strongly=False)
    g = ox.routing.add_edge_speeds(g, hwy_speeds=speeds)
    g = ox.routing.add_edge_travel_times(g)
    snapped = _snap(g, places, max_snap_km)
    g = ox.simplify_graph(
        g,
        node_attrs_include=["policesim_place"],
        edge_attr_aggs={"length": sum, "travel_time": sum},
    )
    roads, parallel, one_way, loops = _fastest_per_pair(g)
    nodes = [
        NodeSpec(id=_node_id(n), kind="junction", lat=float(a["y"]), lon=float(a["x"]))
        for n, a in g.nodes(data=True)
    ]
    edges = [
        EdgeSpec.model_validate({"from": _node_id(u), "to": _node_id(v), "minutes": s / 60.0})
        for (u, v), s in roads.items()
    ]
    edges += [EdgeSpec.model_validate({"from": p, "to": _node_id(n)}) for p, n in snapped]
    notes = (
        f"network.osm: {path.name}: {g.number_of_nodes()} road nodes, {len(roads)} roads "
        f"(fastest edge per node pair; {parallel} slower parallel edge(s) dropped, "
        f"{loops} loop(s) dropped)",
        f"network.osm: {one_way} one-way road(s) used in both directions (docs/maps.md)",
        f"network.osm: {dropped} road segment(s) not drivable (footway, path, ...) left out",
        *(
            f"network.highway_speeds_kmh: no road of {path.name} has highway type {t!r}, so "
            f"its speed is never used (types there: {types})"
            for t in unused
        ),
    )
    return OsmRoads(nodes, edges, notes)


def _node_id(n: object) -> str:
    return f"osm{n}"


def _drivable(g: nx.MultiDiGraph, speeds: dict[str, float]) -> tuple[nx.MultiDiGraph, int]:
    """Keep the edges whose highway type a car drives; return them and how many went."""
    gone = [
        (u, v, k)
        for u, v, k, a in g.edges(keys=True, data=True)
        if a.get("highway") not in speeds or a.get("area") == "yes"
    ]
    g = g.copy()
    g.remove_edges_from(gone)
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    return g, len({frozenset((u, v)) for u, v, _ in gone})


def _snap(
    g: nx.MultiDiGraph, places: list[NodeSpec], max_snap_km: float
) -> list[tuple[str, object]]:
    """Each place's nearest road node (marked so that simplification keeps it)."""
    ids = list(g.nodes)
    lats = np.array([g.nodes[n]["y"] for n in ids], dtype=float)
    lons = np.array([g.nodes[n]["x"] for n in ids], dtype=float)
    out = []
    for p in places:
        assert p.lat is not None and p.lon is not None
        k, km = nearest_point(p.lat, p.lon, lats, lons)
        if km > max_snap_km:
            raise OsmError(
                f"{p.kind} {p.id!r} at lat {p.lat:g}, lon {p.lon:g} is {km:.1f} km from the "
                f"nearest road of the extract (more than max_snap_km = {max_snap_km:g}): "
                "check its coordinates (lat and lon swapped?) or the extract's area"
            )
        g.nodes[ids[k]]["policesim_place"] = True
        out.append((p.id, ids[k]))
    return out


def _fastest_per_pair(
    g: nx.MultiDiGraph,
) -> tuple[dict[tuple[object, object], float], int, int, int]:
    """Seconds of the fastest edge per unordered node pair, and what collapsing dropped.

    Returns (roads, slower parallel edges dropped, pairs with only one direction,
    self-loops dropped).
    """
    best: dict[tuple[object, object], float] = {}
    directions: dict[tuple[object, object], set[bool]] = {}
    count: dict[tuple[object, object, bool], int] = {}
    loops = 0
    for u, v, seconds in g.edges(data="travel_time"):
        if u == v:
            loops += 1
            continue
        forward = str(u) < str(v)
        pair = (u, v) if forward else (v, u)
        best[pair] = min(best.get(pair, np.inf), float(seconds))
        directions.setdefault(pair, set()).add(forward)
        count[(*pair, forward)] = count.get((*pair, forward), 0) + 1
    parallel = sum(
        max(count.get((*pair, True), 0), count.get((*pair, False), 0)) - 1 for pair in best
    )
    one_way = sum(1 for d in directions.values() if len(d) == 1)
    return best, parallel, one_way, loops
