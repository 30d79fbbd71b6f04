r"""Moving the linear ends of per-edge networks to the nodes.

A network :math:`h` whose first layer is linear, applied to a concatenation of a
source-node term, a target-node term and an edge term,
:math:`h(\mathbf{W}[\mathbf{a}_j \Vert \mathbf{b}_i \Vert \mathbf{c}_{ji}] + \mathbf{w})`,
equals :math:`h^{\prime}(\mathbf{W}_a \mathbf{a}_j + \mathbf{W}_b \mathbf{b}_i +
\mathbf{W}_c \mathbf{c}_{ji} + \mathbf{w})`: the node products are computed once per
node instead of once per edge, which removes most of the per-edge matrix work of
EdgeConv, PointConv, PPFConv and NNConv. Only exact ``torch.nn.Linear`` and
``torch.nn.Sequential`` networks are split; anything else takes the generic path.

A layer's scripted copy (``jittable()``) takes the same split, so it computes what the
eager layer does, bit for bit: :func:`split_flags` marks the copy with which end of
which network is linear, and TorchScript compiles only the branch a mark names
(``hasattr`` on a module is resolved when the module is scripted).
"""
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor
from torch.nn import Linear, Sequential

from ... import ops
from ...typing import Adj, SparseTensor

__all__ = ["first_linear", "last_linear", "edge_ends", "sorted_edges", "segment_aggregate",
           "linear_parts", "split_flags", "edge_mlp_first_layer"]


def _identity(x: Tensor) -> Tensor:
    return x


def first_linear(nn) -> Optional[Tuple[Linear, Callable[[Tensor], Tensor]]]:
    """``(first Linear, rest of the network)`` or ``None`` when ``nn`` does not start
    with a ``torch.nn.Linear``."""
    if type(nn) is Linear:
        return nn, _identity
    if type(nn) is Sequential and len(nn) > 0 and type(nn[0]) is Linear:
        return nn[0], (nn[1:] if len(nn) > 1 else _identity)
    return None


def last_linear(nn) -> Optional[Tuple[Callable[[Tensor], Tensor], Linear]]:
    """``(network up to its last layer, last Linear)`` or ``None``."""
    if type(nn) is Linear:
        return _identity, nn
    if type(nn) is Sequential and len(nn) > 0 and type(nn[-1]) is Linear:
        return (nn[:-1] if len(nn) > 1 else _identity), nn[-1]
    return None


def split_flags(nets) -> dict:
    """The marks of a scripted copy: for each ``name -> network``, ``_jit_<name>_first_seq`` or
    ``_jit_<name>_first`` when it starts with a Linear (inside a Sequential or alone) and
    ``_jit_<name>_last_seq`` / ``_jit_<name>_last`` when it ends with one."""
    flags = {}
    for name, net in nets.items():
        for end, found in (("first", first_linear(net)), ("last", last_linear(net))):
            if found is not None:
                flags[f"_jit_{name}_{end}{'_seq' if type(net) is Sequential else ''}"] = True
    return flags


def edge_mlp_first_layer(weight: Tensor, bias: Optional[Tensor], pair: Tuple[Tensor, Tensor],
                         edge_index: Adj, flow: str) -> Tuple[Tensor, Tensor, Tensor]:
    r"""EdgeConv's first linear layer per edge from node products:
    :math:`(\mathbf{W}_1 - \mathbf{W}_2)\mathbf{x}_i + \mathbf{W}_2 \mathbf{x}_j + \mathbf{b}`, with
    the edges grouped by target: ``(pre-activations, target index, CSR pointer)``."""
    channels = pair[0].size(-1)
    w_i = weight[:, :channels].t()
    w_j = weight[:, channels:2 * channels].t()
    dst = pair[1] @ (w_i - w_j)
    if bias is not None:
        dst = dst + bias
    src = pair[0] @ w_j
    i, j, ptr, _ = sorted_edges(edge_index, flow, pair[1].size(0))
    return src.index_select(0, j) + dst.index_select(0, i), i, ptr


def edge_ends(edge_index: Adj, flow: str) -> Tuple[Tensor, Tensor]:
    """``(target index i, source index j)`` of every edge."""
    if isinstance(edge_index, SparseTensor):
        return edge_index.storage.row(), edge_index.storage.col()
    if flow == "source_to_target":
        return edge_index[1], edge_index[0]
    return edge_index[0], edge_index[1]


def sorted_edges(edge_index: Adj, flow: str,
                 num_dst: int) -> Tuple[Tensor, Tensor, Tensor, Optional[Tensor]]:
    """``(i, j, ptr, perm)``: the edge ends grouped by target (``ptr`` the CSR pointer
    over ``num_dst`` targets) and the permutation applied to the edges (``None`` when
    they already were grouped), so messages are built in segment order and reduced
    with one segment pass instead of an atomic scatter."""
    i, j = edge_ends(edge_index, flow)
    if isinstance(edge_index, SparseTensor):
        return i, j, edge_index.storage.rowptr(), None
    perm: Optional[Tensor] = None
    if i.numel() > 1 and bool((i[1:] < i[:-1]).any()):
        perm = torch.sort(i, stable=True)[1]  # ties keep edge order: a fixed sum order
        i, j = i[perm], j[perm]
    return i, j, ops.ptr_from_index(i, num_dst), perm


def segment_aggregate(msg: Tensor, i: Tensor, ptr: Tensor, aggr: str) -> Tensor:
    """Reduce target-grouped messages (see :func:`sorted_edges`)."""
    if aggr == "mul":
        return ops.scatter(msg, i, 0, ptr.numel() - 1, "mul")
    return ops.segment_csr(msg, ptr, aggr)


def linear_parts(lin: Linear, sizes) -> Tuple[Tensor, ...]:
    """The column blocks of ``lin.weight`` of the given widths (transposed)."""
    if sum(sizes) != lin.in_features:
        raise ValueError(f"expected the first Linear to take {sum(sizes)} inputs, got "
                         f"{lin.in_features}")
    parts = []
    start = 0
    for width in sizes:  # slices, not torch.split: its views may not be reused in autograd
        parts.append(lin.weight[:, start:start + width].t())
        start += width
    return tuple(parts)
