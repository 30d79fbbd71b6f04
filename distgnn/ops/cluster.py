r"""Point-cloud graph construction and sampling: k-nearest neighbours, radius search,
farthest point sampling, nearest-centre assignment and voxel grids.

Every function works on a node feature (or position) matrix ``x`` of shape
``[N, F]`` with an optional *sorted* batch vector assigning each row to an example;
neighbours are only searched within the same example.

Backend: in low-dimensional spaces (``F <= 8``, euclidean) ``torch_cluster``'s
KD-trees serve k-NN and radius search when installed; otherwise (wide feature
spaces, cosine distance on CPU, no ``torch_cluster``) the search runs as blocked
brute force on dense distance matrices (one ``mm`` + ``topk`` per block of
examples), which beats a KD-tree once the space has more than a few dimensions.
``torch_cluster`` also serves farthest point sampling and voxel grids; a pure-torch
implementation of every op is used without it.

TorchScript: :func:`knn` compiles (on ``torch_cluster``); :func:`knn_graph`,
:func:`radius` and :func:`radius_graph` run as Python calls from a scripted
``forward`` (``torch.jit.ignore``), so modules calling them script but do not export.
"""
import math
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor

__all__ = ["knn", "knn_graph", "radius", "radius_graph", "fps", "nearest", "grid",
           "WITH_TORCH_CLUSTER"]

try:
    import torch_cluster  # noqa: F401
    WITH_TORCH_CLUSTER = True
except ImportError:  # pragma: no cover - exercised only without torch_cluster
    WITH_TORCH_CLUSTER = False

# Number of distance-matrix entries one block may hold (16M floats = 64 MB), and the
# size up to which consecutive small examples share a block (cross-example entries
# are wasted work, so merged blocks stay small).
_BLOCK_ENTRIES = 1 << 24
_MERGE_ENTRIES = 1 << 18
# Widest space in which the KD-tree search beats brute force.
_TREE_MAX_DIM = 8
_FLOWS = ("source_to_target", "target_to_source")


# ------------------------------------------------------------------ validation
def _as_matrix(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"'{name}' must be a Tensor of shape [num_points, num_features], "
                        f"got {type(x).__name__}")
    if x.dim() == 1:
        x = x.view(-1, 1)
    if x.dim() != 2:
        raise ValueError(f"'{name}' must have shape [num_points, num_features], "
                         f"got {list(x.shape)}")
    return x


def _check_batch(batch: Optional[Tensor], n: int, name: str) -> Tensor:
    if batch is None:
        return torch.zeros(n, dtype=torch.long)
    if batch.dim() != 1 or batch.numel() != n:
        raise ValueError(f"'{name}' must be a vector with one entry per point ({n}), "
                         f"got shape {list(batch.shape)}")
    batch = batch.long()
    if n > 1 and bool((batch[1:] < batch[:-1]).any()):
        raise ValueError(f"'{name}' must be sorted in ascending order")
    if n > 0 and int(batch[0]) < 0:
        raise ValueError(f"'{name}' must hold non-negative example ids, got {int(batch[0])}")
    return batch


def _check_flow(flow: str) -> None:
    if flow not in _FLOWS:
        raise ValueError(f"flow must be one of {_FLOWS}, got '{flow}'")


def _ptr(batch: Tensor, num_batches: int) -> List[int]:
    arange = torch.arange(num_batches + 1, device=batch.device)
    return torch.bucketize(arange, batch).tolist()


# --------------------------------------------------------------- brute force
def _blocks(ptr_x: List[int], ptr_y: List[int]) -> List[Tuple[int, int, int, int]]:
    """Group consecutive examples into blocks of ``(y0, y1, x0, x1)`` row ranges whose
    distance matrix fits the entry budget; one large example is split along ``y``."""
    out: List[Tuple[int, int, int, int]] = []
    b, num = 0, len(ptr_y) - 1
    while b < num:
        e = b + 1
        while e < num and ((ptr_y[e + 1] - ptr_y[b]) * (ptr_x[e + 1] - ptr_x[b])
                           <= _MERGE_ENTRIES):
            e += 1
        y0, y1, x0, x1 = ptr_y[b], ptr_y[e], ptr_x[b], ptr_x[e]
        step = max(1, _BLOCK_ENTRIES // max(1, x1 - x0))
        for s in range(y0, y1, step):
            out.append((s, min(y1, s + step), x0, x1))
        b = e
    return out


def _distances(x: Tensor, y: Tensor, cosine: bool) -> Tensor:
    """``[M, N]`` squared euclidean (or cosine) distances from every ``y`` to every ``x``."""
    if cosine:
        xn = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
        yn = y / y.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return 1.0 - yn @ xn.t()
    if x.size(1) <= _TREE_MAX_DIM:  # exact differences where the mm trick loses digits
        return torch.cdist(y, x, compute_mode="donot_use_mm_for_euclid_dist").pow_(2)
    dist = (y * y).sum(1, keepdim=True) - 2.0 * (y @ x.t()) + (x * x).sum(1).unsqueeze(0)
    return dist.clamp_min_(0.0)


def _search(x: Tensor, y: Tensor, k: int, batch_x: Tensor, batch_y: Tensor,
            cosine: bool, exclude_self: bool, r2: Optional[float]) -> Tensor:
    """The ``k`` nearest ``x`` rows of every ``y`` row of the same example (those within
    squared distance ``r2`` only, when given) as ``[2, E]`` = ``(y index, x index)``,
    grouped by ``y`` row."""
    if x.size(0) == 0 or y.size(0) == 0 or k <= 0:
        return torch.empty(2, 0, dtype=torch.long, device=x.device)
    if WITH_TORCH_CLUSTER and not cosine and x.size(1) <= _TREE_MAX_DIM:
        return _search_tree(x, y, k, batch_x, batch_y, exclude_self, r2)
    return _search_dense(x, y, k, batch_x, batch_y, cosine, exclude_self, r2)


def _search_tree(x: Tensor, y: Tensor, k: int, batch_x: Tensor, batch_y: Tensor,
                 exclude_self: bool, r2: Optional[float]) -> Tensor:
    """:func:`_search` on torch_cluster's KD-trees (euclidean only)."""
    x = x.detach().contiguous()
    y = y.detach().contiguous()
    bx, by = batch_x.to(x.device), batch_y.to(x.device)
    num = max(int(bx.max()), int(by.max())) + 1
    want = k + 1 if exclude_self else k
    if r2 is None:
        out = torch_cluster.knn(x, y, want, bx, by, batch_size=num)
    else:
        out = torch_cluster.radius(x, y, math.sqrt(r2), bx, by, max_num_neighbors=want,
                                   batch_size=num)
    if exclude_self:
        out = out[:, out[0] != out[1]]
        out = _cap_per_row(out, k, y.size(0))
    return out


def _cap_per_row(assign: Tensor, k: int, num_rows: int) -> Tensor:
    """Keep the first ``k`` entries of every row of ``assign`` (grouped by row)."""
    row = assign[0]
    if row.numel() > 1 and bool((row[1:] < row[:-1]).any()):
        assign = assign[:, torch.sort(row, stable=True)[1]]
        row = assign[0]
    count = torch.bincount(row, minlength=num_rows)
    first = torch.cumsum(count, 0) - count
    rank = torch.arange(row.numel(), device=row.device) - first[row]
    return assign[:, rank < k]


def _search_dense(x: Tensor, y: Tensor, k: int, batch_x: Tensor, batch_y: Tensor,
                  cosine: bool, exclude_self: bool, r2: Optional[float]) -> Tensor:
    """:func:`_search` as blocked brute force."""
    device = x.device
    num = max(int(batch_x.max()), int(batch_y.max())) + 1
    batch_x, batch_y = batch_x.to(device), batch_y.to(device)
    rows: List[Tensor] = []
    cols: List[Tensor] = []
    work = x.detach()
    query = y.detach()
    if not work.is_floating_point():
        work, query = work.float(), query.float()
    for y0, y1, x0, x1 in _blocks(_ptr(batch_x, num), _ptr(batch_y, num)):
        if x1 <= x0:
            continue
        dist = _distances(work[x0:x1], query[y0:y1], cosine)
        invalid = batch_y[y0:y1].unsqueeze(1) != batch_x[x0:x1].unsqueeze(0)
        if exclude_self:
            ids_y = torch.arange(y0, y1, device=device).unsqueeze(1)
            invalid |= ids_y == torch.arange(x0, x1, device=device).unsqueeze(0)
        if r2 is not None:
            invalid |= dist > r2
        dist.masked_fill_(invalid, math.inf)
        val, idx = dist.topk(min(k, x1 - x0), dim=1, largest=False, sorted=True)
        keep = torch.isfinite(val)
        row = torch.arange(y0, y1, device=device).unsqueeze(1).expand_as(idx)
        rows.append(row[keep])
        cols.append(idx[keep] + x0)
    if len(rows) == 0:
        return torch.empty(2, 0, dtype=torch.long, device=device)
    return torch.stack([torch.cat(rows), torch.cat(cols)], dim=0)


def _to_flow(assign: Tensor, flow: str) -> Tensor:
    """``knn``/``radius`` output (centre, neighbour) as ``edge_index`` for ``flow``."""
    if flow == "source_to_target":
        return assign.flip(0)
    return assign


# ---------------------------------------------------------------------- k-NN
def knn(x: Tensor, y: Tensor, k: int, batch_x: Optional[Tensor] = None,
        batch_y: Optional[Tensor] = None, cosine: bool = False,
        num_workers: int = 1) -> Tensor:
    r"""Finds for each element in ``y`` the ``k`` nearest points in ``x``.

    Args:
        x (Tensor): Node feature matrix :math:`\mathbf{X} \in \mathbb{R}^{N \times F}`.
        y (Tensor): Node feature matrix :math:`\mathbf{Y} \in \mathbb{R}^{M \times F}`.
        k (int): The number of neighbors.
        batch_x (LongTensor, optional): Sorted batch vector of ``x``. (default: ``None``)
        batch_y (LongTensor, optional): Sorted batch vector of ``y``. (default: ``None``)
        cosine (bool, optional): Use the cosine distance instead of the euclidean one.
            (default: ``False``)
        num_workers (int): Accepted for compatibility; the search uses the intra-op
            thread pool. (default: ``1``)

    Returns:
        LongTensor ``[2, E]``: row 0 indexes ``y``, row 1 the neighbours in ``x``
        (closest first; fewer than ``k`` when an example has fewer points).

    In a scripted (TorchScript) caller the search is ``torch_cluster``'s, the eager
    backend for euclidean spaces of up to 8 dimensions, so both agree there.
    """
    if torch.jit.is_scripting():
        return _knn_scripted(x, y, k, batch_x, batch_y, cosine, num_workers)
    return _knn_eager(x, y, k, batch_x, batch_y, cosine)


if WITH_TORCH_CLUSTER:
    def _knn_scripted(x: Tensor, y: Tensor, k: int, batch_x: Optional[Tensor],
                      batch_y: Optional[Tensor], cosine: bool, num_workers: int) -> Tensor:
        return torch_cluster.knn(x.detach(), y.detach(), k, batch_x, batch_y, cosine,
                                 num_workers)
else:  # pragma: no cover - exercised only without torch_cluster
    @torch.jit.ignore
    def _knn_scripted(x: Tensor, y: Tensor, k: int, batch_x: Optional[Tensor],
                      batch_y: Optional[Tensor], cosine: bool, num_workers: int) -> Tensor:
        return _knn_eager(x, y, k, batch_x, batch_y, cosine)


@torch.jit.ignore
def _knn_eager(x: Tensor, y: Tensor, k: int, batch_x: Optional[Tensor],
               batch_y: Optional[Tensor], cosine: bool) -> Tensor:
    x, y = _as_matrix(x, "x"), _as_matrix(y, "y")
    if x.size(1) != y.size(1):
        raise ValueError(f"knn: x and y must have the same number of features, got "
                         f"{x.size(1)} and {y.size(1)}")
    k = int(k)
    if k < 1:
        raise ValueError(f"knn: k must be a positive integer, got {k}")
    bx = _check_batch(batch_x, x.size(0), "batch_x")
    by = _check_batch(batch_y, y.size(0), "batch_y")
    return _search(x, y, k, bx, by, cosine, False, None)


@torch.jit.ignore
def knn_graph(x: Tensor, k: int, batch: Optional[Tensor] = None, loop: bool = False,
              flow: str = "source_to_target", cosine: bool = False,
              num_workers: int = 1) -> Tensor:
    r"""Computes graph edges to the nearest ``k`` points.

    Args:
        x (Tensor): Node feature matrix :math:`\mathbf{X} \in \mathbb{R}^{N \times F}`.
        k (int): The number of neighbors.
        batch (LongTensor, optional): Sorted batch vector. (default: ``None``)
        loop (bool, optional): If ``True``, a point counts as its own neighbour.
            (default: ``False``)
        flow (string, optional): ``"source_to_target"`` (edges point from each
            neighbour to its centre) or ``"target_to_source"``.
            (default: ``"source_to_target"``)
        cosine (bool, optional): Use the cosine distance. (default: ``False``)
        num_workers (int): Accepted for compatibility. (default: ``1``)

    Returns:
        LongTensor ``[2, N * k]`` edge indices.
    """
    _check_flow(flow)
    x = _as_matrix(x, "x")
    k = int(k)
    if k < 1:
        raise ValueError(f"knn_graph: k must be a positive integer, got {k}")
    b = _check_batch(batch, x.size(0), "batch")
    return _to_flow(_search(x, x, k, b, b, cosine, not loop, None), flow)


# -------------------------------------------------------------------- radius
@torch.jit.ignore
def radius(x: Tensor, y: Tensor, r: float, batch_x: Optional[Tensor] = None,
           batch_y: Optional[Tensor] = None, max_num_neighbors: int = 32,
           num_workers: int = 1) -> Tensor:
    r"""Finds for each element in ``y`` all points in ``x`` within distance ``r``.

    Args:
        x (Tensor): Node feature matrix :math:`\mathbf{X} \in \mathbb{R}^{N \times F}`.
        y (Tensor): Node feature matrix :math:`\mathbf{Y} \in \mathbb{R}^{M \times F}`.
        r (float): The radius (inclusive).
        batch_x (LongTensor, optional): Sorted batch vector of ``x``. (default: ``None``)
        batch_y (LongTensor, optional): Sorted batch vector of ``y``. (default: ``None``)
        max_num_neighbors (int, optional): The maximum number of neighbors to return
            for each element in ``y`` (the closest ones). (default: ``32``)
        num_workers (int): Accepted for compatibility. (default: ``1``)

    Returns:
        LongTensor ``[2, E]``: row 0 indexes ``y``, row 1 the neighbours in ``x``.
    """
    x, y = _as_matrix(x, "x"), _as_matrix(y, "y")
    if x.size(1) != y.size(1):
        raise ValueError(f"radius: x and y must have the same number of features, got "
                         f"{x.size(1)} and {y.size(1)}")
    _check_radius(r, max_num_neighbors)
    bx = _check_batch(batch_x, x.size(0), "batch_x")
    by = _check_batch(batch_y, y.size(0), "batch_y")
    return _search(x, y, int(max_num_neighbors), bx, by, False, False, float(r) ** 2)


@torch.jit.ignore
def radius_graph(x: Tensor, r: float, batch: Optional[Tensor] = None, loop: bool = False,
                 max_num_neighbors: int = 32, flow: str = "source_to_target",
                 num_workers: int = 1) -> Tensor:
    r"""Computes graph edges to all points within a given distance.

    Args:
        x (Tensor): Node feature matrix :math:`\mathbf{X} \in \mathbb{R}^{N \times F}`.
        r (float): The radius (inclusive).
        batch (LongTensor, optional): Sorted batch vector. (default: ``None``)
        loop (bool, optional): If ``True``, the graph will contain self-loops.
            (default: ``False``)
        max_num_neighbors (int, optional): The maximum number of neighbours of every
            point (the closest ones). (default: ``32``)
        flow (string, optional): ``"source_to_target"`` or ``"target_to_source"``.
            (default: ``"source_to_target"``)
        num_workers (int): Accepted for compatibility. (default: ``1``)
    """
    _check_flow(flow)
    x = _as_matrix(x, "x")
    _check_radius(r, max_num_neighbors)
    b = _check_batch(batch, x.size(0), "batch")
    out = _search(x, x, int(max_num_neighbors), b, b, False, not loop, float(r) ** 2)
    return _to_flow(out, flow)


def _check_radius(r: float, max_num_neighbors: int) -> None:
    if not float(r) >= 0.0:
        raise ValueError(f"radius: r must be a non-negative number, got {r}")
    if int(max_num_neighbors) < 1:
        raise ValueError(f"radius: max_num_neighbors must be a positive integer, got "
                         f"{max_num_neighbors}")


# ------------------------------------------------------------------- nearest
def nearest(x: Tensor, y: Tensor, batch_x: Optional[Tensor] = None,
            batch_y: Optional[Tensor] = None) -> Tensor:
    r"""Clusters points in ``x`` together which are nearest to a given query point in
    ``y``: returns, for every row of ``x``, the index of its closest row of ``y`` in the
    same example (LongTensor ``[N]``)."""
    x, y = _as_matrix(x, "x"), _as_matrix(y, "y")
    if x.size(1) != y.size(1):
        raise ValueError(f"nearest: x and y must have the same number of features, got "
                         f"{x.size(1)} and {y.size(1)}")
    bx = _check_batch(batch_x, x.size(0), "batch_x")
    by = _check_batch(batch_y, y.size(0), "batch_y")
    assign = _search(y, x, 1, by, bx, False, False, None)
    if assign.size(1) != x.size(0):
        raise ValueError("nearest: every example of 'x' needs at least one point in 'y' "
                         "(check batch_x/batch_y)")
    return assign[1]


# ----------------------------------------------------------------------- fps
def fps(x: Tensor, batch: Optional[Tensor] = None, ratio: float = 0.5,
        random_start: bool = True) -> Tensor:
    r"""Farthest point sampling: iteratively samples the point most distant from the
    ones already chosen, ``ceil(ratio * N_b)`` points per example.

    Args:
        x (Tensor): Node feature matrix :math:`\mathbf{X} \in \mathbb{R}^{N \times F}`.
        batch (LongTensor, optional): Sorted batch vector. (default: ``None``)
        ratio (float, optional): Sampling ratio in ``(0, 1]``. (default: ``0.5``)
        random_start (bool, optional): If ``False``, start at the first point of every
            example. (default: ``True``)

    Returns:
        LongTensor of the sampled indices, example by example.
    """
    x = _as_matrix(x, "x")
    if not 0.0 < float(ratio) <= 1.0:
        raise ValueError(f"fps: ratio must lie in (0, 1], got {ratio}")
    b = _check_batch(batch, x.size(0), "batch")
    if x.size(0) == 0:
        return torch.empty(0, dtype=torch.long, device=x.device)
    if WITH_TORCH_CLUSTER:
        return torch_cluster.fps(x.detach(), b.to(x.device), float(ratio), random_start)
    return _fps_dense(x.detach(), b.to(x.device), float(ratio), random_start)


def _fps_dense(x: Tensor, batch: Tensor, ratio: float, random_start: bool) -> Tensor:
    num = int(batch.max()) + 1
    ptr = torch.tensor(_ptr(batch, num), device=x.device)
    deg = ptr[1:] - ptr[:-1]
    n_max = int(deg.max())
    pos = torch.arange(x.size(0), device=x.device) - ptr[batch]
    dense = x.new_zeros(num, n_max, x.size(1))
    dense[batch, pos] = x
    valid = torch.zeros(num, n_max, dtype=torch.bool, device=x.device)
    valid[batch, pos] = True
    samples = torch.ceil(deg.to(torch.float64) * ratio).long()
    start = torch.zeros(num, dtype=torch.long, device=x.device)
    if random_start:
        start = (torch.rand(num, device=x.device) * deg.clamp_min(1)).long()
    dist = torch.full((num, n_max), math.inf, dtype=x.dtype, device=x.device)
    dist.masked_fill_(~valid, -1.0)
    chosen = torch.empty(num, int(samples.max()), dtype=torch.long, device=x.device)
    cur = start
    ar = torch.arange(num, device=x.device)
    for step in range(chosen.size(1)):
        chosen[:, step] = cur
        d = (dense - dense[ar, cur].unsqueeze(1)).pow(2).sum(-1)
        dist = torch.minimum(dist, d.masked_fill(~valid, -1.0))
        cur = dist.argmax(dim=1)
    take = torch.arange(chosen.size(1), device=x.device).unsqueeze(0) < samples.unsqueeze(1)
    return (chosen + ptr[:-1].unsqueeze(1))[take]


# ---------------------------------------------------------------------- grid
def grid(pos: Tensor, size: Union[Tensor, float, List[float]], start: Optional[Tensor] = None,
         end: Optional[Tensor] = None) -> Tensor:
    r"""Voxel-grid clustering: the id of the voxel of side ``size`` every point falls
    in, counted over the grid spanning ``start`` to ``end`` (the point extremes by
    default), first dimension fastest. Returns a LongTensor ``[N]``."""
    pos = _as_matrix(pos, "pos")
    dim = pos.size(1)
    size_t = _per_dim(size, dim, pos, "size")
    if bool((size_t <= 0).any()):
        raise ValueError(f"grid: size must be positive, got {size_t.tolist()}")
    start_t = pos.min(0)[0] if start is None else _per_dim(start, dim, pos, "start")
    end_t = pos.max(0)[0] if end is None else _per_dim(end, dim, pos, "end")
    if WITH_TORCH_CLUSTER:
        return torch_cluster.grid_cluster(pos, size_t, start_t, end_t)
    cell = ((pos - start_t) / size_t).floor().long()
    num = ((end_t - start_t) / size_t).floor().long() + 1
    stride = torch.cumprod(torch.cat([num.new_ones(1), num[:-1]]), 0)
    return (cell * stride).sum(1)


def _per_dim(value, dim: int, pos: Tensor, name: str) -> Tensor:
    t = torch.as_tensor(value, dtype=pos.dtype, device=pos.device).flatten()
    if t.numel() == 1:
        t = t.expand(dim)
    if t.numel() != dim:
        raise ValueError(f"grid: '{name}' must be a number or have one entry per "
                         f"dimension ({dim}), got {t.numel()}")
    return t.contiguous()
