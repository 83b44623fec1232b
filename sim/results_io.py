"""Results folders: written atomically, marked incomplete until finished, re-readable.

Layout of a run folder::

    incidents.parquet       one row per incident per model per replication
    officers.parquet        one row per officer per model per replication
    investigations.parquet  one row per investigation per model per replication
    dispatches.parquet      one row per officer (or county head) sent to an incident
    walkins.parquet         one row per walk-in visitor per model per replication
    replications.csv        metrics per replication, model and township
    summary.csv             mean, 95% CI per metric, model and township, plus paired difference
    scenario.resolved.yaml  the scenario as run (network inline, overrides applied)
    manifest.json           seeds, replications, versions, command line, stream digests

While a run is writing, the folder holds ``INCOMPLETE``; it is removed last,
after ``manifest.json``, so a folder without it (and with a manifest) is whole.
Every file is written to a temporary name in the same folder (``.NAME.*.tmp``),
flushed to disk and renamed into place, so no file under its real name is ever
half-written: a run killed at any moment leaves either a complete folder or one
marked incomplete, and :func:`read_results` refuses the latter.

An existing folder is only overwritten with ``force``, and only if it is empty
or looks like a results folder (so ``--out . --force`` cannot empty a project).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import ScenarioError
from .loader import LoadedScenario
from .network import network_to_specs

#: Encoding of every CSV a run or a sweep writes: UTF-8 with a byte-order mark, so Excel
#: opens Chinese station and village names correctly (without the mark it guesses the
#: system code page). Read them with ``pd.read_csv(path, encoding=CSV_ENCODING)``
#: (``utf-8-sig`` also reads files without the mark).
CSV_ENCODING = "utf-8-sig"
INCOMPLETE = "INCOMPLETE"
MARKER_TEXT = "this run has not finished writing: do not use these files\n"
MANIFEST = "manifest.json"
#: Files a run writes (``read_results`` needs all of them).
RESULT_FILES = (
    "incidents.parquet",
    "officers.parquet",
    "investigations.parquet",
    "dispatches.parquet",
    "walkins.parquet",
    "replications.csv",
    "summary.csv",
    "scenario.resolved.yaml",
    MANIFEST,
)
PACKAGES = ("policesim", "simpy", "numpy", "pandas", "networkx", "pydantic", "scipy", "pyarrow")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary file is flushed to disk before the rename and the folder after
    it, so ``path`` holds either its old content or the complete new one, even
    after a crash. A failed ``write`` leaves no temporary file behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes owner-only files; results are to share
        _fsync(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync(path.parent)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Mode of written files: what ``open()`` would give under this process's umask.
_FILE_MODE = 0o666 & ~_umask()


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to disk where the platform allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (and Windows folders) cannot fsync
    finally:
        os.close(fd)


def atomic_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def prepare_folder(out: Path, force: bool) -> None:
    """Create ``out`` marked incomplete; refuse a non-empty existing folder unless ``force``.

    With ``force``, an existing results folder (complete or not) is reused: it is
    marked incomplete first, then the previous run's files are removed, so it
    never holds a mix that reads as whole. A non-empty folder that is not a
    results folder is refused even with ``force``. Raises :class:`ScenarioError`.
    """
    out = Path(out)
    try:
        if out.exists() and not out.is_dir():
            raise ScenarioError(out, "--out", "exists and is a file, not a results folder")
        entries = list(out.iterdir()) if out.exists() else []
        if entries and not force:
            raise ScenarioError(
                out,
                "--out",
                "results folder exists and is not empty; pass --force to overwrite it "
                "(or choose another --out)",
            )
        if entries and not looks_like_results(out):
            raise ScenarioError(
                out,
                "--out",
                "folder is not empty and is not a policesim results folder; "
                "refusing to overwrite it even with --force",
            )
        if entries or out.is_symlink():
            atomic_text(out / INCOMPLETE, MARKER_TEXT)
        else:
            _new_marked_folder(out)
        for name in (MANIFEST, *RESULT_FILES):
            (out / name).unlink(missing_ok=True)
        for tmp in out.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise ScenarioError(
            out, "--out", f"cannot write the results folder ({exc.strerror or exc})"
        ) from None


def _new_marked_folder(out: Path) -> None:
    """Make ``out`` appear already holding ``INCOMPLETE``: build it beside, then rename it.

    A kill at any moment leaves either no folder (or the empty one that was there)
    or a folder marked incomplete, never an unmarked one.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        (tmp / INCOMPLETE).write_text(MARKER_TEXT, encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, out)  # POSIX: atomic, also onto an existing empty folder
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        out.mkdir(parents=True, exist_ok=True)  # e.g. Windows cannot replace a folder
        atomic_text(out / INCOMPLETE, MARKER_TEXT)
    _fsync(out.parent)


def looks_like_results(out: Path) -> bool:
    """True when ``out`` holds a manifest or the incomplete marker of a results folder."""
    return (out / MANIFEST).is_file() or (out / INCOMPLETE).is_file()


def finish_folder(out: Path) -> None:
    """Mark ``out`` complete (call after every file, the manifest last, is written)."""
    (out / INCOMPLETE).unlink(missing_ok=True)
    _fsync(out)


def is_complete(out: Path) -> bool:
    """True when ``out`` is a finished results folder."""
    return (out / MANIFEST).is_file() and not (out / INCOMPLETE).exists()


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to Parquet atomically."""
    atomic_write(path, lambda p: df.to_parquet(p, index=False))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to CSV atomically, floats to 10 significant digits, UTF-8 with a BOM."""
    atomic_write(
        path,
        lambda p: df.to_csv(p, index=False, float_format="%.10g", encoding=CSV_ENCODING),
    )


def resolved_scenario(loaded: LoadedScenario) -> dict[str, Any]:
    """Return the scenario as run, with the road network inline (no external files needed)."""
    data = loaded.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    nodes, edges = network_to_specs(loaded.network)
    data["network"] = {"nodes": nodes, "edges": edges}
    if loaded.calls is not None:  # a replayed call log, inline too
        data["incidents"] = {"calls": [dict(r) for r in loaded.calls.rows],
                             "bootstrap_days": loaded.scenario.incidents.bootstrap_days}
    return data


def versions() -> dict[str, str]:
    """Versions of Python and the packages that decide the numbers."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_manifest(
    out: Path,
    loaded: LoadedScenario,
    replications: list[int],
    digests: dict[int, str],
    extra: dict[str, Any] | None = None,
) -> None:
    """Write ``manifest.json``: everything needed to repeat the run exactly."""
    sc = loaded.scenario
    manifest = {
        "scenario_name": sc.name,
        "scenario_file": loaded.source,
        "seed": sc.seed,
        "replications": replications,
        "replication_seeds": {
            str(r): {"entropy": sc.seed, "spawn_key_prefix": [r]} for r in replications
        },
        "incident_stream_sha256": {str(r): d for r, d in digests.items()},
        "horizon_days": sc.horizon_days,
        "warmup_days": sc.warmup_days,
        "command_line": sys.argv,
        "repeat_with": f"policesim run {out / 'scenario.resolved.yaml'} --out NEW_FOLDER",
        "versions": versions(),
        **(extra or {}),
    }
    atomic_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def write_scenario(out: Path, loaded: LoadedScenario) -> None:
    """Write ``scenario.resolved.yaml``."""
    text = yaml.safe_dump(resolved_scenario(loaded), sort_keys=False, allow_unicode=True)
    atomic_text(out / "scenario.resolved.yaml", text)


def read_results(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read a finished results folder back into DataFrames keyed by table name.

    Raises :class:`ScenarioError` when the folder is missing or marked incomplete.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, "", "results folder not found")
    if (folder / INCOMPLETE).exists():
        raise ScenarioError(
            folder,
            "",
            "results folder is marked INCOMPLETE: the run was interrupted or failed "
            "before it finished writing; run it again",
        )
    missing = [name for name in RESULT_FILES if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(
            folder, "", f"not a complete results folder: missing {', '.join(missing)}"
        )
    tables = {}
    try:
        for name in ("incidents", "officers", "investigations", "dispatches", "walkins"):
            tables[name] = pd.read_parquet(folder / f"{name}.parquet")
        for name in ("replications", "summary"):
            tables[name] = pd.read_csv(folder / f"{name}.csv", encoding=CSV_ENCODING)
    except Exception as exc:  # pyarrow and pandas raise many types for damaged files
        raise ScenarioError(
            folder, "", f"results file {name!r} cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    return tables
