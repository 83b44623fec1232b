"""No source file outside ``sim/models/`` and scenario handling names an operating model (issue 10).

A model's knowledge lives with the model: its builder, its scenario fields
(read and written through ``sim.models``: ``pool_blocks``, ``with_pools``,
``lone_station_rules``...), its report rows (``OperatingModel.assumptions``),
and which pair is the reform (``sim.models.REFORM``). Everything else takes
names from the registry, so adding a model never means editing shared code.

Counted are code tokens from Python's tokenizer (names, strings and f-string
text) containing a registered model's name as a word; comments and docstrings
are prose and are not counted (``/work/tools/model_names.py`` counts the same).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from sim.models import (
    REFORM,
    OperatingModel,
    pool_blocks,
    pools_field,
    registry,
    with_pools,
)

ROOT = Path(__file__).resolve().parent.parent

#: Where a model's name may be written in code: the models themselves (each module
#: names its model, builds its layout and owns its scenario fields), and scenario
#: handling, whose pydantic blocks, cross-reference checks and messages are named
#: after the scenario's own fields (``isolated:``, ``pooled:``).
ALLOWED = ("sim/models/", "sim/scenario.py", "sim/loader.py")

_TEXT = {tokenize.STRING, tokenize.NAME, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def _docstring_lines(tree: ast.Module) -> set[int]:
    """Line numbers of the module's, classes' and functions' docstrings."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):  # fmt: skip
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def model_names_in(source: str, names: tuple[str, ...]) -> int:
    """Code tokens of ``source`` that name one of ``names`` (as a whole word)."""
    word = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    prose = _docstring_lines(ast.parse(source))
    return sum(
        1
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type in _TEXT and tok.start[0] not in prose and word.search(tok.string)
    )


def files_naming_models(root: Path) -> dict[str, int]:
    """``{file: tokens}`` of every ``sim`` source file outside :data:`ALLOWED` naming a model."""
    found = {}
    for path in sorted(root.glob("sim/**/*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(ALLOWED):
            continue
        n = model_names_in(path.read_text(encoding="utf-8"), registry.names())
        if n:
            found[rel] = n
    return found


def test_no_source_file_outside_the_models_names_one():
    assert files_naming_models(ROOT) == {}


def test_the_count_sees_code_and_skips_prose():
    names = ("isolated", "pooled")
    code = (
        '"""Module text: isolated and pooled."""\n'
        "# a comment naming pooled\n"
        "def f(x):\n"
        '    """isolated in a docstring."""\n'
        '    return x["pooled"], x.pooled_split, POOLED_STATIONS\n'  # 1: the string
        "isolated = 1\n"  # 2: a name
        'g = f"{isolated}: x"\n'  # 3: a name inside an f-string
        'h = f"the pooled model"\n'  # 4: f-string text
    )
    assert model_names_in(code, names) == 4


def test_the_allowed_places_exist():
    # a renamed module would otherwise be allowed silently, or its names counted elsewhere
    for place in ALLOWED:
        assert (ROOT / place).exists(), place


# --------------------------------------------------------------------------- what moved


def test_report_rows_of_a_model_come_from_its_assumptions():
    from sim.loader import load_scenario
    from sim.report import assumptions

    loaded = load_scenario(ROOT / "tests" / "bad_scenarios" / "base.yaml")
    extra = OperatingModel(
        "room_rule_model",
        lambda loaded: None,
        stream_id=98,
        assumptions=lambda sc: [("room rule", 2.5, "min")],
    )
    with registry.registered(extra):
        county = dict(assumptions(loaded)["county"])
    assert county["room_rule_model: room rule"] == "2.5 min"
    rules = loaded.scenario.isolated
    assert county[f"{REFORM.before}: county asked after"] == (
        f"{rules.county_after_min:g} min of shortfall"
    )
    assert "room_rule_model: room rule" not in dict(assumptions(loaded)["county"])


def test_the_reform_is_a_registered_model_against_the_baseline():
    # attribute reads the summary's difference REFORM.difference, which exists only
    # when the status quo is the baseline every difference is taken against
    assert REFORM.before == registry.baseline()
    assert REFORM.after in registry.names()
    assert REFORM.difference == registry.difference(REFORM.after)


def test_pool_fields_of_a_document_one_mapping_or_a_list():
    one = {"name": "x", "pooled": {"host": "A"}, "incident_types": []}
    assert pool_blocks(one) == [{"host": "A"}]
    pool_blocks(one)[0]["host"] = "B"  # edited in place
    assert one["pooled"] == {"host": "B"}
    many = with_pools(one, [{"host": "A"}, "not a mapping", {"host": "C"}])
    assert list(many) == ["name", "pooled", "incident_types"]  # same place in the document
    assert one["pooled"] == {"host": "B"}  # a copy
    assert pool_blocks(many) == [{"host": "A"}, {"host": "C"}]
    assert pool_blocks({"name": "x"}) == []
    assert {**{"a": 1}, **pools_field([])} == {"a": 1, "pooled": []}


def test_pool_loc_names_the_item_only_in_a_list():
    from sim.loader import read_yaml, scenario_from_dict

    path = ROOT / "scenarios" / "wubei.yaml"
    doc, _ = read_yaml(path)
    single = scenario_from_dict(doc, path).scenario
    listed = scenario_from_dict(with_pools(doc, pool_blocks(doc)), path).scenario
    assert single.pool_loc(0) == ("pooled",)
    assert listed.pool_loc(0) == ("pooled", 0)
