"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

Every backend takes the same :class:`~sim.sweep.tasks.TaskSpec` list and
calls ``on_result`` once per task, in whatever order tasks finish; results
do not depend on that order (seeds come from the point and the replication,
:mod:`sim.sweep.tasks`). ``on_result`` runs in the calling thread, so the
caller can write files without locks.

- :class:`SequentialBackend` (``--workers 1``): a plain loop, nothing to
  start; the easiest to debug.
- :class:`ProcessBackend` (``--workers N``, default the number of cores,
  never more than the cores or the tasks):
  :class:`concurrent.futures.ProcessPoolExecutor`. A worker ends itself when
  the main process is killed alone, and does not hold the folder's lock. At most ``2 N`` tasks are
  in flight, so a crashed worker process (killed by the OOM killer, a
  segfault) costs only those: they are then re-run one at a time in a fresh
  process, so the task that kills its worker is reported as failed and its
  innocent neighbours are not. Workers ignore Ctrl-C; the main process
  handles it (stop submitting, wait for the running tasks and keep them; a
  second Ctrl-C abandons them).
- :class:`DaskBackend` (``--scheduler ADDRESS``): ``dask.distributed.Client``
  on an existing cluster, nothing home-made. Each point's scenario is
  scattered to the cluster once, and tasks refer to it. Dask re-runs tasks of
  a lost worker itself, and reports a task that keeps killing workers as
  ``KilledWorker``, which becomes that task's failure.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import ScenarioError
from ..loader import LoadedScenario
from ..results_io import versions
from .store import inherited_lock_fds
from .tasks import TaskResult, TaskSpec, run_task

OnResult = Callable[[TaskResult], None]
Log = Callable[[str], None]
#: Tasks in flight per local worker process.
IN_FLIGHT_PER_WORKER = 2


def _failure(spec: TaskSpec, loaded: LoadedScenario, message: str) -> TaskResult:
    return TaskResult(spec.point, spec.replication, loaded.scenario.seed, error=message)


class SequentialBackend:
    """Run every task in this process, one after another."""

    name = "sequential"

    def __init__(self, log: Log | None = None) -> None:
        self.log = log or (lambda _m: None)

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


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


#: Seconds between a worker's checks that the main process is still alive.
PARENT_CHECK_S = 0.5


def _worker_init(parent_pid: int) -> None:
    """Worker initializer: ignore Ctrl-C, drop the folder lock, die with the main process.

    * Ctrl-C is the main process's business.
    * A forked worker holds copies of the parent's file descriptors, among them
      the one carrying the sweep folder's ``flock``: closing the copy here means
      only the main process holds the lock, so it goes when the main process goes.
    * If the main process is killed alone (``kill -9 PID``, the OOM killer), a
      worker waiting for work would wait for ever (it holds the write end of its
      own task queue): a daemon thread checks every :data:`PARENT_CHECK_S` s
      that its parent is still the main process, and ends the worker if not.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for fd in inherited_lock_fds():
        try:
            os.close(fd)
        except OSError:
            pass
    if os.getppid() != parent_pid:  # the main process died before this worker started
        os._exit(1)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)  # orphaned: nobody will read this worker's results


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now (Python 3.14 has a public method for this)."""
    if hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


class ProcessBackend:
    """Run tasks in ``workers`` local processes (``concurrent.futures``)."""

    name = "processes"

    def __init__(self, workers: int, log: Log | None = None) -> None:
        self.workers = workers
        self.log = log or (lambda _m: None)

    def describe(self) -> dict[str, Any]:
        """Backend facts for the manifest."""
        return {"backend": self.name, "workers": self.workers}

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def run(
        self, loaded: dict[int, LoadedScenario], specs: list[TaskSpec], on_result: OnResult
    ) -> None:
        """Run ``specs``; ``loaded`` maps point id to its scenario.

        No more worker processes start than there are tasks (a resumed sweep may
        have only a few left).
        """
        pending = deque(specs)
        workers = min(self.workers, max(1, len(specs)))
        while pending:
            suspects = self._drain(loaded, pending, on_result, workers)
            if suspects:
                self.log(
                    f"a worker process died with {len(suspects)} task(s) in flight; "
                    "re-running those one at a time to find the one that crashed it"
                )
                for spec in suspects:
                    self._run_alone(loaded, spec, on_result)

    def _drain(
        self,
        loaded: dict[int, LoadedScenario],
        pending: deque[TaskSpec],
        on_result: OnResult,
        workers: int,
    ) -> list[TaskSpec]:
        """Run from ``pending`` until empty; return the in-flight tasks if the pool broke."""
        window = workers * IN_FLIGHT_PER_WORKER
        pool = self._pool(workers)
        inflight: dict[Future, TaskSpec] = {}
        try:
            while pending or inflight:
                while pending and len(inflight) < window:
                    spec = pending[0]
                    try:
                        fut = pool.submit(run_task, loaded[spec.point], spec)
                    except BrokenProcessPool:  # broke since the last wait; spec stays pending
                        return self._salvage(inflight, on_result)
                    inflight[fut] = pending.popleft()
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    spec = inflight.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        return [spec, *self._salvage(inflight, on_result)]
                    except Exception:  # e.g. a result that cannot be pickled
                        result = _failure(spec, loaded[spec.point], traceback.format_exc())
                    on_result(result)
            return []
        except KeyboardInterrupt:
            self._finish_running(pool, inflight, on_result)
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _salvage(inflight: dict[Future, TaskSpec], on_result: OnResult) -> list[TaskSpec]:
        """After a pool broke: keep tasks that had finished; return the others (suspects)."""
        suspects = []
        for fut, spec in inflight.items():
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                on_result(fut.result())
            else:
                suspects.append(spec)
        inflight.clear()
        return suspects

    def _finish_running(
        self, pool: ProcessPoolExecutor, inflight: dict[Future, TaskSpec], on_result: OnResult
    ) -> None:
        """After Ctrl-C: cancel queued tasks, keep the ones already running (Ctrl-C again: drop)."""
        running = [f for f in inflight if not f.cancel()]
        if not running:
            return
        self.log(
            f"interrupted: waiting for {len(running)} running task(s) to finish and be kept "
            "(Ctrl-C again to abandon them)"
        )
        try:
            for fut in running:
                try:
                    on_result(fut.result())
                except Exception:  # a broken pool here just loses those tasks
                    continue
        except KeyboardInterrupt:
            _terminate(pool)

    def _run_alone(
        self, loaded: dict[int, LoadedScenario], spec: TaskSpec, on_result: OnResult
    ) -> None:
        pool = self._pool(1)
        try:
            result = pool.submit(run_task, loaded[spec.point], spec).result()
        except BrokenProcessPool:
            result = _failure(
                spec,
                loaded[spec.point],
                "the worker process running this task died (killed, out of memory or "
                "crashed) -- it did so again when the task was re-run alone",
            )
        finally:
            pool.shutdown(wait=True)
        on_result(result)

    def close(self) -> None:
        """Nothing to release (pools are closed as runs end)."""


class DaskBackend:
    """Run tasks on an existing Dask distributed cluster at ``address``."""

    name = "dask"

    def __init__(self, address: str, log: Log | None = None, timeout_s: float = 20.0) -> None:
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency of policesim
            raise ScenarioError(
                "--scheduler", address, f"dask.distributed is missing: {exc}"
            ) from None
        self.address = address
        self.log = log or (lambda _m: None)
        try:
            self.client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ScenarioError(
                "--scheduler", address, f"cannot connect to a Dask scheduler there: {exc}"
            ) from None
        info = self.client.scheduler_info()
        self.n_workers = len(info.get("workers", {}))
        self.threads = sum(w.get("nthreads", 0) for w in info.get("workers", {}).values())
        self.worker_versions = self._check_versions()

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
        return {
            "backend": self.name,
            "scheduler": self.address,
            "workers": self.n_workers,
            "threads": self.threads,
            "worker_versions": self.worker_versions,
        }

    def run(
        self, loaded: dict[int, LoadedScenario], specs: list[TaskSpec], on_result: OnResult
    ) -> None:
        """Run ``specs``; ``loaded`` maps point id to its scenario."""
        from dask.distributed import as_completed

        if not specs:
            return
        points = sorted({s.point for s in specs})
        scattered = self.client.scatter([loaded[p] for p in points], hash=False)
        data = dict(zip(points, scattered))
        token = uuid.uuid4().hex[:8]
        futures = {}
        for spec in specs:
            key = f"policesim-sweep-{token}-p{spec.point}-r{spec.replication}"
            fut = self.client.submit(run_task, data[spec.point], spec, key=key, pure=False)
            futures[fut] = spec
        try:
            for fut in as_completed(list(futures), loop=self.client.loop):
                spec = futures.pop(fut)
                if fut.status == "finished":
                    result = fut.result()
                else:
                    result = _failure(spec, loaded[spec.point], self._error_of(fut))
                fut.release()
                on_result(result)
        except KeyboardInterrupt:
            self.client.cancel(list(futures))
            raise
        finally:
            self.client.cancel(list(scattered))

    @staticmethod
    def _error_of(fut: Any) -> str:
        """The traceback of a failed Dask future, or why it has none (cancelled, lost)."""
        try:
            exc = fut.exception()
        except (Exception, asyncio.CancelledError) as why:  # a cancelled future raises here
            return f"the Dask cluster did not run this task ({fut.status}): {why!r}"
        return "".join(traceback.format_exception(type(exc), exc, fut.traceback()))

    def close(self) -> None:
        """Disconnect from the cluster (the cluster itself keeps running)."""
        self.client.close()


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
    workers: int | None,
    scheduler: str | None,
    log: Log | None = None,
    tasks: int | None = None,
) -> SequentialBackend | ProcessBackend | DaskBackend:
    """Choose the backend for ``--workers`` / ``--scheduler`` (see :func:`worker_count`)."""
    if scheduler:
        return DaskBackend(scheduler, log)
    workers = worker_count(workers, tasks)
    if workers <= 1:
        return SequentialBackend(log)
    return ProcessBackend(workers, log)
