"""``policesim run``: all replications of a scenario, paired, written to one results folder.

An interrupted run (Ctrl-C, a crash, ``kill``) keeps its finished replications:
each one's tables are written to ``FOLDER/.partial/`` the moment it finishes,
the way a sweep keeps its finished tasks (:mod:`sim.sweep.store`): one set of
files per replication, each written atomically, the replication's small JSON
mark renamed into place last, so a replication either has a mark and all its
files or counts as not run. ``policesim run ... --resume`` reads them back,
runs only the missing replications and writes the folder as an uninterrupted
run would (byte-identical ``summary.csv``: a replication's numbers depend only
on the seed and its number). ``.partial/run.json`` holds the fingerprint of the
resolved scenario (seed, horizon, network, everything but the number of
replications); ``--resume`` refuses a folder made from anything else.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import ScenarioError
from .loader import LoadedScenario
from .metrics import summarise
from .results_io import (
    INCOMPLETE,
    MANIFEST,
    RESULT_FILES,
    atomic_text,
    finish_folder,
    is_complete,
    prepare_folder,
    resolved_scenario,
    write_csv,
    write_manifest,
    write_parquet,
    write_scenario,
)
from .runner import ReplicationResult

#: Subfolder of a results folder holding the finished replications of an unfinished run.
PARTIAL_DIR = ".partial"
#: Record tables of a replication kept in ``.partial/`` (attribute names of ReplicationResult).
_PARTIAL_TABLES = ("metrics", "incidents", "officers", "investigations", "dispatches", "walk_ins")


def run_fingerprint(loaded: LoadedScenario) -> str:
    """SHA-256 of the resolved scenario without its replication count.

    Replication ``r``'s numbers depend on the scenario and ``r`` only, so a run
    resumed with more (or fewer) replications may reuse the finished ones.
    """
    data = resolved_scenario(loaded)
    data.pop("replications", None)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PartialRun:
    """The finished replications of a run that has not finished, in ``FOLDER/.partial/``."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.dir = self.out / PARTIAL_DIR

    def exists(self) -> bool:
        """True when the folder holds an interrupted run (its ``.partial/run.json``)."""
        return (self.dir / "run.json").is_file()

    def start(self, loaded: LoadedScenario) -> None:
        """Create ``.partial/`` for a new run of ``loaded`` (keeps one being resumed)."""
        self.dir.mkdir(exist_ok=True)
        if not self.exists():
            info = {"scenario_name": loaded.scenario.name, "fingerprint": run_fingerprint(loaded)}
            atomic_text(self.dir / "run.json", json.dumps(info, indent=2) + "\n")
        for tmp in self.dir.glob(".*.tmp"):  # left by a write cut short
            tmp.unlink(missing_ok=True)

    def check(self, loaded: LoadedScenario) -> None:
        """Refuse (exit 2) to resume a folder that holds a run of another scenario or seed."""
        try:
            info = json.loads((self.dir / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        if info.get("fingerprint") != run_fingerprint(loaded):
            raise ScenarioError(
                self.out,
                "--resume",
                f"this folder holds an interrupted run of {info.get('scenario_name', '?')!r} "
                "made from a different scenario, seed or horizon; resume it with the same "
                "scenario and options, or start over with --force (or another --out)",
            )

    def finished(self, below: int | None = None) -> list[int]:
        """Numbers of the replications kept (those below ``below``, if given), in order."""
        if not self.dir.is_dir():
            return []
        reps = []
        for p in self.dir.glob("r*.json"):
            try:
                reps.append(int(p.stem[1:]))
            except ValueError:
                continue
        return sorted(r for r in reps if below is None or r < below)

    def save(self, result: ReplicationResult) -> None:
        """Keep one finished replication: its tables first, its JSON mark last."""
        stem = f"r{result.replication:05d}"
        as_json: dict[str, list[str]] = {}
        for name in _PARTIAL_TABLES:
            df, as_json[name] = _json_object_columns(getattr(result, name))
            write_parquet(df, self.dir / f"{stem}.{name}.parquet")
        mark = {
            "stream_digest": result.stream_digest,
            "backlog_at_end": result.backlog_at_end,
            "json_columns": as_json,
        }
        atomic_text(self.dir / f"{stem}.json", json.dumps(mark) + "\n")

    def load(self, replication: int) -> ReplicationResult:
        """Read one kept replication back."""
        stem = f"r{replication:05d}"
        mark = json.loads((self.dir / f"{stem}.json").read_text(encoding="utf-8"))
        tables = {}
        for name in _PARTIAL_TABLES:
            df = pd.read_parquet(self.dir / f"{stem}.{name}.parquet")
            for col in mark.get("json_columns", {}).get(name, []):
                df[col] = pd.Series([json.loads(v) for v in df[col]], index=df.index, dtype=object)
            tables[name] = df
        return ReplicationResult(
            replication=replication,
            stream_digest=mark["stream_digest"],
            backlog_at_end=mark["backlog_at_end"],
            **tables,
        )

    def remove(self) -> None:
        """Delete ``.partial/`` (the run has been written whole, or is started over)."""
        shutil.rmtree(self.dir, ignore_errors=True)


def _json_object_columns(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``df`` with each Python-object column as JSON text (Parquet needs one type per column).

    The metrics table mixes types in a column (a priority number, a township
    name, dicts); JSON keeps every value exactly (floats as ``repr``).
    """
    cols = [c for c in df.columns if df[c].dtype == object]
    if not cols:
        return df, []
    out = df.copy()
    for c in cols:
        out[c] = [json.dumps(v, sort_keys=True, default=_plain_number) for v in df[c]]
    return out, cols


def prepare_run_folder(
    out: Path, loaded: LoadedScenario, force: bool = False, resume: bool = False
) -> PartialRun:
    """Prepare ``out`` for a run (new, ``force``: overwritten, ``resume``: continued).

    Raises :class:`ScenarioError` (``--resume`` when there is nothing to resume
    or the folder holds another scenario's run; ``--out`` for an interrupted run
    reused without ``--resume`` or ``--force``).
    """
    out = Path(out)
    partial = PartialRun(out)
    if resume and force:
        raise ScenarioError(out, "--resume", "--resume and --force contradict each other; give one")
    if resume:
        if not partial.exists():
            if is_complete(out):
                raise ScenarioError(
                    out, "--resume", "this run has already finished: nothing to resume"
                )
            raise ScenarioError(
                out,
                "--resume",
                "no interrupted run to resume here (no .partial/ folder); start it without "
                "--resume (with --force to overwrite the folder)",
            )
        partial.check(loaded)
        try:
            atomic_text(out / INCOMPLETE, "this run has not finished writing: do not use "
                        "these files\n")
            for name in (MANIFEST, *RESULT_FILES):
                (out / name).unlink(missing_ok=True)
        except OSError as exc:
            raise ScenarioError(
                out, "--out", f"cannot write the results folder ({exc.strerror or exc})"
            ) from None
        return partial
    if partial.exists() and not force:
        kept = len(partial.finished())
        raise ScenarioError(
            out,
            "--out",
            f"this folder holds an interrupted run ({kept} replication(s) finished and kept); "
            "continue it with --resume, or pass --force to start over",
        )
    prepare_folder(out, force)
    partial.remove()
    return partial


def resume_command(scenario: Path, out: Path, options: list[str]) -> str:
    """The command line that continues an interrupted run into ``out``."""
    return shlex.join(["policesim", "run", str(scenario), *options, "--out", str(out), "--resume"])


@dataclass
class RunOutput:
    """A finished run: per-replication metrics, summary and the record tables."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    incidents: pd.DataFrame
    officers: pd.DataFrame
    investigations: pd.DataFrame
    digests: dict[int, str]
    dispatches: pd.DataFrame
    walk_ins: pd.DataFrame


def run_scenario(
    loaded: LoadedScenario,
    replications: int | None = None,
    workers: int = 1,
    on_done: Callable[[ReplicationResult], None] | None = None,
    partial: PartialRun | None = None,
) -> RunOutput:
    """Run ``replications`` (default: the scenario's) paired replications and summarise them.

    With ``partial``, replications already kept there are read back instead of
    run, and each newly finished one is kept there before ``on_done`` is called.
    """
    from .sweep.backends import make_backend
    from .sweep.tasks import TaskResult, TaskSpec

    n = replications or loaded.scenario.replications
    results: list[ReplicationResult] = []
    if partial is not None:
        partial.start(loaded)
        results = [partial.load(r) for r in partial.finished(below=n)]
    done = {r.replication for r in results}
    todo = [TaskSpec(0, r, keep_records=True) for r in range(n) if r not in done]
    keeping = partial is not None

    def finished(task: TaskResult) -> None:
        nonlocal keeping
        if task.result is None:
            raise RuntimeError(f"replication {task.replication} failed:\n{task.error}")
        results.append(task.result)
        if keeping:
            try:
                partial.save(task.result)
            except OSError:  # e.g. a full disk: the run goes on, only a resume would redo more
                keeping = False
        if on_done:
            on_done(task.result)

    backend = make_backend(workers, None, tasks=len(todo))
    try:  # one point of a sweep; on Ctrl-C every finished replication has been kept
        backend.run({0: loaded}, todo, finished)
    finally:
        backend.close()
    results.sort(key=lambda r: r.replication)
    per_rep = pd.concat([r.metrics for r in results], ignore_index=True)
    first = ["replication", "model", "township"]
    per_rep = per_rep[first + [c for c in per_rep.columns if c not in first]]
    return RunOutput(
        replications=per_rep,
        summary=summarise(per_rep),
        incidents=pd.concat([r.incidents for r in results], ignore_index=True),
        officers=pd.concat([r.officers for r in results], ignore_index=True),
        investigations=pd.concat([r.investigations for r in results], ignore_index=True),
        digests={r.replication: r.stream_digest for r in results},
        dispatches=pd.concat([r.dispatches for r in results], ignore_index=True),
        walk_ins=pd.concat([r.walk_ins for r in results], ignore_index=True),
    )


def write_run(out: Path, loaded: LoadedScenario, result: RunOutput) -> None:
    """Write every file of a run folder (the folder must have been prepared)."""
    write_scenario(out, loaded)
    write_parquet(result.incidents, out / "incidents.parquet")
    write_parquet(result.officers, out / "officers.parquet")
    write_parquet(result.investigations, out / "investigations.parquet")
    write_parquet(result.dispatches, out / "dispatches.parquet")
    write_parquet(result.walk_ins, out / "walkins.parquet")
    write_csv(result.replications, out / "replications.csv")
    write_csv(result.summary, out / "summary.csv")
    write_manifest(out, loaded, sorted(result.digests), result.digests)
    finish_folder(out)
    PartialRun(out).remove()  # after the folder is whole: a crash before keeps the replications


__all__ = [
    "PartialRun",
    "RunOutput",
    "prepare_folder",
    "prepare_run_folder",
    "resume_command",
    "run_scenario",
    "write_run",
]


def _plain_number(value: object) -> object:
    """A NumPy scalar as the Python number JSON can write."""
    item = getattr(value, "item", None)
    if item is None:
        raise TypeError(f"cannot keep a {type(value).__name__} in .partial/")
    return item()
