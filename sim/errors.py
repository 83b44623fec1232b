"""The project's own error type for bad input, shown to users without a traceback."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(Exception):
    """Bad input: names the file, the field path and what is wrong (and the YAML line if known).

    The CLI prints ``str(error)`` and exits with status 2.
    """

    def __init__(
        self, source: str | Path, field: str, message: str, line: int | None = None
    ) -> None:
        self.source = str(source)
        self.field = field
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"
