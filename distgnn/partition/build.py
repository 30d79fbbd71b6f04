"""An on-disk CSR to a partitioned store: the one build path of ``distgnn partition`` and ``distgnn train``.

:func:`build_store` picks the method (``auto``: :func:`~.api.choose_method`, said
through ``log``), partitions the memory-mapped CSR (:func:`~.api.partition`) and
writes the store part by part from the CSR (:func:`~.store.write_store_from_csr`),
naming in its ``method`` the method whose partition was kept.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

from .api import Partitioning, choose_method, partition

__all__ = ["build_store", "method_options", "OPTIONS_OF"]

#: the options each method takes of those :func:`build_store` is given
OPTIONS_OF: Dict[str, tuple] = {"random": (), "stream": ("imbalance", "passes"),
                                "kaminpar": ("imbalance", "context", "threads"),
                                "out_of_core": ("imbalance", "lp_passes", "refine_passes"),
                                "metis": ("imbalance",), "graclus": ("imbalance",)}


def method_options(method: str, options: Dict[str, object]) -> Dict[str, object]:
    """The entries of ``options`` (None: not given) that ``method`` takes."""
    return {k: v for k, v in options.items() if k in OPTIONS_OF.get(method, ()) and v is not None}


def build_store(csr, out: str, num_parts: int, *, method: str = "auto", seed: int = 0,
                memory_gb: Optional[float] = None, options: Optional[Dict[str, object]] = None,
                x=None, y=None, masks=None, overwrite: bool = False, keep_edge_ids: bool = False,
                x_dtype: str = "float32", extra_meta: Optional[dict] = None, verbose: bool = False,
                log: Callable[[str], None] = print) -> Partitioning:
    """Partition ``csr`` (a :class:`~.disk_csr.DiskCSR`) into ``num_parts`` and write the store ``out``.

    ``options``: imbalance, passes (stream), context and threads (kaminpar), lp_passes and
    refine_passes (out_of_core); each
    method takes its own. ``verbose`` prints the partitioner's progress. Returns
    the partition and the method that gave it (the store's ``method``; ``method_requested``
    is ``method`` as given).
    """
    from .store import write_store_from_csr

    asked, extra = method, {}
    if method == "auto":
        method, extra, reason = choose_method(csr.num_nodes, csr.num_edges, memory_gb)
        shown = " ".join(f"{key}={v}" for key, v in extra.items())
        log(f"method auto -> {method}{' ' + shown if shown else ''}: {reason}")
    opts = {**method_options(method, options or {}), **extra}
    kept = partition(csr, None, num_parts, method=method, seed=seed, verbose=verbose,
                     memory_gb=opts.pop("memory_gb", memory_gb), **opts)
    meta = {**(extra_meta or {}), "symmetrized": csr.symmetrized, "method_requested": asked}
    write_store_from_csr(out, csr, kept.part, x=x, y=y, masks=masks, method=kept.method, seed=seed,
                         overwrite=overwrite, keep_edge_ids=keep_edge_ids, x_dtype=x_dtype,
                         extra_meta=meta)
    return kept
