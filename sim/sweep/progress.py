"""Task progress on stderr: a rich bar on a terminal, plain periodic lines otherwise.

Both show finished/total tasks, the rate (tasks per second, counting only tasks
run in this session, not those found done on ``--resume``), the time left and
the failed tasks. The plain lines are for logs, CI and ``nohup``: one every
``interval_s`` seconds and one at the end, no control characters
(``interval_s=None``: none, as ``policesim run`` prints only its table).
"""

from __future__ import annotations

import time
from datetime import timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn


class SweepProgress:
    """Count finished tasks of ``total`` (``already_done`` found on ``--resume``); a context."""

    def __init__(
        self,
        total: int,
        already_done: int,
        console: Console,
        label: str = "sweep",
        interval_s: float | None = 10.0,
    ) -> None:
        self.total, self.done, self.start_done, self.failed = total, already_done, already_done, 0
        self.console, self.label, self.interval_s = console, label, interval_s
        self.bar: Progress | None = None
        self._t0 = self._last_line = time.monotonic()

    def __enter__(self) -> SweepProgress:
        self._t0 = self._last_line = time.monotonic()
        if self.console.is_terminal:
            columns = (BarColumn(), MofNCompleteColumn(), "{task.fields[rate]}", "ETA",
                       TimeRemainingColumn())
            self.bar = Progress("{task.description}", *columns, console=self.console,
                                transient=self.interval_s is None)
            self.bar.start()
            self.bar.add_task(self.label, total=self.total, completed=self.done, rate="")
        elif self.interval_s is not None:
            self._line()
        return self

    def advance(self, ok: bool = True) -> None:
        """Count one finished task (``ok=False``: it failed)."""
        self.done += 1
        self.failed += not ok
        if self.bar is not None:
            failed = f" [red]({self.failed} failed)" if self.failed else ""
            self.bar.update(self.bar.task_ids[0], advance=1, description=self.label + failed,
                            rate=self._rate_text())
        elif self.interval_s is not None and time.monotonic() - self._last_line >= self.interval_s:
            self._line()

    def _rate(self) -> float | None:
        elapsed, ran = time.monotonic() - self._t0, self.done - self.start_done
        return ran / elapsed if ran and elapsed > 0 else None

    def _rate_text(self) -> str:
        rate = self._rate()
        return f"{rate:.2f} tasks/s" if rate else "-- tasks/s"

    def _line(self) -> None:
        self._last_line = time.monotonic()
        rate = self._rate()
        eta = str(timedelta(seconds=round((self.total - self.done) / rate))) if rate else "?"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        self.console.print(
            f"{self.label}: {self.done}/{self.total} tasks ({pct:.0f}%), {self._rate_text()}, "
            f"ETA {eta}, {self.failed} failed",
            highlight=False, markup=False, soft_wrap=True,
        )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self.interval_s is not None:
            self._line()
