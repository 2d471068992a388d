"""Slow work off the GUI thread, through one helper: a QThreadPool runnable
that posts its result or its error back to the GUI thread. Tests use the
synchronous runner, so they need no waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Runner(Protocol):
    def submit(self, work: Callable[[], Any], on_done: Done, on_error: Failed) -> None: ...


class SyncRunner:
    """Runs the work at once on the calling thread (tests, scripts)."""

    def submit(self, work: Callable[[], Any], on_done: Done, on_error: Failed) -> None:
        try:
            result = work()
        except Exception as e:  # handed to the caller's error path, as the pool does
            on_error(e)
            return
        on_done(result)


class _Relay(QObject):
    # Emitted from the worker thread; Qt queues the call to the receiver's
    # (the GUI) thread because the relay object lives there.
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as e:
            self.relay.failed.emit(e)
            return
        self.relay.done.emit(result)


class PoolRunner:
    """Runs the work on Qt's global thread pool."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    def submit(self, work: Callable[[], Any], on_done: Done, on_error: Failed) -> None:
        relay = _Relay()
        self._relays.add(relay)  # keep it alive until it reports

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._relays.discard(relay)
            callback(value)

        relay.done.connect(lambda v: finish(on_done, v))
        relay.failed.connect(lambda e: finish(on_error, e))
        self.pool.start(_Job(work, relay))
