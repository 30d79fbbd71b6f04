r"""The memory of Temporal Graph Networks, from Rossi et al., "Temporal Graph Networks
for Deep Learning on Dynamic Graphs" (ICML 2020 GRL workshop).

Every node :math:`i` keeps a memory :math:`\mathbf{s}_i` and the time of its last
update. An interaction :math:`(i, j, t, \mathbf{e}_{ij})` produces the messages

.. math::
    \mathbf{m}_i = \mathrm{msg}_s(\mathbf{s}_i, \mathbf{s}_j, \mathbf{e}_{ij},
    \phi(t - t_i^-)), \qquad
    \mathbf{m}_j = \mathrm{msg}_d(\mathbf{s}_j, \mathbf{s}_i, \mathbf{e}_{ij},
    \phi(t - t_j^-)),

with the time encoding :math:`\phi(\Delta t) = \cos(\mathbf{w} \Delta t + \mathbf{b})`.
The messages of a node are aggregated (e.g. the latest, or the mean) into
:math:`\bar{\mathbf{m}}_i` and the memory is updated as
:math:`\mathbf{s}_i \leftarrow \mathrm{GRU}(\bar{\mathbf{m}}_i, \mathbf{s}_i)`.

Messages of a batch are stored and only applied when a node is next involved, so that
the memory used to predict a batch never sees that batch (in training mode, the
stored messages are applied on the fly inside :meth:`TGNMemory.forward`, letting
gradients reach the message and memory modules).
"""
import copy
from typing import Callable, Tuple

import torch
from torch import Tensor
from torch.nn import GRUCell, Linear

from ... import ops
from ..inits import zeros

__all__ = ["TGNMemory", "IdentityMessage", "LastAggregator", "MeanAggregator",
           "TimeEncoder", "LastNeighborLoader"]

Store = Tuple[Tensor, Tensor, Tensor, Tensor]  # (src, dst, t, raw_msg)


class TGNMemory(torch.nn.Module):
    r"""The Temporal Graph Network (TGN) memory model.

    Args:
        num_nodes (int): The number of nodes to save memories for.
        raw_msg_dim (int): The raw message dimensionality.
        memory_dim (int): The hidden memory dimensionality.
        time_dim (int): The time encoding dimensionality.
        message_module (torch.nn.Module): The message function which combines source
            and destination node memory embeddings, the raw message and the time
            encoding; it must expose ``out_channels``.
        aggregator_module (torch.nn.Module): The message aggregator function which
            aggregates messages to the same destination into a single representation.
    """

    def __init__(self, num_nodes: int, raw_msg_dim: int, memory_dim: int, time_dim: int,
                 message_module: Callable, aggregator_module: Callable):
        super().__init__()
        for name, value in dict(num_nodes=num_nodes, memory_dim=memory_dim,
                                time_dim=time_dim).items():
            if int(value) < 1:
                raise ValueError(f"TGNMemory: {name} must be a positive integer, got {value}")
        if int(raw_msg_dim) < 0:
            raise ValueError(f"TGNMemory: raw_msg_dim must be non-negative, got {raw_msg_dim}")
        if not hasattr(message_module, "out_channels"):
            raise ValueError("TGNMemory: message_module must expose 'out_channels' (the "
                             f"message size), got {type(message_module).__name__}")
        self.num_nodes = num_nodes
        self.raw_msg_dim = raw_msg_dim
        self.memory_dim = memory_dim
        self.time_dim = time_dim

        self.msg_s_module = message_module
        self.msg_d_module = copy.deepcopy(message_module)
        self.aggr_module = aggregator_module
        self.time_enc = TimeEncoder(time_dim)
        self.gru = GRUCell(message_module.out_channels, memory_dim)

        self.register_buffer("memory", torch.empty(num_nodes, memory_dim))
        self.register_buffer("last_update", torch.empty(num_nodes, dtype=torch.long))
        self.register_buffer("__assoc__", torch.empty(num_nodes, dtype=torch.long))
        self.msg_s_store: Store = self._empty_store()
        self.msg_d_store: Store = self._empty_store()
        self.reset_parameters()

    def reset_parameters(self):
        for module in (self.msg_s_module, self.msg_d_module, self.aggr_module):
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
        self.time_enc.reset_parameters()
        self.gru.reset_parameters()
        self.reset_state()

    def reset_state(self):
        """Resets the memory to its initial state."""
        zeros(self.memory)
        zeros(self.last_update)
        self._reset_message_store()

    def detach(self):
        """Detaches the memory from gradient computation."""
        self.memory.detach_()

    def forward(self, n_id: Tensor) -> Tuple[Tensor, Tensor]:
        """Returns, for all nodes ``n_id``, their current memory and their last
        updated timestamp (in training mode with the stored messages applied)."""
        if self.training:
            return self._get_updated_memory(n_id)
        return self.memory[n_id], self.last_update[n_id]

    def update_state(self, src: Tensor, dst: Tensor, t: Tensor, raw_msg: Tensor):
        """Updates the memory with newly encountered interactions ``(src, dst, t,
        raw_msg)``."""
        _check_events(src, dst, t, raw_msg, self.raw_msg_dim)
        n_id = torch.cat([src, dst]).unique()
        if self.training:
            self._update_memory(n_id)
            self.msg_s_store = self._store(self.msg_s_store, src, dst, t, raw_msg)
            self.msg_d_store = self._store(self.msg_d_store, dst, src, t, raw_msg)
        else:
            self.msg_s_store = self._store(self.msg_s_store, src, dst, t, raw_msg)
            self.msg_d_store = self._store(self.msg_d_store, dst, src, t, raw_msg)
            self._update_memory(n_id)

    def train(self, mode: bool = True):
        if self.training and not mode:
            # Entering evaluation: flush the stored messages into the memory.
            self._update_memory(torch.arange(self.num_nodes, device=self.memory.device))
            self._reset_message_store()
        return super().train(mode)

    # -------------------------------------------------------------- internals
    def _empty_store(self) -> Store:
        i = self.memory.new_empty((0, ), dtype=torch.long)
        return i, i, i, self.memory.new_empty((0, self.raw_msg_dim))

    def _reset_message_store(self) -> None:
        self.msg_s_store = self._empty_store()
        self.msg_d_store = self._empty_store()

    def _node_mask(self, n_id: Tensor) -> Tensor:
        mask = torch.zeros(self.num_nodes, dtype=torch.bool, device=n_id.device)
        mask[n_id] = True
        return mask

    def _store(self, store: Store, src: Tensor, dst: Tensor, t: Tensor,
               raw_msg: Tensor) -> Store:
        """Every node in ``src`` keeps exactly its messages of this batch."""
        keep = ~self._node_mask(src)[store[0]]
        return (torch.cat([store[0][keep], src]), torch.cat([store[1][keep], dst]),
                torch.cat([store[2][keep], t.to(torch.long)]),
                torch.cat([store[3][keep].to(raw_msg.dtype), raw_msg]))

    def _compute_msg(self, n_id: Tensor, store: Store,
                     msg_module: Callable) -> Tuple[Tensor, Tensor, Tensor]:
        select = self._node_mask(n_id)[store[0]]
        src, dst, t, raw_msg = (s[select] for s in store)
        t_rel = t - self.last_update[src]
        t_enc = self.time_enc(t_rel.to(raw_msg.dtype))
        msg = msg_module(self.memory[src], self.memory[dst], raw_msg, t_enc)
        return msg, t, src

    def _get_updated_memory(self, n_id: Tensor) -> Tuple[Tensor, Tensor]:
        self.__assoc__[n_id] = torch.arange(n_id.size(0), device=n_id.device)
        msg_s, t_s, src_s = self._compute_msg(n_id, self.msg_s_store, self.msg_s_module)
        msg_d, t_d, src_d = self._compute_msg(n_id, self.msg_d_store, self.msg_d_module)

        index = self.__assoc__[torch.cat([src_s, src_d])]
        msg = torch.cat([msg_s, msg_d], dim=0)
        t = torch.cat([t_s, t_d], dim=0)
        aggr = self.aggr_module(msg, index, t, n_id.size(0))

        memory = self.gru(aggr, self.memory[n_id])
        last_update = ops.scatter_max(t, index, dim=0, dim_size=n_id.size(0))
        return memory, last_update

    def _update_memory(self, n_id: Tensor) -> None:
        memory, last_update = self._get_updated_memory(n_id)
        self.memory[n_id] = memory
        self.last_update[n_id] = last_update

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_nodes={self.num_nodes}, "
                f"raw_msg_dim={self.raw_msg_dim}, memory_dim={self.memory_dim}, "
                f"time_dim={self.time_dim})")


class IdentityMessage(torch.nn.Module):
    r"""The message :math:`\mathbf{s}_i \Vert \mathbf{s}_j \Vert \mathbf{e}_{ij}
    \Vert \phi(\Delta t)` of size ``raw_msg_dim + 2 * memory_dim + time_dim``."""

    def __init__(self, raw_msg_dim: int, memory_dim: int, time_dim: int):
        super().__init__()
        self.out_channels = raw_msg_dim + 2 * memory_dim + time_dim

    def forward(self, z_src: Tensor, z_dst: Tensor, raw_msg: Tensor, t_enc: Tensor) -> Tensor:
        return torch.cat([z_src, z_dst, raw_msg, t_enc], dim=-1)


class LastAggregator(torch.nn.Module):
    r"""Keeps the most recent message of every node (zeros for nodes without one)."""

    def forward(self, msg: Tensor, index: Tensor, t: Tensor, dim_size: int) -> Tensor:
        _, argmax = ops.scatter_argmax(t, index, dim=0, dim_size=dim_size)
        out = msg.new_zeros((dim_size, msg.size(-1)))
        found = argmax < msg.size(0)
        out[found] = msg[argmax[found]]
        return out


class MeanAggregator(torch.nn.Module):
    r"""Averages the messages of every node (zeros for nodes without one)."""

    def forward(self, msg: Tensor, index: Tensor, t: Tensor, dim_size: int) -> Tensor:
        return ops.scatter_mean(msg, index, dim=0, dim_size=dim_size)


class TimeEncoder(torch.nn.Module):
    r"""The time encoding :math:`\phi(t) = \cos(\mathbf{w} t + \mathbf{b})`."""

    def __init__(self, out_channels: int):
        super().__init__()
        self.out_channels = out_channels
        self.lin = Linear(1, out_channels)

    def reset_parameters(self):
        self.lin.reset_parameters()

    def forward(self, t: Tensor) -> Tensor:
        return self.lin(t.view(-1, 1)).cos()


class LastNeighborLoader:
    r"""Keeps, for every node, its ``size`` most recent interaction partners of an
    ever-growing undirected temporal graph.

    Args:
        num_nodes (int): The number of nodes.
        size (int): The number of most recent neighbours kept per node.
        device (torch.device, optional): Where the tables live. (default: ``None``)
    """

    def __init__(self, num_nodes: int, size: int, device=None):
        if int(num_nodes) < 1 or int(size) < 1:
            raise ValueError(f"LastNeighborLoader: num_nodes and size must be positive "
                             f"integers, got {num_nodes} and {size}")
        self.num_nodes = num_nodes
        self.size = size
        self.neighbors = torch.empty((num_nodes, size), dtype=torch.long, device=device)
        self.e_id = torch.empty((num_nodes, size), dtype=torch.long, device=device)
        self.__assoc__ = torch.empty(num_nodes, dtype=torch.long, device=device)
        self.reset_state()

    def __call__(self, n_id: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Returns the node set (``n_id`` and their neighbours, sorted), the edges
        ``neighbour -> node`` in local indices and their interaction ids."""
        neighbors = self.neighbors[n_id]
        nodes = n_id.view(-1, 1).expand(-1, self.size)
        e_id = self.e_id[n_id]
        valid = e_id >= 0
        neighbors, nodes, e_id = neighbors[valid], nodes[valid], e_id[valid]

        n_id = torch.cat([n_id, neighbors]).unique()
        self.__assoc__[n_id] = torch.arange(n_id.size(0), device=n_id.device)
        edge_index = torch.stack([self.__assoc__[neighbors], self.__assoc__[nodes]])
        return n_id, edge_index, e_id

    def insert(self, src: Tensor, dst: Tensor):
        """Inserts the interactions ``src[k] <-> dst[k]`` (ids in insertion order)."""
        if src.shape != dst.shape or src.dim() != 1:
            raise ValueError(f"LastNeighborLoader.insert: src and dst must be 1-D of the "
                             f"same length, got {tuple(src.shape)} and {tuple(dst.shape)}")
        num_new = src.numel()
        new_e = torch.arange(self.cur_e_id, self.cur_e_id + num_new,
                             device=src.device).repeat(2)
        self.cur_e_id += num_new
        new_nodes = torch.cat([dst, src])
        new_nbrs = torch.cat([src, dst])

        touched = new_nodes.unique()
        self.__assoc__[touched] = torch.arange(touched.numel(), device=src.device)
        # Candidates: old entries of every touched node plus the new ones.
        group = torch.cat([
            torch.arange(touched.numel(), device=src.device).repeat_interleave(self.size),
            self.__assoc__[new_nodes]])
        e_id = torch.cat([self.e_id[touched].view(-1), new_e])
        nbrs = torch.cat([self.neighbors[touched].view(-1), new_nbrs])
        valid = e_id >= 0
        group, e_id, nbrs = group[valid], e_id[valid], nbrs[valid]

        # Newest first within every node, then keep the first `size` of each.
        order = torch.argsort(e_id, descending=True, stable=True)
        order = order[torch.argsort(group[order], stable=True)]
        group, e_id, nbrs = group[order], e_id[order], nbrs[order]
        count = torch.bincount(group, minlength=touched.numel())
        start = torch.cumsum(count, 0) - count
        rank = torch.arange(group.numel(), device=src.device) - start[group]
        keep = rank < self.size

        self.e_id[touched] = -1
        rows = touched[group[keep]]
        self.e_id[rows, rank[keep]] = e_id[keep]
        self.neighbors[rows, rank[keep]] = nbrs[keep]

    def reset_state(self):
        """Forgets every interaction."""
        self.cur_e_id = 0
        self.e_id.fill_(-1)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_nodes={self.num_nodes}, size={self.size})"


def _check_events(src: Tensor, dst: Tensor, t: Tensor, raw_msg: Tensor,
                  raw_msg_dim: int) -> None:
    n = src.numel()
    if src.dim() != 1 or dst.shape != src.shape or t.shape != src.shape:
        raise ValueError(f"TGNMemory.update_state: src, dst and t must be 1-D of the same "
                         f"length, got {tuple(src.shape)}, {tuple(dst.shape)} and "
                         f"{tuple(t.shape)}")
    if raw_msg.dim() != 2 or raw_msg.size(0) != n or raw_msg.size(1) != raw_msg_dim:
        raise ValueError(f"TGNMemory.update_state: raw_msg must have shape [{n}, "
                         f"{raw_msg_dim}], got {tuple(raw_msg.shape)}")
