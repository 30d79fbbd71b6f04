"""The pieces of an exact resume, without Ray: a replica's random state round-trips through a
checkpoint directory, each rank gets its own back, a resumed metrics log keeps integer epochs,
and the console prints an epoch again when a resumed run runs it again."""
import logging
import random

import numpy as np
import pytest
import torch

from distgnn.distributed.checkpoint import read_checkpoint_dir, write_checkpoint_dir
from distgnn.distributed.replica_state import (REPLICAS_KEY, capture_replica_state,
                                               pop_replica_state, with_replica_states)
from distgnn.distributed.metrics import MetricsSink, read_metrics
from distgnn.jobs.progress import Console


def _draws():
    return (torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)])


def _seed(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def test_each_rank_gets_its_own_random_state_back(tmp_path):
    states, expected = [], []
    for rank in range(2):  # two replicas whose generators have drifted apart
        _seed(rank)
        _draws()
        states.append(capture_replica_state({"epoch_sums": {"loss_sum": 1.5 + rank}}))
        expected.append(_draws())
    write_checkpoint_dir(str(tmp_path / "c"), with_replica_states({"step": 4}, states))
    for rank in (1, 0):
        _seed(99)
        state = read_checkpoint_dir(str(tmp_path / "c"))  # weights_only=True reads it
        pop_replica_state(state, rank, 2)
        assert state == {"step": 4, "replica": {"epoch_sums": {"loss_sum": 1.5 + rank}}}
        assert _draws() == expected[rank]


def test_another_number_of_replicas_restores_nothing(caplog):
    _seed(3)
    state = with_replica_states({"step": 1}, [capture_replica_state()])
    _seed(4)
    before = torch.get_rng_state()
    with caplog.at_level(logging.WARNING):
        pop_replica_state(state, 0, 2)
    assert torch.equal(torch.get_rng_state(), before) and state == {"step": 1, "replica": {}}
    assert "written by 1 replica(s), resumed on 2" in caplog.text
    with pytest.raises(ValueError, match=REPLICAS_KEY):
        with_replica_states({REPLICAS_KEY: 1}, [])


def test_resumed_metrics_keep_integer_epochs_and_replayed_epochs_are_printed(tmp_path, capsys):
    sink = MetricsSink(str(tmp_path))
    for epoch in range(3):
        sink.record({"epoch": epoch, "train_loss": 1.0 / (epoch + 1)})
    sink.close()
    with Console(str(tmp_path), lambda row: f"line {int(row['epoch'])} {row['train_loss']}",
                 poll_s=0.01):
        resumed = MetricsSink(str(tmp_path))               # resumed from epoch 1's start
        resumed.record({"epoch": 1, "train_loss": 0.5})     # the same row: not printed again
        resumed.record({"epoch": 2, "train_loss": 0.25})    # epoch 2 run again: printed
        resumed.close()
    assert capsys.readouterr().out.splitlines() == ["line 2 0.25"]
    text = (tmp_path / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in text] == ["epoch", "0", "1", "2"]
    assert [r["train_loss"] for r in read_metrics(str(tmp_path / "metrics.csv"))] == [1.0, 0.5, 0.25]
