"""Read a scenario file into validated objects, or fail with one clear :class:`ScenarioError`.

The flow is: YAML text (``yaml.safe_load``: no object construction) -> dict ->
:class:`~sim.scenario.Scenario` (pydantic) -> cross-reference checks -> road
network. Top-level keys starting with ``x-`` are ignored (a home for YAML
anchors, as in docker compose). Every failure names the file, the field path (list items by their
``id`` when they have one, e.g. ``stations.Taoxi.officers``) and the YAML line
where the parser knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ScenarioError
from .network import NetworkError, RoadNetwork, build_network, read_node_edge_specs
from .scenario import CrossReferenceError, Scenario, check_cross_references


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its road network built.

    Attributes
    ----------
    scenario
        The validated, frozen scenario.
    network
        Places and travel times.
    source
        The file it came from (or a label such as ``<dict>``).

    """

    scenario: Scenario
    network: RoadNetwork
    source: str


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Return the parsed document and its node tree (for line numbers).

    Raises :class:`ScenarioError` when the file is missing or is not valid YAML.
    """
    if not path.is_file():
        raise ScenarioError(path, "", "file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(path, "", f"not valid YAML: {problem}", line) from None
    return data, tree


def load_scenario(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    allow_outside_paths: bool = False,
) -> LoadedScenario:
    """Load, validate and build the scenario in ``path``.

    Parameters
    ----------
    path
        The scenario YAML file.
    overrides
        Top-level fields to replace before validation (e.g. ``{"seed": 7}`` from the CLI).
    allow_outside_paths
        Allow network files outside the scenario's folder (refused by default).

    """
    path = Path(path)
    data, tree = read_yaml(path)
    if overrides and isinstance(data, dict):
        data = {**data, **overrides}
    return scenario_from_dict(data, path, tree, allow_outside_paths)


def scenario_from_dict(
    data: Any,
    source: str | Path = "<dict>",
    tree: yaml.Node | None = None,
    allow_outside_paths: bool = False,
) -> LoadedScenario:
    """Validate a scenario document already parsed into Python objects.

    ``source`` is used in error messages and to resolve network files (relative
    to its folder). Raises :class:`ScenarioError`.
    """
    source_path = Path(str(source))
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "the scenario must be a YAML mapping of fields")
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, data, tree, source) from None
    try:
        check_cross_references(sc)
        base = source_path.parent if source_path.suffix else Path.cwd()
        _check_paths_inside(sc, base, allow_outside_paths)
        nodes, edges = read_node_edge_specs(sc.network, base)
        network = build_network(sc, nodes, edges)
    except (CrossReferenceError, NetworkError) as exc:
        raise ScenarioError(
            source, exc.field, exc.message, _line_of(tree, exc.field.split("."), data)
        ) from None
    return LoadedScenario(sc, network, str(source))


def _check_paths_inside(sc: Scenario, base: Path, allow_outside: bool) -> None:
    for name in ("graphml", "edges_csv", "nodes_csv"):
        rel = getattr(sc.network, name)
        if rel is None or allow_outside:
            continue
        target = (base / rel).resolve()
        if not target.is_relative_to(base.resolve()):
            raise NetworkError(
                f"network.{name}",
                f"path {rel!r} leads outside the scenario's folder; "
                "pass --allow-outside-paths to permit it",
            )


def _first_error(
    exc: ValidationError, data: dict, tree: yaml.Node | None, source: str | Path
) -> ScenarioError:
    """Turn pydantic's first error into a ScenarioError with a readable field path."""
    err = exc.errors()[0]
    loc = _strip_union_tags(list(err["loc"]))
    field = _readable_path(loc, data)
    message = err["msg"]
    if err["type"] == "missing":
        message = "required field is missing"
    elif err["type"] == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif "input" in err and err["type"] not in ("value_error", "assertion_error"):
        message = f"{message} (got {err['input']!r})"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return ScenarioError(source, field, message, _line_of(tree, loc, data))


_UNION_TAGS = {"fixed", "uniform", "exponential", "lognormal", "triangular", "choice"}


def _strip_union_tags(loc: list) -> list:
    """Drop pydantic's union branch names (``PoolSpec``, ``list[...]``, tags) from a path."""
    out = []
    for part in loc:
        if isinstance(part, str) and (
            part in _UNION_TAGS
            or part[:1].isupper()
            or part.startswith(("list[", "function-", "int", "constrained-"))
        ):
            continue
        out.append(part)
    return out


def _readable_path(loc: list, data: Any) -> str:
    """Render a location like ``['stations', 0, 'officers']`` as ``stations.Taoxi.officers``."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            label = item.get("id") if isinstance(item, dict) else None
            parts.append(str(label) if isinstance(label, str) else f"[{part}]")
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


def _line_of(tree: yaml.Node | None, loc: list, data: Any) -> int | None:
    """1-based line of the deepest node of ``tree`` along ``loc`` (None when unknown)."""
    node = tree
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = _child(node, part)
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value
        return None
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, str) and part.startswith("[") and part.endswith("]"):
            part = part[1:-1]
        try:
            return node.value[int(part)]
        except (ValueError, IndexError):
            return None
    return None
