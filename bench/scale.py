"""Scale ladder: R-MAT 20 .. ``--max-scale`` through generate -> ingest -> partition -> store.

Every stage of every scale runs in its own child process; reported per stage:
seconds, peak memory machine-wide (largest drop of MemAvailable below its value
at the stage's start, all processes, see ``bench/partition.py``) and the
child's peak RSS, and edges per second (edges = directed edges of the
symmetrised graph; for ``generate`` the sampled edges). The stages:

- generate: ``distgnn generate rmat:S`` -> Parquet (edge factor 16, raw samples)
- ingest: Parquet -> on-disk CSR (symmetrised, deduplicated, no self loops)
- partition: ``partition_graph`` on the CSR (``--method``, default kaminpar; k = ``--parts``)
- store: ``write_store_from_csr`` into a Zarr store of ``--parts`` shards

Writes ``--csv`` (stage, scale, nodes, edges, seconds, peak_gb, rss_gb, edges_per_s),
a log-log plot of time and memory against edges (``--plot``) and prints the
table with the growth of time per stage against edges from the smallest scale
(linear = 1.00x). Free disk is checked before each scale; each scale's files
are removed when it is done. Usage::

    flock /tmp/distgnn-cpu.lock python bench/scale.py --max-scale 22
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from partition import run_child  # noqa: E402

STAGES = ("generate", "ingest", "partition", "store")
FIELDS = ("stage", "scale", "nodes", "edges", "seconds", "peak_gb", "rss_gb", "edges_per_s")

GENERATE = r"""
import json, resource, sys, time
from distgnn.cli import main
t = time.perf_counter()
rc = main(["generate", sys.argv[1], "--out", sys.argv[2], "-q"])
assert rc == 0, rc
import pyarrow.parquet as pq
print(json.dumps({"time": time.perf_counter() - t, "edges": pq.ParquetFile(sys.argv[2]).metadata.num_rows,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

INGEST = r"""
import json, resource, sys, time
from distgnn.partition.ingest import ingest
t = time.perf_counter()
csr, _ = ingest(sys.argv[1], sys.argv[2], num_nodes=int(sys.argv[3]), quiet=True)
print(json.dumps({"time": time.perf_counter() - t, "edges": csr.num_edges, "nodes": csr.num_nodes,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PARTITION = r"""
import json, resource, sys, time
import numpy as np
from distgnn.partition import partition_graph
from distgnn.partition.disk_csr import DiskCSR
csr = DiskCSR.open(sys.argv[1])
method, k = sys.argv[3], int(sys.argv[4])
opts = {}
if method.startswith("kaminpar"):
    method, opts = "kaminpar", {"context": method.split(":")[1] if ":" in method else "default"}
t = time.perf_counter()
part = partition_graph(csr, None, k, method=method, **opts).numpy()
dt = time.perf_counter() - t
np.save(sys.argv[2], part.astype(np.int32))
print(json.dumps({"time": dt, "edges": csr.num_edges, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

STORE = r"""
import json, resource, sys, time
import numpy as np
from distgnn.partition.disk_csr import DiskCSR
from distgnn.partition.store import write_store_from_csr
csr = DiskCSR.open(sys.argv[1])
part = np.load(sys.argv[2])
t = time.perf_counter()
write_store_from_csr(sys.argv[3], csr, part.astype(np.int64), method="bench")
print(json.dumps({"time": time.perf_counter() - t, "edges": csr.num_edges,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def disk_needed(scale: int, edge_factor: int = 16) -> int:
    """Bytes one scale needs at once: Parquet (8 B/edge), spill (16 B/sampled edge), CSR (8 B/edge), store."""
    sampled = edge_factor << scale
    return sampled * (8 + 16 + 8 + 8)


def run_scale(scale: int, work: str, method: str, parts: int) -> list:
    n = 1 << scale
    pq, csr, part, store = (os.path.join(work, f"rmat{scale}{ext}") for ext in (".parquet", ".csr", ".npy", ".zarr"))
    steps = [("generate", GENERATE, (f"rmat:{scale}", pq)), ("ingest", INGEST, (pq, csr, str(n))),
             ("partition", PARTITION, (csr, part, method, str(parts))), ("store", STORE, (csr, part, store))]
    rows = []
    for stage, code, args in steps:
        r = run_child(code, *args)
        if "error" in r:
            print(f"scale {scale} {stage}: error: {r['error']}", flush=True)
            break
        rows.append({"stage": stage, "scale": scale, "nodes": n, "edges": int(r["edges"]),
                     "seconds": round(r["time"], 3), "peak_gb": round(r["machine_gb"], 3),
                     "rss_gb": round(r["rss_mb"] / 1024, 3), "edges_per_s": round(r["edges"] / max(r["time"], 1e-9))})
        print("  ".join(f"{k}={rows[-1][k]}" for k in FIELDS), flush=True)
        if stage == "ingest":
            os.remove(pq)
    for p in (pq, part):
        if os.path.exists(p):
            os.remove(p)
    for p in (csr, store):
        shutil.rmtree(p, ignore_errors=True)
    return rows


def print_table(rows: list) -> None:
    base = {}
    print(f"{'stage':10} {'scale':>5} {'nodes':>10} {'edges':>12} {'seconds':>9} {'peak GB':>8} {'rss GB':>7} "
          f"{'edges/s':>11} {'vs linear':>9}")
    for r in rows:
        b = base.setdefault(r["stage"], r)
        lin = (r["seconds"] / max(b["seconds"], 1e-9)) / (r["edges"] / max(b["edges"], 1))
        print(f"{r['stage']:10} {r['scale']:>5} {r['nodes']:>10} {r['edges']:>12} {r['seconds']:>9.2f} "
              f"{r['peak_gb']:>8.2f} {r['rss_gb']:>7.2f} {r['edges_per_s']:>11.3g} {lin:>8.2f}x")


def plot(rows: list, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.5))
    for stage in STAGES:
        rs = [r for r in rows if r["stage"] == stage]
        if rs:
            e = [r["edges"] for r in rs]
            ax_t.loglog(e, [r["seconds"] for r in rs], "o-", label=stage)
            ax_m.loglog(e, [max(r["peak_gb"], 1e-3) for r in rs], "o-", label=stage)
    if rows:
        e0, e1 = min(r["edges"] for r in rows), max(r["edges"] for r in rows)
        t0 = min(r["seconds"] for r in rows if r["edges"] == e0)
        ax_t.loglog([e0, e1], [t0, t0 * e1 / e0], "k--", lw=0.8, label="linear")
    ax_t.set(xlabel="directed edges", ylabel="seconds", title="time per stage")
    ax_m.set(xlabel="directed edges", ylabel="peak GB (machine-wide)", title="memory per stage")
    ax_m.axhline(20, color="r", lw=0.8, ls=":", label="20 GB budget")
    for ax in (ax_t, ax_m):
        ax.legend(fontsize=8)
        ax.grid(True, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-scale", type=int, default=20)
    ap.add_argument("--max-scale", type=int, default=25)
    ap.add_argument("--method", default="kaminpar", help="partition method (kaminpar, kaminpar:terapart, metis, "
                                                         "stream, auto; default kaminpar)")
    ap.add_argument("--parts", type=int, default=16)
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a temporary one)")
    ap.add_argument("--csv", default="bench/results/scale.csv")
    ap.add_argument("--plot", default="bench/results/scale.png")
    ap.add_argument("--append", action="store_true", help="keep the rows already in --csv (other scales)")
    a = ap.parse_args(argv)
    work = a.workdir or tempfile.mkdtemp(prefix="distgnn-scale-")
    os.makedirs(work, exist_ok=True)
    subprocess.run([sys.executable, "-c", PARTITION.split("csr = ")[0]], check=True)  # imports, cached kernels
    rows = _read(a.csv) if a.append and os.path.exists(a.csv) else []
    rows = [r for r in rows if not a.min_scale <= r["scale"] <= a.max_scale]
    try:
        for scale in range(a.min_scale, a.max_scale + 1):
            free = shutil.disk_usage(work).free
            if free < disk_needed(scale):
                print(f"scale {scale}: needs ~{disk_needed(scale) / 2**30:.0f} GB of disk, "
                      f"{free / 2**30:.0f} GB free in {work}; stopping", flush=True)
                break
            rows += run_scale(scale, work, a.method, a.parts)
            _write(rows, a.csv, a.plot)
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(sorted(rows, key=lambda r: (STAGES.index(r["stage"]), r["scale"])))
    return 0


def _read(path: str) -> list:
    with open(path) as f:
        return [{k: (v if k == "stage" else float(v) if "." in v else int(v)) for k, v in r.items()}
                for r in csv.DictReader(f)]


def _write(rows: list, csv_path: str, plot_path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(csv_path)), exist_ok=True)
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    if plot_path:
        plot(rows, plot_path)


if __name__ == "__main__":
    sys.exit(main())
