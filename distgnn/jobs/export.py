"""Exporting per-node results keyed by the user's original node ids.

A run's results live in the store's numbering: layer-wise inference outputs
(:mod:`distgnn.jobs.infer`) and Node2Vec's sharded embedding table in its
checkpoints. :func:`export_rows` streams them chunk by chunk, each chunk's ids
mapped back through the store's ``book/orig_ids`` (read chunk by chunk as well),
into

* Parquet (``*.parquet``): one row group per chunk, columns ``id`` (int64) and
  ``embedding`` (``fixed_size_list<float32>[dim]``) or ``prediction`` (int64);
* Zarr (``*.zarr``): arrays ``id`` and ``embedding`` / ``prediction``, chunked by rows.

Memory is one chunk whatever the table's size. Output is written under a
temporary name and moved into place when complete, so an interrupted export
leaves nothing half-written, and an existing output is replaced only with
``overwrite`` (a Zarr directory only when distgnn wrote it).
"""
from __future__ import annotations

import os
import shutil
from typing import Iterable, Iterator, Optional, Tuple

import numpy as np

__all__ = ["export_rows", "inference_chunks", "prediction_chunks", "embedding_shard_chunks",
           "orig_id_reader", "open_checkpoint_embedding", "output_format", "EXPORT_KIND",
           "CHUNK_ROWS", "export_run"]

#: marker kind of a Zarr export directory (see :mod:`distgnn.ownership`)
EXPORT_KIND = "export"
#: default rows per exported chunk
CHUNK_ROWS = 1 << 16

Chunks = Iterable[Tuple[int, np.ndarray]]  # (first store id, rows)


def output_format(path: str) -> str:
    """``"parquet"`` or ``"zarr"`` from the output's suffix."""
    name = os.fspath(path).rstrip("/").lower()
    for suffix, fmt in ((".parquet", "parquet"), (".zarr", "zarr")):
        if name.endswith(suffix):
            return fmt
    raise ValueError(f"--out: expected a path ending in .parquet (a file) or .zarr (a directory), "
                     f"got {path!r}")


# ---------------------------------------------------------------------- sources of rows
def inference_chunks(array, chunk_rows: int = CHUNK_ROWS) -> Iterator[Tuple[int, np.ndarray]]:
    """Rows of a 2-D Zarr array (an inference layer), ``chunk_rows`` at a time."""
    for lo in range(0, array.shape[0], chunk_rows):
        yield lo, np.asarray(array[lo:lo + chunk_rows])


def prediction_chunks(array, chunk_rows: int = CHUNK_ROWS) -> Iterator[Tuple[int, np.ndarray]]:
    """The class (argmax) of each row of the final layer's scores, a chunk at a time."""
    for lo, rows in inference_chunks(array, chunk_rows):
        yield lo, rows.argmax(axis=1).astype(np.int64)


def embedding_shard_chunks(directory: str, chunk_rows: int = CHUNK_ROWS) -> Iterator[Tuple[int, np.ndarray]]:
    """Rows of a sharded embedding saved in a checkpoint, one shard in memory at a time."""
    from distgnn.distributed.embedding_files import saved_rows
    return saved_rows(directory, chunk_rows)


def orig_id_reader(store):
    """``ids(lo, hi)``: the user's ids of store ids ``[lo, hi)``, read chunk by chunk."""
    return lambda lo, hi: store.read_book("orig_ids", slice(lo, hi)).astype(np.int64)


# ---------------------------------------------------------------------- writers
class _ParquetSink:
    def __init__(self, path: str, column: str) -> None:
        self.path, self.column, self._writer = path, column, None

    def write(self, ids: np.ndarray, rows: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if rows.ndim == 2:
            flat = pa.array(np.ascontiguousarray(rows, np.float32).reshape(-1))
            values = pa.FixedSizeListArray.from_arrays(flat, rows.shape[1])
        else:
            values = pa.array(rows)
        table = pa.table({"id": pa.array(ids, pa.int64()), self.column: values})
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)

    def close(self, num_rows: int, dim: int) -> None:
        if self._writer is None:  # no rows at all: an empty table of the right schema
            import pyarrow as pa
            import pyarrow.parquet as pq
            values = pa.list_(pa.float32(), max(dim, 1)) if dim else pa.int64()
            pq.write_table(pa.table({"id": pa.array([], pa.int64()),
                                     self.column: pa.array([], values)}), self.path)
            return
        self._writer.close()


class _ZarrSink:
    def __init__(self, path: str, column: str, num_rows: int, chunk_rows: int) -> None:
        from distgnn.ownership import mark_owned
        self.path, self.column, self.num_rows, self.chunk_rows = path, column, num_rows, chunk_rows
        mark_owned(path, EXPORT_KIND)
        self._group, self._values, self._ids, self._pos = None, None, None, 0

    def write(self, ids: np.ndarray, rows: np.ndarray) -> None:
        import zarr
        if self._group is None:
            self._group = zarr.open_group(self.path, mode="a")
            self._ids = self._group.create_array("id", shape=(self.num_rows,), dtype="int64",
                                                 chunks=(self.chunk_rows,))
            self._values = self._group.create_array(
                self.column, shape=(self.num_rows,) + rows.shape[1:], dtype=rows.dtype,
                chunks=(self.chunk_rows,) + rows.shape[1:])
        n = rows.shape[0]
        self._ids[self._pos:self._pos + n] = ids
        self._values[self._pos:self._pos + n] = rows
        self._pos += n

    def close(self, num_rows: int, dim: int) -> None:
        import zarr
        group = zarr.open_group(self.path, mode="a")
        group.attrs["distgnn_export"] = {"column": self.column, "num_rows": int(num_rows),
                                         "dim": int(dim)}


def _temporary(path: str) -> str:
    return os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.partial")


def _check_target(path: str, fmt: str, overwrite: bool) -> None:
    from distgnn.ownership import is_owned
    if not os.path.lexists(path):
        return
    if not overwrite:
        raise FileExistsError(f"--out: {path!r} exists; pass --overwrite to replace it or choose "
                              "another path")
    if fmt == "parquet" and not os.path.isfile(path):
        raise IsADirectoryError(f"--out: {path!r} is a directory, expected a .parquet file path")
    if fmt == "zarr" and not is_owned(path, EXPORT_KIND):
        raise FileExistsError(f"--out: {path!r} was not written by `distgnn export`; it is left "
                              "as it is — choose another path")


def _move_into_place(tmp: str, path: str, fmt: str) -> None:
    if fmt == "zarr" and os.path.isdir(path):
        shutil.rmtree(path)
    os.replace(tmp, path)


def export_rows(chunks: Chunks, ids_of, out: str, column: str, num_rows: int, *,
                chunk_rows: int = CHUNK_ROWS, overwrite: bool = False) -> dict:
    """Write ``chunks`` (store-id ranges in order, covering ``[0, num_rows)``) to ``out``.

    ``ids_of(lo, hi)`` maps store ids to the user's ids (:func:`orig_id_reader`).
    Returns ``{"path", "format", "rows", "dim"}``.
    """
    out = os.path.abspath(os.fspath(out))
    fmt = output_format(out)
    _check_target(out, fmt, overwrite)
    tmp = _temporary(out)
    if os.path.isdir(tmp):
        shutil.rmtree(tmp)
    elif os.path.lexists(tmp):
        os.remove(tmp)
    sink = _ParquetSink(tmp, column) if fmt == "parquet" else _ZarrSink(tmp, column, num_rows, chunk_rows)
    written, dim = 0, 0
    try:
        for lo, rows in chunks:
            if lo != written:
                raise ValueError(f"export: expected the chunk starting at row {written}, got {lo}")
            hi = lo + rows.shape[0]
            dim = int(rows.shape[1]) if rows.ndim == 2 else 0
            sink.write(ids_of(lo, hi), rows)
            written = hi
        if written != num_rows:
            raise ValueError(f"export: expected {num_rows} rows, the source gave {written}")
        sink.close(written, dim)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True) if os.path.isdir(tmp) else \
            (os.remove(tmp) if os.path.lexists(tmp) else None)
        raise
    _move_into_place(tmp, out, fmt)
    return {"path": out, "format": fmt, "rows": written, "dim": dim}


def open_checkpoint_embedding(run_dir: str, name: Optional[str] = None) -> str:
    """The directory of embedding table ``name`` in the run's newest checkpoint (default: the
    only one besides ``<table>_context``, the output vectors that sgns trains beside a table)."""
    from distgnn.distributed.checkpoint import latest_checkpoint

    ckpt = latest_checkpoint(os.path.abspath(run_dir))
    if ckpt is None:
        raise FileNotFoundError(f"expected a checkpoint of a finished run in {run_dir!r}, got none")
    root = os.path.join(ckpt, "embeddings")
    names = sorted(os.listdir(root)) if os.path.isdir(root) else []
    if not names:
        raise ValueError(f"the checkpoint {ckpt!r} holds no embedding table (a node2vec run "
                         "has one; other jobs export the embeddings of `distgnn infer`)")
    if name is None:
        inputs = [n for n in names if not (n.endswith("_context") and n[:-8] in names)]
        if len(inputs) > 1:
            raise ValueError(f"the checkpoint holds embedding tables {inputs}; name one")
        name = inputs[0]
    if name not in names:
        raise ValueError(f"expected one of the embedding tables {names}, got {name!r}")
    return os.path.join(root, name)


def export_run(run_dir: str, what: str, out: str, *, overwrite: bool = False,
               chunk_rows: int = CHUNK_ROWS) -> dict:
    """Export ``what`` (``"embeddings"`` or ``"predictions"``) of the run in ``run_dir``.

    Where the rows come from is the job's ``export_from`` (its registry entry): a
    Node2Vec run's embedding table from the newest checkpoint; the GraphSAGE and
    ClusterGCN jobs' last hidden layer (embeddings) or the class of each node
    (predictions) from ``<run_dir>/inference.zarr``.
    """
    from distgnn.config import get_job
    from distgnn.jobs.infer import load_run, open_inference
    from distgnn.partition import open_store

    if what not in ("embeddings", "predictions"):
        raise ValueError(f"--what: expected embeddings or predictions, got {what!r}")
    output_format(out)  # a bad suffix fails before any reading
    cfg, path = load_run(run_dir)
    store = open_store(path)
    if get_job(cfg.job).export_from == "table":
        if what == "predictions":
            raise ValueError(f"a {cfg.job} run has no predictions; export --what embeddings")
        chunks = embedding_shard_chunks(open_checkpoint_embedding(run_dir), chunk_rows)
    else:
        where = os.path.join(run_dir, "inference.zarr")
        if not os.path.isdir(where):
            raise FileNotFoundError(f"{run_dir!r} has no inference output; run "
                                    f"`distgnn infer {run_dir}` first")
        group, meta = open_inference(where)
        if what == "embeddings":
            chunks = inference_chunks(group[f"layer_{meta['embedding_layer']}"], chunk_rows)
        else:
            chunks = prediction_chunks(group[f"layer_{meta['num_layers'] - 1}"], chunk_rows)
    column = "embedding" if what == "embeddings" else "prediction"
    return export_rows(chunks, orig_id_reader(store), out, column, store.num_nodes,
                       chunk_rows=chunk_rows, overwrite=overwrite)
