"""Sampler benchmark: random walks, neighbour sampling, and shard actors on local Ray.

    python bench/sampler.py            # R-MAT scale 17 and 20
    python bench/sampler.py --quick    # scale 17, fewer batches
    python bench/sampler.py --checksums 20   # cost of crc32c checks on read, R-MAT 20 sized arrays

Peers: torch_cluster.random_walk and torch_geometric's NeighborLoader (when
installed). Prints throughput and our/peer ratios.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from distgnn.data import Data, rmat_edge_index  # noqa: E402
from distgnn.sampler import NeighborLoader, launch_shard_servers, out_csr, random_walk  # noqa: E402
from distgnn.sampler import shutdown_shard_servers  # noqa: E402

FANOUTS = [15, 10, 5]


def _timed(fn, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_walks(ei, n: int, num_walks: int, length: int) -> None:
    rowptr, col, _ = out_csr(ei, n)
    start = torch.from_numpy(np.random.default_rng(0).integers(0, n, num_walks))
    steps = num_walks * length
    import torch_cluster  # noqa: F401
    rp, c = torch.from_numpy(rowptr), torch.from_numpy(col)
    for p, q in [(1.0, 1.0), (0.5, 2.0)]:
        random_walk(rowptr, col, start[:64], length, p, q, seed=0)  # compile
        ours = steps / _timed(lambda: random_walk(rowptr, col, start, length, p, q, seed=0))
        peer = steps / _timed(lambda: torch.ops.torch_cluster.random_walk(rp, c, start, length, p, q), 1)
        print(f"  random walk p={p} q={q}: ours {ours / 1e6:6.1f} M steps/s | torch_cluster "
              f"{peer / 1e6:6.1f} M steps/s | ratio {ours / peer:5.2f}x", flush=True)


def _run_loader(loader, num_batches: int):
    it = iter(loader)
    next(it)  # warm-up (compile, first fetch)
    edges, t = 0, time.perf_counter()
    for i, batch in zip(range(num_batches), it):
        edges += batch.num_sampled_edges if hasattr(batch, "num_sampled_edges") else batch.edge_index.size(1)
    dt = time.perf_counter() - t
    if hasattr(loader, "close"):
        loader.close()
    return edges / dt, (i + 1) / dt


def bench_neighbors(data: Data, num_batches: int):
    loader = NeighborLoader(data, FANOUTS, batch_size=1024, shuffle=True, seed=0)
    ours, ours_b = _run_loader(loader, num_batches)
    line = f"  neighbour {FANOUTS}, batch 1024: ours {ours / 1e6:5.2f} M edges/s ({ours_b:5.1f} batches/s)"
    try:
        import torch_geometric.data as pyg_data
        from torch_geometric.loader import NeighborLoader as PygLoader
    except ImportError:
        print(line + " | torch_geometric not installed", flush=True)
        return ours
    pdata = pyg_data.Data(x=data.x, edge_index=data.edge_index, num_nodes=data.num_nodes)
    peer, peer_b = _run_loader(PygLoader(pdata, num_neighbors=FANOUTS, batch_size=1024, shuffle=True),
                               num_batches)
    print(line + f" | PyG {peer / 1e6:5.2f} M edges/s ({peer_b:5.1f} batches/s) | ratio "
          f"{ours / peer:5.2f}x edges/s", flush=True)
    return ours


def bench_actors(data: Data, num_batches: int, in_process: float) -> None:
    import ray
    from distgnn.partition import partition_graph, write_store
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.zarr")
        parts = partition_graph(data.edge_index, data.num_nodes, 4, method="random", seed=0)
        write_store(path, data.edge_index, data.num_nodes, parts, x=data.x, method="random")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            client = launch_shard_servers(path, num_servers=2)
            loader = NeighborLoader(client, FANOUTS, batch_size=1024, shuffle=True, seed=0)
            rate, rate_b = _run_loader(loader, num_batches)
            shutdown_shard_servers(client)
            local, _ = _run_loader(NeighborLoader(path, FANOUTS, batch_size=1024, shuffle=True, seed=0),
                                   num_batches)
        finally:
            ray.shutdown()
    print(f"  shard actors (4 parts, 2 actors, local Ray): {rate / 1e6:5.2f} M edges/s ({rate_b:4.1f} "
          f"batches/s) | local store {local / 1e6:5.2f} | in-memory {in_process / 1e6:5.2f} | "
          f"actor overhead {in_process / rate:4.2f}x", flush=True)


def _read_all(arr) -> float:
    t = time.perf_counter()
    for a in range(0, arr.shape[0], arr.chunks[0]):
        arr[a:a + arr.chunks[0]]
    return time.perf_counter() - t


def bench_checksums(scale: int) -> None:
    """Read time of a store's arrays with and without their crc32c codec, and a server's open."""
    import zarr
    from zarr.codecs import Crc32cCodec, ZstdCodec

    from distgnn.partition import partition_graph, write_store
    from distgnn.partition.store import CHUNK_ELEMS, ZSTD_LEVEL
    from distgnn.sampler.server import ShardServer

    ei = rmat_edge_index(scale, seed=0)
    n = 1 << scale
    col = ei[0].numpy().astype(np.int32)
    x = np.random.default_rng(0).normal(size=(n, 32)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        g = zarr.open_group(os.path.join(tmp, "c.zarr"), mode="w")
        rows = []
        for name, data in (("col int32", col), ("x float32[n, 32]", x)):
            chunks = (max(1, CHUNK_ELEMS // int(np.prod(data.shape[1:]))),) + data.shape[1:]
            times = []
            for codecs in ([ZstdCodec(level=ZSTD_LEVEL)], [ZstdCodec(level=ZSTD_LEVEL), Crc32cCodec()]):
                arr = g.create_array(f"a{len(times)}{name[0]}", shape=data.shape, dtype=data.dtype,
                                     chunks=chunks, compressors=codecs, fill_value=0)
                arr[...] = data
                times.append(min(_read_all(arr) for _ in range(3)))
            mb = data.nbytes / 1e6
            rows.append(f"  read {name:<18} {mb:7.0f} MB: zstd {mb / times[0]:6.0f} MB/s | zstd+crc32c "
                        f"{mb / times[1]:6.0f} MB/s | checked/unchecked time {times[1] / times[0]:4.2f}x")
        print(f"checksums on read (R-MAT scale {scale}: {n} nodes, {col.shape[0]} edges)")
        print("\n".join(rows), flush=True)
        path = os.path.join(tmp, "g.zarr")
        parts = partition_graph(ei, n, 4, method="random", seed=0)
        write_store(path, ei, n, parts, x=x, method="random")
        for servers in (1, 2):
            t = time.perf_counter()
            for k in range(servers):
                server = ShardServer(path, list(range(k, 4, servers)))
                server.info()
                server.close()
            print(f"  shard server open (spool {4 // servers} of 4 parts, checks included) x{servers}: "
                  f"{time.perf_counter() - t:5.2f} s", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="scale 17 only, fewer batches")
    ap.add_argument("--scales", type=int, nargs="*", default=None)
    ap.add_argument("--checksums", type=int, metavar="SCALE", default=None,
                    help="only measure the cost of checksum checks on read at this R-MAT scale")
    args = ap.parse_args(argv)
    if args.checksums is not None:
        return bench_checksums(args.checksums)
    scales = args.scales or ([17] if args.quick else [17, 20])
    batches = 10 if args.quick else 30
    torch.manual_seed(0)
    for scale in scales:
        t = time.perf_counter()
        ei = rmat_edge_index(scale, seed=0)
        n = 1 << scale
        print(f"R-MAT scale {scale}: {n} nodes, {ei.size(1)} edges ({time.perf_counter() - t:.1f} s)",
              flush=True)
        bench_walks(ei, n, min(n, 1 << 17), 80)
        data = Data(x=torch.randn(n, 64), edge_index=ei, num_nodes=n)
        rate = bench_neighbors(data, batches)
        if scale == scales[0]:
            bench_actors(data, batches, rate)


if __name__ == "__main__":
    main()
