"""Records of one run, kept in preallocated arrays in the event loop, turned into DataFrames once.

Three tables come out of a run (one row each):

* incidents: per incident per model, the times (minutes from the run's
  start) of call, handling done, first dispatch, first arrival, full strength,
  clearance, county request and arrival, reinforcement request and arrival,
  and who came (own station, other pool stations, case team, county). A time
  that never happened is NaN, never a sentinel.
* officers: per officer per model, minutes spent in each state after warm-up.
* investigations: per investigation, when it was created, started and finished.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .engine import Officer
    from .incidents import IncidentStream
    from .loader import LoadedScenario
    from .models.layout import Layout

NAN = float("nan")

#: Time columns of the incident table (minutes from the start of the run).
TIME_FIELDS = (
    "handled",
    "dispatched",
    "first_arrival",
    "full_strength",
    "cleared",
    "county_requested",
    "county_arrived",
    "reinforcement_requested",
    "reinforcement_arrived",
)
COUNT_FIELDS = ("by_own", "by_other", "by_case", "by_county")


class RunRecords:
    """Preallocated per-incident slots plus per-officer and investigation rows.

    Each time field is an ``array('d')`` and each count an ``array('q')`` of
    one slot per incident: indexed like a list in the event loop, 8 bytes a
    slot (a list of floats costs 32), and read by numpy without a copy.
    """

    def __init__(self, n_incidents: int, n_officers: int) -> None:
        for name in TIME_FIELDS:
            setattr(self, name, array("d", [NAN]) * n_incidents)
        for name in COUNT_FIELDS:
            setattr(self, name, array("q", [0]) * n_incidents)
        self.officer_rows: list[tuple] = []
        self.investigations: dict[int, list] = {}
        self.backlog_at_end = 0
        self.investigations_waiting = 0

    def create_investigation(self, incident: int, created: float, hours: float) -> None:
        """Record that clearing ``incident`` created an investigation of ``hours`` work."""
        self.investigations[incident] = [created, NAN, NAN, hours, -1, False]

    def start_investigation(self, incident: int, started: float, officer: Officer) -> None:
        """Record that ``officer`` started the investigation of ``incident``."""
        row = self.investigations[incident]
        row[1], row[4], row[5] = started, officer.id, officer.case

    def finish_investigation(self, incident: int, now: float) -> None:
        """Record the completion time of ``incident``'s investigation."""
        self.investigations[incident][2] = now

    def set_officers(self, officers: list[Officer], warmup: float, horizon: float) -> None:
        """Store each officer's state minutes (closed out at the horizon)."""
        self.officer_rows = [(o.id, o.station, o.case, *o.minutes) for o in officers]
        self.observed_min = horizon - warmup


def incident_frame(
    rec: RunRecords, stream: IncidentStream, loaded: LoadedScenario, model: str, replication: int
) -> pd.DataFrame:
    """Return the incident table of one run (incidents called after warm-up only)."""
    sc, net = loaded.scenario, loaded.network
    keep = stream.call_min >= sc.warmup_days * 1440.0
    idx = np.flatnonzero(keep)
    df = pd.DataFrame(
        {
            "replication": np.full(len(idx), replication, dtype=np.int64),
            "model": pd.Categorical([model] * len(idx), categories=["isolated", "pooled"]),
            "incident": idx,
            "type": pd.Categorical.from_codes(
                stream.type_index[idx], [t.id for t in sc.incident_types]
            ),
            "township": pd.Categorical.from_codes(
                stream.township[idx], [s.id for s in sc.stations]
            ),
            "village": np.asarray(net.places, dtype=object)[stream.place[idx]],
            "priority": stream.priority[idx],
            "officers_required": stream.officers_required[idx],
            "on_scene_min": stream.on_scene_min[idx],
            "call_min": stream.call_min[idx],
        }
    )
    for name in TIME_FIELDS:
        df[f"{name}_min"] = np.asarray(getattr(rec, name))[idx]
    for name in COUNT_FIELDS:
        df[f"n_{name[3:]}"] = np.asarray(getattr(rec, name), dtype=np.int64)[idx]
    df["response_min"] = df["first_arrival_min"] - df["call_min"]
    df["full_strength_delay_min"] = df["full_strength_min"] - df["call_min"]
    return df


def officer_frame(
    rec: RunRecords, loaded: LoadedScenario, layout: Layout, model: str, replication: int
) -> pd.DataFrame:
    """Return the officer table of one run: minutes per state after warm-up."""
    from .engine import STATE_NAMES

    cols = ["officer", "station", "case_team", *[f"{s}_min" for s in STATE_NAMES]]
    df = pd.DataFrame(rec.officer_rows, columns=cols)
    df["station"] = [loaded.scenario.stations[s].id for s in df["station"]]
    df.insert(0, "model", model)
    df.insert(0, "replication", replication)
    df["role"] = np.where(df.pop("case_team"), "case_team", "community")
    df["observed_min"] = rec.observed_min
    df["on_duty_min"] = rec.observed_min - df["off_duty_min"]
    df["busy_min"] = df["travel_min"] + df["scene_min"] + df["investigation_min"]
    return df


def investigation_frame(
    rec: RunRecords, stream: IncidentStream, loaded: LoadedScenario, model: str, replication: int
) -> pd.DataFrame:
    """Return the investigation table of one run (created after warm-up)."""
    rows = [(i, *v) for i, v in sorted(rec.investigations.items())]
    df = pd.DataFrame(
        rows,
        columns=[
            "incident",
            "created_min",
            "started_min",
            "completed_min",
            "work_hours",
            "officer",
            "by_case_team",
        ],
    )
    df = df[df["created_min"] >= loaded.scenario.warmup_days * 1440.0].reset_index(drop=True)
    df.insert(0, "model", model)
    df.insert(0, "replication", replication)
    stations = [s.id for s in loaded.scenario.stations]
    df["township"] = [stations[t] for t in stream.township[df["incident"].to_numpy(dtype=np.int64)]]
    df["turnaround_hours"] = (df["completed_min"] - df["created_min"]) / 60.0
    df["wait_hours"] = (df["started_min"] - df["created_min"]) / 60.0
    return df
