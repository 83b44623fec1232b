"""Rule tests: the incident stream (docs/model.md, Incidents).

Each incident type is a Poisson process with ``rate_per_day x demand_scale``,
shaped by the ``hourly_profile`` (normalised to mean 1, constant within each
hour), over the whole horizon; the village is drawn by demand weight; every
attribute comes from its own seeded stream, so a replication is reproducible.
The checks are on counts large enough (tens of thousands) that each bound is
many standard deviations wide, with a fixed seed.
"""

from __future__ import annotations

import numpy as np

from sim.incidents import draw_incidents
from tests.rulekit import fixed, load, scenario

RATE = "rule: calls per day = rate_per_day x demand_scale"
PROFILE = "rule: the hourly profile shapes the rate (normalised to mean 1)"
HORIZON = "rule: calls arrive over [0, horizon), evenly within each hour"
WEIGHT = "rule: the village of a call is drawn by demand weight"
SEEDED = "rule: a replication's stream is reproducible from its seed"


def doc(rate=1000.0, profile=None, days=20.0, scale=1.0, weights=(1.0, 3.0)):
    villages = {"V1": ("A", weights[0]), "V2": ("A", weights[1])}
    d = scenario([("S", "V1", 5), ("S", "V2", 5)], {"A": ("S", 1)}, villages,
                 horizon_days=days, demand_scale=scale)  # fmt: skip
    d["incident_types"] = [{"id": "call", "rate_per_day": rate, "priority": 2,
                            "hourly_profile": profile, "on_scene_min": fixed(10)}]  # fmt: skip
    return d


def stream(d, replication=0):
    loaded = load(d)
    return draw_incidents(loaded.scenario, loaded.network, replication)


def test_rate_and_demand_scale():
    for scale in (1.0, 2.0):
        n = len(stream(doc(scale=scale)))
        want = 1000 * 20 * scale
        assert abs(n - want) < 0.02 * want, f"{RATE}: {n} calls, expected about {want:.0f}"


def test_hourly_profile_shapes_and_keeps_the_daily_rate():
    profile = [0.0] * 24
    profile[1], profile[2] = 1.0, 3.0  # 1/4 of the calls in 01:00-02:00, 3/4 in 02:00-03:00
    s = stream(doc(profile=profile))
    hour = (s.call_min % 1440) // 60
    assert set(hour.tolist()) <= {1.0, 2.0}, f"{PROFILE}: no calls in hours of rate 0"
    share = (hour == 1).mean()
    assert abs(share - 0.25) < 0.02, f"{PROFILE}: 1:3 between the two hours, got {share:.3f}"
    assert abs(len(s) - 20000) < 400, f"{PROFILE}: the daily total stays rate_per_day"


def test_arrivals_cover_the_horizon_evenly():
    s = stream(doc(days=10.51))  # ends 14.4 minutes into an hour
    horizon = 10.51 * 1440
    assert s.call_min.min() >= 0 and s.call_min.max() < horizon, f"{HORIZON}: inside the run"
    assert s.call_min.max() > horizon - 14.4, f"{HORIZON}: the last part-hour has calls"
    assert (np.diff(s.call_min) >= 0).all(), f"{HORIZON}: sorted by call time"
    minute = s.call_min % 60
    assert abs(minute.mean() - 30) < 1, f"{HORIZON}: uniform within the hour: {minute.mean()}"
    per_day = np.bincount((s.call_min // 1440).astype(int))[:10]
    assert per_day.min() > 900, f"{HORIZON}: every day gets its calls: {per_day}"


def test_village_drawn_by_demand_weight():
    s = stream(doc())
    loaded = load(doc())
    v2 = loaded.network.places.index("V2")
    share = (s.place == v2).mean()
    assert abs(share - 0.75) < 0.02, f"{WEIGHT}: weights 1:3, V2 got {share:.3f}"
    s = stream(doc(weights=(0.0, 1.0)))
    assert (s.place == v2).all(), f"{WEIGHT}: a village of weight 0 never has calls"
    assert (s.township == 0).all(), f"{WEIGHT}: the township of the village"


def test_stream_is_reproducible():
    d = doc(days=2)
    d["county"]["reinforcement_delay_min"] = {"dist": "uniform", "low": 30, "high": 70}
    a, b = stream(d), stream(d)
    assert a.digest() == b.digest(), f"{SEEDED}: same seed, same stream"
    c = stream(d, replication=1)
    assert a.digest() != c.digest(), f"{SEEDED}: another replication, another stream"


# --------------------------------------------------------------------------- walk-ins

WALK_FLAT = "rule: walk-ins without a profile come at a constant rate (the original draws)"
WALK_SHAPED = "rule: walk-in profiles shape visiting hours and days as for calls"
#: Bounds are this many binomial / Poisson standard deviations wide (fixed seed).
Z = 4.0


def walk_in_doc(per_day=200.0, days=28.0, **profiles):
    d = doc(rate=1.0, days=days)
    d["duty_desk"] = {"seats": 1, "may_respond": True}
    d["walk_ins"] = {"per_day": {"A": per_day}, "service_min": fixed(5), **profiles}
    return d


def visitors(d, replication=0):
    from sim.incidents import draw_walk_ins

    return draw_walk_ins(load(d).scenario, replication)


def test_walk_in_hourly_profile_keeps_office_hours_and_the_daily_rate():
    office = [0.0] * 8 + [1.0] * 4 + [0.0] * 2 + [1.0] * 4 + [0.0] * 6  # 08-12, 14-18
    office[9] = 3.0  # a busy hour
    v = visitors(walk_in_doc(hourly_profile=office))
    hour = ((v.arrival_min % 1440) // 60).astype(int)
    assert set(hour.tolist()) <= {8, 9, 10, 11, 14, 15, 16, 17}, f"{WALK_SHAPED}: closed hours"
    n, want = len(v), 200.0 * 28
    assert abs(n - want) < Z * want**0.5, f"{WALK_SHAPED}: {n} visitors, expected {want:.0f}"
    p = 3.0 / sum(office)
    share = (hour == 9).mean()
    assert abs(share - p) < Z * (p * (1 - p) / n) ** 0.5, f"{WALK_SHAPED}: 09-10 share {share}"
    assert (np.diff(v.arrival_min) >= 0).all(), f"{WALK_SHAPED}: sorted by arrival"


def test_walk_in_weekday_profile_closes_the_weekend():
    v = visitors(walk_in_doc(weekday_profile=[1, 1, 1, 1, 1, 0, 0]))
    day = (v.arrival_min // 1440).astype(int) % 7
    assert set(day.tolist()) <= set(range(5)), f"{WALK_SHAPED}: none on Saturday or Sunday"
    n, want = len(v), 200.0 * 28  # the weekly mean stays per_day: 7/5 of it on weekdays
    assert abs(n - want) < Z * want**0.5, f"{WALK_SHAPED}: {n} visitors, expected {want:.0f}"


def test_walk_ins_without_a_profile_are_the_flat_stream():
    flat = visitors(walk_in_doc())
    hour = ((flat.arrival_min % 1440) // 60).astype(int)
    counts = np.bincount(hour, minlength=24)
    want = len(flat) / 24
    assert (abs(counts - want) < Z * want**0.5).all(), f"{WALK_FLAT}: {counts}"
    again = visitors(walk_in_doc())
    np.testing.assert_array_equal(flat.arrival_min, again.arrival_min, err_msg=SEEDED)


def test_a_bad_walk_in_profile_is_refused_naming_its_field(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from sim.cli import app

    for field, bad, says in (
        ("hourly_profile", [1.0] * 23, "needs 24 hourly values, got 23"),
        ("weekday_profile", [0] * 7, "not all zero"),
    ):
        path = tmp_path / f"{field}.yaml"
        path.write_text(yaml.safe_dump(walk_in_doc(**{field: bad})), encoding="utf-8")
        res = CliRunner().invoke(app, ["check", str(path)])
        assert res.exit_code == 2, res.output
        assert f"walk_ins.{field}" in res.output and says in res.output, res.output
        assert "Traceback" not in res.output
