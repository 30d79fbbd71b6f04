"""A listing of every config key with its type, default and help (for ``--help``)."""
from __future__ import annotations

import dataclasses
from typing import Iterator, List, Tuple

from distgnn.config.convert import describe_type, field_types
from distgnn.config.schema import TrainConfig

__all__ = ["iter_keys", "format_keys"]


def iter_keys(cls=TrainConfig, prefix: str = "") -> Iterator[Tuple[str, str, object, str]]:
    """Yield ``(key, type, default, help)`` for every leaf field, depth first."""
    types = field_types(cls)
    defaults = cls()
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        tp = types[f.name]
        if dataclasses.is_dataclass(tp):
            yield from iter_keys(tp, key + ".")
            continue
        help_text = f.metadata.get("help", "")
        if "choices" in f.metadata:
            help_text += f" ({' | '.join(map(str, f.metadata['choices']))})"
        yield key, describe_type(tp), getattr(defaults, f.name), help_text


def format_keys(width: int = 34) -> str:
    lines: List[str] = []
    section = None
    for key, tp, default, help_text in iter_keys():
        head = key.split(".")[0]
        if head != section and "." in key:
            lines.append("")
            section = head
        shown = "null" if default is None else default
        lines.append(f"  {key:<{width}} {help_text} [{tp}, default {shown}]")
    return "\n".join(lines)
