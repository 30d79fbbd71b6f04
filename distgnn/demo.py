"""``make demo``: the embedded default job of ``distgnn train``.

ClusterGCN on a generated planted-partition graph with class-correlated
features, partitioned with METIS into Zarr shards, trained by 2 replicas on an
in-process Ray with gradient all-reduce, evaluated on held-out nodes. Writes
``runs/demo/`` (checkpoints, metrics.csv, plot.png, summary.json) and ends with
the line ``test accuracy: 0.xxx``.
"""
from __future__ import annotations

import argparse
from typing import List, Optional

from distgnn.config import config_from_dict
from distgnn.ownership import mark_owned, remove_owned

__all__ = ["DEMO_CONFIG", "DEMO_ORIGIN", "main"]

#: the ``origin`` field of the marker of a demo's run directory
DEMO_ORIGIN = "demo"

DEMO_CONFIG = {
    "job": "cluster_gcn",
    "data": {
        "generator": {"name": "planted_partition", "num_nodes": 20000, "num_blocks": 8,
                      "avg_degree": 10, "p_ratio": 25, "num_features": 32, "feature_noise": 5.0,
                      "train_per_class": 200, "num_val": 1000, "num_test": 2000},
        "num_parts": 16, "method": "metis", "output": "runs/demo-graph.zarr",
    },
    "model": {"hidden_channels": 64, "num_layers": 2, "dropout": 0.2},
    "sampler": {"parts_per_batch": 2},
    "scaling": {"num_workers": 2},
    "run": {"epochs": 15, "lr": 0.01, "dir": "runs/demo", "seed": 0, "checkpoint_every": 5,
            "eval_every": 5},
}


def main(argv: Optional[List[str]] = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-p", "--param", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a key of the demo config")
    args = parser.parse_args(argv)
    cfg = config_from_dict(DEMO_CONFIG, args.overrides)
    from distgnn.jobs import run_job
    from distgnn.config.run_paths import RUN_KIND

    # The demo starts afresh in a directory of its own (the graph store is reused); a
    # directory the demo did not write is refused and left as it is.
    remove_owned(cfg.run.dir, RUN_KIND, what="run.dir", origin=DEMO_ORIGIN)
    mark_owned(cfg.run.dir, RUN_KIND, origin=DEMO_ORIGIN)

    final = run_job(cfg)["final"]
    return float(final.get("test_acc", float("nan")))  # type: ignore[union-attr]


if __name__ == "__main__":
    import sys

    from distgnn.commands.errors import run_command

    sys.exit(run_command(lambda: main() is None, "demo"))
