"""Sweep progress on stderr: a rich bar on a terminal, plain periodic lines otherwise.

Both show finished/total tasks, the rate (tasks per second, counting only
tasks run in this session, not those found done on ``--resume``), the ETA
and the number of failed tasks. The plain form is for logs, CI and
``nohup``: a line every ``interval_s`` seconds and one at the end, no
control characters.
"""

from __future__ import annotations

import time
from datetime import timedelta

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _RateColumn(ProgressColumn):
    """Tasks per second (rich's own estimate over recent progress)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- tasks/s" if speed is None else f"{speed:.2f} tasks/s", style="cyan")


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return str(timedelta(seconds=round(seconds)))


class SweepProgress:
    """Report finished tasks; use as a context manager around the run.

    Parameters
    ----------
    total
        Tasks in the whole sweep.
    already_done
        Tasks found finished on ``--resume`` (counted as done, not in the rate).
    console
        Where to write (stderr); a terminal gets the bar.
    interval_s
        Seconds between plain lines.

    """

    def __init__(
        self,
        total: int,
        already_done: int,
        console: Console,
        label: str = "sweep",
        interval_s: float = 10.0,
    ) -> None:
        self.total = total
        self.done = already_done
        self.start_done = already_done
        self.failed = 0
        self.console = console
        self.label = label
        self.interval_s = interval_s
        self.bar: Progress | None = None
        self._task = None
        self._t0 = time.monotonic()
        self._last_line = self._t0

    def __enter__(self) -> SweepProgress:
        self._t0 = self._last_line = time.monotonic()
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bar.start()
            self._task = self.bar.add_task(self.label, total=self.total, completed=self.done)
        else:
            self._line()
        return self

    def advance(self, ok: bool = True) -> None:
        """Count one finished task (``ok=False``: it failed)."""
        self.done += 1
        if not ok:
            self.failed += 1
        if self.bar is not None:
            desc = self.label if not self.failed else f"{self.label} [red]({self.failed} failed)"
            self.bar.update(self._task, advance=1, description=desc)
        elif time.monotonic() - self._last_line >= self.interval_s:
            self._line()

    def rate(self) -> float | None:
        """Tasks per second in this session."""
        elapsed = time.monotonic() - self._t0
        ran = self.done - self.start_done
        return ran / elapsed if ran and elapsed > 0 else None

    def _line(self) -> None:
        self._last_line = time.monotonic()
        rate = self.rate()
        eta = (self.total - self.done) / rate if rate else None
        pct = 100.0 * self.done / self.total if self.total else 100.0
        rate_text = f"{rate:.2f} tasks/s" if rate else "-- tasks/s"
        self.console.print(
            f"{self.label}: {self.done}/{self.total} tasks ({pct:.0f}%), {rate_text}, "
            f"ETA {_eta(eta)}, {self.failed} failed",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
        else:
            self._line()
