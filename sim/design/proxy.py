"""The fast score of a pool, without simulation: expected delay minutes per day.

Why this proxy. Pooling changes two things a caller feels, and the proxy
prices both in the same unit (minutes of delay summed over a day's calls):

1. **Reinforcement.** A call that needs more officers than the first station
   has free gets help from outside it. Alone, that help is the county:
   ``isolated.county_after_min`` + the mean county delay (Uniform(30, 70) by
   default, 50 minutes). Pooled, it is the *nearest other member* (or the case
   team at the host, when it assists): for each village of a member, the
   minimum road time from the other members' stations, weighted by the
   village's demand -- the field report's "under 20 minutes" mechanism. The
   share of calls that need outside help is ``P(officers required > free
   officers)``, with free officers = on-duty field officers x (1 - utilisation)
   of the station, the same in both models.
2. **Queueing.** Pooling turns k small M/M/c queues into one M/M/(sum c)
   queue (the Erlang-C pooling gain), but the command room and the case team
   take officers out of the field. The proxy charges the Erlang-C mean wait
   (:func:`sim.erlang.mmc_mean_wait`) of the on-duty field officers, pooled
   (after the room and case team are drawn) against separate (after any duty
   desk), with the offered load in officer-minutes (rate x officers required
   x (on-scene + two own-area trips)); an overloaded queue costs
   :data:`OVERLOAD_MIN` minutes a call. The call handling time (desk or room)
   is added to each call.

The host changes the delay only through the case team's help at its own
station; what else it changes is officer time, not caller delay: the case
team drives from the host to every member's investigations
(``investigations/day x 2 x host->village minutes``). So the host of a member
set minimises delay + that travel (a central host), and the pool's score is
its delay alone.

The proxy is only a ranking device for the optimiser; the designs it
proposes are then judged by paired simulation (:mod:`sim.design.evaluate`).
It ignores shifts beyond the mean on-duty share, patrol positions, priorities
and pre-emption: those are what the simulation is for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..distributions import Fixed
from ..erlang import mmc_mean_wait
from ..loader import LoadedScenario
from ..models import lone_station_rules
from ..scenario import PoolSpec
from .candidates import StationGeo

#: Minutes a call is charged when the proxy's queue is overloaded (offered load >= servers).
OVERLOAD_MIN = 600.0
MIN_PER_DAY = 1440.0


@dataclass(frozen=True)
class PoolTemplate:
    """Officers a new joint station draws, and its room and county settings."""

    room_staff: int
    room_drawn: int
    case_team: int
    case_assists: bool
    room_handling_min: float
    county_after_min: float


@dataclass
class ProxyModel:
    """Per-station inputs of the proxy, computed once per scenario."""

    geo: StationGeo
    officers: np.ndarray
    calls_per_min: np.ndarray
    busy_min: np.ndarray
    inv_per_day: np.ndarray
    on_duty: float
    desk_seats: int
    iso_handling_min: float
    county_min: float
    #: officers-required distribution of all calls: values and probabilities
    need_values: np.ndarray
    need_p: np.ndarray
    template: PoolTemplate
    turnout_min: float

    # ---- pieces ---------------------------------------------------------------------------

    def _wait(self, servers: float, load: float) -> float:
        c = max(1, int(math.floor(servers)))
        if load <= 0:
            return 0.0
        if load >= c:
            return OVERLOAD_MIN
        return mmc_mean_wait(c, load, 1.0)

    def _short_share(self, i: int) -> float:
        c = max(0.0, (self.officers[i] - self.desk_seats) * self.on_duty)
        rho = min(1.0, self.calls_per_min[i] * self.busy_min[i] / max(c, 1e-9))
        free = c * (1 - rho)
        return float(self.need_p[self.need_values > free].sum())

    def _own_villages(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        mask = self.geo.township == i
        w = self.geo.weights[mask]
        return mask, (w / w.sum() if w.sum() > 0 else w)

    def alone(self, i: int) -> float:
        """Delay minutes per day of station ``i`` working alone."""
        c = (self.officers[i] - self.desk_seats) * self.on_duty
        wq = self._wait(c, self.calls_per_min[i] * self.busy_min[i])
        per_call = self.iso_handling_min + wq + self._short_share(i) * self.county_min
        return MIN_PER_DAY * self.calls_per_min[i] * per_call

    def pool(self, members: tuple[int, ...], host: int, spec: PoolSpec | None = None) -> float:
        """Delay minutes per day of ``members`` pooled with ``host`` (``spec``: real staffing)."""
        tpl = self.template
        if spec is not None:
            room = sum(spec.command_room.drawn_from.values())
            case = sum(spec.case_team.from_stations.values()) if spec.case_team else 0
            assists = bool(spec.case_team and spec.case_team.assists_emergencies)
            handling = spec.command_room.handling_min.mean
        else:
            room, case, assists = tpl.room_drawn, tpl.case_team, tpl.case_assists
            handling = tpl.room_handling_min
        m = list(members)
        field = (self.officers[m].sum() - room - case) * self.on_duty
        load = float((self.calls_per_min[m] * self.busy_min[m]).sum())
        wq = self._wait(field, load)
        cost = 0.0
        for i in m:
            helpers = [j for j in m if j != i] + ([host] if assists and case > 0 else [])
            mask, w = self._own_villages(i)
            if helpers and w.size:
                near = self.geo.village_min[helpers][:, mask].min(axis=0) + self.turnout_min
                reach = float(np.dot(w, np.minimum(near, self.county_min)))
            else:
                reach = self.county_min
            per_call = handling + wq + self._short_share(i) * reach
            cost += MIN_PER_DAY * self.calls_per_min[i] * per_call
        return cost

    def host_travel(self, members: tuple[int, ...], host: int) -> float:
        """Case-team officer-minutes a day driving from ``host`` to the members' investigations."""
        total = 0.0
        for i in members:
            mask, w = self._own_villages(i)
            if w.size:
                trip = float(np.dot(w, self.geo.village_min[host, mask]))
                total += self.inv_per_day[i] * 2 * trip
        return total

    def best_host(
        self, members: tuple[int, ...], hosts: list[int] | None = None
    ) -> tuple[int, float]:
        """The host (among ``hosts``, default every member) and the pool's score with it.

        The host minimises delay + case-team travel; the score is the delay alone.
        """
        choices = []
        for h in hosts or members:
            delay = self.pool(members, h)
            choices.append((delay + self.host_travel(members, h), h, delay))
        _, host, delay = min(choices)
        return host, delay


def _need_distribution(loaded: LoadedScenario) -> tuple[np.ndarray, np.ndarray]:
    sc = loaded.scenario
    total = sum(t.rate_per_day for t in sc.incident_types)
    acc: dict[float, float] = {}
    for t in sc.incident_types:
        share = t.rate_per_day / total
        d = t.officers_required
        if isinstance(d, int):
            pairs = [(float(d), 1.0)]
        elif isinstance(d, Fixed):
            pairs = [(float(d.value), 1.0)]
        else:
            p = d.p or [1 / len(d.values)] * len(d.values)
            pairs = list(zip(map(float, d.values), p))
        for v, q in pairs:
            acc[v] = acc.get(v, 0.0) + share * q
    values = np.array(sorted(acc))
    return values, np.array([acc[v] for v in values])


def template_from(loaded: LoadedScenario) -> PoolTemplate:
    """New pools copy the scenario's first joint station: room, case team, county wait."""
    pools = loaded.scenario.pools
    if not pools:  # pragma: no cover - the schema requires a pooled block
        return PoolTemplate(1, 1, 0, False, 0.0, 15.0)
    p = pools[0]
    case = sum(p.case_team.from_stations.values()) if p.case_team else 0
    return PoolTemplate(
        room_staff=p.command_room.staff,
        room_drawn=sum(p.command_room.drawn_from.values()),
        case_team=case,
        case_assists=bool(p.case_team and p.case_team.assists_emergencies),
        room_handling_min=p.command_room.handling_min.mean,
        county_after_min=p.county_after_min,
    )


def proxy_model(loaded: LoadedScenario, geo: StationGeo) -> ProxyModel:
    """Gather the per-station inputs of the proxy from the scenario."""
    sc = loaded.scenario
    n = len(geo.ids)
    w_station = np.bincount(geo.township, weights=geo.weights, minlength=n)
    share = w_station / w_station.sum()
    rate_day = sum(t.rate_per_day for t in sc.incident_types) * sc.demand_scale
    own_trip = np.zeros(n)
    for i in range(n):
        mask = geo.township == i
        w = geo.weights[mask]
        if w.sum() > 0:
            own_trip[i] = float(np.dot(w / w.sum(), geo.village_min[i, mask]))
    busy_per_call = np.zeros(n)
    inv_day = 0.0
    for t in sc.incident_types:
        need = t.officers_required if isinstance(t.officers_required, int) else (
            t.officers_required.mean
        )
        busy_per_call += t.rate_per_day / sum(x.rate_per_day for x in sc.incident_types) * need * (
            t.on_scene_min.mean + 2 * (own_trip + sc.turnout_min)
        )
        if t.investigation is not None:
            inv_day += t.rate_per_day * sc.demand_scale * t.investigation.p
    on_duty = float(np.mean(sc.shifts.on_duty_share_by_hour)) if sc.shifts else 1.0
    if sc.scheduled_duties is not None:
        duty_h = sc.scheduled_duties.hours_per_day.get("community", 0.0)
        on_duty = max(0.05, on_duty - duty_h / 24)
    desk = 0
    if sc.duty_desk is not None and not sc.duty_desk.may_respond:
        desk = sc.duty_desk.seats
    alone = lone_station_rules(sc)
    county = sc.county.reinforcement_delay_min.mean + alone.county_after_min
    if not sc.county.enabled:
        county = OVERLOAD_MIN
    values, p = _need_distribution(loaded)
    return ProxyModel(
        geo=geo,
        officers=np.array([s.officers for s in sc.stations], dtype=float),
        calls_per_min=rate_day * share / MIN_PER_DAY,
        busy_min=busy_per_call,
        inv_per_day=inv_day * share,
        on_duty=on_duty,
        desk_seats=desk,
        iso_handling_min=alone.handling_min.mean,
        county_min=county,
        need_values=values,
        need_p=p,
        template=template_from(loaded),
        turnout_min=sc.turnout_min,
    )


def design_score(model: ProxyModel, pools: list[tuple[tuple[int, ...], int]],
                 specs: list[PoolSpec | None] | None = None) -> float:
    """Proxy of a whole design: its pools (members, host) plus every other station alone."""
    in_pools = {i for members, _ in pools for i in members}
    specs = specs or [None] * len(pools)
    total = sum(model.pool(m, h, s) for (m, h), s in zip(pools, specs))
    return total + sum(model.alone(i) for i in range(len(model.geo.ids)) if i not in in_pools)
