"""Reads the signatures of a layer's message/aggregate/update functions."""
from __future__ import annotations

import inspect
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Set

__all__ = ["Inspector", "func_params"]


def func_params(func: Callable, skip_first: bool) -> "OrderedDict[str, inspect.Parameter]":
    """Parameters of ``func`` (a bound method), optionally without its first argument."""
    params = OrderedDict(inspect.signature(func).parameters)
    if skip_first and params:
        params.popitem(last=False)
    for name, p in list(params.items()):
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            del params[name]
    return params


class Inspector:
    """Collects, per user function, the argument names ``propagate`` must provide."""

    def __init__(self, module: Any):
        self.module = module
        self.params: Dict[str, "OrderedDict[str, inspect.Parameter]"] = {}

    def inspect(self, name: str, skip_first: bool) -> None:
        self.params[name] = func_params(getattr(self.module, name), skip_first)

    def keys(self, names: List[str]) -> Set[str]:
        out: Set[str] = set()
        for name in names:
            out.update(self.params.get(name, {}).keys())
        return out

    def distribute(self, name: str, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """The subset of ``kwargs`` that function ``name`` takes (defaults filled in)."""
        out = {}
        for key, param in self.params[name].items():
            value = kwargs.get(key, inspect.Parameter.empty)
            if value is inspect.Parameter.empty:
                if param.default is inspect.Parameter.empty:
                    raise TypeError(f"{type(self.module).__name__}.{name}() needs argument "
                                    f"'{key}', but propagate() was not given it")
                value = param.default
            out[key] = value
        return out
