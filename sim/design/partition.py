"""Exact set partitioning: every station in exactly one pool or alone, by ``scipy.optimize.milp``.

Columns are the candidate pools (each with its best allowed host, already
chosen by the proxy: the host only changes that pool's own score, so the best
host of a member set is found before the optimisation, exactly) and one
"alone" column per station. Rows say each station is covered once. The
objective is the summed proxy score. ``pools`` fixes the number of joint
stations (to compare with a design of the same size). The K best designs come
from re-solving with a no-good cut on each design found (HiGHS, exact).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_matrix


@dataclass(frozen=True)
class Column:
    """A candidate pool: members (station rows), host row and proxy score."""

    members: tuple[int, ...]
    host: int
    score: float


@dataclass(frozen=True)
class Partition:
    """One optimal design: the pools chosen and the total proxy score."""

    pools: tuple[Column, ...]
    score: float


class Infeasible(Exception):
    """No partition satisfies the constraints (the message says which one binds)."""


def solve(
    n: int,
    columns: list[Column],
    alone_score: np.ndarray,
    k: int = 1,
    pools: int | None = None,
    forced_alone: frozenset[int] = frozenset(),
) -> list[Partition]:
    """Return up to ``k`` best partitions (best first).

    ``forced_alone`` stations may only be alone (their pools are not columns).
    Raises :class:`Infeasible` when ``pools`` joint stations cannot be formed.
    """
    m = len(columns)
    rows, cols = [], []
    for j, c in enumerate(columns):
        rows += list(c.members)
        cols += [j] * len(c.members)
    rows += list(range(n))
    cols += [m + i for i in range(n)]
    a = csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, m + n))
    cost = np.concatenate([[c.score for c in columns], alone_score])
    constraints = [LinearConstraint(a, 1, 1)]
    if pools is not None:
        count = np.concatenate([np.ones(m), np.zeros(n)])
        constraints.append(LinearConstraint(count[None, :], pools, pools))
    upper = np.ones(m + n)
    lower = np.zeros(m + n)
    for i in forced_alone:
        lower[m + i] = 1
    found: list[Partition] = []
    for _ in range(k):
        res = milp(
            cost, integrality=np.ones(m + n), bounds=Bounds(lower, upper),
            constraints=constraints, options={"presolve": True},
        )
        if res.status != 0 or res.x is None:
            if not found:
                raise Infeasible(
                    f"--pools {pools}: that many disjoint joint stations cannot be formed from "
                    f"the {m} candidate pools"
                    if pools is not None else "no partition of the stations exists"
                )
            break
        chosen = [j for j in range(m) if res.x[j] > 0.5]
        found.append(Partition(tuple(columns[j] for j in chosen), float(res.fun)))
        cut = np.zeros(m + n)
        if chosen:
            cut[chosen] = 1
            constraints.append(LinearConstraint(cut[None, :], -np.inf, len(chosen) - 1))
        else:  # all alone: the next design pools something
            cut[:m] = 1
            constraints.append(LinearConstraint(cut[None, :], 1, np.inf))
    return found
