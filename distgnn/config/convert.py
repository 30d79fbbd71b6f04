"""Turn plain YAML values into typed dataclass sections, naming the key on every error.

Values are coerced (YAML 1.1 reads ``1e-3`` as a string; an integer is a valid
float) and the section is constructed; its ``__post_init__`` checks every value
against the field's constraints (:mod:`distgnn.fields`).
"""
from __future__ import annotations

import dataclasses
import difflib
import typing
from typing import Any, List

from distgnn.fields import ConfigError, field_types

__all__ = ["ConfigError", "build", "unknown_key"]


def _coerce(key: str, tp, value: Any) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        if value is None:
            return None
        return _coerce(key, next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin in (list, List) and isinstance(value, (list, tuple)):
        return [_coerce(f"{key}[{i}]", args[0], v) for i, v in enumerate(value)]
    if tp is float and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # refused, with the key, by the section's check
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def unknown_key(prefix: str, name: str, known: List[str]) -> ConfigError:
    key = f"{prefix}.{name}" if prefix else name
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
    return ConfigError(key, "unknown key", hint + " (`distgnn train --help` lists every key)",
                       unknown=True)


def build(cls, values: Any, prefix: str = ""):
    """Instantiate dataclass ``cls`` from a mapping; missing keys keep their defaults."""
    if values is None:
        values = {}
    if dataclasses.is_dataclass(values) and isinstance(values, cls):
        return values
    if not isinstance(values, dict):
        where = prefix or "the config file"
        raise ConfigError(where, f"expected a mapping of keys, got {values!r}",
                          "write it as 'key: value' lines")
    types = field_types(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for name, value in values.items():
        if name not in names:
            raise unknown_key(prefix, str(name), names)
        key = f"{prefix}.{name}" if prefix else name
        kwargs[name] = _coerce(key, types[name], value)
    return cls(**kwargs)
