"""The Node2Vec job in one process: it learns, and a stopped run resumes exactly."""
from dataclasses import asdict

import pytest
import torch

from distgnn.data import Data, planted_partition_edge_index
from distgnn.distributed import RunConfig, Trainer
from distgnn.distributed.node2vec_job import Node2VecJobConfig, node2vec_train_fn

N = 120


def _data():
    return Data(edge_index=planted_partition_edge_index(N, 3, avg_degree=6.0, seed=0), num_nodes=N)


def _fit(tmp_path, name, **job):
    cfg = asdict(Node2VecJobConfig(embedding_dim=16, walk_length=8, context_size=4, batch_size=16,
                                   lr=0.05, num_shards=3, epochs=2, p=0.5, q=2.0, **job))
    return Trainer(node2vec_train_fn, {"job": cfg, "data": _data(), "return_embedding": True},
                   run=RunConfig(dir=str(tmp_path / name))).fit()


def test_stopped_run_resumes_to_the_same_table(tmp_path):
    full = _fit(tmp_path, "full", checkpoint_every=2)
    part = _fit(tmp_path, "part", checkpoint_every=2, max_steps=5)
    assert part.return_value["global_step"] == 5 and part.metrics["step"] == 5
    rest = _fit(tmp_path, "part", checkpoint_every=2)
    assert rest.return_value["global_step"] == full.return_value["global_step"] == 2 * 8
    torch.testing.assert_close(rest.return_value["embedding"], full.return_value["embedding"])
    first = full.history[0]["loss"]
    assert full.metrics["loss"] < first


def test_job_config_errors_say_how_to_fix():
    with pytest.raises(ValueError, match=r"node2vec.context_size must be in \[2, walk_length \+ 1 = 4\]"):
        Node2VecJobConfig(walk_length=3, context_size=9)
    with pytest.raises(ValueError, match="node2vec.batch_size must be an int >= 1, got 0"):
        Node2VecJobConfig(batch_size=0)
