"""The fitted scenario: a copy of the base with ``incident_types`` (and village weights) replaced.

The base is read as data (YAML anchors resolved), so its comments and anchors
do not survive: the written file starts with a header saying where it came
from. Top-level ``x-`` keys (homes for anchors) are dropped. Everything else
is kept as written. Village demand weights are replaced when the network is
inline; a network read from files keeps its files (their paths are rewritten
relative to the new file), and the fitted weights are only in the report.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import yaml

from ..errors import ScenarioError
from ..loader import LoadedScenario, read_yaml, scenario_from_dict
from .fitting import LogFit, incident_type_block, village_weights

NETWORK_FILES = ("graphml", "edges_csv", "nodes_csv")


def fitted_document(base_path: Path, out_path: Path, fit: LogFit) -> dict:
    """Return the new scenario document (plain data) for ``out_path``."""
    data, _ = read_yaml(base_path)
    doc = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    doc["name"] = f"{doc['name']} (fitted from {fit.log.source.name})"
    doc["incident_types"] = [incident_type_block(t) for t in fit.types]
    network = dict(doc["network"])
    if network.get("nodes") is not None:
        weights = village_weights(fit)
        network["nodes"] = [
            {**node, "weight": weights[node["id"]]} if node.get("id") in weights else node
            for node in network["nodes"]
        ]
    for key in NETWORK_FILES:
        if network.get(key) is not None:
            target = Path(base_path).parent / network[key]
            network[key] = os.path.relpath(target, Path(out_path).parent)
    doc["network"] = network
    return doc


def uses_network_files(doc: dict) -> bool:
    """True when the scenario's road network is read from files next to it."""
    return any(doc["network"].get(key) is not None for key in NETWORK_FILES)


def validate(doc: dict, out_path: Path) -> LoadedScenario:
    """Validate the new document as if it were already the file ``out_path``.

    A failure here is a gap in the fit (a township left without calls, say),
    reported against the output file before anything is written.
    """
    try:
        return scenario_from_dict(doc, out_path, allow_outside_paths=True)
    except ScenarioError as exc:
        raise ScenarioError(
            out_path, exc.field, f"the fitted scenario would not be valid: {exc.message}"
        ) from None


def write_scenario(doc: dict, out_path: Path, calls: Path, base: Path) -> None:
    """Write ``doc`` as YAML with a header naming the log, the base and the date."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Written by `policesim fit {calls} --scenario {base}` on {stamp}.\n"
        f"# incident_types (and village weights, for an inline network) are fitted from the\n"
        f"# call log; everything else is copied from {base.name}, whose comments and YAML\n"
        "# anchors are not kept. The fit report is in the folder next to this file.\n"
    )
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, allow_unicode=True,
                          width=100)
    out_path.write_text(header + text, encoding="utf-8")
