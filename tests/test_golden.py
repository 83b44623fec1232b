"""Back-test: a small seeded run must reproduce the stored reference numbers.

A change that moves any of these numbers changes the model's behaviour (or
its random streams). If that is intended, regenerate the reference with::

    POLICESIM_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

and say why in the commit message.
"""

from __future__ import annotations

import os

import pandas as pd

from sim.loader import scenario_from_dict
from sim.run_folder import run_scenario
from tests.conftest import ROOT, SCENARIOS, scenario_dict

GOLDEN = ROOT / "tests" / "data" / "golden_wubei_replications.csv"


def _current() -> pd.DataFrame:
    doc = scenario_dict("wubei.yaml")
    doc.update(horizon_days=30, warmup_days=3, replications=2, seed=777)
    out = run_scenario(scenario_from_dict(doc, SCENARIOS / "wubei.yaml"))
    return out.replications.reset_index(drop=True)


def test_small_wubei_run_matches_the_stored_reference():
    current = _current()
    if os.environ.get("POLICESIM_REGEN_GOLDEN"):
        current.to_csv(GOLDEN, index=False, float_format="%.12g")
    expected = pd.read_csv(GOLDEN)
    current = pd.read_csv(pd.io.common.StringIO(current.to_csv(index=False, float_format="%.12g")))
    pd.testing.assert_frame_equal(current, expected, check_exact=False, rtol=1e-9, atol=1e-9)
