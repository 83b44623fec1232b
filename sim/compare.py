"""Which model is better on each metric: direction, practical threshold and the paired verdict.

The one place that says what "better" means. The CLI comparison table, the
HTML report and the sweep summary only render what :func:`verdict` returns.
A metric added to :data:`sim.metrics.METRICS` must get a :class:`Rule` here
(``tests/test_compare.py`` fails until it does), so a new metric can never
silently read the wrong way round.

The verdict of one metric, from the paired differences ``baseline - other``
across replications (the two models saw the same incidents; the baseline and
the other models come from :mod:`sim.models.registry`):

* **too few replications** when the 95% interval is undefined (one replication);
* **no clear difference** when the interval contains 0 (more replications may
  still resolve it either way), or when the mean difference is smaller than the
  metric's practical threshold (a real but negligible difference: 0.02 hours of
  investigation turnaround is nobody's reason to reorganise a county);
* otherwise the better model's name, by the metric's direction.

:func:`comparison` builds the whole comparison of a summary (cells per model
and difference, verdicts, bottom lines) that the CLI table, the HTML report and
the sweep summary render.

Metrics without a direction (``calls``: the same incidents reach both models;
utilisation and patrol share: busier officers are neither good nor bad in
themselves) are described, not ranked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from .metrics import ALL, HEADLINE_METRICS, METRICS, STABILITY, model_order, unstable_models
from .models import registry

#: Directions.
LOWER, HIGHER, UNRANKED = -1, 1, 0

NO_CLEAR = "no clear difference"
TOO_FEW = "too few replications"
NOT_RANKED = "not ranked"
UNSTABLE = "not compared"
NO_DATA = "no data"


@dataclass(frozen=True)
class Rule:
    """How to read one metric.

    Attributes
    ----------
    direction
        :data:`LOWER` or :data:`HIGHER` is better, or :data:`UNRANKED`.
    threshold
        The smallest difference that matters in practice, in the metric's own
        units (shares as fractions: 0.01 is one percentage point).
    threshold_text
        The threshold as people say it (``0.5 min``, ``1 pp``).

    """

    direction: int
    threshold: float
    threshold_text: str


_TIME = Rule(LOWER, 0.5, "0.5 min for times")
_SHARE_LOW = Rule(LOWER, 0.01, "1 pp for shares")
_SHARE_HIGH = Rule(HIGHER, 0.01, "1 pp for shares")
_SHARE_UNRANKED = Rule(UNRANKED, 0.01, "1 pp for shares")
_HOURS_UNRANKED = Rule(UNRANKED, 0.5, "0.5 officer-hours a day")

#: Metric -> how to read it. Every metric of sim.metrics.METRICS and STABILITY is here.
RULES: dict[str, Rule] = {
    "calls": Rule(UNRANKED, 0.5, "1 call"),
    "response_mean_min": _TIME,
    "response_median_min": _TIME,
    "response_p90_min": _TIME,
    "response_p95_min": _TIME,
    "within_target_share": _SHARE_HIGH,
    "unanswered_share": _SHARE_LOW,
    "full_strength_mean_min": _TIME,
    "full_strength_median_min": _TIME,
    "full_strength_p90_min": _TIME,
    "full_strength_p95_min": _TIME,
    "short_handed_share": _SHARE_LOW,
    # reinforcement is how a call is helped, not an outcome: more of it is neither good nor bad
    "reinforced_share": _SHARE_UNRANKED,
    "reinforcement_mean_min": _TIME,
    "own_short_share": _SHARE_LOW,
    # routine cover by a nearer officer of another township: how, not how well
    "cross_township_share": _SHARE_UNRANKED,
    "same_call_full_strength_mean_min": _TIME,
    "same_call_full_strength_p90_min": _TIME,
    "county_requests_per_30d": Rule(LOWER, 0.5, "0.5 for county requests per 30 days"),
    "county_stood_down_per_30d": Rule(UNRANKED, 0.5, "0.5 per 30 days"),
    # the time budget: staffing accounting (unranked) and visible patrol (more is the aim)
    "on_duty_hours_per_day": _HOURS_UNRANKED,
    "community_on_duty_hours_per_day": _HOURS_UNRANKED,
    "case_team_on_duty_hours_per_day": _HOURS_UNRANKED,
    "room_on_duty_hours_per_day": _HOURS_UNRANKED,
    "on_duty_hours_per_officer_year": Rule(UNRANKED, 10.0, "10 h per officer-year"),
    "patrol_hours_per_day": Rule(HIGHER, 1.0, "1 officer-hour a day of patrol"),
    "desk_hours_per_day": _HOURS_UNRANKED,
    "call_hours_per_day": _HOURS_UNRANKED,
    "case_work_hours_per_day": _HOURS_UNRANKED,
    "duty_hours_per_day": _HOURS_UNRANKED,
    "walk_in_wait_mean_min": _TIME,
    "walk_in_wait_p90_min": _TIME,
    "utilisation": _SHARE_UNRANKED,
    "patrol_share": _SHARE_UNRANKED,
    "investigation_turnaround_mean_hours": Rule(LOWER, 0.5, "0.5 h for investigation turnaround"),
    "investigations_open_share": _SHARE_LOW,
    "unstable_share": _SHARE_LOW,
    "backlog_at_end": Rule(LOWER, 1.0, "1 call for the backlog"),
}


class UnknownMetric(KeyError):
    """A metric without a :class:`Rule`: add one to :data:`RULES`."""


def rule(metric: str) -> Rule:
    """The :class:`Rule` of ``metric``; raises :class:`UnknownMetric` when it has none."""
    try:
        return RULES[metric]
    except KeyError:
        raise UnknownMetric(
            f"metric {metric!r} has no direction in sim/compare.py RULES: say whether lower or "
            "higher is better (or neither) and the smallest difference that matters"
        ) from None


def direction(metric: str) -> int:
    """-1 when lower is better, +1 when higher is better, 0 when neither."""
    return rule(metric).direction


@dataclass(frozen=True)
class Verdict:
    """The verdict on one metric for one pair of models.

    ``better`` is the better model's name, ``no clear difference``, ``too few
    replications``, ``no data``, ``not ranked`` or ``not compared`` (a queue was
    unstable); ``reason`` says why in a few words (for notes and tooltips);
    ``pair`` is (baseline, other).
    """

    better: str
    reason: str
    pair: tuple[str, str] = ("", "")

    @property
    def winner(self) -> str | None:
        """The better model's name when one is clearly better, else None."""
        return self.better if self.better in self.pair else None


def _default_pair() -> tuple[str, str]:
    base, other, *_ = registry.names()
    return base, other


def verdict(
    metric: str,
    low: float,
    high: float,
    mean: float | None = None,
    unstable: bool = False,
    pair: tuple[str, str] | None = None,
) -> Verdict:
    """Judge ``metric`` from the paired 95% interval [low, high] of ``base - other``.

    ``mean`` is the mean paired difference (default: the interval's middle);
    ``unstable`` says a model's queue was unstable, so waiting times are not
    compared; ``pair`` is (base, other) (default: the first two registered models).
    """
    pair = pair or _default_pair()
    r = rule(metric)
    if r.direction == UNRANKED:
        return Verdict(NOT_RANKED, "neither direction is better", pair)
    if unstable:
        return Verdict(UNSTABLE, "a queue was unstable: its waiting times grow with the run", pair)
    if _nan(low) or _nan(high):
        if _nan(mean):
            return Verdict(NO_DATA, "no replication had a value (e.g. no such events)", pair)
        return Verdict(TOO_FEW, "one replication gives no interval", pair)
    if mean is None or _nan(mean):
        mean = (low + high) / 2
    if low <= 0 <= high:
        return Verdict(NO_CLEAR, "the 95% interval contains 0", pair)
    if abs(mean) < r.threshold:
        return Verdict(NO_CLEAR, f"below the practical threshold ({r.threshold_text})", pair)
    other_lower = mean > 0
    other_better = other_lower if r.direction == LOWER else not other_lower
    return Verdict(pair[1] if other_better else pair[0], "95% interval excludes 0", pair)


def waits(metric: str) -> bool:
    """Metrics an unstable queue makes meaningless (waiting times grow with the horizon)."""
    return METRICS.get(metric, ("",))[0] == "min" or metric == "within_target_share"


def summary_models(summary: pd.DataFrame) -> list[str]:
    """The models of ``summary`` in report order, its baseline first (no difference labels)."""
    return model_order(m for m in summary["model"] if not registry.is_difference(m))


def summary_verdicts(
    summary: pd.DataFrame,
    township: str = ALL,
    metrics: Sequence[str] | None = None,
    other: str | None = None,
) -> dict[str, Verdict]:
    """The verdict of each metric of a run's ``summary`` (:func:`sim.metrics.summarise`).

    For the pair (baseline, ``other``); ``other`` defaults to the summary's first
    model after the baseline.
    """
    models = summary_models(summary)
    if other is None:
        other = models[1] if len(models) > 1 else None
    if other is None:
        return {}
    label = registry.difference(other, models[0])
    block = summary[summary["township"].astype(str) == township].set_index(["metric", "model"])
    unstable = bool(unstable_models(summary, township))
    if metrics is None:
        metrics = list(dict.fromkeys(block.index.get_level_values(0)))
    out = {}
    for metric in metrics:
        if (metric, label) not in block.index:
            continue
        d = block.loc[(metric, label)]
        out[metric] = verdict(
            metric, d["ci_low"], d["ci_high"], d["mean"],
            unstable=unstable and waits(metric), pair=(models[0], other),
        )
    return out


def bottom_line(verdicts: Iterable[Verdict]) -> str:
    """One sentence: on how many ranked metrics each model of the pair is better."""
    verdicts = list(verdicts)
    base, other = next((v.pair for v in verdicts if all(v.pair)), None) or _default_pair()
    ranked = [v for v in verdicts if v.better != NOT_RANKED]
    n_other = sum(v.better == other for v in ranked)
    n_base = sum(v.better == base for v in ranked)
    unstable = sum(v.better == UNSTABLE for v in ranked)
    text = (
        f"{other} is better on {n_other} of {len(ranked)} headline metrics, {base} on "
        f"{n_base}, no clear difference on the rest"
    )
    if unstable:
        text += f" ({unstable} of them not compared: a queue was unstable)"
    return text + "."


@dataclass(frozen=True)
class Cell:
    """One value of a comparison table, formatted; renderers add only their markup.

    ``mean`` is the number (``14.69``, ``83.5%``, ``+10.4 pp``), ``-`` when missing
    or ``unstable`` when an unstable queue makes a waiting time meaningless;
    ``bounds`` the interval ``[low, high]`` or empty; ``below_zero`` marks a
    model's interval reaching below 0 (see :data:`BELOW_ZERO_NOTE`).
    """

    mean: str
    bounds: str = ""
    below_zero: bool = False

    def __str__(self) -> str:
        return " ".join(filter(None, (self.mean, self.bounds))) + (
            BELOW_ZERO_MARK if self.below_zero else ""
        )


@dataclass(frozen=True)
class ComparisonRow:
    """One metric: a :class:`Cell` per model, then per other model its difference and verdict."""

    metric: str
    models: tuple[Cell, ...]
    differences: tuple[Cell, ...]
    verdicts: tuple[Verdict | None, ...]


@dataclass(frozen=True)
class Comparison:
    """The comparison of one scope (overall, a township, a priority...) of a summary.

    ``models`` are the summary's models (baseline first) and ``others`` the ones
    compared with the baseline; each row holds a cell per model, a paired
    difference per other model and its verdict. :attr:`columns` names the
    value columns in the order :meth:`ComparisonRow.values` gives them.
    """

    scope: str
    models: tuple[str, ...]
    rows: tuple[ComparisonRow, ...]
    bottom_lines: tuple[str, ...]

    @property
    def below_zero(self) -> bool:
        """Whether some model's interval reaches below 0 (the note then explains the mark)."""
        return any(c.below_zero for r in self.rows for c in r.models)

    @property
    def others(self) -> tuple[str, ...]:
        """The models compared with the baseline."""
        return self.models[1:]

    @property
    def columns(self) -> list[str]:
        """Value column headers: models, then ``base - other (paired)`` and ``better`` per other."""
        out = list(self.models)
        for o in self.others:
            out += [f"{registry.difference(o, self.models[0])} (paired)",
                    "better" if len(self.others) == 1 else f"better ({o})"]
        return out

    @property
    def notes(self) -> list[str]:
        """The lines under the table: bottom lines, thresholds and units, the below-0 mark."""
        lines = [f"bottom line: {b}" for b in self.bottom_lines]
        lines.append(f"{threshold_note(HEADLINE_METRICS)}. Shares in %, their differences in "
                     "percentage points (pp).")
        return [*lines, BELOW_ZERO_NOTE] if self.below_zero else lines

    def to_frame(self) -> pd.DataFrame:
        """The table as text, one row per metric and one column per :attr:`columns` (notebooks)."""
        return pd.DataFrame(
            [[verdict_text(v) if v is None or isinstance(v, Verdict) else str(v)
              for v in row_values(r)] for r in self.rows],
            index=pd.Index([r.metric for r in self.rows], name="metric"),
            columns=self.columns,
        )


def row_values(row: ComparisonRow) -> list[Cell | Verdict | None]:
    """The row's values in :attr:`Comparison.columns` order."""
    out: list[Cell | Verdict | None] = list(row.models)
    for d, v in zip(row.differences, row.verdicts):
        out += [d, v]
    return out


def comparison(
    summary: pd.DataFrame, scope: str = ALL, metrics: Sequence[str] | None = None
) -> Comparison:
    """Build the comparison table of ``scope`` for ``metrics`` (default: the headline ones).

    Metrics the scope has no rows for are left out; an unstable model's waiting
    times (and their differences) show as ``unstable``. The bottom line (one per
    other model) counts the verdicts of the headline metrics.
    """
    if metrics is None:
        metrics = (*HEADLINE_METRICS, "unstable_share")
    models = summary_models(summary)
    base = models[0]
    block = summary[summary["township"].astype(str) == scope].set_index(["metric", "model"])
    unstable = unstable_models(summary, scope)
    hide = unstable | {registry.difference(o, base) for o in models[1:]} if unstable else set()
    judged = list(dict.fromkeys([*metrics, *HEADLINE_METRICS]))
    verdicts = {o: summary_verdicts(summary, scope, judged, other=o) for o in models[1:]}
    headline = {o: {m: v for m, v in verdicts[o].items() if m in HEADLINE_METRICS}
                for o in models[1:]}

    def cell(metric: str, model: str) -> Cell:
        if (metric, model) not in block.index:
            return Cell("-")
        if waits(metric) and model in hide:
            return Cell("unstable")
        r = block.loc[(metric, model)]
        text, below = interval(r["mean"], r["ci_low"], r["ci_high"], metric,
                               registry.is_difference(model))
        mean, _, bounds = text.partition(" [")
        return Cell(mean, f"[{bounds}" if bounds else "", below)

    rows = []
    for metric in metrics:
        if (metric, base) not in block.index:
            continue
        rows.append(ComparisonRow(
            metric,
            tuple(cell(metric, m) for m in models),
            tuple(cell(metric, registry.difference(o, base)) for o in models[1:]),
            tuple(verdicts[o].get(metric) for o in models[1:]),
        ))
    return Comparison(
        scope,
        tuple(models),
        tuple(rows),
        tuple(bottom_line(headline[o].values()) for o in models[1:] if headline[o]),
    )


def verdict_text(v: Verdict | None) -> str:
    """A verdict as table text: ``pooled better``, ``no clear difference``, or empty."""
    if v is None:
        return ""
    return f"{v.better} better" if v.winner else v.better


def threshold_note(metrics: Iterable[str]) -> str:
    """The practical thresholds of the ranked ``metrics``, for a note under a table."""
    texts = dict.fromkeys(rule(m).threshold_text for m in metrics if direction(m) != UNRANKED)
    return (
        "better: the paired 95% interval excludes 0 and the difference is at least "
        + ", ".join(texts)
        + "; otherwise no clear difference"
    )


# --------------------------------------------------------------------------- numbers as shown


def unit(metric: str) -> str:
    """The metric's unit (``min``, ``hours``, ``share``, ``count``)."""
    return {**METRICS, **STABILITY}.get(metric, ("",))[0]


def number(value: float | None, metric: str, difference: bool = False, sign: bool = False) -> str:
    """One number as tables show it: shares in % (differences in percentage points, ``pp``).

    Differences carry their sign; nothing prints as ``-0.0``.
    """
    if _nan(value):
        return "-"
    u = unit(metric)
    v = 100 * float(value) if u == "share" else float(value)
    digits = 1 if u == "share" else 0 if metric in ("calls", "backlog_at_end") else 2
    v = round(v, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{v:{'+' if (difference or sign) and v else ''},.{digits}f}"
    if u == "share":
        return f"{text} pp" if difference else f"{text}%"
    return text


def interval(
    mean: float | None, low: float | None, high: float | None, metric: str,
    difference: bool = False,
) -> tuple[str, bool]:
    """``mean [low, high]``, and whether a model's interval reaches below 0.

    Every metric is a count, share or time that cannot be negative, but a
    Student-t interval from few replications (or rare events) can reach below
    0: it is printed as it is and flagged, for the caller to label.
    """
    text = number(mean, metric, difference)
    if _nan(low) or _nan(high):
        return text, False
    bounds = [number(b, metric, difference) for b in (low, high)]
    if unit(metric) == "share":  # the unit once, after the mean
        bounds = [b.removesuffix(" pp").removesuffix("%") for b in bounds]
    below = not difference and float(low) < 0  # type: ignore[arg-type]
    return f"{text} [{bounds[0]}, {bounds[1]}]", below


#: The label of a model interval that reaches below 0.
BELOW_ZERO_MARK = "*"
BELOW_ZERO_NOTE = (
    "* the 95% interval reaches below 0, which this count, share or time cannot: "
    "too few replications or rare events; read its lower end as 0"
)


def _nan(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
