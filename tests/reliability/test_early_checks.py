"""Checks before any work, through the real command line: a size that cannot fit in memory is
one line naming memory needed and available; `distgnn inspect ... | head` ends quietly."""
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from distgnn.commands.preflight import available_bytes, partition_need

ROOT = Path(__file__).resolve().parents[2]
DISTGNN = [sys.executable, "-m", "distgnn.cli"]


def _run(args, cwd, **kw):
    return subprocess.run(DISTGNN + args, cwd=cwd, capture_output=True, text=True, timeout=120, **kw)


def _one_error_line(res, command):
    assert res.returncode == 2 and res.stdout == "", (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"distgnn {command}: error: "), res.stderr
    return lines[0]


def _gb_figures(line):
    """The two ``N.N GB`` figures of a memory message: needed, then available."""
    import re
    return [float(x) for x in re.findall(r"([\d.]+) GB", line)]


def test_num_nodes_beyond_memory_is_refused_before_any_work(tmp_path):
    np.save(tmp_path / "edges.npy", np.array([[0, 1], [1, 2]]))
    start = time.monotonic()
    res = _run(["partition", "edges.npy", "--num-nodes", "3000000000", "-k", "2", "-o", "g.zarr"],
               tmp_path)
    line = _one_error_line(res, "partition")
    assert "partitioning 3000000000 nodes" in line and "available on this machine" in line
    need, avail = _gb_figures(line)
    assert need == pytest.approx(partition_need("auto", 3 * 10**9, 0)[0] / 2**30, abs=0.1)
    assert avail < need and avail == pytest.approx(available_bytes() / 2**30, rel=0.5)
    assert time.monotonic() - start < 60
    assert sorted(os.listdir(tmp_path)) == ["edges.npy"]  # nothing written


def test_generator_beyond_memory_is_refused(tmp_path):
    line = _one_error_line(_run(["partition", "rmat:36", "-k", "2", "-o", "g.zarr"], tmp_path),
                           "partition")
    assert f"partitioning {1 << 36} nodes" in line
    line = _one_error_line(_run(["train", str(ROOT / "examples" / "configs" / "cluster_gcn.yaml"),
                                 "-p", "data.generator.num_nodes=3000000000", "-p", "run.dir=r"],
                                tmp_path), "train")
    assert "generating and partitioning 3000000000 nodes" in line and "GB are available" in line
    assert not (tmp_path / "r").exists()


def test_a_size_that_fits_is_not_refused(tmp_path):
    res = _run(["partition", "planted:300:3", "-k", "3", "-o", "g.zarr", "-q"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "wrote" in res.stdout


@pytest.mark.parametrize("reader", ["head -n 1", "true"])
def test_inspect_into_a_closed_pipe_ends_quietly(tmp_path, reader):
    """`| true` closes the pipe before inspect writes (a certain EPIPE); `| head` mid-output."""
    assert _run(["partition", "planted:300:3", "-k", "3", "-o", "g.zarr", "-q"], tmp_path).returncode == 0
    cmd = " ".join(DISTGNN + ["inspect", "g.zarr"])
    res = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd} 2>err.txt | {reader}"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, (res.returncode, (tmp_path / "err.txt").read_text())
    assert (tmp_path / "err.txt").read_text() == ""
    assert len(res.stdout.splitlines()) == (1 if reader.startswith("head") else 0)
