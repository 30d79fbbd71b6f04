"""Dense convolutional layers (dense adjacency input)."""

__all__ = []
