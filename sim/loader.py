"""Read a scenario file into validated objects, or fail with one clear :class:`ScenarioError`.

The flow is: YAML text (``yaml.SafeLoader``: plain data only, no object
construction, no tags such as ``!!python/object``; duplicate keys refused) ->
dict -> :class:`~sim.scenario.Scenario` (pydantic, strict types, unknown keys
refused) -> cross-reference checks -> road network. Top-level keys starting
with ``x-`` are ignored (a home for YAML anchors, as in docker compose).
Nothing in a scenario is ever evaluated as code.

Every failure names the file, the field path (list items by their ``id`` when
they have one, e.g. ``stations.Taoxi.officers``) and the YAML line where the
parser knows it. When several things are wrong, the one highest in the file is
explained and the others are counted, so fixing from the top down works.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ValidationError

from .distributions import DIST_NAMES
from .errors import ScenarioError
from .network import NetworkError, RoadNetwork, build_network, read_network
from .scenario import (
    CrossReferenceError,
    Scenario,
    check_cross_references,
    check_station_nodes,
    loc_to_field,
)

if TYPE_CHECKING:
    from .replay import CallLog


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
    calls
        The historic call log replayed instead of the Poisson stream
        (``incidents: {replay: ...}``, :mod:`sim.replay`), or None.

    """

    scenario: Scenario
    network: RoadNetwork
    source: str
    calls: CallLog | None = None


# --------------------------------------------------------------------------- reading YAML


def read_text(path: Path, what: str, not_utf8_hint: str) -> str:
    """Return the UTF-8 text of the file at ``path`` (a leading BOM dropped).

    Raises :class:`ScenarioError` when it is missing, a folder, unreadable or
    not UTF-8 (with the line of the first bad byte and ``not_utf8_hint``);
    ``what`` names the kind of file in the folder message.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError(path, "", "file not found")
    if path.is_dir():
        raise ScenarioError(path, "", f"is a folder, not a {what}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(path, "", f"is not UTF-8 text ({not_utf8_hint})", line) from None


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Return the parsed document and its node tree (for line numbers).

    An empty file gives ``(None, None)``. Raises :class:`ScenarioError` when the
    file is missing, unreadable, not UTF-8, not valid YAML, uses a YAML tag that
    would build an object, or repeats a key within one mapping.
    """
    text = read_text(path, "scenario file", "save it as UTF-8; is it a YAML file?")
    if _FAST_LOADER is not None and not _LIBYAML_DIFFERS.search(text):
        try:
            return _parse(text, path, _FAST_LOADER)
        except ScenarioError:
            pass  # said below in PyYAML's own words, line and column
    return _parse(text, path, yaml.SafeLoader)


#: libyaml's parser (PyYAML's C extension, when installed): about five times faster than
#: PyYAML's own, with the same nodes, tags, values, lines and columns, except around what
#: :data:`_LIBYAML_DIFFERS` finds (tests/test_yaml_parsers.py compares the two).
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)

#: Where libyaml and PyYAML's parser disagree (libyaml accepts what PyYAML refuses, or puts
#: a node elsewhere): tabs, tags and ``?`` keys, a byte-order mark or a Unicode line break
#: inside the text, a comment right after a block scalar's ``|`` or ``>``, and document
#: markers. Such a text is read by PyYAML's parser only.
_LIBYAML_DIFFERS = re.compile(r"[\t!?\ufeff\x85\u2028\u2029]|[|>][-+0-9]*#|---|\.\.\.")


def _parse(text: str, path: Path, loader_class: type) -> tuple[Any, yaml.Node | None]:
    """:func:`read_yaml`'s parse of ``text`` with ``loader_class``."""
    try:
        loader = loader_class(text)  # PyYAML's own loader refuses control characters here
    except yaml.reader.ReaderError as exc:
        raise _reader_error(path, text, exc) from None
    try:
        tree = loader.get_single_node()
        if tree is None:
            return None, None
        _check_duplicate_keys(tree, path)
        data = loader.construct_document(tree)
        check_number_notation(tree, path, data)
    except yaml.constructor.ConstructorError as exc:
        raise _yaml_error(path, exc, constructing=True) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    except RecursionError:
        raise ScenarioError(path, "", "not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return data, tree


#: What YAML counts as a line break (for the line and column of a character).
_YAML_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _reader_error(path: Path, text: str, exc: yaml.reader.ReaderError) -> ScenarioError:
    """A character YAML does not allow (a control character such as NUL), with its place."""
    lines = _YAML_BREAK.split(text[: exc.position])
    return ScenarioError(
        path,
        "",
        f"not valid YAML (column {len(lines[-1]) + 1}): unacceptable character "
        f"#x{exc.character:04x}: {exc.reason}; remove it",
        len(lines),
    )


def _yaml_error(path: Path, exc: yaml.YAMLError, constructing: bool = False) -> ScenarioError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    if constructing:
        tag = re.search(r"tag '([^']*)'", problem)
        if tag:
            name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
            return ScenarioError(
                path,
                "",
                f"the YAML tag {name!r} is not allowed: a scenario holds plain data "
                "(numbers, text, lists and mappings), never objects or code",
                line,
            )
        return ScenarioError(path, "", f"not valid YAML: {problem}", line)
    context = getattr(exc, "context", None)
    where = f" (column {mark.column + 1})" if mark is not None else ""
    said = f"{context}, {problem}" if context and context not in problem else problem
    start = getattr(exc, "context_mark", None)
    if start is not None and mark is not None and start.line != mark.line:
        said += f" (the block started on line {start.line + 1})"
    message = f"not valid YAML{where}: {said}"
    if "\\t" in problem or "'\t'" in problem:
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        message += " (check this line's indentation, or add a space after a ':')"
    elif "could not find expected ':'" in problem:
        message += " (is a ':' missing, or a quote left open?)"
    return ScenarioError(path, "", message, line)


def _walk(tree: yaml.Node) -> Iterator[tuple[yaml.Node, tuple]]:
    """Every node of ``tree`` once, in document order (an anchor before its aliases).

    Each comes with its place: the keys and item numbers leading to it (a value
    merged in with ``<<`` counts as its mapping's own).
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(tree, ())]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, where
        if isinstance(node, yaml.MappingNode):
            children = [
                (value, (*where, key.value) if _named(key) else where) for key, value in node.value
            ]
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*where, k)) for k, item in enumerate(node.value)]
        else:
            children = []
        stack.extend(reversed(children))


def _named(key: yaml.Node) -> bool:
    """True for a plain key (not a ``<<`` merge or a complex key)."""
    return isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge"


def _check_duplicate_keys(tree: yaml.Node, path: Path) -> None:
    """Refuse a mapping that repeats a key (YAML parsers silently keep the last one)."""
    for node, where in _walk(tree):
        if not isinstance(node, yaml.MappingNode):
            continue
        keys: dict[str, int] = {}
        for key, _ in node.value:
            if not _named(key):
                continue
            if key.value in keys:
                raise ScenarioError(
                    path,
                    loc_to_field((*where, key.value)),
                    f"appears twice in the same block (first on line {keys[key.value]}); "
                    "keep one",
                    key.start_mark.line + 1,
                )
            keys[key.value] = key.start_mark.line + 1


#: Plain scalars YAML 1.1 reads as numbers an analyst would not expect: base 60 (``1:30`` is
#: 90) and octal (``010`` is 8). ``0x``/``0b`` prefixes and ``1_000`` say what they are.
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_OCTAL = re.compile(r"[-+]?0[0-7_]+")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def misread_number(node: yaml.Node) -> str | None:
    """Why a plain scalar's number is not what it looks like (None when it is).

    YAML 1.1 (PyYAML) reads ``1:30`` as 90 (base 60) and ``010`` as 8 (octal),
    silently; a scenario never means either.
    """
    if not isinstance(node, yaml.ScalarNode) or node.style:  # quoted or block: text
        return None
    if node.tag not in _NUMBER_TAGS:
        return None
    text = node.value
    if _SEXAGESIMAL.fullmatch(text):
        got = yaml.safe_load(text)
        return (
            f"{text!r} is read by YAML as {got:g} (a base-60 number: 1:30 means 90); "
            "write the number itself (1 min 30 s is 1.5 minutes), or quote it if it is text"
        )
    digits = text.lstrip("+-").lstrip("0_").replace("_", "")
    if _OCTAL.fullmatch(text) and int(digits or "0") != abs(got := yaml.safe_load(text)):
        return (
            f"{text!r} is read by YAML as {got} (a leading 0 makes an octal number); "
            f"write {digits} without the leading zero, or quote it if it is text"
        )
    return None


def first_misread_number(tree: yaml.Node) -> tuple[yaml.Node, tuple, str] | None:
    """The first value in document order that :func:`misread_number` flags: (node, place, why)."""
    for node, where in _walk(tree):
        problem = misread_number(node)
        if problem:
            return node, where, problem
    return None


def check_number_notation(tree: yaml.Node, path: str | Path, data: Any = None) -> None:
    """Refuse a value YAML reads as a base-60 or octal number (see :func:`misread_number`).

    The first such value in document order is named (field path as in other
    messages when ``data``, the constructed document, is given), with line and column.
    """
    found = first_misread_number(tree)
    if found:
        node, where, problem = found
        mark = node.start_mark
        raise ScenarioError(
            path,
            readable_path(list(where), data),
            f"{problem} (column {mark.column + 1})",
            mark.line + 1,
        )


# --------------------------------------------------------------------------- loading


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
        # The file must be valid as written: an override must not hide a mistake in it.
        try:
            Scenario.model_validate(_without_x_keys(data))
        except ValidationError as exc:
            raise _first_error(exc, _without_x_keys(data), tree, path) from None
        except RecursionError:
            raise ScenarioError(path, "", "the document is nested too deeply") from None
        data = {**data, **overrides}
    try:
        return scenario_from_dict(data, path, tree, allow_outside_paths)
    except ScenarioError as exc:
        given = [k for k in overrides or {} if k in exc.field or k in exc.message]
        if not given:
            raise
        note = ", ".join(f"{k}={overrides[k]!r}" for k in given)  # type: ignore[index]
        raise ScenarioError(
            exc.source, exc.field, f"{exc.message} ({note} was given on the command line)", exc.line
        ) from None


def scenario_from_dict(
    data: Any,
    source: str | Path = "<dict>",
    tree: yaml.Node | None = None,
    allow_outside_paths: bool = False,
) -> LoadedScenario:
    """Validate a scenario document already parsed into Python objects.

    ``source`` is used in error messages and to resolve network files (relative
    to its folder). Raises :class:`ScenarioError`, never anything else, whatever
    ``data`` holds.
    """
    source_path = Path(str(source))
    if data is None:
        raise ScenarioError(source, "", "the file is empty: a scenario is a mapping of fields")
    if not isinstance(data, dict):
        raise ScenarioError(
            source,
            "",
            f"the scenario must be a YAML mapping of fields (name: ..., stations: ...), "
            f"not {_kind(data)}",
            tree.start_mark.line + 1 if tree is not None else None,
        )
    data = _without_x_keys(data)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, data, tree, source) from None
    except RecursionError:
        raise ScenarioError(source, "", "the document is nested too deeply") from None
    if tree is not None:
        check_empty_values(tree, data, source)
    try:
        check_cross_references(sc)
        base = source_path.parent if source_path.suffix else Path.cwd()
        _check_paths_inside(sc, base, allow_outside_paths)
        nodes, edges, notes = read_network(sc.network, base)
        network = build_network(sc, nodes, edges, notes)
        check_station_nodes(sc, {n.id: (n.kind, n.township) for n in nodes})
    except (CrossReferenceError, NetworkError) as exc:
        loc = list(exc.loc) if exc.loc is not None else parse_field(exc.field)
        raise ScenarioError(
            source, readable_path(loc, data), exc.message, line_of(tree, loc, data)
        ) from None

    def at(loc: tuple, message: str) -> ScenarioError:
        return ScenarioError(
            source, readable_path(list(loc), data), message, line_of(tree, list(loc), data)
        )

    calls = None
    if sc.incidents is not None:  # a call log to replay: its reader is imported only then
        from .replay import load_call_log

        calls = load_call_log(sc, network, base, at)
    return LoadedScenario(sc, network, str(source), calls)


def check_empty_values(tree: yaml.Node, data: dict, source: str | Path) -> None:
    """Refuse ``key:`` with nothing after it where the schema took it as "not given".

    An optional block written with nothing after its colon (its lines commented
    out, say, or indented wrongly) would otherwise mean "absent" quietly: no
    ``shifts`` puts every officer on duty round the clock, no ``members`` pools
    every station. ``key: null`` says so on purpose and is accepted. Values a
    command-line override has replaced since (no longer None) are not refused.
    """
    for node, where in _walk(tree):
        top = where[0] if where else ""
        if not isinstance(node, yaml.MappingNode) or str(top).startswith("x-"):
            continue  # inside an x- block at the top: the analyst's own notes
        for key, value in node.value:
            if not _named(key) or (not where and key.value.startswith("x-")):
                continue
            loc = (*where, key.value)
            if _is_empty(value) and _value_at(data, loc) is None:
                raise ScenarioError(
                    source,
                    readable_path(list(loc), data),
                    f"nothing after the colon: give its value, or write '{key.value}: null' "
                    "to leave it out on purpose (then its default applies)",
                    key.start_mark.line + 1,
                )


def _is_empty(node: yaml.Node) -> bool:
    """True for a plain scalar with no text (``key:`` with nothing after it)."""
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == "tag:yaml.org,2002:null"
        and node.value == ""
        and not node.style
    )


def _value_at(data: Any, loc: tuple) -> Any:
    """The value at ``loc`` in the document (None when absent or null)."""
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _without_x_keys(data: dict) -> dict:
    return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}


def _kind(value: Any) -> str:
    if value is None:
        return "empty (nothing after the colon)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a single line of text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _check_paths_inside(sc: Scenario, base: Path, allow_outside: bool) -> None:
    """Refuse data files outside the scenario's folder (symlinks followed) unless allowed."""
    files = [(("network", name), getattr(sc.network, name))
             for name in ("graphml", "edges_csv", "nodes_csv", "osm")]
    files.append((("incidents", "replay"), sc.incidents.replay if sc.incidents else None))
    for where, rel in files:
        if rel is None:
            continue
        if "\x00" in rel:
            raise NetworkError(where, "the file name contains a NUL character")
        if allow_outside:
            continue
        try:
            target = (base / rel).resolve()
            inside = target.is_relative_to(base.resolve())
        except (OSError, RuntimeError) as exc:  # symlink loops
            raise NetworkError(where, f"path {rel!r} cannot be resolved ({exc})") from None
        if not inside:
            raise NetworkError(
                where,
                f"path {rel!r} leads outside the scenario's folder ({base}); "
                "keep data files next to the scenario or pass --allow-outside-paths",
            )


# --------------------------------------------------------------------------- error messages

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxdict = 6
_REPR.maxlevel = 2

#: Branch names pydantic puts in error locations of unions (ours and its own).
_UNION_TAGS = {*DIST_NAMES, "number", "distribution", "pool", "pools"}
_PYDANTIC_TAG = re.compile(
    r"^(function-(after|before|wrap|plain)\[|list\[|dict\[|tagged-union\[|union\[|"
    r"constrained-|json-or-python\[|lax-or-strict\[|nullable\[|default\[)"
)
_TYPE_NAMES = {"int", "float", "str", "bool", "none", "is-instance"}


def _got(value: Any) -> str:
    """A short repr of a bad value (lists and mappings abbreviated, at most ~80 characters)."""
    text = _REPR.repr(value)
    return text if len(text) <= 80 else text[:76] + " ..."


def _first_error(
    exc: ValidationError, data: dict, tree: yaml.Node | None, source: str | Path
) -> ScenarioError:
    """Explain the error highest in the file (pydantic's field order is not the file's)."""
    errors = exc.errors()
    found = []
    for k, err in enumerate(errors):
        loc = _strip_union_tags(list(err["loc"]), data)
        line = line_of(tree, loc, data)
        found.append((line if line is not None else math.inf, k, loc, err))
    found.sort(key=lambda f: (f[0], f[1]))
    chosen = found[0]
    missing = [f for f in found if f[3]["type"] == "missing"]
    if chosen[3]["type"] == "missing":
        # A misspelt field shows up twice: missing under its right name, unknown under
        # the wrong one. The unknown one (with a suggestion) explains both.
        for f in found:
            if f[3]["type"] == "extra_forbidden" and f[2][:-1] == chosen[2][:-1]:
                if _close(str(f[2][-1]), [str(chosen[2][-1])], 0.6):
                    chosen = f
                    break
    line, _, loc, err = chosen
    explained = {tuple(map(str, loc))}
    message = error_message(err, loc)
    if err["type"] == "extra_forbidden" and loc:
        word = str(loc[-1])
        siblings = [str(f[2][-1]) for f in missing if f[2][:-1] == loc[:-1]]
        guess = _close(word, siblings, 0.6)
        if guess:
            explained.add(tuple(map(str, [*loc[:-1], guess])))
        else:
            guess = _close(word, sorted(_known_fields()))
        if guess == word:
            message = f"unknown field: {word!r} is not a field of this block"
        elif guess:
            message = f"unknown field (did you mean {guess!r}?)"
    others = len({tuple(map(str, f[2])) for f in found} - explained)
    if others:
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    return ScenarioError(
        source, readable_path(loc, data), message, None if line == math.inf else int(line)
    )


def _close(word: str, candidates: list[str], cutoff: float = 0.75) -> str | None:
    """The candidate ``word`` is most likely a misspelling of, if any."""
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return match[0] if match else None


@functools.lru_cache(maxsize=1)
def _known_fields() -> frozenset[str]:
    """Every field name the scenario schema knows (for "did you mean" suggestions)."""
    from . import distributions, scenario

    names: set[str] = set()
    for module in (scenario, distributions):
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, BaseModel):
                for name, info in obj.model_fields.items():
                    names.add(info.alias or name)
    return frozenset(names)


def error_message(err: dict, loc: list) -> str:
    """An analyst's wording of one pydantic error."""
    kind = err["type"]
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    value = err.get("input")
    field = str(loc[-1]) if loc else ""
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind in ("value_error", "assertion_error"):
        return msg
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", value.get("dist") if isinstance(value, dict) else "")
        expected = err.get("ctx", {}).get("expected_tags", ", ".join(DIST_NAMES))
        return f"unknown distribution {tag!r}; use one of {expected}"
    if kind == "union_tag_not_found":
        return f"a distribution needs a 'dist' key naming one of: {', '.join(DIST_NAMES)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if field.endswith(("_min", "_hours")) and isinstance(value, (int, float)):
            return (
                f"a distribution is needed here, e.g. {{dist: fixed, value: {value}}} "
                f"(got {_got(value)})"
            )
        return f"should be a block of fields (a YAML mapping), not {_kind(value)}"
    if kind == "list_type":
        return f"should be a list (items starting with '-'), not {_kind(value)}"
    if kind == "too_short":
        return f"needs at least {err.get('ctx', {}).get('min_length', 1)} entry (got none)"
    if kind == "finite_number":
        return f"must be a finite number (got {_got(value)})"
    if kind == "recursion_loop":
        return "refers to itself through a YAML anchor/alias loop"
    if kind == "invalid_key":
        return f"field names must be text (got {_got(value)})"
    for pydantic_words, ours in _PLAIN_WORDS:
        msg = msg.replace(pydantic_words, ours)
    hint = ""
    if kind in ("int_type", "float_type", "int_parsing", "float_parsing", "int_from_float"):
        if isinstance(value, str) and _looks_numeric(value):
            hint = "; write numbers without quotes" + (
                " (YAML reads 1e3 as text: write 1000 or 1.0e+3)"
                if re.fullmatch(r"[-+]?\d+[eE][-+]?\d+", value.strip())
                else ""
            )
    elif kind == "string_type" and isinstance(value, (bool, int, float)):
        hint = "; put it in quotes" + (
            " (YAML reads yes/no/on/off as true/false)" if isinstance(value, bool) else ""
        )
    return f"{msg} (got {_got(value)}){hint}"


_PLAIN_WORDS = (
    ("Input should be", "should be"),
    ("a valid integer", "a whole number"),
    ("a valid number", "a number"),
    ("a valid string", "text"),
    ("a valid boolean", "true or false"),
)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _strip_union_tags(loc: list, data: Any = None) -> list:
    """Drop pydantic's union branch names (``PoolSpec``, ``list[...]``, tags) from a path.

    A part is kept when it names something in ``data`` (a key of the mapping or
    an index of the list reached so far), or when it is the last part and not a
    branch name (a missing field). Dict keys such as station ids are therefore
    never mistaken for branch names.
    """
    out = []
    node = data
    for k, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
            continue
        if isinstance(part, str) and (
            part in _UNION_TAGS
            or part in _TYPE_NAMES
            or _PYDANTIC_TAG.match(part)
            or (part[:1].isupper() and "Spec" in part)
        ):
            continue
        if data is None or k == len(loc) - 1:
            out.append(part)
            node = None
        # anything else (a tag we do not know) is dropped
    return out


def readable_path(loc: list, data: Any) -> str:
    """Render a location like ``['stations', 0, 'officers']`` as ``stations.Taoxi.officers``."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            label = item.get("id") if isinstance(item, dict) else None
            parts.append(str(label) if isinstance(label, str) and label else f"[{part}]")
            node = item
        else:
            in_list = isinstance(part, int) and not isinstance(node, dict)
            parts.append(f"[{part}]" if in_list else str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_field(field: str) -> list:
    """Parse ``network.nodes[3].township`` into ``['network', 'nodes', 3, 'township']``."""
    return [int(idx) if idx else name for name, idx in _FIELD_PART.findall(field)]


def line_of(tree: yaml.Node | None, loc: list, data: Any = None) -> int | None:
    """1-based line of the deepest node of ``tree`` along ``loc`` (None when unknown).

    A mapping entry's line is its key's line; a list item's is the item's first line;
    a field missing from a block gets the block's line (none at the top level).
    """
    node = tree
    line = None  # the document itself has no useful line (a missing top-level field)
    for part in loc:
        if node is None:
            break
        child = _child(node, part)
        if child is None:
            break
        line, node = child
    return line


def _child(node: yaml.Node, part: Any) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key.start_mark.line + 1, value
        return None
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, str) and part.startswith("[") and part.endswith("]"):
            part = part[1:-1]
        try:
            item = node.value[int(part)]
        except (ValueError, IndexError, TypeError):
            return None
        return item.start_mark.line + 1, item
    return None
