r"""PointConv, the PointNet set layer from Qi et al., "PointNet: Deep Learning on Point
Sets for 3D Classification and Segmentation" (CVPR 2017) and "PointNet++: Deep
Hierarchical Feature Learning on Point Sets in a Metric Space" (NeurIPS 2017).

.. math::
    \mathbf{x}^{\prime}_i = \gamma_{\mathbf{\Theta}} \left( \max_{j \in \mathcal{N}(i)
    \cup \{ i \}} h_{\mathbf{\Theta}} ( \mathbf{x}_j \, \Vert \, \mathbf{p}_j -
    \mathbf{p}_i) \right)
"""
from typing import Callable, Optional, Union

import torch
from torch import Tensor

from ... import ops
from ...typing import Adj, OptTensor, PairOptTensor, PairTensor
from ...utils import add_self_loops, remove_self_loops
from ..inits import reset
from ._linear_split import first_linear, linear_parts, segment_aggregate, sorted_edges
from .message_passing import MessagePassing

__all__ = ["PointConv"]


def with_self_loops(edge_index: Tensor, num_nodes: int) -> Tensor:
    """``edge_index`` with exactly one self-loop on each of the first ``num_nodes``
    (target) nodes (a ``SparseTensor`` gets ``ops.set_diag`` instead)."""
    edge_index, _ = remove_self_loops(edge_index)
    edge_index, _ = add_self_loops(edge_index, num_nodes=num_nodes)
    return edge_index


class PointConv(MessagePassing):
    r"""The PointNet set layer (Qi et al., CVPR 2017 / NeurIPS 2017).

    .. math::
        \mathbf{x}^{\prime}_i = \gamma_{\mathbf{\Theta}} \left( \max_{j \in
        \mathcal{N}(i) \cup \{ i \}} h_{\mathbf{\Theta}} ( \mathbf{x}_j, \mathbf{p}_j -
        \mathbf{p}_i) \right),

    where :math:`\gamma_{\mathbf{\Theta}}` and :math:`h_{\mathbf{\Theta}}` are neural
    networks and :math:`\mathbf{P} \in \mathbb{R}^{N \times D}` holds the positions.

    Args:
        local_nn (torch.nn.Module, optional): :math:`h_{\mathbf{\Theta}}`, mapping
            ``[x_j, pos_j - pos_i]`` of shape ``[-1, in_channels + num_dimensions]`` to
            ``[-1, out_channels]``. (default: ``None``)
        global_nn (torch.nn.Module, optional): :math:`\gamma_{\mathbf{\Theta}}`, mapping
            aggregated features ``[-1, out_channels]`` to ``[-1, final_out_channels]``.
            (default: ``None``)
        add_self_loops (bool, optional): If ``False``, do not add self-loops.
            (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "PairOptTensor", "pos": "PairTensor"}

    def __init__(self, local_nn: Optional[Callable] = None,
                 global_nn: Optional[Callable] = None, add_self_loops: bool = True,
                 **kwargs):
        kwargs.setdefault("aggr", "max")
        super().__init__(**kwargs)
        self.local_nn = local_nn
        self.global_nn = global_nn
        self.add_self_loops = add_self_loops
        self.reset_parameters()

    def reset_parameters(self):
        reset(self.local_nn)
        reset(self.global_nn)

    def forward(self, x: Union[OptTensor, PairOptTensor], pos: Union[Tensor, PairTensor],
                edge_index: Adj) -> Tensor:
        if isinstance(x, tuple):
            xs: PairOptTensor = x
        else:
            xs = (x, None)
        if isinstance(pos, Tensor):
            ps: PairTensor = (pos, pos)
        else:
            ps = pos
        if self.add_self_loops:
            if isinstance(edge_index, Tensor):
                edge_index = with_self_loops(edge_index, min(ps[0].size(0),
                                                             ps[1].size(0)))
            else:
                edge_index = ops.set_diag(edge_index)
        fast: Optional[Tensor] = None
        if not torch.jit.is_scripting():
            fast = self._forward_split(xs, ps, edge_index)
        if fast is None:
            out = self.propagate(edge_index, x=xs, pos=ps, size=None)
        else:
            out = fast
        if self.global_nn is not None:
            out = self.global_nn(out)
        return out

    @torch.jit.unused
    def _forward_split(self, xs: PairOptTensor, ps: PairTensor,
                       edge_index: Adj) -> Optional[Tensor]:
        """The first linear layer of ``local_nn`` applied per node:
        :math:`\mathbf{W}_x \mathbf{x}_j + \mathbf{W}_p \mathbf{p}_j - \mathbf{W}_p
        \mathbf{p}_i`."""
        split = first_linear(self.local_nn)
        if split is None or self.__explain__:
            return None
        lin, rest = split
        x_src = xs[0]
        widths = (ps[0].size(-1),) if x_src is None else (x_src.size(-1), ps[0].size(-1))
        parts = linear_parts(lin, widths)
        src = ps[0] @ parts[-1]
        if x_src is not None:
            src = src + x_src @ parts[0]
        if lin.bias is not None:
            src = src + lin.bias
        dst = ps[1] @ parts[-1]
        i, j, ptr, _ = sorted_edges(edge_index, self.flow, ps[1].size(0))
        msg = rest(src.index_select(0, j) - dst.index_select(0, i))
        return segment_aggregate(msg, i, ptr, self.aggr)

    def message(self, x_j: OptTensor, pos_i: Tensor, pos_j: Tensor) -> Tensor:
        msg = pos_j - pos_i
        if x_j is not None:
            msg = torch.cat([x_j, msg], dim=1)
        if self.local_nn is not None:
            msg = self.local_nn(msg)
        return msg

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(local_nn={self.local_nn}, "
                f"global_nn={self.global_nn})")
