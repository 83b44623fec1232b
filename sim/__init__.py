"""policesim: isolated township police stations vs pooled joint stations, on SimPy.

Data flow: scenario YAML -> :func:`sim.loader.load_scenario` (validated scenario
and road network) -> :func:`sim.incidents.draw_incidents` (one stream per
replication) -> :class:`sim.engine.Engine` per operating model
(:mod:`sim.models`) -> records (:mod:`sim.records`) -> metrics
(:mod:`sim.metrics`) -> results folder (:mod:`sim.results_io`).
"""

from .errors import ScenarioError
from .loader import LoadedScenario, load_scenario, scenario_from_dict
from .run_folder import RunOutput, run_scenario, write_run
from .runner import ReplicationResult, run_replication

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
