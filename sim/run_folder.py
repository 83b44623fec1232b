"""Results folders that survive interruption: one life-cycle for ``policesim run`` and ``sweep``.

A task (a replication of a run; a point and replication of a sweep) is kept
the moment it finishes: its files are written atomically (a temporary name,
then a rename), its *commit file* last, so a task either has a commit file
and all its files or counts as not run. So an interrupted folder (Ctrl-C,
``kill -9``, a crash) keeps every finished task, and ``--resume`` runs only
the others; a task's numbers depend only on its seed and number, so the
resumed folder equals an uninterrupted one. The folder holds ``INCOMPLETE``
until everything is written. A fingerprint of what runs there (the resolved
scenario without its replication count, or the sweep's points) is stored when
the work starts; ``--resume`` refuses a folder made from anything else, and
may add replications. ``--force`` starts over. A lock (``fcntl.flock``,
released by the kernel when the process dies, even by ``kill -9``) keeps two
sweeps from writing into one folder.

:class:`TaskFolder` is that life-cycle; :class:`RunFolder` keeps the
replications of a run in ``FOLDER/.partial/`` (every record table, so the
folder is written exactly as an uninterrupted run would write it), and
:class:`sim.sweep.store.SweepFolder` keeps a sweep's tasks in ``tasks/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

try:  # POSIX only; elsewhere the folder is simply not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: Subfolder of a results folder holding the finished replications of an unfinished run.
PARTIAL_DIR = ".partial"
#: Record tables of a run (attribute names of ReplicationResult and RunOutput) -> their files.
RECORD_FILES = {
    "incidents": "incidents.parquet",
    "officers": "officers.parquet",
    "investigations": "investigations.parquet",
    "dispatches": "dispatches.parquet",
    "walk_ins": "walkins.parquet",
}
#: Tables of a replication kept in ``.partial/``.
_PARTIAL_TABLES = ("metrics", *RECORD_FILES)


def fingerprint(doc: Any) -> str:
    """SHA-256 of ``doc`` as canonical JSON (sorted keys, whole floats as ints)."""
    from .sweep.grid import canonical_json

    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


def scenario_fingerprint(loaded: LoadedScenario) -> str:
    """Fingerprint of the resolved scenario without its replication count.

    Replication ``r``'s numbers depend on the scenario and ``r`` only, so a
    folder resumed with more (or fewer) replications may reuse the finished ones.
    """
    data = resolved_scenario(loaded)
    data.pop("replications", None)
    return fingerprint(data)


class TaskFolder:
    """A results folder whose finished tasks are kept (see the module docstring).

    Parameters
    ----------
    out
        The folder.
    tasks
        Its subfolder of kept tasks.
    commit
        Pattern of a task's commit file name; its groups are the task's key.
    info
        The file (in ``out``) recording the fingerprint of what runs there.
    kind
        ``run`` or ``sweep``, for messages.

    """

    def __init__(self, out: str | Path, tasks: str, commit: str, info: Path, kind: str) -> None:
        self.out = Path(out)
        self.dir = self.out / tasks
        self.info = self.out / info
        self.kind = kind
        self._commit = re.compile(commit)
        self._lock_fd: int | None = None

    def guarded(self, action: Callable[[], Any], what: str = "results folder") -> Any:
        """Run ``action``; an OSError becomes one ``--out`` message (and the lock is let go)."""
        try:
            return action()
        except OSError as exc:  # a path under a file, a read-only or forbidden folder, full disk
            self.close()
            raise ScenarioError(
                self.out, "--out", f"cannot write the {what} ({exc.strerror or exc})"
            ) from None

    def check_options(self, force: bool, resume: bool) -> None:
        """Refuse ``--resume`` with ``--force``."""
        if resume and force:
            raise ScenarioError(
                self.out, "--resume", "--resume and --force contradict each other; give one"
            )

    def lock(self) -> None:
        """Take the folder's lock, or refuse: another process is writing into it."""
        if fcntl is None:
            return
        fd = os.open(self.out / f".{self.kind}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ScenarioError(
                self.out, "--out", f"another {self.kind} is writing into this folder right now"
            ) from None
        self._lock_fd = fd

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def recorded(self) -> dict[str, Any]:
        """The info file's content ({} when it is missing or unreadable)."""
        try:
            return json.loads(self.info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def check(self, expected: str, message: str) -> dict[str, Any]:
        """Refuse (``--resume``, ``message``) a folder whose fingerprint is not ``expected``."""
        info = self.recorded()
        if info.get("fingerprint") != expected:
            raise ScenarioError(self.out, "--resume", message.format(**info))
        return info

    def start(self) -> None:
        """Mark the folder incomplete; clear temporary files a killed process left behind."""
        atomic_text(self.out / INCOMPLETE, f"this {self.kind} has not finished: do not use "
                    "these files\n")
        self.dir.mkdir(parents=True, exist_ok=True)
        for stale in self.dir.glob(".*.tmp"):
            stale.unlink(missing_ok=True)

    def finished(self) -> set[tuple[int, ...]]:
        """Keys of the tasks whose commit file exists."""
        if not self.dir.is_dir():
            return set()
        matches = (self._commit.match(entry.name) for entry in os.scandir(self.dir))
        return {tuple(int(g) for g in m.groups()) for m in matches if m}

    def finish(self) -> None:
        """Mark the folder complete (after every file is written)."""
        finish_folder(self.out)


class RunFolder(TaskFolder):
    """The replications of a run that has not finished, in ``FOLDER/.partial/``."""

    def __init__(self, out: str | Path) -> None:
        super().__init__(out, PARTIAL_DIR, r"^r(\d+)\.json$", Path(PARTIAL_DIR, "run.json"), "run")

    def exists(self) -> bool:
        """True when the folder holds an interrupted run (its ``.partial/run.json``)."""
        return self.info.is_file()

    def prepare(self, loaded: LoadedScenario, force: bool, resume: bool) -> None:
        """Prepare for a run of ``loaded`` (new; ``force``: overwritten; ``resume``: continued)."""
        self.check_options(force, resume)
        if not resume:
            if self.exists() and not force:
                raise ScenarioError(
                    self.out,
                    "--out",
                    f"this folder holds an interrupted run ({len(self.finished())} replication(s) "
                    "finished and kept); continue it with --resume, or pass --force to start over",
                )
            prepare_folder(self.out, force)
            self.remove()
        elif not self.exists():
            if is_complete(self.out):
                raise ScenarioError(
                    self.out, "--resume", "this run has already finished: nothing to resume"
                )
            raise ScenarioError(
                self.out,
                "--resume",
                "no interrupted run to resume here (no .partial/ folder); start it without "
                "--resume (with --force to overwrite the folder)",
            )
        else:
            self.check(
                scenario_fingerprint(loaded),
                "this folder holds an interrupted run of {scenario_name!r} made from a "
                "different scenario, seed or horizon; resume it with the same scenario and "
                "options, or start over with --force (or another --out)",
            )

            def clear() -> None:
                self.start()
                for name in (MANIFEST, *RESULT_FILES):
                    (self.out / name).unlink(missing_ok=True)

            self.guarded(clear)
        if not self.exists():
            info = {"scenario_name": loaded.scenario.name}
            info["fingerprint"] = scenario_fingerprint(loaded)

            def begin() -> None:
                self.start()
                atomic_text(self.info, json.dumps(info) + "\n")

            self.guarded(begin)

    def replications(self, below: int | None = None) -> list[int]:
        """Numbers of the replications kept (those below ``below``, if given), in order."""
        return sorted(r for (r,) in self.finished() if below is None or r < below)

    def save(self, result: ReplicationResult) -> None:
        """Keep one finished replication: its tables first, its commit file last."""
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


def _plain_number(value: object) -> object:
    """A NumPy scalar as the Python number JSON can write."""
    item = getattr(value, "item", None)
    if item is None:
        raise TypeError(f"cannot keep a {type(value).__name__} in .partial/")
    return item()


def prepare_run_folder(
    out: Path, loaded: LoadedScenario, force: bool = False, resume: bool = False
) -> RunFolder:
    """Prepare ``out`` for a run of ``loaded``; :class:`ScenarioError` if it cannot be used."""
    folder = RunFolder(out)
    folder.prepare(loaded, force, resume)
    return folder


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
    partial: RunFolder | None = None,
) -> RunOutput:
    """Run ``replications`` (default: the scenario's) paired replications and summarise them.

    The replications are the tasks of a one-point sweep (:mod:`sim.sweep.backends`).
    With ``partial``, replications already kept there are read back instead of
    run, and each newly finished one is kept there before ``on_done`` is called.
    """
    n = replications or loaded.scenario.replications
    return run_scenarios({0: loaded}, n, workers, on_done, partial)[0]


def run_scenarios(
    variants: dict[Any, LoadedScenario],
    replications: int,
    workers: int = 1,
    on_done: Callable[[ReplicationResult], None] | None = None,
    partial: RunFolder | None = None,
    models: tuple[str, ...] = (),
) -> dict[Any, RunOutput]:
    """Run ``replications`` paired replications of every scenario in ``variants``.

    All the variants' replications are the tasks of one sweep on one backend
    (one worker pool for all, not one per variant); each variant keeps its own
    seed, so its output is what :func:`run_scenario` gives for it alone. Returns
    a :class:`RunOutput` per key of ``variants``. ``partial`` (one variant only)
    is as in :func:`run_scenario`. ``models``: only these models, by name (empty:
    every registered one).
    """
    from .sweep.backends import make_backend
    from .sweep.tasks import TaskResult, TaskSpec

    if partial is not None and len(variants) != 1:
        raise ValueError("a partial run folder holds the replications of one scenario only")
    keys = list(variants)
    results: dict[int, list[ReplicationResult]] = {i: [] for i in range(len(keys))}
    if partial:
        results[0] = [partial.load(r) for r in partial.replications(below=replications)]
    todo = [
        TaskSpec(i, r, keep_records=True, models=models)
        for i in results
        for r in sorted(set(range(replications)) - {x.replication for x in results[i]})
    ]
    keeping = partial is not None

    def finished(task: TaskResult) -> None:
        nonlocal keeping
        if task.result is None:
            raise RuntimeError(f"replication {task.replication} failed:\n{task.error}")
        results[task.point].append(task.result)
        if keeping:
            try:
                partial.save(task.result)
            except OSError:  # e.g. a full disk: the run goes on, only a resume would redo more
                keeping = False
        if on_done:
            on_done(task.result)

    backend = make_backend(workers, None, tasks=len(todo))
    try:  # on Ctrl-C every finished replication has been kept
        backend.run({i: variants[k] for i, k in enumerate(keys)}, todo, finished)
    finally:
        backend.close()
    return {k: _run_output(results[i]) for i, k in enumerate(keys)}


def _run_output(results: list[ReplicationResult]) -> RunOutput:
    """One scenario's replications (any order) as its per-replication table, summary and records."""
    results = sorted(results, key=lambda r: r.replication)
    per_rep = pd.concat([r.metrics for r in results], ignore_index=True)
    first = ["replication", "model", "township"]
    per_rep = per_rep[first + [c for c in per_rep.columns if c not in first]]
    records = {
        name: pd.concat([getattr(r, name) for r in results], ignore_index=True)
        for name in RECORD_FILES
    }
    digests = {r.replication: r.stream_digest for r in results}
    return RunOutput(per_rep, summarise(per_rep), digests=digests, **records)


def write_run(out: Path, loaded: LoadedScenario, result: RunOutput) -> None:
    """Write every file of a run folder (the folder must have been prepared)."""
    write_scenario(out, loaded)
    for name, file in RECORD_FILES.items():
        write_parquet(getattr(result, name), out / file)
    write_csv(result.replications, out / "replications.csv")
    write_csv(result.summary, out / "summary.csv")
    write_manifest(out, loaded, sorted(result.digests), result.digests)
    finish_folder(out)
    RunFolder(out).remove()  # after the folder is whole: a crash before keeps the replications

