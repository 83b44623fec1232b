"""A design is a scenario document with a different ``pooled:`` list (or other staffing).

New pools copy the scenario's first joint station (:func:`sim.design.proxy.template_from`):
the same room staff and handling, case-team size, assist rule and county wait. The
officers they draw are taken one at a time from the host first, then from the member
with the most officers left, never leaving a station without a field officer.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError
from ..loader import LoadedScenario, read_yaml, scenario_from_dict
from ..scenario import PoolSpec


def _take(count: int, order: list[str], left: dict[str, int]) -> dict[str, int]:
    got: dict[str, int] = {}
    for _ in range(count):
        cands = [s for s in order if left[s] > 1]
        if not cands:
            break
        # host first while it has most; then whoever has most left (ties: listed order)
        st = max(cands, key=lambda s: (left[s], -order.index(s)))
        got[st] = got.get(st, 0) + 1
        left[st] -= 1
    return got


def pool_doc(
    pool_id: str, members: list[str], host: str, template: PoolSpec, officers: dict[str, int]
) -> dict[str, Any]:
    """A ``pooled:`` entry for ``members`` with ``host``, staffed like ``template``."""
    order = [host] + [m for m in members if m != host]
    left = {m: officers[m] for m in members}
    room_n = sum(template.command_room.drawn_from.values())
    case_n = sum(template.case_team.from_stations.values()) if template.case_team else 0
    # the host gives to the case team first (it sits there), then to the room
    case = _take(case_n, order, left)
    room = _take(room_n, order[::-1], left) if room_n else {}
    doc = template.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc.update(id=pool_id, host=host, members=list(members))
    doc["command_room"]["drawn_from"] = room
    dedicated = template.command_room.staff - room_n  # call-takers not drawn from a station
    doc["command_room"]["staff"] = max(0, dedicated) + sum(room.values())
    if template.case_team is not None:
        doc["case_team"]["from_stations"] = case
    return doc


def base_document(path: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """The scenario file's document with top-level ``overrides`` applied."""
    data, _ = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "the scenario must be a YAML mapping of fields")
    return {**data, **overrides}


def load_doc(
    doc: dict[str, Any], source: Path, allow_outside_paths: bool = False
) -> LoadedScenario:
    """Validate a design document as if it were the file ``source`` (network files beside it)."""
    return scenario_from_dict(doc, source, None, allow_outside_paths)


def design_key(doc: dict[str, Any]) -> str:
    """A short stable name of what a design changes (pools, stations, settings)."""
    text = json.dumps(doc, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def write_design(
    folder: Path, name: str, doc: dict[str, Any], source: Path, header: str
) -> Path:
    """Write ``doc`` as ``folder/name.yaml``, ready to run; network files are copied beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    net = doc.get("network", {})
    for key in ("edges_csv", "nodes_csv", "graphml"):
        if isinstance(net, dict) and net.get(key):
            src = source.parent / net[key]
            dst = folder / Path(net[key]).name
            if src.exists() and not dst.exists():
                shutil.copyfile(src, dst)
            net = {**net, key: Path(net[key]).name}
    doc = {**doc, "network": net}
    text = "".join(f"# {line}\n" for line in header.splitlines())
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    path = folder / f"{name}.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
