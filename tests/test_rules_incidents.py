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
