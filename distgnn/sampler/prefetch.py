"""Background prefetching with a bounded queue and clean shutdown."""
import queue
import threading
from typing import Callable, Iterator, Optional, Sequence, TypeVar

__all__ = ["Prefetcher"]

T = TypeVar("T")
_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Prefetcher(Iterator[T]):
    """Runs ``make(task)`` for each task on a daemon thread, ``depth`` results ahead.

    Results come in task order; an exception in ``make`` is raised by
    ``__next__`` (with its traceback as the cause chain). ``close()`` stops the
    thread; it is also called when iteration ends or the object is collected.
    ``threads`` (optional) caps the numba threads of the kernels ``make`` runs on
    that thread (numba's setting is per thread), so they leave the other cores to
    the consumer, e.g. the training step.
    """

    def __init__(self, make: Callable[[object], T], tasks: Sequence[object], depth: int = 2,
                 threads: Optional[int] = None) -> None:
        if depth < 1:
            raise ValueError(f"prefetch depth must be >= 1, got {depth}")
        self._threads = threads
        self._queue: "queue.Queue" = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make, list(tasks)), daemon=True,
                                        name="distgnn-prefetch")
        self._finished = False
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, make, tasks) -> None:
        try:
            if self._threads is not None:
                import numba
                numba.set_num_threads(max(1, min(int(self._threads), numba.config.NUMBA_NUM_THREADS)))
            for task in tasks:
                if self._stop.is_set() or not self._put(make(task)):
                    return
        except BaseException as exc:  # handed to the consumer
            self._put(_Failure(exc))
            return
        self._put(_DONE)

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        while True:
            try:
                item = self._queue.get(timeout=0.5)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    self._finished = True
                    raise StopIteration
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self.close()
            raise item.exc
        return item

    def close(self, timeout: Optional[float] = 5.0) -> None:
        """Stop the producer thread and drop queued results."""
        self._finished = True
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def __del__(self) -> None:
        try:
            self._stop.set()
        except Exception:
            pass
