"""Run a whole ClusterGCN job from Python: the same pipeline as `distgnn train`.

    python examples/python_api_job.py
"""
from distgnn.config import config_from_dict
from distgnn.jobs import run_job

config = {
    "job": "cluster_gcn",
    "data": {"generator": {"num_nodes": 3000, "num_blocks": 4, "num_val": 300, "num_test": 600},
             "num_parts": 8},
    "scaling": {"num_workers": 2},
    "run": {"epochs": 5, "dir": "runs/python_api"},
}
# dotted overrides work here too, exactly as `-p` on the command line
cfg = config_from_dict(config, ["model.hidden_channels=32", "run.lr=0.02"])
summary = run_job(cfg)
print("final metrics:", summary["final"])
