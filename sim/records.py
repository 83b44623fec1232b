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

from .models import registry

if TYPE_CHECKING:
    from .engine import Officer
    from .incidents import IncidentStream, WalkInStream
    from .loader import LoadedScenario
    from .models.layout import Layout

NAN = float("nan")

# Officer states (index into the engine's per-officer minutes).
PATROL, STATION, RETURN, TRAVEL, SCENE, INVESTIGATION, OFF_DUTY, DESK, DUTY = range(9)
STATE_NAMES = (
    "patrol",
    "station",
    "return",
    "travel",
    "scene",
    "investigation",
    "off_duty",
    "desk",
    "duty",
)

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
#: Per-incident counts recorded beside who came (not part of ``n_*``'s sum).
EXTRA_COUNTS = ("own_free", "county_stood_down", "preempted", "called_in")
#: Columns of ``dispatches.parquet`` (one row per officer or county head sent).
DISPATCH_FIELDS = (
    "incident",
    "officer",
    "station",
    "role",
    "sent_min",
    "arrived_min",
    "freed_min",
    "travel_min",
    "stood_down",
    "origin",
    "called_in",
)


class RunRecords:
    """Preallocated per-incident slots plus per-officer and investigation rows.

    Each time field is an ``array('d')`` and each count an ``array('q')`` of
    one slot per incident: indexed like a list in the event loop, 8 bytes a
    slot (a list of floats costs 32), and read by numpy without a copy.
    """

    def __init__(self, n_incidents: int, n_officers: int, n_walk_ins: int = 0) -> None:
        for name in TIME_FIELDS:
            setattr(self, name, array("d", [NAN]) * n_incidents)
        for name in (*COUNT_FIELDS, *EXTRA_COUNTS):
            setattr(self, name, array("q", [0]) * n_incidents)
        self.walk_in_started = array("d", [NAN]) * n_walk_ins
        self.walk_in_done = array("d", [NAN]) * n_walk_ins
        self.dispatches: list[list] = []
        self.officer_rows: list[tuple] = []
        self.investigations: dict[int, list] = {}
        self.backlog_at_end = 0
        self.investigations_waiting = 0

    def add_dispatch(
        self,
        incident: int,
        officer: int,
        station: int,
        role: str,
        sent: float,
        travel: float,
        origin: int = -1,
        called_in: bool = False,
    ) -> int:
        """Record that ``officer`` (-1: a county head) was sent to ``incident``; return the row.

        ``origin`` is the network place it set out from (-1: the county);
        ``called_in``: an off-duty officer on standby.
        """
        self.dispatches.append(
            [incident, officer, station, role, sent, NAN, NAN, travel, False, origin, called_in]
        )
        return len(self.dispatches) - 1

    def dispatch_arrived(self, row: int, now: float) -> None:
        """Record the arrival on scene of dispatch ``row``."""
        self.dispatches[row][5] = now

    def dispatch_freed(self, row: int, now: float) -> None:
        """Record when dispatch ``row``'s officer left the call (cleared, recalled or pulled)."""
        self.dispatches[row][6] = now

    def stand_down(self, row: int, now: float) -> None:
        """Record that county head ``row`` was stood down before arriving."""
        r = self.dispatches[row]
        r[6], r[8] = now, True

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
        """Store each officer's role, team and state minutes (closed out at the horizon)."""
        self.officer_rows = [(o.id, o.station, o.role, o.team, *o.minutes) for o in officers]
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
            "model": pd.Categorical([model] * len(idx), categories=list(registry.names())),
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
    df["n_county_stood_down"] = np.asarray(rec.county_stood_down, dtype=np.int64)[idx]
    df["n_preempted"] = np.asarray(rec.preempted, dtype=np.int64)[idx]
    df["n_called_in"] = np.asarray(rec.called_in, dtype=np.int64)[idx]
    df["own_free_at_dispatch"] = np.asarray(rec.own_free, dtype=np.int64)[idx]
    # The own station could not staff the call alone with the officers free at dispatch.
    df["own_short"] = df["own_free_at_dispatch"] < df["officers_required"]
    df["response_min"] = df["first_arrival_min"] - df["call_min"]
    df["full_strength_delay_min"] = df["full_strength_min"] - df["call_min"]
    return df


def officer_frame(
    rec: RunRecords, loaded: LoadedScenario, layout: Layout, model: str, replication: int
) -> pd.DataFrame:
    """Return the officer table of one run: role, team and minutes per state after warm-up.

    ``busy_min`` is call and case work (travel, scene, investigation); desk
    and scheduled-duty minutes are their own columns.
    """
    from .models.layout import ROLES

    cols = ["officer", "station", "role", "team", *[f"{s}_min" for s in STATE_NAMES]]
    df = pd.DataFrame(rec.officer_rows, columns=cols)
    df["station"] = [loaded.scenario.stations[s].id for s in df["station"]]
    df.insert(0, "model", model)
    df.insert(0, "replication", replication)
    df["role"] = [ROLES[r] for r in df["role"]]
    df["team"] = [layout.teams[t].name for t in df["team"]]
    df["observed_min"] = rec.observed_min
    df["on_duty_min"] = rec.observed_min - df["off_duty_min"]
    df["busy_min"] = df["travel_min"] + df["scene_min"] + df["investigation_min"]
    return df


def dispatch_frame(
    rec: RunRecords, stream: IncidentStream, loaded: LoadedScenario, model: str, replication: int
) -> pd.DataFrame:
    """Return one row per officer (or county head) sent to an incident called after warm-up.

    ``officer`` is -1 and ``station`` (and ``origin``) ``county`` for county heads; ``stood_down``
    marks county heads called off before arriving. Times are minutes from the
    start of the run (NaN: never happened).
    """
    df = pd.DataFrame(rec.dispatches, columns=list(DISPATCH_FIELDS))
    if df.empty:
        df = df.astype(
            {"incident": "int64", "officer": "int64", "stood_down": "bool", "origin": "int64"}
        )
    keep = stream.call_min[df["incident"].to_numpy(dtype=np.int64)] >= (
        loaded.scenario.warmup_days * 1440.0
    )
    df = df[keep].reset_index(drop=True)
    names = [s.id for s in loaded.scenario.stations]
    df["station"] = [names[s] if s >= 0 else "county" for s in df["station"]]
    places = loaded.network.places
    df["origin"] = [places[p] if p >= 0 else "county" for p in df["origin"]]
    df.insert(0, "model", model)
    df.insert(0, "replication", replication)
    return df


def walk_in_frame(
    rec: RunRecords, walk_ins: WalkInStream, loaded: LoadedScenario, model: str, replication: int
) -> pd.DataFrame:
    """Return one row per walk-in visitor after warm-up: arrival, service start and end, wait."""
    keep = walk_ins.arrival_min >= loaded.scenario.warmup_days * 1440.0
    names = [s.id for s in loaded.scenario.stations]
    df = pd.DataFrame(
        {
            "replication": np.full(int(keep.sum()), replication, dtype=np.int64),
            "model": model,
            "station": [names[s] for s in walk_ins.station[keep]],
            "arrival_min": walk_ins.arrival_min[keep],
            "started_min": np.asarray(rec.walk_in_started)[keep],
            "done_min": np.asarray(rec.walk_in_done)[keep],
            "service_min": walk_ins.service_min[keep],
        }
    )
    df["wait_min"] = df["started_min"] - df["arrival_min"]
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
