"""The smallest staffing that meets a service target with 95% confidence, for both models.

Search (it never simulates every combination):

1. **Total officers, bisection.** A candidate is a total ``N``; it is split
   among the stations greedily by demand (each officer in turn goes to the
   station with the most demand per officer, after every station has the
   minimum its pool draws plus one field officer), keeping the scenario's
   room and case-team draws. ``N`` meets the target when the 95% confidence
   bound on the wrong side (the upper bound for ``<=``, the lower for ``>=``)
   meets it. Every candidate runs both models on the same replications and
   seed (common random numbers), so one set of simulations serves the
   bisection of each model; the metric is assumed monotone in ``N``.
2. **The split (``--vary case_team,command_room``).** At the pooled model's
   smallest ``N``, moving one officer between the community teams and the
   case team or the room (one step each way) is tried at ``N - 1``; a split
   that meets the target there is kept and the step repeats (greedy). Room
   seats follow the officers drawn for them (a room left with no seat is not
   a valid scenario), so no officer leaves the count.

The frontier is every candidate simulated: the target metric (mean and 95%
CI) against total officers for both models; "pooling saves" is the isolated
model's smallest ``N`` minus the pooled model's.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..loader import LoadedScenario
from ..metrics import METRICS, t_interval
from ..models import REFORM, pool_blocks
from .designs import design_key, load_doc
from .simulate import Runner

VARY = ("officers", "case_team", "command_room")
_TARGET = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=)\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Target:
    """``metric <= value`` or ``metric >= value``."""

    metric: str
    op: str
    value: float

    def met(self, low: float, high: float) -> bool:
        """True when the 95% interval's bound on the wrong side meets the target."""
        bound = high if self.op == "<=" else low
        if bound is None or math.isnan(bound):
            return False
        return bound <= self.value if self.op == "<=" else bound >= self.value

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


def parse_target(text: str) -> Target:
    """Parse ``--target``; raise :class:`ScenarioError` naming what is wrong."""
    m = _TARGET.match(text or "")
    if not m:
        raise ScenarioError(
            "--target", "", f"{text!r} is not 'METRIC <= NUMBER' or 'METRIC >= NUMBER' "
            "(e.g. \"full_strength_p90_min <= 30\")",
        )
    metric, op, value = m.group(1), m.group(2), float(m.group(3))
    if metric not in METRICS:
        raise ScenarioError("--target", "", f"{metric!r} is not a metric (one of: "
                            f"{', '.join(METRICS)})")  # fmt: skip
    return Target(metric, op, value)


def parse_vary(text: str) -> tuple[str, ...]:
    """Parse ``--vary``."""
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    bad = [p for p in parts if p not in VARY]
    if bad or "officers" not in parts:
        raise ScenarioError("--vary", "", f"expected a comma list of {', '.join(VARY)} that "
                            f"includes officers, got {text!r}")  # fmt: skip
    return parts


@dataclass
class Split:
    """Room and case-team draws of every pool: ``{pool index: (room, case)}`` per station."""

    room: list[dict[str, int]]
    case: list[dict[str, int]]

    def label(self) -> str:
        """e.g. ``room 2, case 3``."""
        return (f"room {sum(sum(r.values()) for r in self.room)}, "
                f"case {sum(sum(c.values()) for c in self.case)}")  # fmt: skip


@dataclass
class StaffSearch:
    """State of one ``staff`` run."""

    base: dict[str, Any]
    loaded: LoadedScenario
    source: Path
    target: Target
    reps: int
    runner: Runner
    budget: int
    evaluated: dict[tuple[int, str], dict[str, tuple[float, float, float]]] = field(
        default_factory=dict
    )
    docs: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sc = self.loaded.scenario
        self.ids = [s.id for s in sc.stations]
        net = self.loaded.network
        w = {s: 0.0 for s in self.ids}
        for t, wt in zip(net.village_township, net.village_weight):
            w[t] += float(wt)
        total = sum(w.values()) or 1.0
        self.demand = {s: w[s] / total for s in self.ids}
        self.split0 = Split(
            [dict(p.command_room.drawn_from) for p in sc.pools],
            [dict(p.case_team.from_stations) if p.case_team else {} for p in sc.pools],
        )

    # ---- candidates ---------------------------------------------------------------------

    def minimum(self, split: Split) -> dict[str, int]:
        """Fewest officers per station: its draws plus one field officer (and the desk)."""
        sc = self.loaded.scenario
        low = {s: 1 for s in self.ids}
        if sc.duty_desk is not None and sc.duty_desk.seats and not sc.duty_desk.may_respond:
            low = {s: sc.duty_desk.seats + 1 for s in self.ids}
        for room, case in zip(split.room, split.case):
            for s in self.ids:
                low[s] = max(low[s], room.get(s, 0) + case.get(s, 0) + 1)
        return low

    def allocate(self, total: int, split: Split) -> dict[str, int] | None:
        """Greedy split of ``total`` officers by demand (None below the minimum)."""
        n = dict(self.minimum(split))
        left = total - sum(n.values())
        if left < 0:
            return None
        for _ in range(left):
            s = max(self.ids, key=lambda x: (self.demand[x] / n[x], -self.ids.index(x)))
            n[s] += 1
        return n

    def document(self, total: int, split: Split) -> dict[str, Any] | None:
        """The scenario document of a candidate, or None when it cannot be built."""
        n = self.allocate(total, split)
        if n is None:
            return None
        doc = copy.deepcopy(self.base)
        doc["stations"] = [{**s, "officers": n[s["id"]]} for s in doc["stations"]]
        for b, room, case in zip(pool_blocks(doc), split.room, split.case):
            # dedicated call-takers (staff not drawn from a station) stay; drawn seats follow
            dedicated = int(b["command_room"]["staff"]) - sum(
                b["command_room"].get("drawn_from", {}).values()
            )
            b["command_room"]["drawn_from"] = dict(room)
            b["command_room"]["staff"] = max(0, dedicated) + sum(room.values())
            if b.get("case_team") is not None:
                b["case_team"]["from_stations"] = dict(case)
        return doc

    def evaluate(self, total: int, split: Split) -> dict[str, tuple[float, float, float]] | None:
        """Mean and 95% CI of the target metric per model (None: not a valid scenario)."""
        key = (total, split.label() + "|" + repr((split.room, split.case)))
        if key in self.evaluated:
            return self.evaluated[key]
        doc = self.document(total, split)
        if doc is None:
            return None
        try:
            loaded = load_doc(doc, self.source)
        except ScenarioError:
            return None
        res = self.runner.run({design_key(doc): loaded}, self.reps)[design_key(doc)]
        out = {}
        for model in REFORM:
            vals = np.array([r[model][self.target.metric] for r in res], dtype=float)
            out[model] = t_interval(vals)
        self.evaluated[key] = out
        self.docs[key] = doc
        return out

    def meets(self, total: int, split: Split, model: str) -> bool:
        """True when candidate ``total`` meets the target under ``model``."""
        res = self.evaluate(total, split)
        return res is not None and self.target.met(res[model][1], res[model][2])

    def smallest_valid(self, split: Split) -> int:
        """The smallest total that gives a valid scenario."""
        start = sum(self.minimum(split).values())
        for total in range(start, self.budget + 1):
            doc = self.document(total, split)
            try:
                load_doc(doc, self.source)
                return total
            except ScenarioError:
                continue
        return self.budget + 1

    def bisect(self, model: str, split: Split, lo: int) -> int | None:
        """Smallest total in ``[lo, budget]`` meeting the target (None: not even the budget)."""
        hi = self.budget
        if lo > hi or not self.meets(hi, split, model):
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if self.meets(mid, split, model):
                hi = mid
            else:
                lo = mid + 1
        return hi

    def improve_split(self, total: int, split: Split, vary: tuple[str, ...]) -> tuple[int, Split]:
        """Greedy: move one officer between community and room / case team; keep what saves one."""
        moves = [k for k in ("command_room", "case_team") if k in vary]
        while moves and total > 1:
            better = None
            for kind in moves:
                for step in (-1, 1):
                    cand = self._moved(split, kind, step)
                    if cand is not None and self.meets(total - 1, cand, REFORM.after):
                        better = cand
                        break
                if better:
                    break
            if better is None:
                break
            total, split = total - 1, better
        return total, split

    def _moved(self, split: Split, kind: str, step: int) -> Split | None:
        room = [dict(r) for r in split.room]
        case = [dict(c) for c in split.case]
        target = room if kind == "command_room" else case
        if not target:
            return None
        for p, draws in enumerate(target):
            host = self.loaded.scenario.pools[p].host
            if step > 0:
                draws[host] = draws.get(host, 0) + 1
            else:
                biggest = max(draws, key=lambda s: draws[s], default=None)
                if biggest is None or draws[biggest] == 0:
                    return None
                draws[biggest] -= 1
                if draws[biggest] == 0:
                    del draws[biggest]
        return Split(room, case)

    def frontier(self) -> pd.DataFrame:
        """Every candidate simulated: total officers, split and the metric per model."""
        rows = []
        for (total, label), res in sorted(self.evaluated.items()):
            row: dict[str, Any] = {"officers": total, "split": label.split("|")[0]}
            for model in REFORM:
                m, lo, hi = res[model]
                row[f"{model}_mean"], row[f"{model}_ci_low"], row[f"{model}_ci_high"] = m, lo, hi
                row[f"{model}_meets"] = self.target.met(lo, hi)
            rows.append(row)
        return pd.DataFrame(rows)


def run_staff(search: StaffSearch, vary: tuple[str, ...]) -> dict[str, Any]:
    """Bisection per model, the split search, the frontier; raise when nothing meets the target."""
    split = search.split0
    lo = search.smallest_valid(split)
    if lo > search.budget:
        raise ScenarioError(
            "--budget", "", f"no staffing of at most {search.budget} officers is a valid scenario "
            f"(the stations' minimum needs {sum(search.minimum(split).values())}): raise --budget",
        )
    before, after = REFORM
    best = {m: search.bisect(m, split, lo) for m in REFORM}
    if best[before] is None and best[after] is None:
        res = search.evaluate(search.budget, split)
        got = ", ".join(
            f"{m} {res[m][0]:.3g} (95% CI {res[m][1]:.3g}-{res[m][2]:.3g})" for m in REFORM
        ) if res else "not valid"
        raise ScenarioError(
            "--budget", "", f"no staffing within --budget {search.budget} officers meets "
            f"{search.target} with 95% confidence in either model (at {search.budget}: {got}); "
            "the budget binds: raise --budget, relax --target or add --reps",
        )
    after_split = split
    if best[after] is not None and len(vary) > 1:
        best[after], after_split = search.improve_split(best[after], split, vary)
    saves = (
        best[before] - best[after] if best[before] is not None and best[after] is not None
        else None
    )
    return {
        "best": best,
        "split": after_split,
        "saves": saves,
        "frontier": search.frontier(),
        "stations": {
            m: (search.allocate(best[m], after_split if m == after else split)
                if best[m] is not None else None)
            for m in REFORM
        },
    }
