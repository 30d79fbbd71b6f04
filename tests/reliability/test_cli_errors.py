"""The command line ends bad input and OS failures with one line naming the path and the fix."""
import os
import subprocess
import sys

import numpy as np
import pytest
import pyarrow as pa
import pyarrow.parquet as pq

from distgnn.cli import main


def _edges(tmp_path, n=100):
    rng = np.random.default_rng(0)
    ei = rng.integers(0, n, (2, 400))
    ei[:, 0] = (0, n - 1)
    pq.write_table(pa.table({"src": ei[0], "dst": ei[1]}), tmp_path / "e.parquet")
    return str(tmp_path / "e.parquet")


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_mask_named_twice_is_refused(tmp_path, capsys):
    inp = _edges(tmp_path)
    np.save(tmp_path / "a.npy", np.arange(100) % 2 == 0)
    np.save(tmp_path / "b.npy", np.arange(100) % 3 == 0)
    rc = main(["partition", inp, "-k", "2", "-o", str(tmp_path / "g.zarr"), "-q",
               "--masks", f"train={tmp_path / 'a.npy'}", "--masks", f"train={tmp_path / 'b.npy'}"])
    assert rc == 2 and "each mask name once, got 'train' twice" in _one_error_line(capsys)
    assert not (tmp_path / "g.zarr").exists()


def test_out_of_range_labels_are_refused_before_writing(tmp_path, capsys):
    inp = _edges(tmp_path)
    y = np.zeros(100, np.int64)
    y[3] = 10 ** 12
    np.save(tmp_path / "y.npy", y)
    rc = main(["partition", inp, "-k", "2", "-o", str(tmp_path / "g.zarr"), "-q", "--labels",
               str(tmp_path / "y.npy")])
    line = _one_error_line(capsys)
    assert rc == 2 and "labels must be class indices in [0, 2**31), got 1000000000000 (node 3)" in line
    assert sorted(os.listdir(tmp_path)) == ["e.parquet", "y.npy"]


def test_output_under_a_file_is_one_line(tmp_path, capsys):
    inp = _edges(tmp_path)
    (tmp_path / "file").write_text("x")
    rc = main(["partition", inp, "-k", "2", "-o", str(tmp_path / "file" / "g.zarr"), "-q"])
    assert rc == 2 and "parent directory of the store must exist" in _one_error_line(capsys)
    assert (tmp_path / "file").read_text() == "x"


def test_file_size_limit_is_one_line_and_leaves_no_store(tmp_path):
    inp = _edges(tmp_path, n=3000)
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000)); "
            "from distgnn.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code, "partition", inp, "-k", "2", "-o",
                           str(tmp_path / "g.zarr"), "-q", "--method", "random"],
                          capture_output=True, text=True, timeout=120)
    err = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(err) == 1, proc.stderr
    assert "file too large" in err[0] and "ulimit -f" in err[0]
    assert sorted(os.listdir(tmp_path)) == ["e.parquet"]


def test_an_edge_file_of_floats_is_one_line(tmp_path, capsys):
    pq.write_table(pa.table({"src": [0.0, 1.5], "dst": [1.0, 2.0]}), tmp_path / "e.parquet")
    rc = main(["partition", str(tmp_path / "e.parquet"), "-k", "2", "-o", str(tmp_path / "g.zarr"),
               "-q"])
    line = _one_error_line(capsys)
    assert rc == 2 and "edge list ids must be integers, got type double" in line
    assert sorted(os.listdir(tmp_path)) == ["e.parquet"]


def test_a_type_error_of_a_bug_keeps_its_traceback():
    from distgnn.commands.errors import run_command

    def buggy():
        return len(3)

    with pytest.raises(TypeError, match="has no len"):
        run_command(buggy, "train")
