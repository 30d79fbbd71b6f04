"""Node2Vec: embedding quality per second and pairs per second, beside the reference pipeline.

    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec.py cora [--epochs 3]
    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec.py rmat [--scale 20]
    flock /tmp/distgnn-cpu.lock .venv/bin/python bench/node2vec.py sharded [--epochs 3]

* ``cora`` -- logistic-regression test accuracy (Planetoid split) after each
  epoch against wall time, plotted, for: distgnn ``Node2Vec.fit`` (numba
  cache cold and warm, its defaults; warm also with 2 threads), the peer
  PecanPy walks + gensim skip-gram (what a user
  picks for one machine: 2 workers, its defaults), and torch_geometric 1.7.2's
  ``Node2Vec`` with its example recipe (SparseAdam, batch 128). Walks: 10 per
  node of 80 steps (81 nodes, PecanPy's walk_length=80), window 10, d=128,
  p=q=1. Wall time runs from the graph's CSR to the end of each epoch
  (imports and the per-epoch snapshot excluded; compile time included -- the
  cold run starts from an empty numba cache). Warm runs and the peer repeat
  over ``--seeds`` seeds; the report gives means and standard deviations.
* ``rmat`` -- positive (context, centre) pairs trained per second on R-MAT
  ``--scale`` (edge factor 16), the same number of walks on both sides, from
  nodes with at least one edge: ours from the kernel's own count; gensim
  counts words, converted as the sum over its walks of
  ``expected_pairs(walk nodes, window)`` (the mean number of pairs of a walk
  under word2vec's reduced window; both sides run without subsampling, so
  every word is trained) divided by its training time. Walk steps per second
  are reported beside (PecanPy's walks over all nodes, its compile included).

* ``sharded`` -- the Node2Vec job (``distgnn train``, ``model.optimizer=sgns``,
  2 embedding servers) on a planted-partition graph (``--job-nodes``,
  ``--job-p-ratio``): 1 and 2 replicas training the servers' memory-mapped
  tables in place (``model.memmap_dir``: one file per table, the replicas on
  the servers' machine update it lock-free, as word2vec's threads do), 2
  replicas pulling and pushing rows (tables in the servers' memory), and
  ``Node2Vec.fit`` in one process (one thread) on the same graph with the
  same settings: test accuracy after each epoch against the summed epoch
  times (fit: wall time from its CSR); "the same accuracy" is the
  baseline's final one less 0.005.

Peers install themselves on first use, outside the repository, under
``$DISTGNN_BENCH_CACHE`` (default ``~/.cache/distgnn-bench``): PecanPy pins
numpy < 2, so it runs in its own venv (pecanpy 2.0.9, its gensim), and
torch_geometric 1.7.2 is installed without dependencies into a folder put on
the path of its own process (the main venv has 2.x).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
CACHE = os.environ.get("DISTGNN_BENCH_CACHE", os.path.expanduser("~/.cache/distgnn-bench"))
PECANPY = "pecanpy==2.0.9"
PYG = "torch-geometric==1.7.2"
PLANETOID = os.environ.get("DISTGNN_PLANETOID", os.path.join(ROOT, "..", "shared", "data", "planetoid"))


# -- peers' installs ---------------------------------------------------------------------------

def peer_python() -> str:
    """The PecanPy venv's interpreter, made on first use."""
    venv = os.path.join(CACHE, "pecanpy-venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py) or subprocess.run([py, "-c", "import pecanpy, gensim"],
                                                capture_output=True).returncode != 0:
        print(f"making the peer venv {venv} ({PECANPY}) ...", flush=True)
        base = getattr(sys, "_base_executable", None) or shutil.which("python3")
        subprocess.run([base, "-m", "venv", "--clear", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", PECANPY], check=True)
    return py


def pyg_path() -> str:
    """A folder holding torch_geometric 1.7.2 alone (it runs on the main venv's torch)."""
    target = os.path.join(ROOT, ".venv", "pyg17")  # where scripts/setup_venv.sh puts it
    if not os.path.isdir(os.path.join(target, "torch_geometric")):
        target = os.path.join(CACHE, "pyg-1.7.2")
    if not os.path.isdir(os.path.join(target, "torch_geometric")):
        print(f"installing {PYG} into {target} ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        target, PYG], check=True)
    return target


def _run(cmd, env=None) -> None:
    t = time.perf_counter()
    res = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    print(f"  ({' '.join(os.path.basename(c) for c in cmd[:3])}: {time.perf_counter() - t:.1f} s)",
          flush=True)


# -- workers (each run in its own process) ----------------------------------------------------

def _ours_worker(spec: dict) -> None:
    import torch
    from distgnn.nn import Node2Vec
    ei = torch.from_numpy(np.load(spec["edge_index"]))
    t0 = time.perf_counter()
    paused, times = [0.0], []

    def snap(st):
        now = time.perf_counter()
        times.append(now - t0 - paused[0])
        np.save(os.path.join(spec["out"], f"epoch_{st.epoch}.npy"), model.embedding.weight.detach().numpy())
        paused[0] += time.perf_counter() - now

    torch.manual_seed(spec["seed"])
    model = Node2Vec(ei, spec["dim"], walk_length=spec["walk_length"], context_size=spec["window"] + 1,
                     walks_per_node=spec["walks_per_node"], p=spec["p"], q=spec["q"],
                     num_nodes=spec["num_nodes"])
    model.fit(epochs=spec["epochs"], on_epoch=snap, seed=spec["seed"], threads=spec.get("threads", 0))
    json.dump({"epoch_times": times}, open(os.path.join(spec["out"], "result.json"), "w"))


def _pyg_worker(spec: dict) -> None:
    import torch
    from torch_geometric.nn import Node2Vec
    ei = torch.from_numpy(np.load(spec["edge_index"]))
    torch.manual_seed(spec["seed"])
    t0 = time.perf_counter()
    model = Node2Vec(ei, embedding_dim=spec["dim"], walk_length=20, context_size=10,
                     walks_per_node=10, num_negative_samples=1, p=spec["p"], q=spec["q"],
                     sparse=True, num_nodes=spec["num_nodes"])
    loader = model.loader(batch_size=128, shuffle=True, num_workers=0)
    opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.01)
    times, paused = [], 0.0
    for epoch in range(spec["epochs"]):
        for pos_rw, neg_rw in loader:
            opt.zero_grad()
            model.loss(pos_rw, neg_rw).backward()
            opt.step()
        now = time.perf_counter()
        times.append(now - t0 - paused)
        np.save(os.path.join(spec["out"], f"epoch_{epoch}.npy"), model.embedding.weight.detach().numpy())
        paused += time.perf_counter() - now
    json.dump({"epoch_times": times}, open(os.path.join(spec["out"], "result.json"), "w"))


# -- Cora: accuracy against time ---------------------------------------------------------------

def _accuracy_curve(out: str, data) -> list:
    from sklearn.linear_model import LogisticRegression
    res = json.load(open(os.path.join(out, "result.json")))
    tr, te, y = data.train_mask.numpy(), data.test_mask.numpy(), data.y.numpy()
    curve = []
    for k, t in enumerate(res["epoch_times"]):
        z = np.load(os.path.join(out, f"epoch_{k}.npy"))
        clf = LogisticRegression(max_iter=500).fit(z[tr], y[tr])
        curve.append((t, float(clf.score(z[te], y[te]))))
    return curve


def _write_csr_npz(path: str, rowptr, col) -> None:
    np.savez(path, data=np.ones(col.shape[0], np.float32), indptr=rowptr.astype(np.uint32),
             indices=col.astype(np.uint32))


def bench_cora(args) -> dict:
    from distgnn.data.planetoid import read_planetoid_data
    from distgnn.sampler.csr import out_csr
    data = read_planetoid_data(args.planetoid, "cora")
    n = data.num_nodes
    work = tempfile.mkdtemp(prefix="n2v-bench-")
    ei_path = os.path.join(work, "edge_index.npy")
    np.save(ei_path, data.edge_index.numpy())
    rowptr, col, _ = out_csr(data.edge_index, n)
    _write_csr_npz(os.path.join(work, "cora.npz"), rowptr, col)
    base = dict(edge_index=ei_path, csr=os.path.join(work, "cora.npz"), num_nodes=n, dim=128,
                walks_per_node=10, walk_length=80, window=10, p=1.0, q=1.0, seed=args.seed)
    runs, peer_parts = {}, []

    def run(name, cmd, spec, env=None):
        out = os.path.join(work, f"{name}-{spec['seed']}".replace(" ", "_"))
        os.makedirs(out)
        spec = {**base, **spec, "out": out}
        path = os.path.join(out, "spec.json")
        json.dump(spec, open(path, "w"))
        print(f"{name} (seed {spec['seed']}) ...", flush=True)
        _run(cmd + [path], env)
        runs.setdefault(name, []).append(_accuracy_curve(out, data))
        return json.load(open(os.path.join(out, "result.json")))

    me = [sys.executable, os.path.abspath(__file__)]
    numba_cache = os.path.join(work, "numba-cache")
    peer = [peer_python(), os.path.join(os.path.dirname(os.path.abspath(__file__)), "_node2vec_peer.py")]
    run("ours (cold)", me + ["_ours"], {"epochs": args.epochs, "seed": args.seed},
        {"NUMBA_CACHE_DIR": numba_cache})
    for seed in range(args.seed, args.seed + args.seeds):
        run("ours (warm)", me + ["_ours"], {"epochs": args.epochs, "seed": seed},
            {"NUMBA_CACHE_DIR": numba_cache})
        run("ours (2 threads)", me + ["_ours"], {"epochs": args.epochs, "seed": seed, "threads": 2},
            {"NUMBA_CACHE_DIR": numba_cache})
        peer_parts.append(run("pecanpy+gensim", peer, {"epochs": args.peer_epochs, "seed": seed,
                                                       "workers": args.workers, "sample": 1e-3,
                                                       "negative": 5}))
    if not args.skip_pyg:
        run("pyg 1.7.2", me + ["_pyg"], {"epochs": args.pyg_epochs, "seed": args.seed},
            {"PYTHONPATH": pyg_path()})
    shutil.rmtree(work, ignore_errors=True)
    p0 = peer_parts[0]
    print(f"peer's time (seed {args.seed}): read {p0['read_s']:.1f} s, walks {p0['walk_s']:.1f} s "
          f"(incl. its numba compile), vocab {p0['vocab_s']:.1f} s, train {p0['train_s']:.1f} s")
    return runs


def _time_to(curve, acc):
    return next((t for t, a in curve if a >= acc), float("inf"))


def _mean_curve(curves):
    """Per epoch: mean wall time, mean accuracy, accuracy std over the runs."""
    k = min(len(c) for c in curves)
    arr = np.array([c[:k] for c in curves])  # [runs, epochs, (t, acc)]
    return [(float(arr[:, e, 0].mean()), float(arr[:, e, 1].mean()), float(arr[:, e, 1].std()))
            for e in range(k)]


def report_cora(all_runs: dict, plot: str) -> None:
    runs = {name: _mean_curve(curves) for name, curves in all_runs.items()}
    print("\nCora (Planetoid split): test accuracy after each epoch "
          "(mean over runs; +- std; time = mean wall time)")
    for name, curve in runs.items():
        print(f"  {name:16s} ({len(all_runs[name])} run{'s' * (len(all_runs[name]) > 1)}) " +
              "  ".join(f"{t:6.1f}s {a:.3f}+-{sd:.3f}" for t, a, sd in curve))
    peer_t, peer_acc, peer_sd = runs["pecanpy+gensim"][-1]
    print(f"peer's final accuracy {peer_acc:.3f} +- {peer_sd:.3f} at {peer_t:.1f} s")
    for name in ("ours (cold)", "ours (warm)", "ours (2 threads)", "pyg 1.7.2"):
        if name in runs:
            t = _time_to([(t, a) for t, a, _ in runs[name]], peer_acc)
            print(f"  {name:16s} reaches it at {t:6.1f} s = {t / peer_t:.2f}x the peer's time; "
                  f"first epoch {runs[name][0][1]:.3f} at {runs[name][0][0]:.1f} s "
                  f"= {runs[name][0][0] / peer_t:.2f}x; final {runs[name][-1][1]:.3f} at "
                  f"{runs[name][-1][0]:.1f} s")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in runs.items():
        ax.errorbar([t for t, _, _ in curve], [a for _, a, _ in curve],
                    yerr=[sd for _, _, sd in curve], marker="o", capsize=3, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("wall time (s, log)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Node2Vec on Cora: accuracy after each epoch")
    ax.grid(alpha=0.3)
    ax.legend()
    os.makedirs(os.path.dirname(os.path.abspath(plot)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(plot, dpi=120)
    print(f"plot: {plot}")


# -- R-MAT: pairs per second -------------------------------------------------------------------

def bench_rmat(args) -> dict:
    from distgnn.data import rmat_edge_index
    from distgnn.embedding import expected_pairs, init_tables, negative_table, train_walks
    from distgnn.sampler.csr import out_csr
    from distgnn.sampler.walks import random_walk
    n = 1 << args.scale
    ei = rmat_edge_index(args.scale, edge_factor=16, seed=0)
    rowptr, col, _ = out_csr(ei, n)
    del ei
    print(f"R-MAT {args.scale}: {n} nodes, {col.shape[0]} directed edges; {args.walks} walks of "
          f"{args.walk_length} steps, window {args.window}, d={args.dim}, 5 negatives", flush=True)
    out = {}
    linked = np.flatnonzero(np.diff(rowptr) > 0)  # walks from isolated nodes have no pairs
    start = np.random.default_rng(0).choice(linked, args.walks, replace=False)
    syn0, syn1 = init_tables(n, args.dim)
    prob, alias = negative_table(rowptr)
    t = time.perf_counter()
    w = random_walk(rowptr, col, start[:64], args.walk_length, args.p, args.q, seed=1).numpy()
    train_walks(syn0, syn1, w, window=args.window, prob=prob, alias=alias)
    out["ours_first_call_s"] = time.perf_counter() - t
    t = time.perf_counter()
    walks = random_walk(rowptr, col, start, args.walk_length, args.p, args.q, seed=2).numpy()
    walk_s = time.perf_counter() - t
    t = time.perf_counter()
    pairs, _ = train_walks(syn0, syn1, walks, window=args.window, prob=prob, alias=alias,
                           lr_start=0.025, lr_end=0.0001)
    train_s = time.perf_counter() - t
    del walks, syn0, syn1
    out.update(ours_walk_steps_per_s=args.walks * args.walk_length / walk_s,
               ours_train_pairs_per_s=pairs / train_s, ours_pairs_per_s=pairs / (walk_s + train_s),
               ours_pairs=pairs)
    work = tempfile.mkdtemp(prefix="n2v-rmat-")
    _write_csr_npz(os.path.join(work, "g.npz"), rowptr, col)
    del rowptr, col
    spec = dict(csr=os.path.join(work, "g.npz"), out=work, dim=args.dim, walks_per_node=1,
                walk_length=args.walk_length, window=args.window, p=args.p, q=args.q, seed=0,
                workers=args.workers, epochs=1, sample=0, negative=5, max_walks=args.walks,
                snapshots=False)
    json.dump(spec, open(os.path.join(work, "spec.json"), "w"))
    print("pecanpy+gensim ...", flush=True)
    _run([peer_python(), os.path.join(os.path.dirname(__file__), "_node2vec_peer.py"),
          os.path.join(work, "spec.json")])
    peer = json.load(open(os.path.join(work, "result.json")))
    shutil.rmtree(work, ignore_errors=True)
    length = peer["raw_words"] / peer["sentences"]
    peer_pairs = sum(c * expected_pairs(k, args.window) for k, c in enumerate(peer["length_counts"]))
    out.update(peer_walk_steps_per_s=linked.shape[0] * args.walk_length / peer["walk_s"],
               peer_train_pairs_per_s=peer_pairs / peer["train_s"],
               peer_words_per_s=peer["raw_words"] / peer["train_s"], peer_mean_walk_nodes=length)
    return out


def report_rmat(out: dict) -> None:
    print(f"\nwalk steps/s   ours {out['ours_walk_steps_per_s'] / 1e6:7.2f} M | peer (PecanPy, all "
          f"nodes) {out['peer_walk_steps_per_s'] / 1e6:7.2f} M | ratio "
          f"{out['ours_walk_steps_per_s'] / out['peer_walk_steps_per_s']:.2f}x")
    print(f"train pairs/s  ours {out['ours_train_pairs_per_s'] / 1e6:7.2f} M | peer (gensim "
          f"{out['peer_words_per_s'] / 1e3:.0f} k words/s) {out['peer_train_pairs_per_s'] / 1e6:7.2f} M | "
          f"ratio {out['ours_train_pairs_per_s'] / out['peer_train_pairs_per_s']:.2f}x")
    print(f"ours walk+train {out['ours_pairs_per_s'] / 1e6:.2f} M pairs/s; first call (compile or "
          f"cache load) {out['ours_first_call_s']:.1f} s")
    print(json.dumps(out))


def _store_fit_curve(store_path: str, args) -> list:
    """One process: ``Node2Vec.fit`` on the store's graph (its numbering, the job's settings),
    epoch by epoch: (wall time from the CSR to the end of the epoch, test accuracy)."""
    import torch
    from distgnn.jobs.node2vec import logistic_regression_scores, store_labels
    from distgnn.nn import Node2Vec
    from distgnn.partition import open_store
    s = open_store(store_path)
    parts = [s.part(p) for p in range(s.num_parts)]
    deg = np.concatenate([np.diff(np.asarray(q.rowptr)) for q in parts])
    col = np.concatenate([np.asarray(q.col) for q in parts]).astype(np.int64)
    row = np.repeat(np.arange(s.num_nodes, dtype=np.int64), deg)
    labels = store_labels(s)
    torch.manual_seed(args.seed)
    model = Node2Vec(torch.from_numpy(np.stack([row, col])), args.job_dim,
                     walk_length=args.job_walk_length, context_size=10,
                     walks_per_node=args.job_walks_per_node, num_nodes=int(s.num_nodes))
    t0, paused, curve = time.perf_counter(), [0.0], []

    def snap(st):
        now = time.perf_counter()
        z = model.embedding.weight.detach().numpy()
        curve.append((now - t0 - paused[0], logistic_regression_scores(z, labels)["test_acc"]))
        paused[0] += time.perf_counter() - now

    model.fit(epochs=args.epochs, num_negative_samples=args.negatives, lr=0.025, threads=1,
              seed=args.seed, on_epoch=snap)
    return curve


def bench_sharded(args) -> dict:
    """The Node2Vec job (sgns) on 1 and 2 replicas, and ``Node2Vec.fit`` in one process on
    the same graph; per epoch (time, accuracy)."""
    from distgnn.jobs import read_metrics
    work = tempfile.mkdtemp(prefix="n2v-sharded-")
    example = os.path.join(ROOT, "examples", "configs", "node2vec.yaml")
    store = os.path.join(work, "g.zarr")
    out = {}
    for workers, tables in ((1, "in place"), (2, "in place"), (2, "pulled")):
        run_dir = os.path.join(work, f"w{workers}-{tables.replace(' ', '-')}")
        mapped = [f"model.memmap_dir={os.path.join(run_dir, 'tables')}"] if tables == "in place" else []
        argv = [sys.executable, "-m", "distgnn.cli", "train", example]
        for o in ("model.optimizer=sgns", "run.lr=0.025",
                  f"model.num_negative_samples={args.negatives}",
                  f"model.embedding_dim={args.job_dim}",
                  f"model.walk_length={args.job_walk_length}",
                  f"model.walks_per_node={args.job_walks_per_node}",
                  f"data.generator.num_nodes={args.job_nodes}",
                  f"data.generator.p_ratio={args.job_p_ratio}",
                  f"sampler.batch_size={args.batch_size}",
                  f"run.epochs={args.epochs}", f"scaling.num_workers={workers}",
                  f"run.dir={run_dir}", f"data.output={store}", "run.progress=false", *mapped):
            argv += ["-p", o]
        name = f"{workers} replica{'s' * (workers > 1)}, {tables}"
        print(f"job, {name} ...", flush=True)
        _run(argv)
        rows = read_metrics(os.path.join(run_dir, "metrics.csv"))
        t = np.cumsum([float(r["epoch_time_s"]) for r in rows])
        out[name] = [(float(a), float(r["test_acc"])) for a, r in zip(t, rows)]
    print("one process (Node2Vec.fit, 1 thread) ...", flush=True)
    out["one process"] = _store_fit_curve(store, args)
    shutil.rmtree(work, ignore_errors=True)
    return out


def report_sharded(out: dict, args) -> None:
    print(f"\nNode2Vec (sgns), planted partition {args.job_nodes} nodes (p_ratio "
          f"{args.job_p_ratio}), d={args.job_dim}, {args.job_walks_per_node} walks of "
          f"{args.job_walk_length} steps per node, {args.negatives} negative(s): "
          "(time after each epoch, test accuracy); jobs: summed epoch times")
    for w, curve in out.items():
        print(f"  {w:20s} " + "  ".join(f"{t:6.1f}s {a:.3f}" for t, a in curve))
    for base in ("one process", "1 replica, in place"):
        t1, a1 = out[base][-1]
        for name, curve in out.items():
            if name not in (base, "one process"):
                t2 = _time_to(curve, a1 - 0.005)
                print(f"{name} reach {base}'s final accuracy {a1:.3f} (-0.005) at {t2:.1f} s = "
                      f"{t2 / t1:.2f}x its time ({t1:.1f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["cora", "rmat", "sharded", "_ours", "_pyg"])
    ap.add_argument("spec", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--epochs", type=int, default=3, help="our epochs on Cora (and of the job)")
    ap.add_argument("--peer-epochs", type=int, default=1, help="gensim epochs on Cora (PecanPy's default)")
    ap.add_argument("--pyg-epochs", type=int, default=2, help="torch_geometric 1.7.2 epochs on Cora")
    ap.add_argument("--skip-pyg", action="store_true", help="leave torch_geometric 1.7.2 out")
    ap.add_argument("--workers", type=int, default=2, help="gensim workers")
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--seeds", type=int, default=3, help="warm runs of ours and the peer on Cora")
    ap.add_argument("--planetoid", default=PLANETOID, help="folder holding ind.cora.*")
    ap.add_argument("--plot", default=os.path.join(ROOT, "runs", "bench", "node2vec_cora.png"))
    ap.add_argument("--scale", type=int, default=20, help="R-MAT scale")
    ap.add_argument("--walks", type=int, default=1 << 16, help="walks trained on R-MAT (both sides)")
    ap.add_argument("--walk-length", type=int, default=80, help="steps per walk on R-MAT")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("-p", type=float, default=1.0)
    ap.add_argument("-q", type=float, default=1.0)
    ap.add_argument("--negatives", type=int, default=1, help="negatives of the sharded job")
    ap.add_argument("--batch-size", type=int, default=512,
                    help="start nodes per step and replica of the sharded job")
    ap.add_argument("--job-nodes", type=int, default=4000, help="planted-partition nodes (sharded)")
    ap.add_argument("--job-p-ratio", type=float, default=25.0,
                    help="within/between block edge odds of that graph (sharded)")
    ap.add_argument("--job-dim", type=int, default=32, help="embedding dim (sharded)")
    ap.add_argument("--job-walk-length", type=int, default=20, help="walk length (sharded)")
    ap.add_argument("--job-walks-per-node", type=int, default=4, help="walks per node (sharded)")
    args = ap.parse_args()
    if args.what in ("_ours", "_pyg"):
        spec = json.load(open(args.spec))
        (_ours_worker if args.what == "_ours" else _pyg_worker)(spec)
    elif args.what == "cora":
        report_cora(bench_cora(args), args.plot)
    elif args.what == "sharded":
        report_sharded(bench_sharded(args), args)
    else:
        report_rmat(bench_rmat(args))


if __name__ == "__main__":
    main()
