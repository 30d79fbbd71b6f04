"""A small cache keyed by tensor *object* (not value), for structures derived
from an ``edge_index`` that training loops pass unchanged every step.

An entry is valid while the tensor is alive and not modified in place (its
``_version`` is unchanged); it is dropped when the tensor is freed.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any, Hashable, Optional, Tuple

from torch import Tensor

__all__ = ["TensorCache"]


class TensorCache:
    """LRU map ``(tensor object, key) -> value`` with at most ``max_entries`` items."""

    def __init__(self, max_entries: int = 16):
        self.max_entries = max_entries
        self._entries: "OrderedDict[Tuple[int, Hashable], Tuple[int, Any]]" = OrderedDict()
        self._seen: "dict[int, int]" = {}
        # ids of freed tensors; finalizers may run in the middle of a dict update
        # (garbage collection), so they only append here and the purge happens later
        self._dead: "list[int]" = []

    def get(self, tensor: Tensor, key: Hashable = None) -> Optional[Any]:
        self._purge()
        entry = self._entries.get((id(tensor), key))
        if entry is None or entry[0] != tensor._version:
            return None
        self._entries.move_to_end((id(tensor), key))
        return entry[1]

    def put(self, tensor: Tensor, key: Hashable, value: Any) -> None:
        self._purge()
        self._watch(tensor)
        self._entries[(id(tensor), key)] = (tensor._version, value)
        self._entries.move_to_end((id(tensor), key))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def seen_before(self, tensor: Tensor) -> bool:
        """Whether ``tensor`` (unchanged) was passed here before; marks it as seen."""
        self._purge()
        seen = self._seen.get(id(tensor)) == tensor._version
        self._watch(tensor)
        return seen

    def clear(self) -> None:
        self._entries.clear()
        self._seen.clear()
        self._dead.clear()

    def __len__(self) -> int:
        self._purge()
        return len(self._entries)

    def _watch(self, tensor: Tensor) -> None:
        tid = id(tensor)
        if tid not in self._seen:
            weakref.finalize(tensor, self._forget, tid)
        self._seen[tid] = tensor._version

    def _forget(self, tid: int) -> None:
        self._dead.append(tid)

    def _purge(self) -> None:
        while self._dead:
            tid = self._dead.pop()
            self._seen.pop(tid, None)
            for key in [k for k in self._entries if k[0] == tid]:
                del self._entries[key]
