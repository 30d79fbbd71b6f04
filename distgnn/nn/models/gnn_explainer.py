r"""GNNExplainer from the `"GNNExplainer: Generating Explanations for Graph Neural
Networks" <https://arxiv.org/abs/1903.03894>`_ paper.

For a trained model, learns a soft edge mask :math:`\sigma(\mathbf{M}_E)` (applied
to every message of every :class:`~distgnn.nn.conv.MessagePassing` layer) and a
node feature mask :math:`\sigma(\mathbf{M}_F)` (applied to the input features)
that keep the model's prediction :math:`\hat{y}` while being small and crisp:

.. math::
    \mathcal{L} = -\log P(\hat{y} \mid \sigma(\mathbf{M}_E), \mathbf{X} \odot
    \sigma(\mathbf{M}_F)) + \lambda_E \sum \sigma(\mathbf{M}_E)
    + \lambda_{H_E} \bar{H}(\sigma(\mathbf{M}_E))
    + \lambda_F\, \overline{\sigma(\mathbf{M}_F)}
    + \lambda_{H_F} \bar{H}(\sigma(\mathbf{M}_F))

with :math:`H(m) = -m\log m - (1-m)\log(1-m)`.
"""
from copy import copy
from math import sqrt
from typing import Any, Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from distgnn.nn.conv.message_passing import MessagePassing
from distgnn.utils import k_hop_subgraph

__all__ = ["GNNExplainer"]

EPS = 1e-15
RETURN_TYPES = ("log_prob", "prob", "raw")


class GNNExplainer(nn.Module):
    r"""The GNN-Explainer model for identifying compact subgraph structures and
    small subsets of node features that play a crucial role in a GNN's
    node-predictions.

    Args:
        model (torch.nn.Module): The GNN module to explain.
        epochs (int, optional): The number of epochs to train. (default: :obj:`100`)
        lr (float, optional): The learning rate to apply. (default: :obj:`0.01`)
        num_hops (int, optional): The number of hops the :obj:`model` is
            aggregating information from. If set to :obj:`None`, will automatically
            try to detect this information based on the number of
            :class:`~distgnn.nn.conv.MessagePassing` layers inside :obj:`model`.
            (default: :obj:`None`)
        return_type (str, optional): Denotes the type of output from :obj:`model`.
            Valid inputs are :obj:`"log_prob"` (the model returns the logarithm of
            probabilities), :obj:`"prob"` (the model returns probabilities) and
            :obj:`"raw"` (the model returns raw scores). (default: :obj:`"log_prob"`)
        log (bool, optional): If set to :obj:`False`, will not log any learning
            progress. (default: :obj:`True`)
    """

    coeffs = {
        "edge_size": 0.005,
        "edge_reduction": "sum",
        "node_feat_size": 1.0,
        "node_feat_reduction": "mean",
        "edge_ent": 1.0,
        "node_feat_ent": 0.1,
    }

    def __init__(self, model: nn.Module, epochs: int = 100, lr: float = 0.01,
                 num_hops: Optional[int] = None, return_type: str = "log_prob",
                 log: bool = True):
        super().__init__()
        if return_type not in RETURN_TYPES:
            raise ValueError(f"GNNExplainer: return_type must be one of {RETURN_TYPES}, "
                             f"got {return_type!r}")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"GNNExplainer: epochs must be a non-negative int, got {epochs!r}")
        self.model = model
        self.epochs = epochs
        self.lr = lr
        self.__num_hops__ = num_hops
        self.return_type = return_type
        self.log = log
        self.node_feat_mask: Optional[nn.Parameter] = None
        self.edge_mask: Optional[nn.Parameter] = None

    # ------------------------------------------------------------------ masks
    def __message_passing_layers__(self):
        return [m for m in self.model.modules() if isinstance(m, MessagePassing)]

    def __set_masks__(self, x: Tensor, edge_index: Tensor) -> None:
        (N, F), E = x.size(), edge_index.size(1)
        self.node_feat_mask = nn.Parameter(torch.randn(F, device=x.device) * 0.1)
        std = nn.init.calculate_gain("relu") * sqrt(2.0 / (2 * N))
        self.edge_mask = nn.Parameter(torch.randn(E, device=x.device) * std)
        for module in self.__message_passing_layers__():
            module.__explain__ = True
            module.__edge_mask__ = self.edge_mask

    def __clear_masks__(self) -> None:
        for module in self.__message_passing_layers__():
            module.__explain__ = False
            module.__edge_mask__ = None
        self.node_feat_mask = None
        self.edge_mask = None

    @property
    def num_hops(self) -> int:
        if self.__num_hops__ is not None:
            return self.__num_hops__
        return len(self.__message_passing_layers__())

    def __flow__(self) -> str:
        for module in self.__message_passing_layers__():
            return module.flow
        return "source_to_target"

    # --------------------------------------------------------------- helpers
    def __subgraph__(self, node_idx: int, x: Tensor, edge_index: Tensor, **kwargs):
        num_nodes, num_edges = x.size(0), edge_index.size(1)
        subset, edge_index, mapping, edge_mask = k_hop_subgraph(
            node_idx, self.num_hops, edge_index, relabel_nodes=True, num_nodes=num_nodes,
            flow=self.__flow__())
        x = x[subset]
        for key, item in kwargs.items():
            if torch.is_tensor(item) and item.dim() > 0 and item.size(0) == num_nodes:
                item = item[subset]
            elif torch.is_tensor(item) and item.dim() > 0 and item.size(0) == num_edges:
                item = item[edge_mask]
            kwargs[key] = item
        return x, edge_index, mapping, edge_mask, kwargs

    def __loss__(self, node_idx: Any, log_logits: Tensor, pred_label: Tensor) -> Tensor:
        # node_idx is -1 when explaining a graph (one prediction in row 0).
        idx = 0 if _is_graph(node_idx) else node_idx
        loss = -log_logits[idx, pred_label[idx]]
        loss = loss.sum() if loss.dim() > 0 else loss

        m = self.edge_mask.sigmoid()
        edge_reduce = getattr(torch, self.coeffs["edge_reduction"])
        loss = loss + self.coeffs["edge_size"] * edge_reduce(m)
        loss = loss + self.coeffs["edge_ent"] * _entropy(m).mean()

        m = self.node_feat_mask.sigmoid()
        node_feat_reduce = getattr(torch, self.coeffs["node_feat_reduction"])
        loss = loss + self.coeffs["node_feat_size"] * node_feat_reduce(m)
        loss = loss + self.coeffs["node_feat_ent"] * _entropy(m).mean()
        return loss

    def __to_log_prob__(self, x: Tensor) -> Tensor:
        if self.return_type == "raw":
            return x.log_softmax(dim=-1)
        if self.return_type == "prob":
            return x.log()
        return x

    def __check_inputs__(self, x: Tensor, edge_index: Tensor) -> None:
        if not isinstance(x, Tensor) or x.dim() != 2:
            raise ValueError(f"GNNExplainer: x must be a [num_nodes, num_features] tensor, "
                             f"got {list(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        if (not isinstance(edge_index, Tensor) or edge_index.dim() != 2
                or edge_index.size(0) != 2):
            shape = list(edge_index.shape) if isinstance(edge_index, Tensor) else \
                type(edge_index).__name__
            raise ValueError(f"GNNExplainer: edge_index must be a LongTensor of shape "
                             f"[2, E], got {shape}")

    def __train_masks__(self, node_idx: Any, x: Tensor, edge_index: Tensor,
                        kwargs: Dict[str, Any], desc: str) -> None:
        with torch.no_grad():
            out = self.model(x=x, edge_index=edge_index, **kwargs)
            pred_label = self.__to_log_prob__(out).argmax(dim=-1)

        self.__set_masks__(x, edge_index)
        self.to(x.device)
        optimizer = torch.optim.Adam([self.node_feat_mask, self.edge_mask], lr=self.lr)
        pbar = _progress(self.epochs, desc) if self.log else None
        for _ in range(self.epochs):
            optimizer.zero_grad()
            h = x * self.node_feat_mask.view(1, -1).sigmoid()
            out = self.model(x=h, edge_index=edge_index, **kwargs)
            loss = self.__loss__(node_idx, self.__to_log_prob__(out), pred_label)
            loss.backward()
            optimizer.step()
            if pbar is not None:
                pbar.update(1)
        if pbar is not None:
            pbar.close()

    # ------------------------------------------------------------------- API
    def explain_graph(self, x: Tensor, edge_index: Tensor, **kwargs) -> Tuple[Tensor, Tensor]:
        r"""Learns and returns a node feature mask and an edge mask that play a
        crucial role to explain the prediction made by the GNN for a graph.

        Args:
            x (Tensor): The node feature matrix.
            edge_index (LongTensor): The edge indices.
            **kwargs (optional): Additional arguments passed to the GNN module.

        :rtype: (:class:`Tensor`, :class:`Tensor`)
        """
        self.__check_inputs__(x, edge_index)
        self.model.eval()
        self.__clear_masks__()
        # All nodes belong to the same graph.
        kwargs.setdefault("batch", torch.zeros(x.size(0), dtype=torch.long, device=x.device))
        try:
            self.__train_masks__(-1, x, edge_index, kwargs, "Explain graph")
            node_feat_mask = self.node_feat_mask.detach().sigmoid()
            edge_mask = self.edge_mask.detach().sigmoid()
        finally:
            self.__clear_masks__()
        return node_feat_mask, edge_mask

    def explain_node(self, node_idx: int, x: Tensor, edge_index: Tensor,
                     **kwargs) -> Tuple[Tensor, Tensor]:
        r"""Learns and returns a node feature mask and an edge mask that play a
        crucial role to explain the prediction made by the GNN for node
        :attr:`node_idx`. Edges outside the :obj:`num_hops`-hop neighbourhood of
        the node get mask value :obj:`0`.

        Args:
            node_idx (int): The node to explain.
            x (Tensor): The node feature matrix.
            edge_index (LongTensor): The edge indices.
            **kwargs (optional): Additional arguments passed to the GNN module.

        :rtype: (:class:`Tensor`, :class:`Tensor`)
        """
        self.__check_inputs__(x, edge_index)
        if not 0 <= int(node_idx) < x.size(0):
            raise IndexError(f"GNNExplainer: node_idx must lie in [0, {x.size(0)}), "
                             f"got {int(node_idx)}")
        self.model.eval()
        self.__clear_masks__()
        num_edges = edge_index.size(1)
        x, edge_index, mapping, hard_edge_mask, kwargs = self.__subgraph__(
            node_idx, x, edge_index, **kwargs)
        try:
            self.__train_masks__(mapping, x, edge_index, kwargs,
                                 f"Explain node {int(node_idx)}")
            node_feat_mask = self.node_feat_mask.detach().sigmoid()
            edge_mask = self.edge_mask.new_zeros(num_edges)
            edge_mask[hard_edge_mask] = self.edge_mask.detach().sigmoid()
        finally:
            self.__clear_masks__()
        return node_feat_mask, edge_mask

    def visualize_subgraph(self, node_idx: int, edge_index: Tensor, edge_mask: Tensor,
                           y: Optional[Tensor] = None, threshold: Optional[float] = None,
                           **kwargs):
        r"""Visualizes the subgraph given an edge mask :attr:`edge_mask`.

        Args:
            node_idx (int): The node id to explain. Set to :obj:`-1` to explain graph.
            edge_index (LongTensor): The edge indices.
            edge_mask (Tensor): The edge mask.
            y (Tensor, optional): The ground-truth node-prediction labels used as node
                colorings. All nodes will have the same color if :attr:`node_idx` is
                :obj:`-1`. (default: :obj:`None`)
            threshold (float, optional): Sets a threshold for visualizing important
                edges. If set to :obj:`None`, will visualize all edges with
                transparency indicating the importance of edges. (default: :obj:`None`)
            **kwargs (optional): Additional arguments passed to :func:`nx.draw`.

        :rtype: :class:`matplotlib.axes.Axes`, :class:`networkx.DiGraph`
        """
        nx, plt = _plotting()
        if edge_mask.size(0) != edge_index.size(1):
            raise ValueError(f"GNNExplainer.visualize_subgraph: edge_mask must have one "
                             f"value per edge ({edge_index.size(1)}), got {edge_mask.size(0)}")
        if node_idx == -1:
            hard_edge_mask = torch.ones(edge_index.size(1), dtype=torch.bool,
                                        device=edge_mask.device)
            num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
            subset = torch.arange(num_nodes, device=edge_index.device)
            y = None
        else:
            subset, edge_index, _, hard_edge_mask = k_hop_subgraph(
                node_idx, self.num_hops, edge_index, relabel_nodes=True,
                flow=self.__flow__())
        edge_mask = edge_mask[hard_edge_mask]
        if threshold is not None:
            edge_mask = (edge_mask >= threshold).to(torch.float)
        if y is None:
            colors = [0.0] * subset.numel()
        else:
            colors = (y[subset].to(torch.float) / max(float(y.max()), 1.0)).tolist()

        G = nx.DiGraph()
        G.add_nodes_from(subset.tolist())
        ids = subset.tolist()
        for (s, t), att in zip(edge_index.t().tolist(), edge_mask.tolist()):
            G.add_edge(ids[s], ids[t], att=att)
        for node, color in zip(ids, colors):
            G.nodes[node]["y"] = color

        node_kwargs = copy(kwargs)
        node_kwargs["node_size"] = kwargs.get("node_size") or 800
        node_kwargs["cmap"] = kwargs.get("cmap") or "cool"
        label_kwargs = copy(kwargs)
        label_kwargs["font_size"] = kwargs.get("font_size") or 10
        for key in ("node_size", "cmap"):
            label_kwargs.pop(key, None)
        node_kwargs.pop("font_size", None)

        pos = nx.spring_layout(G, seed=0)
        ax = plt.gca()
        shrink = sqrt(node_kwargs["node_size"]) / 2.0
        for source, target, data in G.edges(data=True):
            ax.annotate("", xy=pos[target], xycoords="data", xytext=pos[source],
                        textcoords="data",
                        arrowprops=dict(arrowstyle="->", alpha=max(data["att"], 0.1),
                                        shrinkA=shrink, shrinkB=shrink,
                                        connectionstyle="arc3,rad=0.1"))
        nx.draw_networkx_nodes(G, pos, node_color=[G.nodes[n]["y"] for n in G.nodes],
                               **node_kwargs)
        nx.draw_networkx_labels(G, pos, **label_kwargs)
        return ax, G

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _is_graph(node_idx: Any) -> bool:
    return isinstance(node_idx, int) and node_idx == -1


def _entropy(m: Tensor) -> Tensor:
    return -m * torch.log(m + EPS) - (1 - m) * torch.log(1 - m + EPS)


def _progress(total: int, desc: str):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc)


def _plotting():
    try:
        import matplotlib.pyplot as plt
        import networkx as nx
    except ImportError as e:
        raise ImportError("GNNExplainer.visualize_subgraph needs networkx and matplotlib: "
                          "pip install networkx matplotlib") from e
    return nx, plt
