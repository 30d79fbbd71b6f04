r"""The skip connection operations from the `"DeepGCNs: Can GCNs Go as Deep as
CNNs?" <https://arxiv.org/abs/1904.03751>`_ and `"All You Need to Train Deeper
GCNs" <https://arxiv.org/abs/2006.07739>`_ papers.

Res+ (``"res+"``):

.. math::
    \text{Normalization}\to\text{Activation}\to\text{Dropout}\to
    \text{GraphConv}\to\text{Res}

Res (``"res"``) / Dense (``"dense"``) / Plain (``"plain"``):

.. math::
    \text{GraphConv}\to\text{Normalization}\to\text{Activation}\to
    \text{Res/Dense/Plain}\to\text{Dropout}
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

__all__ = ["DeepGCNLayer"]

BLOCKS = ("res+", "res", "dense", "plain")


class DeepGCNLayer(nn.Module):
    r"""The skip connection operations: the pre-activation residual connection
    (``"res+"``), the residual connection (``"res"``), the dense connection
    (``"dense"``) and no connections (``"plain"``).

    Args:
        conv (torch.nn.Module, optional): the GCN operator. (default: :obj:`None`)
        norm (torch.nn.Module): the normalization layer. (default: :obj:`None`)
        act (torch.nn.Module): the activation layer. (default: :obj:`None`)
        block (string, optional): The skip connection operation to use
            (``"res+"``, ``"res"``, ``"dense"`` or ``"plain"``). (default: ``"res+"``)
        dropout (float, optional): The dropout probability. (default: :obj:`0.`)
        ckpt_grad (bool, optional): If set to :obj:`True`, will checkpoint this part
            of the model, trading compute for memory. (default: :obj:`False`)
    """

    def __init__(self, conv: Optional[nn.Module] = None, norm: Optional[nn.Module] = None,
                 act: Optional[nn.Module] = None, block: str = "res+", dropout: float = 0.0,
                 ckpt_grad: bool = False):
        super().__init__()
        self.conv = conv
        self.norm = norm
        self.act = act
        if not isinstance(block, str) or block.lower() not in BLOCKS:
            raise ValueError(f"DeepGCNLayer: block must be one of {BLOCKS}, got {block!r}")
        self.block = block.lower()
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"DeepGCNLayer: dropout must lie in [0, 1], got {dropout!r}")
        self.dropout = dropout
        self.ckpt_grad = ckpt_grad

    def reset_parameters(self) -> None:
        for module in (self.conv, self.norm):
            if module is not None and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def __conv__(self, h: Tensor, args, kwargs) -> Tensor:
        if self.conv is None:
            return h
        if self.ckpt_grad and h.requires_grad:
            return checkpoint(self.conv, h, *args, use_reentrant=False, **kwargs)
        return self.conv(h, *args, **kwargs)

    def forward(self, *args, **kwargs) -> Tensor:
        r"""``forward(x, *args, **kwargs)``: the remaining arguments go to ``conv``."""
        if not args:
            raise TypeError("DeepGCNLayer.forward: expected the node features x as the "
                            "first positional argument, got none")
        x, args = args[0], args[1:]

        if self.block == "res+":
            h = x
            if self.norm is not None:
                h = self.norm(h)
            if self.act is not None:
                h = self.act(h)
            h = F.dropout(h, p=self.dropout, training=self.training)
            return x + self.__conv__(h, args, kwargs)

        h = self.__conv__(x, args, kwargs)
        if self.norm is not None:
            h = self.norm(h)
        if self.act is not None:
            h = self.act(h)
        if self.block == "res":
            h = x + h
        elif self.block == "dense":
            h = torch.cat([x, h], dim=-1)
        return F.dropout(h, p=self.dropout, training=self.training)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(block={self.block})"
