"""Property: any document is either accepted and simulates, or refused with ScenarioError.

Two sources of documents, each with a fixed, derandomized hypothesis budget:

* **mutated shipped scenarios**: the shipped scenarios (and the bad-input
  corpus's base), shortened to a few days, with one to three random edits:
  drop or rename a key, drop or duplicate a list item, put a value of another
  type or shape in a field, negate, zero or blow up a number, swap two values;
* **generated scenarios**: documents built from strategies that follow the
  schema's shape (stations, villages, roads, pools, incident types,
  distributions) with values drawn both inside and outside their valid ranges.

Every example must either load (``sim.loader.scenario_from_dict``) and then
run one replication of both models (``sim.run_replication``, the horizon
capped at 3 days and the volume at about 20,000 calls so the budget holds) without
an exception, or raise :class:`sim.ScenarioError`. Anything else fails. Each
test prints how many examples it ran, and checks that both outcomes occurred.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ScenarioError, run_replication, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {
    name: ROOT / "scenarios" / name
    for name in ("wubei.yaml", "shanghang_southeast.yaml", "mmc_validation.yaml")
}
SHIPPED["base.yaml"] = ROOT / "tests" / "bad_scenarios" / "base.yaml"
MUTATED_EXAMPLES = 400
GENERATED_EXAMPLES = 400
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
MAX_SIM_DAYS = 3.0
MAX_SIM_CALLS = 20_000


def _short(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc.update(horizon_days=2, warmup_days=0.5, replications=1)
    return doc


DOCS = {
    name: _short(yaml.safe_load(path.read_text(encoding="utf-8")))
    for name, path in SHIPPED.items()
}


def _check(doc: Any, source: Path, stats: Counter) -> None:
    """The property itself: accepted and simulated, or refused with ScenarioError."""
    stats["examples"] += 1
    try:
        loaded = scenario_from_dict(doc, source, None, False)
    except ScenarioError as exc:
        assert str(exc)  # a message an analyst can read
        stats["refused"] += 1
        return
    sc = loaded.scenario
    calls = sum(t.rate_per_day for t in sc.incident_types) * sc.demand_scale
    horizon = min(sc.horizon_days, MAX_SIM_DAYS)
    capped = {
        "horizon_days": horizon,
        "warmup_days": min(sc.warmup_days, horizon / 2),
        "demand_scale": min(sc.demand_scale, sc.demand_scale * MAX_SIM_CALLS / (calls * horizon)),
    }
    if any(getattr(sc, k) != v for k, v in capped.items()):
        # Shorter and lighter is still a valid scenario (and keeps the budget).
        loaded = scenario_from_dict({**doc, **capped}, source, None, False)
    result = run_replication(loaded, 0)
    for model, backlog in result.backlog_at_end.items():
        assert 0 <= backlog, model
    assert set(result.metrics["model"]) == {"isolated", "pooled"}
    stats["accepted"] += 1


def _report(capsys, label: str, stats: Counter) -> None:
    with capsys.disabled():
        print(
            f"\n[hypothesis] {label}: {stats['examples']} examples, "
            f"{stats['accepted']} accepted and simulated, {stats['refused']} refused "
            "with ScenarioError"
        )


# ------------------------------------------------------------------------ mutations

#: Values of the wrong type, shape or range, and of the right one.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-5, 200),
    st.text(max_size=6),
    st.sampled_from(
        ["5", "1e3", "0.5", "Taoxi", "Dahe", "Lanxi", "A", "fixed", "choice", "", "yes", "x-"]
    ),
)
KEYS = st.one_of(
    st.text(min_size=1, max_size=8),
    st.sampled_from(["id", "dist", "mean", "sd", "value", "p", "officers", "x-note", "township"]),
)


def _ok(valid: st.SearchStrategy, bad: st.SearchStrategy, one_in: int = 40) -> st.SearchStrategy:
    """Mostly ``valid``, now and then ``bad`` (so a document has a fair chance to be valid)."""
    return st.integers(1, one_in).flatmap(lambda k: bad if k == one_in else valid)


def _valid_distributions(hi: float = 120.0) -> st.SearchStrategy[dict]:
    pos = st.floats(0.5, hi)
    return st.one_of(
        st.builds(lambda v: {"dist": "fixed", "value": v}, st.floats(0, hi)),
        st.builds(
            lambda a, w: {"dist": "uniform", "low": a, "high": a + w}, st.floats(0, hi), pos
        ),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, pos),
        st.builds(
            lambda m, r: {"dist": "lognormal", "mean": m, "sd": m * r}, pos, st.floats(0.05, 2)
        ),
        st.builds(
            lambda a, f, w: {"dist": "triangular", "low": a, "mode": a + f * w, "high": a + w},
            st.floats(0, hi),
            st.floats(0, 1),
            pos,
        ),
        st.builds(
            lambda v: {"dist": "choice", "values": v},
            st.lists(st.floats(0, hi), min_size=1, max_size=4),
        ),
    )


def _distributions() -> st.SearchStrategy[dict]:
    """Any distribution, its parameters in or out of range (for mutations)."""
    num = st.one_of(st.floats(-2, 150, allow_nan=False), st.integers(-2, 150))
    return st.one_of(
        st.builds(lambda v: {"dist": "fixed", "value": v}, num),
        st.builds(lambda a, b: {"dist": "uniform", "low": a, "high": b}, num, num),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, num),
        st.builds(lambda m, s: {"dist": "lognormal", "mean": m, "sd": s}, num, num),
        st.builds(
            lambda a, m, b: {"dist": "triangular", "low": a, "mode": m, "high": b}, num, num, num
        ),
        st.builds(
            lambda v, p: {"dist": "choice", "values": v, **({"p": p} if p is not None else {})},
            st.lists(st.integers(0, 14) | st.floats(0, 14), min_size=1, max_size=4),
            st.none() | st.lists(st.floats(-0.2, 1.2), min_size=1, max_size=4),
        ),
    )


def _dist(hi: float = 120.0) -> st.SearchStrategy[dict]:
    return _ok(_valid_distributions(hi), _distributions())


VALUES = st.recursive(
    SCALARS | _distributions(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every (container path, key or index) in a document."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out += _paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _mutate(data: st.DataObject, doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        paths = _paths(doc)
        path = data.draw(st.sampled_from(paths), label="path")
        parent, key = _get(doc, path[:-1]), path[-1]
        op = data.draw(
            st.sampled_from(
                ["drop", "rename", "retype", "negate", "zero", "huge", "tiny", "dup", "swap"]
                + ["perturb"] * 6  # a plausible edit an analyst makes: often still valid
            ),
            label="op",
        )
        value = parent[key]
        if op == "drop":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[data.draw(KEYS, label="new key")] = parent.pop(key)
        elif op == "dup" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        elif op == "swap":
            other = data.draw(st.sampled_from(paths), label="other")
            try:
                parent[key] = copy.deepcopy(_get(doc, other))
            except (KeyError, IndexError, TypeError):
                pass
        elif op == "perturb":
            if isinstance(value, bool):
                parent[key] = not value
            elif isinstance(value, int):
                parent[key] = max(0, value + data.draw(st.integers(-2, 2), label="step"))
            elif isinstance(value, float):
                parent[key] = value * data.draw(st.floats(0.5, 2), label="factor")
            elif isinstance(value, dict) and "dist" in value:
                parent[key] = data.draw(_valid_distributions(), label="distribution")
        elif op in ("negate", "zero", "huge", "tiny") and isinstance(value, (int, float)):
            parent[key] = {
                "negate": -value,
                "zero": 0 * value,
                "huge": value * 10**6 + 10**6,
                "tiny": value * 1e-6,
            }[op]
        else:
            parent[key] = data.draw(VALUES, label="value")
    return doc


@given(data=st.data())
def _mutated_property(data: st.DataObject, stats: Counter) -> None:
    name = data.draw(st.sampled_from(sorted(DOCS)), label="scenario")
    _check(_mutate(data, DOCS[name]), SHIPPED[name], stats)


def test_mutated_shipped_scenarios_are_accepted_and_run_or_refused(capsys):
    stats: Counter = Counter()
    settings(SETTINGS, max_examples=MUTATED_EXAMPLES)(_mutated_property)(stats=stats)
    _report(capsys, "mutated shipped scenarios", stats)
    assert stats["examples"] >= MUTATED_EXAMPLES * 0.9
    assert stats["accepted"] >= 10 and stats["refused"] >= 10


# ------------------------------------------------------------------------ generated documents


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    """A document in the schema's shape; each value is now and then out of its valid range."""
    n = draw(st.integers(1, 4))
    ids = ["A", "B", "C", "D"][:n]
    if draw(_ok(st.just(False), st.just(True))):
        ids.append(ids[0])  # a duplicate station id
    unique = list(dict.fromkeys(ids))
    nodes: list[dict] = [{"id": f"{s}-st", "kind": "station"} for s in unique]
    edges: list[dict] = []
    minutes = _ok(st.floats(0, 40) | st.integers(0, 40), st.just(-1))
    for s in unique:
        for v in range(draw(st.integers(0 if s != unique[0] else 1, 3))):
            town = draw(_ok(st.just(s), st.just("Z")))
            weight = draw(_ok(st.floats(0.1, 3), st.just(-0.5)))
            nodes.append({"id": f"{s}-v{v}", "township": town, "weight": weight})
            if draw(_ok(st.just(True), st.just(False))):
                edges.append({"from": f"{s}-st", "to": f"{s}-v{v}", "minutes": draw(minutes)})
        if s != unique[0] and draw(_ok(st.just(True), st.just(False))):
            if draw(st.booleans()):
                edges.append({"from": f"{ids[0]}-st", "to": f"{s}-st", "minutes": draw(minutes)})
            else:
                km = draw(st.floats(0, 30))
                speed = draw(st.none() | _ok(st.floats(5, 80), st.just(0)))
                edge = {"from": f"{ids[0]}-st", "to": f"{s}-st", "km": km}
                edges.append(edge if speed is None else {**edge, "speed_kmh": speed})
    stations = [
        {
            "id": s,
            "node": draw(_ok(st.just(f"{s}-st"), st.just("nowhere"))),
            "officers": draw(_ok(st.integers(3, 12), st.just(0))),
        }
        for s in ids
    ]
    members = draw(st.none() | st.lists(st.sampled_from(unique), min_size=1, unique=True))
    if members is not None and draw(_ok(st.just(False), st.just(True))):
        members.append("Z")
    pool_ids = members if members is not None else unique
    host = draw(_ok(st.sampled_from([m for m in pool_ids if m != "Z"] or ["Z"]), st.just("Z")))
    staff = draw(_ok(st.integers(1, 3), st.just(0)))
    pool: dict[str, Any] = {
        "host": host,
        "command_room": {
            "staff": staff,
            "drawn_from": draw(_ok(st.just({host: 1}) | st.just({}), st.just({"Z": 1}))),
            "handling_min": draw(_dist(5)),
        },
        "county_after_min": draw(_ok(st.floats(0, 60), st.just(-1))),
    }
    if members is not None:
        pool["members"] = members
    if draw(st.booleans()):
        pool["case_team"] = {
            "from_stations": draw(_ok(st.just({host: 2}) | st.just({}), st.just({host: 99}))),
            "assists_emergencies": draw(st.booleans()),
            "assist_priority_max": draw(_ok(st.integers(1, 3), st.just(0))),
        }
    types = []
    for k in range(draw(st.integers(1, 3))):
        need = st.integers(1, 3) | st.builds(
            lambda v: {"dist": "choice", "values": v}, st.lists(st.integers(1, 6), min_size=1)
        )
        t: dict[str, Any] = {
            "id": draw(_ok(st.just(f"t{k}"), st.just("t0"))),
            "rate_per_day": draw(_ok(st.floats(0.1, 40), st.just(0))),
            "priority": draw(_ok(st.integers(1, 3), st.just(0))),
            "officers_required": draw(_ok(need, st.just(0) | _distributions())),
            "on_scene_min": draw(_dist()),
        }
        if draw(st.booleans()):
            p = draw(_ok(st.floats(0, 1), st.just(1.1)))
            t["investigation"] = {"p": p, "work_hours": draw(_dist(12))}
        if draw(st.integers(0, 4)) == 0:
            size = draw(_ok(st.just(24), st.just(23)))
            profile = draw(st.lists(st.floats(0, 3), min_size=size, max_size=size))
            t["hourly_profile"] = [*profile[:-1], profile[-1] + 0.1]
        types.append(t)
    horizon = draw(st.floats(0.05, 3))
    doc: dict[str, Any] = {
        "name": "generated",
        "seed": draw(st.integers(0, 2**32)),
        "horizon_days": horizon,
        "warmup_days": draw(_ok(st.floats(0, 0.9).map(lambda f: f * horizon), st.just(horizon))),
        "replications": 1,
        "turnout_min": draw(st.floats(0, 5)),
        "demand_scale": draw(_ok(st.floats(0.01, 3), st.just(0))),
        "network": {"nodes": nodes, "edges": edges},
        "stations": stations,
        "patrol": {
            "share": draw(_ok(st.floats(0, 1), st.just(1.1))),
            "position": draw(st.sampled_from(["demand_weighted", "uniform"])),
        },
        "county": {
            "enabled": draw(st.booleans()),
            "reinforcement_delay_min": draw(_dist()),
            "requests": draw(st.sampled_from(["partial_shortfall", "any_shortfall"])),
        },
        "isolated": {"handling_min": draw(_dist(5)), "county_after_min": draw(st.floats(0, 30))},
        "pooled": pool if draw(st.integers(0, 5)) else [pool],
        "incident_types": types,
    }
    if draw(st.booleans()):
        share = _ok(st.floats(0.05, 1), st.just(0.0))
        doc["shifts"] = {"on_duty_share_by_hour": draw(st.lists(share, min_size=24, max_size=24))}
    return doc


@given(doc=scenarios())
def _generated_property(doc: dict, stats: Counter) -> None:
    _check(doc, ROOT / "scenarios" / "generated.yaml", stats)


def test_generated_scenarios_are_accepted_and_run_or_refused(capsys):
    stats: Counter = Counter()
    settings(SETTINGS, max_examples=GENERATED_EXAMPLES)(_generated_property)(stats=stats)
    _report(capsys, "generated scenarios", stats)
    assert stats["examples"] >= GENERATED_EXAMPLES * 0.9
    assert stats["accepted"] >= 10 and stats["refused"] >= 10
