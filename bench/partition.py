"""Partitioning bench: distgnn metis side by side with pymetis (METIS 5).

Each (graph, k, tool) runs in its own child process, which reports wall time of
the partitioning call, peak RSS (getrusage) and the resulting cut and balance.
distgnn is timed from the edge list (CSR build included); pymetis is handed a
ready CSR. Usage::

    python bench/partition.py --quick
    python bench/partition.py                      # full grid, plus stream on R-MAT 22
    python bench/partition.py --graphs rmat17 --ks 16
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

GRAPHS = {"planted": "planted:100000:16", "rmat17": "rmat:17", "rmat20": "rmat:20", "grid": "grid:1000:1000"}

CHILD = r"""
import json, resource, sys, time
import numpy as np
from distgnn.partition.sources import generate
from distgnn.partition.graph import build_csr, edge_cut, imbalance
spec, k, tool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ei, n, _ = generate(spec, 0)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if tool == "pymetis":
    import pymetis
    g = build_csr(ei, n)
    adj = pymetis.CSRAdjacency(g.xadj, g.adjncy)
    t = time.perf_counter(); _, part = pymetis.part_graph(k, adjacency=adj); dt = time.perf_counter() - t
    part = np.asarray(part, np.int64)
else:
    from distgnn.partition import partition_graph
    partition_graph(ei[:, :2000], n, k, method=tool)  # load compiled kernels
    t = time.perf_counter(); part = partition_graph(ei, n, k, method=tool).numpy(); dt = time.perf_counter() - t
    g = build_csr(ei, n)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"time": dt, "rss_mb": rss / 1024, "base_mb": rss0 / 1024, "n": n,
                  "m": int(g.adjncy.size // 2), "cut": int(edge_cut(g, part)) // 2,
                  "balance": float(imbalance(g.vwgt, part, k)[0])}))
"""


def run(spec: str, k: int, tool: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, spec, str(k), tool], capture_output=True, text=True)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else f"rc {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(r: dict) -> str:
    if "error" in r:
        return f"error: {r['error']}"
    return (f"{r['time']:7.2f} s  {r['rss_mb']:7.0f} MB  cut {r['cut']:>9} ({100 * r['cut'] / max(r['m'], 1):5.1f}%)"
            f"  bal {r['balance']:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="planted and rmat17 at k=16 only, no stream run")
    ap.add_argument("--graphs", nargs="*", default=None, choices=sorted(GRAPHS))
    ap.add_argument("--ks", nargs="*", type=int, default=None)
    ap.add_argument("--method", default="metis", help="distgnn method to compare (default metis)")
    ap.add_argument("--stream-scale", type=int, default=22, help="R-MAT scale of the stream run (0: skip)")
    ap.add_argument("--stream-only", action="store_true", help="only the stream run")
    a = ap.parse_args(argv)
    graphs = [] if a.stream_only else a.graphs or (["planted", "rmat17"] if a.quick else list(GRAPHS))
    ks = a.ks or ([16] if a.quick else [4, 16, 64])
    for name in graphs:
        for k in ks:
            d, m = run(GRAPHS[name], k, a.method), run(GRAPHS[name], k, "pymetis")
            print(f"{name:8} k={k:<3} distgnn {_fmt(d)}")
            print(f"{'':8} {'':5} pymetis {_fmt(m)}")
            if "error" not in d and "error" not in m:
                print(f"{'':8} {'':5} ratio   time {d['time'] / m['time']:.2f}x  rss {d['rss_mb'] / m['rss_mb']:.2f}x  "
                      f"cut {d['cut'] / max(m['cut'], 1):.3f}x  balance {d['balance']:.3f} vs {m['balance']:.3f}",
                      flush=True)
    if not a.quick and a.stream_scale:
        r = run(f"rmat:{a.stream_scale}", 16, "stream")
        print(f"stream rmat{a.stream_scale} k=16 {_fmt(r)}  (graph alone {r.get('base_mb', 0):.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
