r"""Self-attention graph pooling, from Lee et al., "Self-Attention Graph Pooling"
(ICML 2019) and Knyazev et al., "Understanding Attention and Generalization in Graph
Neural Networks" (NeurIPS 2019).

The node scores come from a graph neural network layer with one output channel,

.. math::
    \mathbf{y} = \textrm{GNN}(\mathbf{X}, \mathbf{A}), \qquad
    \mathbf{i} = \mathrm{top}_k(\mathbf{y}), \qquad
    \mathbf{X}^{\prime} = (\mathbf{X} \odot \mathrm{tanh}(\mathbf{y}))_{\mathbf{i}},
    \qquad \mathbf{A}^{\prime} = \mathbf{A}_{\mathbf{i},\mathbf{i}}

or, with a minimal score :math:`\tilde{\alpha}`, :math:`\mathbf{y} =
\mathrm{softmax}(\textrm{GNN}(\mathbf{X}, \mathbf{A}))` and :math:`\mathbf{i} =
\mathbf{y}_i > \tilde{\alpha}`.
"""
from typing import Callable, Optional, Union

import torch
from torch import Tensor

from ...utils import softmax
from ..conv.graph_conv import GraphConv
from .topk_pool import PoolOutput, check_pool_args, default_batch, select_and_filter

__all__ = ["SAGPooling"]


class SAGPooling(torch.nn.Module):
    r"""The self-attention pooling operator (Lee et al.; Knyazev et al.).

    If ``min_score`` :math:`\tilde{\alpha}` is ``None``:

    .. math::
        \mathbf{y} = \textrm{GNN}(\mathbf{X}, \mathbf{A}), \quad
        \mathbf{i} = \mathrm{top}_k(\mathbf{y}), \quad
        \mathbf{X}^{\prime} = (\mathbf{X} \odot \mathrm{tanh}(\mathbf{y}))_{\mathbf{i}},
        \quad \mathbf{A}^{\prime} = \mathbf{A}_{\mathbf{i},\mathbf{i}}

    If ``min_score`` :math:`\tilde{\alpha}` is a value in ``[0, 1]``:

    .. math::
        \mathbf{y} = \mathrm{softmax}(\textrm{GNN}(\mathbf{X},\mathbf{A})), \quad
        \mathbf{i} = \mathbf{y}_i > \tilde{\alpha}, \quad
        \mathbf{X}^{\prime} = (\mathbf{X} \odot \mathbf{y})_{\mathbf{i}}, \quad
        \mathbf{A}^{\prime} = \mathbf{A}_{\mathbf{i},\mathbf{i}}

    Args:
        in_channels (int): Size of each input sample.
        ratio (float or int): Graph pooling ratio, used to compute
            :math:`k = \lceil \mathrm{ratio} \cdot N \rceil`, or the value of :math:`k`
            itself when ``ratio`` is an ``int``. Ignored if ``min_score`` is not
            ``None``. (default: ``0.5``)
        GNN (torch.nn.Module, optional): The graph neural network layer computing the
            scores, built as ``GNN(in_channels, 1, **kwargs)`` (e.g. :class:`GraphConv`,
            :class:`GCNConv`, :class:`GATConv` or :class:`SAGEConv`).
            (default: :class:`GraphConv`)
        min_score (float, optional): Minimal node score :math:`\tilde{\alpha}`; when
            not ``None``, ``ratio`` is ignored. (default: ``None``)
        multiplier (float, optional): Coefficient by which features get multiplied
            after pooling. (default: ``1``)
        nonlinearity (callable, optional): The nonlinearity to use.
            (default: ``torch.tanh``)
        **kwargs (optional): Additional parameters for initializing the graph neural
            network layer.
    """

    def __init__(self, in_channels: int, ratio: Union[float, int] = 0.5,
                 GNN: Callable = GraphConv, min_score: Optional[float] = None,
                 multiplier: float = 1.0, nonlinearity: Callable = torch.tanh, **kwargs):
        super().__init__()
        check_pool_args("SAGPooling", ratio, min_score)
        self.in_channels = in_channels
        self.ratio = ratio
        self.gnn = GNN(in_channels, 1, **kwargs)
        self.min_score = min_score
        self.multiplier = multiplier
        self.nonlinearity = nonlinearity
        self.reset_parameters()

    def reset_parameters(self):
        self.gnn.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Optional[Tensor] = None,
                batch: Optional[Tensor] = None, attn: Optional[Tensor] = None
                ) -> PoolOutput:
        """Returns ``(x, edge_index, edge_attr, batch, perm, score)`` of the kept nodes
        (``score`` the gate of every kept node)."""
        batch = default_batch(batch, x, edge_index)
        attn = x if attn is None else attn
        attn = attn.unsqueeze(-1) if attn.dim() == 1 else attn
        score = self.gnn(attn, edge_index).view(-1)
        if self.min_score is None:
            score = self.nonlinearity(score)
        else:
            score = softmax(score, batch)
        return select_and_filter(x, score, edge_index, edge_attr, batch, self.ratio,
                                 self.min_score, self.multiplier)

    def __repr__(self) -> str:
        key, value = ("ratio", self.ratio) if self.min_score is None \
            else ("min_score", self.min_score)
        return (f"{type(self).__name__}({type(self.gnn).__name__}, {self.in_channels}, "
                f"{key}={value}, multiplier={self.multiplier})")
