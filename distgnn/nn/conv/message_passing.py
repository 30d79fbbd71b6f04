r"""The base class of every message passing layer.

.. math::
    \mathbf{x}_i^{\prime} = \gamma_{\mathbf{\Theta}} \left( \mathbf{x}_i,
    \square_{j \in \mathcal{N}(i)} \, \phi_{\mathbf{\Theta}}
    \left(\mathbf{x}_i, \mathbf{x}_j,\mathbf{e}_{j,i}\right) \right)

Subclasses implement :meth:`message` (:math:`\phi`), optionally :meth:`aggregate`
(:math:`\square`), :meth:`update` (:math:`\gamma`) and
:meth:`message_and_aggregate` (a fused version used for ``SparseTensor`` input).
Aggregation goes through :mod:`distgnn.ops`, so backends are chosen in one place.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import Tensor

from ... import ops
from ...typing import Adj, Size, SparseTensor
from .inspector import Inspector
from .message_args import SPARSE_VALUE_ARGS, SPECIAL_ARGS

__all__ = ["MessagePassing"]

AGGREGATIONS = ("add", "sum", "mean", "max", "min", "mul", None)
FLOWS = ("source_to_target", "target_to_source")


class MessagePassing(torch.nn.Module):
    r"""Base class for creating message passing layers.

    Args:
        aggr (string, optional): The aggregation scheme to use (``"add"``,
            ``"mean"``, ``"max"`` or ``None``; also ``"sum"``, ``"min"``, ``"mul"``).
            (default: ``"add"``)
        flow (string, optional): The flow direction of message passing
            (``"source_to_target"`` or ``"target_to_source"``).
            (default: ``"source_to_target"``)
        node_dim (int, optional): The axis along which to propagate.
            (default: ``-2``)
    """

    __edge_mask__: Optional[Tensor]
    #: Layers whose ``message_and_aggregate`` equals message + aggregate on the
    #: adjacency built from ``edge_index`` (values: the ``edge_value_arg`` argument
    #: of ``propagate``) set this, so tensor input also takes the fused path, with
    #: the sorted structure cached.
    fuse_edge_index: bool = False
    edge_value_arg: str = "edge_weight"

    def __init__(self, aggr: Optional[str] = "add", flow: str = "source_to_target",
                 node_dim: int = -2):
        super().__init__()
        if aggr not in AGGREGATIONS:
            raise ValueError(f"{type(self).__name__}: aggr must be one of {AGGREGATIONS}, "
                             f"got {aggr!r}")
        if flow not in FLOWS:
            raise ValueError(f"{type(self).__name__}: flow must be one of {FLOWS}, "
                             f"got {flow!r}")
        self.aggr = aggr
        self.flow = flow
        self.node_dim = node_dim

        self.inspector = Inspector(self)
        self.inspector.inspect("message", skip_first=False)
        self.inspector.inspect("aggregate", skip_first=True)
        self.inspector.inspect("message_and_aggregate", skip_first=True)
        self.inspector.inspect("update", skip_first=True)
        self.__user_args__ = self.inspector.keys(
            ["message", "aggregate", "update"]) - SPECIAL_ARGS
        self.__fused_user_args__ = self.inspector.keys(
            ["message_and_aggregate", "update"]) - SPECIAL_ARGS
        self.fuse = (type(self).message_and_aggregate
                     is not MessagePassing.message_and_aggregate)

        # Explainability (GNNExplainer): a learnable mask applied to every message.
        self.__explain__ = False
        self.__edge_mask__ = None

    # ------------------------------------------------------------------ checks
    def __check_input__(self, edge_index: Any, size: Size) -> List[Optional[int]]:
        if isinstance(edge_index, SparseTensor):
            if self.flow == "target_to_source":
                raise ValueError(f"{type(self).__name__}: flow='target_to_source' is not "
                                 f"supported for SparseTensor input; pass adj_t.t() instead")
            return [edge_index.sparse_size(1), edge_index.sparse_size(0)]
        if not isinstance(edge_index, Tensor):
            raise TypeError(f"{type(self).__name__}.propagate: edge_index must be a "
                            f"LongTensor of shape [2, E] or a SparseTensor, got "
                            f"{type(edge_index).__name__}")
        if edge_index.dtype != torch.long:
            raise TypeError(f"{type(self).__name__}.propagate: edge_index must have dtype "
                            f"torch.long, got {edge_index.dtype}")
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(f"{type(self).__name__}.propagate: edge_index must have shape "
                             f"[2, num_edges], got {list(edge_index.shape)}")
        if size is None:
            return [None, None]
        if len(size) != 2:
            raise ValueError(f"{type(self).__name__}.propagate: size must be a pair "
                             f"(num_src, num_dst), got {size!r}")
        return [int(size[0]) if size[0] is not None else None,
                int(size[1]) if size[1] is not None else None]

    def __set_size__(self, size: List[Optional[int]], dim: int, src: Tensor) -> None:
        n = src.size(self.node_dim)
        if size[dim] is None:
            size[dim] = n
        elif size[dim] != n:
            side = "source" if dim == 0 else "target"
            raise ValueError(f"{type(self).__name__}: {side} node tensors disagree on the "
                             f"number of nodes along dim {self.node_dim}: expected "
                             f"{size[dim]}, got {n}")

    # ----------------------------------------------------------------- collect
    def __lift__(self, src: Tensor, edge_index: Adj, dim: int) -> Tensor:
        if isinstance(edge_index, SparseTensor):
            if dim == 1:  # target side: rows of adj_t, sorted, so repeat per row
                rowptr = edge_index.storage.rowptr()
                return ops.gather_csr(src.movedim(self.node_dim, 0), rowptr) \
                    .movedim(0, self.node_dim)
            return src.index_select(self.node_dim, edge_index.storage.col())
        return src.index_select(self.node_dim, edge_index[dim])

    def __collect__(self, args: set, edge_index: Adj, size: List[Optional[int]],
                    kwargs: Dict[str, Any]) -> Dict[str, Any]:
        i, j = (1, 0) if self.flow == "source_to_target" else (0, 1)
        out: Dict[str, Any] = {}
        for arg in args:
            if arg[-2:] not in ("_i", "_j"):
                if arg in kwargs:
                    out[arg] = kwargs[arg]
                continue
            pos = 0 if arg[-2:] == "_j" else 1
            data = kwargs.get(arg[:-2], None)
            if isinstance(data, (tuple, list)):
                if len(data) != 2:
                    raise ValueError(f"{type(self).__name__}: '{arg[:-2]}' must be a tensor "
                                     f"or a pair (source, target), got {len(data)} items")
                if isinstance(data[1 - pos], Tensor):
                    self.__set_size__(size, 1 - pos, data[1 - pos])
                data = data[pos]
            if isinstance(data, Tensor):
                self.__set_size__(size, pos, data)
                data = self.__lift__(data, edge_index, j if arg[-2:] == "_j" else i)
            out[arg] = data

        if isinstance(edge_index, SparseTensor):
            out["adj_t"] = edge_index
            out["edge_index"] = None
            out["edge_index_i"] = edge_index.storage.row()
            out["edge_index_j"] = edge_index.storage.col()
            out["ptr"] = edge_index.storage.rowptr()
            value = edge_index.storage.value()
            for name in SPARSE_VALUE_ARGS:
                if out.get(name) is None:
                    out[name] = value
        else:
            out["adj_t"] = None
            out["edge_index"] = edge_index
            out["edge_index_i"] = edge_index[i]
            out["edge_index_j"] = edge_index[j]
            out["ptr"] = None
        out["index"] = out["edge_index_i"]
        out["size"] = size
        out["size_i"] = size[1] if size[1] is not None else size[0]
        out["size_j"] = size[0] if size[0] is not None else size[1]
        out["dim_size"] = out["size_i"]
        return out

    # --------------------------------------------------------------- propagate
    def propagate(self, edge_index: Adj, size: Size = None, **kwargs) -> Tensor:
        r"""Starts propagating messages.

        Args:
            edge_index (Tensor or SparseTensor): ``LongTensor [2, E]`` whose messages flow
                from ``edge_index[0]`` to ``edge_index[1]`` (for
                ``flow="source_to_target"``), or the *transposed* adjacency as a
                ``SparseTensor`` (``row = edge_index[1]``, ``col = edge_index[0]``).
            size (tuple, optional): ``(N, M)`` of the assignment matrix when
                ``edge_index`` is a ``LongTensor``; inferred (square) if ``None``.
            **kwargs: everything :meth:`message`, :meth:`aggregate` and
                :meth:`update` take; ``x_i``/``x_j`` lift ``x`` to target/source nodes.
        """
        size = self.__check_input__(edge_index, size)

        if isinstance(edge_index, Tensor) and self.__can_fuse_edge_index__():
            adj_t = self.__to_adj_t__(edge_index, size, kwargs)
            if adj_t is not None:
                edge_index = adj_t
                size = self.__check_input__(adj_t, None)

        if isinstance(edge_index, SparseTensor) and self.fuse and not self.__explain__:
            coll = self.__collect__(self.__fused_user_args__, edge_index, size, kwargs)
            kw = self.inspector.distribute("message_and_aggregate", coll)
            out = self.message_and_aggregate(edge_index, **kw)
            return self.update(out, **self.inspector.distribute("update", coll))

        coll = self.__collect__(self.__user_args__, edge_index, size, kwargs)
        out = self.message(**self.inspector.distribute("message", coll))
        if self.__explain__:
            out = self.__apply_edge_mask__(out)
        out = self.aggregate(out, **self.inspector.distribute("aggregate", coll))
        return self.update(out, **self.inspector.distribute("update", coll))

    def __can_fuse_edge_index__(self) -> bool:
        return (self.fuse and self.fuse_edge_index and not self.__explain__
                and self.flow == "source_to_target" and self.fuses_exactly())

    def fuses_exactly(self) -> bool:
        """Whether the fused path on the cached structure of an ``edge_index`` adds in
        the order of gather + scatter, so both give bit-identical values and gradients
        (sum and mean; max/min gradients accumulate in another order)."""
        return self.aggr in ("add", "sum", "mean")

    def __to_adj_t__(self, edge_index: Tensor, size: List[Optional[int]],
                     kwargs: Dict[str, Any]) -> Optional[SparseTensor]:
        """The cached transposed adjacency of ``edge_index`` (values: the
        ``edge_value_arg`` argument),
        or ``None`` the first time a tensor is seen."""
        for arg in self.__user_args__:
            if arg[-2:] not in ("_i", "_j"):
                continue
            data = kwargs.get(arg[:-2], None)
            if isinstance(data, (tuple, list)) and len(data) == 2:
                for pos in (0, 1):
                    if isinstance(data[pos], Tensor):
                        self.__set_size__(size, pos, data[pos])
            elif isinstance(data, Tensor):
                self.__set_size__(size, 0 if arg[-2:] == "_j" else 1, data)
        if size[0] is None or size[1] is None:
            known = size[0] if size[0] is not None else size[1]
            n = known if known is not None else int(edge_index.max()) + 1
            size = [n if v is None else v for v in size]
        weight = kwargs.get(self.edge_value_arg, None)
        if not isinstance(weight, Tensor) or weight.dim() != 1:
            weight = None
        return ops.cached_adj_t(edge_index, size[0], size[1], weight)

    def __apply_edge_mask__(self, out: Tensor) -> Tensor:
        edge_mask = self.__edge_mask__.sigmoid()
        if out.size(self.node_dim) != edge_mask.size(0):
            # Self loops added inside the layer keep their messages unmasked.
            loop = edge_mask.new_ones(out.size(self.node_dim) - edge_mask.size(0))
            edge_mask = torch.cat([edge_mask, loop], dim=0)
        shape = [1] * out.dim()
        shape[self.node_dim] = -1
        return out * edge_mask.view(shape)

    # ------------------------------------------------------- user overridables
    def message(self, x_j: Tensor) -> Tensor:
        r"""Constructs messages from node :math:`j` to node :math:`i` (:math:`\phi`)."""
        return x_j

    def aggregate(self, inputs: Tensor, index: Tensor, ptr: Optional[Tensor] = None,
                  dim_size: Optional[int] = None) -> Tensor:
        r"""Aggregates messages from neighbours (:math:`\square`) with ``self.aggr``."""
        if self.aggr is None:
            raise NotImplementedError(f"{type(self).__name__} sets aggr=None and must "
                                      f"implement aggregate()")
        if ptr is not None and inputs.dim() >= 1:
            dim = self.node_dim if self.node_dim >= 0 else inputs.dim() + self.node_dim
            if dim == 0 and self.aggr != "mul":
                return ops.segment_csr(inputs, ptr, self.aggr)
        return ops.scatter(inputs, index, self.node_dim, dim_size, self.aggr)

    def message_and_aggregate(self, adj_t: SparseTensor) -> Tensor:
        r"""Fuses :meth:`message` and :meth:`aggregate` for ``SparseTensor`` input."""
        raise NotImplementedError

    def update(self, inputs: Tensor) -> Tensor:
        r"""Updates node embeddings (:math:`\gamma`); the identity by default."""
        return inputs

    # ---------------------------------------------------------------- jittable
    def jittable(self, typing: Optional[str] = None) -> "MessagePassing":
        r"""A copy of this layer whose class ``torch.jit.script`` accepts.

        Args:
            typing (string, optional): If given, the generated ``forward()`` has these
                types, e.g. ``"(Tensor, Optional[Tensor]) -> Tensor"``.
        """
        from .jit import make_jittable
        return make_jittable(self, typing)

    def __repr__(self) -> str:
        if hasattr(self, "in_channels") and hasattr(self, "out_channels"):
            return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
        return f"{type(self).__name__}()"
