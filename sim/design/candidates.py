"""Candidate pools: road-connected groups of neighbouring stations, every member near the host.

Two stations are *road neighbours* when the quickest road between them does not
pass another station (no third station ``k`` with ``t(i,k) + t(k,j) <= t(i,j)``):
the township next door, not the one behind it. A candidate pool is a set of
``min_size..max_size`` stations that is connected in the neighbour graph (so
its officers can reach each other's areas without crossing a township left
out), with a host that every member can reach within ``max_host_min`` minutes.
Stations listed ``--alone`` are in no candidate; ``--keep`` pools are added as
they are even when they break the limits (the analyst asked for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..loader import LoadedScenario
from ..network import road_adjacency

#: Nearest stations (to a host) looked at when enumerating its pools; bounds the enumeration.
MAX_NEAR = 12


@dataclass(frozen=True)
class StationGeo:
    """Travel facts of the stations: ``station_min[i, j]`` and each station's villages."""

    ids: tuple[str, ...]
    station_min: np.ndarray
    #: ``village_min[i]``: minutes from station i to every village (aligned with ``weights``).
    village_min: np.ndarray
    #: village demand weights and the station (index) whose township each village is in
    weights: np.ndarray
    township: np.ndarray
    neighbours: np.ndarray

    def index(self, station: str) -> int:
        """Row of ``station``."""
        return self.ids.index(station)


def station_geo(loaded: LoadedScenario) -> StationGeo:
    """Shortest road minutes from every station to every station and village (one Dijkstra)."""
    sc, net = loaded.scenario, loaded.network
    ids = tuple(s.id for s in sc.stations)
    adj, pos = road_adjacency(net.graph)
    src = [pos[s.node] for s in sc.stations]
    dist = dijkstra(adj, directed=False, indices=src)
    dist[dist < 1e-6] = 0.0
    station_min = dist[:, src]
    np.fill_diagonal(station_min, 0.0)
    village_nodes = [net.places[v] for v in net.villages]
    village_min = dist[:, [pos[n] for n in village_nodes]]
    township = np.array([ids.index(t) for t in net.village_township])
    return StationGeo(
        ids, station_min, village_min, np.asarray(net.village_weight, float), township,
        road_neighbours(station_min),
    )


def road_neighbours(station_min: np.ndarray) -> np.ndarray:
    """Boolean matrix: the quickest road from i to j passes no third station."""
    n = len(station_min)
    t = station_min
    nb = np.isfinite(t) & ~np.eye(n, dtype=bool)
    for k in range(n):
        via = t[:, [k]] + t[[k], :]
        through = via <= t + 1e-9
        through[k, :] = False
        through[:, k] = False
        nb &= ~(through & (t > 0))
    return nb


def connected(members: tuple[int, ...], neighbours: np.ndarray) -> bool:
    """True when ``members`` form one piece in the neighbour graph."""
    seen = {members[0]}
    todo = [members[0]]
    rest = set(members)
    while todo:
        i = todo.pop()
        for j in rest:
            if j not in seen and neighbours[i, j]:
                seen.add(j)
                todo.append(j)
    return len(seen) == len(members)


def enumerate_pools(
    geo: StationGeo,
    min_size: int,
    max_size: int,
    max_host_min: float,
    alone: frozenset[int] = frozenset(),
    max_near: int = MAX_NEAR,
) -> dict[frozenset[int], list[int]]:
    """Return every candidate member set with the hosts that may serve it.

    For each possible host, its ``max_near`` nearest stations within
    ``max_host_min`` minutes are combined into sets of the allowed sizes; a set
    is kept when it is connected by road. The same set found from several hosts
    lists each of them.
    """
    out: dict[frozenset[int], list[int]] = {}
    n = len(geo.ids)
    for h in range(n):
        if h in alone:
            continue
        row = geo.station_min[h]
        near = [j for j in np.argsort(row, kind="stable") if j != h and j not in alone
                and row[j] <= max_host_min][:max_near]  # fmt: skip
        for size in range(min_size, max_size + 1):
            for others in combinations(sorted(near), size - 1):
                members = (h, *others)
                if connected(members, geo.neighbours):
                    out.setdefault(frozenset(members), []).append(h)
    return out
