"""Properties every record must have, on generated scenario variants (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.loader import scenario_from_dict
from sim.runner import run_replication
from tests.conftest import SCENARIOS, scenario_dict

TOL = 1e-9


@st.composite
def wubei_variants(draw):
    doc = scenario_dict("wubei.yaml")
    doc.update(
        horizon_days=draw(st.sampled_from([3, 6])),
        warmup_days=1,
        seed=draw(st.integers(0, 2**32 - 1)),
        demand_scale=draw(st.sampled_from([1, 4, 12])),
    )
    doc["patrol"]["share"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    doc["county"]["enabled"] = draw(st.booleans())
    doc["county"]["requests"] = draw(st.sampled_from(["partial_shortfall", "any_shortfall"]))
    doc["pooled"]["county_after_min"] = draw(st.sampled_from([0, 15]))
    doc["pooled"]["case_team"]["assists_emergencies"] = draw(st.booleans())
    if draw(st.booleans()):
        doc.pop("shifts")
    if not doc["county"]["enabled"]:
        for t in doc["incident_types"]:  # keep full strength reachable without the county
            if t["id"] == "major_emergency":
                t["officers_required"] = 4
    return doc


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(wubei_variants())
def test_record_times_are_ordered_and_counts_consistent(doc):
    loaded = scenario_from_dict(doc, SCENARIOS / "wubei.yaml")
    res = run_replication(loaded, replication=0)
    inc = res.incidents

    def ok(later, earlier):
        a, b = inc[later].to_numpy(), inc[earlier].to_numpy()
        both = ~np.isnan(a) & ~np.isnan(b)
        return bool((a[both] >= b[both] - TOL).all())

    assert ok("handled_min", "call_min")
    assert ok("dispatched_min", "handled_min")
    assert ok("first_arrival_min", "dispatched_min")
    assert ok("full_strength_min", "first_arrival_min")
    assert ok("cleared_min", "first_arrival_min")
    assert ok("cleared_min", "full_strength_min"), "rule: full strength is never after clearance"
    assert ok("county_arrived_min", "county_requested_min")
    assert ok("reinforcement_arrived_min", "reinforcement_requested_min")
    # A cleared call had someone on scene; nobody sends more than was needed.
    cleared = inc["cleared_min"].notna()
    assert inc.loc[cleared, "first_arrival_min"].notna().all()
    sent = inc[["n_own", "n_other", "n_case", "n_county"]].sum(axis=1)
    # County heads stood down and officers pulled to a more urgent call were replaced.
    kept = sent - inc["n_county_stood_down"] - inc["n_preempted"]
    assert (kept <= inc["officers_required"]).all()
    assert (sent[cleared] >= 1).all()
    # Full strength means every required officer was sent; an officer pulled off the
    # scene afterwards (preemption) may leave it one short again when it clears.
    full = inc["full_strength_min"].notna()
    need = inc.loc[full, "officers_required"]
    assert ((sent - inc["n_county_stood_down"])[full] >= need).all()
    assert (kept[full] >= need - inc.loc[full, "n_preempted"]).all()
    # One dispatch row per officer or county head counted in n_own + n_other + n_case + n_county.
    rows = res.dispatches.groupby(["model", "incident"]).size()
    counted = inc.set_index(["model", "incident"])[["n_own", "n_other", "n_case", "n_county"]]
    counted = counted.sum(axis=1)
    assert rows.reindex(counted.index, fill_value=0).astype(int).equals(counted.astype(int))
    # The isolated model never uses another station or a case team.
    iso = inc[inc["model"] == "isolated"]
    assert (iso["n_other"] == 0).all() and (iso["n_case"] == 0).all()
    if not doc["county"]["enabled"]:
        assert inc["county_requested_min"].isna().all()
    # Every officer's minutes add up to the observed time, exactly.
    off = res.officers
    state_cols = [
        c
        for c in off.columns
        if c.endswith("_min") and c not in ("observed_min", "on_duty_min", "busy_min")
    ]
    total = off[state_cols].sum(axis=1)
    assert np.allclose(total, off["observed_min"], rtol=1e-9, atol=1e-6)
    assert (off[state_cols] >= -TOL).all().all()
    met = res.metrics
    met = met[met["breakdown"].isin(["all", "township"])]  # officers are not split by call
    assert ((met["utilisation"] >= 0) & (met["utilisation"] <= 1 + TOL)).all()
