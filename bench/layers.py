"""Every layer of distgnn.nn against torch_geometric 2.8.1, forward + backward.

Both libraries build the same layer on the same seeded R-MAT graph (scale 17,
F=64 by default) and time one forward + backward pass; the table prints
distgnn / torch_geometric time ratios, worst first (goal: <= 0.8 each).

    python bench/layers.py                 # every layer
    python bench/layers.py --only GCNConv SAGEConv --scale 15
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import torch
from torch.nn import Linear, ReLU, Sequential as Seq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import print_table, time_call  # noqa: E402

import distgnn.nn as dnn  # noqa: E402
from distgnn.data import rmat_edge_index  # noqa: E402


@dataclass
class Graph:
    """Inputs every layer may need, on one graph."""
    x: torch.Tensor
    edge_index: torch.Tensor
    edge_weight: torch.Tensor
    edge_attr: torch.Tensor
    edge_type: torch.Tensor
    pos: torch.Tensor
    pseudo: torch.Tensor
    batch: torch.Tensor
    edge_attr_wide: torch.Tensor  # one feature vector of width F per edge


def make_graph(scale: int, channels: int, edge_dim: int = 8, seed: int = 0) -> Graph:
    gen = torch.Generator().manual_seed(seed)
    edge_index = rmat_edge_index(scale, seed=seed)
    n, e = 1 << scale, edge_index.size(1)
    return Graph(
        x=torch.randn(n, channels, generator=gen).requires_grad_(),
        edge_index=edge_index,
        edge_weight=torch.rand(e, generator=gen),
        edge_attr=torch.randn(e, edge_dim, generator=gen),
        edge_type=torch.randint(0, 4, (e,), generator=gen),
        pos=torch.rand(n, 3, generator=gen),
        pseudo=torch.rand(e, 2, generator=gen),
        batch=torch.zeros(n, dtype=torch.long),
        edge_attr_wide=torch.randn(e, channels, generator=gen),
    )


def mlp(i: int, o: int) -> Seq:
    return Seq(Linear(i, o), ReLU(), Linear(o, o))


@dataclass
class Spec:
    name: str
    build: Callable  # (nn namespace, graph, channels) -> module
    call: Callable   # (module, graph) -> Tensor
    graph: str = "big"  # big | small (edge features) | points (geometry)
    peer_name: str = ""  # the class name in torch_geometric 2.8.1 when it differs


def first_of(nn, *names: str):
    """The first of ``names`` that the library defines (renamed layers)."""
    return next(getattr(nn, name) for name in names if hasattr(nn, name))


def _deg_hist(g: Graph) -> torch.Tensor:
    deg = torch.bincount(g.edge_index[1], minlength=g.x.size(0))
    return torch.bincount(deg)


C = 64
SPECS: List[Spec] = [
    Spec("GCNConv", lambda nn, g, c: nn.GCNConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("SAGEConv", lambda nn, g, c: nn.SAGEConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("GATConv", lambda nn, g, c: nn.GATConv(c, c // 4, heads=4),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("GINConv", lambda nn, g, c: nn.GINConv(mlp(c, c)), lambda m, g: m(g.x, g.edge_index)),
    Spec("GINEConv", lambda nn, g, c: nn.GINEConv(mlp(c, c)),
         lambda m, g: m(g.x, g.edge_index, g.edge_attr_wide), "small"),
    Spec("GraphConv", lambda nn, g, c: nn.GraphConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("ClusterGCNConv", lambda nn, g, c: nn.ClusterGCNConv(c, c),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("GATv2Conv", lambda nn, g, c: nn.GATv2Conv(c, c // 4, heads=4),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("TransformerConv", lambda nn, g, c: nn.TransformerConv(c, c // 4, heads=4),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("AGNNConv", lambda nn, g, c: nn.AGNNConv(), lambda m, g: m(g.x, g.edge_index)),
    Spec("SuperGATConv", lambda nn, g, c: nn.SuperGATConv(c, c // 4, heads=4),
         lambda m, g: m(g.x, g.edge_index), "small"),
    Spec("FAConv", lambda nn, g, c: nn.FAConv(c), lambda m, g: m(g.x, g.x, g.edge_index)),
    Spec("GENConv", lambda nn, g, c: nn.GENConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("PNAConv", lambda nn, g, c: nn.PNAConv(c, c, ["mean", "min", "max", "std"],
                                                ["identity", "amplification", "attenuation"],
                                                _deg_hist(g)),
         lambda m, g: m(g.x, g.edge_index), "small"),
    Spec("EGConv", lambda nn, g, c: nn.EGConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("ChebConv", lambda nn, g, c: nn.ChebConv(c, c, K=3), lambda m, g: m(g.x, g.edge_index)),
    Spec("APPNP", lambda nn, g, c: nn.APPNP(K=5, alpha=0.1), lambda m, g: m(g.x, g.edge_index)),
    Spec("SGConv", lambda nn, g, c: nn.SGConv(c, c, K=2), lambda m, g: m(g.x, g.edge_index)),
    Spec("TAGConv", lambda nn, g, c: nn.TAGConv(c, c, K=3), lambda m, g: m(g.x, g.edge_index)),
    Spec("ARMAConv", lambda nn, g, c: nn.ARMAConv(c, c, num_stacks=2, num_layers=2),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("GCN2Conv", lambda nn, g, c: nn.GCN2Conv(c, alpha=0.1, theta=0.5, layer=1),
         lambda m, g: m(g.x, g.x, g.edge_index)),
    Spec("LEConv", lambda nn, g, c: nn.LEConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("FiLMConv", lambda nn, g, c: nn.FiLMConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("MFConv", lambda nn, g, c: nn.MFConv(c, c), lambda m, g: m(g.x, g.edge_index)),
    Spec("ResGatedGraphConv", lambda nn, g, c: nn.ResGatedGraphConv(c, c),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("GatedGraphConv", lambda nn, g, c: nn.GatedGraphConv(c, num_layers=2),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("CGConv", lambda nn, g, c: nn.CGConv(c, dim=g.edge_attr.size(1)),
         lambda m, g: m(g.x, g.edge_index, g.edge_attr), "small"),
    Spec("SignedConv", lambda nn, g, c: nn.SignedConv(c, c // 2, first_aggr=True),
         lambda m, g: m(g.x, g.edge_index[:, ::2], g.edge_index[:, 1::2])),
    Spec("HypergraphConv", lambda nn, g, c: nn.HypergraphConv(c, c),
         lambda m, g: m(g.x, g.edge_index)),
    Spec("DNAConv", lambda nn, g, c: nn.DNAConv(c, heads=4, groups=1),
         lambda m, g: m(g.x.unsqueeze(1).repeat(1, 2, 1), g.edge_index), "small"),
    Spec("PANConv", lambda nn, g, c: nn.PANConv(c, c, filter_size=2),
         lambda m, g: m(g.x, g.edge_index)[0], "small"),
    Spec("RGCNConv", lambda nn, g, c: nn.RGCNConv(c, c, num_relations=4),
         lambda m, g: m(g.x, g.edge_index, g.edge_type)),
    Spec("FastRGCNConv", lambda nn, g, c: nn.FastRGCNConv(c, c, num_relations=4),
         lambda m, g: m(g.x, g.edge_index, g.edge_type), "small"),
    Spec("NNConv", lambda nn, g, c: nn.NNConv(c, 16, Seq(Linear(g.edge_attr.size(1), c * 16))),
         lambda m, g: m(g.x, g.edge_index, g.edge_attr), "small"),
    Spec("EdgeConv", lambda nn, g, c: nn.EdgeConv(mlp(2 * c, c)),
         lambda m, g: m(g.x, g.edge_index), "small"),
    Spec("DynamicEdgeConv", lambda nn, g, c: nn.DynamicEdgeConv(mlp(2 * c, c), k=10),
         lambda m, g: m(g.x, g.batch), "points"),
    Spec("PointConv", lambda nn, g, c: first_of(nn, "PointConv", "PointNetConv")(
         mlp(c + 3, c), mlp(c, c)),
         lambda m, g: m(g.x, g.pos, g.edge_index), "small", peer_name="PointNetConv"),
    Spec("PPFConv", lambda nn, g, c: nn.PPFConv(mlp(c + 4, c), mlp(c, c)),
         lambda m, g: m(g.x, g.pos, g.pos, g.edge_index), "small"),
    Spec("XConv", lambda nn, g, c: nn.XConv(c, c, dim=3, kernel_size=8),
         lambda m, g: m(g.x, g.pos, g.batch), "points"),
    Spec("GravNetConv", lambda nn, g, c: nn.GravNetConv(c, c, 4, 16, k=10),
         lambda m, g: m(g.x, g.batch), "points"),
    Spec("FeaStConv", lambda nn, g, c: nn.FeaStConv(c, c, heads=4),
         lambda m, g: m(g.x, g.edge_index), "small"),
    Spec("GMMConv", lambda nn, g, c: nn.GMMConv(c, c, dim=2, kernel_size=4),
         lambda m, g: m(g.x, g.edge_index, g.pseudo), "small"),
    Spec("SplineConv", lambda nn, g, c: nn.SplineConv(c, c, dim=2, kernel_size=5),
         lambda m, g: m(g.x, g.edge_index, g.pseudo), "small"),
]

DENSE = ["DenseGCNConv", "DenseSAGEConv", "DenseGraphConv", "DenseGINConv"]


def load_peer():
    try:
        import torch_geometric.nn as pyg_nn
    except ImportError:
        sys.exit("bench/layers.py needs the peer: pip install -e '.[bench]'")
    return pyg_nn


def fwd_bwd(module: torch.nn.Module, spec: Spec, g: Graph) -> Callable[[], None]:
    def run():
        out = spec.call(module, g)
        if isinstance(out, tuple):
            out = out[0]
        out.float().sum().backward()
    return run


def bench_spec(spec: Spec, graphs: Dict[str, Graph], peer, repeat: int) -> Optional[list]:
    g = graphs[spec.graph]
    times = []
    for nn in (dnn, peer):
        name = spec.peer_name if nn is peer and spec.peer_name else spec.name
        if not hasattr(nn, name):
            return [spec.name, spec.graph, "-", "-", "missing in " +
                    ("distgnn" if nn is dnn else "peer")]
        torch.manual_seed(0)
        try:
            module = spec.build(nn, g, g.x.size(1))
            times.append(time_call(fwd_bwd(module, spec, g), repeat=repeat))
        except Exception as exc:  # a failing layer is reported, the run goes on
            lib = "distgnn" if nn is dnn else "peer"
            return [spec.name, spec.graph, "-", "-", f"{lib} failed: {type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:60]}"]
    return [spec.name, spec.graph, f"{times[0] * 1e3:.0f}", f"{times[1] * 1e3:.0f}",
            f"{times[0] / times[1]:.2f}"]


def bench_dense(name: str, peer, repeat: int) -> list:
    torch.manual_seed(0)
    b, n, c = 8, 512, C
    x = torch.randn(b, n, c)
    adj = (torch.rand(b, n, n) < 0.05).float()
    times = []
    for nn in (dnn, peer):
        if not hasattr(nn, name):
            return [name, "dense", "-", "-", "missing in " + ("distgnn" if nn is dnn else "peer")]
        module = nn.DenseGINConv(mlp(c, c)) if name == "DenseGINConv" else getattr(nn, name)(c, c)
        times.append(time_call(lambda: module(x, adj).sum().backward(), repeat=repeat))
    return [name, "dense", f"{times[0] * 1e3:.0f}", f"{times[1] * 1e3:.0f}",
            f"{times[0] / times[1]:.2f}"]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=17, help="R-MAT scale of the main graph")
    parser.add_argument("--small-scale", type=int, default=14,
                        help="R-MAT scale for layers with per-edge feature matrices")
    parser.add_argument("--points", type=int, default=8192, help="points for knn layers")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--only", nargs="*", help="layer names to run")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    peer = load_peer()
    graphs = {"big": make_graph(args.scale, C), "small": make_graph(args.small_scale, C)}
    pts = make_graph(args.small_scale, C)
    pts.x, pts.pos = pts.x[: args.points], pts.pos[: args.points]
    pts.batch = torch.zeros(args.points, dtype=torch.long)
    graphs["points"] = pts
    print(f"R-MAT scale {args.scale}: {graphs['big'].x.size(0)} nodes, "
          f"{graphs['big'].edge_index.size(1)} edges, F={C}; small graph scale "
          f"{args.small_scale}; {args.points} points; torch threads {torch.get_num_threads()}")
    rows = []
    for spec in SPECS:
        if args.only and spec.name not in args.only:
            continue
        rows.append(bench_spec(spec, graphs, peer, args.repeat))
        print("  ".join(rows[-1]), flush=True)
    for name in DENSE:
        if not args.only or name in args.only:
            rows.append(bench_dense(name, peer, args.repeat))
            print("  ".join(rows[-1]), flush=True)

    def key(row):
        try:
            return -float(row[4])
        except ValueError:
            return float("inf")
    rows.sort(key=key)
    print()
    print_table(["layer", "graph", "distgnn ms", "pyg ms", "ratio"], rows)


if __name__ == "__main__":
    main()
