"""``Sequential``: a ``torch.nn.Sequential`` for GNN operators with several inputs.

Each entry is a module (or any callable) with an optional function header
``'x, edge_index -> x'`` naming its inputs and outputs; an entry without a header
takes the outputs of its predecessor and produces outputs of the same names.
"""
from __future__ import annotations

import re
from typing import Any, Callable, List, Sequence, Tuple, Union

import torch

__all__ = ["Sequential"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _names(text: str, what: str) -> List[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"Sequential: {what} must be comma-separated identifiers, "
                             f"got {text!r}")
    if not names:
        raise ValueError(f"Sequential: {what} names no variables: {text!r}")
    return names


def parse_header(header: str) -> Tuple[List[str], List[str]]:
    """Split ``'a, b -> c'`` (``'>'`` also accepted) into input and output names."""
    parts = re.split(r"-?>", header)
    if len(parts) != 2:
        raise ValueError(f"Sequential: a function header looks like 'x, edge_index -> x', "
                         f"got {header!r}")
    return _names(parts[0], "header inputs"), _names(parts[1], "header outputs")


class Sequential(torch.nn.Module):
    r"""An extension of :class:`torch.nn.Sequential` for GNN operators.

    .. code-block:: python

        model = Sequential('x, edge_index', [
            (GCNConv(in_channels, 64), 'x, edge_index -> x'),
            ReLU(inplace=True),
            (GCNConv(64, 64), 'x, edge_index -> x'),
            ReLU(inplace=True),
            Linear(64, out_channels),
        ])

    Args:
        args (str): The model's global input arguments, e.g. ``'x, edge_index'``.
        modules ([(callable, str) or callable]): Operators with optional function
            headers ``'inputs -> outputs'``. Modules are registered as children;
            plain callables (lambdas, functions) are called as they are.
    """

    def __init__(self, args: str, modules: Sequence[Union[Tuple[Callable, str], Callable]]):
        super().__init__()
        self.input_names = _names(args, "args")
        self.steps: List[Tuple[str, List[str], List[str]]] = []
        self._callables: dict = {}
        previous = self.input_names[:1]
        for i, entry in enumerate(modules):
            if isinstance(entry, (tuple, list)):
                if len(entry) != 2 or not isinstance(entry[1], str):
                    raise ValueError(f"Sequential: entry {i} must be a callable or a pair "
                                     f"(callable, 'inputs -> outputs'), got {entry!r}")
                func, (ins, outs) = entry[0], parse_header(entry[1])
            else:
                func, ins, outs = entry, list(previous), list(previous)
            if not callable(func):
                raise TypeError(f"Sequential: entry {i} is not callable: {func!r}")
            key = f"module_{i}"
            if isinstance(func, torch.nn.Module):
                self.add_module(key, func)
            else:
                self._callables[key] = func
            self.steps.append((key, ins, outs))
            previous = outs

    def reset_parameters(self) -> None:
        for module in self.children():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def _get(self, key: str) -> Callable:
        return self._modules[key] if key in self._modules else self._callables[key]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) + len(kwargs) != len(self.input_names):
            raise TypeError(f"Sequential expects {len(self.input_names)} inputs "
                            f"({', '.join(self.input_names)}), got {len(args) + len(kwargs)}")
        env = dict(zip(self.input_names, args))
        env.update(kwargs)
        out: Any = None
        for key, ins, outs in self.steps:
            missing = [n for n in ins if n not in env]
            if missing:
                raise KeyError(f"Sequential: step {key} needs {missing}, which no earlier "
                               f"step produced (known: {sorted(env)})")
            out = self._get(key)(*[env[n] for n in ins])
            if len(outs) == 1:
                env[outs[0]] = out
            else:
                if not isinstance(out, (tuple, list)) or len(out) != len(outs):
                    raise ValueError(f"Sequential: step {key} should return {len(outs)} "
                                     f"values ({', '.join(outs)})")
                env.update(zip(outs, out))
        return out

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({', '.join(self.input_names)}) ("]
        for key, ins, outs in self.steps:
            lines.append(f"  ({key}): {self._get(key)!r} : {', '.join(ins)} -> "
                         f"{', '.join(outs)}")
        return "\n".join(lines + [")"])
