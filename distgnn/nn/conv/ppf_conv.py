r"""PPFConv, from Deng et al., "PPFNet: Global Context Aware Local Features for Robust
3D Point Matching" (CVPR 2018).

.. math::
    \mathbf{x}^{\prime}_i = \gamma_{\mathbf{\Theta}} \left( \max_{j \in \mathcal{N}(i)
    \cup \{ i \}} h_{\mathbf{\Theta}} ( \mathbf{x}_j, \| \mathbf{d}_{j,i} \|,
    \angle(\mathbf{n}_i, \mathbf{d}_{j,i}), \angle(\mathbf{n}_j, \mathbf{d}_{j,i}),
    \angle(\mathbf{n}_i, \mathbf{n}_j) \right)

with :math:`\mathbf{d}_{j,i} = \mathbf{p}_j - \mathbf{p}_i` and
:math:`\angle(\mathbf{a}, \mathbf{b}) = \operatorname{atan2}(\|\mathbf{a} \times
\mathbf{b}\|, \mathbf{a} \cdot \mathbf{b})` (the point pair features).
"""
from typing import Callable, Optional, Union

import torch
from torch import Tensor

from ... import ops
from ...typing import Adj, OptTensor, PairOptTensor, PairTensor
from ..inits import reset
from ._linear_split import first_linear, linear_parts, segment_aggregate, sorted_edges
from .message_passing import MessagePassing
from .point_conv import with_self_loops

__all__ = ["PPFConv", "point_pair_features"]


def _angle(a: Tensor, b: Tensor) -> Tensor:
    return torch.atan2(torch.cross(a, b, dim=1).norm(p=2, dim=1), (a * b).sum(dim=1))


def point_pair_features(pos_i: Tensor, pos_j: Tensor, normal_i: Tensor,
                        normal_j: Tensor) -> Tensor:
    r"""``[E, 4]`` point pair features: :math:`\|\mathbf{d}\|`,
    :math:`\angle(\mathbf{n}_i, \mathbf{d})`, :math:`\angle(\mathbf{n}_j, \mathbf{d})`,
    :math:`\angle(\mathbf{n}_i, \mathbf{n}_j)` with :math:`\mathbf{d} = \mathbf{p}_j -
    \mathbf{p}_i`."""
    d = pos_j - pos_i
    return torch.stack([d.norm(p=2, dim=1), _angle(normal_i, d), _angle(normal_j, d),
                        _angle(normal_i, normal_j)], dim=1)


class PPFConv(MessagePassing):
    r"""The PPFNet operator (Deng et al., CVPR 2018).

    .. math::
        \mathbf{x}^{\prime}_i = \gamma_{\mathbf{\Theta}} \left( \max_{j \in
        \mathcal{N}(i) \cup \{ i \}} h_{\mathbf{\Theta}} ( \mathbf{x}_j, \|
        \mathbf{d}_{j,i} \|, \angle(\mathbf{n}_i, \mathbf{d}_{j,i}),
        \angle(\mathbf{n}_j, \mathbf{d}_{j,i}), \angle(\mathbf{n}_i, \mathbf{n}_j)
        \right)

    where :math:`\gamma_{\mathbf{\Theta}}` and :math:`h_{\mathbf{\Theta}}` are neural
    networks over node features and point pair features (3-D positions and normals).

    Args:
        local_nn (torch.nn.Module, optional): :math:`h_{\mathbf{\Theta}}`, mapping
            ``[x_j, ppf]`` of shape ``[-1, in_channels + 4]`` to ``[-1, out_channels]``.
            (default: ``None``)
        global_nn (torch.nn.Module, optional): :math:`\gamma_{\mathbf{\Theta}}`, mapping
            aggregated features ``[-1, out_channels]`` to ``[-1, final_out_channels]``.
            (default: ``None``)
        add_self_loops (bool, optional): If ``False``, do not add self-loops.
            (default: ``True``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "PairOptTensor", "pos": "PairTensor", "normal": "PairTensor"}

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
                normal: Union[Tensor, PairTensor], edge_index: Adj) -> Tensor:
        if isinstance(x, tuple):
            xs: PairOptTensor = x
        else:
            xs = (x, None)
        if isinstance(pos, Tensor):
            ps: PairTensor = (pos, pos)
        else:
            ps = pos
        if isinstance(normal, Tensor):
            ns: PairTensor = (normal, normal)
        else:
            ns = normal
        if ps[0].size(-1) != 3:
            raise ValueError(f"PPFConv: point pair features need 3-D positions, got "
                             f"{ps[0].size(-1)} dimensions")
        if self.add_self_loops:
            if isinstance(edge_index, Tensor):
                edge_index = with_self_loops(edge_index, min(ps[0].size(0),
                                                             ps[1].size(0)))
            else:
                edge_index = ops.set_diag(edge_index)
        fast: Optional[Tensor] = None
        if not torch.jit.is_scripting():
            fast = self._forward_split(xs, ps, ns, edge_index)
        if fast is None:
            out = self.propagate(edge_index, x=xs, pos=ps, normal=ns, size=None)
        else:
            out = fast
        if self.global_nn is not None:
            out = self.global_nn(out)
        return out

    @torch.jit.unused
    def _forward_split(self, xs: PairOptTensor, ps: PairTensor, ns: PairTensor,
                       edge_index: Adj) -> Optional[Tensor]:
        """The node-feature block of the first linear layer of ``local_nn`` applied per
        node; only the 4 point pair features are multiplied per edge."""
        split = first_linear(self.local_nn)
        if split is None or self.__explain__ or xs[0] is None:
            return None
        lin, rest = split
        x_src = xs[0]
        w_x, w_f = linear_parts(lin, (x_src.size(-1), 4))
        src = x_src @ w_x
        if lin.bias is not None:
            src = src + lin.bias
        i, j, ptr, _ = sorted_edges(edge_index, self.flow, ps[1].size(0))
        ppf = point_pair_features(ps[1].index_select(0, i), ps[0].index_select(0, j),
                                  ns[1].index_select(0, i), ns[0].index_select(0, j))
        msg = rest(src.index_select(0, j) + ppf @ w_f)
        return segment_aggregate(msg, i, ptr, self.aggr)

    def message(self, x_j: OptTensor, pos_i: Tensor, pos_j: Tensor, normal_i: Tensor,
                normal_j: Tensor) -> Tensor:
        msg = point_pair_features(pos_i, pos_j, normal_i, normal_j)
        if x_j is not None:
            msg = torch.cat([x_j, msg], dim=1)
        if self.local_nn is not None:
            msg = self.local_nn(msg)
        return msg

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(local_nn={self.local_nn}, "
                f"global_nn={self.global_nn})")
