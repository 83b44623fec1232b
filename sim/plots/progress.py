"""A progress bar for long runs started from notebooks (and scripts).

``sim.run_scenario(..., on_done=callback)`` calls ``callback`` once per
finished replication; a :class:`ProgressBar` is such a callback::

    with ProgressBar(n, "replications") as bar:
        result = sim.run_scenario(loaded, n, on_done=bar)

In a Jupyter notebook it draws a text bar that is updated in place (through
IPython's display handles, so no ipywidgets are needed); elsewhere it writes a
plain line to stderr at most every ``interval_s`` seconds and one at the end.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

WIDTH = 30


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class ProgressBar:
    """Count finished items and show done/total, elapsed time and the time left.

    Parameters
    ----------
    total
        Items to finish.
    label
        What is counted ("replications", "sweep points").
    interval_s
        Seconds between plain lines (outside notebooks).
    stream
        Where plain lines go (default stderr).

    """

    def __init__(
        self, total: int, label: str = "", interval_s: float = 5.0, stream: TextIO | None = None
    ) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.done = 0
        self.interval_s = interval_s
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self._last = -1e9
        self._handle: Any = None
        self._printed = -1
        self._notebook = _in_notebook()

    def __enter__(self) -> ProgressBar:
        self.start = time.perf_counter()
        self._show(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._show(force=True)

    def __call__(self, *_: Any) -> None:
        """Count one finished item (the ``on_done`` callback signature: any arguments)."""
        self.advance()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` finished items."""
        self.done += n
        self._show(force=self.done >= self.total)

    def text(self) -> str:
        """The bar as one line of text."""
        elapsed = time.perf_counter() - self.start
        share = self.done / self.total if self.total else 1.0
        filled = round(WIDTH * min(share, 1.0))
        bar = "#" * filled + "-" * (WIDTH - filled)
        left = ""
        if 0 < self.done < self.total:
            left = f", about {elapsed / self.done * (self.total - self.done):.0f} s left"
        label = f"{self.label} " if self.label else ""
        return f"{label}[{bar}] {self.done}/{self.total} ({elapsed:.0f} s{left})"

    def _show(self, force: bool = False) -> None:
        now = time.perf_counter()
        if self._notebook:
            from IPython.display import Pretty, display

            if self._handle is None:
                self._handle = display(Pretty(self.text()), display_id=True)
            else:
                self._handle.update(Pretty(self.text()))
            return
        if self._printed == self.done:
            return  # this count is already on screen
        if force or now - self._last >= self.interval_s:
            self.stream.write(self.text() + "\n")
            self.stream.flush()
            self._last = now
            self._printed = self.done


class ProgressBackend:
    """A sweep backend that also advances a :class:`ProgressBar` for every finished task.

    ``sim.sweep.run_sweep`` reports progress as plain lines outside a terminal
    (a notebook is not one); wrapping its backend gives notebooks a bar::

        backend = ProgressBackend(make_backend(1, None), bar)
        run_sweep(plan, out, backend)

    Everything else (``describe``, ``close``) is the wrapped backend's.
    """

    def __init__(self, backend: Any, bar: ProgressBar) -> None:
        self.backend = backend
        self.bar = bar

    def run(self, loaded: Any, specs: Any, on_result: Any) -> None:
        """Run the tasks on the wrapped backend; count each result on the bar."""

        def both(result: Any) -> None:
            on_result(result)
            self.bar.advance()

        self.backend.run(loaded, specs, both)

    def __getattr__(self, name: str) -> Any:
        if name == "backend":  # not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.backend, name)
