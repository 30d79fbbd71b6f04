"""``-p key=value`` overrides: dotted keys with optional list indices, YAML-parsed values."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence, Union

import yaml

from .convert import ConfigError, unknown_key

__all__ = ["parse_override", "apply_overrides", "parse_key"]

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")


def parse_key(key: str) -> List[Union[str, int]]:
    """``"sampler.num_neighbors[1]"`` -> ``["sampler", "num_neighbors", 1]``."""
    path: List[Union[str, int]] = []
    for part in key.split("."):
        match = _SEGMENT.match(part)
        if match is None:
            raise ConfigError(key or "-p", "malformed key",
                              "write keys as section.name or section.name[index]")
        path.append(match.group(1))
        path.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return path


def parse_override(text: str) -> tuple:
    """``"run.lr=1e-3"`` -> ``("run.lr", 0.001)``; values are YAML scalars or lists."""
    if "=" not in text:
        raise ConfigError(text, "an override needs the form key=value",
                          "e.g. -p run.epochs=1 or -p sampler.num_neighbors=[10,5]")
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(key, f"cannot read value {raw!r} as YAML ({exc.__class__.__name__})",
                          "quote strings and write lists as [a,b]") from None
    return key, value


def _name(path: Sequence[Union[str, int]]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _step(node: Any, seg: Union[str, int], path: list) -> None:
    here = _name(path + [seg])
    if isinstance(seg, int):
        if not isinstance(node, list):
            raise ConfigError(here, f"{_name(path)} is not a list", "drop the [index]")
        if seg >= len(node):
            raise ConfigError(here, f"index out of range: {_name(path)} has {len(node)} entries",
                              f"set the whole list, e.g. -p {_name(path)}=[...]")
    elif not isinstance(node, dict) or seg not in node:
        known = list(node) if isinstance(node, dict) else []
        raise unknown_key(_name(path), seg, known)


def apply_overrides(tree: Dict[str, Any], overrides: Sequence[str]) -> Dict[str, Any]:
    """Set each ``key=value`` in the nested dict ``tree`` (in place); returns ``tree``."""
    for text in overrides:
        key, value = parse_override(text)
        path = parse_key(key)
        node: Any = tree
        for i, seg in enumerate(path):
            _step(node, seg, path[:i])
            if i == len(path) - 1:
                node[seg] = value
            else:
                node = node[seg]
    return tree
