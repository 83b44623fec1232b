"""The road map of a run: stations, villages sized by demand, roads shaded by travel time.

Positions come from the node coordinates ``x``, ``y`` of the resolved
scenario's network when every node has them; from ``lat``/``lon`` (degrees)
projected to km east and north of the nodes' mean, equirectangular scaled by
the cosine of the mean latitude (:func:`sim.geo.project_km`: true to about 1%
over a county), when every node has those; otherwise from a networkx spring
layout with a fixed seed (nodes that do have x/y stay where they are), so the
same scenario always gives the same map.

For each model whose records show cross-township work (community officers
sent to calls outside their own station's township: in the shipped models only
the pooled one), the map shows, per member station of a joint station:

* **helped**: the share of its township's calls that officers of *other*
  member stations attended (exact, from ``n_other`` of the incident records);
* **works elsewhere**: the share of its own community officers' call
  attendances that lay outside its township (exact, from the home station of
  each officer in ``dispatches.parquet``).

With several such models each station's label has one line per model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis import cross_township_models, cross_township_work
from ..geo import project_km
from .common import pct, source_note, title
from .style import GREY, MODEL_STYLE, context, new_figure, no_data

if TYPE_CHECKING:
    from .data import RunData

#: Seed of the fallback layout (maps of one scenario never move between runs).
LAYOUT_SEED = 20221201
#: Most edges whose minutes are written on the map, and most stations labelled in full.
MAX_EDGE_LABELS = 60
MAX_STATION_LABELS = 20
#: Most junctions drawn as markers (an OpenStreetMap network has thousands: roads only).
MAX_JUNCTION_MARKERS = 200
#: Light township colours (villages), repeated when there are more townships.
TOWNSHIP_COLOURS = (
    "#F4C27A", "#9ECAE1", "#A1D99B", "#D4B9DA", "#FDD0A2", "#C7E9C0", "#BCBDDC", "#FCBBA1",
    "#D9D9D9", "#FFF2AE", "#B3E2CD", "#F1E2CC",
)
#: Longer roads darker (monotonic in greyscale); the palest tenth of viridis is left out
#: so that short roads stay visible on white.
EDGE_CMAP = ListedColormap(colormaps["viridis_r"](np.linspace(0.12, 1.0, 256)), "roads")


def positions(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Node id -> (x, y): the scenario's coordinates (lat/lon projected), else a spring layout."""
    if _has_lat_lon(graph):
        ids = list(graph.nodes)
        x, y, _ = project_km(
            (graph.nodes[n]["lat"] for n in ids), (graph.nodes[n]["lon"] for n in ids)
        )
        return {n: (float(a), float(b)) for n, a, b in zip(ids, x, y)}
    known = {
        n: (float(a["x"]), float(a["y"]))
        for n, a in graph.nodes(data=True)
        if a.get("x") is not None and a.get("y") is not None
    }
    if len(known) == graph.number_of_nodes():
        return known
    g = graph.copy()
    for _, _, a in g.edges(data=True):
        a["strength"] = 1.0 / max(float(a.get("minutes", 1.0)), 0.1)
    pos = nx.spring_layout(
        g, pos=known or None, fixed=list(known) or None, weight="strength", seed=LAYOUT_SEED
    )
    return {n: (float(p[0]), float(p[1])) for n, p in pos.items()}


def network_map(run: RunData) -> Figure:
    """Draw the road network; under pooling, each member station's cross-township work."""
    sc = run.loaded.scenario
    graph = run.loaded.network.graph
    with context():
        fig, ax = new_figure("square")
        many = len(sc.pools) > 1
        title(fig, "Road network and cross-township work under the joint station"
              + ("s" if many else ""))
        if graph.number_of_nodes() == 0:
            no_data(ax, "the scenario has no road network")
            return fig
        pos = positions(graph)
        _draw_edges(fig, ax, graph, pos)
        station_nodes = {s.node: s.id for s in sc.stations}
        towns = [s.id for s in sc.stations]
        colour = {t: TOWNSHIP_COLOURS[i % len(TOWNSHIP_COLOURS)] for i, t in enumerate(towns)}
        _draw_villages(ax, graph, pos, colour, len(towns) <= MAX_STATION_LABELS)
        junctions = [n for n, a in graph.nodes(data=True) if a.get("kind") == "junction"]
        if 0 < len(junctions) <= MAX_JUNCTION_MARKERS:
            ax.scatter(
                [pos[n][0] for n in junctions], [pos[n][1] for n in junctions], s=14,
                marker="o", facecolor="white", edgecolor=GREY, zorder=3,
            )
        models = cross_township_models(run)
        work = {m: cross_township_work(run, m) for m in models}
        _draw_stations(fig, ax, run, pos, station_nodes, work)
        ax.set_aspect("equal", adjustable="datalim")
        ax.margins(0.08)
        if _has_lat_lon(graph):
            lats = [a["lat"] for _, a in graph.nodes(data=True)]
            mean_lat = sum(lats) / len(lats)
            ax.set_xlabel(f"km east (lat/lon, equirectangular at {mean_lat:.2f}° latitude)")
            ax.set_ylabel("km north")
        elif _has_coordinates(graph):
            ax.set_xlabel("east-west position (scenario x coordinate)")
            ax.set_ylabel("north-south position (scenario y coordinate)")
        else:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("schematic layout (the scenario gives no coordinates)")
        ax.grid(False)
        names = " and ".join(MODEL_STYLE[m]["short"] for m in models) or "no model"
        note = (
            "helped: share of the township's calls attended by officers of other member "
            f"stations ({names}). works elsewhere: share of the station's community officers' "
            "call attendances outside its township (from the dispatch records)."
            if len(station_nodes) <= MAX_STATION_LABELS
            else "Shading: share of a member station's community officers' call attendances "
            f"outside its township under {_shading_model(models)} (from the dispatch records); "
            "black squares: stations in no joint station."
        )
        source_note(fig, f"policesim simulation. {run.subtitle()}.\n{note}")
    return fig


def _shading_model(models: list[str]) -> str:
    """How the crowded map's note names the model its shading shows (the first of ``models``)."""
    if not models:
        return "no model (none worked across townships)"
    return "pooling" if len(models) == 1 else f"the {MODEL_STYLE[models[0]]['short']} model"


def _has_lat_lon(graph: nx.Graph) -> bool:
    return all(a.get("lat") is not None for _, a in graph.nodes(data=True))


def _has_coordinates(graph: nx.Graph) -> bool:
    return all(a.get("x") is not None and a.get("y") is not None for _, a in graph.nodes(data=True))


def _draw_edges(fig: Figure, ax, graph: nx.Graph, pos: dict) -> None:
    edges = list(graph.edges(data="minutes"))
    if not edges:
        return
    mins = np.array([float(m) for *_, m in edges])
    norm = Normalize(vmin=0, vmax=max(float(mins.max()), 1.0))
    segs = [[pos[u], pos[v]] for u, v, _ in edges]
    lines = LineCollection(segs, cmap=EDGE_CMAP, norm=norm, linewidths=2.4, zorder=1)
    lines.set_array(mins)
    ax.add_collection(lines)
    cbar = fig.colorbar(lines, ax=ax, shrink=0.6, pad=0.02)
    cbar.set_label("road travel time (min)")
    if len(edges) <= MAX_EDGE_LABELS:
        for (u, v, m), _ in zip(edges, segs):
            (x0, y0), (x1, y1) = pos[u], pos[v]
            ax.text(
                (x0 + x1) / 2, (y0 + y1) / 2, f"{float(m):g}", fontsize=7, ha="center",
                va="center", zorder=2, color="#222222",
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            )


def _draw_villages(ax, graph: nx.Graph, pos: dict, colour: dict, legend: bool) -> None:
    villages = [(n, a) for n, a in graph.nodes(data=True) if a.get("kind", "village") == "village"]
    if not villages:
        return
    weights = np.array([float(a.get("weight", 1.0)) for _, a in villages])
    top = max(float(weights.max()), 1e-9)
    shrink = min(1.0, math.sqrt(40 / len(villages)))  # crowded maps get smaller dots

    def size(w: float | np.ndarray) -> float | np.ndarray:
        return shrink * (30 + 320 * w / top)

    sizes = size(weights)
    ax.scatter(
        [pos[n][0] for n, _ in villages], [pos[n][1] for n, _ in villages], s=sizes,
        c=[colour.get(a.get("township"), "#DDDDDD") for _, a in villages],
        edgecolors="#333333", linewidths=0.7, zorder=3,
    )
    handles = [
        Line2D([], [], linestyle="none", marker="o", markersize=math.sqrt(size(w)),
               markerfacecolor="white", markeredgecolor="#333333",
               label=f"village, demand weight {w:g}")
        for w in _nice_weights(top)
    ]
    handles.append(Line2D([], [], linestyle="none", marker="s", markersize=10, color="black",
                          label="township station"))
    handles.append(Line2D([], [], linestyle="none", marker="*", markersize=16, color="black",
                          label="host of a joint station"))
    if legend:
        handles += [
            Line2D([], [], linestyle="none", marker="o", markersize=8, markerfacecolor=c,
                   markeredgecolor="#333333", label=f"{t} township")
            for t, c in colour.items()
        ]
    if legend:
        ax.legend(handles=handles, loc="upper left", fontsize=7.5, labelspacing=0.9,
                  borderpad=0.7, ncol=1 if len(handles) <= 9 else 2)
    else:  # a crowded map: the legend goes under it
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3,
                  fontsize=7.5, frameon=False)


def _nice_weights(top: float) -> list[float]:
    cands = [top / 4, top / 2, top]
    return [float(f"{w:.2g}") for w in cands]


def _work_lines(sid: str, work: dict[str, pd.DataFrame]) -> str:
    """A station label's lines on cross-township work: one model plain, several by name."""
    out = ""
    for model, table in work.items():
        rows = table[table["station"] == sid]
        if rows.empty:
            continue
        r = rows.iloc[0]
        if len(work) == 1:
            out += (f"\nworks elsewhere {pct(r['outside_share'])}"
                    f"\nhelped at {pct(r['helped_share'])} of calls")
        else:
            out += (f"\n{MODEL_STYLE[model]['short']}: works elsewhere "
                    f"{pct(r['outside_share'])}, helped at {pct(r['helped_share'])}")
    return out


def _draw_stations(fig: Figure, ax, run: RunData, pos: dict, station_nodes: dict,
                   work: dict[str, pd.DataFrame]) -> None:
    sc = run.loaded.scenario
    hosts = {p.host for p in sc.pools if len(sc.pool_members(p)) > 1}
    first = next(iter(work.values()), pd.DataFrame())  # crowded maps shade by the first model
    by_station = first.set_index("station") if not first.empty else pd.DataFrame()
    few = len(station_nodes) <= MAX_STATION_LABELS
    xs, ys, share = [], [], []
    labels = []
    for node, sid in station_nodes.items():
        x, y = pos[node]
        host = sid in hosts
        xs.append(x)
        ys.append(y)
        share.append(by_station["outside_share"].get(sid, math.nan)
                     if not by_station.empty else math.nan)
        if not few:
            continue
        ax.scatter([x], [y], s=320 if host else 110, marker="*" if host else "s", color="black",
                   edgecolors="white", linewidths=0.8, zorder=5)
        text = sid + (" (host)" if host else "") + _work_lines(sid, work)
        labels.append(
            {
                "text": text, "xy": (x, y), "textcoords": "offset points", "fontsize": 8,
                "zorder": 6, "fontweight": "bold" if host else "normal",
                "bbox": {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#555555",
                         "lw": 0.6, "alpha": 0.92},
            }
        )
    if labels:
        place_labels(fig, ax, labels)
    if not few:
        _shade_stations(fig, ax, np.array(xs), np.array(ys), np.array(share, dtype=float),
                        [sid in hosts for sid in station_nodes.values()])


def _shade_stations(fig: Figure, ax, xs: np.ndarray, ys: np.ndarray, share: np.ndarray,
                    host: list[bool]) -> None:
    """Crowded maps: no labels; joint-station members shaded by their work elsewhere."""
    host_mask = np.array(host, dtype=bool)
    member = ~np.isnan(share)
    alone = ~member
    ax.scatter(xs[alone], ys[alone], s=40, marker="s", color="black", edgecolors="white",
               linewidths=0.6, zorder=5)
    if not member.any():
        return
    cmap = ListedColormap(colormaps["YlOrBr"](np.linspace(0.25, 1.0, 256)), "work")
    vmax = max(5.0, float(np.nanmax(share)) * 100)
    shaded = None
    for mask, marker, size in ((member & ~host_mask, "s", 60), (member & host_mask, "*", 200)):
        if mask.any():
            shaded = ax.scatter(xs[mask], ys[mask], c=share[mask] * 100, cmap=cmap, vmin=0,
                                vmax=vmax, s=size, marker=marker, edgecolors="black",
                                linewidths=0.8, zorder=6)
    cb = fig.colorbar(shaded, ax=ax, shrink=0.6, pad=0.02)
    cb.set_label("joint-station members: est. share of their officers'\n"
                 "call attendances outside their township (%)")


def _candidates() -> list[tuple[tuple[float, float], str, str, float]]:
    """Label offsets (points), alignments and a small cost for distance, nearest first."""
    out = []
    for dist, cost in ((9, 0.0), (26, 1.5), (46, 3.0)):
        for dx, dy in ((1, -1), (1, 1), (-1, -1), (-1, 1), (0, -1), (0, 1), (1, 0), (-1, 0)):
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            step = dist if dx and dy else dist * 1.4
            out.append(((dx * step, dy * step), ha, va, cost))
    return out


_OFFSETS = _candidates()


def place_labels(fig: Figure, ax, labels: list[dict]) -> None:
    """Put each station label where it covers the fewest map features (``ax.annotate`` kwargs).

    Features are node markers, points sampled along the roads, road-minute
    labels, labels already placed and the axes' edge. Greedy, in drawing order;
    deterministic. A label put far from its station gets a leader line.
    """
    fig.canvas.draw()  # run the layout once, so positions on the canvas are final
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    points = []
    for coll in ax.collections:
        offsets = coll.get_offsets()
        if len(offsets):
            points.append(to_px(np.asarray(offsets, dtype=float)))
        if isinstance(coll, LineCollection):
            for seg in coll.get_segments():
                a, b = to_px(np.asarray(seg, dtype=float))
                t = np.linspace(0, 1, 25)[:, None]
                points.append(a + t * (b - a))
    pts = np.vstack(points) if points else np.zeros((0, 2))
    taken = [t.get_window_extent(renderer) for t in ax.texts]
    frame = ax.get_window_extent(renderer)
    for spec in labels:
        kw = dict(spec)
        text, xy = kw.pop("text"), kw.pop("xy")
        probe = ax.annotate(text, xy, xytext=(0, 0), **kw)
        probe.set_in_layout(False)
        best, best_score = _OFFSETS[0], math.inf
        for cand in _OFFSETS:
            offset, ha, va, cost = cand
            probe.set_position(offset)
            probe.set_ha(ha)
            probe.set_va(va)
            box = probe.get_window_extent(renderer).padded(3)
            inside = (
                (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1)
                & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)
            )
            score = float(inside.sum()) + cost
            score += 40.0 * sum(box.overlaps(t) for t in taken)
            if not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)):
                score += 1000.0
            if score < best_score:
                best, best_score = cand, score
        probe.remove()
        offset, ha, va, _ = best
        if max(abs(offset[0]), abs(offset[1])) > 12:  # far from its station: a leader line
            kw["arrowprops"] = {"arrowstyle": "-", "color": "#555555", "lw": 0.7,
                                "shrinkA": 0, "shrinkB": 6}
        placed = ax.annotate(text, xy, xytext=offset, ha=ha, va=va, **kw)
        placed.set_in_layout(False)
        taken.append(placed.get_window_extent(renderer))
