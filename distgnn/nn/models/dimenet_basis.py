r"""The distance and angle bases of DimeNet (Klicpera et al., ICLR 2020).

:math:`\mathbf{e}_{\mathrm{RBF}, n}(d) = u(d / c) \sin(n \pi d / c)` (:class:`BesselBasisLayer`) and
:math:`\mathbf{a}_{\mathrm{SBF}, ln}(d, \alpha) = u(d / c) \sqrt{2 / j_{l+1}(z_{ln})^2}\,
j_l(z_{ln} d / c)\, Y_l^0(\alpha)` (:class:`SphericalBasisLayer`), with the spherical Bessel
functions :math:`j_l`, their roots :math:`z_{ln}`, the zonal harmonics :math:`Y_l^0` and the
polynomial envelope :math:`u` (:class:`Envelope`).
"""
import math
from typing import List

import torch
from torch import Tensor
from torch.nn import Parameter

__all__ = ["Envelope", "BesselBasisLayer", "SphericalBasisLayer", "spherical_jn",
           "spherical_jn_order", "spherical_jn_zeros", "zonal_harmonics"]

_SERIES_TERMS = 20

def spherical_jn(max_order: int, x: Tensor) -> List[Tensor]:
    r"""Spherical Bessel functions of the first kind :math:`j_0(x), \ldots,
    j_{L}(x)` (``L = max_order``), differentiable in ``x >= 0``; see
    :func:`spherical_jn_order`."""
    return [spherical_jn_order(l, x) for l in range(max_order + 1)]


def spherical_jn_order(order: int, x: Tensor) -> Tensor:
    r"""The spherical Bessel function :math:`j_l(x)` of order ``l = order``.

    Below :math:`x = l + 1` the power series
    :math:`j_l(x) = \frac{x^l}{(2l+1)!!} \sum_k \frac{(-x^2/2)^k}{k!\,(2l+3)\cdots
    (2l+2k+1)}` is used; above it the upward recurrence
    :math:`j_{m+1} = \frac{2m+1}{x} j_m - j_{m-1}` from
    :math:`j_0 = \sin x / x`, :math:`j_1 = \sin x / x^2 - \cos x / x`, which is stable
    there. Both branches see clamped arguments, so gradients stay finite.
    """
    threshold = float(order + 1)
    x_ser = x.clamp(max=threshold)
    x_rec = x.clamp(min=threshold)

    sin, cos = torch.sin(x_rec), torch.cos(x_rec)
    inv = 1.0 / x_rec
    prev, cur = sin * inv, (sin * inv - cos) * inv
    if order == 0:
        cur = prev
    for m in range(1, order):
        prev, cur = cur, (2 * m + 1) * inv * cur - prev

    y = -0.5 * x_ser.pow(2)
    acc = torch.ones_like(x_ser)
    for k in range(_SERIES_TERMS, 0, -1):
        acc = 1.0 + y * acc / (k * (2 * order + 2 * k + 1))
    double_factorial = math.prod(range(1, 2 * order + 2, 2))
    series = x_ser.pow(order) * acc / double_factorial
    return torch.where(x < threshold, series, cur)


def spherical_jn_zeros(num_orders: int, num_zeros: int) -> List[List[float]]:
    r"""The first ``num_zeros`` positive roots of :math:`j_l` for
    ``l < num_orders``: the roots of :math:`j_0` are :math:`n\pi`, and each root of
    :math:`j_{l}` lies between two consecutive roots of :math:`j_{l-1}`."""
    from scipy.optimize import brentq
    from scipy.special import spherical_jn as jn

    total = num_zeros + num_orders
    prev = [math.pi * (n + 1) for n in range(total)]
    zeros = [prev[:num_zeros]]
    for l in range(1, num_orders):
        cur = [brentq(lambda r: jn(l, r), prev[n], prev[n + 1]) for n in range(total - l)]
        zeros.append(cur[:num_zeros])
        prev = cur
    return zeros


def zonal_harmonics(max_order: int, angle: Tensor) -> List[Tensor]:
    r""":math:`Y_l^0(\theta) = \sqrt{\frac{2l+1}{4\pi}} P_l(\cos\theta)` for
    ``l <= max_order`` via Bonnet's recurrence for the Legendre polynomials."""
    c = torch.cos(angle)
    legendre = [torch.ones_like(c), c]
    for l in range(1, max_order):
        legendre.append(((2 * l + 1) * c * legendre[l] - l * legendre[l - 1]) / (l + 1))
    return [math.sqrt((2 * l + 1) / (4 * math.pi)) * legendre[l]
            for l in range(max_order + 1)]


class Envelope(torch.nn.Module):
    r"""The smooth cutoff :math:`u(x) = 1/x + a x^{p-1} + b x^p + c x^{p+1}` for
    :math:`x < 1` (0 beyond), with :math:`p` = ``exponent + 1``; it vanishes with its
    first two derivatives at :math:`x = 1`."""

    def __init__(self, exponent: int):
        super().__init__()
        self.p = exponent + 1
        self.a = -(self.p + 1) * (self.p + 2) / 2
        self.b = self.p * (self.p + 2)
        self.c = -self.p * (self.p + 1) / 2

    def forward(self, x: Tensor) -> Tensor:
        x_p0 = x.pow(self.p - 1)
        x_p1 = x_p0 * x
        x_p2 = x_p1 * x
        env = 1.0 / x + self.a * x_p0 + self.b * x_p1 + self.c * x_p2
        return env * (x < 1.0).to(x.dtype)


class BesselBasisLayer(torch.nn.Module):
    r"""Radial basis :math:`u(d/c) \sin(f_n d / c)` with trainable frequencies
    initialised to :math:`f_n = n\pi`."""

    def __init__(self, num_radial: int, cutoff: float = 5.0, envelope_exponent: int = 5):
        super().__init__()
        self.cutoff = cutoff
        self.envelope = Envelope(envelope_exponent)
        self.freq = Parameter(torch.empty(num_radial))
        self.reset_parameters()

    def reset_parameters(self):
        with torch.no_grad():
            torch.arange(1, self.freq.numel() + 1, out=self.freq).mul_(math.pi)

    def forward(self, dist: Tensor) -> Tensor:
        d = dist.unsqueeze(-1) / self.cutoff
        return self.envelope(d) * torch.sin(self.freq * d)


class SphericalBasisLayer(torch.nn.Module):
    r"""The joint distance/angle basis
    :math:`u(d/c)\, \sqrt{2 / j_{l+1}(z_{ln})^2}\, j_l(z_{ln} d/c)\, Y_l^0(\alpha)`,
    laid out as ``[num_triplets, num_spherical * num_radial]`` (order-major)."""

    def __init__(self, num_spherical: int, num_radial: int, cutoff: float = 5.0,
                 envelope_exponent: int = 5):
        super().__init__()
        if num_spherical < 1 or num_radial < 1:
            raise ValueError(f"SphericalBasisLayer: num_spherical and num_radial must be "
                             f"positive, got {num_spherical} and {num_radial}")
        self.num_spherical = num_spherical
        self.num_radial = num_radial
        self.cutoff = cutoff
        self.envelope = Envelope(envelope_exponent)

        from scipy.special import spherical_jn as jn
        zeros = spherical_jn_zeros(num_spherical, num_radial)
        norm = [[math.sqrt(2.0) / abs(float(jn(l + 1, r))) for r in row]
                for l, row in enumerate(zeros)]
        self.register_buffer("zeros", torch.tensor(zeros, dtype=torch.float64),
                             persistent=False)
        self.register_buffer("norm", torch.tensor(norm, dtype=torch.float64),
                             persistent=False)

    def radial(self, dist: Tensor) -> Tensor:
        """``[E, num_spherical, num_radial]`` normalised radial parts with envelope."""
        x = (dist / self.cutoff).view(-1, 1)
        zeros = self.zeros.to(dist.dtype)
        out = torch.stack([spherical_jn_order(l, x * zeros[l])
                           for l in range(self.num_spherical)], dim=1)
        return self.envelope(x).unsqueeze(-1) * self.norm.to(dist.dtype) * out

    def forward(self, dist: Tensor, angle: Tensor, idx_kj: Tensor) -> Tensor:
        rbf = self.radial(dist)
        cbf = torch.stack(zonal_harmonics(self.num_spherical - 1, angle)[:self.num_spherical],
                          dim=1)
        out = rbf[idx_kj] * cbf.unsqueeze(-1)
        return out.view(-1, self.num_spherical * self.num_radial)
