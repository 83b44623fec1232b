"""The ``policesim design`` and ``policesim staff`` commands (docs/design.md).

Both run their simulations through :class:`sim.design.simulate.Runner`: the
sweep backends (this process, ``--workers N`` local processes, or
``--scheduler ADDRESS`` for Dask), a progress bar on a terminal, every finished
simulation stored in ``OUT/sims`` and reused with ``--resume``. Bad input and
infeasible requests end with one message and exit status 2.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ScenarioError
from ..loader import load_scenario
from ..options import ScenarioArg, SeedOpt

err = Console(stderr=True)


def _out() -> Console:
    return Console() if Console().is_terminal else Console(width=160)


def _fail(exc: ScenarioError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _overrides(days: float | None, reps: int | None, seed: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if days is not None:
        out["horizon_days"] = days
        out["warmup_days"] = round(days / 10, 6)
    if reps is not None:
        out["replications"] = reps
    if seed is not None:
        out["seed"] = seed
    return out


def _folder(out_dir: Path | None, kind: str, scenario: Path, resume: bool, force: bool) -> Path:
    # heavy modules load only when the command runs (start-up stays instant)
    from .simulate import SIMS
    if resume and force:
        raise ScenarioError("--resume", "", "--resume and --force contradict each other; give one")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario.stem).strip("-") or "run"
    folder = out_dir or Path("results") / f"{kind}-{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    if resume and not (folder / SIMS).is_dir():
        raise ScenarioError(folder, "--resume", "nothing to resume here (no sims/ folder)")
    if folder.exists() and any(folder.iterdir()) and not resume:
        if not force:
            raise ScenarioError(folder, "--out", "the folder is not empty: give --resume to reuse "
                                "its simulations or --force to start over")  # fmt: skip
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pool_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", text)
    if not m:
        raise ScenarioError("--pool-size", "", f"expected N or N-M (e.g. 3-4), got {text!r}")
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if lo < 2 or hi < lo:
        raise ScenarioError("--pool-size", "", f"need 2 <= N <= M, got {text!r}")
    return lo, hi


def _ci(m: float, lo: float, hi: float, share: bool = False) -> str:
    k = 100 if share else 1
    if lo != lo:  # NaN
        return f"{m * k:.1f}"
    return f"{m * k:+.1f} [{lo * k:+.1f}, {hi * k:+.1f}]"



RepsOpt = Annotated[int, typer.Option(min=2, help="Paired replications per design/candidate.")]
DaysOpt = Annotated[
    float | None, typer.Option(help="Override horizon_days (warm-up becomes a tenth).")
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Output folder.")]
WorkersOpt = Annotated[
    int | None, typer.Option(min=1, help="Local worker processes (default: the cores).")
]
SchedOpt = Annotated[
    str | None, typer.Option(help="Run on an existing Dask cluster, e.g. tcp://HOST:8786.")
]
ResumeOpt = Annotated[
    bool, typer.Option(help="Reuse the simulations already stored in --out.")
]
ForceOpt = Annotated[bool, typer.Option(help="Empty an existing --out folder first.")]


def design_command(
    scenario: ScenarioArg,
    pool_size: Annotated[str, typer.Option(help="Stations per joint station, N or N-M.")] = "3-4",
    max_host_minutes: Annotated[
        float, typer.Option(min=0, help="Every member within this many road minutes of the host.")
    ] = 45.0,
    keep: Annotated[
        list[str] | None,
        typer.Option(help="Keep this pool: a joint-station id of the scenario, or HOST,A,B "
                     "(repeatable)."),
    ] = None,
    alone: Annotated[
        list[str] | None, typer.Option(help="This station stays alone (repeatable).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Designs to simulate (the K best by proxy).")] = 3,
    pools: Annotated[
        int | None, typer.Option(min=0, help="Exactly this many joint stations (default: free).")
    ] = None,
    rank_by: Annotated[str, typer.Option(help="Metric the designs are ranked by.")] = (
        "full_strength_p90_min"
    ),
    reps: RepsOpt = 3,
    days: DaysOpt = None,
    seed: SeedOpt = None,
    out_dir: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedOpt = None,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
) -> None:
    """Propose groupings of stations into joint stations and prove them by paired simulation.

    Writes designs/*.yaml (ready to run), ranked.csv, pools_map.png and design.json.
    """
    # heavy modules load only when the command runs (start-up stays instant)
    from ..metrics import METRICS
    from .evaluate import TABLE_METRICS, DesignRequest, run_design
    from .simulate import Runner
    try:
        lo, hi = _pool_size(pool_size)
        if rank_by not in METRICS:
            raise ScenarioError("--rank-by", "", f"{rank_by!r} is not a metric")
        overrides = _overrides(days, reps, seed)
        loaded = load_scenario(scenario, overrides)
        req = DesignRequest(
            scenario, lo, hi, max_host_minutes, list(keep or []), list(alone or []), top, pools,
            reps, rank_by, overrides,
        )
        folder = _folder(out_dir, "design", scenario, resume, force)
        runner = Runner(folder, workers, scheduler, err, "design simulations")
        result = run_design(req, runner, loaded)
    except ScenarioError as exc:
        _fail(exc)
    table = result["table"]
    table.to_csv(folder / "ranked.csv", index=False)
    from .mapchart import pools_map

    # the map shows the best-ranked design that pools something
    best_name = next(n for n in table["design"] if n != "status_quo")
    best = next(d for d in result["designs"] if d.name == best_name)
    pools_map(loaded, best, result["designs"], folder / "pools_map.png")
    summary = {
        "scenario": str(scenario),
        "candidates": result["candidates"],
        "reps": reps,
        "seed": loaded.scenario.seed,
        "simulated": runner.simulated,
        "reused": runner.reused,
        "designs": [
            {"name": d.name, "proxy": d.proxy, "file": f"designs/{d.name}.yaml",
             "pools": [{"host": h, "members": m} for m, h, _ in d.pools]}
            for d in result["designs"]
        ],
        "status_quo_proxy": result["status"].proxy,
    }
    (folder / "design.json").write_text(json.dumps(summary, indent=2))
    out = _out()
    t = Table(title=f"{loaded.scenario.name}: designs ranked by {rank_by} "
              f"({reps} paired replications; diff = status quo - design, 95% CI)",
              title_justify="left")  # fmt: skip
    for c in ("rank", "design", "pools", "proxy"):
        t.add_column(c, justify="right" if c != "design" else "left")
    shown = list(dict.fromkeys((rank_by, *TABLE_METRICS[:4])))
    for metric in shown:
        t.add_column(metric + (" (pp)" if "share" in metric else ""), justify="right")
    for r in table.itertuples(index=False):
        row = r._asdict()
        cells = [str(row["rank"]), row["design"], str(row["pools"]), f"{row['proxy']:.1f}"]
        for metric in shown:
            share = "share" in metric
            mean = row[metric] * (100 if share else 1)
            cells.append(f"{mean:.1f}  " + _ci(row[f"{metric}_diff"], row[f"{metric}_diff_lo"],
                                               row[f"{metric}_diff_hi"], share))  # fmt: skip
        t.add_row(*cells)
    out.print(t)
    out.print(f"{result['candidates']} candidate pools; {runner.simulated} simulations run, "
              f"{runner.reused} reused; written to {folder} (designs/, ranked.csv, "
              "pools_map.png, design.json)", soft_wrap=True)  # fmt: skip


def staff_command(
    scenario: ScenarioArg,
    target: Annotated[str, typer.Option(help="e.g. \"full_strength_p90_min <= 30\".")],
    vary: Annotated[
        str, typer.Option(help="What may change: officers[,case_team][,command_room].")
    ] = "officers",
    budget: Annotated[
        int | None, typer.Option(min=1, help="Most officers in total (default: twice today's).")
    ] = None,
    reps: RepsOpt = 5,
    days: DaysOpt = None,
    seed: SeedOpt = None,
    out_dir: OutOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedOpt = None,
    resume: ResumeOpt = False,
    force: ForceOpt = False,
) -> None:
    """Find the fewest officers meeting a target with 95% confidence, for both models.

    Writes frontier.csv and staff.json; prints the frontier and what pooling saves.
    """
    # heavy modules load only when the command runs (start-up stays instant)
    from ..models import REFORM
    from .designs import base_document
    from .simulate import Runner
    from .staffing import StaffSearch, parse_target, parse_vary, run_staff
    try:
        tgt = parse_target(target)
        parts = parse_vary(vary)
        overrides = _overrides(days, reps, seed)
        loaded = load_scenario(scenario, overrides)
        total_now = sum(s.officers for s in loaded.scenario.stations)
        folder = _folder(out_dir, "staff", scenario, resume, force)
        runner = Runner(folder, workers, scheduler, err, "staffing simulations")
        search = StaffSearch(
            base_document(scenario, overrides), loaded, scenario, tgt, reps, runner,
            budget or 2 * total_now,
        )
        result = run_staff(search, parts)
    except ScenarioError as exc:
        _fail(exc)
    frontier = result["frontier"]
    frontier.to_csv(folder / "frontier.csv", index=False)
    best = result["best"]
    (folder / "staff.json").write_text(json.dumps({
        "scenario": str(scenario), "target": str(tgt), "reps": reps, "seed": loaded.scenario.seed,
        "officers_today": total_now, "smallest": best, "pooling_saves": result["saves"],
        f"{REFORM.after}_split": result["split"].label(), "stations": result["stations"],
        "simulated": runner.simulated, "reused": runner.reused,
    }, indent=2))  # fmt: skip
    out = _out()
    t = Table(title=f"{loaded.scenario.name}: {tgt} (mean [95% CI], {reps} paired replications)",
              title_justify="left")  # fmt: skip
    for c in ("officers", "split", *REFORM):
        t.add_column(c, justify="right")
    for r in frontier.itertuples(index=False):
        row = r._asdict()
        cells = [str(row["officers"]), row["split"]]
        for m in REFORM:
            mark = " ok" if row[f"{m}_meets"] else ""
            cells.append(f"{row[f'{m}_mean']:.2f} [{row[f'{m}_ci_low']:.2f}, "
                         f"{row[f'{m}_ci_high']:.2f}]{mark}")  # fmt: skip
        t.add_row(*cells)
    out.print(t)
    for m in REFORM:
        n = best[m]
        out.print(f"{m}: " + (f"{n} officers ({result['stations'][m]})" if n is not None
                              else f"not met within {search.budget} officers"), soft_wrap=True)
    if result["saves"] is not None:
        saves = result["saves"]
        verb = "saves" if saves >= 0 else "costs"
        split = f"{REFORM.after} split: {result['split'].label()}"
        out.print(f"officers pooling {verb} at the same service level: {abs(saves)} "
                  f"({split}; today {total_now})")  # fmt: skip
    out.print(f"{runner.simulated} simulations run, {runner.reused} reused; written to {folder}")
