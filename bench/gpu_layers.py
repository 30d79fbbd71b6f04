"""Forward + backward time of a few layers on one device, distgnn vs torch_geometric 2.8.1.

    .venv/bin/python bench/gpu_layers.py [--device cuda] [--scale 17]

Part of ``bench/gpu_check.sh``; runs on the CPU as well (``--device cpu``).
"""
import argparse
import time

import torch

import distgnn.nn as ours
from distgnn.data import rmat_edge_index

try:
    import torch_geometric.nn as peer
except ImportError:  # the peer is optional
    peer = None

LAYERS = ("SAGEConv", "GCNConv", "ClusterGCNConv", "GINConv", "GATConv")


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(layer, x, ei, dev, repeat: int = 10) -> float:
    """Milliseconds per forward + backward after three warm-up passes."""
    layer = layer.to(dev)
    for _ in range(3):
        layer(x, ei).sum().backward()
    _sync(dev)
    t0 = time.perf_counter()
    for _ in range(repeat):
        layer(x, ei).sum().backward()
    _sync(dev)
    return (time.perf_counter() - t0) / repeat * 1e3


def make(lib, name: str, width: int):
    if name == "GINConv":
        return lib.GINConv(torch.nn.Linear(width, width))
    return getattr(lib, name)(width, width)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--scale", type=int, default=17)
    p.add_argument("--width", type=int, default=64)
    args = p.parse_args()
    dev = torch.device(args.device)
    ei = rmat_edge_index(args.scale, 16, seed=0).to(dev)
    x = torch.randn(1 << args.scale, args.width, device=dev, requires_grad=True)
    print(f"R-MAT {args.scale}: {x.size(0):,} nodes, {ei.size(1):,} edges, width {args.width}, {dev}")
    for name in LAYERS:
        a = timed(make(ours, name, args.width), x, ei, dev)
        b = timed(make(peer, name, args.width), x, ei, dev) if peer is not None else float("nan")
        print(f"{name:16s} distgnn {a:9.2f} ms   torch_geometric {b:9.2f} ms   ratio {a / b:5.2f}")


if __name__ == "__main__":
    main()
