"""Sweep grids: ``--set PATH=V1,V2`` options and grid YAML files, expanded into points.

The formats are documented in docs/sweeps.md. A grid is a list of parameters,
each a path (:mod:`sim.sweep.paths`) with its values, or a named group of
*alternatives* (labels, each setting several paths together); the points are
their Cartesian product, the last parameter varying fastest. A grid file is
validated by the pydantic model :class:`GridFile`, and its errors are worded
and located (file, line, field) by the helpers :mod:`sim.loader` uses for
scenarios. Ranges ``{start, stop, step}`` include ``stop`` when it falls on
the grid and are computed in decimal arithmetic (0.1 steps give 0.3, not
0.30000000000000004).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import ScenarioError
from ..loader import error_message, first_misread_number, line_of, read_yaml
from ..metrics import METRICS
from .paths import overlapping, parse_path

#: Columns of ``runs.parquet`` that a parameter name must not take.
RESERVED = ("point", "replication", "model", "seed", "metric", "mean", "ci_low", "ci_high", "n")
#: Fields a sweep sets itself.
NOT_SWEEPABLE = ("replications",)
MAX_RANGE_VALUES = 10_000


@dataclass(frozen=True)
class Parameter:
    """One swept dimension.

    Attributes
    ----------
    name
        Its column name: the path, or the alternatives group's name.
    values
        The values (for alternatives: the labels).
    settings
        For alternatives only: per label, the ``{path: value}`` it sets.
    source
        Where it was given (``--set`` or the grid file), for messages.

    """

    name: str
    values: tuple[Any, ...]
    settings: tuple[dict[str, Any], ...] | None = None
    source: str = "--set"

    def overrides(self, k: int) -> dict[str, Any]:
        """The ``{path: value}`` its ``k``-th value applies."""
        return {self.name: self.values[k]} if self.settings is None else dict(self.settings[k])

    @property
    def paths(self) -> list[str]:
        """The scenario paths this parameter changes."""
        return sorted({p for k in range(len(self.values)) for p in self.overrides(k)})

    def describe(self) -> dict[str, Any]:
        """A JSON-able description for the manifest."""
        if self.settings is None:
            return {"path": self.name, "values": list(self.values), "source": self.source}
        return {
            "alternatives": self.name,
            "options": dict(zip(self.values, self.settings)),
            "source": self.source,
        }


@dataclass(frozen=True)
class Point:
    """One grid point: its id, its value per parameter, and the overrides those apply."""

    id: int
    values: dict[str, Any]
    overrides: dict[str, Any]

    def label(self) -> str:
        """``name=value, ...`` for messages (blocks as compact JSON)."""
        return ", ".join(f"{k}={short(v)}" for k, v in self.values.items())


@dataclass
class Grid:
    """The parameters, fixed settings and defaults of a sweep."""

    parameters: list[Parameter] = field(default_factory=list)
    fixed: dict[str, Any] = field(default_factory=dict)
    replications: int | None = None
    target: str | None = None
    description: str = ""
    file: str | None = None
    #: Where each path of the grid file is written, ``FILE:LINE``, for error messages.
    where: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Parameter (column) names in order."""
        return [p.name for p in self.parameters]

    def points(self) -> list[Point]:
        """The Cartesian product of every parameter's values, in order."""
        out = []
        for i, ks in enumerate(itertools.product(*(range(len(p.values)) for p in self.parameters))):
            chosen = list(zip(self.parameters, ks))
            overrides = {path: v for p, k in chosen for path, v in p.overrides(k).items()}
            out.append(Point(i, {p.name: p.values[k] for p, k in chosen}, overrides))
        return out

    def describe(self) -> dict[str, Any]:
        """A JSON-able description for the manifest."""
        return {
            "file": self.file,
            "description": self.description,
            "fixed": self.fixed,
            "parameters": [p.describe() for p in self.parameters],
        }


def short(value: Any) -> str:
    """A value as written in a label: scalars as themselves, blocks as compact JSON."""
    return value if isinstance(value, str) else canonical_json(value)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys and whole floats written as ints (``1.0`` -> ``1``).

    Used for hashing points and for block values in result columns, so that
    ``demand_scale=1`` and ``demand_scale=1.0`` are the same point.
    """
    return json.dumps(
        normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def normalise(value: Any) -> Any:
    """Recursively turn whole floats into ints; leave everything else as it is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    return value


# --- --set PATH=V1,V2 ------------------------------------------------------------------------


def parse_set(option: str) -> Parameter:
    """Parse one ``--set PATH=V1,V2,...`` into a :class:`Parameter`.

    The values are read by the YAML parser as one flow sequence (``[V1, V2, ...]``),
    so commas inside brackets, braces and quotes belong to their value.
    """
    if "=" not in option:
        raise ScenarioError(
            "--set", option, "expected PATH=VALUE1,VALUE2,... (e.g. stations.Taoxi.officers=4,6,8)"
        )
    path, _, text = option.partition("=")
    path = path.strip()
    parse_path(path, "--set")
    if not text.strip():
        raise ScenarioError("--set", path, "no values given after '='")
    loader = yaml.SafeLoader(f"[{text}]")
    try:  # yaml.safe_load, keeping the node tree for the number check
        tree = loader.get_single_node()
        values = loader.construct_document(tree)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        if "found ','" in problem:
            raise ScenarioError("--set", path, f"empty value in {text!r}") from None
        raise ScenarioError("--set", path, f"{text!r} is not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    misread = first_misread_number(tree)
    if misread:  # 1:30 or 010: YAML's number is not the one written
        raise ScenarioError("--set", path, misread[2])
    if text.rstrip().endswith(","):
        raise ScenarioError("--set", path, f"empty value in {text!r}")
    return _checked(Parameter(path, tuple(values), None, "--set"), "--set")


# --- grid files --------------------------------------------------------------------------------


def _metric(value: Any) -> str:
    if not isinstance(value, str) or value not in METRICS:
        raise ValueError(f"{value!r} is not a metric (one of: {', '.join(METRICS)})")
    return value


def _values_of(spec: Any) -> tuple[Any, ...]:
    """A parameter's values: a non-empty list, a range, or one scalar."""
    if isinstance(spec, list):
        if not spec:
            raise ValueError("the list of values is empty")
        return tuple(spec)
    if isinstance(spec, dict):
        if set(spec) != {"start", "stop", "step"}:
            raise ValueError(
                "give a list of values ([a, b, ...], where a value may be a whole block) or a "
                "range {start: A, stop: B, step: S}; a single block must be a list of one"
            )
        try:
            return tuple(range_values(spec))
        except ValueError as exc:
            raise ValueError(f"bad range: {exc}") from None
    return (spec,)


def _settings(value: Any) -> dict:
    if not isinstance(value, dict | None):
        raise ValueError("must be a mapping of PATH: VALUE (use {} for no change)")
    return value or {}


#: A mapping key as text (YAML may give ints or bools), as the columns and paths use it.
Key = Annotated[str, BeforeValidator(str)]
#: What one alternative's label sets: ``{PATH: VALUE}``.
Settings = Annotated[dict[Key, Any], BeforeValidator(_settings)]


class GridFile(BaseModel):
    """A grid YAML file as written (docs/sweeps.md); null sections count as absent."""

    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, BeforeValidator(lambda v: str(v or ""))] = ""
    replications: Annotated[int, Field(strict=True, ge=1)] | None = None
    target: Annotated[str, BeforeValidator(_metric)] | None = None
    fixed: dict[Key, Any] | None = None
    parameters: dict[Key, Annotated[tuple[Any, ...], BeforeValidator(_values_of)]] | None = None
    alternatives: dict[Key, Annotated[dict[Key, Settings], Field(min_length=1)]] | None = None


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid YAML file (see the module docstring for its format)."""
    data, tree = read_yaml(Path(path))
    src = str(path)
    if not isinstance(data, dict | None):
        raise ScenarioError(src, "", "a grid file must be a YAML mapping (see docs/sweeps.md)")
    try:
        spec = GridFile.model_validate(data or {})
    except ValidationError as exc:
        raise _explain(exc, tree, src) from None
    fixed, params, alts = spec.fixed or {}, spec.parameters or {}, spec.alternatives or {}
    grid = Grid(
        file=src,
        description=spec.description,
        replications=spec.replications,
        target=spec.target,
        fixed=fixed,
    )
    written = [(["fixed", p], p) for p in fixed]
    written += [(["parameters", p], p) for p in params]
    written += [
        (["alternatives", name, label, p], p)
        for name, options in alts.items()
        for label, sets in options.items()
        for p in sets
    ]
    for loc, p in written:
        line = line_of(tree, loc)
        try:
            parse_path(p, src)
        except ScenarioError as exc:
            raise ScenarioError(src, exc.field, exc.message, line) from None
        grid.where.setdefault(p, f"{src}:{line}" if line else src)
    grid.parameters = [
        _checked(Parameter(p, values, None, src), src) for p, values in params.items()
    ]
    grid.parameters += [
        _checked(Parameter(name, tuple(opts), tuple(opts.values()), src), src)
        for name, opts in alts.items()
    ]
    return grid


def _explain(exc: ValidationError, tree: yaml.Node | None, source: str) -> ScenarioError:
    """The error highest in the file, worded as :mod:`sim.loader` words scenario errors."""
    lines = [line_of(tree, list(e["loc"])) for e in exc.errors()]
    line, err = min(zip(lines, exc.errors()), key=lambda le: le[0] or math.inf)
    loc = list(err["loc"])
    if err["type"] == "extra_forbidden":
        message = f"unknown key (expected one of: {', '.join(GridFile.model_fields)})"
    elif err["type"] == "value_error":
        message = error_message(err, loc)
    else:  # pydantic's own checks: point to the format
        message = f"{error_message(err, loc)} (the grid file format is in docs/sweeps.md)"
    return ScenarioError(source, ".".join(map(str, loc)), message, line)


def combine(grid: Grid | None, sets: list[str]) -> Grid:
    """Merge a grid file (may be None) with ``--set`` options, then check the whole grid.

    Grid-file parameters come first, then ``--set`` ones, in the order given.
    """
    grid = grid or Grid()
    grid.parameters += [parse_set(option) for option in sets]
    if not grid.parameters:
        raise ScenarioError(
            "sweep", "", "nothing to sweep: give --set PATH=V1,V2 or a --grid file with parameters"
        )
    names = grid.names
    for name in names:
        if names.count(name) > 1:
            raise ScenarioError("sweep", name, "the same parameter is given twice")
    clash = overlapping([*grid.fixed, *(p for par in grid.parameters for p in par.paths)])
    if clash:
        a, b = clash
        what = "the same field" if a == b else "overlapping fields"
        raise ScenarioError(
            "sweep",
            a,
            f"{what}: {a!r} and {b!r} are both set (by two parameters, or by fixed and a "
            "parameter), so the result would depend on their order",
        )
    return grid


def check_target(target: Any, source: str) -> str:
    """Return ``target`` if it is a metric name, else raise :class:`ScenarioError`."""
    try:
        return _metric(target)
    except ValueError as exc:
        raise ScenarioError(source, "target", str(exc)) from None


def range_values(spec: dict[str, Any]) -> list[int | float]:
    """Expand ``{start, stop, step}`` (stop included when on the grid) in decimal arithmetic."""
    numbers = [spec[k] for k in ("start", "stop", "step")]
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in numbers):
        raise ValueError("start, stop and step must be numbers")
    start, stop, step = (Decimal(str(x)) for x in numbers)
    if not all(x.is_finite() for x in (start, stop, step)):
        raise ValueError("start, stop and step must be finite numbers")
    if step == 0:
        raise ValueError("step must not be 0")
    if (stop - start) * step < 0:
        raise ValueError(
            f"step {spec['step']} never reaches stop {spec['stop']} from {spec['start']}"
        )
    count = int((stop - start) / step) + 1
    if count > MAX_RANGE_VALUES:
        raise ValueError(f"the range has {count} values (more than {MAX_RANGE_VALUES})")
    kind = int if all(isinstance(x, int) for x in numbers) else float
    return [kind(start + i * step) for i in range(count)]


def _checked(param: Parameter, source: str) -> Parameter:
    if param.name in RESERVED or param.name in METRICS:
        raise ScenarioError(source, param.name, "this name is a results column; choose another")
    for p in param.paths:
        if parse_path(p, source)[0] in NOT_SWEEPABLE:
            raise ScenarioError(source, p, "set the number of replications with --reps instead")
    seen: set[str] = set()
    for v in param.values:
        if canonical_json(v) in seen:
            raise ScenarioError(source, param.name, f"value {short(v)} is listed twice")
        seen.add(canonical_json(v))
    return param
