"""Small helpers shared by the chart modules: ECDF points, titles, source notes, number formats."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .style import GREY

#: Most points an ECDF line is drawn with (quantiles beyond this are thinned evenly).
ECDF_POINTS = 1500


def ecdf(values: np.ndarray, n_total: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, share) of the empirical CDF of ``values`` over ``n_total`` items.

    ``n_total`` may exceed ``len(values)`` (calls nobody reached, investigations
    still open): the curve then tops out below 1, which is the honest picture.
    The curve starts at (0, 0) and is thinned to at most :data:`ECDF_POINTS` steps.
    """
    v = np.sort(np.asarray(values, dtype=float))
    v = v[~np.isnan(v)]
    if n_total <= 0 or len(v) == 0:
        return np.array([0.0]), np.array([0.0])
    share = np.arange(1, len(v) + 1) / n_total
    if len(v) > ECDF_POINTS:
        idx = np.unique(np.linspace(0, len(v) - 1, ECDF_POINTS).round().astype(int))
        v, share = v[idx], share[idx]
    return np.concatenate([[0.0, v[0]], v]), np.concatenate([[0.0, 0.0], share])


def marker_positions(share: np.ndarray, step: float = 0.1) -> list[int]:
    """Indices where an ECDF first reaches 10%, 20%, ... (markers at the same heights per model)."""
    out = []
    for level in np.arange(step, 1.0 + 1e-9, step):
        hit = np.flatnonzero(share >= level - 1e-12)
        if len(hit):
            out.append(int(hit[0]))
    return sorted(set(out))


def title(fig: Figure, text: str) -> None:
    """The chart's title, top left, wrapped to the figure's width."""
    width_chars = int(fig.get_figwidth() * 72 / (13 * 0.64))
    fig.suptitle("\n".join(textwrap.wrap(text, width_chars)), x=0.01, ha="left",
                 multialignment="left")


def source_note(fig: Figure, text: str) -> None:
    """A small note under the chart, wrapped to the figure's width: where the numbers come from."""
    width_chars = int(fig.get_figwidth() * 72 / (8 * 0.56))
    lines = []
    for para in text.split("\n"):
        lines += textwrap.wrap(para, width_chars) or [""]
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=8, color=GREY,
                  multialignment="left")


def pct(value: float, digits: int = 0) -> str:
    """``0.912`` -> ``91%`` (``-`` for NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100 * value:.{digits}f}%"


def minutes(value: float) -> str:
    """``12.345`` -> ``12.3 min`` (``-`` for NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f} min"


def percentile(values: Any, q: float) -> float:
    """The ``q``-th percentile of the non-NaN values (NaN when there are none)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return float(np.percentile(v, q)) if len(v) else math.nan
