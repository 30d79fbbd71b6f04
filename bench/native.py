"""distgnn's native segment_csr against torch_scatter.segment_csr and torch.segment_reduce.

Segments are the rows of a seeded R-MAT graph (scale 17 by default: power-law
degrees, many empty rows), src is [E, F] with F=64. Prints the median time of each
implementation and the ratios native / torch_scatter and native / segment_reduce
(below 1: native is faster). Builds the native library first when needed.

    python bench/native.py                       # forward, every reduction
    python bench/native.py --scale 15 --backward # forward + backward
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Dict, List, Optional

import torch
from torch import Tensor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import print_table, time_call  # noqa: E402

from distgnn.data import rmat_edge_index  # noqa: E402
from distgnn.ops import ptr_from_index  # noqa: E402
from distgnn.ops.native import load_native, segment_csr_native  # noqa: E402

try:
    import torch_scatter
except ImportError:  # pragma: no cover - torch_scatter is a dependency
    torch_scatter = None

__all__ = ["main"]

Impl = Callable[[Tensor, Tensor, str], Tensor]


def segment_reduce(src: Tensor, ptr: Tensor, reduce: str) -> Tensor:
    lengths = ptr[1:] - ptr[:-1]
    return torch.segment_reduce(src, reduce, lengths=lengths, axis=0, unsafe=True)


def implementations() -> Dict[str, Impl]:
    impls: Dict[str, Impl] = {"native": segment_csr_native}
    if torch_scatter is not None:
        impls["torch_scatter"] = lambda s, p, r: torch_scatter.segment_csr(s, p, reduce=r)
    impls["segment_reduce"] = segment_reduce
    return impls


def measure(fn: Impl, src: Tensor, ptr: Tensor, reduce: str, backward: bool,
            repeat: int) -> float:
    if not backward:
        def step() -> None:
            with torch.no_grad():
                fn(src, ptr, reduce)
    else:
        leaf = src.detach().requires_grad_()

        def step() -> None:
            out = fn(leaf, ptr, reduce)
            out.backward(torch.ones_like(out))
            leaf.grad = None
    return time_call(step, repeat=repeat)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=17, help="R-MAT scale (2**scale rows)")
    parser.add_argument("--channels", type=int, default=64, help="F, features per edge")
    parser.add_argument("--reduce", nargs="+", default=["sum", "mean", "max", "min"])
    parser.add_argument("--backward", action="store_true", help="time forward + backward")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    if not load_native(build=True):
        raise SystemExit("native library could not be built")
    edge_index = rmat_edge_index(args.scale, seed=0)
    num_nodes = 1 << args.scale
    ptr = ptr_from_index(edge_index[0], num_nodes)
    src = torch.randn(edge_index.size(1), args.channels, generator=torch.Generator().manual_seed(0))
    degree = ptr[1:] - ptr[:-1]
    print(f"R-MAT scale {args.scale}: N={num_nodes} segments, E={src.size(0)} rows, "
          f"F={args.channels}, max degree {int(degree.max())}, "
          f"{int((degree == 0).sum())} empty; {torch.get_num_threads()} threads; "
          f"{'forward + backward' if args.backward else 'forward'}")

    impls = implementations()
    header = ["reduce"] + [f"{name} ms" for name in impls]
    header += [f"native/{name}" for name in impls if name != "native"]
    rows = []
    for reduce in args.reduce:
        times = {name: measure(fn, src, ptr, reduce, args.backward, args.repeat)
                 for name, fn in impls.items()}
        row = [reduce] + [f"{1e3 * t:.1f}" for t in times.values()]
        row += [f"{times['native'] / t:.2f}" for name, t in times.items() if name != "native"]
        rows.append(row)
    print_table(header, rows)


if __name__ == "__main__":
    main()
