"""Instructions and cache misses per call of ``Engine.run`` at city sizes (no timings).

Wall or CPU time on a shared machine cannot tell work that grows with the city
(a longer scan, a deeper heap) from the same work missing the cache more
often. Valgrind's callgrind counts both exactly: machine instructions,
including those inside C builtins (heapq, set and dict look-ups, numpy), and
simulated data-cache misses. Run with::

    .venv/bin/python benchmarks/cache_profile.py                 # 1x and 4x city, 60 days
    .venv/bin/python benchmarks/cache_profile.py --model pooled --days 30
    .venv/bin/python benchmarks/cache_profile.py --code /tmp/before   # another checkout
    .venv/bin/python benchmarks/cache_profile.py --ll 4M --jobs 1   # 4 MiB last level
    .venv/bin/python benchmarks/cache_profile.py --keep /tmp/cg     # then callgrind_annotate
    .venv/bin/python benchmarks/cache_profile.py --part sweep       # the roster sweep only

Each point is one child process under callgrind collecting only inside
``Engine.run`` (``--toggle-collect`` on ``operator.call``, which nothing else
in a run uses), with a 48 KiB L1 data cache and a 1 MiB last level: this
machine's L1d and private L2, so "L2 misses" are the loads that go to the
shared L3 or memory. ``--ll`` simulates another last-level size (16-way,
64-byte lines): if the misses per call stop growing with the city once the
last level is large enough, the growth is the working set outgrowing the
cache, and that size is what the large city's working set needs. Needs
``valgrind`` on PATH; about 3 minutes for 1x and 6 for 4x on 2 cores (the
points run in parallel; ``--jobs 1`` runs them one after the other). Equal
instructions per call with more misses per call means the growth is memory
locality, not work.
"""

from __future__ import annotations

import argparse
import operator
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
L1D = "--D1=49152,12,64"
LL_WAYS, LINE = 16, 64


def ll_bytes(text: str) -> int:
    """Parse a last-level size such as ``1M``, ``4M``, ``512K`` or ``1048576`` into bytes.

    Callgrind needs ``size / (ways x line)`` sets to be a power of two.
    """
    units = {"K": 1 << 10, "M": 1 << 20}
    if not text.strip():
        raise argparse.ArgumentTypeError("empty size")
    size = int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)
    sets = size // (LL_WAYS * LINE)
    if sets < 1 or sets & (sets - 1) or sets * LL_WAYS * LINE != size:
        raise argparse.ArgumentTypeError(f"{text}: size / ({LL_WAYS} x {LINE}) is not a power of 2")
    return size


def child(code: Path, scenario: str, model: str, part: str = "run") -> None:
    """Build the engine, then run it inside ``operator.call`` (the collected part).

    ``part="sweep"``: run it directly and call only ``Engine._apply_posts``
    (the roster sweep, with everything it calls) inside ``operator.call``.
    """
    sys.path.insert(0, str(code))
    from sim.engine import Engine
    from sim.incidents import draw_incidents, draw_walk_ins
    from sim.loader import load_scenario
    from sim.models import MODELS

    loaded = load_scenario(scenario)
    sc = loaded.scenario
    stream = draw_incidents(sc, loaded.network, 0)
    walk = draw_walk_ins(sc, 0)
    number = list(MODELS).index(model)
    engine = Engine(sc, loaded.network, MODELS[model](loaded), stream, 0, number, walk)
    if part == "sweep":
        sweep = Engine._apply_posts
        engine._apply_posts = lambda: operator.call(sweep, engine)
        engine.run()
    else:
        operator.call(engine.run)
    print(len(stream))


def point(
    code: Path, scenario: Path, model: str, out: Path, ll: int, part: str
) -> dict[str, float]:
    """Run one child under callgrind; return its calls and per-call counts."""
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=*operator_call*",
        "--cache-sim=yes",
        L1D,
        f"--LL={ll},{LL_WAYS},{LINE}",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--child",
        str(code),
        str(scenario),
        model,
        part,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    calls = int(done.stdout.strip().splitlines()[-1])
    events: list[str] = []
    for line in out.read_text().splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("totals:"):
            v = dict(zip(events, map(int, line.split()[1:])))
            return {
                "calls": calls,
                "instructions": v["Ir"] / calls,
                "L1d misses": (v["D1mr"] + v["D1mw"]) / calls,
                "L2 misses": (v["DLmr"] + v["DLmw"]) / calls,
            }
    raise RuntimeError(f"no totals in {out}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--scales", type=int, nargs="+", default=[1, 4], help="city sizes, smallest first (1 4)"
    )
    ap.add_argument("--days", type=float, default=60.0, help="simulated days (default 60)")
    ap.add_argument("--model", default="isolated", help="operating model (default isolated)")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose engine is counted")
    ap.add_argument(
        "--ll", type=ll_bytes, default=1 << 20, help="simulated last level, e.g. 4M (default 1M)"
    )
    ap.add_argument("--jobs", type=int, default=2, help="points run at once (default 2)")
    ap.add_argument(
        "--keep",
        type=Path,
        help="folder to keep the callgrind files in (xK.out, for callgrind_annotate)",
    )
    ap.add_argument(
        "--part",
        choices=["run", "sweep"],
        default="run",
        help="count the whole Engine.run, or only the roster sweep Engine._apply_posts",
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), *args.child[1:])
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind not found", file=sys.stderr)
        return 2
    from sim.city import write_city

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for scale in args.scales:
            path = write_city(Path(tmp) / f"x{scale}", scale=scale, horizon_days=args.days)
            out = (args.keep or Path(tmp)) / f"x{scale}.out"
            jobs.append((args.code.resolve(), path, args.model, out, args.ll, args.part))
        with ThreadPoolExecutor(max(1, min(args.jobs, len(jobs)))) as pool:
            rows = list(pool.map(lambda j: point(*j), jobs))
    print(
        f"# Engine.run ({args.part}) under callgrind: {args.model}, {args.days:g} days, "
        f"last level {args.ll // 1024:,} KiB, code {args.code}\n"
    )
    keys = ["instructions", "L1d misses", "L2 misses"]
    print("| city | calls | " + " | ".join(f"{k} per call" for k in keys) + " |")
    print("|---|---:|" + "---:|" * len(keys))
    for scale, r in zip(args.scales, rows):
        cells = " | ".join(f"{r[k]:,.0f}" for k in keys)
        print(f"| {scale}x | {r['calls']:,} | {cells} |")
    for scale, r in zip(args.scales[1:], rows[1:]):
        ratio = " | ".join(f"{r[k] / rows[0][k]:.3f}" for k in keys)
        print(f"| {scale}x / {args.scales[0]}x | | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
