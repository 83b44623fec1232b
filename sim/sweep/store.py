"""The sweep folder: one atomic file per finished task, consolidated at the end; resumable.

Layout of a sweep folder::

    sweep.json              manifest: grid, parameters, seeds, versions, status, failures
    points/point-NNNNNN.yaml   each point's resolved scenario (seed and network inline):
                            ``policesim run`` on it repeats that point exactly
    tasks/pNNNNNN-rNNNNN.parquet   one per finished task: both models' overall metrics
    records/<table>/pNNNNNN-rNNNNN.parquet   with --keep-records: the record tables
    runs.parquet            one row per point x replication x model (the tidy table)
    points.csv              mean and 95% CI per point, model and metric, paired difference
    INCOMPLETE              present until every task has finished and the tables are written

One file per task, because a task's result is then on disk, whole, the moment
it finishes, and a task file's name is its (point, replication): ``--resume``
runs exactly the tasks without a file, and a duplicate row is impossible by
construction. The life-cycle (``INCOMPLETE``, atomic writes, the lock,
``--resume`` and ``--force``) is the one :mod:`sim.run_folder` gives ``policesim
run`` too. Thousands of small files are consolidated into ``runs.parquet`` once,
at the end.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..errors import ScenarioError
from ..metrics import METRICS
from ..models import MODELS
from ..results_io import (
    CSV_ENCODING,
    INCOMPLETE,
    atomic_text,
    atomic_write,
    resolved_scenario,
    write_parquet,
)
from ..run_folder import TaskFolder
from .grid import canonical_json
from .plan import SweepPlan
from .tasks import RECORD_TABLES, TaskResult

MANIFEST = "sweep.json"
RUNS = "runs.parquet"
POINTS_CSV = "points.csv"
TASKS_DIR = "tasks"
RECORDS_DIR = "records"
POINTS_DIR = "points"
#: Everything a sweep writes, removed by --force (nothing else in the folder is touched).
OWN_ENTRIES = (MANIFEST, RUNS, POINTS_CSV, TASKS_DIR, RECORDS_DIR, POINTS_DIR, INCOMPLETE)
#: Leading columns of runs.parquet, before the parameter and metric columns.
KEY_COLUMNS = ("point", "replication", "model", "seed")

_TASK_FILE = r"^p(\d+)-r(\d+)\.parquet$"


def task_file_name(point: int, replication: int) -> str:
    """File name of one task's result."""
    return f"p{point:06d}-r{replication:05d}.parquet"


def point_file_name(point: int) -> str:
    """File name of one point's resolved scenario."""
    return f"point-{point:06d}.yaml"


class SweepFolder(TaskFolder):
    """A sweep's results folder: prepare, record finished tasks, consolidate, finish."""

    def __init__(self, out: str | Path) -> None:
        super().__init__(out, TASKS_DIR, _TASK_FILE, Path(MANIFEST), "sweep")
        self.tasks_dir = self.dir

    def prepare(self, force: bool = False, resume: bool = False) -> None:
        """Create (or reopen, with ``resume``) the folder and lock it.

        Nothing in a folder to resume is changed here: :meth:`start` marks it
        incomplete once :meth:`check_resumable` has accepted it.
        """
        self.check_options(force, resume)
        if self.out.exists() and not self.out.is_dir():
            raise ScenarioError(self.out, "--out", "exists and is a file, not a sweep folder")
        if resume and not self.info.is_file():
            raise ScenarioError(
                self.out, "--resume", f"no sweep to resume here ({MANIFEST} not found)"
            )
        if not (resume or force) and self.out.exists() and any(self.out.iterdir()):
            raise ScenarioError(
                self.out,
                "--out",
                "results folder exists and is not empty; pass --resume to continue the "
                "sweep in it, or --force to start it over",
            )
        self.guarded(lambda: self.out.mkdir(parents=True, exist_ok=True), "sweep folder")
        self.guarded(self.lock, "sweep folder")
        if force and not resume:
            self.guarded(self._clear, "sweep folder")

    def _clear(self) -> None:
        for name in OWN_ENTRIES:
            target = self.out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    # --- manifest and point files ------------------------------------------------------------

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``sweep.json`` atomically."""
        text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"
        atomic_text(self.out / MANIFEST, text)

    def write_point_scenarios(self, plan: SweepPlan) -> None:
        """Write each point's resolved scenario (seed and replications as the sweep runs them)."""
        folder = self.out / POINTS_DIR
        folder.mkdir(exist_ok=True)
        for p in plan.points:
            header = (
                f"# Sweep point {p.point.id} of {plan.scenario_file}: {p.point.label()}\n"
                f"# `policesim run` on this file repeats the point exactly (seed {p.seed}).\n"
            )
            body = yaml.safe_dump(resolved_scenario(p.loaded), sort_keys=False, allow_unicode=True)
            atomic_text(folder / point_file_name(p.point.id), header + body)

    # --- tasks ---------------------------------------------------------------------------------

    def write_task(self, result: TaskResult, scenario_sha256: str) -> None:
        """Store one finished task: its record tables first, then its metrics file.

        The metrics file is the task's commit mark: it is renamed into place
        last, so a task with a metrics file has all its files.
        """
        name = task_file_name(result.point, result.replication)
        if result.records:
            for table in RECORD_TABLES:
                df = result.records[table]
                if df.empty:
                    continue
                folder = self.out / RECORDS_DIR / table
                folder.mkdir(parents=True, exist_ok=True)
                write_parquet(_plain(df, result.point), folder / name)
        rows = pd.DataFrame(result.rows).assign(
            point=result.point, replication=result.replication, seed=result.seed,
            scenario_sha256=scenario_sha256,
        )[[*KEY_COLUMNS, "scenario_sha256", *METRICS]]
        rows = rows.astype({"point": "int64", "replication": "int64", "seed": "int64"})
        # Without pandas metadata and column statistics a task file is ~6 KB instead of ~16 KB
        # (10 000 tasks: 60 MB, not 160 MB); the types are plain and read back the same.
        table = pa.Table.from_pandas(rows, preserve_index=False).replace_schema_metadata(None)
        atomic_write(
            self.tasks_dir / name,
            lambda p: pq.write_table(table, p, write_statistics=False, compression="none"),
        )

    def check_resumable(self, plan: SweepPlan, keep_records: bool) -> dict[str, Any]:
        """Refuse to resume a folder that holds a different sweep; return its old manifest."""
        old = self.check(
            plan.fingerprint(),
            "this folder holds a different sweep (the scenario, the grid or a seed has "
            "changed since it started); resume with the same scenario and grid, or start "
            "a new folder",
        )
        if bool(old.get("keep_records")) != keep_records:
            flag = "with" if old.get("keep_records") else "without"
            raise ScenarioError(
                self.out,
                "--keep-records",
                f"this sweep was started {flag} --keep-records; resume it the same way",
            )
        return old

    # --- consolidation -------------------------------------------------------------------------

    def read_tasks(self, plan: SweepPlan) -> pd.DataFrame:
        """Read every finished task file of the plan (other files are ignored), checked."""
        sha = {p.point.id: p.scenario_sha256 for p in plan.points}
        wanted = {(t.point, t.replication) for t in plan.tasks()}
        keys = sorted(self.finished() & wanted)
        tables = [pq.read_table(self.tasks_dir / task_file_name(*k)) for k in keys]
        if not tables:
            return pd.DataFrame(columns=[*KEY_COLUMNS, "scenario_sha256", *METRICS])
        df = pa.concat_tables(tables).to_pandas()
        wrong = df[df["point"].map(sha) != df["scenario_sha256"]]
        if len(wrong):
            first = wrong.iloc[0]
            raise ScenarioError(
                self.tasks_dir / task_file_name(int(first["point"]), int(first["replication"])),
                "",
                "this task file was made from a different scenario than the plan's point "
                f"{int(first['point'])}; remove it (or the folder) and resume",
            )
        return df

    def write_tables(self, runs: pd.DataFrame, points: pd.DataFrame) -> None:
        """Write ``runs.parquet`` and ``points.csv`` (UTF-8 with a BOM, for Excel) atomically."""
        write_parquet(runs, self.out / RUNS)
        atomic_write(
            self.out / POINTS_CSV,
            lambda p: points.to_csv(
                p, index=False, float_format="%.10g", na_rep="", encoding=CSV_ENCODING
            ),
        )


def parameter_table(plan: SweepPlan) -> pd.DataFrame:
    """One row per point: ``point`` and one typed column per parameter.

    A column holds numbers when every value of the parameter is a number
    (ints stay ints), strings when all are strings (labels of alternatives),
    and otherwise each value as compact JSON (whole blocks, ``null``, mixtures),
    so that every column has one Parquet type.
    """
    data: dict[str, Any] = {"point": [p.point.id for p in plan.points]}
    for name in plan.parameters:
        values = [p.point.values[name] for p in plan.points]
        data[name] = _column(values)
    return pd.DataFrame(data).astype({"point": "int64"})


def _column(values: list[Any]) -> pd.Series:
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="bool")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="float64")
    if all(isinstance(v, str) for v in values):
        return pd.Series(values, dtype="str")
    return pd.Series([canonical_json(v) for v in values], dtype="str")


def runs_table(plan: SweepPlan, tasks: pd.DataFrame) -> pd.DataFrame:
    """The tidy ``runs.parquet`` table: keys, parameters, metrics; sorted, one row per model."""
    order = {m: i for i, m in enumerate(MODELS)}
    df = tasks.drop(columns=["scenario_sha256"]).sort_values(
        ["point", "replication", "model"], key=lambda c: c.map(order) if c.name == "model" else c
    )
    df = df.merge(parameter_table(plan), on="point", how="left", validate="many_to_one")
    types = {"point": "int64", "replication": "int64", "seed": "int64", "model": "str"}
    columns = [*KEY_COLUMNS, *plan.parameters, *METRICS]
    return df[columns].astype({**types, **{m: "float64" for m in METRICS}})


def _plain(df: pd.DataFrame, point: int) -> pd.DataFrame:
    """A record table with a ``point`` column and categoricals as plain strings.

    Categories differ between points (a point may change the incident types),
    and Parquet files read as one dataset need one schema.
    """
    out = df.astype({col: "str" for col in df.select_dtypes("category").columns})
    out.insert(0, "point", point)
    return out
