"""Back-test: a small seeded run must reproduce the stored reference numbers.

A change that moves any of these numbers changes the model's behaviour (or
its random streams). It is a change detector, not a rule test: the rules are
guarded one by one in ``tests/test_time_budget.py`` and ``tests/test_rules_*``.
If the change is intended, regenerate the reference with the separate
command::

    make golden        # .venv/bin/python -m tests.golden

and say why in the commit message. This test only compares.
"""

from __future__ import annotations

import pandas as pd

from tests.golden import GOLDEN, current_replications


def test_small_wubei_run_matches_the_stored_reference():
    current = current_replications()
    expected = pd.read_csv(GOLDEN)
    current = pd.read_csv(pd.io.common.StringIO(current.to_csv(index=False, float_format="%.12g")))
    pd.testing.assert_frame_equal(current, expected, check_exact=False, rtol=1e-9, atol=1e-9)
