"""The operating models as data: names, fixed random-stream ids, chart styles, the baseline.

Everything downstream of the engine (records, the summary and its paired
differences, the CLI table, charts, the report) asks this module which models
there are, in which order, which one is the baseline every difference is taken
against, and how each is drawn. Adding a model is one module that builds a
:class:`~sim.models.layout.Layout` plus one :func:`register` call (see
docs/CONTRIBUTING.md, "Add an operating model").

A model's random streams are keyed by its :attr:`OperatingModel.stream_id`,
never by its position in the registry, so registering a new model leaves every
other model's numbers unchanged.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..loader import LoadedScenario
    from ..scenario import Scenario
    from .layout import Layout

#: One row of the report's assumptions table about a model's own settings: what it is,
#: its value (a number or a distribution block) and the unit written after it.
Assumption = tuple[str, Any, str]

#: Colours for models registered without a style (Okabe-Ito, after orange and blue).
FALLBACK_PALETTE = (
    ("#009E73", "#00573F", "-.", "^", "\\\\\\"),
    ("#CC79A7", "#7A3F63", (0, (3, 1, 1, 1)), "v", "++"),
    ("#D55E00", "#7A3600", (0, (1, 1)), "P", "oo"),
    ("#56B4E9", "#1F6A94", (0, (5, 1)), "X", "--"),
)


@dataclass(frozen=True)
class OperatingModel:
    """One operating model.

    Attributes
    ----------
    name
        The name in records, tables and files (``isolated``, ``pooled``).
    build
        Turns a loaded scenario into the :class:`Layout` the engine runs.
    stream_id
        Fixed number of the model's own random streams (handling times, patrol
        draws): unique, and never reused for another model.
    label, short
        How charts and tables name the model (long legend text, short tick text).
    style
        Matplotlib look: ``color``, ``edge``, ``linestyle``, ``marker``,
        ``hatch``; empty takes the next colour of :data:`FALLBACK_PALETTE`.
    assumptions
        The model's own scenario settings as report rows (:data:`Assumption`);
        None when it has none beyond what the report shows anyway.

    """

    name: str
    build: Callable[[LoadedScenario], Layout]
    stream_id: int
    label: str = ""
    short: str = ""
    style: dict[str, Any] = field(default_factory=dict)
    assumptions: Callable[[Scenario], Sequence[Assumption]] | None = None

    def __call__(self, loaded: LoadedScenario) -> Layout:
        """Build this model's layout for ``loaded``."""
        return self.build(loaded)


#: Model name -> model, in the order results are reported; the first is the baseline.
MODELS: dict[str, OperatingModel] = {}


def register(model: OperatingModel) -> OperatingModel:
    """Add ``model`` to :data:`MODELS` (after the others); returns it.

    Raises ValueError on a name or stream id already taken, or on a name that
    would be confused with a paired difference (it contains `` - ``).
    """
    if model.name in MODELS:
        raise ValueError(f"operating model {model.name!r} is already registered")
    if " - " in model.name:
        raise ValueError(f"operating model name {model.name!r} must not contain ' - '")
    taken = {m.stream_id: m.name for m in MODELS.values()}
    if model.stream_id in taken:
        raise ValueError(
            f"stream id {model.stream_id} of {model.name!r} is already {taken[model.stream_id]!r}'s"
        )
    MODELS[model.name] = model
    return model


def adopt(models: Iterable[OperatingModel]) -> None:
    """Register here the ``models`` of the process that sent this one work.

    A sweep's worker process imports :mod:`sim` afresh, so it knows only the
    shipped models; the command sends its own (:data:`MODELS` values, in order)
    with each task, and the worker registers those it lacks, so a model
    registered at run time is simulated there too instead of silently missing.
    Raises ValueError when this process holds a different model of one of
    those names (a long-lived worker that served another definition).
    """
    for model in models:
        have = MODELS.get(model.name)
        if have is None:
            register(model)
        elif have != model:
            raise ValueError(
                f"operating model {model.name!r} differs between this worker and the command "
                "that sent the task: restart the workers"
            )


@contextlib.contextmanager
def registered(model: OperatingModel) -> Iterator[OperatingModel]:
    """Register ``model`` for the duration of a ``with`` block (tests, experiments)."""
    register(model)
    try:
        yield model
    finally:
        MODELS.pop(model.name, None)


def names() -> tuple[str, ...]:
    """The registered model names, baseline first."""
    return tuple(MODELS)


def baseline() -> str:
    """The model every paired difference is taken against (the first registered)."""
    return next(iter(MODELS))


def difference(other: str, base: str | None = None) -> str:
    """The label of the paired difference ``base - other`` (base: the baseline)."""
    return f"{base or baseline()} - {other}"


class Reform(NamedTuple):
    """A status quo and the model that replaces it: the change one-change analyses study.

    ``policesim attribute`` explains the paired difference ``before - after``,
    ``policesim design`` ranks pool designs of ``after`` against ``before``, and
    ``policesim staff`` finds the smallest staffing of each. Their results are
    keyed by these two names. Unpacks as ``before, after``. ``before`` is the
    baseline: the summary's paired differences are taken against it.
    """

    before: str
    after: str

    @property
    def difference(self) -> str:
        """The label of the paired difference ``before - after``."""
        return difference(self.after, self.before)


def is_difference(label: str) -> bool:
    """True when ``label`` names a paired difference, not a model."""
    return " - " in str(label)


def label(name: str) -> str:
    """The long name of model ``name`` for legends (its name when unknown)."""
    m = MODELS.get(name)
    return (m.label or m.name) if m else name


def short(name: str) -> str:
    """The short name of model ``name`` for ticks and table headers."""
    m = MODELS.get(name)
    return (m.short or m.name) if m else name


def style(name: str) -> dict[str, Any]:
    """How model ``name`` is drawn: its own style, else the fallback palette.

    Registered models without a style take the palette in registration order;
    unknown names take a colour chosen from the name (stable across runs).
    """
    m = MODELS.get(name)
    if m is not None and m.style:
        return {"label": label(name), "short": short(name), **m.style}
    unstyled = [n for n, x in MODELS.items() if not x.style]
    # a model the registry does not know (a folder written with it registered) gets a
    # colour from its name, so two such models are not drawn alike
    k = unstyled.index(name) if name in unstyled else len(unstyled) + zlib.crc32(name.encode())
    color, edge, linestyle, marker, hatch = FALLBACK_PALETTE[k % len(FALLBACK_PALETTE)]
    return {
        "label": label(name), "short": short(name), "color": color, "edge": edge,
        "linestyle": linestyle, "marker": marker, "hatch": hatch,
    }
