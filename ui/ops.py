"""Background work: one helper that runs functions off the main thread and always delivers
their results back on the main thread, so no window ever freezes.

Three lanes, each with its own threads:

* ``db``  — exactly ONE long-lived worker thread: every database write is serialised and
  always runs on the same thread (open the vault with ``check_same_thread=False``).
* ``net`` — a small pool for network work (sync, uploads).
* ``cpu`` — a small pool for Argon2id, image work and exports.

A function that accepts a keyword ``job`` receives its `Job`, to report progress
(``job.report(3, 10, "upload")``) and check ``job.cancelled``; raising `Cancelled` ends the
job quietly. Errors go to ``on_error``; without one, a single calm message box shows the
translated line from `fieldapp.messages.user_message`.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

T = TypeVar("T")

LANES: dict[str, int] = {"db": 1, "net": 4, "cpu": 2}


class Cancelled(Exception):  # noqa: N818 - a state, not a failure
    """Raised inside a job (or by `Job.raise_if_cancelled`) to stop it quietly."""


class Job(QObject):
    """One piece of background work. Its signals are emitted on the main thread only."""

    done = Signal(object)          # the function's result
    failed = Signal(object)        # the exception raised
    progress = Signal(int, int, str)  # done, total, phase
    cancelled_signal = Signal()    # ended by cancel() or Cancelled
    finished = Signal()            # always last, whatever the outcome

    def __init__(self, bridge: _Bridge, lane: str) -> None:
        super().__init__()
        self._bridge = bridge
        self.lane = lane
        self._cancel = threading.Event()
        self._future: Future[Any] | None = None
        self.is_finished = False

    def cancel(self) -> None:
        """Ask the job to stop: a job not started yet never runs; a running one sees
        ``cancelled`` become true (long functions check it between steps)."""
        self._cancel.set()
        if self._future is not None and self._future.cancel():
            self._bridge.never_started(self)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        """For the worker: stop here if cancel() was called."""
        if self._cancel.is_set():
            raise Cancelled()

    def report(self, done: int, total: int, phase: str = "") -> None:
        """For the worker: progress, delivered to ``progress`` on the main thread."""
        self._bridge.progressed.emit(self, int(done), int(total), str(phase))


class _Bridge(QObject):
    """Lives on the main thread; workers emit on it, Qt queues delivery to the main thread."""

    ended = Signal(object, str, object)  # job, outcome, payload
    progressed = Signal(object, int, int, str)

    def __init__(self, ops: Ops) -> None:
        super().__init__(ops)
        self._ops = ops
        self.ended.connect(self._on_ended, Qt.ConnectionType.QueuedConnection)
        self.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

    def never_started(self, job: Job) -> None:
        self._ops._never_started(job)

    def _on_progress(self, job: Job, done: int, total: int, phase: str) -> None:
        if not job.is_finished:
            job.progress.emit(done, total, phase)

    def _on_ended(self, job: Job, outcome: str, payload: object) -> None:
        self._ops._deliver(job, outcome, payload)


def _wants_job(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "job" in params and params["job"].kind in (
        inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class Ops(QObject):
    """One helper for work off the main thread; results always delivered on the main thread."""

    idle = Signal()  # emitted when the last running job has been delivered

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = _Bridge(self)
        self._pools = {lane: ThreadPoolExecutor(max_workers=n,
                                                thread_name_prefix=f"fieldapp-{lane}")
                       for lane, n in LANES.items()}
        self._jobs: set[Job] = set()
        self._handlers: dict[Job, tuple[Callable[[Any], None] | None,
                                        Callable[[BaseException], None] | None]] = {}
        self._running = 0
        self._lock = threading.Condition()
        self._closed = False

    # --- public -----------------------------------------------------------------------
    def run(self, fn: Callable[..., T], *args: Any,
            on_done: Callable[[T], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            lane: str = "db", **kwargs: Any) -> Job:
        """Run ``fn(*args, **kwargs)`` on ``lane``; ``on_done(result)`` or
        ``on_error(exc)`` is then called on the main thread."""
        if lane not in self._pools:
            raise ValueError(f"unknown lane {lane!r}")
        if self._closed:
            raise RuntimeError("Ops is shut down")
        job = Job(self._bridge, lane)
        if _wants_job(fn):
            kwargs["job"] = job
        self._jobs.add(job)
        self._handlers[job] = (on_done, on_error)
        with self._lock:
            self._running += 1
        job._future = self._pools[lane].submit(self._work, job, fn, args, kwargs)
        return job

    @property
    def busy(self) -> bool:
        """True while any job has not been delivered yet."""
        return bool(self._jobs)

    def shutdown(self, wait_ms: int = 5000) -> None:
        """Stop taking work and wait up to ``wait_ms`` for what is queued. Database writes
        already queued still run (nothing typed is lost); network and cpu jobs not started
        are cancelled and running ones asked to stop. Results arriving later are dropped."""
        self._closed = True
        for job in list(self._jobs):
            if job.lane != "db":
                job.cancel()
        for lane, pool in self._pools.items():
            pool.shutdown(wait=False, cancel_futures=lane != "db")
        with self._lock:
            self._lock.wait_for(lambda: self._running == 0, timeout=wait_ms / 1000)
        self._jobs.clear()
        self._handlers.clear()

    # --- worker side ------------------------------------------------------------------
    def _work(self, job: Job, fn: Callable[..., Any], args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> None:
        try:
            if job.cancelled:
                raise Cancelled()
            result = fn(*args, **kwargs)
        except Cancelled:
            outcome, payload = "cancelled", None
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the main thread
            outcome, payload = "failed", exc
        else:
            outcome, payload = "done", result
        finally:
            with self._lock:
                self._running -= 1
                self._lock.notify_all()
        if self._closed and job.lane != "db":
            return  # the app is quitting: nobody waits for this result any more
        try:
            self._bridge.ended.emit(job, outcome, payload)
        except RuntimeError:  # the helper was deleted meanwhile (the app has quit)
            pass

    def _never_started(self, job: Job) -> None:
        with self._lock:
            self._running -= 1
            self._lock.notify_all()
        self._bridge.ended.emit(job, "cancelled", None)

    # --- main thread side -------------------------------------------------------------
    def _deliver(self, job: Job, outcome: str, payload: object) -> None:
        if job not in self._jobs or job.is_finished:
            return
        job.is_finished = True
        on_done, on_error = self._handlers.pop(job, (None, None))
        try:
            if outcome == "done":
                job.done.emit(payload)
                if on_done is not None:
                    on_done(payload)
            elif outcome == "failed":
                assert isinstance(payload, BaseException)
                job.failed.emit(payload)
                if on_error is not None:
                    on_error(payload)
                else:
                    from .messages_box import show_error
                    show_error(payload)
            else:
                job.cancelled_signal.emit()
        finally:
            self._jobs.discard(job)
            job.finished.emit()
            if not self._jobs:
                self.idle.emit()
