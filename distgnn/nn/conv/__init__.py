"""Convolutional layers: one per file, all built on :class:`MessagePassing`.

Add one import line per layer, keeping the list alphabetical within its block.
"""
from .message_passing import MessagePassing
from .sage_conv import SAGEConv

__all__ = [
    "MessagePassing",
    "SAGEConv",
]
