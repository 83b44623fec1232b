"""The engine's own event loop keeps SimPy's order and stopping rule (issue 13, round 3).

Since round 3 the engine pushes ``(time, priority, id, callback)`` entries
straight onto SimPy's heap and pops them itself instead of making a
``simpy.Timeout`` per event and calling ``Environment.run``. These tests
schedule the same timetable both ways and require the same order of callbacks
and the same stopping point; ``benchmarks/same_records.py`` checks the whole
model's records on top.
"""

from __future__ import annotations

import gc

import pytest
import simpy

from sim.engine import _NORMAL, _URGENT, Engine
from sim.models import MODELS
from tests.rulekit import C, load, scenario, stream_of

HORIZON = 1440.0  # one day, the rule scenario's horizon

#: (delay from time 0, urgent?) -- ties in time, an urgent entry after a normal one at
#: the same time, entries exactly at the horizon and after it, chains scheduled later.
TIMETABLE = [
    (5.0, False),
    (5.0, False),
    (0.0, False),
    (5.0, True),
    (HORIZON, False),
    (HORIZON - 1e-9, False),
    (HORIZON + 1.0, False),
    (2.5, False),
]


def _engine() -> Engine:
    doc = scenario([("S", "V", 5)], {"S": ("S", 1)}, {"V": "S"})
    loaded = load(doc)
    stream = stream_of(loaded, [C(10.0, "V")])
    return Engine(loaded.scenario, loaded.network, MODELS["isolated"](loaded), stream, 0, 0)


def _simpy_order() -> list[str]:
    """Run TIMETABLE on plain SimPy events; each callback at 5.0 schedules two more."""
    env = simpy.Environment()
    seen: list[str] = []

    def schedule(name: str, delay: float, urgent: bool) -> None:
        event = env.event()
        event._ok, event._value = True, None
        event.callbacks.append(lambda _e: visit(name))
        env.schedule(event, simpy.events.URGENT if urgent else simpy.events.NORMAL, delay)

    def visit(name: str) -> None:
        seen.append(f"{name}@{env.now!r}")
        if env.now == 5.0 and not name.startswith("child"):
            schedule(f"child-of-{name}-a", 0.0, False)
            schedule(f"child-of-{name}-b", HORIZON - 5.0, False)  # lands on the horizon

    for k, (delay, urgent) in enumerate(TIMETABLE):
        schedule(f"e{k}", delay, urgent)
    env.run(until=HORIZON)
    return seen


def _engine_order() -> list[str]:
    """The same timetable through Engine._at and Engine._run_until."""
    engine = _engine()
    seen: list[str] = []

    def schedule(name: str, delay: float, urgent: bool) -> None:
        engine._at(delay, lambda: visit(name), _URGENT if urgent else _NORMAL)

    def visit(name: str) -> None:
        seen.append(f"{name}@{engine.now!r}")
        if engine.now == 5.0 and not name.startswith("child"):
            schedule(f"child-of-{name}-a", 0.0, False)
            schedule(f"child-of-{name}-b", HORIZON - 5.0, False)

    for k, (delay, urgent) in enumerate(TIMETABLE):
        schedule(f"e{k}", delay, urgent)
    engine._run_until(HORIZON)
    assert engine.now == engine.env.now == HORIZON
    return seen


def test_engine_loop_runs_events_in_simpys_order_and_stops_where_simpy_stops():
    """Same callbacks, same order (time, urgent first, then scheduling order), none at the end."""
    expected = _simpy_order()
    assert not any(s.endswith(f"@{HORIZON!r}") for s in expected)  # SimPy stops before them
    assert _engine_order() == expected


def test_engine_loop_restores_the_garbage_collector_also_on_error():
    """The loop pauses the collector and gives back the state it found, even if a rule fails."""
    was = gc.isenabled()
    try:
        gc.enable()
        _engine().run()
        assert gc.isenabled()
        gc.disable()
        _engine().run()
        assert not gc.isenabled()
        gc.enable()
        engine = _engine()

        def fail() -> None:
            raise RuntimeError("rule failed")

        engine._at(1.0, fail)
        with pytest.raises(RuntimeError, match="rule failed"):
            engine._run_until(HORIZON)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
