"""Dotted parameter paths such as ``stations.Taoxi.officers``, applied to a raw scenario document.

A path walks the scenario YAML as written: mapping keys by name, list items
by their ``id`` (a joint station without an ``id`` by its ``host``) or by
position (``network.edges[3].minutes``). Examples::

    stations.Taoxi.officers                      an item of a list, by id
    county.reinforcement_delay_min.high          a field inside a distribution
    incident_types.theft.rate_per_day
    pooled.case_team.from_stations.Taoxi         a key of a free-form mapping
    demand_scale                                 a top-level field (default 1)

Every step is checked against the pydantic schema (:class:`sim.scenario.Scenario`)
as well as the document, so a field the file leaves at its default (for
example ``demand_scale``) can still be set, while a misspelt one is refused
at once with a :class:`~sim.errors.ScenarioError` that names the path and
the part that does not exist, and lists what does.

Overrides are applied copy-on-write: every container on the path is copied
before it is changed. ``yaml.safe_load`` gives YAML aliases (``*day_profile``)
as *shared* objects, so changing one in place would silently change every
place that refers to the same anchor.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from ..errors import ScenarioError
from ..scenario import Scenario

#: Keys tried, in order, to match a list item to a path part.
ITEM_KEYS = ("id", "host")

_INDEX = re.compile(r"\[(\d+)\]")
_PART = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")


@dataclass(frozen=True)
class Part:
    """One step of a path: a key or list-item id (``name``), or a list position (``index``)."""

    name: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        return f"[{self.index}]" if self.index is not None else str(self.name)


def parse_path(path: str, source: str = "--set") -> list[Part]:
    """Split ``a.b[2].c`` into parts; raise :class:`ScenarioError` on malformed text."""
    if not isinstance(path, str) or not path.strip():
        raise ScenarioError(source, str(path), "empty parameter path")
    parts: list[Part] = []
    for chunk in path.strip().split("."):
        m = _PART.match(chunk)
        if not m:
            raise ScenarioError(
                source,
                path,
                f"malformed parameter path (part {chunk!r}); write names joined by dots, "
                "e.g. stations.Taoxi.officers, with [n] for a list position",
            )
        parts.append(Part(name=m.group(1)))
        parts.extend(Part(index=int(i)) for i in _INDEX.findall(m.group(2)))
    return parts


def _render(parts: list[Part]) -> str:
    return ".".join(str(p) for p in parts).replace(".[", "[")


# --- the schema side: which types may sit at a position ------------------------------------


def _alternatives(tp: Any) -> list[Any]:
    """Flatten ``Annotated``, ``Optional`` and unions into the list of concrete types."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _alternatives(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        return [t for a in get_args(tp) for t in _alternatives(a)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_keys(model: type[BaseModel]) -> dict[str, Any]:
    """YAML key (alias, and name when they differ) -> annotation, for the model's fields."""
    keys: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        keys[info.alias or name] = info.annotation
        keys.setdefault(name, info.annotation)
    return keys


def _narrow_by_tag(models: list[type[BaseModel]], node: Any) -> list[type[BaseModel]]:
    """Keep the union members whose ``dist`` tag matches the document (distributions)."""
    if len(models) < 2 or not isinstance(node, dict) or "dist" not in node:
        return models
    keep = []
    for m in models:
        field = m.model_fields.get("dist")
        if field is None or get_origin(field.annotation) is not Literal:
            continue
        if node["dist"] in get_args(field.annotation):
            keep.append(m)
    return keep or models


def _mapping_child_types(types_here: list[Any], node: Any, key: str) -> list[Any] | None:
    """Types allowed under ``key`` of a mapping whose own types are ``types_here`` (None: none)."""
    found: list[Any] = []
    models = _narrow_by_tag([t for t in types_here if _is_model(t)], node)
    for m in models:
        keys = _model_keys(m)
        if key in keys:
            found.extend(_alternatives(keys[key]))
    for t in types_here:
        if get_origin(t) is dict:
            found.extend(_alternatives(get_args(t)[1]))
    if not found and any(t is Any for t in types_here):
        return [Any]
    return found or None


def _field_names(types_here: list[Any], node: Any) -> list[str]:
    models = _narrow_by_tag([t for t in types_here if _is_model(t)], node)
    names: list[str] = []
    for m in models:
        for name, info in m.model_fields.items():
            key = info.alias or name
            if key not in names:
                names.append(key)
    return names


def _list_item_types(types_here: list[Any]) -> list[Any] | None:
    found = [a for t in types_here if get_origin(t) is list for a in _alternatives(get_args(t)[0])]
    if not found and any(t is Any for t in types_here):
        return [Any]
    return found or None


def _item_label(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for key in ITEM_KEYS:
        if isinstance(item.get(key), str):
            return item[key]
    return None


# --- the walk ------------------------------------------------------------------------------


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
    done: list[Part] = []

    def fail(message: str) -> ScenarioError:
        return ScenarioError(source, path, message)

    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = _render(done) or "the scenario"
        if isinstance(node, dict):
            if part.index is not None:
                raise fail(f"{where} is a mapping, not a list: [{part.index}] does not exist")
            child_types = _mapping_child_types(types_here, node, part.name)
            if child_types is None:
                names = _field_names(types_here, node)
                known = f" (its fields: {', '.join(names)})" if names else ""
                raise fail(f"{part.name!r} is not a field of {where}{known}")
            if last:
                node[part.name] = copy.deepcopy(value)
                break
            child = node.get(part.name)
            if child is None:
                # Absent (or null) in the file: create it as a mapping if the schema allows one.
                nxt = parts[i + 1]
                mappable = any(_is_model(t) or get_origin(t) is dict for t in child_types)
                if nxt.index is not None or not mappable:
                    here = _render([*done, part])
                    raise fail(
                        f"{here} is not in the scenario, so {nxt} cannot be found inside it; "
                        f"set {here} as a whole instead"
                    )
                child = {}
            else:
                child = copy.copy(child)
            node[part.name] = child
        elif isinstance(node, list):
            item_types = _list_item_types(types_here) or [Any]
            if part.index is not None:
                if not 0 <= part.index < len(node):
                    raise fail(f"{where} has {len(node)} items, so [{part.index}] does not exist")
                pos = part.index
            else:
                labels = [_item_label(item) for item in node]
                if part.name not in labels:
                    shown = [lab for lab in labels if lab is not None]
                    hint = (
                        f" (ids: {', '.join(shown)})"
                        if shown
                        else f" (its items have no id: use a position [0]..[{len(node) - 1}])"
                    )
                    raise fail(f"{where} has no item with id {part.name!r}{hint}")
                pos = labels.index(part.name)
            child_types = item_types
            if last:
                node[pos] = copy.deepcopy(value)
                break
            child = copy.copy(node[pos])
            node[pos] = child
        else:
            raise fail(
                f"{where} is a single value ({node!r}), so {part} cannot be found inside it; "
                f"set {where} as a whole instead"
            )
        done.append(part)
        node = child
        types_here = child_types
    return root


def overlapping(paths: list[str]) -> tuple[str, str] | None:
    """Return two paths of which one contains the other (their order would matter), or None."""
    parsed = [(p, [str(x) for x in parse_path(p)]) for p in paths]
    for i, (a, pa) in enumerate(parsed):
        for b, pb in parsed[i + 1 :]:
            n = min(len(pa), len(pb))
            if pa[:n] == pb[:n]:
                return a, b
    return None
