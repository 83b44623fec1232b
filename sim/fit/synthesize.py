"""Write a SYNTHETIC call log drawn from a scenario's incident stream (for examples and tests).

The calls are exactly the incident stream both models would see in one
replication (:func:`sim.incidents.draw_incidents`), written in the format
``policesim fit`` reads. Day 0 of a run is a Monday, so ``--start`` must be a
Monday. The first line says SYNTHETIC: this is never real data::

    python -m sim.fit.synthesize scenarios/wubei.yaml --days 365 --out CSV
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..incidents import draw_incidents
from ..loader import LoadedScenario, load_scenario

#: The shipped example's first day (a Monday).
DEFAULT_START = date(2024, 1, 1)


def call_log(loaded: LoadedScenario, replication: int = 0,
             start: date = DEFAULT_START) -> pd.DataFrame:
    """The incident stream of ``replication`` as a call log (one row per call, in time order).

    Times are truncated to the second, on-scene minutes rounded to 2 decimals.
    """
    if start.weekday() != 0:
        raise ScenarioError("--start", "", f"{start} is a {start:%A}; day 0 of a run is a Monday")
    stream = draw_incidents(loaded.scenario, loaded.network, replication)
    seconds = np.floor(stream.call_min * 60).astype("timedelta64[s]")
    types = np.array([t.id for t in loaded.scenario.incident_types])
    places = np.array(loaded.network.places)
    return pd.DataFrame({
        "time": np.datetime64(datetime.combine(start, datetime.min.time()), "s") + seconds,
        "type": types[stream.type_index],
        "village": places[stream.place],
        "priority": stream.priority,
        "officers": stream.officers_required,
        "on_scene_min": np.round(stream.on_scene_min, 2),
    })


def write_call_log(frame: pd.DataFrame, path: Path, label: str) -> None:
    """Write ``frame`` as CSV after a first comment line ``# SYNTHETIC ...: label``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(f"# SYNTHETIC call log, not real data: {label}\n")
        frame.to_csv(f, index=False, date_format="%Y-%m-%d %H:%M:%S")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m sim.fit.synthesize SCENARIO --days D --out CSV``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--days", type=float, default=365.0, help="days of calls (default 365)")
    parser.add_argument("--replication", type=int, default=0, help="whose stream (default 0)")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START,
                        help="date of the first day, a Monday (default 2024-01-01)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        loaded = load_scenario(args.scenario, {"horizon_days": args.days})
        frame = call_log(loaded, args.replication, args.start)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    label = (f"drawn from {args.scenario} (seed {loaded.scenario.seed}, replication "
             f"{args.replication}, {args.days:g} days from {args.start}) by "
             f"`python -m sim.fit.synthesize`")
    write_call_log(frame, args.out, label)
    print(f"wrote {len(frame)} calls to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
