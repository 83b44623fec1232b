"""policesim: isolated township police stations vs pooled joint stations, on SimPy.

Data flow: scenario YAML -> :func:`sim.loader.load_scenario` (validated scenario
and road network) -> :func:`sim.incidents.draw_incidents` (one stream per
replication) -> :class:`sim.engine.Engine` per operating model
(:mod:`sim.models`) -> records (:mod:`sim.records`) -> metrics
(:mod:`sim.metrics`) -> results folder (:mod:`sim.results_io`).
"""


from __future__ import annotations

import importlib
from typing import Any

from .errors import ScenarioError

#: Public name -> the module that defines it, imported on first use, so ``import sim``
#: (and ``policesim check``) does not load pandas, scipy, matplotlib or dask.
_EXPORTS = {
    "LoadedScenario": "loader",
    "load_scenario": "loader",
    "scenario_from_dict": "loader",
    "RunOutput": "run_folder",
    "run_scenario": "run_folder",
    "write_run": "run_folder",
    "ReplicationResult": "runner",
    "run_replication": "runner",
}

__all__ = [
    "LoadedScenario",
    "ReplicationResult",
    "RunOutput",
    "ScenarioError",
    "load_scenario",
    "run_replication",
    "run_scenario",
    "scenario_from_dict",
    "write_run",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
