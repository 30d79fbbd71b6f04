r"""FiLMConv, from Brockschmidt, "GNN-FiLM: Graph Neural Networks with Feature-wise
Linear Modulation" (ICML 2020).

.. math::
    \mathbf{x}^{\prime}_i = \sum_{r \in \mathcal{R}} \sum_{j \in \mathcal{N}(i)}
    \sigma \left( \boldsymbol{\gamma}_{r,i} \odot \mathbf{W}_r \mathbf{x}_j +
    \boldsymbol{\beta}_{r,i} \right), \qquad
    \boldsymbol{\beta}_{r,i}, \boldsymbol{\gamma}_{r,i} = g_r(\mathbf{x}_i)

Self-loops form their own relation (``lin_skip`` / ``film_skip``).
"""
import copy
from typing import Callable, Optional, Tuple, Union

from torch import Tensor
from torch.nn import Linear, ModuleList, ReLU

from ...typing import Adj, OptTensor, PairTensor, SparseTensor
from ..inits import reset
from .message_passing import MessagePassing

__all__ = ["FiLMConv"]


def _select_edges(adj_t: SparseTensor, mask: Tensor) -> SparseTensor:
    """The entries of ``adj_t`` where ``mask`` holds (values dropped)."""
    row = adj_t.storage.row()[mask]
    col = adj_t.storage.col()[mask]
    return SparseTensor(row=row, rowptr=None, col=col, value=None,
                        sparse_sizes=(adj_t.sparse_size(0), adj_t.sparse_size(1)),
                        is_sorted=True)


class FiLMConv(MessagePassing):
    r"""The FiLM graph convolutional operator (Brockschmidt, ICML 2020).

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{r \in \mathcal{R}} \sum_{j \in \mathcal{N}(i)}
        \sigma \left( \boldsymbol{\gamma}_{r,i} \odot \mathbf{W}_r \mathbf{x}_j +
        \boldsymbol{\beta}_{r,i} \right)

    with :math:`\boldsymbol{\beta}_{r,i}, \boldsymbol{\gamma}_{r,i} = g(\mathbf{x}_i)`
    (a single linear layer by default). Self-loops are added as their own relation.

    Args:
        in_channels (int or tuple): Size of each input sample, or a pair
            ``(source, target)`` for bipartite graphs.
        out_channels (int): Size of each output sample.
        num_relations (int, optional): Number of relations. (default: ``1``)
        nn (torch.nn.Module, optional): The network :math:`g` mapping ``x_i`` of shape
            ``[-1, in_channels]`` to ``[-1, 2 * out_channels]``; ``None`` means a single
            linear layer. (default: ``None``)
        act (callable, optional): Activation :math:`\sigma`.
            (default: :class:`torch.nn.ReLU()`)
        aggr (string, optional): Aggregation (``"add"``, ``"mean"``, ``"max"``).
            (default: ``"mean"``)
        **kwargs (optional): Arguments of :class:`MessagePassing`.
    """

    propagate_type = {"x": "Tensor", "beta": "Tensor", "gamma": "Tensor"}

    def __init__(self, in_channels: Union[int, Tuple[int, int]], out_channels: int,
                 num_relations: int = 1, nn: Optional[Callable] = None,
                 act: Optional[Callable] = ReLU(), aggr: str = "mean", **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        if not isinstance(num_relations, int) or num_relations < 1:
            raise ValueError(f"FiLMConv: num_relations must be a positive int, got "
                             f"{num_relations!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_relations = max(num_relations, 1)
        self.act = act
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.lins = ModuleList()
        self.films = ModuleList()
        for _ in range(num_relations):
            self.lins.append(Linear(in_channels[0], out_channels, bias=False))
            self.films.append(Linear(in_channels[1], 2 * out_channels) if nn is None
                              else copy.deepcopy(nn))
        self.lin_skip = Linear(in_channels[1], out_channels, bias=False)
        self.film_skip = Linear(in_channels[1], 2 * out_channels, bias=False) \
            if nn is None else copy.deepcopy(nn)
        self.reset_parameters()

    def reset_parameters(self):
        for lin, film in zip(self.lins, self.films):
            lin.reset_parameters()
            reset(film)
        self.lin_skip.reset_parameters()
        reset(self.film_skip)

    def forward(self, x: Union[Tensor, PairTensor], edge_index: Adj,
                edge_type: OptTensor = None) -> Tensor:
        if isinstance(x, Tensor):
            pair: PairTensor = (x, x)
        else:
            pair = x
        size = (pair[0].size(0), pair[1].size(0))
        beta, gamma = self.film_skip(pair[1]).split(self.out_channels, dim=-1)
        out = gamma * self.lin_skip(pair[1]) + beta
        if self.act is not None:
            out = self.act(out)

        if self.num_relations == 1:
            beta, gamma = self.films[0](pair[1]).split(self.out_channels, dim=-1)
            return out + self.propagate(edge_index, x=self.lins[0](pair[0]), beta=beta,
                                        gamma=gamma, size=size)

        if isinstance(edge_index, SparseTensor):
            types = edge_type if edge_type is not None else edge_index.storage.value()
        else:
            types = edge_type
        if types is None:
            raise ValueError("FiLMConv: edge_type is required when num_relations > 1")
        for i, (lin, film) in enumerate(zip(self.lins, self.films)):
            beta, gamma = film(pair[1]).split(self.out_channels, dim=-1)
            mask = types == i
            if isinstance(edge_index, SparseTensor):
                adj = _select_edges(edge_index, mask)
                out = out + self.propagate(adj, x=lin(pair[0]), beta=beta, gamma=gamma,
                                           size=size)
            else:
                out = out + self.propagate(edge_index[:, mask], x=lin(pair[0]), beta=beta,
                                           gamma=gamma, size=size)
        return out

    def message(self, x_j: Tensor, beta_i: Tensor, gamma_i: Tensor) -> Tensor:
        out = gamma_i * x_j + beta_i
        if self.act is not None:
            out = self.act(out)
        return out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"num_relations={self.num_relations})")
