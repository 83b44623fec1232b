"""On-scene minutes: candidate families by maximum likelihood, chosen by AIC, checked by KS.

The candidates are the families a scenario can hold (:mod:`sim.distributions`):
exponential, lognormal, gamma and Weibull, each with its lower end at zero
(``loc = 0``). The one with the smallest AIC (``2k - 2 log L``) is taken, and
its fit is checked with the Kolmogorov-Smirnov statistic. Because the
parameters were estimated from the same data, the textbook KS p-value would be
too large (too kind); the p-value here is a parametric bootstrap (each
simulated sample is refitted, :func:`scipy.stats.goodness_of_fit`), which
accounts for that. When it is below ``gof_alpha`` (or a duration is zero,
which none of the families allows) the type gets an ``empirical``
distribution: its quantiles at 0, 5, ..., 100%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Candidate families: name -> (scipy distribution, number of free parameters with loc = 0).
CANDIDATES: dict[str, tuple[stats.rv_continuous, int]] = {
    "exponential": (stats.expon, 1),
    "lognormal": (stats.lognorm, 2),
    "gamma": (stats.gamma, 2),
    "weibull": (stats.weibull_min, 2),
}

#: Quantiles written for an empirical distribution (0, 5, ..., 100%).
EMPIRICAL_QUANTILES = 21

#: Fewer durations than this: no family is fitted (too little to choose), empirical instead.
MIN_FOR_FAMILY = 10

#: Bootstrap samples for the goodness-of-fit p-value (fixed seed: the same log, the same p).
GOF_SAMPLES = 199


@dataclass(frozen=True)
class Candidate:
    """One family fitted by maximum likelihood.

    ``params``: scipy's shape(s) and scale (loc fixed at 0); ``ks``: the KS
    distance between the data and the fitted distribution function.
    """

    family: str
    params: tuple[float, ...]
    log_likelihood: float
    aic: float
    ks: float

    def frozen(self) -> stats.rv_continuous:
        """The fitted scipy distribution."""
        dist, _ = CANDIDATES[self.family]
        return dist(*self.params[:-1], loc=0, scale=self.params[-1])


@dataclass(frozen=True)
class DurationFit:
    """The on-scene fit of one incident type.

    Attributes
    ----------
    n, mean, sd
        Durations observed, their mean and standard deviation (minutes).
    candidates
        Every family fitted, smallest AIC first (empty when none could be).
    chosen
        The family written to the scenario, or ``"empirical"``.
    gof_p
        Bootstrap KS p-value of the best family (NaN when none was fitted).
    reason
        Why ``chosen`` was chosen, in words.
    dist
        The distribution as a scenario mapping (``{dist: lognormal, mean: .., sd: ..}``).

    """

    n: int
    mean: float
    sd: float
    candidates: tuple[Candidate, ...]
    chosen: str
    gof_p: float
    reason: str
    dist: dict


def fit_candidates(minutes: np.ndarray) -> list[Candidate]:
    """Fit every family by maximum likelihood (loc = 0); smallest AIC first."""
    fitted = []
    for family, (dist, k) in CANDIDATES.items():
        params = dist.fit(minutes, floc=0)
        shapes_scale = (*params[:-2], params[-1])
        log_l = float(np.sum(dist.logpdf(minutes, *params)))
        ks = float(stats.kstest(minutes, dist.cdf, args=params).statistic)
        fitted.append(Candidate(family, shapes_scale, log_l, 2 * k - 2 * log_l, ks))
    return sorted(fitted, key=lambda c: c.aic)


def fit_on_scene(minutes: np.ndarray, gof_alpha: float = 0.01, seed: int = 0) -> DurationFit:
    """Fit the on-scene minutes of one type; see the module docstring for the rule."""
    minutes = np.asarray(minutes, dtype=float)
    n, mean = len(minutes), float(minutes.mean())
    sd = float(minutes.std(ddof=1)) if n > 1 else 0.0
    if n < MIN_FOR_FAMILY or minutes.min() <= 0 or sd == 0:
        why = (
            f"only {n} durations (a family needs {MIN_FOR_FAMILY})"
            if n < MIN_FOR_FAMILY
            else "all durations are equal" if sd == 0
            else "some durations are 0, which no candidate family allows"
        )
        return DurationFit(n, mean, sd, (), "empirical", math.nan, why, empirical(minutes))
    candidates = fit_candidates(minutes)
    best = candidates[0]
    dist, _ = CANDIDATES[best.family]
    gof = stats.goodness_of_fit(
        dist, minutes, known_params={"loc": 0}, statistic="ks",
        n_mc_samples=GOF_SAMPLES, rng=np.random.default_rng(seed),
    )
    p = float(gof.pvalue)
    if p < gof_alpha:
        why = (f"{best.family} had the smallest AIC but fails the KS test "
               f"(bootstrap p = {p:.3f} < {gof_alpha:g})")
        return DurationFit(n, mean, sd, tuple(candidates), "empirical", p, why,
                           empirical(minutes))
    why = f"smallest AIC; KS test does not reject it (bootstrap p = {p:.3f} >= {gof_alpha:g})"
    return DurationFit(n, mean, sd, tuple(candidates), best.family, p, why,
                       scenario_dist(best))


def scenario_dist(c: Candidate) -> dict:
    """The fitted family as a scenario distribution mapping (4 significant digits)."""
    fitted = c.frozen()
    mean, sd = _sig(fitted.mean()), _sig(fitted.std())
    if c.family == "exponential":
        return {"dist": "exponential", "mean": mean}
    if c.family == "weibull":
        return {"dist": "weibull", "shape": _sig(c.params[0]), "scale": _sig(c.params[-1])}
    return {"dist": c.family, "mean": mean, "sd": sd}


def empirical(minutes: np.ndarray) -> dict:
    """An ``empirical`` distribution: the quantiles at 0, 5, ..., 100% (2 decimals)."""
    if len(minutes) == 1 or np.ptp(minutes) == 0:
        return {"dist": "fixed", "value": round(float(minutes[0]), 2)}
    q = np.quantile(minutes, np.linspace(0, 1, EMPIRICAL_QUANTILES))
    return {"dist": "empirical", "quantiles": [round(float(v), 2) for v in q]}


def _sig(x: float) -> float:
    return float(f"{x:.4g}")
