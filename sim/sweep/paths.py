"""Dotted parameter paths such as ``stations.Taoxi.officers``, applied to a raw scenario document.

A path walks the scenario YAML as written (docs/sweeps.md lists examples):
mapping keys by name, list items by their ``id`` (a joint station without an
``id`` by its ``host``) or by position (``network.edges[3].minutes``). Each
step is checked against the pydantic schema (:class:`sim.scenario.Scenario`)
as well as the document, so a field the file leaves at its default (such as
``demand_scale``) can be set, while a misspelt one is refused with a
:class:`~sim.errors.ScenarioError` that names the part that does not exist
and lists what does.

Overrides are applied copy-on-write: ``yaml.safe_load`` gives YAML aliases
(``*day_profile``) as *shared* objects, so changing one in place would
silently change every place that refers to the same anchor.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from ..errors import ScenarioError
from ..loader import parse_field, readable_path
from ..scenario import Scenario

#: Keys tried, in order, to match a list item to a path part.
ITEM_KEYS = ("id", "host")

#: One dot-separated part of a path: a name, then any ``[n]`` list positions.
_PART = re.compile(r"[^.\[\]]+(\[\d+\])*")


def parse_path(path: str, source: str = "--set") -> list[str | int]:
    """Split ``a.b[2].c`` into ``['a', 'b', 2, 'c']``; raise :class:`ScenarioError` if malformed."""
    if not isinstance(path, str) or not path.strip():
        raise ScenarioError(source, str(path), "empty parameter path")
    for chunk in path.strip().split("."):
        if not _PART.fullmatch(chunk):
            raise ScenarioError(
                source,
                path,
                f"malformed parameter path (part {chunk!r}); write names joined by dots, "
                "e.g. stations.Taoxi.officers, with [n] for a list position",
            )
    return parse_field(path.strip())


def _render(parts: list[str | int]) -> str:
    """``['a', 2, 'b']`` as ``a[2].b`` (nothing: "the scenario")."""
    return readable_path(parts, None) or "the scenario"


def _flat(tp: Any) -> list[Any]:
    """Flatten ``Annotated``, ``Optional`` and unions into the list of concrete types."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _flat(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return [t for a in get_args(tp) for t in _flat(a)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _fields(tp: Any) -> dict[str, Any]:
    """YAML key (alias, and name when they differ) -> annotation, for a model's fields."""
    keys: dict[str, Any] = {}
    for name, info in tp.model_fields.items():
        keys[info.alias or name] = info.annotation
        keys.setdefault(name, info.annotation)
    return keys


def _narrow(types_here: list[Any], node: Any) -> list[Any]:
    """Of several models (distributions), keep those whose ``dist`` tag the document names."""
    models = [t for t in types_here if _is_model(t)]
    if len(models) < 2 or not isinstance(node, dict) or "dist" not in node:
        return types_here
    tagged = [m for m in models if node["dist"] in get_args(_fields(m).get("dist"))]
    return [t for t in types_here if t in tagged or not _is_model(t)] if tagged else types_here


def _inside(types_here: list[Any], node: Any, key: str | None) -> list[Any]:
    """Types allowed under ``key`` of a mapping, or (``key`` None) for an item of a list."""
    found: list[Any] = []
    for t in _narrow(types_here, node):
        if key is None and get_origin(t) is list:
            found += _flat(get_args(t)[0])
        elif key is not None and get_origin(t) is dict:
            found += _flat(get_args(t)[1])
        elif key is not None and _is_model(t) and key in _fields(t):
            found += _flat(_fields(t)[key])
    return found or ([Any] if Any in types_here else [])


def _position(node: list, part: str | int, where: str) -> int | str:
    """The position of ``part`` in a list (by ``[n]`` or item id), or a message why not."""
    if isinstance(part, int):
        ok = 0 <= part < len(node)
        return part if ok else f"{where} has {len(node)} items, so [{part}] does not exist"
    labels = [
        next((item[k] for k in ITEM_KEYS if isinstance(item.get(k), str)), None)
        if isinstance(item, dict)
        else None
        for item in node
    ]
    if part in labels:
        return labels.index(part)
    shown = [lab for lab in labels if lab is not None]
    if shown:
        return f"{where} has no item with id {part!r} (ids: {', '.join(shown)})"
    return (
        f"{where} has no item with id {part!r} "
        f"(its items have no id: use a position [0]..[{len(node) - 1}])"
    )


def set_path(doc: dict, path: str, value: Any, source: str = "--set") -> dict:
    """Return a copy of ``doc`` with the field at ``path`` set to ``value``.

    Only the containers on the path are copied (copy-on-write), so the
    original document and any shared (YAML-alias) objects stay unchanged.
    Raises :class:`ScenarioError` naming the path and the first part that does
    not exist in the document or the schema.
    """
    parts = parse_path(path, source)
    root = dict(doc)
    node: Any = root
    types_here: list[Any] = [Scenario]
    for i, part in enumerate(parts):
        where = _render(parts[:i])
        if isinstance(node, dict) and isinstance(part, str):
            key: int | str = part
            child_types = _inside(types_here, node, part)
            if not child_types:
                models = [t for t in _narrow(types_here, node) if _is_model(t)]
                names = list(
                    dict.fromkeys(i.alias or n for m in models for n, i in m.model_fields.items())
                )
                known = f" (its fields: {', '.join(names)})" if names else ""
                raise ScenarioError(source, path, f"{part!r} is not a field of {where}{known}")
        elif isinstance(node, dict):
            message = f"{where} is a mapping, not a list: [{part}] does not exist"
            raise ScenarioError(source, path, message)
        elif isinstance(node, list):
            key = _position(node, part, where)
            if isinstance(key, str):
                raise ScenarioError(source, path, key)
            child_types = _inside(types_here, node, None) or [Any]
        else:
            raise ScenarioError(
                source,
                path,
                f"{where} is a single value ({node!r}), so {_render([part])} cannot be found "
                "inside it; "
                f"set {where} as a whole instead",
            )
        if i == len(parts) - 1:
            node[key] = copy.deepcopy(value)
            break
        child = node[key] if isinstance(node, list) else node.get(key)
        if child is None and isinstance(node, dict):
            # Absent (or null) in the file: create it as a mapping if the schema allows one.
            mappable = any(_is_model(t) or get_origin(t) is dict for t in child_types)
            if isinstance(parts[i + 1], int) or not mappable:
                here, inner = _render(parts[: i + 1]), _render(parts[i + 1 : i + 2])
                raise ScenarioError(
                    source,
                    path,
                    f"{here} is not in the scenario, so {inner} cannot be found inside it; "
                    f"set {here} as a whole instead",
                )
            child = {}
        child = copy.copy(child)
        node[key] = child
        node, types_here = child, child_types
    return root


def overlapping(paths: list[str]) -> tuple[str, str] | None:
    """Return two paths of which one contains the other (their order would matter), or None."""
    parsed = [(p, parse_path(p)) for p in paths]
    for i, (a, pa) in enumerate(parsed):
        for b, pb in parsed[i + 1 :]:
            n = min(len(pa), len(pb))
            if pa[:n] == pb[:n]:
                return a, b
    return None
