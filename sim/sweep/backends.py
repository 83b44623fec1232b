"""Where tasks run: in this process, or on Dask workers (a local cluster, or an existing one).

Every backend takes the same :class:`~sim.sweep.tasks.TaskSpec` list and calls
``on_result`` once per task, in whatever order tasks finish; results do not
depend on that order (seeds come from the point and the replication,
:mod:`sim.sweep.tasks`). ``on_result`` runs in the calling thread, so the
caller can write files without locks.

- :class:`SequentialBackend` (``--workers 1``): a plain loop, nothing to start;
  the easiest to debug.
- :class:`DaskBackend` with ``workers`` (``--workers N``, default the cores,
  never more than the cores or the tasks): a ``dask.distributed.LocalCluster``
  of N single-threaded worker processes, started when tasks are run. With
  ``address`` (``--scheduler ADDRESS``): an existing cluster.

Crash recovery is Dask's, not ours: a worker process that dies (the OOM killer,
a segfault) is restarted and its tasks re-run elsewhere; a task that keeps
killing its workers ends as ``KilledWorker``, which becomes that task's
failure, and its neighbours are not blamed (each local worker holds one task
at a time). Local workers are spawned, so they hold none of this process's
file descriptors (nor the folder's lock), and they end themselves when this
process dies, even by ``kill -9``. On Ctrl-C the finished results are kept
(handed to ``on_result``) and the rest are cancelled. (Spawned workers import
the calling script again: a script that starts a local cluster needs the usual
``if __name__ == "__main__":`` guard; ``policesim`` and notebooks need nothing.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from ..errors import ScenarioError
from ..loader import LoadedScenario
from ..models import registry
from ..results_io import versions
from .tasks import TaskResult, TaskSpec, run_task

OnResult = Callable[[TaskResult], None]
Log = Callable[[str], None]


class SequentialBackend:
    """Run every task in this process, one after another."""

    name = "sequential"

    def describe(self) -> dict[str, Any]:
        """Backend facts for the manifest."""
        return {"backend": self.name, "workers": 1}

    def run(
        self, loaded: dict[int, LoadedScenario], specs: list[TaskSpec], on_result: OnResult
    ) -> None:
        """Run ``specs``; ``loaded`` maps point id to its scenario."""
        for spec in specs:
            on_result(run_task(loaded[spec.point], spec))

    def close(self) -> None:
        """Nothing to release."""


class DaskBackend:
    """Run tasks on ``workers`` local Dask worker processes, or on the cluster at ``address``."""

    def __init__(
        self,
        address: str | None = None,
        log: Log | None = None,
        timeout_s: float = 20.0,
        workers: int | None = None,
    ) -> None:
        self.address, self.workers, self.timeout_s = address, workers, timeout_s
        self.name = "dask" if address else "processes"
        self.log = log or (lambda _m: None)
        self.client: Any = None
        self.cluster: Any = None
        self.worker_versions: dict[str, dict[str, str]] = {}
        if address:
            self.connect(0)

    def connect(self, n_tasks: int) -> Any:
        """The client: connect to ``address``, or start a local cluster for ``n_tasks`` tasks."""
        if self.client is not None:
            return self.client
        import dask
        from dask.distributed import Client, LocalCluster

        if self.address is None:
            # One task per worker at a time, so a task that kills its worker takes no neighbour
            # along; a task whose worker dies is tried once more, then reported (KilledWorker).
            settings = {
                "distributed.scheduler.worker-saturation": 1.0,
                "distributed.scheduler.allowed-failures": 1,
            }
            with dask.config.set(settings):
                self.cluster = LocalCluster(
                    n_workers=min(self.workers or 1, max(1, n_tasks)),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: never "8787 is in use"
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self.cluster, set_as_default=False)
            return self.client
        try:
            self.client = Client(self.address, timeout=f"{self.timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ScenarioError(
                "--scheduler", self.address, f"cannot connect to a Dask scheduler there: {exc}"
            ) from None
        self.worker_versions = self._check_versions()
        return self.client

    def _check_versions(self) -> dict[str, dict[str, str]]:
        """Versions on every worker; warn when they differ from this machine's (numbers may too)."""
        try:
            theirs = self.client.run(versions)
        except Exception as exc:  # informative only
            self.log(f"could not read the Dask workers' package versions: {exc}")
            return {}
        mine = versions()
        for worker, vs in theirs.items():
            diff = {k: (mine.get(k), v) for k, v in vs.items() if mine.get(k) != v}
            if diff:
                self.log(
                    f"warning: Dask worker {worker} has other package versions than this "
                    f"machine {diff}; its numbers may differ"
                )
        return theirs

    def describe(self) -> dict[str, Any]:
        """Backend facts for the manifest."""
        if self.address is None:
            return {"backend": self.name, "workers": self.workers}
        info = self.client.scheduler_info().get("workers", {})
        return {
            "backend": self.name,
            "scheduler": self.address,
            "workers": len(info),
            "threads": sum(w.get("nthreads", 0) for w in info.values()),
            "worker_versions": self.worker_versions,
        }

    def run(
        self, loaded: dict[int, LoadedScenario], specs: list[TaskSpec], on_result: OnResult
    ) -> None:
        """Run ``specs``; ``loaded`` maps point id to its scenario."""
        from dask.distributed import as_completed

        if not specs:
            return
        client = self.connect(len(specs))
        token = uuid.uuid4().hex[:8]
        # The scenario (some kB) goes with each task: a lost worker loses nothing irreplaceable.
        # So do this process's models: one registered at run time is simulated there too.
        models = tuple(registry.MODELS.values())
        futures = {
            client.submit(
                run_task, loaded[s.point], s, models,
                key=f"policesim-{token}-p{s.point}-r{s.replication}", pure=False,
            ): s
            for s in specs
        }

        def hand_over(fut: Any) -> None:
            spec = futures.pop(fut)
            try:
                result = fut.result()
            except (Exception, asyncio.CancelledError):
                seed = loaded[spec.point].scenario.seed
                result = TaskResult(spec.point, spec.replication, seed, error=_error_of(fut))
            fut.release()
            on_result(result)

        try:
            for fut in as_completed(list(futures), loop=client.loop):
                hand_over(fut)
        except KeyboardInterrupt:  # keep what has finished, cancel the rest
            for fut in [f for f in futures if f.status == "finished"]:
                hand_over(fut)
            client.cancel(list(futures))
            raise

    def close(self) -> None:
        """Disconnect (a cluster given by ``address`` keeps running; a local one stops)."""
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _error_of(fut: Any) -> str:
    """The traceback of a failed Dask future, or why it has none (cancelled, lost)."""
    try:
        exc = fut.exception()
    except (Exception, asyncio.CancelledError) as why:  # a cancelled future raises here
        return f"the Dask cluster did not run this task ({fut.status}): {why!r}"
    text = "".join(traceback.format_exception(type(exc), exc, fut.traceback()))
    if type(exc).__name__ == "KilledWorker":
        text = (
            "the worker process running this task died (killed, out of memory or crashed), "
            f"every time it was tried:\n{text}"
        )
    return text


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def worker_count(workers: int | None, tasks: int | None = None) -> int:
    """Local worker processes for ``--workers`` (default: the cores), capped.

    Never more than the cores this process may use (more processes only
    compete for them and each costs memory) nor than the ``tasks`` to run.
    """
    n = min(workers or available_cores(), available_cores())
    if tasks is not None:
        n = min(n, tasks)
    return max(1, n)


def make_backend(
    workers: int | None, scheduler: str | None, log: Log | None = None, tasks: int | None = None
) -> SequentialBackend | DaskBackend:
    """Choose the backend for ``--workers`` / ``--scheduler`` (see :func:`worker_count`)."""
    if scheduler:
        return DaskBackend(scheduler, log)
    workers = worker_count(workers, tasks)
    return SequentialBackend() if workers <= 1 else DaskBackend(None, log, workers=workers)
