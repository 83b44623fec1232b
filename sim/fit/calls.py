"""Read a call log (CSV, one row per call) into a validated table, or fail with file:line:column.

The log's columns have canonical names (:data:`FIELDS`); a log with other
headers maps them with ``{canonical: header}`` (the ``--column`` options or a
mapping file). Leading lines starting with ``#`` are comments (the shipped
synthetic log says SYNTHETIC there); blank lines are ignored.

A malformed row raises :class:`~sim.errors.ScenarioError` naming the file, the
line and the column, unless the caller allows some bad rows to be skipped
(``max_bad_rows``): they are then counted and kept as messages for the report.
Problems with the file as a whole (missing, empty, no header, a required
column missing) are never skipped.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from ..errors import ScenarioError
from ..loader import read_text

#: Canonical column names and what each holds.
FIELDS: dict[str, str] = {
    "time": "when the call was received (ISO 8601, e.g. 2024-03-01 14:05, or --time-format)",
    "type": "incident type id (becomes an incident_types id)",
    "village": "village node id of the base scenario's road network",
    "priority": "priority, a whole number >= 1 (1 = most urgent); optional",
    "officers": "officers who attended, a whole number >= 1; optional",
    "on_scene_min": "minutes on scene (first arrival to clearance), >= 0",
}

#: Columns a log may leave out (the base scenario's value for the type is used instead).
OPTIONAL_FIELDS = frozenset({"priority", "officers"})


@dataclass(frozen=True)
class CallLog:
    """A validated call log.

    Attributes
    ----------
    source
        The CSV file.
    calls
        One row per good call: ``time`` (datetime64), ``type``, ``village`` (str),
        ``priority`` and ``officers`` (int64, or absent when the log lacks them),
        ``on_scene_min`` (float, minutes).
    start
        Midnight that opens the observation period.
    days
        Length of the observation period in whole days.
    skipped
        One message (file:line: column: problem) per bad row that was skipped.

    """

    source: Path
    calls: pd.DataFrame
    start: datetime
    days: int
    skipped: tuple[str, ...]


class _BadRow(Exception):
    """One cell of one row is wrong (turned into a located ScenarioError)."""

    def __init__(self, column: int, name: str, message: str) -> None:
        super().__init__(message)
        self.column, self.name, self.message = column, name, message


def read_call_log(
    path: Path,
    villages: set[str],
    columns: Mapping[str, str] | None = None,
    time_format: str | None = None,
    period: tuple[date | None, date | None] = (None, None),
    max_bad_rows: int = 0,
) -> CallLog:
    """Read and validate the call log at ``path``.

    Parameters
    ----------
    path
        CSV file with a header row.
    villages
        Village node ids the log may name (those of the base scenario).
    columns
        Canonical field -> header in the file (fields not given keep their canonical name).
    time_format
        A ``strptime`` format for the time column (default: ISO 8601).
    period
        First and last day observed (inclusive); default: the days of the first
        and last call. A call outside the period is a bad row.
    max_bad_rows
        How many malformed rows may be skipped; one more is an error.

    Raises
    ------
    ScenarioError
        File, line and column of the first problem.

    """
    text = read_text(path, "call log", "save the log as UTF-8 CSV")
    header_line, header, rows = _split_rows(path, text)
    where = _column_positions(path, header, header_line, dict(columns or {}))
    parse_time = _time_parser(time_format)
    good: list[tuple] = []
    skipped: list[str] = []
    first, last = period
    for line, row in rows:
        try:
            call = _parse_row(row, where, villages, parse_time, len(header))
            if (first and call[0].date() < first) or (last and call[0].date() > last):
                raise _BadRow(
                    where["time"] + 1, "time", f"{call[0]} is outside the observation period "
                    f"{first or 'first call'} to {last or 'last call'}"
                )
        except _BadRow as bad:
            error = ScenarioError(path, f"column {bad.column} ({bad.name})", bad.message, line)
            if len(skipped) >= max_bad_rows:
                more = f" ({len(skipped)} bad row(s) skipped before it)" if skipped else ""
                hint = "" if skipped else "; --skip-bad-rows N skips up to N such rows"
                raise ScenarioError(path, error.field, f"{bad.message}{more}{hint}", line) from None
            skipped.append(str(error))
            continue
        good.append(call)
    if not good:
        raise ScenarioError(path, "", "no calls: the log has a header but no usable rows")
    calls = pd.DataFrame(good, columns=["time", "type", "village", "priority", "officers",
                                        "on_scene_min"])
    calls = calls.drop(columns=[f for f in OPTIONAL_FIELDS if f not in where])
    calls = calls.sort_values("time", kind="stable").reset_index(drop=True)
    start = datetime.combine(first or calls["time"].iloc[0].date(), datetime.min.time())
    end = datetime.combine(last or calls["time"].iloc[-1].date(), datetime.min.time())
    days = (end - start + timedelta(days=1)).days
    return CallLog(Path(path), calls, start, days, tuple(skipped))


def _split_rows(path: Path, text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """Return (header line, header cells, [(line, cells)]) skipping leading # comments."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue
            if header is None:
                if cells[0].lstrip().startswith("#"):
                    continue
                header, header_line = [c.strip() for c in cells], reader.line_num
                continue
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ScenarioError(path, "", f"not valid CSV: {exc}", reader.line_num) from None
    if header is None:
        raise ScenarioError(path, "", "the file is empty: a call log needs a header row and calls")
    return header_line, header, rows


def _column_positions(
    path: Path, header: list[str], line: int, columns: dict[str, str]
) -> dict[str, int]:
    """Canonical field -> 0-based position in the header; a required field missing is an error."""
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise ScenarioError(
            path, "", f"unknown field(s) in the column mapping: {', '.join(unknown)} "
            f"(fields: {', '.join(FIELDS)})"
        )
    where: dict[str, int] = {}
    for field in FIELDS:
        name = columns.get(field, field)
        if header.count(name) > 1:  # the first would be read silently
            raise ScenarioError(
                path, f"column {name}", "this column appears twice in the header; keep one", line
            )
        if name in header:
            where[field] = header.index(name)
        elif field not in OPTIONAL_FIELDS or field in columns:
            mapped = f" (mapped from field {field!r})" if field in columns else ""
            raise ScenarioError(
                path, f"column {name}", f"missing column {name!r}{mapped}; the header has: "
                f"{', '.join(header)} (map other names with --column {field}=HEADER)", line
            )
    return where


def _time_parser(time_format: str | None) -> Callable[[str], datetime]:
    if time_format is None:
        return datetime.fromisoformat
    return lambda text: datetime.strptime(text, time_format)


def _parse_row(
    row: list[str],
    where: dict[str, int],
    villages: set[str],
    parse_time: Callable[[str], datetime],
    width: int,
) -> tuple:
    """Return (time, type, village, priority, officers, on_scene_min) or raise :class:`_BadRow`."""
    if len(row) != width:
        raise _BadRow(min(len(row), width) + 1, "row", f"has {len(row)} cells, the header {width}")

    def cell(field: str) -> tuple[str, int]:
        return row[where[field]].strip(), where[field] + 1

    text, col = cell("time")
    try:
        when = parse_time(text).replace(tzinfo=None)
    except ValueError:
        raise _BadRow(col, "time", f"cannot read {text!r} as a date and time") from None
    kind, col = cell("type")
    if not kind:
        raise _BadRow(col, "type", "the incident type is empty")
    village, col = cell("village")
    if village not in villages:
        raise _BadRow(col, "village", f"{village!r} is not a village of the base scenario")
    priority = _whole(*cell("priority"), "priority") if "priority" in where else 0
    officers = _whole(*cell("officers"), "officers") if "officers" in where else 0
    text, col = cell("on_scene_min")
    try:
        minutes = float(text)
    except ValueError:
        raise _BadRow(col, "on_scene_min", f"cannot read {text!r} as minutes") from None
    if not math.isfinite(minutes) or minutes < 0:
        raise _BadRow(col, "on_scene_min", f"{text} is not a duration: minutes must be >= 0")
    return when, kind, village, priority, officers, minutes


def _whole(text: str, col: int, field: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise _BadRow(col, field, f"cannot read {text!r} as a whole number") from None
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise _BadRow(col, field, f"{text} is not a whole number >= 1")
    return int(value)
