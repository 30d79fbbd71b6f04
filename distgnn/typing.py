"""Type aliases used across distgnn (the names torch_geometric 1.7 users import)."""
from typing import Optional, Tuple, Union

from torch import Tensor

try:  # torch_sparse is a dependency; the fallback keeps the pure-Python path importable.
    from torch_sparse import SparseTensor
    WITH_TORCH_SPARSE = True
except ImportError:  # pragma: no cover - exercised only without torch_sparse
    WITH_TORCH_SPARSE = False

    class SparseTensor:  # type: ignore[no-redef]
        """Placeholder so annotations resolve when torch_sparse is not installed."""

        def __init__(self, *args, **kwargs):
            raise ImportError("SparseTensor needs the 'torch_sparse' package: "
                              "pip install torch-sparse --no-build-isolation")

__all__ = ["Adj", "OptTensor", "PairTensor", "OptPairTensor", "PairOptTensor",
           "Size", "NoneType", "SparseTensor", "WITH_TORCH_SPARSE"]

Adj = Union[Tensor, SparseTensor]
OptTensor = Optional[Tensor]
PairTensor = Tuple[Tensor, Tensor]
OptPairTensor = Tuple[Tensor, Optional[Tensor]]
PairOptTensor = Tuple[Optional[Tensor], Optional[Tensor]]
Size = Optional[Tuple[int, int]]
NoneType = Optional[Tensor]
