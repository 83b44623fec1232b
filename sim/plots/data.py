"""Read a results folder (or a sweep folder) into what the charts need, or say why not.

Bad input (a missing folder, an unfinished run, a file that cannot be read)
raises :class:`~sim.errors.ScenarioError`, which the CLI prints with exit
status 2, like every other bad input.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScenarioError
from ..loader import LoadedScenario, load_scenario
from ..metrics import METRICS, model_order
from ..models import registry
from ..results_io import CSV_ENCODING, INCOMPLETE, MANIFEST, read_results

SWEEP_MANIFEST = "sweep.json"
#: Files a sweep folder must hold for its charts.
SWEEP_FILES = ("runs.parquet", "points.csv", SWEEP_MANIFEST)
#: Columns of ``points.csv`` after the parameter columns.
POINTS_TAIL = ("model", "metric", "mean", "ci_low", "ci_high", "n")


def models_in(labels: Any) -> list[str]:
    """The operating models among ``labels`` (a column of model names), baseline first.

    Registered models come in registry order; models the registry does not know
    (a run written with a model registered then, read without it) follow in
    order of appearance. Paired-difference labels are left out.
    """
    labels = pd.Series(labels).dropna().astype(str)
    return model_order(m for m in labels if not registry.is_difference(m))


def differences_in(labels: Any) -> list[str]:
    """The paired-difference labels (``"<baseline> - <other>"``) among ``labels``.

    In the order of their other model (see :func:`models_in`).
    """
    seen = [str(v) for v in pd.unique(pd.Series(labels).dropna().astype(str))]
    found = [d for d in seen if registry.is_difference(d)]
    others = models_in([d.split(" - ", 1)[1] for d in found])
    return sorted(found, key=lambda d: others.index(d.split(" - ", 1)[1]))


@dataclass
class RunData:
    """A finished run folder: its record tables, scenario and manifest.

    Attributes
    ----------
    folder
        The results folder.
    incidents, officers, investigations, replications, summary, dispatches
        The tables of :func:`sim.results_io.read_results`.
    loaded
        The resolved scenario (``scenario.resolved.yaml``), validated, with its network.
    manifest
        ``manifest.json``.

    """

    folder: Path
    incidents: pd.DataFrame
    officers: pd.DataFrame
    investigations: pd.DataFrame
    replications: pd.DataFrame
    summary: pd.DataFrame
    loaded: LoadedScenario
    manifest: dict[str, Any]
    dispatches: pd.DataFrame | None = None

    @property
    def target_min(self) -> float:
        """The scenario's first-response target in minutes."""
        return float(self.loaded.scenario.target_response_min)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.loaded.scenario.name

    @property
    def n_replications(self) -> int:
        """Replications in the run."""
        return len(self.manifest.get("replications", [])) or int(
            self.incidents["replication"].nunique()
        )

    @property
    def models(self) -> list[str]:
        """The operating models in the run's records, baseline first (see :func:`models_in`)."""
        tables = (self.incidents, self.officers, self.investigations)
        return models_in([m for t in tables for m in pd.unique(t["model"].astype(str))])

    @property
    def townships(self) -> list[str]:
        """Station (township) ids in scenario order."""
        return [s.id for s in self.loaded.scenario.stations]

    def subtitle(self) -> str:
        """One line naming the scenario, replications and observed days (for chart titles)."""
        sc = self.loaded.scenario
        days = sc.horizon_days - sc.warmup_days
        reps = self.n_replications
        return f"{sc.name}: {reps} replication{'s' if reps != 1 else ''} x {days:g} days"


@dataclass
class SweepData:
    """A finished sweep folder (the contract of ``docs/sweeps.md``).

    Attributes
    ----------
    folder
        The sweep folder.
    runs
        ``runs.parquet``: one row per point x replication x model.
    points
        ``points.csv``: mean and 95% CI per point, model and metric.
    parameters
        The swept parameters' column names, in order.
    manifest
        ``sweep.json``.
    target_min
        The scenario's first-response target (from the first point's
        scenario file when the folder has one), else None.

    """

    folder: Path
    runs: pd.DataFrame
    points: pd.DataFrame
    parameters: list[str]
    manifest: dict[str, Any]
    target_min: float | None = None
    name: str = ""
    replications: int | None = None
    metrics: list[str] = field(default_factory=list)

    @property
    def models(self) -> list[str]:
        """The operating models in ``points.csv``, baseline first (see :func:`models_in`)."""
        return models_in(self.points["model"])

    @property
    def differences(self) -> list[str]:
        """The paired-difference labels in ``points.csv``: one per model after the baseline."""
        return differences_in(self.points["model"])


def _json(path: Path, folder: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(folder, path.name, f"cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise ScenarioError(folder, path.name, "is not a JSON object")
    return data


def folder_kind(folder: str | Path) -> str:
    """``run`` or ``sweep``; raises :class:`ScenarioError` for anything else."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, "", "results folder not found")
    if (folder / SWEEP_MANIFEST).is_file():
        return "sweep"
    if (folder / MANIFEST).is_file() or (folder / INCOMPLETE).exists():
        return "run"
    raise ScenarioError(
        folder,
        "",
        f"not a policesim results folder (no {MANIFEST}) nor a sweep folder "
        f"(no {SWEEP_MANIFEST}); give the folder that 'policesim run' or "
        "'policesim sweep' wrote",
    )


def load_run(folder: str | Path) -> RunData:
    """Read a finished run folder; raise :class:`ScenarioError` if it is missing or unfinished."""
    folder = Path(folder)
    tables = read_results(folder)
    manifest = _json(folder / MANIFEST, folder)
    loaded = load_scenario(folder / "scenario.resolved.yaml")
    needed = {
        "incidents": ("replication", "model", "township", "response_min", "call_min"),
        "officers": ("replication", "model", "station", "role", "on_duty_min"),
        "investigations": ("replication", "model", "turnaround_hours"),
        "summary": ("township", "metric", "model", "mean", "ci_low", "ci_high"),
    }
    for name, cols in needed.items():
        missing = [c for c in cols if c not in tables[name].columns]
        if missing:
            raise ScenarioError(
                folder, name, f"lacks column(s) {', '.join(missing)}: written by another version?"
            )
    inc = tables["incidents"]
    inc["model"] = inc["model"].astype(str)
    inc["township"] = inc["township"].astype(str)
    for name in ("officers", "investigations"):
        tables[name]["model"] = tables[name]["model"].astype(str)
    return RunData(
        folder=folder,
        incidents=inc,
        officers=tables["officers"],
        investigations=tables["investigations"],
        replications=tables["replications"],
        summary=tables["summary"],
        loaded=loaded,
        manifest=manifest,
        dispatches=tables["dispatches"],
    )


def load_sweep(folder: str | Path) -> SweepData:
    """Read a finished sweep folder; raises :class:`ScenarioError` when it is not usable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, "", "sweep folder not found")
    if (folder / INCOMPLETE).exists():
        raise ScenarioError(
            folder,
            "",
            "sweep folder is marked INCOMPLETE: some tasks have not finished or failed; "
            "finish it with 'policesim sweep ... --resume --out "
            f"{folder}' before drawing charts",
        )
    missing = [n for n in SWEEP_FILES if not (folder / n).is_file()]
    if missing:
        raise ScenarioError(
            folder, "", f"not a complete sweep folder: missing {', '.join(missing)}"
        )
    manifest = _json(folder / SWEEP_MANIFEST, folder)
    params = manifest.get("parameters")
    if not isinstance(params, list) or not params or not all(isinstance(p, str) for p in params):
        raise ScenarioError(folder, "sweep.json", "'parameters' must be a list of column names")
    try:
        runs = pd.read_parquet(folder / "runs.parquet")
        points = pd.read_csv(folder / "points.csv", encoding=CSV_ENCODING)
    except Exception as exc:  # pyarrow and pandas raise many types for damaged files
        raise ScenarioError(
            folder, "", f"sweep tables cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    missing = [c for c in ("point", *params, *POINTS_TAIL) if c not in points.columns]
    if missing:
        raise ScenarioError(folder, "points.csv", f"lacks column(s) {', '.join(missing)}")
    if points.empty:
        raise ScenarioError(folder, "points.csv", "has no rows: the sweep finished no task")
    metrics = [m for m in METRICS if m in set(points["metric"])]
    return SweepData(
        folder=folder,
        runs=runs,
        points=points,
        parameters=list(params),
        manifest=manifest,
        target_min=_sweep_target(folder, manifest),
        name=str(manifest.get("scenario_name", "")),
        replications=manifest.get("replications"),
        metrics=metrics,
    )


def _sweep_target(folder: Path, manifest: dict[str, Any]) -> float | None:
    """The target minutes from the first point's scenario file, if the folder has one."""
    import yaml

    points = manifest.get("points")
    candidates = []
    if isinstance(points, list) and points and isinstance(points[0], dict):
        candidates.append(points[0].get("scenario"))
    candidates.append("points/point-000000.yaml")
    for rel in candidates:
        if not isinstance(rel, str):
            continue
        path = (folder / rel).resolve()
        if folder.resolve() not in path.parents or not path.is_file():
            continue
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            value = float(doc.get("target_response_min", 20.0))
        except Exception:  # a damaged point file only costs the target line
            return None
        return value if math.isfinite(value) and value > 0 else None
    return None
