r"""``global_sort_pool`` (Zhang et al., "An End-to-End Deep Learning Architecture for
Graph Classification", AAAI 2018): sort each graph's nodes by their last channel,
descending, keep the first :math:`k` (zero-padded) and flatten."""
import torch
from torch import Tensor

from ...utils import to_dense_batch

__all__ = ["global_sort_pool"]


def global_sort_pool(x: Tensor, batch: Tensor, k: int) -> Tensor:
    r"""Returns ``[B, k * F]``.

    Args:
        x (Tensor): Node features :math:`[N, F]`.
        batch (LongTensor): Example of every node.
        k (int): The number of nodes to hold for each graph.
    """
    if k < 1:
        raise ValueError(f"global_sort_pool: k must be >= 1, got {k}")
    fill = float(x.min()) - 1.0 if x.numel() > 0 else -1.0
    dense, _ = to_dense_batch(x, batch, fill_value=fill)
    b, n, f = dense.size()
    order = dense[:, :, -1].argsort(dim=-1, descending=True)
    dense = dense.gather(1, order.unsqueeze(-1).expand(b, n, f))
    if n >= k:
        dense = dense[:, :k].contiguous()
    else:
        dense = torch.cat([dense, dense.new_full((b, k - n, f), fill)], dim=1)
    dense = torch.where(dense == fill, torch.zeros_like(dense), dense)
    return dense.view(b, k * f)
