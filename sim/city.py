"""Generate a whole rural city: township stations on one road graph, some in joint stations.

The field report's city (Longyan) has 118 rural township police stations; by
late 2022, 46 of them were pooled into 14 regional joint stations of 3-4
towns, and the rest worked alone. :func:`generate_city` builds a scenario of
that shape (``scale`` times over, for benchmarks) from a seed, with nothing
random left to chance at run time: the same arguments always give the same
files, byte for byte.

Everything except the counts above is an assumption, modelled on the Wubei
scenario (``scenarios/wubei.yaml``):

* townships sit on a jittered grid about 14 km apart; each station has a road
  to its grid neighbours (mountain roads at about 35 km/h, 1.3-1.7 times the
  straight line);
* each township has about ``villages_per_station`` villages (±3) within 1-6.5
  km of its station, joined into a tree of valley roads (each village to the
  nearest station or village already on the road), demand weights drawn from
  a gamma distribution, the nearest village being the market town (weight 3);
* 6-10 officers per station; joint stations are connected groups of
  neighbouring townships, hosted by their largest station, with a 2-person
  command room (one officer each from the host and one other member) and a
  case team (two from the host, one each from two other members);
* incident types, shifts, patrol and county rules are Wubei's, with rates
  per station equal to Wubei's (its rates cover four towns).

The network goes to ``nodes.csv`` and ``edges.csv`` next to the scenario file
(a 4x city has ~10,000 nodes, too many for inline YAML to be pleasant).
Command line: ``policesim generate-city OUT_DIR [--scale K] [--seed S]``.
"""

from __future__ import annotations

import csv
import math
import textwrap
from collections import deque
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
import yaml

from .models import lone_station_field, pool_blocks, pools_field

#: The field report's city: rural stations, joint stations and the stations they pool.
STATIONS, JOINT_STATIONS, POOLED_STATIONS = 118, 14, 46
SPACING_KM, SPEED_KMH = 14.0, 35.0
DAY_PROFILE = [0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.1, 1.3, 1.4, 1.4, 1.3,
               1.2, 1.2, 1.3, 1.4, 1.5, 1.5, 1.5, 1.4, 1.2, 0.9, 0.6, 0.4]  # fmt: skip
SHIFT_SHARE = [0.35] * 8 + [0.6] * 10 + [0.5] * 4 + [0.35] * 2

#: Wubei's incident types; ``rate_per_day`` is per station here (Wubei's rate / 4).
INCIDENT_TYPES: list[dict[str, Any]] = [
    {
        "id": "traffic_accident",
        "rate_per_day": 0.2,
        "hourly_profile": DAY_PROFILE,
        "priority": 1,
        "officers_required": {"dist": "choice", "values": [2, 3, 6], "p": [0.6, 0.3, 0.1]},
        "on_scene_min": {"dist": "lognormal", "mean": 90, "sd": 40},
        "investigation": {"p": 0.1, "work_hours": {"dist": "exponential", "mean": 6}},
    },
    {
        "id": "major_emergency",
        "rate_per_day": 0.0125,
        "priority": 1,
        "officers_required": {"dist": "choice", "values": [8, 10, 12], "p": [0.5, 0.3, 0.2]},
        "on_scene_min": {"dist": "lognormal", "mean": 150, "sd": 60},
        "investigation": {"p": 0.5, "work_hours": {"dist": "exponential", "mean": 12}},
    },
    {
        "id": "dispute",
        "rate_per_day": 0.75,
        "hourly_profile": DAY_PROFILE,
        "priority": 2,
        "officers_required": {"dist": "choice", "values": [1, 2], "p": [0.4, 0.6]},
        "on_scene_min": {"dist": "lognormal", "mean": 50, "sd": 30},
        "investigation": {"p": 0.05, "work_hours": {"dist": "exponential", "mean": 3}},
    },
    {
        "id": "theft",
        "rate_per_day": 0.3,
        "hourly_profile": DAY_PROFILE,
        "priority": 2,
        "officers_required": 1,
        "on_scene_min": {"dist": "lognormal", "mean": 40, "sd": 20},
        "investigation": {"p": 0.5, "work_hours": {"dist": "exponential", "mean": 5}},
    },
    {
        "id": "public_service",
        "rate_per_day": 0.75,
        "hourly_profile": DAY_PROFILE,
        "priority": 3,
        "officers_required": 1,
        "on_scene_min": {"dist": "lognormal", "mean": 30, "sd": 15},
    },
]


def _minutes(a: tuple[float, float], b: tuple[float, float], winding: float) -> float:
    return round(60.0 * winding * math.dist(a, b) / SPEED_KMH, 1)


def _pool_sizes(pools: int, stations: int) -> list[int]:
    """Sizes 3 or 4 adding up to ``stations`` (largest first)."""
    fours = stations - 3 * pools
    if not 0 <= fours <= pools:
        raise ValueError(f"{stations} stations cannot form {pools} joint stations of 3-4")
    return [4] * fours + [3] * (pools - fours)


def _grow_pools(
    neighbours: list[list[int]], sizes: list[int], gen: np.random.Generator
) -> list[list[int]]:
    """Disjoint connected groups of neighbouring stations with the given sizes."""
    n = len(neighbours)
    used = [False] * n
    pools: list[list[int]] = []
    for size in sizes:
        for start in gen.permutation(n).tolist():
            if used[start]:
                continue
            group, queue = [start], deque([start])
            seen = {start}
            while queue and len(group) < size:
                for nb in neighbours[queue.popleft()]:
                    if not used[nb] and nb not in seen and len(group) < size:
                        seen.add(nb)
                        group.append(nb)
                        queue.append(nb)
            if len(group) == size:
                for s in group:
                    used[s] = True
                pools.append(sorted(group))
                break
        else:
            raise ValueError("could not place every joint station on the grid")
    return pools


def generate_city(
    scale: int = 1,
    seed: int = 2022,
    villages_per_station: int = 20,
    horizon_days: float = 365,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (scenario document, node rows, edge rows) of a generated city.

    Parameters
    ----------
    scale
        Copies of the report's city: ``118 * scale`` stations, ``14 * scale``
        joint stations pooling ``46 * scale`` of them.
    seed
        Seed of the generator (also the scenario's simulation seed).
    villages_per_station
        Mean villages per township (each township gets this ±3).
    horizon_days
        The scenario's horizon (warm-up is 14 days, or a tenth of a shorter horizon).

    """
    if scale < 1 or villages_per_station < 4:
        raise ValueError("scale must be >= 1 and villages_per_station >= 4")
    gen = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0xC17,)))
    n = STATIONS * scale
    cols = math.ceil(math.sqrt(n))
    width = len(str(n))
    ids = [f"T{k + 1:0{width}d}" for k in range(n)]
    cells = [(k % cols, k // cols) for k in range(n)]
    jitter = gen.uniform(-3.0, 3.0, size=(n, 2))
    centre = [
        (round(SPACING_KM * c + jitter[k, 0], 2), round(SPACING_KM * r + jitter[k, 1], 2))
        for k, (c, r) in enumerate(cells)
    ]
    officers = gen.integers(6, 11, size=n).tolist()
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for k, sid in enumerate(ids):
        nodes.append({"id": sid, "kind": "station", "x": centre[k][0], "y": centre[k][1]})
    # Trunk roads between grid neighbours.
    index = {cell: k for k, cell in enumerate(cells)}
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for k, (c, r) in enumerate(cells):
        for other in ((c + 1, r), (c, r + 1)):
            j = index.get(other)
            if j is None:
                continue
            neighbours[k].append(j)
            neighbours[j].append(k)
            winding = gen.uniform(1.3, 1.7)
            edges.append(
                {"from": ids[k], "to": ids[j], "minutes": _minutes(centre[k], centre[j], winding)}
            )
    # Villages: a tree of valley roads around each station.
    for k, sid in enumerate(ids):
        m = villages_per_station + int(gen.integers(-3, 4))
        radius = np.sort(gen.uniform(1.0, 6.5, size=m))
        angle = gen.uniform(0.0, 2 * math.pi, size=m)
        weight = np.round(gen.gamma(2.0, 0.5, size=m), 2) + 0.05
        weight[0] = 3.0
        on_road = [(sid, centre[k])]
        for v in range(m):
            vid = f"{sid}-V{v + 1:02d}"
            pos = (
                round(centre[k][0] + radius[v] * math.cos(angle[v]), 2),
                round(centre[k][1] + radius[v] * math.sin(angle[v]), 2),
            )
            near_id, near_pos = min(on_road, key=lambda p: math.dist(p[1], pos))
            nodes.append(
                {"id": vid, "kind": "village", "township": sid, "weight": float(weight[v]),
                 "x": pos[0], "y": pos[1]}  # fmt: skip
            )
            winding = gen.uniform(1.3, 1.7)
            edges.append({"from": near_id, "to": vid, "minutes": _minutes(near_pos, pos, winding)})
            on_road.append((vid, pos))
    stations = [{"id": sid, "node": sid, "officers": officers[k]} for k, sid in enumerate(ids)]
    pools = _grow_pools(
        neighbours, _pool_sizes(JOINT_STATIONS * scale, POOLED_STATIONS * scale), gen
    )
    joint = []
    for p, members in enumerate(pools):
        host = max(members, key=lambda s: (officers[s], -s))
        others = [s for s in members if s != host]
        case = {ids[host]: 2, ids[others[0]]: 1, ids[others[1]]: 1}
        joint.append(
            {
                "id": f"J{p + 1:0{len(str(len(pools)))}d}",
                "host": ids[host],
                "members": [ids[s] for s in members],
                "command_room": {
                    "staff": 2,
                    "drawn_from": {ids[host]: 1, ids[others[-1]]: 1},
                    "handling_min": {"dist": "exponential", "mean": 2},
                },
                "case_team": {
                    "from_stations": case,
                    "assists_emergencies": True,
                    "assist_priority_max": 1,
                },
                "county_after_min": 15,
            }
        )
    incident_types = []
    for t in INCIDENT_TYPES:
        t = dict(t)
        t["rate_per_day"] = round(t["rate_per_day"] * n, 6)
        incident_types.append(t)
    doc: dict[str, Any] = {
        "name": f"Generated rural city x{scale}" if scale > 1 else "Generated rural city",
        "description": (
            f"{n} township stations, {len(pools)} joint stations pooling "
            f"{sum(len(p) for p in pools)} of them, the rest alone; generated by "
            f"sim.city (seed {seed}). Every number is an assumption."
        ),
        "seed": seed,
        "horizon_days": int(horizon_days) if float(horizon_days).is_integer() else horizon_days,
        "warmup_days": min(14, horizon_days / 10),
        "replications": 5,
        "target_response_min": 20,
        "turnout_min": 2,
        "network": {"nodes_csv": "nodes.csv", "edges_csv": "edges.csv"},
        "stations": stations,
        "shifts": {"on_duty_share_by_hour": SHIFT_SHARE},
        "patrol": {"share": 0.8, "position": "demand_weighted"},
        "county": {
            "enabled": True,
            "reinforcement_delay_min": {"dist": "uniform", "low": 30, "high": 70},
            "requests": "partial_shortfall",
        },
        **lone_station_field({"dist": "exponential", "mean": 3}, county_after_min=0),
        **pools_field(joint),
        "incident_types": incident_types,
    }
    return doc, nodes, edges


class _FlowLeaves(yaml.SafeDumper):
    """Dump mappings and lists of scalars on one line each, the rest in block style."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    flow = all(not isinstance(v, (dict, list)) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(not isinstance(v, (dict, list)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowLeaves.add_representer(dict, _represent_dict)
_FlowLeaves.add_representer(list, _represent_list)


def write_city(
    folder: str | Path,
    scale: int = 1,
    seed: int = 2022,
    villages_per_station: int = 20,
    horizon_days: float = 365,
    name: str | None = None,
) -> Path:
    """Write a generated city (scenario YAML, ``nodes.csv``, ``edges.csv``) into ``folder``.

    Returns the scenario file's path (``folder/NAME.yaml``, by default
    ``city.yaml`` or ``city_xK.yaml``).
    """
    doc, nodes, edges = generate_city(scale, seed, villages_per_station, horizon_days)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "nodes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["id", "kind", "township", "weight", "x", "y"], lineterminator="\n")
        w.writeheader()
        w.writerows(nodes)
    with (folder / "edges.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["from", "to", "minutes"], lineterminator="\n")
        w.writeheader()
        w.writerows(edges)
    header = (
        "".join(f"# {line}\n" for line in textwrap.wrap(doc["description"], 90))
        + "# Generated: do not edit by hand; re-run\n"
        f"#   policesim generate-city {folder.as_posix()} --scale {scale} --seed {seed}"
        + (f" --villages {villages_per_station}" if villages_per_station != 20 else "")
        + (f" --days {horizon_days:g}" if horizon_days != 365 else "")
        + "\n# Road graph: nodes.csv and edges.csv beside this file. See sim/city.py for\n"
        "# what is assumed (everything except the counts of stations and joint stations).\n"
    )
    path = folder / (name or ("city.yaml" if scale == 1 else f"city_x{scale}.yaml"))
    text = yaml.dump(doc, Dumper=_FlowLeaves, sort_keys=False, width=100, allow_unicode=True)
    path.write_text(header + text, encoding="utf-8")
    return path


def generate_city_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder for the scenario YAML and its CSVs.")],
    scale: Annotated[
        int, typer.Option(min=1, help="Copies of the report's city (118 stations each).")
    ] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Generator and simulation seed.")] = 2022,
    villages: Annotated[
        int, typer.Option(min=4, help="Mean villages per township (each gets this +-3).")
    ] = 20,
    days: Annotated[float, typer.Option(help="The scenario's horizon_days.")] = 365,
) -> None:
    """Generate a whole rural city scenario (118 x SCALE stations, 14 x SCALE joint stations)."""
    path = write_city(out_dir, scale, seed, villages, days)
    doc, nodes, _ = generate_city(scale, seed, villages, days)
    typer.echo(
        f"wrote {path} ({len(doc['stations'])} stations, {len(pool_blocks(doc))} joint stations, "
        f"{sum(1 for n in nodes if n['kind'] == 'village')} villages; "
        f"network in {path.parent / 'nodes.csv'} and {path.parent / 'edges.csv'})"
    )
