"""Each distribution's sample mean agrees with its stated mean (99.9% interval, fixed seed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

from sim.distributions import Distribution, is_zero

N = 200_000
SPECS = [
    {"dist": "fixed", "value": 5},
    {"dist": "uniform", "low": 30, "high": 70},
    {"dist": "exponential", "mean": 90},
    {"dist": "lognormal", "mean": 90, "sd": 40},
    {"dist": "triangular", "low": 10, "mode": 20, "high": 60},
    {"dist": "choice", "values": [2, 3, 6], "p": [0.6, 0.3, 0.1]},
    {"dist": "choice", "values": [1, 4]},
]
adapter = TypeAdapter(Distribution)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["dist"])
def test_sample_mean_matches_stated_mean(spec):
    dist = adapter.validate_python(spec)
    x = dist.sample(np.random.default_rng(12345), N)
    assert len(x) == N
    assert x.min() >= dist.minimum and x.max() <= dist.maximum
    se = x.std(ddof=1) / math.sqrt(N)
    z = stats.norm.ppf(0.9995)
    assert abs(x.mean() - dist.mean) <= z * se + 1e-12, f"sim={x.mean():.4f} stated={dist.mean:.4f}"


def test_lognormal_has_the_stated_spread():
    dist = adapter.validate_python({"dist": "lognormal", "mean": 90, "sd": 40})
    x = dist.sample(np.random.default_rng(7), N)
    # The standard error of a sample sd is about sd * sqrt((kurtosis - 1) / 4n); 5% is > 10 SE here.
    assert x.std() == pytest.approx(40, rel=0.05)


def test_a_wrong_mean_would_be_caught():
    dist = adapter.validate_python({"dist": "exponential", "mean": 90})
    x = dist.sample(np.random.default_rng(1), N)
    se = x.std(ddof=1) / math.sqrt(N)
    assert abs(x.mean() - 90 * 1.02) > stats.norm.ppf(0.9995) * se


def test_zero_detection():
    assert is_zero(adapter.validate_python({"dist": "fixed", "value": 0}))
    assert not is_zero(adapter.validate_python({"dist": "exponential", "mean": 1}))
