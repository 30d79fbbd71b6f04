"""Config dataclasses, YAML loading, -p overrides, errors and `distgnn train --help`."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from distgnn.cli import main
from distgnn.config import (ConfigError, TrainConfig, config_to_dict, iter_keys, load_config,
                            save_config)

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


def test_defaults_and_yaml_values(tmp_path):
    cfg = load_config(_write(tmp_path, {"run": {"lr": "1e-3", "epochs": 3},
                                        "sampler": {"num_neighbors": [4, -1]}}))
    assert cfg.run.lr == pytest.approx(1e-3) and cfg.run.epochs == 3
    assert cfg.sampler.num_neighbors == [4, -1]
    assert cfg.model.hidden_channels == TrainConfig().model.hidden_channels


def test_overrides_parse_yaml_scalars_lists_and_indices():
    cfg = load_config(None, ["run.lr=0.5", "sampler.num_neighbors=[7,3]",
                             "sampler.num_neighbors[1]=2", "data.store=/tmp/x.zarr",
                             "scaling.use_gpu=false", "run.ray_address=null"])
    assert cfg.run.lr == 0.5 and cfg.sampler.num_neighbors == [7, 2]
    assert cfg.data.store == "/tmp/x.zarr" and cfg.run.ray_address is None


@pytest.mark.parametrize("override,key,words", [
    ("sampler.num_neighbors[1]=ten", "sampler.num_neighbors[1]", "expected an integer"),
    ("sampler.num_neighbors[1]=-3", "sampler.num_neighbors[1]", ">= 1 or -1"),
    ("sampler.num_neighbors[4]=3", "sampler.num_neighbors[4]", "index out of range"),
    ("sampler.num_neigbors=[1,2]", "sampler.num_neigbors", "did you mean 'num_neighbors'"),
    ("scaling.num_workers=0", "scaling.num_workers", ">= 1"),
    ("scaling.use_gpu=maybe", "scaling.use_gpu", "true or false"),
    ("job=gat", "job", "cluster_gcn, node2vec"),
    ("run.lr=fast", "run.lr", "expected a number"),
    ("data.num_parts=1", "data.num_parts", "at least one part"),
    ("sampler.parts_per_batch=9", "sampler.parts_per_batch", "at most 8"),
    ("sampler.num_neighbors=[5]", "sampler.num_neighbors", "one fan-out per layer"),
    ("model.dropout=1.0", "model.dropout", "below 1"),
    ("run.epochs", "run.epochs", "key=value"),
])
def test_errors_name_the_key_and_the_fix(override, key, words):
    with pytest.raises(ConfigError) as info:
        load_config(None, [override])
    message = str(info.value)
    assert message.startswith(key + ":") and words in message
    assert ";" in message  # a fix follows the problem


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


def test_save_and_reload_round_trip(tmp_path):
    cfg = load_config(None, ["run.epochs=7", "model.p=0.5"])
    save_config(cfg, str(tmp_path / "c.yaml"))
    again = load_config(str(tmp_path / "c.yaml"))
    assert config_to_dict(again) == config_to_dict(cfg)


def test_every_key_has_help():
    keys = list(iter_keys())
    assert {"sampler.num_neighbors", "scaling.num_workers", "run.epochs", "run.resume",
            "data.store", "data.input", "data.generator.name", "sync.mode"} <= {k for k, *_ in keys}
    assert all(help_text for _, _, _, help_text in keys)


def test_train_help_lists_the_keys():
    out = subprocess.run([sys.executable, "-m", "distgnn.cli", "train", "--help"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    for key, *_ in iter_keys():
        assert key in out
    assert "-p KEY=VALUE" in out and "--resume" in out


def test_cli_exit_code_2_on_bad_key(capsys):
    code = main(["train", str(EXAMPLES / "cluster_gcn.yaml"), "-p", "sampler.num_neighbors[1]=x"])
    assert code == 2
    assert "sampler.num_neighbors[1]: expected an integer" in capsys.readouterr().err


def test_cli_print_config(capsys):
    assert main(["train", str(EXAMPLES / "node2vec.yaml"), "--print-config", "--resume"]) == 0
    tree = yaml.safe_load(capsys.readouterr().out)
    assert tree["job"] == "node2vec" and tree["run"]["resume"] is True
