"""The layer list of the torch_geometric 1.7 drop-in tests: how to build each layer
(the same code builds it from ``distgnn.nn`` and from 1.7's ``torch_geometric.nn``)
and how to call it on one small graph. A new layer is covered by adding it here."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch.nn import Linear, ReLU, Sequential

__all__ = ["Case", "CASES", "MODULE_CASES", "FUNCTIONS", "graph", "N", "F"]

N, F, D = 12, 8, 3


def mlp(i: int, o: int) -> Sequential:
    return Sequential(Linear(i, o), ReLU(), Linear(o, o))


def graph(seed: int = 0, target_sorted: bool = False) -> SimpleNamespace:
    """A random graph of two components (batch 0 and 1) without self loops, edges
    in random order (or sorted by (target, source)), with every per-edge input."""
    gen = torch.Generator().manual_seed(seed)
    half = N // 2
    src = torch.randint(0, half, (40,), generator=gen)
    dst = torch.randint(0, half, (40,), generator=gen)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    src, dst = torch.cat([src, src + half]), torch.cat([dst, dst + half])
    key = torch.unique(dst * N + src)  # no duplicates, so every path sees one edge
    perm = torch.arange(key.numel()) if target_sorted else \
        torch.randperm(key.numel(), generator=gen)
    key = key[perm]
    edge_index = torch.stack([key % N, key // N])
    e = edge_index.size(1)
    g = SimpleNamespace(
        x=torch.randn(N, F, generator=gen),
        x0=torch.randn(N, F, generator=gen),
        edge_index=edge_index,
        edge_weight=torch.rand(e, generator=gen) + 0.1,
        edge_attr=torch.randn(e, D, generator=gen),
        edge_attr_f=torch.randn(e, F, generator=gen),
        edge_type=torch.randint(0, 3, (e,), generator=gen),
        pseudo=torch.rand(e, 2, generator=gen),
        pos=torch.randn(N, 3, generator=gen),
        normal=torch.nn.functional.normalize(torch.randn(N, 3, generator=gen), dim=-1),
        batch=torch.arange(N) // half,
        x_seq=torch.randn(N, 3, F, generator=gen),
        x_long=torch.randint(0, 3, (N,), generator=gen),
        hyperedge_index=torch.stack([torch.arange(N), torch.arange(N) % 4]),
    )
    g.x_dense = torch.randn(2, 5, F, generator=gen)
    g.adj_dense = (torch.rand(2, 5, 5, generator=gen) < 0.5).float()
    g.mask_dense = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    g.z = torch.randint(1, 10, (N,), generator=gen)
    g.xs = [g.x, g.x0]
    g.y = torch.randint(0, 3, (N,), generator=gen)
    g.train_mask = torch.arange(N) % 2 == 0
    g.deg = torch.bincount(torch.bincount(edge_index[1], minlength=N))
    g.pos_edge_index, g.neg_edge_index = edge_index[:, ::2], edge_index[:, 1::2]
    return g


Call = Callable[[SimpleNamespace], Tuple[tuple, dict]]


@dataclass
class Case:
    """One layer: ``build(nn)`` with ``nn`` a ``torch_geometric.nn``-like namespace,
    ``call(g)`` the positional and keyword arguments of ``forward``."""
    name: str
    build: Callable
    call: Call
    #: the positional index of ``edge_index`` (the SparseTensor path replaces it by
    #: ``adj_t``); ``None`` for layers without one or where 1.7 takes no SparseTensor
    sparse_arg: Optional[int] = None
    #: positional arguments dropped from the SparseTensor call (edge features it holds)
    sparse_drop: Tuple[int, ...] = ()
    #: the sparse path is bit-identical for a target-sorted edge_index (sum/mean)
    exact_sparse: bool = False
    #: typing strings for ``jittable()`` (``None``: 1.7's default); empty: not jittable
    jit: List[Optional[str]] = field(default_factory=list)
    #: an ``edge_index`` layer: repeated calls on one ``edge_index`` compared
    repeated: bool = True


def _c(*args: str, **kwargs: str) -> Call:
    def call(g):
        return tuple(getattr(g, a) for a in args), {k: getattr(g, v) for k, v in
                                                    kwargs.items()}
    return call


def _deg(g):
    return g.deg


CASES: List[Case] = [
    Case("GCNConv", lambda nn: nn.GCNConv(F, 6), _c("x", "edge_index", "edge_weight"), 1,
         (2,), jit=["(Tensor, Tensor, OptTensor) -> Tensor",
                    "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("ChebConv", lambda nn: nn.ChebConv(F, 6, K=3), _c("x", "edge_index", "edge_weight")),
    Case("SAGEConv", lambda nn: nn.SAGEConv(F, 6), _c("x", "edge_index"), 1,
         exact_sparse=True, jit=["(Tensor, Tensor, Size) -> Tensor",
                                 "(Tensor, SparseTensor, Size) -> Tensor"]),
    Case("SAGEConv_max", lambda nn: nn.SAGEConv(F, 6, aggr="max"), _c("x", "edge_index"), 1,
         exact_sparse=True),
    Case("GraphConv", lambda nn: nn.GraphConv(F, 6), _c("x", "edge_index", "edge_weight"), 1,
         (2,), exact_sparse=True, jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor",
                                       "(Tensor, SparseTensor, OptTensor, Size) -> Tensor"]),
    Case("GraphConv_mean", lambda nn: nn.GraphConv(F, 6, aggr="mean"),
         _c("x", "edge_index"), 1, exact_sparse=True),
    Case("GravNetConv", lambda nn: nn.GravNetConv(F, 6, 3, 4, k=3), _c("x", "batch"),
         jit=["(Tensor, OptTensor) -> Tensor"], repeated=False),
    Case("GatedGraphConv", lambda nn: nn.GatedGraphConv(F, num_layers=2),
         _c("x", "edge_index", "edge_weight"), 1, (2,),
         exact_sparse=True,
         jit=["(Tensor, Tensor, OptTensor) -> Tensor",
              "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("ResGatedGraphConv", lambda nn: nn.ResGatedGraphConv(F, 6), _c("x", "edge_index"), 1,
         exact_sparse=True,
         jit=["(Tensor, Tensor) -> Tensor", "(Tensor, SparseTensor) -> Tensor"]),
    Case("GATConv", lambda nn: nn.GATConv(F, 3, heads=2), _c("x", "edge_index"), 1,
         jit=["(Tensor, Tensor, Size, NoneType) -> Tensor",
              "(Tensor, SparseTensor, Size, NoneType) -> Tensor"]),
    Case("GATv2Conv", lambda nn: nn.GATv2Conv(F, 3, heads=2), _c("x", "edge_index"), 1,
         jit=["(Tensor, Tensor, Size, NoneType) -> Tensor",
              "(Tensor, SparseTensor, Size, NoneType) -> Tensor"]),
    Case("TransformerConv", lambda nn: nn.TransformerConv(F, 3, heads=2, edge_dim=D),
         _c("x", "edge_index", "edge_attr"), 1,
         exact_sparse=True,
         jit=["(Tensor, Tensor, OptTensor) -> Tensor"]),
    Case("AGNNConv", lambda nn: nn.AGNNConv(requires_grad=True), _c("x", "edge_index"), 1,
         jit=["(Tensor, Tensor) -> Tensor", "(Tensor, SparseTensor) -> Tensor"]),
    Case("TAGConv", lambda nn: nn.TAGConv(F, 6, K=2), _c("x", "edge_index", "edge_weight"), 1,
         (2,), jit=["(Tensor, Tensor, OptTensor) -> Tensor",
                    "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("GINConv", lambda nn: nn.GINConv(mlp(F, 6), train_eps=True), _c("x", "edge_index"), 1,
         exact_sparse=True, jit=["(Tensor, Tensor, Size) -> Tensor",
                                 "(Tensor, SparseTensor, Size) -> Tensor"]),
    Case("GINEConv", lambda nn: nn.GINEConv(mlp(F, 6), train_eps=True),
         _c("x", "edge_index", "edge_attr_f"), sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor"]),
    Case("ARMAConv", lambda nn: nn.ARMAConv(F, 6, num_stacks=2, num_layers=2),
         _c("x", "edge_index", "edge_weight"), 1, (2,),
         jit=["(Tensor, Tensor, OptTensor) -> Tensor",
              "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("SGConv", lambda nn: nn.SGConv(F, 6, K=2), _c("x", "edge_index", "edge_weight"), 1,
         (2,), jit=["(Tensor, Tensor, OptTensor) -> Tensor",
                    "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("APPNP", lambda nn: nn.APPNP(K=3, alpha=0.1), _c("x", "edge_index", "edge_weight"), 1,
         (2,), jit=["(Tensor, Tensor, OptTensor) -> Tensor",
                    "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("MFConv", lambda nn: nn.MFConv(F, 6, max_degree=4), _c("x", "edge_index"), 1,
         exact_sparse=True,
         jit=["(Tensor, Tensor, Size) -> Tensor", "(Tensor, SparseTensor, Size) -> Tensor"]),
    Case("RGCNConv", lambda nn: nn.RGCNConv(F, 6, 3, num_bases=2),
         _c("x", "edge_index", "edge_type"), sparse_arg=1, sparse_drop=(2,),
         jit=["(OptTensor, Tensor, OptTensor) -> Tensor"]),
    Case("FastRGCNConv", lambda nn: nn.FastRGCNConv(F, 6, 3, num_bases=2),
         _c("x", "edge_index", "edge_type"), sparse_arg=1, sparse_drop=(2,)),
    Case("SignedConv", lambda nn: nn.SignedConv(F, 3, first_aggr=True),
         _c("x", "pos_edge_index", "neg_edge_index"),
         jit=["(Tensor, Tensor, Tensor) -> Tensor"]),
    Case("DNAConv", lambda nn: nn.DNAConv(F, heads=2, groups=1), _c("x_seq", "edge_index"), 1,
         jit=["(Tensor, Tensor, OptTensor) -> Tensor",
              "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("PointConv", lambda nn: nn.PointConv(mlp(F + 3, 6), mlp(6, 6)),
         _c("x", "pos", "edge_index"), 2,
         jit=["(OptTensor, Tensor, Tensor) -> Tensor",
              "(OptTensor, Tensor, SparseTensor) -> Tensor"]),
    Case("GMMConv", lambda nn: nn.GMMConv(F, 6, dim=2, kernel_size=3),
         _c("x", "edge_index", "pseudo"), sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor"]),
    Case("SplineConv", lambda nn: nn.SplineConv(F, 6, dim=2, kernel_size=3),
         _c("x", "edge_index", "pseudo"), sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor"]),
    Case("NNConv", lambda nn: nn.NNConv(F, 6, Sequential(Linear(D, F * 6))),
         _c("x", "edge_index", "edge_attr"), sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor"]),
    Case("CGConv", lambda nn: nn.CGConv(F, dim=D), _c("x", "edge_index", "edge_attr"),
         sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor"]),
    Case("EdgeConv", lambda nn: nn.EdgeConv(mlp(2 * F, 6)), _c("x", "edge_index"), 1,
         exact_sparse=True,
         jit=["(Tensor, Tensor) -> Tensor", "(Tensor, SparseTensor) -> Tensor"]),
    Case("DynamicEdgeConv", lambda nn: nn.DynamicEdgeConv(mlp(2 * F, 6), k=3),
         _c("x", "batch"), jit=["(Tensor, OptTensor) -> Tensor"], repeated=False),
    Case("XConv", lambda nn: nn.XConv(F, 6, dim=3, kernel_size=3, hidden_channels=4),
         _c("x", "pos", "batch"), jit=["(Tensor, Tensor, OptTensor) -> Tensor"],
         repeated=False),
    Case("PPFConv", lambda nn: nn.PPFConv(mlp(F + 4, 6), mlp(6, 6)),
         _c("x", "pos", "normal", "edge_index"), 3,
         exact_sparse=True,
         jit=["(OptTensor, Tensor, Tensor, Tensor) -> Tensor",
              "(OptTensor, Tensor, Tensor, SparseTensor) -> Tensor"]),
    Case("FeaStConv", lambda nn: nn.FeaStConv(F, 6, heads=2), _c("x", "edge_index"), 1,
         jit=["(Tensor, Tensor) -> Tensor", "(Tensor, SparseTensor) -> Tensor"]),
    Case("HypergraphConv", lambda nn: nn.HypergraphConv(F, 6), _c("x", "hyperedge_index")),
    Case("LEConv", lambda nn: nn.LEConv(F, 6), _c("x", "edge_index", "edge_weight"), 1, (2,),
         jit=["(Tensor, Tensor, OptTensor) -> Tensor",
              "(Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("PNAConv", lambda nn: nn.PNAConv(F, 6, ["mean", "min", "max", "std"],
                                          ["identity", "amplification", "attenuation"],
                                          torch.tensor([0, 2, 4, 3, 2, 1]), edge_dim=D,
                                          towers=2),
         _c("x", "edge_index", "edge_attr"), sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor) -> Tensor"]),
    Case("ClusterGCNConv", lambda nn: nn.ClusterGCNConv(F, 6), _c("x", "edge_index"), sparse_arg=1,
         jit=["(Tensor, Tensor, Size) -> Tensor"]),
    Case("GENConv", lambda nn: nn.GENConv(F, 6, learn_t=True, learn_p=True,
                                          aggr="softmax_sg"), _c("x", "edge_index"), 1,
         exact_sparse=True,
         jit=["(Tensor, Tensor, OptTensor, Size) -> Tensor",
              "(Tensor, SparseTensor, OptTensor, Size) -> Tensor"]),
    Case("GCN2Conv", lambda nn: nn.GCN2Conv(F, alpha=0.1, theta=0.5, layer=1),
         _c("x", "x0", "edge_index", "edge_weight"), 2, (3,),
         jit=["(Tensor, Tensor, Tensor, OptTensor) -> Tensor",
              "(Tensor, Tensor, SparseTensor, OptTensor) -> Tensor"]),
    Case("PANConv", lambda nn: nn.PANConv(F, 6, filter_size=2), _c("x", "edge_index"), sparse_arg=1),
    Case("WLConv", lambda nn: nn.WLConv(), _c("x_long", "edge_index"), sparse_arg=1, repeated=False),
    Case("FiLMConv", lambda nn: nn.FiLMConv(F, 6, num_relations=3),
         _c("x", "edge_index", "edge_type"), sparse_arg=1, sparse_drop=(2,),
         jit=["(Tensor, Tensor, OptTensor) -> Tensor"]),
    Case("SuperGATConv", lambda nn: nn.SuperGATConv(F, 3, heads=2), _c("x", "edge_index")),
    Case("FAConv", lambda nn: nn.FAConv(F, eps=0.2), _c("x", "x0", "edge_index"), 2,
         jit=["(Tensor, Tensor, Tensor, OptTensor, NoneType) -> Tensor",
              "(Tensor, Tensor, SparseTensor, OptTensor, NoneType) -> Tensor"]),
    Case("EGConv", lambda nn: nn.EGConv(F, 8, aggregators=["sum", "mean", "symnorm", "max",
                                                           "std"], num_heads=2, num_bases=2),
         _c("x", "edge_index"), 1,
         jit=["(Tensor, Tensor) -> Tensor", "(Tensor, SparseTensor) -> Tensor"]),
]


def _dgi(nn):
    return nn.DeepGraphInfomax(6, nn.GCNConv(F, 6), lambda z, *a, **k: z.mean(0).sigmoid(),
                               lambda x, edge_index: (x.flip(0), edge_index))


def _none(g):
    return (), {}


#: Norms, pooling, dense layers and models (``repeated``: forward compared across
#: calls; ``call`` returning nothing: only the state_dict is compared).
MODULE_CASES: List[Case] = [
    Case("DenseGCNConv", lambda nn: nn.DenseGCNConv(F, 6), _c("x_dense", "adj_dense",
                                                              "mask_dense"), jit=[None]),
    Case("DenseGINConv", lambda nn: nn.DenseGINConv(mlp(F, 6), train_eps=True),
         _c("x_dense", "adj_dense", "mask_dense"), jit=[None]),
    Case("DenseGraphConv", lambda nn: nn.DenseGraphConv(F, 6), _c("x_dense", "adj_dense",
                                                                  "mask_dense"), jit=[None]),
    Case("DenseSAGEConv", lambda nn: nn.DenseSAGEConv(F, 6), _c("x_dense", "adj_dense",
                                                                "mask_dense"), jit=[None]),
    Case("BatchNorm", lambda nn: nn.BatchNorm(F), _c("x"), jit=[None]),
    Case("InstanceNorm", lambda nn: nn.InstanceNorm(F, affine=True,
                                                    track_running_stats=True),
         _c("x", "batch"), jit=[None]),
    Case("LayerNorm", lambda nn: nn.LayerNorm(F), _c("x", "batch"), jit=[None]),
    Case("GraphNorm", lambda nn: nn.GraphNorm(F), _c("x", "batch"), jit=[None]),
    Case("GraphSizeNorm", lambda nn: nn.GraphSizeNorm(), _c("x", "batch"), jit=[None]),
    Case("PairNorm", lambda nn: nn.PairNorm(scale_individually=True), _c("x", "batch"),
         jit=[None]),
    Case("MessageNorm", lambda nn: nn.MessageNorm(learn_scale=True), _c("x", "x0")),
    Case("DiffGroupNorm", lambda nn: nn.DiffGroupNorm(F, 3), _c("x"), jit=[None]),
    Case("GlobalAttention", lambda nn: nn.GlobalAttention(Linear(F, 1), Linear(F, 6)),
         _c("x", "batch")),
    Case("Set2Set", lambda nn: nn.Set2Set(F, 2), _c("x", "batch")),
    Case("TopKPooling", lambda nn: nn.TopKPooling(F, ratio=0.5),
         _c("x", "edge_index", batch="batch")),
    Case("SAGPooling", lambda nn: nn.SAGPooling(F, ratio=0.5),
         _c("x", "edge_index", batch="batch")),
    Case("EdgePooling", lambda nn: nn.EdgePooling(F), _c("x", "edge_index", "batch")),
    Case("ASAPooling", lambda nn: nn.ASAPooling(F, ratio=0.5),
         _c("x", "edge_index", batch="batch")),
    Case("MemPooling", lambda nn: nn.MemPooling(F, 6, heads=2, num_clusters=3),
         _c("x", "batch")),
    Case("JumpingKnowledge", lambda nn: nn.JumpingKnowledge("lstm", F, 2), _c("xs")),
    Case("GraphUNet", lambda nn: nn.GraphUNet(F, 6, 4, depth=2), _c("x", "edge_index")),
    Case("SignedGCN", lambda nn: nn.SignedGCN(F, 6, 2),
         _c("x", "pos_edge_index", "neg_edge_index")),
    Case("AttentiveFP", lambda nn: nn.AttentiveFP(F, 6, 4, edge_dim=D, num_layers=2,
                                                  num_timesteps=2),
         _c("x", "edge_index", "edge_attr", "batch")),
    Case("SchNet", lambda nn: nn.SchNet(hidden_channels=8, num_filters=8, num_interactions=2,
                                        num_gaussians=5, cutoff=5.0), _c("z", "pos", "batch")),
    Case("DimeNet", lambda nn: nn.DimeNet(8, 2, num_blocks=1, num_bilinear=2,
                                          num_spherical=3, num_radial=3, cutoff=5.0),
         _c("z", "pos", "batch")),
    Case("DeepGraphInfomax", _dgi, _c("x", "edge_index")),
    Case("GAE", lambda nn: nn.GAE(nn.GCNConv(F, 6)), _none),
    Case("VGAE", lambda nn: nn.VGAE(nn.GCNConv(F, 6)), _none),
    Case("ARGA", lambda nn: nn.ARGA(nn.GCNConv(F, 6), Linear(6, 1)), _none),
    Case("ARGVA", lambda nn: nn.ARGVA(nn.GCNConv(F, 6), Linear(6, 1)), _none),
    Case("RENet", lambda nn: nn.RENet(N, 3, 4, seq_len=2), _none),
    Case("DeepGCNLayer", lambda nn: nn.DeepGCNLayer(nn.GENConv(F, F), nn.LayerNorm(F),
                                                    ReLU(), block="res+"),
         _c("x", "edge_index")),
    Case("MetaLayer", lambda nn: nn.MetaLayer(None, None, None), _none),
    Case("LabelPropagation", lambda nn: nn.LabelPropagation(num_layers=3, alpha=0.9),
         _c("y", "edge_index", "train_mask")),
]


def _assign(g):
    return torch.arange(N) // 3


#: Functions of ``torch_geometric.nn``: ``name -> (nn, g) -> output``.
FUNCTIONS: Dict[str, Callable] = {
    "global_add_pool": lambda nn, g: nn.global_add_pool(g.x, g.batch),
    "global_mean_pool": lambda nn, g: nn.global_mean_pool(g.x, g.batch),
    "global_max_pool": lambda nn, g: nn.global_max_pool(g.x, g.batch),
    "global_sort_pool": lambda nn, g: nn.global_sort_pool(g.x, g.batch, 3),
    "dense_diff_pool": lambda nn, g: nn.dense_diff_pool(g.x_dense, g.adj_dense,
                                                        g.x_dense[..., :3], g.mask_dense),
    "dense_mincut_pool": lambda nn, g: nn.dense_mincut_pool(g.x_dense, g.adj_dense,
                                                            g.x_dense[..., :3], g.mask_dense),
    "knn_interpolate": lambda nn, g: nn.knn_interpolate(g.x[:6], g.pos[:6], g.pos[6:], k=3),
    "knn": lambda nn, g: nn.knn(g.pos[:6], g.pos[6:], 2),
    "knn_graph": lambda nn, g: nn.knn_graph(g.pos, 3, g.batch),
    "radius_graph": lambda nn, g: nn.radius_graph(g.pos, 1.5, g.batch),
    "fps": lambda nn, g: nn.fps(g.pos, g.batch, 0.5, random_start=False),
    "voxel_grid": lambda nn, g: nn.voxel_grid(g.pos, g.batch, 0.7),
    "nearest": lambda nn, g: nn.nearest(g.pos[:6], g.pos[6:]),
    "max_pool_x": lambda nn, g: nn.max_pool_x(_assign(g), g.x, g.batch),
    "avg_pool_x": lambda nn, g: nn.avg_pool_x(_assign(g), g.x, g.batch),
    "bro": lambda nn, g: nn.functional.bro(g.x, g.batch),
    "gini": lambda nn, g: nn.functional.gini(g.x.abs()),
}
