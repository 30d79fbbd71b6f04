"""What a shard server holds: its parts' CSR rows, edge ids, features, labels and masks."""
from dataclasses import dataclass, field
from typing import Dict, Optional, Union

import numpy as np

__all__ = ["ShardArrays", "PartEdgeIds"]


class PartEdgeIds:
    """The edge ids of a server's edges when the store keeps none: the edges of part
    ``k`` (from position ``starts[k]`` of the server's CSR) are numbered from
    ``offsets[k]``, their place in the store. Indexed like the array it replaces."""

    def __init__(self, starts: np.ndarray, offsets: np.ndarray) -> None:
        self.starts = np.asarray(starts, np.int64)
        self.offsets = np.asarray(offsets, np.int64)

    def take(self, pos) -> np.ndarray:
        pos = np.asarray(pos, np.int64)
        k = np.searchsorted(self.starts, pos, side="right") - 1
        return pos - self.starts[k] + self.offsets[k]

    __getitem__ = take


@dataclass
class ShardArrays:
    """The parts a server holds, merged: CSR rows of part ``parts[k]`` start at
    row ``row_base[k]``; ``x``/``y``/``masks`` rows follow the CSR rows. ``col``
    is int32 where the store's is; ``eid`` an array or :class:`PartEdgeIds`."""

    node_ranges: np.ndarray
    parts: np.ndarray
    row_base: np.ndarray
    rowptr: np.ndarray
    col: np.ndarray
    eid: Union[np.ndarray, PartEdgeIds]
    x: Optional[np.ndarray] = None
    y: Optional[np.ndarray] = None
    masks: Dict[str, np.ndarray] = field(default_factory=dict)
