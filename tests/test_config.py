"""Config sections, the job registry, YAML loading, -p overrides, errors and per-job --help."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from distgnn.cli import main
from distgnn.config import (ClusterGCNModel, ConfigError, Node2VecModel, RunConfig, ScalingConfig,
                            SyncConfig, TrainConfig, WalkSampler, config_to_dict, get_job,
                            iter_keys, job_names, load_config, register_job, save_config)
from distgnn.distributed import config as runtime

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "configs"


def _write(tmp_path, tree) -> str:
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(tree) if not isinstance(tree, str) else tree)
    return str(path)


@pytest.mark.parametrize("name,job", [("cluster_gcn", "cluster_gcn"), ("node2vec", "node2vec")])
def test_example_configs_load(name, job):
    cfg = load_config(str(EXAMPLES / f"{name}.yaml"), ["run.epochs=1", "scaling.num_workers=2"])
    assert cfg.job == job and cfg.run.epochs == 1 and cfg.scaling.num_workers == 2
    assert isinstance(cfg.model, get_job(job).model) and isinstance(cfg.sampler, get_job(job).sampler)


def test_runtime_sections_are_the_runtime_classes():
    cfg = load_config(None, ["run.max_failures=1", "run.keep_checkpoints=3",
                             "sync.remote_timeout_s=5", "sync.sparse_sync=false"])
    assert type(cfg.scaling) is runtime.ScalingConfig is ScalingConfig
    assert type(cfg.sync) is runtime.SyncConfig is SyncConfig
    assert type(cfg.run) is runtime.RunConfig is RunConfig
    assert cfg.run.max_failures == 1 and cfg.run.keep_checkpoints == 3
    assert cfg.sync.remote_timeout_s == 5.0 and cfg.sync.sparse_sync is False


def test_defaults_and_yaml_values(tmp_path):
    cfg = load_config(_write(tmp_path, {"run": {"lr": "1e-3", "epochs": 3},
                                        "model": {"hidden_channels": 8}}))
    assert cfg.run.lr == pytest.approx(1e-3) and cfg.run.epochs == 3
    assert cfg.model == ClusterGCNModel(hidden_channels=8)
    cfg = load_config(_write(tmp_path, {"job": "node2vec", "sampler": {"batch_size": 7}}))
    assert cfg.model == Node2VecModel() and cfg.sampler == WalkSampler(batch_size=7)


def test_overrides_parse_yaml_scalars_lists_and_indices():
    cfg = load_config(None, ["run.lr=0.5", "data.masks=[train=a.npy,test=b.npy]",
                             "data.masks[1]=val=c.npy", "data.input=/tmp/e.csv",
                             "scaling.use_gpu=false", "run.ray_address=null"])
    assert cfg.run.lr == 0.5 and cfg.data.masks == ["train=a.npy", "val=c.npy"]
    assert cfg.data.input == "/tmp/e.csv" and cfg.run.ray_address is None


def test_job_override_reads_the_sections_of_that_job(tmp_path):
    path = _write(tmp_path, {"job": "cluster_gcn", "model": {"hidden_channels": 8}})
    cfg = load_config(str(EXAMPLES / "node2vec.yaml"), ["job=node2vec", "model.p=0.5"])
    assert cfg.model.p == 0.5
    with pytest.raises(ConfigError, match=r"^model\.hidden_channels: not a key of job node2vec "
                                          r"\(it is a key of job cluster_gcn, graphsage\); set -p job=cluster_gcn"):
        load_config(path, ["job=node2vec"])


@pytest.mark.parametrize("override,key,words", [
    ("model.embedding_dim=16", "model.embedding_dim", "not a key of job cluster_gcn (it is a key of job node2vec)"),
    ("sampler.batch_size=16", "sampler.batch_size", "not a key of job cluster_gcn (it is a key of job graphsage, node2vec)"),
    ("sampler.num_neighbors=[10,5]", "sampler.num_neighbors", "not a key of job cluster_gcn"),
    ("sync.mode=allreduce", "sync.mode", "unknown key"),
    ("model.hidden_channel=3", "model.hidden_channel", "did you mean 'hidden_channels'"),
    ("scaling.num_workers=0", "scaling.num_workers", ">= 1"),
    ("scaling.use_gpu=maybe", "scaling.use_gpu", "true or false"),
    ("job=gat", "job", "cluster_gcn, graphsage, node2vec"),
    ("run.lr=fast", "run.lr", "expected a finite number"),
    ("run.lr=0", "run.lr", "expected a value > 0, got 0.0"),
    ("run.lr=nan", "run.lr", "expected a finite number, got nan"),
    ("run.lr=inf", "run.lr", "expected a finite number, got inf"),
    ("run.lr=-.inf", "run.lr", "expected a finite number, got -inf"),
    ("model.dropout=nan", "model.dropout", "expected a finite number, got nan"),
    ("model.dropout=1.0", "model.dropout", "expected a value < 1"),
    ("run.max_failures=-2", "run.max_failures", ">= 0 or -1"),
    ("sync.remote_timeout_s=0", "sync.remote_timeout_s", "> 0"),
    ("data.num_parts=1", "data.num_parts", "at least one part"),
    ("sampler.parts_per_batch=17", "sampler.parts_per_batch", "at most 16"),
    ("data.masks=[train]", "data.masks[0]", "expected NAME=PATH"),
    ("run.epochs", "run.epochs", "key=value"),
])
def test_errors_name_the_key_and_the_fix(override, key, words):
    extra = ["scaling.num_workers=2"] if key == "data.num_parts" else []
    if key == "data.masks[0]":
        extra = ["data.input=e.csv"]
    with pytest.raises(ConfigError) as info:
        load_config(None, [override] + extra)
    message = str(info.value)
    assert message.startswith(key + ":") and words in message, message
    assert ";" in message  # a fix follows the problem


def test_node2vec_rules():
    with pytest.raises(ConfigError, match=r"^model\.context_size: 30 exceeds model\.walk_length \+ 1 = 21"):
        load_config(None, ["job=node2vec", "model.context_size=30"])
    with pytest.raises(ConfigError, match=r"^model\.context_size: expected a value >= 2"):
        load_config(None, ["job=node2vec", "model.context_size=1"])
    with pytest.raises(ConfigError, match=r"^model\.p: expected a value > 0"):
        Node2VecModel(p=0.0)
    assert load_config(None, ["job=node2vec", "model.walk_length=3", "model.context_size=4"])
    with pytest.raises(ConfigError, match=r"^model\.table_dtype: float16 needs model\.optimizer=sgns, "
                                          r"got sparse_adam.*set model\.table_dtype=float32"):
        load_config(None, ["job=node2vec", "model.optimizer=sparse_adam", "model.table_dtype=float16"])
    with pytest.raises(ConfigError, match=r"^model\.table_dtype: expected one of"):
        load_config(None, ["job=node2vec", "model.table_dtype=bfloat16"])


def test_mask_named_twice_and_node_files_without_input():
    with pytest.raises(ConfigError, match=r"data\.masks\[1\]: mask 'train' is named twice"):
        load_config(None, ["data.input=e.csv", "data.masks=[train=a.npy,train=b.npy]"])
    with pytest.raises(ConfigError, match="data.labels: node data files go with an edge file"):
        load_config(None, ["data.labels=y.npy"])


def test_python_api_sections_are_checked_the_same_way():
    with pytest.raises(ConfigError, match="^run.lr: expected a finite number, got nan"):
        RunConfig(lr=float("nan"))
    with pytest.raises(ConfigError, match="^model: job node2vec takes a Node2VecModel section"):
        TrainConfig(job="node2vec", model=ClusterGCNModel())


def test_yaml_errors_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"^model\.hidden_channels: expected an integer"):
        load_config(_write(tmp_path, {"model": {"hidden_channels": 1.5}}))
    with pytest.raises(ConfigError, match=r"^modle: unknown key; did you mean 'model'"):
        load_config(_write(tmp_path, {"modle": {}}))
    with pytest.raises(ConfigError, match=r"^data\.generator: expected a mapping"):
        load_config(_write(tmp_path, {"data": {"generator": 3}}))
    with pytest.raises(ConfigError, match="data.store and data.input are both set"):
        load_config(_write(tmp_path, {"data": {"store": "a", "input": "b"}}))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(_write(tmp_path, "run: [1, 2\n"))
    with pytest.raises(FileNotFoundError, match="not found"):
        load_config(str(tmp_path / "missing.yaml"))


def test_config_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"run: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ConfigError):
        load_config(_write(tmp_path, text))
    assert not marker.exists()


@pytest.mark.parametrize("job", ["cluster_gcn", "node2vec"])
def test_save_and_reload_round_trip(tmp_path, job):
    cfg = load_config(None, [f"job={job}", "run.epochs=7", "run.max_steps=3"])
    save_config(cfg, str(tmp_path / "c.yaml"))
    again = load_config(str(tmp_path / "c.yaml"))
    assert config_to_dict(again) == config_to_dict(cfg) and again == cfg


def test_every_key_has_help_and_keys_are_per_job():
    assert job_names() == ["cluster_gcn", "graphsage", "node2vec"]
    gcn = {k for k, *_ in iter_keys("cluster_gcn")}
    n2v = {k for k, *_ in iter_keys("node2vec")}
    common = {"scaling.num_workers", "run.epochs", "run.max_failures", "run.keep_checkpoints",
              "sync.remote_timeout_s", "data.store", "data.input", "data.masks", "data.generator.name"}
    assert common <= gcn & n2v
    assert {"model.hidden_channels", "sampler.parts_per_batch"} <= gcn - n2v
    assert {"model.embedding_dim", "sampler.batch_size"} <= n2v - gcn
    assert "sync.mode" not in gcn | n2v and "sampler.num_neighbors" not in gcn | n2v
    for job in job_names():
        assert all(help_text for _, _, _, help_text in iter_keys(job))


def test_train_help_lists_the_keys_of_the_job():
    def helptext(*args):
        return subprocess.run([sys.executable, "-m", "distgnn.cli", "train", "--help", *args],
                              capture_output=True, text=True, cwd=ROOT, check=True).stdout

    out = helptext("--job", "node2vec")
    assert "config keys of job node2vec" in out and "-p KEY=VALUE" in out and "--resume" in out
    for key, *_ in iter_keys("node2vec"):
        assert f"  {key} " in out
    assert "  model.hidden_channels " not in out
    out = helptext()
    assert "config keys of job cluster_gcn" in out and "  model.embedding_dim " not in out
    assert "model.embedding_dim" in helptext(str(EXAMPLES / "node2vec.yaml"))
    jobs = out[out.index("jobs (job: NAME):"):out.index("examples:")]
    assert jobs.count("defaults, measured: test accuracy") == len(job_names())


def test_a_second_registration_of_a_job_is_refused():
    spec = get_job("graphsage")
    with pytest.raises(ValueError, match=r"job 'graphsage' is already registered .*pick another"):
        register_job(spec)
    assert get_job("graphsage") is spec


def test_cli_exit_code_2_on_a_key_of_another_job(capsys):
    code = main(["train", str(EXAMPLES / "cluster_gcn.yaml"), "-p", "model.walk_length=5"])
    assert code == 2
    err = capsys.readouterr().err
    assert "model.walk_length: not a key of job cluster_gcn (it is a key of job node2vec)" in err


def test_cli_print_config(capsys):
    assert main(["train", str(EXAMPLES / "node2vec.yaml"), "--print-config", "--resume"]) == 0
    tree = yaml.safe_load(capsys.readouterr().out)
    assert tree["job"] == "node2vec" and tree["run"]["resume"] is True
    assert "embedding_dim" in tree["model"] and "hidden_channels" not in tree["model"]


def test_train_without_a_config_file_takes_the_job_defaults(capsys):
    assert main(["train", "-p", "job=node2vec", "--print-config"]) == 0
    tree = yaml.safe_load(capsys.readouterr().out)
    assert tree["job"] == "node2vec" and tree["model"]["optimizer"] == "sgns"
    assert (tree["run"]["epochs"], tree["run"]["lr"]) == (8, 0.1)
    assert tree["data"]["generator"]["name"] == "planted_partition"


@pytest.mark.parametrize("rule,expected", [("sqrt", 0.02), ("linear", 0.04), ("none", 0.01)])
def test_learning_rate_grows_with_the_replicas_by_the_chosen_rule(rule, expected):
    run = RunConfig(lr=0.01, lr_scaling=rule)
    assert run.scaled_lr(1) == pytest.approx(0.01)
    assert run.scaled_lr(4) == pytest.approx(expected)


def test_unknown_learning_rate_rule_is_named_with_the_choices():
    with pytest.raises(ValueError, match=r"^run\.lr_scaling: expected one of sqrt, linear, "
                                         r"none, got 'cubic'; .* -p run\.lr_scaling=sqrt"):
        RunConfig(lr_scaling="cubic")


def test_train_partition_methods_are_partition_graphs():
    from distgnn.config.sections import PARTITION_METHODS
    from distgnn.partition import METHODS
    assert PARTITION_METHODS == METHODS
