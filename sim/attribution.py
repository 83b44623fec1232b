"""``policesim attribute``: which mechanism accounts for which part of isolated - pooled.

DESIGN.md section 6 (issue 9): switch each mechanism of the time budget off in
turn. The scenario is run as given ("all mechanisms") and once per variant
with one mechanism switched off, every run on the same seeds and replications
(common random numbers: the incident stream, walk-ins and every other random
stream are drawn from their own generators, so switching one mechanism off
leaves the others' draws alone). For each headline metric the table shows the
paired ``isolated - pooled`` difference of every variant with its 95% interval,
and what the mechanism **accounts for**: the difference with all mechanisms
minus the difference without it, paired per replication and given its own
95% interval.

A variant is applied to the scenario *document* before it is validated, so a
variant is exactly "the same file with that block removed or changed". A
variant whose mechanism the scenario does not use is skipped with a note.
Scene work that depends on the crew present is part of the engine, not of the
scenario, and cannot be switched off.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.markup import escape
from rich.table import Table

from .compare import NO_DATA, UNSTABLE, interval, verdict, waits
from .errors import ScenarioError
from .loader import LoadedScenario, load_scenario, read_yaml, scenario_from_dict
from .metrics import ALL, t_interval, unstable_models
from .models import REFORM, lone_station_rules, pool_blocks
from .results_io import finish_folder, write_csv, write_manifest, write_scenario
from .run_folder import RunOutput, run_scenarios
from .scenario import Scenario

ALL_MECHANISMS = "all mechanisms"
CSV_NAME = "attribution.csv"
#: Metrics of the attribution table (those a run does not produce are left out).
ATTRIBUTION_METRICS = (
    "response_p90_min",
    "full_strength_p90_min",
    "same_call_full_strength_mean_min",
    "patrol_hours_per_day",
    "walk_in_wait_mean_min",
)
#: Mechanisms the engine always applies: named in the notes, never run.
NOT_SWITCHABLE = {
    "no crew-dependent scene work": "not switchable: scene work always goes at the pace of "
    "the crew present (the engine has no switch for it)",
}
#: The attribution explains the shipped reform: switching off mechanisms of its new model
#: one at a time, measured on the paired difference against the status quo.
DIFFERENCE = REFORM.difference
READ_NOTE = (
    "How to read: each row is one run of the scenario with the named mechanism switched off, "
    f"all on the same seeds. '{DIFFERENCE}' is that run's paired difference; 'accounts for' "
    "is the difference with all mechanisms minus the difference without this one (paired per "
    "replication): the part of the gap the mechanism makes. The same sign as the all-mechanisms "
    "difference: the mechanism widens the gap; the opposite sign: it narrows it; an interval "
    "containing 0: no clear share."
)


# --------------------------------------------------------------------------- variants


def without_duty_desk(doc: dict[str, Any], sc: Scenario) -> dict[str, Any] | None:
    """Remove ``duty_desk`` and the walk-ins it serves; None when there is no desk.

    Isolated desks then cost no officer. The walk-ins go too: without a desk
    the isolated model could not serve them, and leaving them to the pooled
    room alone would make the variant unfair (the loader refuses it).
    """
    if sc.duty_desk is None or not sc.duty_desk.seats:
        return None
    out = copy.deepcopy(doc)
    out.pop("duty_desk", None)
    out.pop("walk_ins", None)
    return out


def without_walk_ins(doc: dict[str, Any], sc: Scenario) -> dict[str, Any] | None:
    """Remove ``walk_ins`` and the joint stations' service windows that serve them.

    None when the scenario has no visitors. A window with nobody to serve would
    only keep officers from calls (and is refused), so it goes with them.
    """
    if sc.walk_ins is None or not any(sc.walk_ins.per_day.values()):
        return None
    out = copy.deepcopy(doc)
    out.pop("walk_ins", None)
    for block in pool_blocks(out):
        window = block.get("service_window")
        if isinstance(window, dict) and window.get("seats"):
            window["seats"] = 0
    return out


def without_case_work(doc: dict[str, Any], sc: Scenario) -> dict[str, Any] | None:
    """Drop ``investigation`` from every incident type; None when no type creates cases."""
    if not any(t.investigation is not None and t.investigation.p > 0 for t in sc.incident_types):
        return None
    out = copy.deepcopy(doc)
    for t in out.get("incident_types") or []:
        if isinstance(t, dict):
            t.pop("investigation", None)
    return out


def without_scheduled_duties(doc: dict[str, Any], sc: Scenario) -> dict[str, Any] | None:
    """Remove ``scheduled_duties``; None when there are no duty hours."""
    if sc.scheduled_duties is None or not any(sc.scheduled_duties.hours_per_day.values()):
        return None
    out = copy.deepcopy(doc)
    out.pop("scheduled_duties", None)
    return out


def without_room_case_team_draw(doc: dict[str, Any], sc: Scenario) -> dict[str, Any] | None:
    """Room seats become civilian (``drawn_from: {}``) and ``case_team`` goes.

    No officer leaves the community teams. None when no pool draws officers.
    """
    draws = any(
        sum(p.command_room.drawn_from.values())
        or (p.case_team is not None and sum(p.case_team.from_stations.values()))
        for p in sc.pools
    )
    if not draws:
        return None
    out = copy.deepcopy(doc)
    for pool in pool_blocks(out):
        if isinstance(pool.get("command_room"), dict):
            pool["command_room"]["drawn_from"] = {}
        pool.pop("case_team", None)
    return out


def same_county_rule(doc: dict[str, Any], sc: Scenario) -> dict[str, Any] | None:
    """Set every pool's ``county_after_min`` to the isolated one; None when already equal."""
    rule = lone_station_rules(sc).county_after_min
    if all(p.county_after_min == rule for p in sc.pools):
        return None
    out = copy.deepcopy(doc)
    for pool in pool_blocks(out):
        pool["county_after_min"] = rule
    return out


@dataclass(frozen=True)
class Variant:
    """One mechanism switched off: its name, how, and the note when the scenario lacks it."""

    name: str
    apply: Callable[[dict[str, Any], Scenario], dict[str, Any] | None]
    unused: str


VARIANTS = (
    Variant("no duty desk", without_duty_desk, "the scenario has no duty_desk"),
    Variant("no walk-ins", without_walk_ins, "the scenario has no walk_ins"),
    Variant("no case work", without_case_work, "no incident type creates investigations"),
    Variant(
        "no scheduled duties", without_scheduled_duties, "the scenario has no scheduled_duties"
    ),
    Variant(
        "no room/case-team draw",
        without_room_case_team_draw,
        "no joint station draws officers into its command room or case team",
    ),
    Variant(
        "same county rule",
        same_county_rule,
        f"{REFORM.after} county_after_min already equals the {REFORM.before} one",
    ),
)


# --------------------------------------------------------------------------- running


@dataclass
class Attribution:
    """The finished attribution: one run per applied variant, and the notes of the rest."""

    loaded: LoadedScenario
    replications: int
    runs: dict[str, RunOutput]
    skipped: dict[str, str] = field(default_factory=dict)
    metrics: list[str] = field(default_factory=list)
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)


def variant_scenarios(
    path: Path,
    overrides: dict[str, Any] | None = None,
    allow_outside_paths: bool = False,
) -> tuple[dict[str, LoadedScenario], dict[str, str]]:
    """Load the scenario as given and every variant; return them and the skipped notes.

    Raises :class:`ScenarioError` for a bad scenario file (as ``run`` would).
    """
    loaded = load_scenario(path, overrides, allow_outside_paths)
    doc, _ = read_yaml(path)
    doc = {**doc, **(overrides or {})}
    scenarios = {ALL_MECHANISMS: loaded}
    skipped: dict[str, str] = {}
    for v in VARIANTS:
        changed = v.apply(doc, loaded.scenario)
        if changed is None:
            skipped[v.name] = f"skipped: {v.unused}"
            continue
        try:
            scenarios[v.name] = scenario_from_dict(changed, path, None, allow_outside_paths)
        except ScenarioError as exc:
            skipped[v.name] = f"skipped: switching it off leaves an invalid scenario ({exc})"
    skipped.update(NOT_SWITCHABLE)
    return scenarios, skipped


def run_attribution(
    path: Path,
    overrides: dict[str, Any] | None = None,
    workers: int = 1,
    on_done: Callable[[Any], None] | None = None,
    allow_outside_paths: bool = False,
    scenarios: tuple[dict[str, LoadedScenario], dict[str, str]] | None = None,
) -> Attribution:
    """Run the scenario and each variant on the same seeds and build the attribution rows."""
    loaded_all, skipped = scenarios or variant_scenarios(path, overrides, allow_outside_paths)
    base = loaded_all[ALL_MECHANISMS]
    n = base.scenario.replications
    # one worker pool for every variant's replications (not a cluster per variant)
    runs = run_scenarios(loaded_all, n, workers, on_done, models=tuple(REFORM))
    result = Attribution(base, n, runs, skipped)
    result.metrics = [m for m in ATTRIBUTION_METRICS if _present(runs, m)]
    result.rows = attribution_rows(runs, result.metrics, skipped)
    return result


def _present(runs: dict[str, RunOutput], metric: str) -> bool:
    return any(
        metric in r.replications and r.replications[metric].notna().any() for r in runs.values()
    )


def _paired(run: RunOutput, metric: str) -> pd.Series:
    """Per-replication overall ``isolated - pooled`` of ``metric``, indexed by replication."""
    rows = run.replications[run.replications["township"] == ALL]
    before, after = (rows[rows["model"] == m].set_index("replication")[metric] for m in REFORM)
    return (before - after).astype(float)


def attribution_rows(
    runs: dict[str, RunOutput], metrics: list[str], skipped: dict[str, str]
) -> pd.DataFrame:
    """One row per variant and metric (skipped variants: one row each, with their note)."""
    base = runs[ALL_MECHANISMS]
    rows = []
    for metric in metrics:
        d_all = _paired(base, metric)
        for name, run in runs.items():
            block = run.summary[run.summary["township"] == ALL].set_index(["metric", "model"])
            unstable = bool(unstable_models(run.summary)) and waits(metric)
            got = {
                m: block.loc[(metric, m)] if (metric, m) in block.index else None
                for m in (*REFORM, DIFFERENCE)
            }
            d = got[DIFFERENCE]
            diff = (d["mean"], d["ci_low"], d["ci_high"]) if d is not None else (math.nan,) * 3
            if name == ALL_MECHANISMS:
                share = (math.nan,) * 3
            else:
                share = t_interval((d_all - _paired(run, metric)).to_numpy())
            v = verdict(metric, diff[1], diff[2], diff[0], unstable=unstable)
            rows.append(
                {
                    "variant": name,
                    "status": "run",
                    "metric": metric,
                    **{
                        f"{m}_mean": got[m]["mean"] if got[m] is not None else math.nan
                        for m in REFORM
                    },
                    "difference_mean": diff[0],
                    "difference_ci_low": diff[1],
                    "difference_ci_high": diff[2],
                    "better": v.better,
                    "accounts_for_mean": share[0],
                    "accounts_for_ci_low": share[1],
                    "accounts_for_ci_high": share[2],
                    "unstable": unstable,
                    "note": "",
                }
            )
    for name, note in skipped.items():
        rows.append({"variant": name, "status": "skipped", "metric": "", "note": note})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- showing


def attribution_table(att: Attribution, title: str) -> Table:
    """A rich table: per metric, the all-mechanisms row then one row per variant."""
    table = Table(title=title, title_justify="left", caption_justify="left")
    table.add_column("metric", no_wrap=True)
    table.add_column("switched off", no_wrap=True)
    table.add_column(f"{DIFFERENCE} [95% CI]", justify="right")
    table.add_column("better", justify="left")
    table.add_column("accounts for [95% CI]", justify="right")
    ran = att.rows[att.rows["status"] == "run"]
    for metric in att.metrics:
        block = ran[ran["metric"] == metric]
        for k, r in enumerate(block.itertuples()):
            if r.unstable:
                diff = share = "unstable"
            else:
                diff = interval(
                    r.difference_mean, r.difference_ci_low, r.difference_ci_high, metric, True
                )[0]
                share = interval(
                    r.accounts_for_mean, r.accounts_for_ci_low, r.accounts_for_ci_high, metric, True
                )[0]
            if r.variant == ALL_MECHANISMS:
                share = ""
            table.add_row(
                metric if k == 0 else "",
                "(none: all mechanisms)" if r.variant == ALL_MECHANISMS else r.variant,
                diff,
                "" if r.better in (NO_DATA,) else r.better,
                share,
                end_section=k == len(block) - 1,
            )
    notes = [READ_NOTE]
    notes += [f"{name}: {note}" for name, note in att.skipped.items()]
    if (ran["better"] == UNSTABLE).any():
        notes.append("unstable: a queue was unstable in that run; its waiting times are not shown")
    table.caption = escape("\n".join(notes))
    return table


def _clean(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def attribution_json(att: Attribution) -> dict[str, Any]:
    """The attribution as plain data (NaN as null)."""
    sc = att.loaded.scenario
    ran = att.rows[att.rows["status"] == "run"]
    return {
        "scenario": sc.name,
        "file": att.loaded.source,
        "seed": sc.seed,
        "replications": att.replications,
        "horizon_days": sc.horizon_days,
        "confidence": 0.95,
        "metrics": att.metrics,
        "variants": [*att.runs],
        "skipped": att.skipped,
        "rows": [
            {k: _clean(v) for k, v in r.items() if k not in ("status", "note")}
            for r in ran.to_dict("records")
        ],
    }


def write_attribution(folder: Path, att: Attribution) -> None:
    """Write ``attribution.csv``, the scenario as run and a manifest; the folder is then whole."""
    write_scenario(folder, att.loaded)
    write_csv(att.rows, folder / CSV_NAME)
    base = att.runs[ALL_MECHANISMS]
    write_manifest(
        folder,
        att.loaded,
        list(range(att.replications)),
        base.digests,
        extra={
            "command": "attribute",
            "variants": [*att.runs],
            "skipped": att.skipped,
            "repeat_with": f"policesim attribute {folder / 'scenario.resolved.yaml'} "
            "--out NEW_FOLDER",
        },
    )
    finish_folder(folder)
