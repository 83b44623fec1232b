"""Speed of the model against a bare SimPy M/M/c queue, the real scenarios, and a whole city.

Run with ``make bench`` or::

    .venv/bin/python benchmarks/bench.py            # everything (~6 minutes on 2 cores)
    .venv/bin/python benchmarks/bench.py --quick    # fewer repetitions, city 1x only

What is timed (all in this one process, except the city runs, each in a fresh
child process so its peak memory is its own):

1. **M/M/c**, ``scenarios/mmc_validation.yaml`` (3 stations of 4 officers,
   rho = 0.8, 120 days, ~27,500 calls):

   * *baseline*: bare SimPy, as plain and quick as SimPy allows -- one source
     process, one ``simpy.Resource(capacity=c)`` per station (isolated) or one
     of 3c (pooled), a customer process ``with res.request() as req: yield req;
     yield env.timeout(service)``, waits kept in a preallocated list, random
     numbers drawn up front with numpy (the draw is timed separately): six
     SimPy events per call;
   * *lean baseline*: the same queues with the engine's two events per call
     (an arrival timeout and a service timeout, each with a plain callback;
     servers are counters, the queue a deque): SimPy's floor for this model;
   * *heap baseline*: the lean queue scheduled the way the engine does since
     round 3 -- ``(time, priority, id, callback)`` entries straight on SimPy's
     heap with SimPy's id counter, popped by a plain loop (no ``Timeout``
     objects, no ``Environment.step``): the floor of SimPy's clock and heap;
   * *model, engine*: ``Engine(...)`` construction and ``run()`` on the
     scenario's incident stream -- the event loop and everything the engine
     sets up (travel tables come from a per-network cache after the first
     repetition);
   * *model, full*: also drawing the incident stream, building the layout and
     turning the records into the three DataFrames (what a replication does
     per model, short of the metrics);
   * *Wubei, engine*: ``scenarios/wubei.yaml`` (every time-budget block on:
     desk seats, walk-ins, case work, scheduled duties, roster, preemption)
     for 120 days, per call or walk-in visitor (each is one baseline customer);
   * *Ciw* (if installed; not a project dependency): the same M/M/c queues.

   Each case runs ``--reps`` times, interleaved (one of each per round) so
   machine noise hits all; the table gives medians in seconds per 100,000
   calls and the ratios to the standard and the lean baseline of the same
   queue, taken round by round (median [min, max]), and the SimPy events the
   engine schedules per call, with its cost per event against the lean one.
2. **Real scenarios**: Wubei and Shanghang south-east, one simulated year, one
   replication of both models (``run_replication``: stream, both engines,
   record tables, metrics), median seconds and calls per second (calls
   simulated, counting each model), plus peak traced Python memory.
3. **City** (``sim.city``): 1x, 2x and 4x the report's city for one year, and
   1x for a quarter, half, one and two years; load (YAML, CSV, graph), both
   engines alone (set-up and run CPU seconds, cold process), then one
   replication of both models; seconds, calls, the child's peak resident
   memory, and the growth exponents of set-up CPU, run CPU and replication
   time in city size and in horizon (least squares on log-log).
   ``--city-reps N`` runs the whole city plan N times in turn and fits the
   per-point medians, with each repetition's own fit as the spread (a single
   run's exponent moves by +-0.1 with the load of a shared machine).
   ``benchmarks/cache_profile.py`` counts instructions and cache misses per
   call instead of timing them (callgrind), which tells work that grows with
   the city from the same work missing the cache.
``--before CHECKOUT`` (e.g. ``git worktree add /tmp/before <commit>``) also
times that checkout's engine: its engine cases run in this process, in the
same rounds (marked "(before)"), and each city point runs right after this
checkout's in the other checkout's own child process (marked ``before``).

4. **Start-up**: ``python -c "import sim"`` and ``policesim check`` against
   ``python -c "import simpy, numpy"``, whole processes, pairs interleaved.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import importlib.util
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from pathlib import Path

import numpy as np
import simpy
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine import Engine  # noqa: E402
from sim.incidents import draw_incidents, draw_walk_ins  # noqa: E402
from sim.loader import load_scenario, scenario_from_dict  # noqa: E402
from sim.models import MODELS  # noqa: E402
from sim.records import incident_frame, investigation_frame, officer_frame  # noqa: E402
from sim.runner import run_replication  # noqa: E402

PER = 100_000
#: Days of the Wubei time-budget case in the per-call table.
WUBEI_DAYS = 120


# ---------------------------------------------------------------- baseline
def draw_mmc(n: int, stations: int, rate_per_min: float, mean_service: float, seed: int):
    """Arrival times, station and service minutes of ``n`` calls, drawn up front."""
    gen = np.random.default_rng(seed)
    arrivals = np.cumsum(gen.exponential(1.0 / rate_per_min, n)).tolist()
    station = gen.integers(0, stations, n).tolist()
    service = gen.exponential(mean_service, n).tolist()
    return arrivals, station, service


def simpy_mmc(arrivals: list, station: list, service: list, capacities: list[int]) -> list:
    """A bare SimPy M/M/c (one queue per station); returns each call's wait."""
    env = simpy.Environment()
    res = [simpy.Resource(env, capacity=c) for c in capacities]
    waits = [0.0] * len(arrivals)

    def customer(i, r, s):
        t0 = env.now
        with r.request() as req:
            yield req
            waits[i] = env.now - t0
            yield env.timeout(s)

    def source():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(customer(i, res[station[i]], service[i]))

    env.process(source())
    env.run()
    return waits


def lean_mmc(arrivals: list, station: list, service: list, capacities: list[int]) -> list:
    """A lean callback SimPy M/M/c: the engine's two events per call, no processes.

    Per call one arrival timeout and one service timeout, each with a plain
    callback (as the engine schedules them); servers are counters and the queue
    a deque per station. Returns each call's wait.
    """
    env = simpy.Environment()
    timeout = env.timeout
    free = list(capacities)
    queues = [deque() for _ in capacities]
    n = len(arrivals)
    waits = [0.0] * n
    nxt = [0]

    def start(i: int, s: int) -> None:
        waits[i] = env.now - arrivals[i]
        timeout(service[i]).callbacks.append(lambda _e: done(s))

    def done(s: int) -> None:
        q = queues[s]
        if q:
            start(q.popleft(), s)
        else:
            free[s] += 1

    def arrive(_e) -> None:
        i = nxt[0]
        s = station[i]
        if free[s]:
            free[s] -= 1
            start(i, s)
        else:
            queues[s].append(i)
        i += 1
        nxt[0] = i
        if i < n:
            timeout(arrivals[i] - env.now).callbacks.append(arrive)

    if n:
        timeout(arrivals[0]).callbacks.append(arrive)
    env.run()
    return waits


def heap_mmc(arrivals: list, station: list, service: list, capacities: list[int]) -> list:
    """The lean queue scheduling the way the engine does since round 3: no event objects.

    Each event is a ``(time, priority, id, callback)`` entry pushed straight on
    SimPy's heap with SimPy's id counter, and a plain loop pops and calls them
    (``Engine._at`` / ``Engine._run_until``): the floor of SimPy's clock and heap
    without ``Timeout`` and ``Environment.step``. Returns each call's wait.
    """
    env = simpy.Environment()
    heap, eid = env._queue, env._eid
    push, pop = heapq.heappush, heapq.heappop
    free = list(capacities)
    queues = [deque() for _ in capacities]
    n = len(arrivals)
    waits = [0.0] * n
    now = [0.0]
    nxt = [0]

    def start(i: int, s: int) -> None:
        t = now[0]
        waits[i] = t - arrivals[i]
        push(heap, (t + service[i], 1, next(eid), lambda: done(s)))

    def done(s: int) -> None:
        q = queues[s]
        if q:
            start(q.popleft(), s)
        else:
            free[s] += 1

    def arrive() -> None:
        i = nxt[0]
        s = station[i]
        if free[s]:
            free[s] -= 1
            start(i, s)
        else:
            queues[s].append(i)
        i += 1
        nxt[0] = i
        if i < n:
            t = now[0]
            push(heap, (t + (arrivals[i] - t), 1, next(eid), arrive))

    if n:
        push(heap, (arrivals[0], 1, next(eid), arrive))
    while heap:
        now[0], _, _, callback = pop(heap)
        callback()
    return waits


def ciw_mmc(n_per_queue: float, days: float, queues: int, servers: int, seed: int) -> int:
    """Ciw's M/M/c on ``queues`` independent queues; returns records completed."""
    import ciw

    lam = n_per_queue / (days * 1440.0)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)] * queues,
        service_distributions=[ciw.dists.Exponential(rate=1 / 60.0)] * queues,
        number_of_servers=[servers] * queues,
        routing=[[0.0] * queues for _ in range(queues)],
    )
    ciw.seed(seed)
    q = ciw.Simulation(net)
    q.simulate_until_max_time(days * 1440.0)
    return len(q.get_all_records())


# ------------------------------------------------------------------- model
def model_engine(loaded, stream, number: int, build, walk_ins=None, engine_class=None) -> Engine:
    """Build and run one engine (``engine_class``: another checkout's, see :func:`load_before`)."""
    cls = Engine if engine_class is None else engine_class
    engine = cls(loaded.scenario, loaded.network, build(loaded), stream, 0, number, walk_ins)
    engine.run()
    return engine


def load_before(root: Path):
    """Import another checkout's ``sim`` package as ``sim_before``; return its ``Engine``.

    The engine imports only its own package relatively, so the old engine runs in
    this process beside the new one, on the same scenario objects, interleaved
    round by round with everything else (``--before``).
    """
    spec = importlib.util.spec_from_file_location(
        "sim_before", root / "sim" / "__init__.py", submodule_search_locations=[str(root / "sim")]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["sim_before"] = module
    spec.loader.exec_module(module)
    return importlib.import_module("sim_before.engine").Engine


def events_scheduled(env: simpy.Environment) -> int:
    """How many events ``env`` has scheduled (its event-id counter; a benchmark-only peek)."""
    return int(repr(env._eid)[len("count(") : -1])


def model_full(loaded, number: int, name: str, build) -> None:
    stream = draw_incidents(loaded.scenario, loaded.network, 0)
    layout = build(loaded)
    rec = Engine(loaded.scenario, loaded.network, layout, stream, 0, number).run()
    incident_frame(rec, stream, loaded, name, 0)
    officer_frame(rec, loaded, layout, name, 0)
    investigation_frame(rec, stream, loaded, name, 0)


def timed(fn) -> float:
    gc.collect()
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def traced_peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def mmc_section(reps: int, before=None) -> list[dict]:
    """Per-call cost of the baselines and the engine, every case once per round.

    Ratios are taken round by round (engine time per call / baseline time per
    call in the same round) and given as median [min, max] over the rounds.
    The Wubei case is ``scenarios/wubei.yaml`` with every time-budget block
    (desk seats, walk-ins, case work, duties, roster, preemption) for 120 days;
    its per-call cost counts calls and walk-in visitors (each is one customer
    of the baseline: two events). ``before``: another checkout's ``Engine``
    class, whose engine cases run too, marked "(before)".
    """
    loaded = load_scenario(ROOT / "scenarios" / "mmc_validation.yaml")
    sc = loaded.scenario
    stream = draw_incidents(sc, loaded.network, 0)
    n = len(stream)
    rate = sum(t.rate_per_day for t in sc.incident_types) * sc.demand_scale / 1440.0
    k = len(sc.stations)
    c = sc.stations[0].officers
    wfile = ROOT / "scenarios" / "wubei.yaml"
    wdoc = yaml.safe_load(wfile.read_text(encoding="utf-8"))
    wdoc["horizon_days"] = WUBEI_DAYS
    wloaded = scenario_from_dict(wdoc, wfile)
    wsc = wloaded.scenario
    wstream = draw_incidents(wsc, wloaded.network, 0)
    wwalk = draw_walk_ins(wsc, 0)
    wn = len(wstream) + len(wwalk)
    iso_build, pool_build = MODELS["isolated"], MODELS["pooled"]
    base_draw = {}
    cases = {
        "baseline isolated (SimPy, 3 x M/M/4)": lambda: simpy_mmc(*base_draw["iso"], [c] * k),
        "baseline pooled (SimPy, M/M/12)": lambda: simpy_mmc(*base_draw["pool"], [c * k]),
        "lean baseline isolated (callbacks, 3 x M/M/4)": lambda: lean_mmc(
            *base_draw["iso"], [c] * k
        ),
        "lean baseline pooled (callbacks, M/M/12)": lambda: lean_mmc(*base_draw["pool"], [c * k]),
        "heap baseline isolated (callbacks on SimPy's heap, 3 x M/M/4)": lambda: heap_mmc(
            *base_draw["iso"], [c] * k
        ),
        "heap baseline pooled (callbacks on SimPy's heap, M/M/12)": lambda: heap_mmc(
            *base_draw["pool"], [c * k]
        ),
        "model isolated, engine": lambda: model_engine(loaded, stream, 0, iso_build),
        "model pooled, engine": lambda: model_engine(loaded, stream, 1, pool_build),
        "model isolated, full": lambda: model_full(loaded, 0, "isolated", iso_build),
        "model pooled, full": lambda: model_full(loaded, 1, "pooled", pool_build),
        "Wubei isolated, engine (time budget on)": lambda: model_engine(
            wloaded, wstream, 0, iso_build, wwalk
        ),
        "Wubei pooled, engine (time budget on)": lambda: model_engine(
            wloaded, wstream, 1, pool_build, wwalk
        ),
    }
    runs = {
        "model isolated, engine": (loaded, stream, 0, iso_build, None, n),
        "model pooled, engine": (loaded, stream, 1, pool_build, None, n),
        "Wubei isolated, engine (time budget on)": (wloaded, wstream, 0, iso_build, wwalk, wn),
        "Wubei pooled, engine (time budget on)": (wloaded, wstream, 1, pool_build, wwalk, wn),
    }
    if before is not None:
        for name, (*args, calls) in list(runs.items()):
            label = f"{name} (before)"
            runs[label] = (*args, before, calls)
            cases[label] = lambda args=args: model_engine(*args, engine_class=before)
    draws = {"iso": [], "pool": []}
    have_ciw = True
    try:
        import ciw  # noqa: F401
    except ImportError:
        have_ciw = False
    ciw_calls: dict[str, int] = {}
    if have_ciw:

        def run_ciw(label, queues, servers):
            ciw_calls[label] = ciw_mmc(n / queues, sc.horizon_days, queues, servers, 1)

        cases["Ciw isolated (3 x M/M/4)"] = lambda: run_ciw("Ciw isolated (3 x M/M/4)", k, c)
        cases["Ciw pooled (M/M/12)"] = lambda: run_ciw("Ciw pooled (M/M/12)", 1, c * k)
    per_call: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(reps):
        for key, stations in (("iso", k), ("pool", 1)):
            t = time.perf_counter()
            base_draw[key] = draw_mmc(n, stations, rate, 60.0, 7)
            draws[key].append(time.perf_counter() - t)
        for name, fn in cases.items():
            calls = wn if name.startswith("Wubei") else n
            t = timed(fn)
            per_call[name].append(t / ciw_calls.get(name, calls))
    rows = []
    for name, ts in per_call.items():
        pooled = "pooled" in name
        std = per_call[
            "baseline pooled (SimPy, M/M/12)" if pooled else "baseline isolated (SimPy, 3 x M/M/4)"
        ]
        lean = per_call[
            "lean baseline pooled (callbacks, M/M/12)"
            if pooled
            else "lean baseline isolated (callbacks, 3 x M/M/4)"
        ]
        heap = per_call[
            "heap baseline pooled (callbacks on SimPy's heap, M/M/12)"
            if pooled
            else "heap baseline isolated (callbacks on SimPy's heap, 3 x M/M/4)"
        ]
        rows.append(
            {
                "case": name,
                "calls": ciw_calls.get(name, wn if name.startswith("Wubei") else n),
                "s_per_100k": statistics.median(ts) * PER,
                "ratio": _spread([a / b for a, b in zip(ts, std)]),
                "lean_ratio": _spread([a / b for a, b in zip(ts, lean)]),
                "heap_ratio": _spread([a / b for a, b in zip(ts, heap)]),
            }
        )
    for key, label in (("iso", "isolated"), ("pool", "pooled")):
        d = statistics.median(draws[key]) * PER / n
        rows.append({"case": f"baseline {label}, drawing up front", "calls": n, "s_per_100k": d})
    mem = {
        "baseline isolated (SimPy, 3 x M/M/4)": traced_peak_mb(
            lambda: simpy_mmc(*draw_mmc(n, k, rate, 60.0, 7), [c] * k)
        ),
        "model isolated, full": traced_peak_mb(
            lambda: model_full(loaded, 0, "isolated", iso_build)
        ),
        "model pooled, full": traced_peak_mb(lambda: model_full(loaded, 1, "pooled", pool_build)),
    }
    for r in rows:
        r["peak_mb"] = mem.get(r["case"])
    # SimPy events per call (the lean baseline schedules 2), and the cost per event.
    lean_iso = "lean baseline isolated (callbacks, 3 x M/M/4)"
    lean_per_event = statistics.median(per_call[lean_iso]) / 2.0
    for r in rows:
        if r["case"] in runs:
            *args, calls = runs[r["case"]]
            per = events_scheduled(model_engine(*args).env) / calls
            r["events_per_call"] = per
            r["per_event_vs_lean"] = r["s_per_100k"] / PER / per / lean_per_event
        elif r["case"].startswith(("lean", "heap")):
            r["events_per_call"] = 2.0
    return rows


def scenario_section(reps: int) -> list[dict]:
    rows = []
    for file in ("wubei.yaml", "shanghang_southeast.yaml", "mmc_validation.yaml"):
        loaded = load_scenario(ROOT / "scenarios" / file)
        n = len(draw_incidents(loaded.scenario, loaded.network, 0))
        ts = [timed(lambda loaded=loaded: run_replication(loaded, 0)) for _ in range(reps)]
        t = statistics.median(ts)
        peak = traced_peak_mb(lambda loaded=loaded: run_replication(loaded, 0))
        rows.append(
            {
                "scenario": loaded.scenario.name,
                "days": loaded.scenario.horizon_days,
                "calls": n,
                "seconds": t,
                "calls_per_s": 2 * n / t,
                "peak_mb": peak,
            }
        )
    return rows


# -------------------------------------------------------------------- city
def city_child(scale: int, days: float) -> dict:
    """Generate, load and run one replication of a city; runs in its own process.

    First both engines alone on a cold process (set-up CPU: ``Engine(...)``
    with its travel tables, handling draws and officers; run CPU: ``run()``),
    then ``run_replication`` (stream, both models, records, metrics) for the
    wall time of a whole replication.
    """
    from sim.city import write_city

    with tempfile.TemporaryDirectory() as tmp:
        path = write_city(tmp, scale=scale, horizon_days=days)
        t0 = time.perf_counter()
        loaded = load_scenario(path)
        t1 = time.perf_counter()
        sc = loaded.scenario
        stream = draw_incidents(sc, loaded.network, 0)
        walk = draw_walk_ins(sc, 0)
        setup_cpu = run_cpu = 0.0
        for number, build in enumerate(MODELS.values()):
            layout = build(loaded)
            gc.collect()
            c0 = time.process_time()
            engine = Engine(sc, loaded.network, layout, stream, 0, number, walk)
            c1 = time.process_time()
            engine.run()
            c2 = time.process_time()
            setup_cpu += c1 - c0
            run_cpu += c2 - c1
            del engine
        t2 = time.perf_counter()
        res = run_replication(loaded, 0, keep_records=False)
        t3 = time.perf_counter()
    calls = int(res.metrics.loc[res.metrics["township"] == "all", "calls"].iloc[0])
    return {
        "scale": scale,
        "days": days,
        "stations": len(sc.stations),
        "places": len(loaded.network.places),
        "calls": len(stream),
        "calls_after_warmup": calls,
        "load_s": t1 - t0,
        "run_s": t3 - t2,
        "setup_cpu": setup_cpu,
        "engine_cpu": run_cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def exponent(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x): y grows like x ** slope."""
    lx, ly = np.log(xs), np.log(ys)
    return float(np.polyfit(lx, ly, 1)[0])


def growth_rows(rows: list[dict]) -> list[dict]:
    """Fitted exponents of engine set-up CPU, engine run CPU and replication wall time.

    In city size (1x, 2x, 4x at one year) and in horizon (1x at 1/4 to 2 years),
    with the step exponents between neighbouring points as the spread.
    """
    out = []
    size = sorted((r for r in rows if r["days"] == 365), key=lambda r: r["scale"])
    horizon = sorted((r for r in rows if r["scale"] == 1), key=lambda r: r["days"])
    for label, pts, key in (("city size", size, "scale"), ("horizon", horizon, "days")):
        if len(pts) < 2:
            continue
        xs = [p[key] for p in pts]
        for what in ("setup_cpu", "engine_cpu", "run_s"):
            ys = [p[what] for p in pts]
            steps = [
                math.log(ys[j + 1] / ys[j]) / math.log(xs[j + 1] / xs[j])
                for j in range(len(xs) - 1)
            ]
            out.append(
                {
                    "in": label,
                    "what": what,
                    "exponent": exponent(xs, ys),
                    "steps": steps,
                }
            )
    return out


def startup_section(reps: int) -> list[dict]:
    """Whole-process start-up: ``import sim`` and ``policesim check`` vs ``import simpy, numpy``.

    Each command runs ``reps`` times interleaved with the reference; the ratio
    is taken pair by pair (median [min, max]). Every pair runs twice: as the
    machine is, and with ``OPENBLAS_NUM_THREADS=1`` on both sides. Importing
    numpy starts an OpenBLAS thread that spins for ~45 ms of CPU: with the other
    core busy it slows both sides alike and pulls the ratio down; with one BLAS
    thread only main-thread work counts, which is the steadier figure.
    """
    py = sys.executable
    ref = [py, "-c", "import simpy, numpy"]
    cmds = {
        "import sim": [py, "-c", "import sim"],
        "policesim check wubei.yaml": [
            py,
            "-m",
            "sim",
            "check",
            str(ROOT / "scenarios" / "wubei.yaml"),
        ],
    }

    def wall(cmd, env) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT, env=env)
        return time.perf_counter() - t

    envs = {"": None, ", one BLAS thread": {**os.environ, "OPENBLAS_NUM_THREADS": "1"}}
    wall(ref, None)
    rows = []
    for name, cmd in cmds.items():
        for label, env in envs.items():
            wall(cmd, env)
            pairs = [(wall(cmd, env), wall(ref, env)) for _ in range(reps)]
            rows.append(
                {
                    "command": name + label,
                    "seconds": statistics.median(a for a, _ in pairs),
                    "ref_seconds": statistics.median(b for _, b in pairs),
                    "ratio": _spread([a / b for a, b in pairs]),
                }
            )
    return rows


def city_section(
    plan: list[tuple[int, float]], before: Path | None = None, reps: int = 1
) -> list[dict]:
    """One fresh child process per point; with ``before``, that checkout's point right after.

    The before child is the other checkout's own ``benchmarks/bench.py
    --city-child`` (its code, its imports); its rows are marked ``code: before``.
    With ``reps`` > 1 the whole plan runs that many times in turn (rows marked
    ``rep``), so a burst of load on the shared machine hits one repetition.
    """
    rows = []
    scripts = [("after", Path(__file__))]
    if before is not None:
        scripts.append(("before", before / "benchmarks" / "bench.py"))
    for rep in range(reps):
        for scale, days in plan:
            for code, script in scripts:
                out = subprocess.run(
                    [sys.executable, str(script), "--city-child", str(scale), str(days)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append({"code": code, "rep": rep, **row})
    return rows


def growth_spread(rows: list[dict]) -> list[dict]:
    """Growth exponents of each repetition's points: median [min, max] over repetitions.

    The steps are those of the fit to the per-point medians.
    """
    reps = sorted({r["rep"] for r in rows})
    per_rep = [growth_rows([r for r in rows if r["rep"] == k]) for k in reps]
    keys = ("setup_cpu", "engine_cpu", "run_s")
    medians = [
        {**pts[0], **{k: statistics.median(p[k] for p in pts) for k in keys}}
        for pts in _by_point(rows)
    ]
    out = []
    for j, g in enumerate(growth_rows(medians)):
        fits = [rep[j]["exponent"] for rep in per_rep]
        out.append({**g, "spread": _spread(fits)})
    return out


def _by_point(rows: list[dict]) -> list[list[dict]]:
    """Rows grouped by (scale, days), in first-seen order."""
    points: dict[tuple, list[dict]] = {}
    for r in rows:
        points.setdefault((r["scale"], r["days"]), []).append(r)
    return list(points.values())


# ------------------------------------------------------------------ report
def machine() -> str:
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SimPy {simpy.__version__}, load average at start {load:.1f}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=7, help="repetitions per case (median)")
    ap.add_argument("--quick", action="store_true", help="3 repetitions, city 1x only")
    ap.add_argument("--no-city", action="store_true", help="skip the city runs")
    ap.add_argument(
        "--city-reps",
        type=int,
        default=1,
        help="run the city plan this many times in turn; exponents as median [min, max]",
    )
    ap.add_argument(
        "--before",
        type=Path,
        metavar="CHECKOUT",
        help="also time another checkout's engine (e.g. a `git worktree` of the start commit), "
        "interleaved: its engine cases and city points are marked 'before'",
    )
    ap.add_argument("--city-child", nargs=2, metavar=("SCALE", "DAYS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.city_child:
        print(json.dumps(city_child(int(args.city_child[0]), float(args.city_child[1]))))
        return 0
    reps = 3 if args.quick else args.reps
    print(f"# policesim benchmark\n\nMachine: {machine()}")
    print(f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")

    print("## M/M/c: bare SimPy baseline vs the model (medians, interleaved)\n")
    before = load_before(args.before.resolve()) if args.before else None
    print(
        "| case | calls | s per 100k calls | ratio to standard baseline [min, max] | "
        "ratio to lean baseline [min, max] | ratio to heap baseline [min, max] | "
        "SimPy events per call | per event, ratio to lean | peak traced MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in mmc_section(reps, before):
        peak = "" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
        ratios = [
            "" if r.get(key) is None else "{:.2f} [{:.2f}, {:.2f}]".format(*r[key])
            for key in ("ratio", "lean_ratio", "heap_ratio")
        ]
        ev = r.get("events_per_call")
        pe = r.get("per_event_vs_lean")
        print(
            f"| {r['case']} | {r['calls']:,} | {r['s_per_100k']:.3f} | {' | '.join(ratios)} | "
            f"{'' if ev is None else f'{ev:.1f}'} | {'' if pe is None else f'{pe:.2f}'} | "
            f"{peak} |"
        )

    print("\n## Real scenarios: one replication, both models (run_replication)\n")
    print("| scenario | days | calls | seconds | calls per s (both models) | peak traced MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in scenario_section(reps):
        print(
            f"| {r['scenario']} | {r['days']:g} | {r['calls']:,} | {r['seconds']:.3f} | "
            f"{r['calls_per_s']:,.0f} | {r['peak_mb']:.0f} |"
        )

    if not args.no_city:
        plan = [(1, 365)] if args.quick else [(1, 365), (2, 365), (4, 365)]
        if not args.quick:
            plan += [(1, 91.25), (1, 182.5), (1, 730)]
        print("\n## City: one replication, both models, one fresh process each\n")
        print(
            "| code | rep | scale | stations | places | days | calls | load s | "
            "engine set-up CPU s | engine run CPU s | replication s | µs per call per model | "
            "peak RSS MB |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        before = args.before.resolve() if args.before else None
        rows = city_section(plan, before, args.city_reps)
        for r in rows:
            print(
                f"| {r['code']} | {r['rep']} | {r['scale']}x | {r['stations']} | {r['places']:,} | "
                f"{r['days']:g} | {r['calls']:,} | {r['load_s']:.2f} | {r['setup_cpu']:.2f} | "
                f"{r['engine_cpu']:.2f} | {r['run_s']:.2f} | "
                f"{1e6 * r['run_s'] / (2 * r['calls']):.1f} | {r['peak_rss_mb']:.0f} |"
            )
        growth = [
            {"code": code, **g}
            for code in ("after", "before")
            for g in growth_spread([r for r in rows if r["code"] == code])
        ]
        if growth:
            print(
                "\n## Growth exponents (least squares on log-log of the per-point medians; "
                "spread: each repetition's own fit; steps between points)\n"
            )
            print("| code | in | what | exponent | [min, max] over repetitions | steps |")
            print("|---|---|---|---:|---:|---|")
            names = {
                "setup_cpu": "engine set-up CPU",
                "engine_cpu": "engine run CPU",
                "run_s": "replication wall",
            }
            for g in growth:
                steps = ", ".join(f"{x:.2f}" for x in g["steps"])
                _, lo, hi = g["spread"]
                print(
                    f"| {g['code']} | {g['in']} | {names[g['what']]} | {g['exponent']:.2f} | "
                    f"[{lo:.2f}, {hi:.2f}] | {steps} |"
                )

    print("\n## Start-up: whole process, pairs interleaved with `import simpy, numpy`\n")
    print("| command | median s | reference s | ratio [min, max] |")
    print("|---|---:|---:|---:|")
    for r in startup_section(3 if args.quick else 7):
        print(
            f"| {r['command']} | {r['seconds']:.3f} | {r['ref_seconds']:.3f} | "
            "{:.2f} [{:.2f}, {:.2f}] |".format(*r["ratio"])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
