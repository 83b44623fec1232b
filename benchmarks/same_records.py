"""Prove that a speed change left the model's behaviour alone: records must be bit-identical.

Runs a fixed set of seeded scenario variants (the shipped scenarios, Wubei under
light and heavy load with the county, patrol and shift rules switched around,
and the generated city) and stores every record table (incidents,
officers, investigations, dispatches, walk-ins, metrics). After a change, ``check``
runs them again and compares every column exactly (NaN equals NaN)::

    .venv/bin/python benchmarks/same_records.py save /tmp/policesim-ref   # before
    .venv/bin/python benchmarks/same_records.py check /tmp/policesim-ref  # after

This is a development aid, stricter than ``tests/test_golden.py`` (which compares
metrics to 1e-9): it compares every incident, officer and investigation row.
"""

from __future__ import annotations

import copy
import pickle
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.loader import scenario_from_dict  # noqa: E402
from sim.runner import run_replication  # noqa: E402

SCENARIOS = ROOT / "scenarios"


def _doc(name: str) -> dict:
    return copy.deepcopy(yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8")))


def variants():
    """Yield (label, scenario document, source path, replication)."""
    yield "mmc", _doc("mmc_validation.yaml"), "mmc_validation.yaml", 0
    d = _doc("mmc_validation.yaml")
    d["demand_scale"] = 1.2
    yield "mmc-rho0.96", d, "mmc_validation.yaml", 3
    for rep in (0, 1):
        yield f"wubei-r{rep}", _doc("wubei.yaml"), "wubei.yaml", rep
    yield "shanghang", _doc("shanghang_southeast.yaml"), "shanghang_southeast.yaml", 0
    tweaks = {
        "patrol0": lambda d: d["patrol"].update(share=0.0),
        "patrol1-uniform": lambda d: d["patrol"].update(share=1.0, position="uniform"),
        "any-shortfall": lambda d: d["county"].update(requests="any_shortfall"),
        "pool-county0": lambda d: d["pooled"].update(county_after_min=0),
        "no-assist": lambda d: d["pooled"]["case_team"].update(assists_emergencies=False),
        "no-shifts": lambda d: d.pop("shifts"),
        "no-case-team": lambda d: d["pooled"].pop("case_team"),
        "room-staff1": lambda d: d["pooled"]["command_room"].update(
            staff=1, drawn_from={"Taoxi": 1}
        ),
        # time-budget rules switched around
        "no-preempt": lambda d: d.update(preemption={"enabled": False}),
        "duties-fixed": lambda d: d["scheduled_duties"].update(interruptible=False),
        "case-interruptible": lambda d: d.update(case_work={"interruptible": True}),
        "keep-coming": lambda d: d["county"].update(revisit="keep_coming"),
        "standby": lambda d: d.update(
            standby={"enabled": True, "max_priority": 2, "call_in_min": 20}
        ),
        "no-walk-ins": lambda d: d.pop("walk_ins"),
    }
    for scale in (1, 4, 12):
        for name, tweak in tweaks.items():
            d = _doc("wubei.yaml")
            d.update(horizon_days=60 if scale > 1 else 120, warmup_days=5, demand_scale=scale)
            tweak(d)
            yield f"wubei-x{scale}-{name}", d, "wubei.yaml", 2
        d = _doc("wubei.yaml")
        d.update(horizon_days=60, warmup_days=5, demand_scale=scale)
        d["county"]["enabled"] = False
        for t in d["incident_types"]:
            if t["id"] == "major_emergency":
                t["officers_required"] = 4
        yield f"wubei-x{scale}-no-county", d, "wubei.yaml", 1
    city = ROOT / "scenarios" / "city" / "city.yaml"
    if city.is_file():
        d = yaml.safe_load(city.read_text(encoding="utf-8"))
        d.update(horizon_days=90)
        yield "city-90d", d, str(city), 0
        d = yaml.safe_load(city.read_text(encoding="utf-8"))
        d.update(horizon_days=30, warmup_days=3)
        d["pooled"] = one_big_pool(d)
        yield "city-one-pool-30d", d, str(city), 1


def one_big_pool(doc: dict) -> dict:
    """A single joint station of every station of ``doc`` (a stress case for dispatch search)."""
    host = doc["stations"][0]["id"]
    return {
        "host": host,
        "command_room": {
            "staff": 6,
            "drawn_from": {host: 1},
            "handling_min": {"dist": "exponential", "mean": 2},
        },
        "case_team": {"from_stations": {host: 2}, "assist_priority_max": 1},
        "county_after_min": 15,
    }


def run_all() -> dict[str, dict]:
    out = {}
    for label, doc, source, rep in variants():
        t = time.perf_counter()
        path = source if Path(source).is_absolute() else SCENARIOS / source
        res = run_replication(scenario_from_dict(doc, path), rep)
        out[label] = {
            "incidents": res.incidents,
            "officers": res.officers,
            "investigations": res.investigations,
            "dispatches": res.dispatches,
            "walk_ins": res.walk_ins,
            "metrics": res.metrics,
            "backlog": res.backlog_at_end,
            "digest": res.stream_digest,
        }
        print(f"{label:32s} {len(res.incidents):7d} rows {time.perf_counter() - t:6.2f}s")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "check"):
        print(__doc__)
        return 2
    target = Path(argv[1])
    current = run_all()
    if argv[0] == "save":
        target.mkdir(parents=True, exist_ok=True)
        (target / "records.pkl").write_bytes(pickle.dumps(current))
        print(f"saved {len(current)} variants to {target}")
        return 0
    reference = pickle.loads((target / "records.pkl").read_bytes())
    bad = 0
    for label, ref in reference.items():
        if label not in current:
            print(f"MISSING {label}")
            bad += 1
            continue
        cur = current[label]
        for key, value in ref.items():
            try:
                if isinstance(value, pd.DataFrame):
                    pd.testing.assert_frame_equal(cur[key], value, check_exact=True)
                else:
                    assert cur[key] == value, (cur[key], value)
            except AssertionError as exc:
                bad += 1
                print(f"DIFFERENT {label}.{key}: {str(exc)[:400]}")
    print("all identical" if not bad else f"{bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
