r"""RE-Net, from Jin et al., "Recurrent Event Network: Autoregressive Structure
Inference over Temporal Knowledge Graphs" (EMNLP 2020).

An event :math:`(s, r, o, t)` is scored by a linear projection

.. math::
    f_{\mathbf{\Theta}}(\mathbf{e}_s, \mathbf{e}_r, \mathbf{h}^{(t-1)}(s, r))

of the subject and relation embeddings and a recurrent summary of the subject's past

.. math::
    \mathbf{h}^{(t)}(s, r) = \mathrm{RNN}(\mathbf{e}_s, \mathbf{e}_r,
    g(\mathcal{O}^{(t)}_r(s)), \mathbf{h}^{(t-1)}(s, r)),

where :math:`\mathcal{O}^{(t)}_r(s)` are the objects the subject interacted with under
relation :math:`r` at time :math:`t` and :math:`g` is the mean of their embeddings.
Objects are scored symmetrically from their own history.
"""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import GRU, Linear, Parameter

from ... import ops

__all__ = ["RENet", "RENetHistory"]


class RENetHistory:
    r"""The pre-transform of :class:`RENet`: events must be fed in chronological
    order. For every event :math:`(s, r, o, t)` it stores the objects of the subject
    under relation :math:`r` in the last ``seq_len`` distinct earlier timestamps as
    ``data.h_sub`` with their relative timestamps ``data.h_sub_t`` (``0`` the oldest,
    ``seq_len - 1`` the latest), and the subjects of the object as ``data.h_obj`` /
    ``data.h_obj_t``; then records the event.

    Args:
        seq_len (int): The number of past timestamps kept.
    """

    def __init__(self, seq_len: int):
        if int(seq_len) < 1:
            raise ValueError(f"RENet.pre_transform: seq_len must be a positive integer, "
                             f"got {seq_len}")
        self.seq_len = int(seq_len)
        self.reset()

    def reset(self) -> None:
        """Forgets every recorded event."""
        self.t_last = None
        self.step = -1
        # node -> {step -> [(neighbour, relation), ...]}
        self.sub_hist: Dict[int, Dict[int, List[Tuple[int, int]]]] = {}
        self.obj_hist: Dict[int, Dict[int, List[Tuple[int, int]]]] = {}

    def history(self, hist: Dict[int, Dict[int, List[Tuple[int, int]]]], node: int,
                rel: int) -> Tuple[Tensor, Tensor]:
        """Neighbours of ``node`` under ``rel`` in the window, and their relative times."""
        first = self.step - self.seq_len
        steps = hist.get(node, {})
        for old in [s for s in steps if s < first]:
            del steps[old]
        nodes: List[int] = []
        times: List[int] = []
        for step in sorted(s for s in steps if s < self.step):
            for other, r in steps[step]:
                if r == rel:
                    nodes.append(other)
                    times.append(step - first)
        return torch.tensor(nodes, dtype=torch.long), torch.tensor(times, dtype=torch.long)

    def __call__(self, data):
        sub, rel = _scalar(data.sub, "sub"), _scalar(data.rel, "rel")
        obj, t = _scalar(data.obj, "obj"), _scalar(data.t, "t")
        if self.t_last is None or t > self.t_last:
            self.step += 1
            self.t_last = t

        data.h_sub, data.h_sub_t = self.history(self.sub_hist, sub, rel)
        data.h_obj, data.h_obj_t = self.history(self.obj_hist, obj, rel)

        self.sub_hist.setdefault(sub, {}).setdefault(self.step, []).append((obj, rel))
        self.obj_hist.setdefault(obj, {}).setdefault(self.step, []).append((sub, rel))
        return data

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(seq_len={self.seq_len})"


class RENet(torch.nn.Module):
    r"""The Recurrent Event Network model (see the module docstring), with :math:`g`
    the mean aggregator and :math:`f_{\mathbf{\Theta}}` a linear projection.

    Args:
        num_nodes (int): The number of nodes in the knowledge graph.
        num_rels (int): The number of relations in the knowledge graph.
        hidden_channels (int): Hidden size of node and relation embeddings.
        seq_len (int): The sequence length of past events.
        num_layers (int, optional): The number of recurrent layers. (default: ``1``)
        dropout (float): If non-zero, introduces a dropout layer before the final
            prediction. (default: ``0.``)
        bias (bool, optional): If set to ``False``, all layers will not learn an
            additive bias. (default: ``True``)
    """

    def __init__(self, num_nodes: int, num_rels: int, hidden_channels: int, seq_len: int,
                 num_layers: int = 1, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        sizes = dict(num_nodes=num_nodes, num_rels=num_rels,
                     hidden_channels=hidden_channels, seq_len=seq_len,
                     num_layers=num_layers)
        for name, value in sizes.items():
            if int(value) < 1:
                raise ValueError(f"RENet: {name} must be a positive integer, got {value}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"RENet: dropout must lie in [0, 1], got {dropout}")
        self.num_nodes = num_nodes
        self.num_rels = num_rels
        self.hidden_channels = hidden_channels
        self.seq_len = seq_len
        self.dropout = dropout

        self.ent = Parameter(torch.empty(num_nodes, hidden_channels))
        self.rel = Parameter(torch.empty(num_rels, hidden_channels))
        self.sub_gru = GRU(3 * hidden_channels, hidden_channels, num_layers,
                           batch_first=True, bias=bias)
        self.obj_gru = GRU(3 * hidden_channels, hidden_channels, num_layers,
                           batch_first=True, bias=bias)
        self.sub_lin = Linear(3 * hidden_channels, num_nodes, bias=bias)
        self.obj_lin = Linear(3 * hidden_channels, num_nodes, bias=bias)
        self.reset_parameters()

    def reset_parameters(self):
        torch.nn.init.xavier_uniform_(self.ent, gain=2.0 ** 0.5)
        torch.nn.init.xavier_uniform_(self.rel, gain=2.0 ** 0.5)
        self.sub_gru.reset_parameters()
        self.obj_gru.reset_parameters()
        self.sub_lin.reset_parameters()
        self.obj_lin.reset_parameters()

    @staticmethod
    def pre_transform(seq_len: int) -> RENetHistory:
        r"""Precomputes history objects

        .. math::
            \{ \mathcal{O}^{(t-k-1)}_r(s), \ldots, \mathcal{O}^{(t-1)}_r(s) \}

        of a dataset for a given sequence length ``seq_len``; events must be
        processed in chronological order."""
        return RENetHistory(seq_len)

    def _summary(self, node: Tensor, hist: Tensor, hist_t: Tensor, hist_batch: Tensor,
                 rel: Tensor, gru: GRU) -> Tensor:
        batch_size, seq_len = node.size(0), self.seq_len
        slot = hist_t + hist_batch * seq_len
        agg = ops.scatter_mean(self.ent[hist], slot, dim=0, dim_size=batch_size * seq_len)
        agg = agg.view(batch_size, seq_len, -1)
        own = self.ent[node].unsqueeze(1).expand(-1, seq_len, -1)
        r = self.rel[rel].unsqueeze(1).expand(-1, seq_len, -1)
        _, h = gru(torch.cat([own, agg, r], dim=-1))
        out = torch.cat([self.ent[node], h[-1], self.rel[rel]], dim=-1)
        return F.dropout(out, p=self.dropout, training=self.training)

    def forward(self, data) -> Tuple[Tensor, Tensor]:
        """Given a ``data`` batch (``sub``, ``rel``, ``obj`` of shape ``[batch_size]``
        plus the histories ``h_sub``, ``h_sub_t``, ``h_sub_batch``, ``h_obj``,
        ``h_obj_t``, ``h_obj_batch``), returns the log-probabilities of the objects and
        of the subjects, each ``[batch_size, num_nodes]``."""
        for key in ("sub", "rel", "obj", "h_sub", "h_sub_t", "h_sub_batch", "h_obj",
                    "h_obj_t", "h_obj_batch"):
            if getattr(data, key, None) is None:
                raise ValueError(f"RENet.forward: data has no '{key}'; apply "
                                 "RENet.pre_transform(seq_len) and batch with "
                                 "follow_batch=['h_sub', 'h_obj']")
        sub, rel, obj = data.sub.view(-1), data.rel.view(-1), data.obj.view(-1)
        h_sub = self._summary(sub, data.h_sub, data.h_sub_t, data.h_sub_batch, rel,
                              self.sub_gru)
        h_obj = self._summary(obj, data.h_obj, data.h_obj_t, data.h_obj_batch, rel,
                              self.obj_gru)
        log_prob_obj = F.log_softmax(self.sub_lin(h_sub), dim=1)
        log_prob_sub = F.log_softmax(self.obj_lin(h_obj), dim=1)
        return log_prob_obj, log_prob_sub

    def test(self, logits: Tensor, y: Tensor) -> Tensor:
        """Given ground-truth ``y``, computes the Mean Reciprocal Rank (MRR) and
        Hits at 1/3/10, returned as a tensor ``[mrr, hits1, hits3, hits10]``."""
        if logits.dim() != 2 or y.numel() != logits.size(0):
            raise ValueError(f"RENet.test: expected logits [N, C] and y [N], got "
                             f"{tuple(logits.shape)} and {tuple(y.shape)}")
        perm = logits.argsort(dim=1, descending=True, stable=True)
        rank = (perm == y.view(-1, 1)).to(torch.long).argmax(dim=1) + 1
        n = float(y.numel())
        return torch.tensor([
            (1.0 / rank.to(torch.float)).mean().item(),
            (rank <= 1).sum().item() / n,
            (rank <= 3).sum().item() / n,
            (rank <= 10).sum().item() / n,
        ])


def _scalar(value, name: str) -> int:
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"RENet.pre_transform: data.{name} must hold a single event, "
                             f"got shape {tuple(value.shape)}")
        return int(value.item())
    if value is None:
        raise ValueError(f"RENet.pre_transform: data has no '{name}'")
    return int(value)
