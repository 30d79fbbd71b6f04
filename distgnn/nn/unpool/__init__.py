"""Unpooling: features of a coarse point set interpolated back onto a finer one."""
from .knn_interpolate import knn_interpolate

__all__ = ["knn_interpolate"]
