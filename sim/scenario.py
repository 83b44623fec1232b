"""The scenario schema: what an analyst writes in ``scenarios/*.yaml``.

Every block is a frozen pydantic model that refuses unknown keys, so a typo
such as ``oficers`` is an error instead of a silent default. Field names carry
their units (``_min`` minutes, ``_hours`` hours, ``_per_day``, ``_days``,
``_km``, ``_kmh``). Checks that need several blocks at once (a pool host that
is a member, a case team no larger than its station) live in
:func:`check_cross_references`; checks that need the road graph live in
:mod:`sim.network`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .distributions import CountDistribution, Distribution, Fixed, Uniform, fixed

#: Sanity limits: far beyond any township or county, small enough that a typo
#: (an extra zero or three) is refused instead of exhausting memory or time.
MAX_OFFICERS = 10_000
MAX_HORIZON_DAYS = 36_500.0
MAX_ROAD_MIN = 1e6
MAX_INCIDENTS_PER_REPLICATION = 1_000_000


class _Block(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, populate_by_name=True, allow_inf_nan=False
    )


class NodeSpec(_Block):
    """A place on the road graph: a station, a village (with demand) or a junction."""

    id: str = Field(min_length=1)
    kind: Literal["station", "village", "junction"] = "village"
    township: str | None = None
    weight: float = Field(default=1.0, ge=0)
    x: float | None = None
    y: float | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _village_has_township(self) -> NodeSpec:
        if self.kind == "village" and not self.township:
            raise ValueError(f"village {self.id!r} needs a township")
        # weight 1 (the default) is what a resolved scenario writes for every node: accepted
        demand = [f for f in ("township", "weight") if getattr(self, f) not in (None, 1.0)]
        if self.kind != "village" and demand:
            raise ValueError(
                f"{self.kind} {self.id!r} has {' and '.join(demand)}, which only a village "
                "carries (calls arise at villages; a station serves the villages whose "
                "township is its id): remove it, or make the node a village"
            )
        if (self.lat is None) != (self.lon is None):
            raise ValueError(f"node {self.id!r}: give both lat and lon (degrees), or neither")
        if self.lat is not None and (self.x is not None or self.y is not None):
            raise ValueError(
                f"node {self.id!r}: give either x/y (a schematic layout) or lat/lon "
                "(degrees), not both"
            )
        return self


class EdgeSpec(_Block):
    """A two-way road between two nodes, given in minutes or in km (with a speed).

    With neither, its ends must carry ``lat``/``lon``: the length is then the
    great-circle distance times the network's ``detour_factor`` (:mod:`sim.geo`).
    """

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    minutes: float | None = Field(default=None, ge=0, le=MAX_ROAD_MIN)
    km: float | None = Field(default=None, ge=0, le=MAX_ROAD_MIN)
    speed_kmh: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_length(self) -> EdgeSpec:
        if self.minutes is not None and self.km is not None:
            raise ValueError("give one of minutes or km, not both")
        if self.minutes is not None and self.speed_kmh is not None:
            raise ValueError(
                "speed_kmh goes with km (or with lat/lon ends): a road given in minutes "
                "takes those minutes, so give one of minutes or km + speed_kmh"
            )
        return self


#: Default ratio of road distance to great-circle distance (an assumption; docs/maps.md).
DEFAULT_DETOUR_FACTOR = 1.3


class NetworkSpec(_Block):
    """The road graph: inline, a GraphML file, CSV edge/node lists, or an OpenStreetMap extract.

    With ``osm`` (an OSM XML file next to the scenario), ``nodes`` or
    ``nodes_csv`` list only the stations and villages, by ``lat``/``lon``; each
    is joined to its nearest road node (:mod:`sim.osm`, docs/maps.md).
    ``detour_factor`` turns great-circle km into road km for roads given
    without a length; ``max_snap_km`` is the farthest a place may lie from the
    road node it is joined to; ``highway_speeds_kmh`` replaces or adds default
    speeds by OSM highway type (:data:`sim.osm.HIGHWAY_SPEEDS_KMH`).
    """

    nodes: list[NodeSpec] | None = None
    edges: list[EdgeSpec] | None = None
    graphml: str | None = None
    edges_csv: str | None = None
    nodes_csv: str | None = None
    osm: str | None = None
    default_speed_kmh: float = Field(default=40.0, gt=0)
    detour_factor: float = Field(default=DEFAULT_DETOUR_FACTOR, ge=1.0, le=10.0)
    max_snap_km: float = Field(default=2.0, gt=0)
    highway_speeds_kmh: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> NetworkSpec:
        if self.highway_speeds_kmh and self.osm is None:
            raise ValueError("highway_speeds_kmh goes with osm (the speeds of OSM highway types)")
        if self.osm is not None:
            if self.edges is not None or self.graphml is not None or self.edges_csv is not None:
                raise ValueError("osm gives the roads: no edges, graphml or edges_csv with it")
            if (self.nodes is None) == (self.nodes_csv is None):
                raise ValueError("osm needs the stations and villages: nodes or nodes_csv")
            return self
        inline = self.nodes is not None or self.edges is not None
        sources = [inline, self.graphml is not None, self.edges_csv is not None]
        if sum(sources) != 1:
            raise ValueError(
                "give exactly one of nodes+edges, graphml, edges_csv+nodes_csv, or osm+nodes"
            )
        if inline and (self.nodes is None or self.edges is None):
            raise ValueError("an inline network needs both nodes and edges")
        if (self.edges_csv is None) != (self.nodes_csv is None):
            raise ValueError("edges_csv and nodes_csv go together")
        return self


class StationSpec(_Block):
    """A township police station: its graph node and its officers on the roll."""

    id: str = Field(min_length=1)
    node: str = Field(min_length=1)
    officers: int = Field(ge=1, le=MAX_OFFICERS)


class PatrolSpec(_Block):
    """Where free officers are: on patrol in their own area, or at their station.

    ``share`` is the probability that a *free* period (no call, desk seat,
    case work or scheduled duty to do) is spent on patrol rather than at the
    station: a cap on patrol, not the patrol share itself. The share of
    on-duty time on patrol is an output: what the other work leaves over.
    ``position`` says how the patrol village is drawn.
    """

    share: float = Field(default=0.8, ge=0, le=1)
    position: Literal["demand_weighted", "uniform"] = "demand_weighted"


class CountySpec(_Block):
    """The county bureau's reinforcement.

    ``requests``: ``partial_shortfall`` asks the county only for the part of a
    call beyond what the station (or pool) has sent, except that a priority-1
    call that finds nobody free asks too; ``any_shortfall`` asks whenever a
    call is short. ``revisit``: when an own (or pool) officer frees up and
    would reach a call before the county does, it is sent and the county
    is stood down for one head (``stand_down``) or keeps coming
    (``keep_coming``).
    """

    enabled: bool = True
    reinforcement_delay_min: Distribution = Uniform(dist="uniform", low=30, high=70)
    requests: Literal["partial_shortfall", "any_shortfall"] = "partial_shortfall"
    revisit: Literal["stand_down", "keep_coming"] = "stand_down"


class DutyDeskSpec(_Block):
    """The isolated model's 24-hour duty desk at every township station.

    ``seats`` officers sit at the desk whenever the station has that many on
    duty (taken from its on-duty roster before anyone goes to the field);
    they take calls (``isolated.handling_min`` each) and serve walk-ins.
    ``may_respond``: an idle desk officer may leave the desk for a call that
    no field officer can take (the desk is then short until it returns).
    """

    seats: int = Field(default=1, ge=0, le=MAX_OFFICERS)
    may_respond: bool = False


def _relative_rates(value: list[float] | None, n: int, what: str) -> list[float] | None:
    """Check a profile of ``n`` relative rates (None passes: flat)."""
    if value is None:
        return value
    if len(value) != n:
        raise ValueError(f"needs {what}, got {len(value)}")
    if any(v < 0 for v in value) or sum(value) <= 0:
        raise ValueError("values must be >= 0 and not all zero")
    return value


class _Profiled(_Block):
    """A Poisson stream shaped by the hour of day and the day of week.

    Subclasses declare ``hourly_profile`` (24 relative rates, midnight first)
    and ``weekday_profile`` (7, Monday first; day 0 of a run is a Monday);
    absent means flat.
    """

    @field_validator("hourly_profile", check_fields=False)
    @classmethod
    def _hours(cls, value: list[float] | None) -> list[float] | None:
        return _relative_rates(value, 24, "24 hourly values")

    @field_validator("weekday_profile", check_fields=False)
    @classmethod
    def _weekdays(cls, value: list[float] | None) -> list[float] | None:
        return _relative_rates(value, 7, "7 values (Monday to Sunday)")


class WalkInSpec(_Profiled):
    """Visitors to a station (registrations, certificates, reports in person).

    ``per_day``: visitors per township (station id) per day; ``service_min``:
    minutes of a desk or room seat per visitor; ``priority``: their place in
    the desk's queue among call priorities (default: after every call);
    ``hourly_profile`` / ``weekday_profile``: when in the day and week they
    come, as for incident types (absent: at a constant rate).
    Both models see the same visitors (common random numbers).
    """

    per_day: dict[str, float]
    service_min: Distribution
    priority: int | None = Field(default=None, ge=1)
    hourly_profile: list[float] | None = None
    weekday_profile: list[float] | None = None

    @field_validator("per_day")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not v >= 0 for v in value.values()):
            raise ValueError("visitor rates must be >= 0")
        return value


class ScheduledDutiesSpec(_Block):
    """Household visits, inspections, meetings and paperwork, in hours per officer per day.

    ``hours_per_day`` by role (``community``, ``case_team``): hours
    per officer on the team's roll per calendar day. The work is taken in
    blocks of ``block_min`` at the officer's base by free on-duty team
    members; ``interruptible``: a call may take an officer off a block (the
    rest of the block goes back to the team's backlog).
    """

    hours_per_day: dict[Literal["community", "case_team"], float]
    block_min: float = Field(default=60.0, ge=5, le=1440)
    interruptible: bool = True

    @field_validator("hours_per_day")
    @classmethod
    def _hours(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= v <= 24 for v in value.values()):
            raise ValueError("hours per officer per day must lie in [0, 24]")
        return value


class CaseWorkSpec(_Block):
    """How investigations (case work) behave: ``interruptible`` by calls or not."""

    interruptible: bool = False


class StandbySpec(_Block):
    """Off-duty officers on call (standby): called in for urgent calls nobody on duty can take.

    Both models use it the same way: an off-duty field officer of the call's
    group (its own station when isolated, any member station when pooled)
    sets out from its station ``call_in_min`` after the call-out, for calls of
    priority <= ``max_priority``; it goes off duty again when the call clears,
    and its hours out count as on-duty hours.
    """

    enabled: bool = False
    call_in_min: float = Field(default=15.0, ge=0, le=MAX_ROAD_MIN)
    max_priority: int = Field(default=1, ge=1)


class PreemptionSpec(_Block):
    """Calls of priority <= ``max_priority`` may pull officers off less urgent scenes."""

    enabled: bool = False
    max_priority: int = Field(default=1, ge=1)


class IsolatedSpec(_Block):
    """The isolated (before-reform) model: each station alone."""

    handling_min: Distribution = fixed(0)
    county_after_min: float = Field(default=0.0, ge=0)


class CommandRoomSpec(_Block):
    """The joint station's command room: ``staff`` call-takers, some drawn from member stations."""

    staff: int = Field(ge=1)
    drawn_from: dict[str, int]
    handling_min: Distribution = fixed(0)

    @field_validator("drawn_from")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        if any(n < 0 for n in value.values()):
            raise ValueError("officer counts must be >= 0")
        return value

    @model_validator(mode="after")
    def _not_more_than_staff(self) -> CommandRoomSpec:
        if sum(self.drawn_from.values()) > self.staff:
            raise ValueError(
                f"drawn_from totals {sum(self.drawn_from.values())} but staff is {self.staff}"
            )
        return self


class CaseTeamSpec(_Block):
    """The case-handling team at the host: investigates, and may help at emergencies."""

    from_stations: dict[str, int]
    assists_emergencies: bool = True
    assist_priority_max: int = Field(default=1, ge=1)

    @field_validator("from_stations")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        if any(n < 0 for n in value.values()):
            raise ValueError("officer counts must be >= 0")
        return value


class ServiceWindowSpec(_Block):
    """A walk-in window each member station keeps, staffed from its community team."""

    seats: int = Field(default=0, ge=0, le=MAX_OFFICERS)


class PoolSpec(_Block):
    """One joint station: its host, its member stations, command room and case team."""

    id: str | None = None
    host: str = Field(min_length=1)
    members: list[str] | None = None
    command_room: CommandRoomSpec
    service_window: ServiceWindowSpec = ServiceWindowSpec()
    case_team: CaseTeamSpec | None = None
    county_after_min: float = Field(default=15.0, ge=0)

    @property
    def pool_id(self) -> str:
        """The pool's name (its host when no id is given)."""
        return self.id or self.host


class InvestigationSpec(_Block):
    """Follow-up case work an incident may create.

    ``p``: probability; ``work_hours``: hours the crew works on it together;
    ``crew``: officers it needs at once (two for enforcement work is the usual rule).
    """

    p: float = Field(ge=0, le=1)
    work_hours: Distribution
    crew: int = Field(default=1, ge=1, le=MAX_OFFICERS)


def _count_or_number(value: Any) -> str:
    return "distribution" if isinstance(value, (dict, BaseModel)) else "number"


#: Officers required: a whole number, or a fixed/choice distribution (a mapping with ``dist``).
#: The discriminator picks the branch from the input, so an error in a distribution is
#: reported as such instead of as "not a valid integer".
OfficerCount = Annotated[
    Union[Annotated[int, Tag("number")], Annotated[CountDistribution, Tag("distribution")]],
    Discriminator(_count_or_number),
]


class IncidentTypeSpec(_Profiled):
    """One kind of call: how often, how urgent, how many officers, how long on scene."""

    id: str = Field(min_length=1)
    rate_per_day: float = Field(gt=0)
    hourly_profile: list[float] | None = None
    weekday_profile: list[float] | None = None
    priority: int = Field(default=2, ge=1)
    officers_required: OfficerCount = 1
    on_scene_min: Distribution
    investigation: InvestigationSpec | None = None

    @field_validator("officers_required")
    @classmethod
    def _whole_officers(cls, value: int | Fixed) -> int | Fixed:
        values = [value] if isinstance(value, int) else _count_values(value)
        if any(v < 1 or v != int(v) for v in values):
            raise ValueError("officer counts must be whole numbers >= 1")
        if any(v > MAX_OFFICERS for v in values):
            raise ValueError(f"officer counts must be at most {MAX_OFFICERS}")
        return value

    @property
    def max_officers(self) -> int:
        """The largest number of officers one incident of this type can need."""
        if isinstance(self.officers_required, int):
            return self.officers_required
        return int(self.officers_required.maximum)


def _count_values(dist: object) -> list[float]:
    if isinstance(dist, Fixed):
        return [dist.value]
    return list(dist.values)  # type: ignore[attr-defined]


#: One call of an inline call log: column name -> cell (see :mod:`sim.replay`).
CallRow = dict[str, Union[str, int, float, datetime]]


class IncidentsSpec(_Block):
    """Where the calls come from instead of the Poisson stream: a historic call log.

    ``replay`` is a CSV file next to the scenario (:mod:`sim.replay` gives the
    columns); ``calls`` the same rows inline (a resolved scenario carries them
    so that it runs without the file). With ``bootstrap_days`` every
    replication resamples whole days of the log with replacement.
    """

    replay: str | None = Field(default=None, min_length=1)
    calls: list[CallRow] | None = None
    bootstrap_days: bool = False

    @model_validator(mode="after")
    def _one_log(self) -> IncidentsSpec:
        if (self.replay is None) == (self.calls is None):
            raise ValueError("give exactly one of replay (a CSV file) or calls (inline rows)")
        return self


class ShiftSpec(_Block):
    """Officers on duty by hour of day, as a share of each team's roll (1 = everyone).

    A team is an isolated station's whole roll, or in a joint station each
    member's community team, the case team and the command room. Each hour
    ``max(1, round(share x team size))`` of a team are on duty, rotating
    through the team so that on-duty hours are shared; the mean share times
    8,760 is the on-duty hours per officer per year the roster implies.
    """

    on_duty_share_by_hour: list[float]

    @field_validator("on_duty_share_by_hour")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if len(value) != 24:
            raise ValueError(f"needs 24 hourly values, got {len(value)}")
        if any(not 0 < v <= 1 for v in value):
            raise ValueError("every share must lie in (0, 1]")
        return value


def _one_or_many(value: Any) -> str:
    return "pools" if isinstance(value, list) else "pool"


#: ``pooled``: one joint station (a mapping) or several (a list); chosen by the input's shape.
Pooled = Annotated[
    Union[Annotated[PoolSpec, Tag("pool")], Annotated[list[PoolSpec], Tag("pools")]],
    Discriminator(_one_or_many),
]


class Scenario(_Block):
    """A whole scenario: run settings, road network, stations and both operating models.

    ``demand_scale`` multiplies every incident type's rate (sweeps use it for
    "what if calls grow 50%"); ``turnout_min`` is added to every officer's
    journey to a scene (getting to the vehicle and under way).
    """

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(ge=0)
    horizon_days: float = Field(gt=0, le=MAX_HORIZON_DAYS)
    warmup_days: float = Field(default=0.0, ge=0)
    replications: int = Field(default=10, ge=1)
    target_response_min: float = Field(default=20.0, gt=0)
    demand_scale: float = Field(default=1.0, gt=0)
    turnout_min: float = Field(default=0.0, ge=0)
    network: NetworkSpec
    stations: list[StationSpec] = Field(min_length=1)
    patrol: PatrolSpec = PatrolSpec()
    county: CountySpec = CountySpec()
    isolated: IsolatedSpec = IsolatedSpec()
    pooled: Pooled
    incident_types: list[IncidentTypeSpec] = Field(min_length=1)
    incidents: IncidentsSpec | None = None
    shifts: ShiftSpec | None = None
    duty_desk: DutyDeskSpec | None = None
    walk_ins: WalkInSpec | None = None
    scheduled_duties: ScheduledDutiesSpec | None = None
    case_work: CaseWorkSpec = CaseWorkSpec()
    preemption: PreemptionSpec = PreemptionSpec()
    standby: StandbySpec = StandbySpec()

    @field_validator("warmup_days")
    @classmethod
    def _warmup_inside_horizon(cls, value: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon_days")
        if horizon is not None and value >= horizon:
            raise ValueError(f"must be shorter than horizon_days ({horizon:g} days), got {value:g}")
        return value

    @property
    def pools(self) -> list[PoolSpec]:
        """The joint stations as a list (a single ``pooled`` block pools every station)."""
        if isinstance(self.pooled, PoolSpec):
            return [self.pooled]
        return list(self.pooled)

    def pool_loc(self, index: int) -> tuple[str | int, ...]:
        """Where joint station ``index`` sits in the document, for error messages.

        ``("pooled",)`` for a single mapping, ``("pooled", index)`` in a list.
        """
        return ("pooled",) if isinstance(self.pooled, PoolSpec) else ("pooled", index)

    def pool_members(self, pool: PoolSpec) -> list[str]:
        """Station ids of ``pool``'s members (every station when ``members`` is omitted)."""
        if pool.members is not None:
            return list(pool.members)
        return [s.id for s in self.stations]


#: A place in the scenario document: keys and list indices, e.g. ``("stations", 1, "node")``.
Loc = tuple[Union[str, int], ...]


def loc_to_field(loc: Sequence[str | int]) -> str:
    """Render ``("stations", 1, "node")`` as ``stations[1].node``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class CrossReferenceError(ValueError):
    """A scenario block refers to something another block does not define.

    ``field`` may be a dotted string or a location tuple (``loc``); the loader
    turns the location into a readable path (list items by id) and a YAML line.
    """

    def __init__(self, field: str | Loc, message: str) -> None:
        super().__init__(message)
        self.loc: Loc | None = None if isinstance(field, str) else tuple(field)
        self.field = field if isinstance(field, str) else loc_to_field(field)
        self.message = message


def _unique(ids: list[str], where: Loc, what: str) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise CrossReferenceError(
                (*where, i, "id"), f"duplicate {what} id {x!r} (ids must be unique)"
            )
        seen.add(x)


def _names(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "none"


def check_cross_references(sc: Scenario) -> None:
    """Raise :class:`CrossReferenceError` when blocks of ``sc`` disagree with each other.

    Checks duplicate ids, pool membership and host, officers drawn from
    stations (no station gives more than it has), that every incident can
    reach full strength when the county is switched off, and that a
    replication stays below :data:`MAX_INCIDENTS_PER_REPLICATION` incidents.
    """
    _unique([s.id for s in sc.stations], ("stations",), "station")
    _one_station_per_node(sc)
    _unique([t.id for t in sc.incident_types], ("incident_types",), "incident type")
    officers = {s.id: s.officers for s in sc.stations}
    pools = sc.pools
    taken: dict[str, str] = {}
    pool_ids: set[str] = set()
    field_strength: dict[str, int] = {}
    for i, pool in enumerate(pools):
        where: Loc = sc.pool_loc(i)
        if pool.pool_id in pool_ids:
            raise CrossReferenceError(
                (*where, "id" if pool.id else "host"),
                f"duplicate joint station {pool.pool_id!r}: give each pool its own id",
            )
        pool_ids.add(pool.pool_id)
        members = sc.pool_members(pool)
        _check_members(pool, members, officers, taken, where)
        if pool.host not in members:
            raise CrossReferenceError(
                (*where, "host"),
                f"host {pool.host!r} is not one of the pool's member stations ({_names(members)})",
            )
        room = pool.command_room.drawn_from
        case = pool.case_team.from_stations if pool.case_team else {}
        _check_drawn(room, members, (*where, "command_room", "drawn_from"))
        _check_drawn(case, members, (*where, "case_team", "from_stations"))
        for st in members:
            n_room, n_case = room.get(st, 0), case.get(st, 0)
            if n_room + n_case > officers[st]:
                loc = (
                    (*where, "case_team", "from_stations", st)
                    if n_case
                    else (*where, "command_room", "drawn_from", st)
                )
                raise CrossReferenceError(
                    loc,
                    f"station {st!r} has {officers[st]} officers but gives "
                    f"{n_room + n_case} ({n_room} to the command room, {n_case} to the case team)",
                )
        _check_window(sc, pool, where, {m: officers[m] - room.get(m, 0) - case.get(m, 0)
                                        for m in members})
        case_n = sum(case.values())
        field_strength[pool.pool_id] = sum(officers[m] for m in members) - sum(room.values())
        if pool.case_team is None or not pool.case_team.assists_emergencies:
            field_strength[pool.pool_id] -= case_n
        if field_strength[pool.pool_id] <= 0:
            raise CrossReferenceError(
                (*where, "command_room", "drawn_from"),
                f"joint station {pool.pool_id!r} keeps no officers for calls: all "
                f"{sum(officers[m] for m in members)} go to the command room or to a case "
                "team that does not help at calls",
            )
    if not sc.county.enabled:
        _check_full_strength_reachable(sc, officers, field_strength)
    _check_incident_volume(sc)
    _check_time_budget(sc, officers)


def _one_station_per_node(sc: Scenario) -> None:
    """Two stations on one graph node is a copied line: each would start from the other's base."""
    first: dict[str, str] = {}
    for i, s in enumerate(sc.stations):
        if s.node in first:
            raise CrossReferenceError(
                ("stations", i, "node"),
                f"station {s.id!r} is on node {s.node!r}, which is also the node of station "
                f"{first[s.node]!r}; give each station its own node",
            )
        first[s.node] = s.id


def check_station_nodes(sc: Scenario, kind_township: dict[str, tuple[str, str | None]]) -> None:
    """A station on a village node must be on one of its own township's villages.

    ``kind_township``: node id -> (kind, township) of the road graph. A station
    in its own town's village is fine (the village keeps its demand); in another
    township's village it is a mistyped ``node`` (it would start from there).
    """
    for i, s in enumerate(sc.stations):
        kind, township = kind_township.get(s.node, ("", None))
        if kind == "village" and township != s.id:
            raise CrossReferenceError(
                ("stations", i, "node"),
                f"station {s.id!r} is on node {s.node!r}, a village of township "
                f"{township!r}: a station sits on its own node or in its own township",
            )


def _check_time_budget(sc: Scenario, officers: dict[str, int]) -> None:
    """Walk-in stations exist; desks leave field officers; case crews fit their teams."""
    if sc.walk_ins is not None:
        if sc.duty_desk is None or sc.duty_desk.seats == 0:
            raise CrossReferenceError(
                ("walk_ins",),
                "walk-ins need a duty desk at each isolated station to be served (give "
                "duty_desk: {seats: 1}); otherwise only the pooled model would serve them and "
                "the comparison would not be fair",
            )
        for st in sc.walk_ins.per_day:
            if st not in officers:
                raise CrossReferenceError(
                    ("walk_ins", "per_day", st),
                    f"{st!r} is not a station (stations: {_names(list(officers))})",
                )
    if sc.duty_desk is not None and sc.duty_desk.seats and not sc.duty_desk.may_respond:
        st, n = min(officers.items(), key=lambda kv: kv[1])
        if sc.duty_desk.seats >= n:
            raise CrossReferenceError(
                ("duty_desk", "seats"),
                f"station {st!r} has {n} officers and the desk takes {sc.duty_desk.seats}: "
                "nobody would be left for calls (lower seats or set may_respond: true)",
            )
    crews = [
        (i, t.investigation.crew)
        for i, t in enumerate(sc.incident_types)
        if t.investigation is not None and t.investigation.p > 0
    ]
    if not crews:
        return
    idx, crew = max(crews, key=lambda ic: ic[1])
    teams = [(n, f"station {s!r}") for s, n in officers.items()]
    for pool in sc.pools:
        if pool.case_team is not None and sum(pool.case_team.from_stations.values()):
            teams.append(
                (sum(pool.case_team.from_stations.values()), f"case team of {pool.pool_id!r}")
            )
    small = min(teams)
    if crew > small[0]:
        raise CrossReferenceError(
            ("incident_types", idx, "investigation", "crew"),
            f"case work needs a crew of {crew} but {small[1]} has only {small[0]} officers",
        )


def _check_window(sc: Scenario, pool: PoolSpec, where: Loc, community: dict[str, int]) -> None:
    """A service window needs walk-ins to serve, and must leave each community team a field officer.

    ``community``: officers of each member's community team (its roll less the
    room and the case team). Window seats are filled from the team's on-duty
    officers before anyone goes to the field, as the isolated duty desk is.
    """
    seats = pool.service_window.seats
    if not seats:
        return
    loc: Loc = (*where, "service_window", "seats")
    if sc.walk_ins is None:
        raise CrossReferenceError(
            loc,
            f"{seats} window seat(s) at every member station, but the scenario has no walk_ins "
            "to serve: the seats would only keep officers from calls (set seats: 0, or give "
            "walk_ins)",
        )
    st, n = min(community.items(), key=lambda kv: kv[1])
    if seats >= n:
        raise CrossReferenceError(
            loc,
            f"station {st!r} keeps {n} community officer(s) and the window takes {seats}: "
            "nobody would be left for calls (lower seats)",
        )


def _check_members(
    pool: PoolSpec,
    members: list[str],
    officers: dict[str, int],
    taken: dict[str, str],
    where: Loc,
) -> None:
    """Members must be stations, listed once, and in no other pool."""
    seen: set[str] = set()
    for j, m in enumerate(members):
        loc: Loc = (*where, "members", j) if pool.members is not None else where
        if m in seen:
            raise CrossReferenceError(loc, f"station {m!r} is listed twice")
        seen.add(m)
        if m not in officers:
            raise CrossReferenceError(
                loc, f"{m!r} is not a station (stations: {_names(list(officers))})"
            )
        if m in taken:
            hint = (
                ""
                if pool.members is not None
                else " (a pool without a members list takes every station: list its members)"
            )
            raise CrossReferenceError(
                loc, f"station {m!r} is already in joint station {taken[m]!r}{hint}"
            )
        taken[m] = pool.pool_id


def _check_drawn(drawn: dict[str, int], members: list[str], where: Loc) -> None:
    for st in drawn:
        if st not in members:
            raise CrossReferenceError(
                (*where, st), f"{st!r} is not a member station of this pool ({_names(members)})"
            )


def _check_full_strength_reachable(
    sc: Scenario, officers: dict[str, int], pool_strength: dict[str, int]
) -> None:
    need = max(t.max_officers for t in sc.incident_types)
    worst = min(
        [(n, f"station {s!r}") for s, n in officers.items()]
        + [(n, f"joint station {p!r} (field officers)") for p, n in pool_strength.items()]
    )
    if need > worst[0]:
        idx = max(range(len(sc.incident_types)), key=lambda i: sc.incident_types[i].max_officers)
        raise CrossReferenceError(
            ("incident_types", idx, "officers_required"),
            f"an incident can need {need} officers but {worst[1]} has only {worst[0]} "
            "and the county is switched off (county.enabled: false)",
        )


def _check_incident_volume(sc: Scenario) -> None:
    total = sum(t.rate_per_day for t in sc.incident_types) * sc.demand_scale * sc.horizon_days
    if sc.walk_ins is not None:
        visitors = sum(sc.walk_ins.per_day.values()) * sc.demand_scale * sc.horizon_days
        if visitors > MAX_INCIDENTS_PER_REPLICATION:
            raise CrossReferenceError(
                ("walk_ins", "per_day"),
                f"the visitor rates add up to about {visitors:,.0f} walk-ins per replication "
                f"(per_day x demand_scale x horizon_days), more than the limit of "
                f"{MAX_INCIDENTS_PER_REPLICATION:,}: lower the rates or shorten horizon_days",
            )
    if total > MAX_INCIDENTS_PER_REPLICATION:
        raise CrossReferenceError(
            ("incident_types",),
            f"the rates add up to about {total:,.0f} incidents per replication "
            f"(rate_per_day x demand_scale x horizon_days), more than the limit of "
            f"{MAX_INCIDENTS_PER_REPLICATION:,}: lower the rates or shorten horizon_days",
        )
