"""Counts of calls and their exact Poisson intervals: rates, hour and weekday profiles, villages.

Every number fitted here is a count of calls in a cell (a type, an hour of the
day, a weekday, a village, an officer count) over a known exposure (days
observed). Under the scenario's model calls are a Poisson process, so each
cell's count is Poisson and its rate has the exact (Garwood) interval
``[chi2(a/2; 2n)/2, chi2(1-a/2; 2n+2)/2] / exposure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import stats

#: A profile is written only when a chi-square test rejects a flat one at this level;
#: otherwise the type's hours (or weekdays) are left flat (no profile in the scenario).
PROFILE_TEST_ALPHA = 0.05


@dataclass(frozen=True)
class CountFit:
    """Counts per cell with their exposure and exact Poisson rate intervals.

    Attributes
    ----------
    counts
        Calls per cell.
    exposure_days
        Days each cell was observed (for an hour of the day: every day observed).
    rate, low, high
        Calls per day of exposure, and the interval at ``confidence`` (NaN for a cell
        with no exposure).
    confidence
        Two-sided confidence of ``low``/``high`` (e.g. 0.95).

    """

    counts: np.ndarray
    exposure_days: np.ndarray
    rate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    confidence: float

    @property
    def flat_p_value(self) -> float:
        """Chi-square p-value of "the rate is the same in every cell" (1.0 for one cell)."""
        seen = self.exposure_days > 0
        counts, exposure = self.counts[seen], self.exposure_days[seen]
        if len(counts) < 2 or counts.sum() == 0:
            return 1.0
        expected = counts.sum() * exposure / exposure.sum()
        return float(stats.chisquare(counts, expected).pvalue)

    def profile(self) -> list[float] | None:
        """Relative rates (mean 1 over cells), or None when a flat profile is not rejected.

        None too when a cell was never observed (a weekday in a period shorter than a week).
        """
        if (self.exposure_days == 0).any() or self.flat_p_value >= PROFILE_TEST_ALPHA:
            return None
        relative = self.rate / self.rate.mean()
        return [round(float(v), 3) for v in relative]


def poisson_interval(counts: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) two-sided interval for Poisson means given observed ``counts``.

    Returns (low, high) in the unit of the counts (calls, not calls per day).
    """
    counts = np.asarray(counts, dtype=float)
    tail = (1 - confidence) / 2
    low = np.where(counts > 0, stats.chi2.ppf(tail, 2 * counts) / 2, 0.0)
    high = stats.chi2.ppf(1 - tail, 2 * counts + 2) / 2
    return low, high


def count_fit(counts: np.ndarray, exposure_days: np.ndarray, confidence: float) -> CountFit:
    """Rates per day of exposure with exact Poisson intervals."""
    counts = np.asarray(counts, dtype=np.int64)
    exposure = np.asarray(exposure_days, dtype=float)
    low, high = poisson_interval(counts, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):  # a cell never observed: NaN
        per_day = [np.where(exposure > 0, x / exposure, np.nan) for x in (counts, low, high)]
    return CountFit(counts, exposure, *per_day, confidence)


def weekday_days(start: datetime, days: int) -> np.ndarray:
    """Days of each weekday (Monday first) in the ``days`` days from ``start``."""
    first = start.weekday()
    return np.array([len(range((d - first) % 7, days, 7)) for d in range(7)], dtype=float)


def hour_counts(times: np.ndarray) -> np.ndarray:
    """Calls per hour of the day (24 counts) of datetime64 ``times``."""
    hours = (times.astype("datetime64[h]") - times.astype("datetime64[D]")).astype(int)
    return np.bincount(hours, minlength=24)


def weekday_counts(times: np.ndarray) -> np.ndarray:
    """Calls per weekday (Monday first) of datetime64 ``times``."""
    days = times.astype("datetime64[D]").astype(np.int64)
    return np.bincount((days + 3) % 7, minlength=7)  # 1970-01-01 was a Thursday


def choice_shares(values: np.ndarray) -> tuple[list[int], list[float]]:
    """Distinct whole ``values`` and their shares (rounded to 4 places, summing to exactly 1)."""
    kinds, counts = np.unique(values, return_counts=True)
    shares = [round(float(c / counts.sum()), 4) for c in counts]
    biggest = int(np.argmax(counts))
    shares[biggest] = round(1.0 - sum(s for i, s in enumerate(shares) if i != biggest), 4)
    return [int(k) for k in kinds], shares
