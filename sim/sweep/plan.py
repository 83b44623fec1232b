"""A sweep plan: every grid point applied to the scenario, validated and seeded, before any run.

Building the plan is the only step that reads the scenario file. Each point's
document is the scenario as written, with the grid's ``fixed`` settings and
then the point's overrides applied (:mod:`sim.sweep.paths`), validated by
:func:`sim.loader.scenario_from_dict` exactly as ``policesim run`` would,
and given its own seed (:func:`sim.sweep.tasks.point_seed`). Every invalid
point is found here, so a sweep never stops half-way over a typo; the error
names the point and its values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..loader import LoadedScenario, check_empty_values, read_yaml, scenario_from_dict
from ..run_folder import fingerprint, scenario_fingerprint
from .grid import Grid, Point, check_target
from .paths import set_path
from .tasks import TaskSpec, point_seed

#: Metric of the on-screen summary when neither --target nor the grid file names one.
DEFAULT_TARGET = "response_p90_min"
#: Invalid points listed by number in the error message (the first is explained in full).
SHOWN_INVALID = 10


@dataclass(frozen=True)
class PlannedPoint:
    """A grid point ready to run.

    Attributes
    ----------
    point
        Its id, parameter values and overrides.
    seed
        Its seed (also the ``seed`` of ``loaded.scenario``).
    loaded
        The validated scenario of this point, network built.
    scenario_sha256
        Hash of the resolved scenario (replications left out): task files
        carry it, so results of a different scenario are never mixed in on
        ``--resume``.

    """

    point: Point
    seed: int
    loaded: LoadedScenario
    scenario_sha256: str


@dataclass(frozen=True)
class SweepPlan:
    """Everything a sweep will run: scenario, grid, points, replications and target metric."""

    scenario_file: str
    scenario_name: str
    base_seed: int | None
    grid: Grid
    points: list[PlannedPoint]
    replications: int
    target: str

    @property
    def parameters(self) -> list[str]:
        """Parameter (column) names, in grid order."""
        return self.grid.names

    def tasks(self, keep_records: bool = False) -> list[TaskSpec]:
        """Every (point, replication), point-major."""
        return [
            TaskSpec(p.point.id, r, keep_records)
            for p in self.points
            for r in range(self.replications)
        ]

    def fingerprint(self) -> str:
        """Hash of the scenario per point and of the parameter names (not of replications).

        Two plans with the same fingerprint produce the same numbers for every
        (point, replication) they share, so ``--resume`` may continue one with
        the other (for instance with more replications).
        """
        points = [[p.point.id, p.scenario_sha256] for p in self.points]
        return fingerprint({"parameters": self.parameters, "points": points})


#: Stands for a null value the sweep itself sets (``--set shifts=null``) when looking for
#: ``key:`` left empty in the scenario file.
SET_BY_SWEEP = object()


def build_plan(
    scenario: str | Path,
    grid: Grid,
    replications: int | None = None,
    target: str | None = None,
    allow_outside_paths: bool = False,
) -> SweepPlan:
    """Apply, validate and seed every point of ``grid`` on the scenario file ``scenario``.

    Parameters
    ----------
    scenario
        The scenario YAML file.
    grid
        Parameters and fixed settings (:func:`sim.sweep.grid.combine`).
    replications
        Replications per point (default: the grid file's, else the scenario's).
    target
        Metric for the on-screen summary (default: the grid file's, else
        :data:`DEFAULT_TARGET`).
    allow_outside_paths
        As for ``policesim run``: network files outside the scenario's folder.

    Raises
    ------
    ScenarioError
        A bad path, or one or more invalid points (all are counted, the first explained).

    """
    path = Path(scenario)
    data, _tree = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "the scenario must be a YAML mapping of fields")
    base: dict[str, Any] = data
    for p, v in grid.fixed.items():
        base = set_path(base, p, v, grid.where.get(p, "--set"))
    target = check_target(target or grid.target or DEFAULT_TARGET, "--target")

    points = grid.points()
    planned: list[PlannedPoint] = []
    invalid: list[tuple[Point, ScenarioError]] = []
    reps = replications or grid.replications
    for pt in points:
        doc = base
        for p, v in pt.overrides.items():
            try:
                doc = set_path(doc, p, v, grid.where.get(p, "--set"))
            except ScenarioError as exc:
                if pt.id == 0:  # the path itself is bad
                    raise
                # the path exists at some points but not here (an earlier override removed it)
                raise ScenarioError(
                    f"{exc.source}: sweep point {pt.id} ({pt.label()})", exc.field, exc.message
                ) from None
        try:
            if _tree is not None:  # "key:" left empty in the file and not set by the sweep
                marked = doc  # a null the sweep sets is meant: mark it as set
                for p, v in {**grid.fixed, **pt.overrides}.items():
                    marked = marked if v is not None else set_path(marked, p, SET_BY_SWEEP)
                check_empty_values(_tree, marked, path)
            loaded = scenario_from_dict(doc, path, None, allow_outside_paths)
        except ScenarioError as exc:
            invalid.append((pt, exc))
            continue
        reps = reps or loaded.scenario.replications
        seed = point_seed(loaded.scenario.seed, pt.overrides)
        sc = loaded.scenario.model_copy(update={"seed": seed, "replications": reps})
        loaded = dataclasses.replace(loaded, scenario=sc)
        planned.append(PlannedPoint(pt, seed, loaded, scenario_fingerprint(loaded)))
    if invalid:
        raise _invalid_points(invalid, len(points))
    first = planned[0].loaded.scenario
    return SweepPlan(
        scenario_file=str(path),
        scenario_name=first.name,
        base_seed=base.get("seed"),
        grid=grid,
        points=planned,
        replications=first.replications,
        target=target,
    )


def _invalid_points(invalid: list[tuple[Point, ScenarioError]], total: int) -> ScenarioError:
    pt, exc = invalid[0]
    where = f"sweep point {pt.id} ({pt.label()})"
    message = exc.message
    if len(invalid) > 1:
        ids = ", ".join(str(p.id) for p, _ in invalid[1 : 1 + SHOWN_INVALID])
        more = "..." if len(invalid) > 1 + SHOWN_INVALID else ""
        message += (
            f" -- {len(invalid)} of {total} points are invalid; the others: {ids}{more} "
            "(nothing was run)"
        )
    else:
        message += " (nothing was run)"
    return ScenarioError(f"{exc.source}: {where}", exc.field, message)
