"""Configuration fields with help text and checked constraints (no dependencies).

Every configuration dataclass of distgnn -- the runtime's ``ScalingConfig``,
``SyncConfig``, ``RunConfig`` and the sections of ``distgnn train`` -- declares
its fields with :func:`opt` and calls :func:`check_fields` in ``__post_init__``,
so one rule checks each value whether it comes from YAML, ``-p`` or Python.

Constraints (in the field's metadata): ``choices`` (allowed values), ``min`` /
``max`` (inclusive bounds), ``gt`` / ``lt`` (strict bounds), ``allow`` (extra
values accepted besides the bounds, e.g. ``-1`` for "all"). Floats must be
finite. A class names its YAML section in ``SECTION`` so errors carry the key.
"""
from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Dict, List

__all__ = ["ConfigError", "opt", "section", "check_fields", "check_value", "field_types",
           "describe_type", "fix_hint"]


class ConfigError(ValueError):
    """A bad configuration value; the message names the key and how to fix it."""

    def __init__(self, key: str, problem: str, fix: str = "", unknown: bool = False) -> None:
        self.key, self.problem, self.fix, self.unknown = key, problem, fix, unknown
        text = f"{key}: {problem}"
        super().__init__(f"{text}; {fix}" if fix else text)


def opt(default, help: str, **constraints):
    """A dataclass field with help text and constraints in its metadata."""
    meta = dict(help=help, **constraints)
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def section(cls, help: str):
    """A nested dataclass field (a YAML sub-section)."""
    return dataclasses.field(default_factory=cls, metadata={"help": help})


_HINTS: Dict[type, Dict[str, Any]] = {}


def field_types(cls) -> Dict[str, Any]:
    """Resolved annotations of a dataclass (``from __future__`` strings included), cached."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def describe_type(tp) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return f"{describe_type(inner[0])} or null"
    if origin in (list, List):
        return f"list[{describe_type(args[0])}]"
    return getattr(tp, "__name__", str(tp))


def fix_hint(key: str, example: Any) -> str:
    return f"set it in the YAML file or with -p {key}={example}"


def _type_error(key: str, tp, value: Any, meta: dict) -> ConfigError:
    words = {bool: ("true or false", "true"), int: ("an integer", meta.get("min", 4)),
             float: ("a finite number", meta.get("example", meta.get("default", 0.01))), str: ("a string", "name")}
    what, example = words.get(tp, (describe_type(tp), "..."))
    return ConfigError(key, f"expected {what}, got {value!r}", fix_hint(key, example))


def _check_type(key: str, tp, value: Any, meta: dict) -> None:
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif tp is str:
        ok = isinstance(value, str)
    else:  # pragma: no cover - a field type this module does not know
        raise TypeError(f"{key}: unsupported field type {tp!r}")
    if not ok:
        raise _type_error(key, tp, value, meta)


def _check_bounds(key: str, value: Any, meta: dict) -> None:
    choices = meta.get("choices")
    if choices is not None:
        if value not in choices:
            raise ConfigError(key, f"expected one of {', '.join(map(str, choices))}, got {value!r}",
                             fix_hint(key, choices[0]))
        return
    if value in meta.get("allow", ()):
        return
    extra = "".join(f" or {a}" for a in meta.get("allow", ()))
    for name, bad, words in (("min", lambda v, b: v < b, ">="), ("gt", lambda v, b: v <= b, ">"),
                             ("max", lambda v, b: v > b, "<="), ("lt", lambda v, b: v >= b, "<")):
        bound = meta.get(name)
        if bound is not None and bad(value, bound):
            example = meta.get("example", bound if name in ("min", "max") else meta.get("default"))
            raise ConfigError(key, f"expected a value {words} {bound}{extra}, got {value!r}",
                             fix_hint(key, example))


def check_value(key: str, tp, value: Any, meta: dict) -> None:
    """Raise :class:`ConfigError` unless ``value`` fits the annotation ``tp`` and ``meta``."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        if value is None:
            return
        tp = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(tp), typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, tp):
            raise ConfigError(key, f"expected a {tp.__name__} section, got {value!r}",
                             "write it as 'key: value' lines")
        return  # checked by its own __post_init__
    if origin in (list, List):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected a list, got {value!r}", fix_hint(key, "[10,5]"))
        for i, v in enumerate(value):
            check_value(f"{key}[{i}]", args[0], v, meta)
        return
    _check_type(key, tp, value, meta)
    _check_bounds(key, value, meta)


def check_fields(obj: Any, prefix: str = "") -> None:
    """Check every field of the dataclass instance ``obj`` (keys ``<prefix>.<name>``)."""
    prefix = prefix or getattr(type(obj), "SECTION", "")
    types = field_types(type(obj))
    for f in dataclasses.fields(obj):
        key = f"{prefix}.{f.name}" if prefix else f.name
        meta = dict(f.metadata)
        meta.setdefault("default", f.default if f.default is not dataclasses.MISSING else None)
        check_value(key, types[f.name], getattr(obj, f.name), meta)
