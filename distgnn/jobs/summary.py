"""The end of a run: ``plot.png``, ``summary.json`` and one summary line."""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

from distgnn.jobs.plot import plot_metrics

__all__ = ["finish_run", "summary_line"]


def summary_line(job: str, rows: List[Dict[str, float]], seconds: float, workers: int) -> str:
    last = rows[-1] if rows else {}
    parts = [f"{job}: {len(rows)} epochs on {workers} replicas in {seconds:.1f} s"]
    for key in ("train_loss", "val_acc", "test_acc"):
        if key in last:
            parts.append(f"{key} {last[key]:.4f}")
    if "test_nodes" in last:
        parts.append(f"{int(last['test_nodes'])} test nodes evaluated")
    if rows:
        sps = sum(r.get("samples_per_s", 0.0) for r in rows) / len(rows)
        parts.append(f"{sps:,.0f} samples/s")
    return " | ".join(parts)


def finish_run(run_dir: str, job: str, rows: List[Dict[str, float]], seconds: float,
               workers: int, placement: Optional[Dict[str, object]] = None) -> Dict[str, object]:
    """Write the plot and ``summary.json`` into ``run_dir``; returns the summary. ``placement``: the Ray
    nodes the replicas and servers ran on (:func:`~distgnn.distributed.placement.read_placement`)."""
    plot = plot_metrics(rows, os.path.join(run_dir, "plot.png"), title=f"{job} ({run_dir})")
    summary = {"job": job, "epochs": len(rows), "seconds": round(seconds, 3),
               "num_workers": workers, "final": rows[-1] if rows else {},
               "metrics_csv": os.path.join(run_dir, "metrics.csv"), "plot": plot,
               "line": summary_line(job, rows, seconds, workers)}
    if placement is not None:
        summary["placement"] = placement
    tmp = os.path.join(run_dir, "summary.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(summary, fh, indent=2)
    os.replace(tmp, os.path.join(run_dir, "summary.json"))
    return summary
