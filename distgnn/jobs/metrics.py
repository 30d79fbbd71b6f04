"""Per-epoch metrics: ``metrics.csv`` (and TensorBoard event files when installed)."""
from __future__ import annotations

import csv
import os
from typing import Dict, List, Optional

__all__ = ["MetricsLog", "read_metrics"]


def read_metrics(path: str) -> List[Dict[str, float]]:
    """Rows of a metrics CSV as dicts of floats (empty cells dropped)."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as fh:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)}
                for row in csv.DictReader(fh)]


def _typed(row: Dict[str, float]) -> Dict[str, float]:
    """A row as written: ``epoch`` an int (kept rows of a resumed run too), the rest floats."""
    return {k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()}


def _tensorboard_writer(log_dir: str):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # TensorBoard is optional
        return None
    return SummaryWriter(log_dir=log_dir)


class MetricsLog:
    """Appends one row per epoch to ``<dir>/metrics.csv``.

    ``start_epoch`` drops rows of epochs >= it (a resumed run rewrites them), so the
    file always holds one row per finished epoch.
    """

    def __init__(self, run_dir: str, start_epoch: int = 0) -> None:
        os.makedirs(run_dir, exist_ok=True)
        self.path = os.path.join(run_dir, "metrics.csv")
        self.rows = [_typed(r) for r in read_metrics(self.path) if r.get("epoch", 0) < start_epoch]
        self._fields: List[str] = list(self.rows[0]) if self.rows else []
        self._rewrite()
        self._tb = _tensorboard_writer(os.path.join(run_dir, "tensorboard"))

    def _rewrite(self) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self._fields)
            if self._fields:
                writer.writeheader()
                writer.writerows(self.rows)
        os.replace(tmp, self.path)

    def log(self, row: Dict[str, float]) -> None:
        row = _typed(row)
        self.rows.append(row)
        new = [k for k in row if k not in self._fields]
        self._fields += new
        self._rewrite()
        if self._tb is not None:
            for key, value in row.items():
                if key != "epoch":
                    self._tb.add_scalar(key, value, int(row["epoch"]))
            self._tb.flush()

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()

    def last(self) -> Optional[Dict[str, float]]:
        return self.rows[-1] if self.rows else None
