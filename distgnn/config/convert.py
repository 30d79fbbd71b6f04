"""Turn plain YAML values into typed dataclass fields, naming the key on every error."""
from __future__ import annotations

import dataclasses
import difflib
import typing
from typing import Any, Dict, List, Tuple

__all__ = ["ConfigError", "build", "convert", "unknown_key", "describe_type", "field_types"]


class ConfigError(ValueError):
    """A bad configuration value; the message names the key and how to fix it."""

    def __init__(self, key: str, problem: str, fix: str = "") -> None:
        self.key = key
        text = f"{key}: {problem}"
        super().__init__(f"{text}; {fix}" if fix else text)


def field_types(cls) -> Dict[str, Any]:
    """Resolved annotations of a dataclass (``from __future__`` strings included)."""
    return typing.get_type_hints(cls)


def describe_type(tp) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return f"{describe_type(inner[0])} or null"
    if origin in (list, List):
        return f"list[{describe_type(args[0])}]"
    return getattr(tp, "__name__", str(tp))


def _fix_hint(key: str, example: Any) -> str:
    return f"set it in the YAML file or with -p {key}={example}"


def _scalar(key: str, tp, value: Any, meta: dict) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(key, f"expected true or false, got {value!r}", _fix_hint(key, "true"))
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        example = meta.get("min", 4) if meta.get("min", 0) > 0 else 4
        raise ConfigError(key, f"expected an integer, got {value!r}", _fix_hint(key, example))
    if tp is float:
        return _as_float(key, value)
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(key, f"expected a string, got {value!r}", _fix_hint(key, "name"))
    raise TypeError(f"{key}: unsupported field type {tp!r}")  # pragma: no cover


def _as_float(key: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as a string
        try:
            return float(value)
        except ValueError:
            pass
    raise ConfigError(key, f"expected a number, got {value!r}", _fix_hint(key, 0.01))


def _check_bounds(key: str, value: Any, meta: dict) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(key, f"expected one of {', '.join(map(str, choices))}, got {value!r}",
                          _fix_hint(key, choices[0]))
    low = meta.get("min")
    if low is not None and value < low and value not in meta.get("allow", ()):
        extra = "".join(f" or {a}" for a in meta.get("allow", ()))
        raise ConfigError(key, f"expected a value >= {low}{extra}, got {value!r}",
                          _fix_hint(key, low))


def convert(key: str, tp, value: Any, meta: dict) -> Any:
    """Check ``value`` against the annotation ``tp`` and the field's constraints."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        if value is None:
            return None
        inner = next(a for a in args if a is not type(None))
        return convert(key, inner, value, meta)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin in (list, List):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"expected a list, got {value!r}",
                              _fix_hint(key, "[10,5]"))
        return [convert(f"{key}[{i}]", args[0], v, meta) for i, v in enumerate(value)]
    out = _scalar(key, tp, value, meta)
    _check_bounds(key, out, meta)
    return out


def unknown_key(prefix: str, name: str, known: List[str]) -> ConfigError:
    key = f"{prefix}.{name}" if prefix else name
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
    return ConfigError(key, "unknown key", hint + " (`distgnn train --help` lists every key)")


def build(cls, values: Any, prefix: str = ""):
    """Instantiate dataclass ``cls`` from a mapping; missing keys keep their defaults."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        where = prefix or "the config file"
        raise ConfigError(where, f"expected a mapping of keys, got {values!r}",
                          "write it as 'key: value' lines")
    types = field_types(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for name, value in values.items():
        if name not in fields:
            raise unknown_key(prefix, str(name), list(fields))
        key = f"{prefix}.{name}" if prefix else name
        kwargs[name] = convert(key, types[name], value, dict(fields[name].metadata))
    return cls(**kwargs)

