r"""B-spline kernels, from Fey et al., "SplineCNN: Fast Geometric Deep Learning with
Continuous B-Spline Kernels" (CVPR 2018).

A pseudo-coordinate :math:`\mathbf{u} \in [0, 1]^D` selects, per dimension, the
:math:`m + 1` uniform B-spline basis functions of degree :math:`m` that are non-zero
at :math:`u_d` out of :math:`K_d` knots; their tensor product gives
:math:`S = (m + 1)^D` products and the flat ids of the weight matrices they weight.

With :math:`v_d = u_d \cdot (K_d - m)` for an open spline and :math:`v_d = u_d \cdot K_d`
for a closed one, :math:`t_d = v_d - \lfloor v_d \rfloor` and, for the
:math:`k`-th of the :math:`m + 1` active functions,

.. math::
    \text{id}_d = (\lfloor v_d \rfloor + k) \bmod K_d, \qquad
    B^{(1)} = (1 - t,\; t), \qquad
    B^{(2)} = \left(\tfrac{(1 - t)^2}{2},\; -t^2 + t + \tfrac12,\; \tfrac{t^2}{2}\right),

.. math::
    B^{(3)} = \left(\tfrac{(1 - t)^3}{6},\; \tfrac{3t^3 - 6t^2 + 4}{6},\;
    \tfrac{-3t^3 + 3t^2 + 3t + 1}{6},\; \tfrac{t^3}{6}\right).

The flat weight id is :math:`\sum_d \text{id}_d \prod_{d' < d} K_{d'}` (first
dimension fastest). Everything is differentiable w.r.t. the pseudo-coordinates.
"""
from typing import List, Tuple

import torch
from torch import Tensor

__all__ = ["spline_basis", "spline_weighting"]


def _blend(t: Tensor, degree: int) -> Tensor:
    """The ``degree + 1`` active uniform B-spline functions at ``t``: ``[..., degree+1]``."""
    if degree == 1:
        return torch.stack([1.0 - t, t], dim=-1)
    if degree == 2:
        return torch.stack([0.5 * (1.0 - t) * (1.0 - t), -t * t + t + 0.5, 0.5 * t * t],
                           dim=-1)
    if degree == 3:
        t2 = t * t
        t3 = t2 * t
        one_minus = 1.0 - t
        return torch.stack([one_minus * one_minus * one_minus / 6.0,
                            (3.0 * t3 - 6.0 * t2 + 4.0) / 6.0,
                            (-3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0) / 6.0,
                            t3 / 6.0], dim=-1)
    raise ValueError("spline_basis: degree must be 1, 2 or 3, got " + str(degree))


def _combinations(dim: int, degree: int, device: torch.device) -> Tensor:
    """``[S, D]`` table of the per-dimension offsets ``k`` of every product ``s``."""
    base = torch.full([dim], degree + 1, dtype=torch.long, device=device)
    powers = torch.cumprod(torch.cat([base.new_ones(1), base[:-1]]), dim=0)
    s = torch.arange(int(base.prod()), dtype=torch.long, device=device).unsqueeze(1)
    return torch.div(s, powers.unsqueeze(0), rounding_mode="floor") % (degree + 1)


def spline_basis(pseudo: Tensor, kernel_size: Tensor, is_open_spline: Tensor,
                 degree: int) -> Tuple[Tensor, Tensor]:
    r"""B-spline tensor-product basis of pseudo-coordinates.

    Args:
        pseudo (Tensor): Pseudo-coordinates in :math:`[0, 1]`, shape ``[E, D]`` (or
            ``[E]`` for ``D = 1``).
        kernel_size (LongTensor): Number of knots :math:`K_d` per dimension, ``[D]``.
        is_open_spline (Tensor): Open (1) or closed (0) spline per dimension, ``[D]``.
        degree (int): B-spline degree, 1, 2 or 3.

    Returns:
        ``(basis, weight_index)``, both ``[E, (degree + 1)^D]``: the basis products
        and the flat ids (in ``[0, prod(kernel_size))``) of the weights they weight.
    """
    if pseudo.dim() == 1:
        pseudo = pseudo.unsqueeze(-1)
    if pseudo.dim() != 2:
        raise ValueError("spline_basis: pseudo must have shape [num_edges, dim], got "
                         + str(list(pseudo.shape)))
    dim = pseudo.size(1)
    if kernel_size.numel() != dim or is_open_spline.numel() != dim:
        raise ValueError("spline_basis: kernel_size and is_open_spline need one entry per "
                         "pseudo-coordinate dimension (" + str(dim) + "), got "
                         + str(kernel_size.numel()) + " and " + str(is_open_spline.numel()))
    ks = kernel_size.to(pseudo.device).long()
    is_open = is_open_spline.to(pseudo.device).long()
    v = pseudo * (ks - degree * is_open).to(pseudo.dtype)
    floor = v.detach().floor()
    t = v - floor
    blend = _blend(t, degree)  # [E, D, m+1]
    comb = _combinations(dim, degree, pseudo.device)  # [S, D]
    num = comb.size(0)
    gather_index = comb.t().unsqueeze(0).expand(pseudo.size(0), dim, num)
    basis = blend.gather(2, gather_index).prod(dim=1)
    knot = (floor.long().unsqueeze(1) + comb.unsqueeze(0)) % ks.view(1, 1, -1)
    stride = torch.cumprod(torch.cat([ks.new_ones(1), ks[:-1]]), dim=0)
    weight_index = (knot * stride.view(1, 1, -1)).sum(dim=-1)
    return basis, weight_index


def spline_weighting(x: Tensor, weight: Tensor, basis: Tensor,
                     weight_index: Tensor) -> Tensor:
    r"""Weights every row of ``x`` by its B-spline kernel:
    :math:`\mathbf{y}_e = \sum_s b_{e,s} \, \mathbf{x}_e \mathbf{W}_{\text{id}_{e,s}}`.

    Args:
        x (Tensor): Per-edge input features ``[E, C_in]``.
        weight (Tensor): Kernel weights ``[K, C_in, C_out]``.
        basis (Tensor): Basis products ``[E, S]``.
        weight_index (LongTensor): Weight ids ``[E, S]``.

    Returns:
        Tensor ``[E, C_out]``, differentiable w.r.t. ``x``, ``weight`` and ``basis``.
    """
    if weight.dim() != 3 or x.size(-1) != weight.size(1):
        raise ValueError("spline_weighting: expected weight [K, C_in, C_out] with C_in = "
                         + str(x.size(-1)) + ", got " + str(list(weight.shape)))
    num_edges, num = basis.size(0), basis.size(1)
    flat = weight_index.reshape(-1)
    order = torch.argsort(flat)
    edge = torch.div(order, num, rounding_mode="floor")
    coef = basis.reshape(-1).index_select(0, order)
    rows = x.index_select(0, edge) * coef.unsqueeze(-1)
    counts: List[int] = torch.bincount(flat, minlength=weight.size(0)).tolist()
    parts: List[Tensor] = []
    start = 0
    for k in range(len(counts)):
        if counts[k] > 0:
            parts.append(rows[start:start + counts[k]] @ weight[k])
            start += counts[k]
    out = x.new_zeros(num_edges, weight.size(2))
    if len(parts) == 0:
        return out
    return out.index_add(0, edge, torch.cat(parts, dim=0))
