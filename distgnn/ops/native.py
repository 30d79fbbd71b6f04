"""Optional native kernels from ``csrc/`` (library ``distgnn_native``, ops ``torch.ops.distgnn``).

Nothing here is needed: every native op has a pure-Python twin that is used while
the library is not loaded. Build and load once with::

    python -m distgnn.ops.native --build      # or load_native(build=True)

Afterwards :func:`load_native` finds the built library without rebuilding. To route
:func:`distgnn.ops.segment_csr` to the native kernel, set ``DISTGNN_NATIVE=1`` in the
environment before ``distgnn.ops`` is first imported (the library must be built).
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import warnings
from typing import Dict, List, Optional

import torch
from torch import Tensor

from .segment_kernels import check_reduce as _check_reduce
from .segment_kernels import segment_csr_torch as _segment_csr_python

__all__ = ["load_native", "native_available", "segment_csr_native", "build_directory",
           "native_sources", "LIBRARY_NAME"]

#: Name of the shared library (and of the ``cpp_extension`` build).
LIBRARY_NAME = "distgnn_native"

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CSRC_DIR = os.path.join(os.path.dirname(_PACKAGE_DIR), "csrc")
_OP = "distgnn::segment_csr"
_loaded_path: Optional[str] = None
_has_kernel: Dict[str, bool] = {}


def _with_cuda() -> bool:
    from torch.utils.cpp_extension import CUDA_HOME
    return torch.cuda.is_available() and torch.version.cuda is not None and CUDA_HOME is not None


def _variant(with_cuda: bool) -> str:
    device = f"cu{torch.version.cuda}" if with_cuda else "cpu"
    version = torch.__version__.split("+")[0]
    return f"torch{version}-{device}"


def build_directory(with_cuda: Optional[bool] = None) -> str:
    """Where :func:`load_native` builds and looks for the library.

    ``$DISTGNN_NATIVE_BUILD_DIR`` if set, else ``build/native/<torch version>-<device>``
    next to ``csrc/`` (one folder per torch version and CPU/CUDA variant).
    """
    if with_cuda is None:
        with_cuda = _with_cuda()
    root = os.environ.get("DISTGNN_NATIVE_BUILD_DIR")
    if root:
        return os.path.join(root, _variant(with_cuda))
    return os.path.join(os.path.dirname(_PACKAGE_DIR), "build", "native", _variant(with_cuda))


def native_sources(with_cuda: bool) -> List[str]:
    """The declaration file, every ``csrc/cpu/*.cpp`` and, with CUDA, ``csrc/cuda/*.cu``."""
    files = [os.path.join(_CSRC_DIR, "ops.cpp")]
    files += sorted(glob.glob(os.path.join(_CSRC_DIR, "cpu", "*.cpp")))
    if with_cuda:
        files += sorted(glob.glob(os.path.join(_CSRC_DIR, "cuda", "*.cu")))
    return files


def _candidates() -> List[str]:
    paths = sorted(glob.glob(os.path.join(_PACKAGE_DIR, "_native*.so")))
    variants = [True, False] if _with_cuda() else [False]
    paths += [os.path.join(build_directory(v), LIBRARY_NAME + ".so") for v in variants]
    return paths


def _build(verbose: bool) -> str:
    from torch.utils.cpp_extension import load
    if not os.path.isfile(os.path.join(_CSRC_DIR, "ops.cpp")):
        raise FileNotFoundError(f"building the native library needs the source tree: expected "
                                f"{_CSRC_DIR}/ops.cpp, got no such file")
    with_cuda = _with_cuda()
    directory = build_directory(with_cuda)
    os.makedirs(directory, exist_ok=True)
    flags = ["-O3"]
    load(name=LIBRARY_NAME, sources=native_sources(with_cuda), build_directory=directory,
         extra_cflags=flags, extra_cuda_cflags=flags, extra_include_paths=[_CSRC_DIR],
         is_python_module=False, verbose=verbose)
    return os.path.join(directory, LIBRARY_NAME + ".so")


def load_native(build: bool = False, verbose: bool = False) -> bool:
    """Load the native library; with ``build=True`` (re)build it first when needed.

    Without ``build`` only an already built library is loaded: ``distgnn/_native*.so``
    or the one in :func:`build_directory`. Returns whether the ops are available.
    A library that fails to load (e.g. built for another torch) gives a warning.
    """
    global _loaded_path
    if _loaded_path is not None:
        return True
    if build:
        _loaded_path = _build(verbose)
        _has_kernel.clear()
        return True
    for path in _candidates():
        if not os.path.isfile(path):
            continue
        try:
            torch.ops.load_library(path)
        except (OSError, RuntimeError) as exc:
            warnings.warn(f"distgnn: could not load native library {path}: {exc}")
            continue
        _loaded_path = path
        _has_kernel.clear()
        return True
    return False


def native_available() -> bool:
    """Whether :func:`load_native` has loaded the library in this process."""
    return _loaded_path is not None


def _kernel_for(device: torch.device) -> bool:
    key = device.type
    if key not in _has_kernel:
        try:
            _has_kernel[key] = bool(torch._C._dispatch_has_kernel_for_dispatch_key(
                _OP, key.upper()))
        except (AttributeError, RuntimeError):  # private dispatcher query unavailable
            _has_kernel[key] = key == "cpu"
    return _has_kernel[key]


class _SegmentCSR(torch.autograd.Function):
    @staticmethod
    def forward(ctx, src: Tensor, ptr: Tensor, reduce: str) -> Tensor:  # type: ignore[override]
        out, arg = torch.ops.distgnn.segment_csr(src, ptr, reduce)
        ctx.reduce = reduce
        ctx.src_shape = src.shape
        ctx.save_for_backward(ptr, arg if arg is not None else ptr)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        if not ctx.needs_input_grad[0]:
            return None, None, None
        ptr, arg = ctx.saved_tensors
        num_rows = ctx.src_shape[0]
        if ctx.reduce == "max" or ctx.reduce == "min":
            grad = grad_out.new_zeros((num_rows + 1,) + tuple(ctx.src_shape[1:]))
            return grad.scatter_(0, arg, grad_out)[:num_rows], None, None
        counts = ptr[1:] - ptr[:-1]
        if ctx.reduce == "mean":
            scale = counts.clamp(min=1).to(grad_out.dtype)
            grad_out = grad_out / scale.view([-1] + [1] * (grad_out.dim() - 1))
        lo, hi = int(ptr[0]), int(ptr[-1])
        rows = grad_out.repeat_interleave(counts, dim=0, output_size=hi - lo)
        if lo == 0 and hi == num_rows:
            return rows, None, None
        grad = grad_out.new_zeros(ctx.src_shape)
        grad[lo:hi] = rows
        return grad, None, None


def segment_csr_native(src: Tensor, ptr: Tensor, reduce: str = "sum") -> Tensor:
    """``out[i] = reduce(src[ptr[i]:ptr[i+1]])`` along dim 0 on the native kernel.

    Same contract as :func:`distgnn.ops.segment_csr` (reduce: sum/add, mean, max, min;
    empty segments give 0) and differentiable in ``src``. Falls back to the pure-Python
    implementation when the library is not loaded, has no kernel for ``src``'s device,
    ``src`` is not floating point, or inside TorchScript.
    """
    reduce = _check_reduce(reduce)
    if not torch.jit.is_scripting():
        if (_loaded_path is not None and src.is_floating_point()
                and _kernel_for(src.device)):
            if src.requires_grad and torch.is_grad_enabled():
                return _SegmentCSR.apply(src, ptr, reduce)
            return torch.ops.distgnn.segment_csr(src, ptr, reduce)[0]
    return _segment_csr_python(src, ptr, reduce)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m distgnn.ops.native",
                                     description="Build or locate distgnn's native library.")
    parser.add_argument("--build", action="store_true", help="build (incrementally) and load")
    parser.add_argument("--verbose", action="store_true", help="show compiler commands")
    args = parser.parse_args(argv)
    ok = load_native(build=args.build, verbose=args.verbose)
    if ok:
        print(f"distgnn native library: {_loaded_path}")
    else:
        print(f"distgnn native library not built (looked in {', '.join(_candidates())}); "
              f"run: python -m distgnn.ops.native --build", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
