"""A listing of every config key of a job with its type, default and help (for ``--help``)."""
from __future__ import annotations

import dataclasses
from typing import Iterator, List, Optional, Tuple

from distgnn.fields import describe_type, field_types

from .registry import DEFAULT_JOB, get_job
from .schema import TrainConfig

__all__ = ["iter_keys", "format_keys"]


def _leaves(cls, prefix: str, defaults=None) -> Iterator[Tuple[str, str, object, str]]:
    types = field_types(cls)
    defaults = cls() if defaults is None else defaults
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        tp = types[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _leaves(tp, key + ".")
            continue
        help_text = f.metadata.get("help", "")
        if "choices" in f.metadata:
            help_text += f" ({' | '.join(map(str, f.metadata['choices']))})"
        yield key, describe_type(tp), getattr(defaults, f.name), help_text


def iter_keys(job: Optional[str] = None) -> Iterator[Tuple[str, str, object, str]]:
    """Yield ``(key, type, default, help)`` for every key of ``job``'s config, depth first."""
    spec = get_job(job or DEFAULT_JOB)
    types = field_types(TrainConfig)
    for f in dataclasses.fields(TrainConfig):
        if f.name == "job":
            yield "job", "str", spec.name, f.metadata["help"]
            continue
        cls = getattr(spec, f.name) if f.name in ("model", "sampler") else types[f.name]
        yield from _leaves(cls, f.name + ".",
                           cls(**spec.run_defaults) if f.name == "run" else None)


def format_keys(job: Optional[str] = None, width: int = 34) -> str:
    lines: List[str] = []
    section = None
    for key, tp, default, help_text in iter_keys(job):
        head = key.split(".")[0]
        if head != section and "." in key:
            lines.append("")
            section = head
        shown = "null" if default is None else default
        lines.append(f"  {key:<{width}} {help_text} [{tp}, default {shown}]")
    return "\n".join(lines)
