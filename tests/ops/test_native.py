"""distgnn::segment_csr from csrc/ against hand-computed values and the Python version."""
import os
import shutil
import subprocess
import sys

import pytest
import torch

from distgnn.ops import native
from distgnn.ops.segment_kernels import segment_csr_torch as segment_csr_python

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler (c++) on PATH"),
]

REDUCES = ["sum", "mean", "max", "min"]
SRC = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, -6.0]])
PTR = torch.tensor([0, 2, 2, 3])
EXPECTED = {
    "sum": [[4.0, 6.0], [0.0, 0.0], [5.0, -6.0]],
    "mean": [[2.0, 3.0], [0.0, 0.0], [5.0, -6.0]],
    "max": [[3.0, 4.0], [0.0, 0.0], [5.0, -6.0]],
    "min": [[1.0, 2.0], [0.0, 0.0], [5.0, -6.0]],
}
EXPECTED_ARG = {"max": [[1, 1], [3, 3], [2, 2]], "min": [[0, 0], [3, 3], [2, 2]]}


@pytest.fixture(scope="module", autouse=True)
def built():
    """Build (incrementally, with torch.utils.cpp_extension.load) and load the library."""
    assert native.load_native(build=True)
    assert native.native_available()


def random_ptr(num_segments: int, max_len: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(0, max_len + 1, (num_segments,), generator=gen)
    lengths[:: 3] = 0  # every third segment is empty
    return torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])


@pytest.mark.parametrize("reduce", REDUCES)
def test_op_by_hand(reduce):
    out, arg = torch.ops.distgnn.segment_csr(SRC, PTR, reduce)
    assert out.tolist() == EXPECTED[reduce]
    if reduce in EXPECTED_ARG:
        assert arg.dtype == torch.long and arg.tolist() == EXPECTED_ARG[reduce]
    else:
        assert arg is None
    assert native.segment_csr_native(SRC, PTR, reduce).tolist() == EXPECTED[reduce]


def test_add_is_sum():
    assert native.segment_csr_native(SRC, PTR, "add").tolist() == EXPECTED["sum"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("feature_shape", [(), (5,), (3, 4)])
def test_matches_python(reduce, dtype, feature_shape):
    ptr = random_ptr(300, 12, seed=1)
    src = torch.randn((int(ptr[-1]),) + feature_shape, dtype=dtype)
    out = native.segment_csr_native(src, ptr, reduce)
    assert out.shape == (300,) + feature_shape and out.dtype == dtype
    torch.testing.assert_close(out, segment_csr_python(src, ptr, reduce))


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_arg_points_at_the_value(reduce):
    ptr = random_ptr(50, 8, seed=2)
    src = torch.randn(int(ptr[-1]), 6)
    out, arg = torch.ops.distgnn.segment_csr(src, ptr, reduce)
    full = torch.cat([src, torch.zeros(1, 6)])  # row E stands for "empty segment"
    assert torch.equal(full.gather(0, arg), out)
    empty = ptr[1:] == ptr[:-1]
    assert (arg[empty] == src.size(0)).all()


@pytest.fixture
def two_threads():
    """at::parallel_for splits segments over threads (the suite runs with one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("reduce", REDUCES)
def test_many_segments_in_parallel(reduce, two_threads):
    ptr = random_ptr(20000, 30, seed=3)
    src = torch.randn(int(ptr[-1]), 16)
    out, arg = torch.ops.distgnn.segment_csr(src, ptr, reduce)
    torch.testing.assert_close(out, segment_csr_python(src, ptr, reduce))
    torch.set_num_threads(1)
    serial, serial_arg = torch.ops.distgnn.segment_csr(src, ptr, reduce)
    assert torch.equal(out, serial)  # each segment is reduced by one thread, in order
    if arg is not None:
        assert torch.equal(arg, serial_arg)


@pytest.mark.parametrize("reduce", REDUCES)
def test_pointer_not_covering_all_rows(reduce):
    src = torch.randn(10, 3)
    ptr = torch.tensor([2, 4, 4, 7])
    expected = segment_csr_python(src[2:7], ptr - 2, reduce)
    torch.testing.assert_close(native.segment_csr_native(src, ptr, reduce), expected)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("reduce", REDUCES)
def test_low_precision_accumulates_in_float(dtype, reduce):
    ptr = random_ptr(40, 20, seed=4)
    src = torch.randn(int(ptr[-1]), 8).to(dtype)
    out = native.segment_csr_native(src, ptr, reduce)
    assert out.dtype == dtype
    expected = segment_csr_python(src.float(), ptr, reduce).to(dtype)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("reduce", REDUCES)
def test_empty_inputs(reduce):
    ptr = torch.tensor([0, 0, 0])
    out = native.segment_csr_native(torch.empty(0, 4), ptr, reduce)
    assert out.tolist() == [[0.0] * 4] * 2
    assert native.segment_csr_native(torch.randn(3, 4), torch.tensor([0]), reduce).shape == (0, 4)
    assert native.segment_csr_native(torch.randn(3, 0), torch.tensor([0, 3]), reduce).shape == (1, 0)


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_gradcheck(reduce):
    ptr = torch.tensor([0, 3, 3, 4, 8, 8])  # two empty segments
    src = torch.randn(8, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda s: native.segment_csr_native(s, ptr, reduce), (src,))


@pytest.mark.parametrize("reduce", REDUCES)
def test_gradient_matches_python(reduce):
    ptr = random_ptr(30, 6, seed=5)
    src = torch.randn(int(ptr[-1]), 4, requires_grad=True)
    weight = torch.randn(30, 4)
    grad_native, = torch.autograd.grad((native.segment_csr_native(src, ptr, reduce) * weight)
                                       .sum(), src)
    grad_python, = torch.autograd.grad((segment_csr_python(src, ptr, reduce) * weight)
                                       .sum(), src)
    torch.testing.assert_close(grad_native, grad_python)


def test_fallback_without_library(monkeypatch):
    ptr = random_ptr(60, 10, seed=6)
    src = torch.randn(int(ptr[-1]), 5)
    with_library = {r: native.segment_csr_native(src, ptr, r) for r in REDUCES}
    monkeypatch.setattr(native, "_loaded_path", None)
    assert not native.native_available()
    for reduce in REDUCES:
        torch.testing.assert_close(native.segment_csr_native(src, ptr, reduce),
                                   with_library[reduce])
    for reduce in ["sum", "mean", "max", "min"]:
        assert native.segment_csr_native(SRC, PTR, reduce).tolist() == EXPECTED[reduce]


def test_torchscript_uses_python_version():
    scripted = torch.jit.script(native.segment_csr_native)
    assert scripted(SRC, PTR, "mean").tolist() == EXPECTED["mean"]


@pytest.mark.parametrize("ptr, match", [
    (PTR.view(2, 2), r"ptr must be 1-D with shape \[N \+ 1\], got 2-D"),
    (torch.tensor([0, 3, 2, 3]), r"non-decreasing, got ptr\[1\]=3 > ptr\[2\]=2"),
    (torch.tensor([0, 2, 4]), r"ptr must lie in \[0, E=3\], got ptr\[0\]=0 and ptr\[-1\]=4"),
    (torch.tensor([-1, 2]), r"ptr must lie in \[0, E=3\], got ptr\[0\]=-1"),
    (torch.tensor([], dtype=torch.long), r"at least one entry"),
    (PTR.float(), r"ptr must be int64 or int32, got Float"),
])
def test_bad_pointer(ptr, match):
    with pytest.raises(RuntimeError, match=match):
        torch.ops.distgnn.segment_csr(SRC, ptr, "sum")


def test_bad_reduce_and_src():
    with pytest.raises(RuntimeError, match="one of sum, mean, max, min; got 'mul'"):
        torch.ops.distgnn.segment_csr(SRC, PTR, "mul")
    with pytest.raises(RuntimeError, match="src must be floating point, got Long"):
        torch.ops.distgnn.segment_csr(SRC.long(), PTR, "sum")
    with pytest.raises(RuntimeError, match=r"src must have shape \[E, \*\], got a 0-d"):
        torch.ops.distgnn.segment_csr(torch.tensor(1.0), PTR, "sum")
    with pytest.raises(ValueError, match="got 'mul'"):
        native.segment_csr_native(SRC, PTR, "mul")


def test_int32_pointer():
    out, _ = torch.ops.distgnn.segment_csr(SRC, PTR.int(), "sum")
    assert out.tolist() == EXPECTED["sum"]


def _segment_csr_backend(env_value):
    env = dict(os.environ)
    env.pop("DISTGNN_NATIVE", None)
    if env_value is not None:
        env["DISTGNN_NATIVE"] = env_value
    code = ("from distgnn import ops; from distgnn.ops import native; "
            "print(ops.segment_csr is native.segment_csr_native, native.native_available())")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_opt_in_by_environment():
    assert _segment_csr_backend(None) == ["False", "False"]
    assert _segment_csr_backend("1") == ["True", "True"]


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_nan_wins_in_max_min(reduce):
    src = torch.tensor([[1.0], [float("nan")], [3.0], [-2.0]])
    out, arg = torch.ops.distgnn.segment_csr(src, torch.tensor([0, 3, 4]), reduce)
    assert torch.isnan(out[0, 0]) and arg[:, 0].tolist() == [1, 3]
    expected = segment_csr_python(src, torch.tensor([0, 3, 4]), reduce)
    torch.testing.assert_close(out, expected, equal_nan=True)
