"""Reading user graphs: edge lists from Parquet, CSV, Arrow IPC or NumPy, in chunks.

``read_edges`` yields int64 [2, c] chunks (source row 0, target row 1);
``count_edge_rows`` and ``scan_num_nodes`` look at a file without holding it;
``write_edge_parquet`` writes chunks as Parquet row groups; ``load_edge_index``
gathers all chunks in memory and ``clean_edges`` symmetrises and removes
duplicates and self loops there (small graphs; the bounded-memory path is
:func:`distgnn.partition.disk_csr.build_disk_csr`); ``read_node_array`` loads
features, labels or masks. :func:`distgnn.partition.build_csr.ingest` is the one
way from an edge file or generator spec to an on-disk CSR, with progress bars.
"""
from __future__ import annotations

import os
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np

from distgnn.errors import InputTypeError

from ._validate import id_dtype

__all__ = ["read_edges", "load_edge_index", "clean_edges", "read_node_array", "EDGE_FORMATS",
           "DEFAULT_CHUNK_ROWS", "count_edge_rows", "scan_num_nodes", "write_edge_parquet"]

EDGE_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv", ".txt": "csv",
                ".arrow": "ipc", ".ipc": "ipc", ".feather": "ipc", ".npy": "npy"}
DEFAULT_CHUNK_ROWS = 1 << 22
_NAMES = (("src", "dst"), ("source", "target"), ("row", "col"), ("u", "v"))


def _format(path: str) -> str:
    if not os.path.exists(path):
        raise FileNotFoundError(f"expected an edge list file, got no such file {path!r}")
    ext = os.path.splitext(path)[1].lower()
    if ext not in EDGE_FORMATS:
        raise ValueError(f"edge list must end in one of {', '.join(sorted(EDGE_FORMATS))}, got {path!r}")
    return EDGE_FORMATS[ext]


def _pick_columns(names: Sequence[str], path: str) -> Tuple[int, int]:
    lower = [n.lower() for n in names]
    for a, b in _NAMES:
        if a in lower and b in lower:
            return lower.index(a), lower.index(b)
    if len(names) < 2:
        raise ValueError(f"edge list must have 2 columns (src, dst), got {len(names)} in {path!r}")
    return 0, 1


def _batch_to_edges(batch, cols: Tuple[int, int], path: str) -> np.ndarray:
    import pyarrow as pa

    out = np.empty((2, batch.num_rows), np.int64)
    for r, c in enumerate(cols):
        arr = batch.column(c)
        if arr.null_count:
            raise ValueError(f"edge list must have no missing ids, got {arr.null_count} empty cells "
                             f"in column {batch.schema.names[c]!r} of {path!r} (ragged or truncated?)")
        if not pa.types.is_integer(arr.type):
            raise InputTypeError(f"edge list ids must be integers, got type {arr.type} in column "
                            f"{batch.schema.names[c]!r} of {path!r}")
        out[r] = arr.to_numpy(zero_copy_only=False)
    return out


def _arrow_batches(path: str, fmt: str, chunk_rows: int):
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        yield from pq.ParquetFile(path, page_checksum_verification=True).iter_batches(batch_size=chunk_rows)
    elif fmt == "ipc":
        try:
            reader = pa.ipc.open_file(path)
            for i in range(reader.num_record_batches):
                yield reader.get_batch(i)
        except pa.ArrowInvalid:
            yield from pa.ipc.open_stream(path)
    else:
        yield from _csv_batches(path, pcsv)


def _csv_batches(path: str, pcsv):
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace")
    delim = "\t" if ("\t" in first or path.endswith(".tsv")) else ("," if "," in first else " ")
    tokens = [t for t in first.strip().split(delim) if t]
    header = bool(tokens) and not all(t.lstrip("-+").isdigit() for t in tokens)
    read = pcsv.ReadOptions(block_size=1 << 24, autogenerate_column_names=not header)
    parse = pcsv.ParseOptions(delimiter=delim, ignore_empty_lines=True)
    yield from pcsv.open_csv(path, read_options=read, parse_options=parse)


def read_edges(path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[np.ndarray]:
    """Yield int64 [2, c] edge chunks of ``path``; errors name the file and the problem."""
    import pyarrow as pa

    path = os.fspath(path)
    fmt = _format(path)
    if fmt == "npy":
        yield from _npy_edges(path, chunk_rows)
        return
    cols, seen = None, 0
    try:
        for batch in _arrow_batches(path, fmt, chunk_rows):
            if cols is None:
                cols = _pick_columns(batch.schema.names, path)
            edges = _batch_to_edges(batch, cols, path)
            seen += edges.shape[1]
            yield edges
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"expected a readable {fmt} edge list, got an error reading {path!r} after "
                         f"{seen} edges: {exc}") from None


def count_edge_rows(path) -> Optional[int]:
    """Number of edges in ``path`` from its metadata (Parquet, NumPy, Arrow file), an estimate
    from the size for CSV, None when unknown."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = os.fspath(path)
    fmt = _format(path)
    try:
        if fmt == "parquet":
            return int(pq.ParquetFile(path).metadata.num_rows)
        if fmt == "npy":
            shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
            return int(shape[1] if len(shape) == 2 and shape[0] == 2 and shape[1] != 2 else shape[0])
        if fmt == "ipc":
            with pa.memory_map(path) as src:
                r = pa.ipc.open_file(src)
                return int(sum(r.get_batch(i).num_rows for i in range(r.num_record_batches)))
    except Exception:  # unreadable metadata: the reader reports it with the file's name
        return None
    return max(1, os.path.getsize(path) // 12)


def scan_num_nodes(chunks, path: str = "the edge list", progress=None) -> int:
    """max id + 1 over the edge chunks (one pass); rejects negative ids."""
    hi, seen = -1, 0
    for c in chunks:
        if c.size:
            lo = int(c.min())
            if lo < 0:
                raise ValueError(f"node ids must be >= 0, got {lo} in {path!r} (edges {seen}..{seen + c.shape[1]})")
            hi = max(hi, int(c.max()))
        seen += c.shape[1]
        if progress is not None:
            progress(c.shape[1])
    if hi < 0:
        raise ValueError(f"graph is empty: expected at least one edge, got none in {path!r}")
    return hi + 1


def write_edge_parquet(chunks, path, num_nodes: int, *, row_group_rows: int = DEFAULT_CHUNK_ROWS,
                       progress=None) -> int:
    """Write edge chunks as Parquet (columns src, dst; int32 ids below 2**31 nodes) in row groups of
    ``row_group_rows``; atomic (a temporary file renamed at the end). Returns the number of edges."""
    import uuid

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = os.fspath(path)
    dtype = id_dtype(num_nodes)
    schema = pa.schema([("src", pa.from_numpy_dtype(dtype)), ("dst", pa.from_numpy_dtype(dtype))])
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    total, pending, held = 0, [], 0
    try:
        with pq.ParquetWriter(tmp, schema, compression="snappy", write_page_checksum=True) as w:
            def flush(final: bool) -> None:
                nonlocal pending, held
                while held >= row_group_rows or (final and held):
                    buf = np.concatenate(pending, axis=1) if len(pending) > 1 else pending[0]
                    take = min(row_group_rows, held)
                    w.write_table(pa.table([buf[0, :take], buf[1, :take]], schema=schema),
                                  row_group_size=take)
                    pending, held = ([buf[:, take:]] if take < held else []), held - take
            for c in chunks:
                pending.append(np.asarray(c, dtype))
                held += c.shape[1]
                total += c.shape[1]
                flush(False)
                if progress is not None:
                    progress(c.shape[1])
            flush(True)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return total


def _npy_edges(path: str, chunk_rows: int) -> Iterator[np.ndarray]:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"expected a readable .npy edge list, got an error reading {path!r}: {exc}") from None
    if arr.ndim != 2 or 2 not in arr.shape:
        raise ValueError(f"edge array must have shape [2, E] or [E, 2], got {list(arr.shape)} in {path!r}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputTypeError(f"edge list ids must be integers, got dtype {arr.dtype} in {path!r}")
    rows = arr.shape[0] == 2 and arr.shape[1] != 2
    num = arr.shape[1] if rows else arr.shape[0]
    for a in range(0, num, chunk_rows):
        chunk = arr[:, a:a + chunk_rows] if rows else arr[a:a + chunk_rows].T
        yield np.ascontiguousarray(chunk, dtype=np.int64)


def load_edge_index(path, num_nodes: Optional[int] = None, *, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                    progress=None) -> Tuple[np.ndarray, int]:
    """Read the whole edge list; returns ``(edge_index int64 [2, E], num_nodes)``."""
    from ._validate import check_num_nodes

    chunks = []
    for c in read_edges(path, chunk_rows=chunk_rows):
        if c.size and c.min() < 0:
            raise ValueError(f"node ids must be >= 0, got {int(c.min())} in {os.fspath(path)!r}")
        chunks.append(c)
        if progress is not None:
            progress(c.shape[1])
    ei = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), np.int64)
    if ei.shape[1] == 0 and num_nodes is None:
        raise ValueError(f"graph is empty: expected at least one edge, got none in {os.fspath(path)!r}")
    return ei, check_num_nodes(ei, num_nodes)


def clean_edges(edge_index: np.ndarray, num_nodes: int, *, symmetrize: bool = True,
                remove_self_loops: bool = True, remove_duplicates: bool = True) -> np.ndarray:
    """Symmetrise / drop self loops / drop duplicates; the result is sorted by (src, dst) when deduplicated."""
    src, dst = edge_index[0], edge_index[1]
    if remove_self_loops:
        keep = src != dst
        src, dst = src[keep], dst[keep]
    if symmetrize:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    if remove_duplicates:
        key = np.unique(src * np.int64(num_nodes) + dst)
        src, dst = key // num_nodes, key % num_nodes
    return np.stack([src, dst]).astype(np.int64)


def read_node_array(path, num_nodes: int, name: str) -> np.ndarray:
    """Per-node array from ``.npy`` or Parquet (all columns; one column gives a vector)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"expected a {name} file, got no such file {path!r}")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".npy":
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        elif ext in (".parquet", ".pq"):
            arr = _parquet_matrix(path, name)
        else:
            raise ValueError(f"{name} file must be .npy or .parquet, got {path!r}")
    except (OSError, EOFError) as exc:
        raise ValueError(f"expected a readable {name} file, got an error reading {path!r}: {exc}") from None
    if arr.ndim == 0 or arr.shape[0] != num_nodes:
        raise ValueError(f"{name} must have num_nodes={num_nodes} rows, got shape {list(arr.shape)} in {path!r}")
    return arr


def _parquet_matrix(path: str, name: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except pa.ArrowInvalid as exc:
        raise ValueError(f"expected a readable {name} parquet file, got {path!r}: {exc}") from None
    cols = []
    for i, col in enumerate(table.columns):
        if col.null_count:
            raise ValueError(f"{name} must have no missing values, got {col.null_count} in column "
                             f"{table.schema.names[i]!r} of {path!r}")
        cols.append(col.to_numpy())
    if not cols:
        raise ValueError(f"{name} file must have at least one column, got none in {path!r}")
    return cols[0] if len(cols) == 1 else np.stack(cols, axis=1)
