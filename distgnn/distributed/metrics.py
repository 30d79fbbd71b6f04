"""A run's metrics, written in one place (:class:`MetricsSink`), read back by the functions here.

Rank 0's sink keeps, in the run directory:

* ``metrics.jsonl`` — every report of the run, all attempts, oldest first (the history);
* ``metrics.csv`` — one row per epoch: a report made as a row (``row=True``) with an
  ``epoch`` key replaces the rows of that epoch and later ones, so a resumed run that
  repeats epochs leaves one row for each finished epoch;
* TensorBoard event files under ``tensorboard/`` when TensorBoard is installed.
"""
from __future__ import annotations

import csv
import json
import os
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["MetricsSink", "read_history", "read_rows", "read_metrics", "HISTORY_FILE", "ROWS_FILE"]

HISTORY_FILE = "metrics.jsonl"
ROWS_FILE = "metrics.csv"


def _jsonable(v):
    if hasattr(v, "item") and getattr(v, "numel", lambda: getattr(v, "size", 1))() == 1:
        return v.item()
    if hasattr(v, "tolist"):
        return v.tolist()
    return str(v)


def read_history(run_dir: str) -> List[Dict[str, Any]]:
    """Every metrics dict rank 0 reported in the run (all attempts, oldest first)."""
    path = os.path.join(run_dir, HISTORY_FILE)
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_metrics(path: str) -> List[Dict[str, float]]:
    """Rows of a metrics CSV as dicts of floats (empty cells dropped)."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as fh:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)}
                for row in csv.DictReader(fh)]


def read_rows(run_dir: str) -> List[Dict[str, float]]:
    """The run's epoch rows (``<run_dir>/metrics.csv``), one per finished epoch."""
    return read_metrics(os.path.join(run_dir, ROWS_FILE))


def _number(v) -> Optional[float]:
    v = _jsonable(v) if hasattr(v, "tolist") else v
    return float(v) if isinstance(v, (int, float)) else None


def _typed(row: Mapping[str, Any]) -> Dict[str, float]:
    """A row as written: ``epoch`` an int, the other numbers floats (other values stay in the history)."""
    out = {k: _number(v) for k, v in row.items()}
    return {k: (int(v) if k == "epoch" else v) for k, v in out.items() if v is not None}


def _tensorboard_writer(log_dir: str):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # TensorBoard is optional
        return None
    return SummaryWriter(log_dir=log_dir)


class MetricsSink:
    """Where rank 0's reports go: the history, the epoch rows and TensorBoard (see the module)."""

    def __init__(self, run_dir: str) -> None:
        self.run_dir = run_dir
        self.rows: Optional[List[Dict[str, float]]] = None  # read on the first row
        self._fields: List[str] = []
        self._tb = None

    def record(self, metrics: Mapping[str, Any], row: bool = True) -> None:
        """Append ``metrics`` to the history; as an epoch row too when ``row`` and it names an epoch."""
        os.makedirs(self.run_dir, exist_ok=True)
        with open(os.path.join(self.run_dir, HISTORY_FILE), "a") as f:
            f.write(json.dumps(dict(metrics), default=_jsonable) + "\n")
        if row and "epoch" in metrics:
            self._add_row(_typed(metrics))

    def _add_row(self, row: Dict[str, float]) -> None:
        if self.rows is None:
            self.rows = [_typed(r) for r in read_rows(self.run_dir)]
            self._fields = list(self.rows[0]) if self.rows else []
            self._tb = _tensorboard_writer(os.path.join(self.run_dir, "tensorboard"))
        self.rows = [r for r in self.rows if r["epoch"] < row["epoch"]] + [row]
        self._fields += [k for k in row if k not in self._fields]
        self._rewrite()
        if self._tb is not None:
            for key, value in row.items():
                if key != "epoch":
                    self._tb.add_scalar(key, value, row["epoch"])
            self._tb.flush()

    def _rewrite(self) -> None:
        path = os.path.join(self.run_dir, ROWS_FILE)
        with open(path + ".tmp", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self._fields)
            writer.writeheader()
            writer.writerows(self.rows)
        os.replace(path + ".tmp", path)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None
