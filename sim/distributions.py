"""Probability distributions a scenario can name wherever a time or count is drawn.

Each distribution is a frozen pydantic model with a ``dist`` tag (the YAML key
that selects it), a :meth:`sample` method that draws from a numpy
``Generator`` and a :attr:`mean` property, so tests can compare sample means
with the stated mean. Units are those of the field that holds the
distribution (``_min`` for minutes, ``_hours`` for hours).

YAML examples::

    {dist: fixed, value: 5}
    {dist: uniform, low: 30, high: 70}
    {dist: exponential, mean: 90}
    {dist: lognormal, mean: 90, sd: 40}
    {dist: triangular, low: 10, mode: 20, high: 60}
    {dist: choice, values: [2, 3, 6], p: [0.6, 0.3, 0.1]}
    {dist: gamma, mean: 30, sd: 15}
    {dist: weibull, shape: 1.5, scale: 40}
    {dist: empirical, quantiles: [4, 12, 20, 31, 55, 140]}
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

if TYPE_CHECKING:
    import numpy as np

# numpy is imported by the methods that draw: validating a scenario (``policesim check``)
# never draws, and importing numpy would double that command's start-up (tests/test_startup.py).

#: Largest parameter a distribution accepts (minutes, hours or officers): far beyond any
#: real use, small enough that draws and sums of draws stay finite.
MAX_PARAMETER = 1e9

#: The distributions a scenario can name, by their ``dist`` key.
DIST_NAMES = (
    "fixed",
    "uniform",
    "exponential",
    "lognormal",
    "triangular",
    "choice",
    "gamma",
    "weibull",
    "empirical",
)


class _Dist(BaseModel):
    """Common base: frozen, strict types (``"5"`` is not a number), unknown keys refused.

    Every parameter must be finite and at most :data:`MAX_PARAMETER`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _not_huge(self) -> _Dist:
        for name in type(self).model_fields:
            value = getattr(self, name)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v > MAX_PARAMETER:
                    raise ValueError(
                        f"{type(self).model_fields[name].alias or name} is {v:g}, "
                        f"above the largest allowed value {MAX_PARAMETER:g}"
                    )
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` independent draws as a float array."""
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """Expected value of one draw."""
        raise NotImplementedError

    @property
    def minimum(self) -> float:
        """Smallest value a draw can take."""
        raise NotImplementedError

    @property
    def maximum(self) -> float:
        """Largest value a draw can take (``inf`` when unbounded)."""
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"]
    value: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` copies of ``value`` (consumes no random numbers)."""
        import numpy as np

        return np.full(size, float(self.value))

    @property
    def mean(self) -> float:
        """The value itself."""
        return float(self.value)

    @property
    def minimum(self) -> float:
        """The value itself."""
        return float(self.value)

    @property
    def maximum(self) -> float:
        """The value itself."""
        return float(self.value)


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` uniform draws."""
        return rng.uniform(self.low, self.high, size)

    @property
    def mean(self) -> float:
        """Midpoint of the interval."""
        return (self.low + self.high) / 2

    @property
    def minimum(self) -> float:
        """Lower bound."""
        return float(self.low)

    @property
    def maximum(self) -> float:
        """Upper bound."""
        return float(self.high)


class _ZeroToInf(_Dist):
    """A distribution on [0, inf): draws are never negative and have no upper bound."""

    @property
    def minimum(self) -> float:
        """Zero."""
        return 0.0

    @property
    def maximum(self) -> float:
        """Unbounded."""
        return math.inf


class Exponential(_ZeroToInf):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` exponential draws."""
        return rng.exponential(self.mean_, size)

    @property
    def mean(self) -> float:
        """The stated mean."""
        return float(self.mean_)


class _MeanSd(_ZeroToInf):
    """A distribution on (0, inf) given by the mean and sd of its draws.

    Subclasses declare ``mean_`` (alias ``mean``) and ``sd`` after their ``dist`` tag
    (not here: the fields keep their order, and dumps stay as they were).
    """

    @model_validator(mode="after")
    def _usable(self) -> _MeanSd:
        if self.sd > 1000 * self.mean_:  # type: ignore[attr-defined]
            raise ValueError(
                f"sd ({self.sd:g}) is more than 1000 times the mean ({self.mean_:g}); "
                f"no usable {self.dist} has that spread"
            )
        return self

    @property
    def mean(self) -> float:
        """The stated mean."""
        return float(self.mean_)


class Lognormal(_MeanSd):
    """Lognormal given by the mean and standard deviation of the draws themselves."""

    dist: Literal["lognormal"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` lognormal draws with the stated mean and sd."""
        mu, sigma = self._log_params()
        return rng.lognormal(mu, sigma, size)


class Triangular(_Dist):
    """Triangular on ``[low, high]`` with peak at ``mode``."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` triangular draws."""
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def mean(self) -> float:
        """(low + mode + high) / 3."""
        return (self.low + self.mode + self.high) / 3

    @property
    def minimum(self) -> float:
        """Lower bound."""
        return float(self.low)

    @property
    def maximum(self) -> float:
        """Upper bound."""
        return float(self.high)


#: How far a choice's ``p`` may sum from 1 and be renormalised (rounded shares such as
#: ``[0.333, 0.333, 0.333, 0]``); further is an error that states this tolerance.
P_SUM_TOLERANCE = 0.005


class Choice(_Dist):
    """Empirical distribution: one of ``values`` with probabilities ``p`` (equal if omitted)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    p: list[float] | None = None
    _renormalised_from: float | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _probabilities(self) -> Choice:
        if any(v < 0 for v in self.values):
            raise ValueError("values must be >= 0")
        if self.p is None:
            return self
        if len(self.p) != len(self.values):
            raise ValueError(f"p has {len(self.p)} entries but values has {len(self.values)}")
        if any(not 0 <= q <= 1 for q in self.p):
            raise ValueError("every p must lie in [0, 1]")
        total = sum(self.p)
        if math.isclose(total, 1.0, abs_tol=1e-9):
            return self
        if abs(total - 1.0) > P_SUM_TOLERANCE:
            raise ValueError(
                f"p must sum to 1 (within {P_SUM_TOLERANCE:.1%}, which is renormalised), "
                f"sums to {total:g}"
            )
        # Rounded shares ([0.333, 0.333, 0.333, 0]): renormalise, and say so (policesim check).
        object.__setattr__(self, "p", [q / total for q in self.p])  # the model is frozen
        self._renormalised_from = total
        return self

    @property
    def renormalised_from(self) -> float | None:
        """The sum of ``p`` as written, when it was renormalised to 1 (else None)."""
        return self._renormalised_from

    def _probs(self) -> np.ndarray:
        import numpy as np

        if self.p is None:
            return np.full(len(self.values), 1 / len(self.values))
        return np.asarray(self.p, dtype=float)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` draws from ``values``."""
        import numpy as np

        return rng.choice(np.asarray(self.values, dtype=float), size=size, p=self._probs())

    @property
    def mean(self) -> float:
        """Probability-weighted mean of ``values``."""
        import numpy as np

        return float(np.dot(self._probs(), self.values))

    def _possible(self) -> list[float]:
        """The values with positive probability (all of them when ``p`` is not given)."""
        if self.p is None:
            return list(self.values)
        return [v for v, q in zip(self.values, self.p) if q > 0]

    @property
    def minimum(self) -> float:
        """Smallest value with positive probability."""
        return float(min(self._possible()))

    @property
    def maximum(self) -> float:
        """Largest value with positive probability."""
        return float(max(self._possible()))


class Gamma(_MeanSd):
    """Gamma given by the mean and standard deviation of the draws (shape ``(mean/sd)**2``)."""

    dist: Literal["gamma"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` gamma draws with the stated mean and sd."""
        return rng.gamma((self.mean_ / self.sd) ** 2, self.sd**2 / self.mean_, size)


class Weibull(_ZeroToInf):
    """Weibull with ``shape`` k and ``scale`` (the field's unit): P(X > x) = exp(-(x/scale)^k)."""

    dist: Literal["weibull"]
    shape: float = Field(ge=0.05)
    scale: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` Weibull draws."""
        return self.scale * rng.weibull(self.shape, size)

    @property
    def mean(self) -> float:
        """``scale * Gamma(1 + 1/shape)``."""
        return float(self.scale * math.gamma(1 + 1 / self.shape))


class Empirical(_Dist):
    """A distribution read off data: ``quantiles`` at equally spaced probabilities.

    With n + 1 values q0 <= q1 <= ... <= qn, qi is the quantile at probability
    i/n (q0 the minimum, qn the maximum); a draw interpolates linearly between
    them (the inverse of a piecewise-linear distribution function), so every
    draw lies in [q0, qn] and each of the n intervals holds probability 1/n.
    """

    dist: Literal["empirical"]
    quantiles: list[float] = Field(min_length=2, max_length=1001)

    @model_validator(mode="after")
    def _ordered(self) -> Empirical:
        q = self.quantiles
        if any(v < 0 for v in q):
            raise ValueError("quantiles must be >= 0")
        if any(b < a for a, b in zip(q, q[1:])):
            raise ValueError("quantiles must be in increasing order (each >= the one before)")
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` draws by inverse-transform sampling of the interpolated quantiles."""
        import numpy as np

        q = np.asarray(self.quantiles, dtype=float)
        position = rng.random(size) * (len(q) - 1)
        return np.interp(position, np.arange(len(q)), q)

    @property
    def mean(self) -> float:
        """The mean of the piecewise-uniform distribution: the average of interval midpoints."""
        import numpy as np

        q = np.asarray(self.quantiles, dtype=float)
        return float(np.mean((q[:-1] + q[1:]) / 2))

    @property
    def minimum(self) -> float:
        """The first quantile."""
        return float(self.quantiles[0])

    @property
    def maximum(self) -> float:
        """The last quantile."""
        return float(self.quantiles[-1])


Distribution = Annotated[
    Union[Fixed, Uniform, Exponential, Lognormal, Triangular, Choice, Gamma, Weibull, Empirical],
    Field(discriminator="dist"),
]
"""Any distribution, selected in YAML by its ``dist`` key."""

#: Distributions whose draws are whole numbers when their parameters are (officer counts).
CountDistribution = Annotated[Union[Fixed, Choice], Field(discriminator="dist")]


def fixed(value: float) -> Fixed:
    """Build a :class:`Fixed` distribution (a convenience for code and tests)."""
    return Fixed(dist="fixed", value=value)


def is_zero(dist: _Dist) -> bool:
    """Return True when every draw of ``dist`` is exactly zero."""
    return dist.maximum == 0.0
