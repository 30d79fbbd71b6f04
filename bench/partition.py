"""Partitioning bench: distgnn metis, KaMinPar (default / terapart), stream and METIS (pymetis), side by side.

Each graph is generated and ingested once into an on-disk CSR (R-MAT and
planted: raw samples symmetrised, deduplicated, without self loops). Each
(graph, k, tool) then runs in its own child process that opens the CSR
memory-mapped and partitions it; reported: wall time of the partitioning call,
peak memory and the cut and balance. Peak memory is measured three ways:
machine-wide (the largest drop of ``MemAvailable`` in /proc/meminfo below its
value at the child's start, sampled every 50 ms: all processes, other users of
the machine included) and the child's peak RSS (getrusage of the child, which
counts touched pages of the memory-mapped CSR) and the child's largest RssAnon
(its private memory without mapped file pages, sampled every 50 ms: the figure
that other processes on a shared machine do not disturb). pymetis is handed an in-memory
CSR copied from the on-disk one (its copy is part of its memory) and runs only up
to ``--pymetis-max-scale``. Usage::

    python bench/partition.py --quick                       # planted and rmat17, k=16
    python bench/partition.py                               # planted, rmat17, rmat20, rmat22 at k=16
    python bench/partition.py --graphs rmat20 --tools metis kaminpar
    python bench/partition.py --graphs planted4m rmat22 --ks 64 --tools kaminpar out_of_core stream
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

GRAPHS = {"planted": "planted:100000:16:20", "rmat17": "rmat:17", "rmat20": "rmat:20", "rmat22": "rmat:22", "rmat24": "rmat:24",
          "planted4m": "planted:4194304:16:32", "grid": "grid:1000:1000"}
TOOLS = ("metis", "kaminpar", "kaminpar-terapart", "out_of_core", "stream", "pymetis")

CHILD = r"""
import json, resource, sys, time
import numpy as np
from distgnn.partition.disk_csr import DiskCSR
from distgnn.partition.graph import edge_cut, graph_from_disk_csr, imbalance
path, k, tool, ooc_gb = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
csr = DiskCSR.open(path)
g = graph_from_disk_csr(csr)
if tool == "pymetis":
    import pymetis
    t = time.perf_counter()
    adj = pymetis.CSRAdjacency(np.asarray(csr.rowptr), np.asarray(csr.col))
    _, part = pymetis.part_graph(k, adjacency=adj)
    dt = time.perf_counter() - t
    part = np.asarray(part, np.int64)
else:
    from distgnn.partition import partition_graph
    opts = {}
    method = tool
    if tool.startswith("kaminpar"):
        method, opts = "kaminpar", {"context": "terapart" if tool.endswith("terapart") else "default"}
    if tool == "out_of_core":
        from distgnn.partition.api import estimate_bytes
        budget = ooc_gb if ooc_gb > 0 else estimate_bytes("kaminpar", csr.num_nodes, csr.num_edges) / 3 / 2**30
        opts = {"memory_gb": budget}
        print(f"out_of_core budget {budget:.2f} GB", flush=True)
    t = time.perf_counter(); part = partition_graph(csr, None, k, method=method, **opts).numpy()
    dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"time": dt, "rss_mb": rss / 1024, "n": csr.num_nodes, "m": csr.num_edges // 2,
                  "cut": int(edge_cut(g, part)), "balance": float(imbalance(g.vwgt, part, k)[0])}))
"""

WARM = r"""
import numpy as np, sys
from distgnn.partition import partition_graph
from distgnn.partition.disk_csr import build_disk_csr
from distgnn.data.generators import grid_edge_index
import tempfile, os
d = tempfile.mkdtemp()
c = build_disk_csr([grid_edge_index(30, 30).numpy()], 900, os.path.join(d, "c"))
for m in ("metis", "stream"):
    partition_graph(c, None, 16, method=m)
"""


def mem_available() -> int:
    """MemAvailable of /proc/meminfo in bytes."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def rss_anon(pid: int) -> int:
    """RssAnon of process ``pid`` in bytes (its private memory, without mapped file pages); 0 once gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class MachinePeak:
    """Largest drop of MemAvailable below its value at start, sampled in a thread (all processes),
    and the largest RssAnon of the process ``pid`` once it is set."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.base, self.low = interval, mem_available(), mem_available()
        self.pid, self.anon = None, 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.low = min(self.low, mem_available())
            if self.pid is not None:
                self.anon = max(self.anon, rss_anon(self.pid))
            time.sleep(self.interval)

    def __enter__(self) -> "MachinePeak":
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
        self.low = min(self.low, mem_available())

    @property
    def peak_gb(self) -> float:
        return max(self.base - self.low, 0) / 2**30


def run_child(code: str, *args: str) -> dict:
    """Run ``code`` in a child Python; returns its last JSON line plus ``machine_gb`` and ``anon_gb``
    (the child's largest private memory, sampled) (or ``error``)."""
    with MachinePeak() as peak:
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        peak.pid = proc.pid
        stdout, stderr = proc.communicate()
    if proc.returncode:
        lines = stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"rc {proc.returncode}"}
    lines = stdout.strip().splitlines()
    res = json.loads(lines[-1])
    res["machine_gb"] = peak.peak_gb
    res["anon_gb"] = peak.anon / 2**30
    res["log"] = lines[:-1]  # what the child printed before its result
    return res


def build_graph(spec: str, where: str) -> str:
    from distgnn.partition.build_csr import ingest

    path = os.path.join(where, spec.replace(":", "_"))
    if not os.path.exists(path):
        ingest(spec, path, quiet=True)
    return path


def _fmt(r: dict) -> str:
    if "error" in r:
        return f"error: {r['error']}"
    return (f"{r['time']:8.2f} s  {r['machine_gb']:6.2f} GB machine  {r['anon_gb']:6.2f} GB anon  "
            f"{r['rss_mb'] / 1024:6.2f} GB rss  "
            f"cut {r['cut']:>10} ({100 * r['cut'] / max(r['m'], 1):5.1f}%)  bal {r['balance']:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="planted and rmat17 at k=16 only")
    ap.add_argument("--graphs", nargs="*", default=None, choices=sorted(GRAPHS))
    ap.add_argument("--ks", nargs="*", type=int, default=[16])
    ap.add_argument("--tools", nargs="*", default=list(TOOLS), choices=TOOLS)
    ap.add_argument("--pymetis-max-scale", type=int, default=20, help="largest R-MAT scale pymetis runs at")
    ap.add_argument("--metis-max-scale", type=int, default=22, help="largest R-MAT scale distgnn metis runs at")
    ap.add_argument("--ooc-memory-gb", type=float, default=0.0,
                    help="out_of_core's memory_gb (default: a third of KaMinPar's modelled need on the graph)")
    ap.add_argument("--workdir", default=None, help="where the on-disk CSRs go (default: a temporary dir)")
    ap.add_argument("--json", default=None, help="also write the results as JSON lines here")
    a = ap.parse_args(argv)
    graphs = a.graphs or (["planted", "rmat17"] if a.quick else ["planted", "rmat17", "rmat20", "rmat22"])
    where = a.workdir or tempfile.mkdtemp(prefix="distgnn-bench-partition-")
    subprocess.run([sys.executable, "-c", WARM], check=True)  # compile the numba kernels once
    out = open(a.json, "a") if a.json else None
    try:
        for name in graphs:
            spec = GRAPHS[name]
            path = build_graph(spec, where)
            scale = int(spec.split(":")[1]) if spec.startswith("rmat") else 0
            for k in a.ks:
                res = {}
                for tool in a.tools:
                    if (tool == "pymetis" and scale > a.pymetis_max_scale) or (tool == "metis" and
                                                                              scale > a.metis_max_scale):
                        continue
                    res[tool] = r = run_child(CHILD, path, str(k), tool, str(a.ooc_memory_gb))
                    for line in r.get("log", []):
                        if line.startswith("out_of_core budget"):
                            print(f"{'':14} {line}", flush=True)
                    print(f"{name:8} k={k:<3} {tool:18} {_fmt(r)}", flush=True)
                    if out:
                        out.write(json.dumps({"graph": name, "k": k, "tool": tool, **r}) + "\n")
                        out.flush()
                ref = res.get("kaminpar")
                if ref and "error" not in ref and "error" not in res.get("out_of_core", {"error": 1}):
                    d = res["out_of_core"]
                    print(f"{'':8} {'':5} out_of_core / kaminpar: time {d['time'] / ref['time']:.2f}x  machine mem "
                          f"{d['machine_gb'] / max(ref['machine_gb'], 1e-3):.2f}x  cut {d['cut'] / max(ref['cut'], 1):.3f}x",
                          flush=True)
                ref = res.get("pymetis") or res.get("kaminpar")
                if ref and "error" not in ref and "metis" in res and "error" not in res["metis"]:
                    d = res["metis"]
                    print(f"{'':8} {'':5} metis / {'pymetis' if 'pymetis' in res else 'kaminpar'}: time "
                          f"{d['time'] / ref['time']:.2f}x  machine mem {d['machine_gb'] / max(ref['machine_gb'], 1e-3):.2f}x"
                          f"  cut {d['cut'] / max(ref['cut'], 1):.3f}x", flush=True)
    finally:
        if out:
            out.close()
        if a.workdir is None:
            shutil.rmtree(where, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
