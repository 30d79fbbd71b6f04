"""Progress of a job: counted on the replicas, shown on the driver.

Replica 0 counts steps and samples (:class:`Progress`) and, when bars are on,
writes ``progress.json`` into the run directory at most twice a second. On
the driver, :class:`Console` draws a ``tqdm`` bar (rate and ETA) from that file
and prints one line per finished epoch as ``metrics.csv`` grows -- the same
with one in-process replica or Ray workers on other nodes, and without any of
Ray's own log lines. A job may add figures of its own to the bar (the GraphSAGE
job: feature-cache hit rate, MB fetched, sampling/fetch/compute time shares).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Callable, Dict, Mapping, Optional

__all__ = ["Progress", "Console", "PROGRESS_FILE"]

PROGRESS_FILE = "progress.json"


class Progress:
    """One epoch on one replica: ``update(samples)`` per step; ``rates`` at the end.

    ``figures`` (optional) returns ``{name: value}`` shown after the bar; it is
    called only when ``progress.json`` is written (at most every ``interval_s``).
    """

    def __init__(self, total: int, desc: str, run_dir: Optional[str] = None,
                 interval_s: float = 0.5,
                 figures: Optional[Callable[[], Mapping[str, object]]] = None) -> None:
        self.total, self.desc = int(total), desc
        self.figures = figures
        self.batches = 0
        self.samples = 0
        self.start = time.perf_counter()
        self._path = os.path.join(run_dir, PROGRESS_FILE) if run_dir else None
        self._interval, self._last = interval_s, 0.0
        self._write()

    @property
    def elapsed(self) -> float:
        return max(time.perf_counter() - self.start, 1e-9)

    def rates(self) -> tuple:
        """``(batches/s, samples/s)`` since the epoch started."""
        return self.batches / self.elapsed, self.samples / self.elapsed

    def update(self, samples: int, steps: int = 1) -> None:
        self.batches += steps
        self.samples += int(samples)
        if self._path is not None and time.perf_counter() - self._last >= self._interval:
            self._write()

    def _write(self) -> None:
        if self._path is None:
            return
        self._last = time.perf_counter()
        tmp = f"{self._path}.{os.getpid()}.tmp"
        state = {"desc": self.desc, "n": self.batches, "total": self.total, "samples": self.samples}
        if self.figures is not None:
            state["figures"] = {str(k): str(v) for k, v in self.figures().items()}
        with open(tmp, "w") as fh:
            json.dump(state, fh)
        os.replace(tmp, self._path)

    def close(self) -> None:
        self._write()


class Console:
    """Driver side: a bar from ``progress.json`` and one line per epoch of ``metrics.csv``.

    ``format_row(row)`` turns a metrics row into its line; ``bars`` draws the bar
    on stderr (only worth it on a terminal).
    """

    def __init__(self, run_dir: str, format_row: Callable[[Dict[str, float]], str],
                 bars: bool = False, poll_s: float = 0.25) -> None:
        self.run_dir, self.format_row, self.bars, self.poll_s = run_dir, format_row, bars, poll_s
        self._printed: Dict[int, Dict[str, float]] = {}  # epoch -> the row last seen
        self._bar = None
        self._bar_desc = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> "Console":
        from distgnn.distributed.metrics import read_metrics
        path = os.path.join(self.run_dir, "metrics.csv")
        # a resumed run's epochs: not printed again unless they are run again (a new row)
        self._printed = {int(r["epoch"]): r for r in read_metrics(path)}
        self._thread = threading.Thread(target=self._loop, name="distgnn-console", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._poll()
        self._close_bar()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self._poll()
            except (OSError, ValueError):  # a file being replaced: read it next time
                pass

    def _poll(self) -> None:
        from distgnn.distributed.metrics import read_metrics
        for row in read_metrics(os.path.join(self.run_dir, "metrics.csv")):
            epoch = int(row["epoch"])
            if self._printed.get(epoch) != row:  # new, or an epoch run again after a resume
                self._printed[epoch] = row
                self._close_bar()
                print(self.format_row(row), flush=True)
        if self.bars:
            self._draw()

    def _draw(self) -> None:
        try:
            with open(os.path.join(self.run_dir, PROGRESS_FILE)) as fh:
                state = json.load(fh)
        except (OSError, ValueError):
            return
        if state["desc"] != self._bar_desc:
            self._close_bar()
            if state["n"] >= state["total"]:
                return
            from tqdm import tqdm
            self._bar = tqdm(total=state["total"], desc=state["desc"], unit="step",
                             file=sys.stderr, leave=False)
            self._bar_desc = state["desc"]
        if self._bar is not None:
            figures = state.get("figures")
            if figures:
                self._bar.set_postfix_str(", ".join(f"{k} {v}" for k, v in figures.items()),
                                          refresh=False)
            self._bar.update(max(state["n"] - self._bar.n, 0))

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
