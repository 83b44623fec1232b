"""Travel-minute tables per dispatch group, without the all-pairs array of the whole network.

Officers never leave their dispatch group, so the engine only needs travel
minutes between the places of one group (its townships' villages, its
stations, its officers' patrol villages). :func:`group_travel` computes that
block from the road graph with scipy's C Dijkstra, from the group's places
only and with a distance ``limit`` so each search stays near the group, on the
subgraph of roads within the limit of the group's places: the cost grows with
the group, not with the city (no places x all-nodes array either), and a
10,000-place city needs no 800 MB array.

The numbers are exactly those of ``RoadNetwork.travel_min`` (same graph
matrix, same zero-road epsilon, same clean-up; ``tests/test_travel.py``
compares them bit for bit): a limited Dijkstra settles every node within the
limit from the same predecessors as an unlimited one. When a pair of places in
one connected component is farther apart than the limit, the limit is
doubled and the block recomputed, and past the sum of all road minutes
(beyond any finite path) the search runs unlimited.

Tables are cached per network and place list, so replications and both
models reuse them; the cache goes away with the network.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from .network import road_adjacency

if TYPE_CHECKING:
    from .network import RoadNetwork

#: First distance limit (minutes) of a group's searches; doubled until enough (a larger
#: step would search balls far wider than the group needs). Half the groups of the
#: generated city span under 47 minutes, nine in ten under 112: a 60-minute ball
#: holds about a quarter of the nodes of a 120-minute one, so the groups that need a
#: second search still cost about what one 120-minute search did.
FIRST_LIMIT_MIN = 60.0
#: Groups with more places than this get ``array('d')`` rows (8 bytes a number, not 32).
LIST_ROWS_MAX = 2048


class GroupTable:
    """Travel minutes between one group's places: ``rows[i][j]`` from place i to place j.

    ``rows`` are lists of floats (``array('d')`` for very large groups), the
    fastest thing to index in the event loop. :meth:`nearest_first` gives the
    places ordered by travel time to a destination, for the nearest-officer
    search of large groups (computed on first use, then kept).
    """

    __slots__ = ("rows", "dist", "_orders")

    def __init__(self, dist: np.ndarray) -> None:
        self.dist = dist
        if len(dist) <= LIST_ROWS_MAX:
            self.rows: list = dist.tolist()
        else:
            self.rows = [array("d", row) for row in dist]
        self._orders: dict[int, list[int]] = {}

    def nearest_first(self, dest: int) -> list[int]:
        """Local place numbers by travel minutes to ``dest`` (ties: lower place number)."""
        order = self._orders.get(dest)
        if order is None:
            order = np.argsort(self.dist[:, dest], kind="stable").tolist()
            self._orders[dest] = order
        return order


def _symmetric_min(adj: sparse.csr_matrix) -> sparse.csr_matrix:
    """The undirected graph of ``adj`` as a directed one: each road both ways, shortest kept.

    A directed search on it settles the same minutes as ``directed=False`` on
    ``adj`` (which relaxes both directions of every entry), without transposing
    the whole graph at every call (a cost in the size of the city, per group).
    """
    coo = adj.tocoo()
    r = np.concatenate([coo.row, coo.col])
    c = np.concatenate([coo.col, coo.row])
    d = np.concatenate([coo.data, coo.data])
    order = np.lexsort((d, c, r))
    r, c, d = r[order], c[order], d[order]
    keep = np.ones(len(r), dtype=bool)
    keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    return sparse.csr_matrix((d[keep], (r[keep], c[keep])), shape=adj.shape)


class RoadIndex:
    """The road graph as a sparse matrix, its components, and cached group tables."""

    def __init__(self, net: RoadNetwork) -> None:
        self.adj, pos = road_adjacency(net.graph)
        finite = self.adj.data[np.isfinite(self.adj.data)]
        self.total_min = float(finite.sum())
        _, self.component = connected_components(self.adj, directed=False)
        self.sym = _symmetric_min(self.adj)
        self.node_of_place = np.array([pos[p] for p in net.places], dtype=np.int64)
        self.tables: dict[tuple[int, ...], GroupTable] = {}
        rows_of: dict[str, list[int]] = {}
        for k, township in enumerate(net.village_township):
            rows_of.setdefault(township, []).append(k)
        #: Township -> (village place numbers, demand weights), in village order:
        #: ``RoadNetwork.township_villages`` without a scan of every village per call.
        self.township_villages = {
            t: (net.villages[k], net.village_weight[k]) for t, k in rows_of.items()
        }
        self.township_places = {t: v[0].tolist() for t, v in self.township_villages.items()}

    def block(self, places: Sequence[int]) -> np.ndarray:
        """Return ``travel_min[np.ix_(places, places)]``, computed near the places only."""
        src = self.node_of_place[np.asarray(places, dtype=np.int64)]
        comp = self.component[src]
        same = comp[:, None] == comp[None, :]
        limit = FIRST_LIMIT_MIN
        while True:
            if limit > self.total_min:
                limit = np.inf
            if limit == np.inf:
                dist = dijkstra(self.adj, directed=False, indices=src)[:, src]
            else:
                dist = self._near_block(src, limit)
            if limit == np.inf or np.isfinite(dist[same]).all():
                break
            limit *= 2.0
        dist[dist < 1e-6] = 0.0
        np.fill_diagonal(dist, 0.0)
        return dist

    def _near_block(self, src: np.ndarray, limit: float) -> np.ndarray:
        """Travel minutes (within ``limit``, else inf) between the nodes ``src``.

        Searches only the roads near the sources: one multi-source search
        finds every node within ``limit`` of some source, and the per-source
        searches run on that subgraph (nodes kept in their order), so the
        result is ``len(src)`` x ``len(src)``, never ``len(src)`` x all nodes.
        A shortest path no longer than ``limit`` only visits nodes within
        ``limit`` of its source, so the minutes are the same as on the whole
        graph, bit for bit (``tests/test_travel.py``).
        """
        near = dijkstra(self.sym, directed=True, indices=src, limit=limit, min_only=True)
        nodes = np.flatnonzero(np.isfinite(near))
        sub = self.adj[nodes][:, nodes]
        pos = np.searchsorted(nodes, src)
        return dijkstra(sub, directed=False, indices=pos, limit=limit)[:, pos]

    def table(self, places: Sequence[int]) -> GroupTable:
        """Return the (cached) travel table of ``places``."""
        key = tuple(places)
        found = self.tables.get(key)
        if found is None:
            found = self.tables[key] = GroupTable(self.block(key))
        return found


def road_index(net: RoadNetwork) -> RoadIndex:
    """Return the :class:`RoadIndex` of ``net`` (a cached property: built once, freed with it)."""
    return net.road_index


def group_travel(net: RoadNetwork, places: Sequence[int]) -> GroupTable:
    """Return the travel table between ``places`` (place numbers of ``net``), cached."""
    return road_index(net).table(places)
