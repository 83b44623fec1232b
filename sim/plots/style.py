"""One place for how charts look: model colours, line styles, hatches, fonts, sizes, DPI.

Every chart takes the look of each operating model from :data:`MODEL_STYLE`,
which reads it from the model registry (:mod:`sim.models.registry`: each
model's own style, else a fallback palette), so a model is drawn the same way
in every chart of a report. Models differ in three ways, so a chart stays
readable when printed in black and white or read by someone who does not see
colour well: colour (Okabe-Ito), line style and marker, and hatch for filled
areas.

Figures are made with :class:`matplotlib.figure.Figure` on an Agg canvas
(never ``pyplot``), so no screen and no global figure list are ever involved
and the caller's backend (a notebook's inline one, say) is left alone. Sizes
are fixed per kind of chart and the layout engine is ``constrained`` (not
``bbox_inches="tight"``), so a PNG's pixel size is exactly ``FIGSIZE[kind] x
DPI`` whatever the data.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..models import registry
from ..results_io import atomic_write

#: Dots per inch of raster output (PNG): 150 is print quality at the sizes below.
DPI = 150
#: Output formats ``policesim plot`` writes.
FORMATS = ("png", "svg", "pdf")

#: Figure size in inches per kind of chart (width, height).
FIGSIZE: dict[str, tuple[float, float]] = {
    "wide": (9.0, 5.5),
    "tall": (9.0, 7.0),
    "square": (9.0, 9.0),
    "panel": (11.0, 5.0),
}

#: Okabe-Ito colours (safe for colour-blind readers).
ORANGE, BLUE, BLACK, GREY = "#E69F00", "#0072B2", "#000000", "#777777"

#: How a paired difference (``baseline - other``) is drawn: the first model after the
#: baseline's difference exactly so; a later model's in that model's dark edge colour, with
#: its marker and the next of :data:`DIFFERENCE_DASHES` (apart in black-and-white print too).
DIFFERENCE_STYLE: dict[str, Any] = {
    "color": BLACK, "edge": BLACK, "linestyle": ":", "marker": "D", "hatch": "xx",
}
#: Line styles of the paired differences, in the order of their other model.
DIFFERENCE_DASHES: tuple[Any, ...] = (":", (0, (4, 2, 1, 2)), (0, (1, 3)), (0, (7, 2, 1, 2, 1, 2)))


def difference_style(label: str) -> dict[str, Any]:
    """How the paired difference ``label`` (``"<baseline> - <other>"``) is drawn."""
    other = label.split(" - ", 1)[1]
    later = list(registry.names()[1:])
    k = later.index(other) if other in later else len(later)
    look = {"label": f"{label} (paired)", "short": label, **DIFFERENCE_STYLE}
    if k == 0:
        return look
    model = registry.style(other)
    look.update(color=model["edge"], marker=model["marker"],
                linestyle=DIFFERENCE_DASHES[k % len(DIFFERENCE_DASHES)])
    return look


class _ModelStyles(Mapping[str, dict[str, Any]]):
    """Model name (or paired difference label) -> how it is drawn, from the model registry.

    A registered model's own style, the fallback palette for a model without
    one, and :func:`difference_style` for a difference label.
    """

    def __getitem__(self, name: str) -> dict[str, Any]:
        if registry.is_difference(name):
            return difference_style(name)
        return registry.style(name)

    def __iter__(self) -> Iterator[str]:
        return iter(registry.names())

    def __len__(self) -> int:
        return len(registry.names())


#: How each model is drawn, in every chart.
MODEL_STYLE: Mapping[str, dict[str, Any]] = _ModelStyles()


#: The target line (target minutes, zero line of a difference).
TARGET_STYLE: dict[str, Any] = {"color": "#C00000", "linestyle": (0, (6, 2, 1, 2)), "lw": 1.4}

#: Officer states in the time-split chart: (label, colour, hatch), most to least busy.
STATE_STYLE: dict[str, tuple[str, str, str]] = {
    "scene": ("on scene", "#4D4D4D", ""),
    "investigation": ("investigating", "#8C510A", "xx"),
    "travel": ("travelling to calls", "#CC79A7", "//"),
    "return": ("driving back", "#F0C3DD", "\\\\"),
    "duty": ("scheduled duties", "#E5C494", "--"),
    "desk": ("at a desk or the command room", "#8DA0CB", "++"),
    "patrol": ("on patrol", "#A6D8F0", ".."),
    "station": ("idle at station", "#F2F2F2", ""),
}

#: Latin text font: every chart's letters and digits are drawn with it.
LATIN_FONT = "DejaVu Sans"
#: Fonts with Chinese glyphs, in order of preference: the first ones installed become
#: fallbacks of :data:`LATIN_FONT`, so station and village names such as 桃溪 render.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
#: How to get a CJK font where none is installed (said once when a chart needs one).
CJK_INSTALL_HINT = (
    "install a CJK font: pip install 'policesim[cjk]' (Noto Sans CJK from PyPI), "
    "or on Debian/Ubuntu apt-get install fonts-noto-cjk"
)


def _register_packaged_cjk_font() -> None:
    """Add the Noto Sans CJK collection of the optional ``[cjk]`` extra to matplotlib, if any."""
    try:
        import noto_cjk_sans_otc  # the optional extra ``policesim[cjk]``
    except ImportError:
        return
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    if path.is_file() and path not in known:
        font_manager.fontManager.addfont(str(path))


def cjk_fonts() -> list[str]:
    """The :data:`CJK_FONTS` that matplotlib can find on this machine, in order."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in installed]


_register_packaged_cjk_font()


class _CjkRegularWeightIsFine(logging.Filter):
    """Drop matplotlib's warning that a CJK fallback font has no bold face.

    Bold titles that name a township fall back to the CJK font's regular
    weight, which is what they should show; the warning (one per font per
    chart) hid the command's own output. Other font warnings pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            "Failed to find font weight" in message
            and any(name in message for name in CJK_FONTS)
        )


logging.getLogger("matplotlib.font_manager").addFilter(_CjkRegularWeightIsFine())

#: Matplotlib settings for every chart (applied with :func:`context`).
RC: dict[str, Any] = {
    "font.family": [LATIN_FONT, *cjk_fonts()],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.framealpha": 0.92,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "policesim",  # stable element ids: the same data gives the same SVG
    "svg.fonttype": "path",  # text drawn as outlines: the SVG looks the same without the font
    "pdf.fonttype": 42,  # TrueType in PDF, editable in office software
}


@contextlib.contextmanager
def context() -> Iterator[None]:
    """Apply :data:`RC` while a chart is built (leaves the caller's settings alone)."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(kind: str = "wide", **subplots: Any) -> tuple[Figure, Any]:
    """Return a figure of size ``FIGSIZE[kind]`` with constrained layout, and its axes."""
    fig = Figure(figsize=FIGSIZE[kind], dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # the Agg canvas: no screen, no pyplot, no global state
    axes = fig.subplots(**subplots) if subplots else fig.subplots()
    return fig, axes


def pixel_size(kind: str) -> tuple[int, int]:
    """(width, height) in pixels of a PNG of a ``kind`` chart."""
    w, h = FIGSIZE[kind]
    return round(w * DPI), round(h * DPI)


def line_kwargs(model: str, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for ``ax.plot`` of ``model`` (colour, line style, marker, label)."""
    s = MODEL_STYLE[model]
    kw = {
        "color": s["color"],
        "linestyle": s["linestyle"],
        "marker": s["marker"],
        "markeredgecolor": s["edge"],
        "markersize": 6,
        "label": s["label"],
    }
    kw.update(extra)
    return kw


def fill_kwargs(model: str, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for bars and boxes of ``model`` (fill, hatch, edge)."""
    s = MODEL_STYLE[model]
    kw = {"facecolor": s["color"], "hatch": s["hatch"], "edgecolor": s["edge"], "linewidth": 1.0}
    kw.update(extra)
    return kw


def target_line(ax: Any, value: float, label: str, vertical: bool = True) -> None:
    """Draw the target (or zero) line at ``value``."""
    if vertical:
        ax.axvline(value, label=label, **TARGET_STYLE)
    else:
        ax.axhline(value, label=label, **TARGET_STYLE)


def no_data(ax: Any, message: str) -> None:
    """Write ``message`` in the middle of an empty axes."""
    ax.text(
        0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11,
        color=GREY, wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _metadata(fmt: str) -> dict[str, Any]:
    # No dates or software versions in the files: the same results give the same bytes.
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "pdf":
        return {"CreationDate": None, "Creator": None, "Producer": None}
    return {}


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """Render ``fig`` to ``fmt`` (png, svg or pdf) and return the bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    buf = io.BytesIO()
    with context(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=_metadata(fmt))
    _reraise(caught)
    return buf.getvalue()


_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")
_warned_missing_font = False


def _reraise(caught: list[warnings.WarningMessage]) -> None:
    """Pass on the warnings of a render, folding matplotlib's missing-glyph ones into one.

    Without a CJK font every Chinese character of every chart would warn once per
    glyph (about 150 warnings for one report); instead one warning, once per
    process, says how to install a font.
    """
    global _warned_missing_font
    missing = []
    for w in caught:
        m = _MISSING_GLYPH.search(str(w.message))
        if m:
            missing.append(chr(int(m.group(1))))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing and not _warned_missing_font:
        _warned_missing_font = True
        sample = "".join(dict.fromkeys(missing))[:12]
        warnings.warn(
            f"charts contain characters no installed font has ({sample}); they show as empty "
            f"boxes: {CJK_INSTALL_HINT}",
            UserWarning,
            stacklevel=3,
        )


def save_figure(fig: Figure, path: Path, fmt: str = "png") -> Path:
    """Write ``fig`` to ``path`` atomically (a crash never leaves half a chart)."""
    data = figure_bytes(fig, fmt)
    atomic_write(Path(path), lambda p: p.write_bytes(data))
    return Path(path)
