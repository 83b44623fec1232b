"""A map of a design's joint stations: roads, stations coloured by pool, hosts as stars."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..loader import LoadedScenario  # noqa: E402
from ..plots.road_map import positions  # noqa: E402


def pools_map(loaded: LoadedScenario, best, designs, path: Path) -> None:
    """Draw ``best``'s pools (and, dashed, the scenario's own where given) over the road map."""
    graph = loaded.network.graph
    pos = positions(graph)
    fig, ax = plt.subplots(figsize=(9, 8))
    for u, v in graph.edges():
        (x1, y1), (x2, y2) = pos[u], pos[v]
        ax.plot([x1, x2], [y1, y2], color="#dddddd", lw=0.5, zorder=1)
    node = {s.id: s.node for s in loaded.scenario.stations}
    xs = [pos[n][0] for n in node.values()]
    ys = [pos[n][1] for n in node.values()]
    ax.scatter(xs, ys, s=12, color="#999999", zorder=2, label="station alone")
    cmap = plt.get_cmap("tab20")
    for k, (members, host, _) in enumerate(best.pools):
        colour = cmap(k % 20)
        hx, hy = pos[node[host]]
        for m in members:
            mx, my = pos[node[m]]
            ax.plot([hx, mx], [hy, my], color=colour, lw=2, zorder=3)
            ax.scatter([mx], [my], s=30, color=colour, zorder=4)
        ax.scatter([hx], [hy], s=160, marker="*", color=colour, edgecolor="black", lw=0.5,
                   zorder=5)
    shipped = next((d for d in designs if d.name == "scenario"), None)
    if shipped is not None and shipped is not best:
        for members, host, _ in shipped.pools:
            hx, hy = pos[node[host]]
            for m in members:
                mx, my = pos[node[m]]
                ax.plot([hx, mx], [hy, my], color="black", lw=0.8, ls="--", zorder=3)
        ax.plot([], [], color="black", lw=0.8, ls="--", label="scenario's own pools")
    ax.scatter([], [], s=160, marker="*", color="white", edgecolor="black", label="host")
    ax.set_title(f"{best.name}: {len(best.pools)} joint stations (colours), hosts starred")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
