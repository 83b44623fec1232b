"""``policesim fit``: the command line of :mod:`sim.fit`.

Registering the command imports only typer; pandas, scipy and matplotlib load
when it runs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ScenarioError


def fit_command(
    calls: Annotated[Path, typer.Argument(help="Call log (CSV, one row per call).")],
    scenario: Annotated[
        Path, typer.Option(help="Base scenario: everything but incident_types is copied from it.")
    ],
    out: Annotated[Path, typer.Option(help="The fitted scenario to write (YAML).")],
    column: Annotated[
        list[str] | None,
        typer.Option(help="Map a field to a CSV header, FIELD=HEADER (repeatable); fields: "
                     "time, type, village, priority, officers, on_scene_min."),
    ] = None,
    columns: Annotated[
        Path | None, typer.Option(help="YAML file mapping fields to CSV headers.")
    ] = None,
    time_format: Annotated[
        str | None, typer.Option(help="strptime format of the time column (default ISO 8601).")
    ] = None,
    period_start: Annotated[
        str | None, typer.Option(help="First day observed, YYYY-MM-DD (default: first call's).")
    ] = None,
    period_end: Annotated[
        str | None, typer.Option(help="Last day observed, YYYY-MM-DD (default: last call's).")
    ] = None,
    skip_bad_rows: Annotated[
        int, typer.Option(min=0, help="Skip up to N malformed rows (counted and reported).")
    ] = 0,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.9999, help="Confidence of the intervals.")
    ] = 0.95,
    gof_alpha: Annotated[
        float,
        typer.Option(min=0.0, max=0.5, help="Below this KS p-value the on-scene time is "
                     "written as an empirical distribution."),
    ] = 0.01,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
    allow_outside_paths: Annotated[
        bool, typer.Option(help="Allow the base scenario's network files outside its folder.")
    ] = False,
) -> None:
    """Fit incident_types (rates, profiles, officers, on-scene time) from a call log."""
    from .. import cli  # the shared consoles and error exit (cli imports us)

    try:
        summary, notes = run_fit(
            calls, scenario, out, _mapping(column or [], columns), time_format,
            (_day(period_start, "--period-start"), _day(period_end, "--period-end")),
            skip_bad_rows, confidence, gof_alpha, force, allow_outside_paths,
        )
    except ScenarioError as exc:
        cli._fail(exc)
    cli.out.print(summary, soft_wrap=True, highlight=False, markup=False)
    for note in notes:
        cli.out.print(f"note: {note}", soft_wrap=True, highlight=False, markup=False)


def run_fit(
    calls: Path,
    base_path: Path,
    out: Path,
    columns: dict[str, str],
    time_format: str | None,
    period: tuple[date | None, date | None],
    skip_bad_rows: int,
    confidence: float,
    gof_alpha: float,
    force: bool,
    allow_outside_paths: bool = False,
) -> tuple[str, list[str]]:
    """Fit, validate, write the scenario and the report; return (summary text, notes)."""
    from ..loader import load_scenario
    from .calls import read_call_log
    from .fitting import fit_log
    from .report import rates_table, report_folder, write_report
    from .scenario_out import fitted_document, uses_network_files, validate, write_scenario

    base = load_scenario(base_path, allow_outside_paths=allow_outside_paths)
    net = base.network
    village_ids = [net.places[p] for p in net.villages]
    for existing in (out, report_folder(out)):
        if existing.exists() and not force:
            raise ScenarioError(existing, "--out", "already exists; pass --force to overwrite it")
    log = read_call_log(calls, set(village_ids), columns, time_format, period, skip_bad_rows)
    fit = fit_log(log, base.scenario, village_ids, confidence, gof_alpha)
    doc = fitted_document(base_path, out, fit)
    validate(doc, out)
    notes = _notes(fit, base.scenario, doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_scenario(doc, out, calls, base_path)
    folder = write_report(fit, out, notes)
    table = rates_table(fit)
    lines = [f"{calls}: {len(log.calls)} calls over {log.days} days "
             f"({len(log.skipped)} bad row(s) skipped); intervals {confidence:.0%}"]
    for r in table.itertuples():
        lines.append(f"  {r.type:<20} {r.calls:>6} calls  {r.rate_per_day:8.4f}/day "
                     f"[{r.ci_low:.4f}, {r.ci_high:.4f}]  on scene: {r.on_scene}")
    lines.append(f"wrote {out} and the fit report {folder}/report.md")
    if uses_network_files(doc) and out.parent.resolve() != base_path.parent.resolve():
        notes.append("the road network is read from files beside the base scenario: check and "
                     "run the new scenario with --allow-outside-paths (or copy the files)")
    return "\n".join(lines), notes


def _notes(fit, base, doc: dict) -> list[str]:
    from .scenario_out import uses_network_files

    notes = ["comments and YAML anchors of the base scenario are not kept in the new file"]
    dropped = [t.id for t in base.incident_types if t.id not in {f.id for f in fit.types}]
    if dropped:
        notes.append(f"incident types of the base with no call in the log, dropped: "
                     f"{', '.join(dropped)}")
    kept = [t.id for t in fit.types if t.base is not None and t.base.investigation is not None]
    if kept:
        notes.append(f"investigation (case work) copied from the base for: {', '.join(kept)}")
    for column in ("priority", "officers"):
        if column not in fit.log.calls:
            notes.append(f"the log has no {column} column: taken from the base type (or default)")
    if uses_network_files(doc):
        notes.append("village demand weights are not written (the network is read from files); "
                     "the fitted weights are in the report")
    return notes


def _mapping(pairs: list[str], path: Path | None) -> dict[str, str]:
    """Field -> header from ``--columns FILE`` then ``--column FIELD=HEADER`` (which win)."""
    mapping: dict[str, str] = {}
    if path is not None:
        from ..loader import read_yaml

        data, _ = read_yaml(path)
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ScenarioError(path, "", "a column mapping is a YAML mapping FIELD: HEADER")
        mapping.update(data)
    given: set[str] = set()
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise ScenarioError("--column", "", f"expected FIELD=HEADER, got {pair!r}")
        if field.strip() in given:  # the last would win silently
            raise ScenarioError("--column", field.strip(), "this field is mapped twice; keep one")
        given.add(field.strip())
        mapping[field.strip()] = header.strip()
    return mapping


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(option, "", f"expected a date YYYY-MM-DD, got {text!r}") from None
