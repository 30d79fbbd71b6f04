"""Scale ladder: R-MAT 20 .. ``--max-scale`` through generate -> ingest -> partition -> store.

Every stage of every scale runs in its own child process; reported per stage:
seconds, CPU seconds of the child, peak memory machine-wide (largest drop of
MemAvailable below its value at the stage's start, all processes, see
``bench/partition.py``), the child's largest private memory (RssAnon) and peak
RSS, and edges per second (edges = directed edges of the
symmetrised graph; for ``generate`` the sampled edges). The stages:

- generate: ``distgnn generate rmat:S`` -> Parquet (edge factor 16, raw samples)
- ingest: Parquet -> on-disk CSR (symmetrised, deduplicated, no self loops)
- partition: ``partition_graph`` on the CSR (``--method``, default kaminpar; k = ``--parts``)
- store: ``write_store_from_csr`` into a Zarr store of ``--parts`` shards

Writes ``--csv`` (stage, scale, nodes, edges, seconds, cpu_s, peak_gb, anon_gb, rss_gb, edges_per_s),
a log-log plot of time and memory against edges (``--plot``) and prints the
table with the growth of time per stage against edges from the smallest scale
(linear = 1.00x). Free disk is checked before each scale; each scale's files
are removed when its store is written (``--keep DIR`` keeps the store). With
``--workdir`` and ``--stages`` one scale runs stage by stage, one invocation
each, the files handed on in the work directory. Usage::

    flock /tmp/distgnn-cpu.lock python bench/scale.py --max-scale 22
    flock /tmp/distgnn-cpu.lock python bench/scale.py --min-scale 25 --max-scale 25 --append \
        --workdir /work/scratch/s25 --stages generate,ingest
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
FIELDS = ("stage", "scale", "nodes", "edges", "seconds", "cpu_s", "peak_gb", "anon_gb", "rss_gb", "edges_per_s")

USAGE = r"""
import json, resource, sys, time
def cpu_now():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
_c0 = [0.0]
def start():
    _c0[0] = cpu_now()
    return time.perf_counter()
def usage():
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "cpu": cpu_now() - _c0[0]}
"""

GENERATE = USAGE + r"""
from distgnn.cli import main
t = start()
rc = main(["generate", sys.argv[1], "--out", sys.argv[2], "-q"])
assert rc == 0, rc
import pyarrow.parquet as pq
print(json.dumps({"time": time.perf_counter() - t, "edges": pq.ParquetFile(sys.argv[2]).metadata.num_rows,
                  **usage()}))
"""

INGEST = USAGE + r"""
from distgnn.partition.build_csr import ingest
t = start()
csr, _ = ingest(sys.argv[1], sys.argv[2], num_nodes=int(sys.argv[3]), quiet=True)
print(json.dumps({"time": time.perf_counter() - t, "edges": csr.num_edges, "nodes": csr.num_nodes,
                  **usage()}))
"""

PARTITION = USAGE + r"""
import numpy as np
from distgnn.partition import partition_graph
from distgnn.partition.disk_csr import DiskCSR
csr = DiskCSR.open(sys.argv[1])
method, k, memory_gb = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
opts = {"memory_gb": memory_gb, "verbose": True} if method == "auto" else {}
if method.startswith("kaminpar"):
    method, opts = "kaminpar", {"context": method.split(":")[1] if ":" in method else "default"}
t = start()
part = partition_graph(csr, None, k, method=method, **opts).numpy()
dt, u = time.perf_counter() - t, usage()
np.save(sys.argv[2], part.astype(np.int32))
print(json.dumps({"time": dt, "edges": csr.num_edges, **u}))
"""

STORE = USAGE + r"""
import numpy as np
from distgnn.partition.disk_csr import DiskCSR
from distgnn.partition.store import write_store_from_csr
csr = DiskCSR.open(sys.argv[1])
part = np.load(sys.argv[2])
t = start()
write_store_from_csr(sys.argv[3], csr, part.astype(np.int64), method=sys.argv[4])
print(json.dumps({"time": time.perf_counter() - t, "edges": csr.num_edges,
                  **usage()}))
"""


def disk_needed(scale: int, edge_factor: int = 16) -> int:
    """Bytes one scale needs at once: Parquet (8 B/edge), spill (16 B/sampled edge), CSR (8 B/edge), store."""
    sampled = edge_factor << scale
    return sampled * (8 + 16 + 8 + 8)


def stage_paths(scale: int, work: str) -> dict:
    """The files of one scale in ``work``: parquet, csr, part (.npy), store (.zarr)."""
    return {key: os.path.join(work, f"rmat{scale}{ext}")
            for key, ext in (("pq", ".parquet"), ("csr", ".csr"), ("part", ".npy"), ("store", ".zarr"))}


def _remove(*paths: str) -> None:
    for p in paths:
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.exists(p):
            os.remove(p)


def run_scale(scale: int, work: str, method: str, parts: int, stages=STAGES, keep=None,
              memory_gb: float = 20.0) -> list:
    """Run ``stages`` of one scale; a stage reads what the one before it left in ``work``.

    The Parquet file is removed once ingested; the CSR, parts and store once the
    store stage is done (the store moved to ``keep``/rmat<S>.zarr instead when
    given), so a scale can be run one stage per invocation.
    """
    n = 1 << scale
    f = stage_paths(scale, work)
    steps = {"generate": (GENERATE, (f"rmat:{scale}", f["pq"])), "ingest": (INGEST, (f["pq"], f["csr"], str(n))),
             "partition": (PARTITION, (f["csr"], f["part"], method, str(parts), str(memory_gb))),
             "store": (STORE, (f["csr"], f["part"], f["store"], method))}
    outputs = {"generate": f["pq"], "ingest": f["csr"], "partition": f["part"], "store": f["store"]}
    rows = []
    for stage in (s for s in STAGES if s in stages):
        code, args = steps[stage]
        _remove(outputs[stage])  # a stale output of an earlier, interrupted run
        r = run_child(code, *args)
        if "error" in r:
            print(f"scale {scale} {stage}: error: {r['error']}", flush=True)
            break
        for line in r.get("log", ()):
            print(f"  [{stage} {scale}] {line}", flush=True)
        rows.append({"stage": stage, "scale": scale, "nodes": n, "edges": int(r["edges"]),
                     "seconds": round(r["time"], 3), "cpu_s": round(r["cpu"], 3), "peak_gb": round(r["machine_gb"], 3),
                     "anon_gb": round(r["anon_gb"], 3),
                     "rss_gb": round(r["rss_mb"] / 1024, 3), "edges_per_s": round(r["edges"] / max(r["time"], 1e-9))})
        print("  ".join(f"{k}={rows[-1][k]}" for k in FIELDS), flush=True)
        if stage == "ingest":
            _remove(f["pq"])
        if stage == "store":
            if keep:
                os.makedirs(keep, exist_ok=True)
                dest = os.path.join(keep, os.path.basename(f["store"]))
                _remove(dest)
                os.rename(f["store"], dest)
                open(os.path.join(keep, f"rmat{scale}.READY"), "w").close()
                print(f"kept the store at {dest}", flush=True)
            _remove(f["pq"], f["part"], f["csr"], f["store"])
    return rows


def print_table(rows: list) -> None:
    """Per stage and scale: time, CPU time, peak, edges/s and the growth of time (wall and CPU) per edge
    against the stage's smallest scale (linear = 1.00x)."""
    base = {}
    print(f"{'stage':10} {'scale':>5} {'nodes':>10} {'edges':>12} {'seconds':>9} {'cpu s':>9} {'peak GB':>8} "
          f"{'anon GB':>7} {'rss GB':>7} {'edges/s':>11} {'vs linear':>9} {'cpu vs lin':>10}")
    for r in rows:
        b = base.setdefault(r["stage"], r)
        grow = r["edges"] / max(b["edges"], 1)
        lin = (r["seconds"] / max(b["seconds"], 1e-9)) / grow
        cpu = r.get("cpu_s")
        clin = (cpu / max(b["cpu_s"], 1e-9)) / grow if cpu not in (None, "") and b.get("cpu_s") else float("nan")
        print(f"{r['stage']:10} {r['scale']:>5} {r['nodes']:>10} {r['edges']:>12} {r['seconds']:>9.2f} "
              f"{cpu if cpu not in (None, '') else float('nan'):>9.2f} {r['peak_gb']:>8.2f} {r.get('anon_gb') or float('nan'):>7.2f} {r['rss_gb']:>7.2f} "
              f"{r['edges_per_s']:>11.3g} {lin:>8.2f}x {clin:>9.2f}x")


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
            # the machine-wide drop is noisy on a shared machine; the child's private memory bounds it below
            ax_m.loglog(e, [max(r["peak_gb"], r.get("anon_gb") or 0, 1e-3) for r in rs], "o-", label=stage)
    if rows:
        e0, e1 = min(r["edges"] for r in rows), max(r["edges"] for r in rows)
        t0 = min(r["seconds"] for r in rows if r["edges"] == e0)
        ax_t.loglog([e0, e1], [t0, t0 * e1 / e0], "k--", lw=0.8, label="linear")
    ax_t.set(xlabel="directed edges", ylabel="seconds", title="time per stage")
    ax_m.set(xlabel="directed edges", ylabel="peak GB (max of machine-wide and the child's RssAnon)",
             title="memory per stage")
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
    ap.add_argument("--memory-gb", type=float, default=20.0, help="memory budget of --method auto (default 20)")
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a temporary one)")
    ap.add_argument("--csv", default="bench/results/scale.csv")
    ap.add_argument("--plot", default="bench/results/scale.png")
    ap.add_argument("--append", action="store_true",
                    help="keep the rows already in --csv (other scales and stages)")
    ap.add_argument("--stages", default=",".join(STAGES),
                    help="comma-separated stages to run (default all); a stage reads the files the one "
                         "before it left in --workdir, so one scale can be run stage by stage")
    ap.add_argument("--keep", metavar="DIR", default=None,
                    help="move each finished store to DIR/rmat<S>.zarr and touch DIR/rmat<S>.READY "
                         "instead of deleting it")
    ap.add_argument("--report", action="store_true",
                    help="run nothing: print the table of --csv and redraw --plot")
    a = ap.parse_args(argv)
    if a.report:
        table = _read(a.csv)
        _write(table, a.csv, a.plot)
        print_table(sorted(table, key=lambda r: (STAGES.index(r["stage"]), r["scale"])))
        return 0
    work = a.workdir or tempfile.mkdtemp(prefix="distgnn-scale-")
    os.makedirs(work, exist_ok=True)
    subprocess.run([sys.executable, "-c", PARTITION.split("csr = ")[0]], check=True)  # imports, cached kernels
    stages = tuple(s.strip() for s in a.stages.split(",") if s.strip())
    if not stages or any(s not in STAGES for s in stages):
        ap.error(f"--stages must be a comma-separated subset of {','.join(STAGES)}, got {a.stages!r}")
    if a.workdir is None and stages != STAGES:
        ap.error("--stages needs --workdir (the stages hand files to each other there)")
    rows = []  # this invocation's rows; with --append merged into --csv as it is when written
    try:
        for scale in range(a.min_scale, a.max_scale + 1):
            free = shutil.disk_usage(work).free
            if "generate" in stages and free < disk_needed(scale):
                print(f"scale {scale}: needs ~{disk_needed(scale) / 2**30:.0f} GB of disk, "
                      f"{free / 2**30:.0f} GB free in {work}; stopping", flush=True)
                break
            rows += run_scale(scale, work, a.method, a.parts, stages, a.keep, a.memory_gb)
            table = _merged(rows, a.csv) if a.append else rows
            _write(table, a.csv, a.plot)
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    table = _merged(rows, a.csv) if a.append else rows
    print_table(sorted(table, key=lambda r: (STAGES.index(r["stage"]), r["scale"])))
    return 0


def _merged(rows: list, path: str) -> list:
    """The rows in ``path`` now (other invocations may have added some) with ``rows`` replacing the same
    (stage, scale), sorted by scale then stage."""
    mine = {(r["stage"], r["scale"]) for r in rows}
    old = [r for r in (_read(path) if os.path.exists(path) else []) if (r["stage"], r["scale"]) not in mine]
    return sorted(old + rows, key=lambda r: (r["scale"], STAGES.index(r["stage"])))


def _read(path: str) -> list:
    with open(path) as f:
        return [{k: (v if k == "stage" or v in (None, "") else float(v) if "." in v else int(v))
                 for k, v in r.items()} for r in csv.DictReader(f)]


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
