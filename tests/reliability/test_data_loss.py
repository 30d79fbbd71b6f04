"""distgnn deletes only what it wrote: a user's files survive every flag combination."""
import os

import pytest
import zarr

from distgnn.config import load_config
from distgnn.demo import main as demo_main
from distgnn.jobs import prepare_store
from distgnn.ownership import MARKER, OwnershipError, is_owned, mark_owned, remove_owned
from distgnn.partition import open_store, write_store
from distgnn.partition.store import remove_stale_temps

SMALL = ["data.generator.num_nodes=300", "data.generator.num_blocks=3", "data.generator.num_val=50",
         "data.generator.num_test=50", "data.generator.train_per_class=20", "data.num_parts=2",
         "data.method=random", "sampler.parts_per_batch=1"]
QUIET = dict(log=lambda *_: None)


def _user_dir(path):
    path.mkdir()
    (path / "precious.txt").write_text("the user's own data")
    return path / "precious.txt"


def test_overwrite_true_never_removes_a_user_directory(tmp_path):
    precious = _user_dir(tmp_path / "mine")
    cfg = load_config(None, SMALL + [f"run.dir={tmp_path / 'run'}", f"data.output={tmp_path / 'mine'}",
                                     "data.overwrite=true"])
    with pytest.raises(OwnershipError, match="non-store .*mine"):
        prepare_store(cfg, **QUIET)
    assert precious.read_text() == "the user's own data"


def test_a_users_zarr_group_is_not_a_partial_store(tmp_path):
    group = zarr.open_group(str(tmp_path / "theirs.zarr"), mode="w", zarr_format=3)
    group.create_array("a", shape=(3,), dtype="int32")
    group["a"][:] = [1, 2, 3]
    cfg = load_config(None, SMALL + [f"run.dir={tmp_path / 'run'}",
                                     f"data.output={tmp_path / 'theirs.zarr'}"])
    with pytest.raises(OwnershipError):
        prepare_store(cfg, **QUIET)
    assert zarr.open_group(str(tmp_path / "theirs.zarr"), mode="r")["a"][:].tolist() == [1, 2, 3]


def test_data_output_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    cfg = load_config(None, SMALL + [f"run.dir={tmp_path / 'run'}", f"data.output={tmp_path / 'f'}"])
    with pytest.raises(NotADirectoryError, match="is a file"):
        prepare_store(cfg, **QUIET)
    assert (tmp_path / "f").read_text() == "x"


def test_overwrite_replaces_a_store_distgnn_wrote(tmp_path):
    base = SMALL + [f"run.dir={tmp_path / 'run'}", f"data.output={tmp_path / 'g.zarr'}"]
    first = prepare_store(load_config(None, base), **QUIET)
    assert is_owned(first, "store") and open_store(first).num_parts == 2
    again = load_config(None, base + ["data.num_parts=3", "data.overwrite=true"])
    assert open_store(prepare_store(again, **QUIET)).num_parts == 3
    assert sorted(os.listdir(tmp_path)) == ["g.zarr"]  # no temporary stores left


def test_demo_refuses_a_directory_it_did_not_write(tmp_path):
    precious = _user_dir(tmp_path / "mine")
    with pytest.raises(OwnershipError, match="run.dir"):
        demo_main(["-p", f"run.dir={tmp_path / 'mine'}"])
    assert precious.read_text() == "the user's own data"


def test_remove_owned_checks_kind_and_fields(tmp_path):
    d = tmp_path / "d"
    mark_owned(str(d), "run", origin="job")
    (d / "metrics.csv").write_text("epoch\n")
    with pytest.raises(OwnershipError):
        remove_owned(str(d), "store", what="x")
    with pytest.raises(OwnershipError):
        remove_owned(str(d), "run", what="x", origin="demo")
    assert (d / "metrics.csv").exists()
    remove_owned(str(d), "run", what="x", origin="job")
    assert not d.exists()
    (tmp_path / "empty").mkdir()
    remove_owned(str(tmp_path / "empty"), "run", what="x")  # an empty directory holds nothing to lose
    assert not (tmp_path / "empty").exists()


def test_stale_temporary_stores_of_dead_writers_are_removed(tmp_path):
    import numpy as np

    dead = tmp_path / "g.zarr.tmp-deadbeef0000"
    mark_owned(str(dead), "store")
    (dead / MARKER).write_text('{"kind": "store", "pid": 999999999, "created": 0}')
    alive = tmp_path / "g.zarr.tmp-alive0000000"
    mark_owned(str(alive), "store")  # this process: still writing
    foreign = tmp_path / "g.zarr.tmp-foreign00000"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not ours")
    write_store(str(tmp_path / "g.zarr"), np.array([[0, 1], [1, 0]]), 2, np.array([0, 1]))
    assert not dead.exists() and alive.exists() and (foreign / "keep.txt").exists()
    remove_stale_temps(str(tmp_path / "g.zarr"))
    assert alive.exists()
