"""The torch_geometric 1.7.2 oracle for the drop-in tests of ``distgnn.nn``.

1.7.2 is installed beside the environment (``pip install --no-deps --target
.venv/pyg17 torch-geometric==1.7.2``, done by ``scripts/setup_venv.sh``), or wherever
``$DISTGNN_PYG17`` points. It is the same package name as the torch_geometric 2.8.1
peer of the benchmarks (which some tests also use), so the fixture swaps the
``torch_geometric*`` entries of ``sys.modules`` and ``sys.path`` for the duration of
a test module and restores them afterwards; the 1.7 modules are kept aside between
modules so they are imported once per session.

Shims let 1.7.2 run here, all inside this fixture only: a stand-in for the optional
``ase`` package (SchNet's constructor reads its atomic mass table, used for dipoles
only; zeros here); DimeNet's Bessel frequencies initialised under ``no_grad``
(1.7.2 writes them with ``torch.arange(out=parameter)``, which torch 2.x refuses for
a tensor that requires grad); and ``np.math`` (gone in NumPy 2) for DimeNet's basis.
"""
from __future__ import annotations

import contextlib
import os
import sys
import types
from typing import Dict, Iterator, List

import pytest

__all__ = ["PYG17_DIR", "pyg17"]

PYG17_DIR = os.environ.get(
    "DISTGNN_PYG17",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".venv", "pyg17"))

_PACKAGE = "torch_geometric"
_KEPT: Dict[str, types.ModuleType] = {}  # the 1.7 modules while swapped out
_FAILED: List[str] = []


def _ours(name: str) -> bool:
    return name == _PACKAGE or name.startswith(_PACKAGE + ".")


def _take_modules() -> Dict[str, types.ModuleType]:
    taken = {k: v for k, v in sys.modules.items() if _ours(k)}
    for k in taken:
        del sys.modules[k]
    return taken


def _ase_stand_in() -> Dict[str, types.ModuleType]:
    """Modules to add to ``sys.modules`` while 1.7 imports, when ``ase`` is missing."""
    try:
        import ase  # noqa: F401
        return {}
    except ImportError:
        pass
    import numpy as np
    ase, data, units = (types.ModuleType(n) for n in ("ase", "ase.data", "ase.units"))
    data.atomic_masses = np.zeros(119)
    units.Debye, units.Bohr = 0.20819434, 0.52917721  # e*Angstrom, Angstrom
    ase.data, ase.units = data, units
    return {"ase": ase, "ase.data": data, "ase.units": units}


def _patch_dimenet(torch_geometric: types.ModuleType) -> None:
    import math

    import torch
    layer = torch_geometric.nn.models.dimenet.BesselBasisLayer

    def reset_parameters(self):
        with torch.no_grad():
            self.freq.copy_(torch.arange(1, self.freq.numel() + 1) * math.pi)

    layer.reset_parameters = reset_parameters

    # NumPy 2 dropped np.math, which 1.7.2's spherical-basis helpers call
    import numpy as np
    utils = torch_geometric.nn.models.dimenet_utils
    with_math = types.ModuleType("numpy")
    with_math.__dict__.update(vars(np))
    with_math.math = math
    utils.np = with_math


@contextlib.contextmanager
def _swapped_in(path: str) -> Iterator[types.ModuleType]:
    """``torch_geometric`` 1.7 importable (and imported) inside the block only."""
    outer_modules = _take_modules()
    outer_path = list(sys.path)
    sys.path.insert(0, path)
    sys.modules.update(_KEPT)
    stand_ins = {} if _KEPT else _ase_stand_in()
    sys.modules.update(stand_ins)
    try:
        first = not _KEPT
        import torch_geometric  # noqa: F401  (1.7, from ``path``)
        import torch_geometric.nn  # noqa: F401
        if not torch_geometric.__version__.startswith("1.7"):
            raise ImportError(f"expected torch_geometric 1.7 under {path}, found "
                              f"{torch_geometric.__version__} at {torch_geometric.__file__}")
        if first:
            _patch_dimenet(torch_geometric)
        yield torch_geometric
    finally:
        for name in stand_ins:
            sys.modules.pop(name, None)
        _KEPT.clear()
        _KEPT.update(_take_modules())
        sys.path[:] = outer_path
        sys.modules.update(outer_modules)


@pytest.fixture(scope="module")
def pyg17() -> Iterator[types.ModuleType]:
    """``torch_geometric`` 1.7.2 (skips when it is not installed or does not import)."""
    path = os.path.normpath(PYG17_DIR)
    if not os.path.isdir(os.path.join(path, _PACKAGE)):
        pytest.skip(f"torch_geometric 1.7.2 is not installed under {path}")
    if _FAILED:
        pytest.skip(_FAILED[0])
    try:
        ctx = _swapped_in(path)
        module = ctx.__enter__()
    except Exception as exc:  # noqa: BLE001  (any import failure means: no oracle)
        _FAILED.append(f"torch_geometric 1.7.2 does not import: {type(exc).__name__}: {exc}")
        pytest.skip(_FAILED[0])
    try:
        yield module
    finally:
        ctx.__exit__(None, None, None)

