"""Table elements as float32 or IEEE float16 for numba kernels, arithmetic in float32.

numba has no float16 type on the CPU, so a float16 table reaches a kernel as
its bits (``table.view(np.uint16)``). :func:`load` and :func:`store` read and
write element ``[row, col]`` of either kind: float32 as is, float16 through
LLVM's ``fpext``/``fptrunc`` (round to nearest even; one instruction each on
CPUs with F16C). The choice is made when the kernel is compiled, per the
table's dtype, so a float32 table's kernel is the one it always was.
"""
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

__all__ = ["load", "store", "kernel_view", "TABLE_DTYPES"]

#: the element types a skip-gram table may have
TABLE_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))


@intrinsic
def _half_to_float(typingctx, bits):
    """float32 of the float16 whose bits are ``bits`` (uint16)."""
    sig = types.float32(types.uint16)

    def codegen(context, builder, signature, args):
        return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())

    return sig, codegen


@intrinsic
def _float_to_half(typingctx, value):
    """The bits (uint16) of ``value`` (float32) rounded to float16."""
    sig = types.uint16(types.float32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(builder.fptrunc(args[0], ir.HalfType()), ir.IntType(16))

    return sig, codegen


def load(table, row, col):
    """``table[row, col]`` as float32 (float16 tables pass their uint16 bits)."""
    raise NotImplementedError("only callable from numba kernels")


def store(table, row, col, value):
    """``table[row, col] = value`` (a float32), rounded where the table is float16."""
    raise NotImplementedError("only callable from numba kernels")


@overload(load, inline="always")
def _load(table, row, col):
    if table.dtype == types.uint16:
        return lambda table, row, col: _half_to_float(table[row, col])
    return lambda table, row, col: table[row, col]


@overload(store, inline="always")
def _store(table, row, col, value):
    if table.dtype == types.uint16:
        def impl(table, row, col, value):
            table[row, col] = _float_to_half(np.float32(value))
        return impl

    def impl(table, row, col, value):
        table[row, col] = value
    return impl


def kernel_view(table: np.ndarray) -> np.ndarray:
    """What a kernel takes for ``table``: float32 as is, float16 as its uint16 bits."""
    return table.view(np.uint16) if table.dtype == np.float16 else table
