"""Sweep grids: ``--set PATH=V1,V2`` options and grid YAML files, expanded into points.

A grid is a list of *parameters*, each with the values it takes; the points
are their Cartesian product (the last parameter varies fastest, so point ids
follow the order the parameters are written in). A parameter is either

- a **path** (:mod:`sim.sweep.paths`) with a list of values, each any YAML
  value, including a whole block such as a distribution; or
- a named group of **alternatives**: each alternative has a label and sets
  several paths together (for changes that only make sense jointly, such as
  moving officers from the command room to the case team). Its column in the
  results holds the label.

A grid file (all keys optional except that some parameter must be given)::

    description: free text for the reader
    replications: 8                 # default for --reps
    target: response_p90_min        # metric of the on-screen summary
    fixed:                          # set at every point, not swept (no column)
      horizon_days: 180
    parameters:
      stations.Xiangdian.officers: [4, 6, 8]              # a list
      demand_scale: {start: 1.0, stop: 2.0, step: 0.5}    # a range, stop included
      county.reinforcement_delay_min:                     # whole alternative blocks
        - {dist: uniform, low: 30, high: 70}
        - {dist: uniform, low: 45, high: 90}
    alternatives:
      staffing:                     # the column name; its values are the labels
        as_reported: {}
        bigger_case_team: {pooled.case_team.from_stations.Taoxi: 3,
                           pooled.command_room.staff: 1,
                           pooled.command_room.drawn_from: {Taoxi: 1}}

On the command line the values of ``--set`` are read as a YAML flow sequence,
so ``4`` is an int, ``1.5`` a float, ``true`` a bool and ``{dist: fixed, value:
30}`` a block; commas inside brackets, braces and quotes belong to their value.

Ranges include ``stop`` when it falls on the grid (``{start: 4, stop: 8,
step: 2}`` is 4, 6, 8), because that is how "from 4 to 8 in steps of 2" reads;
they are computed in decimal arithmetic, so 0.1 steps give 0.3, not
0.30000000000000004.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError
from ..loader import read_yaml
from ..metrics import METRICS
from .paths import overlapping, parse_path

#: Columns of ``runs.parquet`` that a parameter name must not take.
RESERVED = ("point", "replication", "model", "seed", "metric", "mean", "ci_low", "ci_high", "n")
#: Fields a sweep sets itself.
NOT_SWEEPABLE = ("replications",)
#: Top-level keys of a grid file.
GRID_KEYS = ("description", "replications", "target", "fixed", "parameters", "alternatives")
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

    @property
    def paths(self) -> list[str]:
        """The scenario paths this parameter changes."""
        if self.settings is None:
            return [self.name]
        return sorted({p for s in self.settings for p in s})

    def overrides(self, k: int) -> dict[str, Any]:
        """The ``{path: value}`` its ``k``-th value applies."""
        if self.settings is None:
            return {self.name: self.values[k]}
        return dict(self.settings[k])

    def describe(self) -> dict[str, Any]:
        """A JSON-able description for the manifest."""
        if self.settings is None:
            return {"path": self.name, "values": list(self.values), "source": self.source}
        return {
            "alternatives": self.name,
            "options": {lab: s for lab, s in zip(self.values, self.settings)},
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
    #: Line in the grid file where each path is written (for error messages).
    lines: dict[str, int | None] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Parameter (column) names in order."""
        return [p.name for p in self.parameters]

    def points(self) -> list[Point]:
        """The Cartesian product of every parameter's values, in order."""
        ranges = [range(len(p.values)) for p in self.parameters]
        out = []
        for i, combo in enumerate(itertools.product(*ranges)):
            values: dict[str, Any] = {}
            overrides: dict[str, Any] = {}
            for p, k in zip(self.parameters, combo):
                values[p.name] = p.values[k]
                overrides.update(p.overrides(k))
            out.append(Point(i, values, overrides))
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
    if isinstance(value, str):
        return value
    return canonical_json(value)


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
    try:
        values = yaml.safe_load(f"[{text}]")
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        if "found ','" in problem:
            raise ScenarioError("--set", path, f"empty value in {text!r}") from None
        raise ScenarioError("--set", path, f"{text!r} is not valid YAML: {problem}") from None
    if text.rstrip().endswith(","):
        raise ScenarioError("--set", path, f"empty value in {text!r}")
    return _checked(Parameter(path, tuple(values), None, "--set"), "--set")


# --- grid files --------------------------------------------------------------------------------


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid YAML file (see the module docstring for its format)."""
    path = Path(path)
    data, tree = read_yaml(path)
    src = str(path)

    def error(field_path: list[Any], message: str) -> ScenarioError:
        name = ".".join(str(p) for p in field_path)
        return ScenarioError(src, name, message, _line(tree, field_path))

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error([], "a grid file must be a YAML mapping (see docs/sweeps.md)")
    for key in data:
        if key not in GRID_KEYS:
            raise error([key], f"unknown key (expected one of: {', '.join(GRID_KEYS)})")
    grid = Grid(file=src, description=str(data.get("description") or ""))
    reps = data.get("replications")
    if reps is not None:
        if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
            raise error(["replications"], f"must be a whole number >= 1 (got {reps!r})")
        grid.replications = reps
    target = data.get("target")
    if target is not None:
        grid.target = check_target(target, src)
    fixed = data.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise error(["fixed"], "must be a mapping of PATH: VALUE")
    for p, v in fixed.items():
        _check_path(str(p), src, ["fixed", p], tree)
        grid.fixed[str(p)] = v
        grid.lines[str(p)] = _line(tree, ["fixed", p])
    params = data.get("parameters") or {}
    if not isinstance(params, dict):
        raise error(
            ["parameters"], "must be a mapping of PATH: [values] or PATH: {start, stop, step}"
        )
    for p, spec in params.items():
        loc = ["parameters", p]
        _check_path(str(p), src, loc, tree)
        grid.lines[str(p)] = _line(tree, loc)
        values = _values_of(spec, lambda m, loc=loc: error(loc, m))
        grid.parameters.append(_checked(Parameter(str(p), values, None, src), src))
    alts = data.get("alternatives") or {}
    if not isinstance(alts, dict):
        raise error(["alternatives"], "must be a mapping of NAME: {LABEL: {PATH: VALUE, ...}}")
    for name, options in alts.items():
        loc = ["alternatives", name]
        if not isinstance(options, dict) or not options:
            raise error(loc, "must be a non-empty mapping of LABEL: {PATH: VALUE, ...}")
        labels, settings = [], []
        for label, sets in options.items():
            if sets is None:
                sets = {}
            if not isinstance(sets, dict):
                raise error(
                    [*loc, label], "must be a mapping of PATH: VALUE (use {} for no change)"
                )
            for p in sets:
                _check_path(str(p), src, [*loc, label, p], tree)
                grid.lines.setdefault(str(p), _line(tree, [*loc, label, p]))
            labels.append(str(label))
            settings.append({str(k): v for k, v in sets.items()})
        group = Parameter(str(name), tuple(labels), tuple(settings), src)
        grid.parameters.append(_checked(group, src))
    return grid


def combine(grid: Grid | None, sets: list[str]) -> Grid:
    """Merge a grid file (may be None) with ``--set`` options, then check the whole grid.

    Grid-file parameters come first, then ``--set`` ones, in the order given.
    """
    grid = grid or Grid()
    for option in sets:
        grid.parameters.append(parse_set(option))
    if not grid.parameters:
        raise ScenarioError(
            "sweep", "", "nothing to sweep: give --set PATH=V1,V2 or a --grid file with parameters"
        )
    names = grid.names
    for name in names:
        if names.count(name) > 1:
            raise ScenarioError("sweep", name, "the same parameter is given twice")
    paths = [p for par in grid.parameters for p in par.paths]
    clash = overlapping([*grid.fixed, *paths]) if len(paths) + len(grid.fixed) > 1 else None
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
    if target not in METRICS:
        raise ScenarioError(
            source, "target", f"{target!r} is not a metric (one of: {', '.join(METRICS)})"
        )
    return str(target)


def range_values(spec: dict[str, Any]) -> list[int | float]:
    """Expand ``{start, stop, step}`` (stop included when on the grid) in decimal arithmetic."""
    keys = ("start", "stop", "step")
    if any(isinstance(spec[k], bool) or not isinstance(spec[k], (int, float)) for k in keys):
        raise ValueError("start, stop and step must be numbers")
    try:
        start, stop, step = (Decimal(str(spec[k])) for k in keys)
    except InvalidOperation as exc:
        raise ValueError(f"start, stop and step must be finite numbers ({exc})") from None
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
    whole = all(isinstance(spec[k], int) for k in ("start", "stop", "step"))
    return [int(start + i * step) if whole else float(start + i * step) for i in range(count)]


def _values_of(spec: Any, error: Any) -> tuple[Any, ...]:
    if isinstance(spec, list):
        if not spec:
            raise error("the list of values is empty")
        return tuple(spec)
    if isinstance(spec, dict):
        if set(spec) == {"start", "stop", "step"}:
            try:
                return tuple(range_values(spec))
            except ValueError as exc:
                raise error(f"bad range: {exc}") from None
        raise error(
            "give a list of values ([a, b, ...], where a value may be a whole block) or a "
            "range {start: A, stop: B, step: S}; a single block must be a list of one"
        )
    return (spec,)


def _checked(param: Parameter, source: str) -> Parameter:
    if param.name in RESERVED or param.name in METRICS:
        raise ScenarioError(source, param.name, "this name is a results column; choose another")
    for p in param.paths:
        head = parse_path(p, source)[0]
        if head.name in NOT_SWEEPABLE:
            raise ScenarioError(source, p, "set the number of replications with --reps instead")
    seen: list[str] = []
    for v in param.values:
        key = canonical_json(v)
        if key in seen:
            raise ScenarioError(source, param.name, f"value {short(v)} is listed twice")
        seen.append(key)
    return param


def _check_path(path: str, source: str, loc: list[Any], tree: yaml.Node | None) -> None:
    try:
        parse_path(path, source)
    except ScenarioError as exc:
        raise ScenarioError(source, exc.field, exc.message, _line(tree, loc)) from None


def _line(tree: yaml.Node | None, loc: list[Any]) -> int | None:
    """1-based line of the deepest mapping key along ``loc`` in the YAML node tree."""
    node, line = tree, None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if key.value == str(part):
                line, node = key.start_mark.line + 1, value
                break
        else:
            break
    return line
