"""The scenario reader's two YAML parsers agree wherever the faster one is used.

:func:`sim.loader.read_yaml` parses with libyaml (PyYAML's C extension) unless
the text holds something :data:`sim.loader._LIBYAML_DIFFERS` finds, and falls
back to PyYAML's own parser whenever libyaml refuses a text, so every YAML
error keeps PyYAML's wording, line and column. For that to be safe, whatever
libyaml accepts must give the very node tree PyYAML's parser gives: the same
kinds, tags, values and start marks (the lines that error messages name; end
marks can differ, and nothing reads them). Checked here on every YAML file in the repository and on
seeded random documents built from YAML's punctuation.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
import yaml

from sim import loader
from sim.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
FAST = loader._FAST_LOADER
pytestmark = pytest.mark.skipif(FAST is None, reason="PyYAML without libyaml")

#: Pieces random documents are made of: YAML's indicators, line breaks of every kind,
#: indentation, scalars that resolve to other types, anchors, tags, non-ASCII text.
# fmt: off
PIECES = [
    *"ab1 :-,[]{}#&*!|>'\"?%@`\n\n  .\\",
    "\r\n", "\r", "\t", "\x85", "\u2028", "\u2029", "\ufeff", "\u00e9", "\u4e2d", "\U0001f600",
    "  ", "- ", ": ", "\n  - ", "\n- ", "\n  ", "k: ", "x-", "0x1", "1e3", "~", "null", "yes",
    "&a ", "*a", "!!str ", "!x ", "---", "...", "%YAML 1.1\n", "|#", "|-\n  ", ">+\n ", "  #",
    "{a: 1}", "[1, 2]", "\\n", "\x00", "\x7f",
]
# fmt: on
DOCUMENTS = 20_000


def _nodes(node: yaml.Node | None) -> list[tuple]:
    """Every node of a tree, depth first: kind, tag, scalar value, start line and column."""
    out: list[tuple] = []
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if id(n) in seen:  # an alias: the same node again
            out.append(("alias",))
            continue
        seen.add(id(n))
        value = n.value if isinstance(n, yaml.ScalarNode) else None
        mark = n.start_mark
        out.append((type(n).__name__, n.tag, value, mark.line, mark.column))
        if isinstance(n, yaml.MappingNode):
            stack.extend(x for pair in reversed(n.value) for x in reversed(pair))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
    return out


def _tree(loader_class: type, text: str) -> list[tuple] | None:
    """The node tree ``loader_class`` makes of ``text`` (None when it refuses the text)."""
    try:
        parser = loader_class(text)
    except yaml.YAMLError:
        return None
    try:
        return _nodes(parser.get_single_node())
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()


def _repository_yaml() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.yaml", "*.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return [ROOT / name for name in listed] or sorted(ROOT.glob("scenarios/**/*.yaml"))


def test_every_yaml_file_here_reads_as_pyyaml_reads_it():
    files = _repository_yaml()
    fast = 0
    for path in files:
        try:
            text = loader.read_text(path, "file", "")
        except ScenarioError:
            continue  # the corpus's not-UTF-8 file
        try:
            expected = loader._parse(text, path, yaml.SafeLoader)
        except ScenarioError as exc:
            with pytest.raises(ScenarioError) as got:
                loader.read_yaml(path)
            assert str(got.value) == str(exc), path
            continue
        data, tree = loader.read_yaml(path)
        assert data == expected[0], path
        assert _nodes(tree) == _nodes(expected[1]), path
        fast += not loader._LIBYAML_DIFFERS.search(text)
    assert fast >= 5  # the shipped scenarios among them take the fast path


def test_libyaml_accepts_only_what_pyyaml_accepts_and_builds_the_same_tree():
    rnd = random.Random(20261129)
    compared = refused = 0
    for _ in range(DOCUMENTS):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 30)))
        if loader._LIBYAML_DIFFERS.search(text):
            continue
        fast = _tree(FAST, text)
        if fast is None:
            refused += 1  # read again by PyYAML's parser: its own error or its own tree
            continue
        assert fast == _tree(yaml.SafeLoader, text), repr(text)
        compared += 1
    assert compared > 1_000 and refused > 100, (compared, refused)
