"""Atomic checksummed checkpoints, fallback past damage, weights_only loading, the one-process Trainer."""
import json
import logging
import os
import time

import crc32c
import pytest
import torch

from distgnn.distributed import (CheckpointError, RunConfig, ScalingConfig, ShardedEmbedding,
                                 SyncConfig, Trainer, TrainingFailedError, get_context,
                                 latest_checkpoint, load_checkpoint, prepare_model,
                                 save_checkpoint)
from distgnn.distributed.checkpoint import is_complete, verify_checkpoint, write_checkpoint_dir
from distgnn.distributed.metrics import read_rows


def test_roundtrip_with_embedding_shards(tmp_path):
    emb = ShardedEmbedding(30, 4, num_shards=3, optimizer="adagrad", lr=0.1, backend="local")
    emb.pull(torch.tensor([1, 2, 29])).sum().backward()
    emb.push()
    state = {"model": {"w": torch.arange(3.0)}, "epoch": 2, "rng": torch.get_rng_state()}
    path = save_checkpoint(str(tmp_path), state, step=7, embeddings={"node": emb})
    before = emb.weight()
    emb.pull(torch.tensor([1])).sum().backward()
    emb.push()
    fresh = ShardedEmbedding(30, 4, num_shards=3, optimizer="adagrad", lr=0.1, backend="local")
    out = load_checkpoint(str(tmp_path), embeddings={"node": fresh})
    assert os.path.basename(path) == "checkpoint_00000007"
    assert out["epoch"] == 2 and torch.equal(out["model"]["w"], torch.arange(3.0))
    assert torch.equal(fresh.weight(), before) and fresh.step == 1


def test_interrupted_write_leaves_previous_checkpoint(tmp_path):
    save_checkpoint(str(tmp_path), {"step": 1}, step=1)

    class Boom:
        def save(self, directory):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(str(tmp_path), {"step": 2}, step=2, embeddings={"e": Boom()})
    # a torn directory without a manifest (a crash, not an exception) is skipped too
    write_checkpoint_dir(str(tmp_path / "checkpoint_00000003"), {"step": 3})
    os.remove(tmp_path / "checkpoint_00000003" / "MANIFEST.json")
    assert latest_checkpoint(str(tmp_path)).endswith("checkpoint_00000001")
    assert load_checkpoint(str(tmp_path))["step"] == 1
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_00000001", "checkpoint_00000003"]
    with pytest.raises(CheckpointError, match="MANIFEST.json is missing"):
        load_checkpoint(str(tmp_path / "checkpoint_00000003"))
    # a copy that stopped half-way (manifest there, a file short) is not complete either
    path = save_checkpoint(str(tmp_path), {"step": 4, "w": torch.zeros(100)}, step=4)
    with open(os.path.join(path, "state.pt"), "r+b") as f:
        f.truncate(10)
    assert load_checkpoint(str(tmp_path))["step"] == 1
    with pytest.raises(CheckpointError, match="missing or truncated"):
        load_checkpoint(path)


class Evil:
    """Stands for any class a pickle could name (and run code of) on load."""


def test_loading_refuses_arbitrary_objects(tmp_path):
    write_checkpoint_dir(str(tmp_path / "c"), {"obj": Evil()})
    with pytest.raises(Exception, match="[Ww]eights.only|Unsupported global"):
        load_checkpoint(str(tmp_path / "c"))


def test_keep_prunes_old_checkpoints(tmp_path):
    for s in range(4):
        save_checkpoint(str(tmp_path), {"s": s}, step=s, keep=2)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint_00000002", "checkpoint_00000003"]


def _train_fn(config):
    ctx = get_context()
    torch.manual_seed(0)
    model = prepare_model(torch.nn.Linear(3, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    state = ctx.load_checkpoint()
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start = state["step"]
    x = torch.ones(4, 3)
    for step in range(start, config["steps"]):
        if step == config.get("fail_at") and os.environ.get("DISTGNN_TEST_FAILED") is None:
            os.environ["DISTGNN_TEST_FAILED"] = "1"
            raise RuntimeError("injected failure")
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
        ctx.report({"step": step, "resumed": start}, checkpoint={
            "model": model.state_dict(), "optimizer": opt.state_dict(), "step": step + 1})
    return [p.detach().clone() for p in model.parameters()]


def test_local_trainer_resumes_after_failure(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTGNN_TEST_FAILED", raising=False)
    run = RunConfig(dir=str(tmp_path / "lin"), max_failures=1)
    res = Trainer(_train_fn, {"steps": 5, "fail_at": 3}, run=run).fit()
    assert [h["step"] for h in res.history] == [0, 1, 2, 3, 4]
    assert [h["resumed"] for h in res.history] == [0, 0, 0, 3, 3]
    monkeypatch.delenv("DISTGNN_TEST_FAILED")
    clean = Trainer(_train_fn, {"steps": 5}, run=RunConfig(dir=str(tmp_path / "clean"))).fit()
    assert all(torch.equal(a, b) for a, b in zip(res.return_value, clean.return_value))
    assert res.checkpoint.endswith("checkpoint_00000005")
    assert sorted(os.listdir(res.path)) == ["checkpoint_00000004", "checkpoint_00000005",
                                            "metrics.jsonl"]


def _epoch_fn(config):
    ctx = get_context()
    state = ctx.load_checkpoint()
    start = state["epoch"] if state is not None else 0
    for epoch in range(start, 3):
        ctx.report({"epoch": epoch, "step": 1}, checkpoint={"epoch": epoch}, row=False)
        if epoch == 1 and state is None:
            raise RuntimeError("injected failure")
        ctx.report({"epoch": epoch, "loss": 1.0 / (epoch + 1) + (0.5 if state else 0.0)})


def test_trainer_rows_are_one_per_epoch_and_the_history_keeps_every_report(tmp_path):
    res = Trainer(_epoch_fn, {}, run=RunConfig(dir=str(tmp_path / "e"), max_failures=1)).fit()
    assert [(h["epoch"], "loss" in h) for h in res.history] == [
        (0, False), (0, True), (1, False), (1, False), (1, True), (2, False), (2, True)]
    assert res.rows == read_rows(res.path)
    assert [r["epoch"] for r in res.rows] == [0, 1, 2]  # mid-epoch reports are no rows
    assert res.rows[0]["loss"] == 1.0 and res.rows[1]["loss"] == 1.0  # epoch 1 from the resumed attempt


def test_local_trainer_gives_up_after_max_failures(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTGNN_TEST_FAILED", raising=False)
    run = RunConfig(dir=str(tmp_path / "x"), max_failures=0)
    with pytest.raises(TrainingFailedError, match="injected failure"):
        Trainer(_train_fn, {"steps": 5, "fail_at": 1}, run=run).fit()


def test_config_errors_say_how_to_fix():
    with pytest.raises(ValueError, match=r"scaling.num_workers: expected a value >= 1, got 0"):
        ScalingConfig(num_workers=0)
    with pytest.raises(ValueError, match="scaling.mode: 'local' runs one replica"):
        ScalingConfig(num_workers=2, mode="local")
    with pytest.raises(ValueError, match="sync.backend: expected one of auto, gloo, nccl"):
        SyncConfig(backend="mpi")
    with pytest.raises(ValueError, match="run.max_failures"):
        RunConfig(max_failures=-2)
    with pytest.raises(TypeError, match="scaling must be a distgnn.distributed.ScalingConfig"):
        Trainer(lambda: None, scaling={"num_workers": 2})
    with pytest.raises(RuntimeError, match="only available inside a train function"):
        get_context()


def _damage(path: str) -> None:
    """Overwrite ``path`` in place with garbage of the same size (a later, separate write)."""
    time.sleep(0.02)  # a real corruption comes long after the checkpoint was checked
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(bytes((i * 37 + 11) % 256 for i in range(size)))


def test_manifest_holds_each_files_crc32c(tmp_path):
    emb = ShardedEmbedding(10, 2, num_shards=2, optimizer="sgd", lr=0.1, backend="local")
    path = save_checkpoint(str(tmp_path), {"w": torch.ones(5)}, step=0, embeddings={"e": emb})
    with open(os.path.join(path, "MANIFEST.json")) as f:
        manifest = json.load(f)
    files = sorted(os.path.relpath(os.path.join(r, n), path) for r, _, ns in os.walk(path)
                   for n in ns if n != "MANIFEST.json")
    assert sorted(manifest["crc32c"]) == files and len(files) == 4  # state, meta, 2 shards
    for rel in files:
        with open(os.path.join(path, rel), "rb") as f:
            assert manifest["crc32c"][rel] == f"{crc32c.crc32c(f.read()):08x}"
    verify_checkpoint(path)


def test_damaged_latest_falls_back_to_previous_with_a_warning(tmp_path, caplog):
    save_checkpoint(str(tmp_path), {"step": 1, "w": torch.zeros(50)}, step=1)
    newest = save_checkpoint(str(tmp_path), {"step": 2, "w": torch.ones(50)}, step=2)
    assert load_checkpoint(str(tmp_path))["step"] == 2
    _damage(os.path.join(newest, "state.pt"))
    assert is_complete(newest)  # same size: only the checksum tells
    with caplog.at_level(logging.WARNING, logger="distgnn.distributed.checkpoint"):
        assert latest_checkpoint(str(tmp_path)).endswith("checkpoint_00000001")
        assert load_checkpoint(str(tmp_path))["step"] == 1
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "checkpoint_00000002" in warned[0] and "state.pt" in warned[0] \
        and "falling back" in warned[0]
    with pytest.raises(CheckpointError, match="state.pt is damaged: its crc32c"):
        load_checkpoint(newest)


def test_damaged_embedding_shard_falls_back(tmp_path):
    emb = ShardedEmbedding(12, 3, num_shards=2, optimizer="adagrad", lr=0.1, backend="local")
    save_checkpoint(str(tmp_path), {"step": 1}, step=1, embeddings={"e": emb})
    before = emb.weight()
    emb.pull(torch.tensor([0, 7])).sum().backward()
    emb.push()
    newest = save_checkpoint(str(tmp_path), {"step": 2}, step=2, embeddings={"e": emb})
    shard = sorted(os.listdir(os.path.join(newest, "embeddings", "e")))[1]
    _damage(os.path.join(newest, "embeddings", "e", shard))
    fresh = ShardedEmbedding(12, 3, num_shards=2, optimizer="adagrad", lr=0.1, backend="local")
    assert load_checkpoint(str(tmp_path), embeddings={"e": fresh})["step"] == 1
    assert torch.equal(fresh.weight(), before)


@pytest.mark.parametrize("how", ["manifests_deleted", "all_damaged"])
def test_no_usable_checkpoint_says_how_to_start_afresh(tmp_path, how):
    paths = [save_checkpoint(str(tmp_path), {"step": s}, step=s) for s in (1, 2)]
    for p in paths:
        if how == "manifests_deleted":
            os.remove(os.path.join(p, "MANIFEST.json"))
        else:
            _damage(os.path.join(p, "state.pt"))
    before = {n: sorted(os.listdir(tmp_path / n)) for n in os.listdir(tmp_path)}
    for call in (latest_checkpoint, load_checkpoint):
        with pytest.raises(CheckpointError) as err:
            call(str(tmp_path))
        msg = str(err.value)
        assert "holds no usable checkpoint" in msg and "To start afresh" in msg \
            and "-p run.dir=" in msg
        assert "checkpoint_00000001: " in msg and "checkpoint_00000002: " in msg
        assert ("MANIFEST.json is missing" if how == "manifests_deleted" else "crc32c") in msg
    assert {n: sorted(os.listdir(tmp_path / n)) for n in os.listdir(tmp_path)} == before


def test_checkpoints_gone_from_ray_snapshot_are_reported(tmp_path):
    """Ray Train refuses to start when its snapshot lists checkpoints that were removed."""
    snapshot = {"checkpoint_results": [{"checkpoint_dir_name": "checkpoint_2026-01-01_00-00-00.1"}]}
    (tmp_path / "checkpoint_manager_snapshot.json").write_text(json.dumps(snapshot))
    with pytest.raises(CheckpointError, match="checkpoint_2026-01-01_00-00-00.1: removed"):
        latest_checkpoint(str(tmp_path))
    assert latest_checkpoint(str(tmp_path / "fresh")) is None  # nothing there: a fresh start


def test_format_1_checkpoints_without_checksums_still_load(tmp_path):
    path = save_checkpoint(str(tmp_path), {"step": 5}, step=5)
    manifest_path = os.path.join(path, "MANIFEST.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    manifest["format_version"] = 1
    del manifest["crc32c"]
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)
    assert load_checkpoint(str(tmp_path))["step"] == 5
    manifest["format_version"] = 7
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)
    with pytest.raises(CheckpointError, match="format_version 7"):
        load_checkpoint(path)


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.parametrize("workers", [1, 2])
def test_train_resumes_past_a_damaged_checkpoint_and_says_when_none_is_usable(suite_ray, tmp_path,
                                                                             capfd, caplog, workers):
    """Through the command line, in this process and on Ray Train workers: the damaged newest
    checkpoint is skipped with a warning; with every manifest gone (Ray Train's own record of the
    checkpoints still there), one line says so and how to start afresh."""
    import glob

    from distgnn.cli import main

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    small = ["data.generator.num_nodes=300", "data.generator.num_blocks=3",
             "data.generator.num_features=8", "data.generator.train_per_class=10",
             "data.generator.num_val=30", "data.generator.num_test=60", "data.num_parts=3",
             "model.hidden_channels=8", f"scaling.num_workers={workers}", "run.progress=false",
             f"run.dir={tmp_path / 'run'}"]

    def train(*extra):
        argv = ["train", os.path.join(root, "examples", "configs", "cluster_gcn.yaml")]
        for o in small + list(extra):
            argv += ["-p", o]
        capfd.readouterr()
        code = main(argv)
        return code, capfd.readouterr().err

    assert train("run.epochs=2")[0] == 0
    ckpts = sorted(p for p in glob.glob(str(tmp_path / "run" / "checkpoint_*")) if os.path.isdir(p))
    assert len(ckpts) == 2
    _damage(os.path.join(ckpts[-1], "state.pt"))
    with caplog.at_level(logging.WARNING, logger="distgnn.distributed.checkpoint"):
        code, err = train("run.epochs=3", "run.resume=true")
    assert code == 0, err
    warned = err + caplog.text  # a warning on stderr (caught by pytest's handler when in-process)
    with open(tmp_path / "run" / "metrics.jsonl") as f:
        rows = [json.loads(line) for line in f]
    assert [r["epoch"] for r in rows] == [0, 1, 1, 2]  # epoch 2 again, from epoch 1's checkpoint
    if workers == 1:  # one replica in this process is deterministic
        assert rows[2]["train_loss"] == pytest.approx(rows[1]["train_loss"], rel=1e-5)
    assert f"checkpoint {ckpts[-1]} is damaged (state.pt is damaged" in warned
    assert "falling back to the previous checkpoint" in warned
    for path in glob.glob(str(tmp_path / "run" / "checkpoint_*" / "MANIFEST.json")):
        os.remove(path)
    code, err = train("run.epochs=4", "run.resume=true")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "holds no usable checkpoint" in lines[0] and "To start afresh" in lines[0]
    assert os.path.isfile(tmp_path / "run" / "error.log")
