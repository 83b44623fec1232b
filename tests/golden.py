"""Regenerate the golden reference of ``tests/test_golden.py``: ``python -m tests.golden``.

Kept apart from the test so that running the tests can never rewrite what
they compare against.
"""

from __future__ import annotations

import pandas as pd

from sim.loader import scenario_from_dict
from sim.run_folder import run_scenario
from tests.conftest import ROOT, SCENARIOS, scenario_dict

GOLDEN = ROOT / "tests" / "data" / "golden_wubei_replications.csv"


def current_replications() -> pd.DataFrame:
    """The per-replication metrics of the small seeded Wubei run the reference holds."""
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=30, warmup_days=3, replications=2, seed=777)
    out = run_scenario(scenario_from_dict(doc, SCENARIOS / "wubei.yaml"))
    return out.replications.reset_index(drop=True)


if __name__ == "__main__":
    current_replications().to_csv(GOLDEN, index=False, float_format="%.12g")
    print(f"wrote {GOLDEN}")
