"""Results folders: written atomically, marked incomplete until finished, re-readable.

Layout of a run folder::

    incidents.parquet       one row per incident per model per replication
    officers.parquet        one row per officer per model per replication
    investigations.parquet  one row per investigation per model per replication
    replications.csv        metrics per replication, model and township
    summary.csv             mean, 95% CI per metric, model and township, plus paired difference
    scenario.resolved.yaml  the scenario as run (network inline, overrides applied)
    manifest.json           seeds, replications, versions, command line, stream digests

While a run is writing, the folder holds ``INCOMPLETE``; it is removed last,
so a folder without it is whole. Every file is written to a temporary name in
the same folder and renamed into place, so no file is ever half-written.
"""

from __future__ import annotations

import json
import os
import platform
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

INCOMPLETE = "INCOMPLETE"
PACKAGES = ("policesim", "simpy", "numpy", "pandas", "networkx", "pydantic", "scipy", "pyarrow")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def prepare_folder(out: Path, force: bool) -> None:
    """Create ``out`` marked incomplete; refuse a non-empty existing folder unless ``force``."""
    if out.exists() and any(out.iterdir()) and not force:
        raise ScenarioError(
            out, "--out", "results folder exists and is not empty; pass --force to overwrite it"
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_text(out / INCOMPLETE, "this run has not finished writing\n")


def finish_folder(out: Path) -> None:
    """Mark ``out`` complete."""
    (out / INCOMPLETE).unlink(missing_ok=True)


def is_complete(out: Path) -> bool:
    """True when ``out`` is a finished results folder."""
    return (out / "manifest.json").is_file() and not (out / INCOMPLETE).exists()


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to Parquet atomically."""
    atomic_write(path, lambda p: df.to_parquet(p, index=False))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to CSV atomically, floats in full precision (``repr``)."""
    atomic_write(path, lambda p: df.to_csv(p, index=False, float_format="%.10g"))


def resolved_scenario(loaded: LoadedScenario) -> dict[str, Any]:
    """Return the scenario as run, with the road network inline (no external files needed)."""
    data = loaded.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    nodes, edges = network_to_specs(loaded.network)
    data["network"] = {"nodes": nodes, "edges": edges}
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
    if not is_complete(folder):
        raise ScenarioError(folder, "", "results folder is incomplete (the run did not finish)")
    tables = {}
    for name in ("incidents", "officers", "investigations"):
        tables[name] = pd.read_parquet(folder / f"{name}.parquet")
    for name in ("replications", "summary"):
        tables[name] = pd.read_csv(folder / f"{name}.csv")
    return tables
