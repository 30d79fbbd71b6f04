"""Atomic checkpoints that load without unpickling arbitrary objects.

A checkpoint is a directory::

    checkpoint_00000042/
      state.pt                   # torch.save of plain state: tensors, numbers, strings, lists, dicts
      embeddings/<name>/shard_<k>.pt   # one file per embedding shard (rows + optimizer state)
      MANIFEST.json              # written last: a directory without it is incomplete

:func:`save_checkpoint` writes everything into a hidden temporary directory
and renames it into place, so a crash mid-write leaves the previous
checkpoint untouched and usable. :func:`load_checkpoint` reads with
``torch.load(weights_only=True)``.
"""
import json
import os
import shutil
import uuid
from typing import Any, Dict, Mapping, Optional

import torch

from .errors import CheckpointError

__all__ = ["save_checkpoint", "load_checkpoint", "latest_checkpoint", "write_checkpoint_dir",
           "read_checkpoint_dir", "prune_checkpoints", "is_complete", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_PREFIX = "checkpoint_"
_MANIFEST = "MANIFEST.json"
_STATE = "state.pt"


def _fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _file_sizes(path: str) -> Dict[str, int]:
    out = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if not name.startswith(_MANIFEST):
                out[os.path.relpath(full, path)] = os.path.getsize(full)
    return out


def is_complete(path: str) -> bool:
    """True when ``path`` holds a manifest and every file it lists, at its size (a copy that
    stopped half-way is not complete)."""
    try:
        with open(os.path.join(path, _MANIFEST)) as f:
            files = json.load(f).get("files", {})
        return all(os.path.getsize(os.path.join(path, rel)) == size for rel, size in files.items())
    except (OSError, ValueError):
        return False


def write_checkpoint_dir(path: str, state: Mapping[str, Any],
                         embeddings: Optional[Mapping[str, Any]] = None) -> None:
    """Write a checkpoint into the (new or empty) directory ``path``; the manifest goes last.

    ``embeddings`` maps names to objects with ``save(directory)`` such as
    :class:`~distgnn.distributed.ShardedEmbedding`.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"checkpoint state must be a dict, got {type(state).__name__}")
    os.makedirs(path, exist_ok=True)
    torch.save(dict(state), os.path.join(path, _STATE))
    _fsync_file(os.path.join(path, _STATE))
    for name, emb in (embeddings or {}).items():
        emb.save(os.path.join(path, "embeddings", name))
    manifest = {"format_version": FORMAT_VERSION, "embeddings": sorted(embeddings or {}),
                "files": _file_sizes(path)}
    tmp = os.path.join(path, _MANIFEST + ".tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(path, _MANIFEST))


def read_checkpoint_dir(path: str, embeddings: Optional[Mapping[str, Any]] = None,
                        restore_shards: bool = True) -> Dict[str, Any]:
    """Read a checkpoint directory; restore ``embeddings`` (name -> object with ``load``) in place.

    With ``restore_shards=False`` the embeddings only catch up with the saved
    step count (another replica restores the shared shards).
    """
    manifest_path = os.path.join(path, _MANIFEST)
    if not os.path.isfile(manifest_path):
        raise CheckpointError(f"{path!r} is not a complete checkpoint: {_MANIFEST} is missing "
                              "(an interrupted write); use an earlier checkpoint")
    if not is_complete(path):
        raise CheckpointError(f"{path!r} is not a complete checkpoint: files listed in {_MANIFEST} "
                              "are missing or truncated; use an earlier checkpoint")
    with open(manifest_path) as f:
        manifest = json.load(f)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"checkpoint {path!r} has format_version "
                              f"{manifest.get('format_version')!r}, expected {FORMAT_VERSION}")
    saved = set(manifest.get("embeddings", []))
    missing = sorted(set(embeddings or {}) - saved)
    if missing:
        raise CheckpointError(f"checkpoint {path!r} holds embeddings {sorted(saved)}, "
                              f"but {missing} were asked for")
    for name, emb in (embeddings or {}).items():
        emb.load(os.path.join(path, "embeddings", name), restore=restore_shards)
    return torch.load(os.path.join(path, _STATE), map_location="cpu", weights_only=True)


def _step_dirs(directory: str):
    """``checkpoint_*`` directories, oldest first (names sort by step or by time)."""
    if not os.path.isdir(directory):
        return []
    names = sorted(n for n in os.listdir(directory) if n.startswith(_PREFIX))
    return [(n, os.path.join(directory, n)) for n in names]


def save_checkpoint(directory: str, state: Mapping[str, Any], step: int,
                    embeddings: Optional[Mapping[str, Any]] = None,
                    keep: Optional[int] = None) -> str:
    """Atomically write ``directory/checkpoint_<step>``; returns its path.

    The files go to a hidden temporary directory first, which is renamed into
    place once complete; with ``keep`` only the newest ``keep`` checkpoints stay.
    """
    if not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an int >= 0, got {step!r}")
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".tmp-{uuid.uuid4().hex}")
    try:
        write_checkpoint_dir(tmp, state, embeddings)
        final = os.path.join(directory, f"{_PREFIX}{step:08d}")
        if os.path.exists(final):
            old = os.path.join(directory, f".old-{uuid.uuid4().hex}")
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if keep is not None:
        prune_checkpoints(directory, keep)
    return final


def prune_checkpoints(directory: str, keep: int) -> None:
    """Delete all but the newest ``keep`` complete checkpoints of ``directory``."""
    complete = [p for _, p in _step_dirs(directory) if is_complete(p)]
    for path in complete[:-keep] if keep > 0 else complete:
        shutil.rmtree(path, ignore_errors=True)


def latest_checkpoint(directory: str) -> Optional[str]:
    """The newest complete checkpoint under ``directory`` (or None)."""
    for _, path in reversed(_step_dirs(directory)):
        if is_complete(path):
            return path
    return None


def load_checkpoint(path: str, embeddings: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Load a checkpoint directory (or the newest checkpoint in a run directory).

    Tensors come back on the CPU; nothing but plain data is unpickled.
    """
    if not any(os.path.isfile(os.path.join(path, f)) for f in (_MANIFEST, _STATE)):
        newest = latest_checkpoint(path)
        if newest is None:
            raise CheckpointError(f"no complete checkpoint at or under {path!r}")
        path = newest
    return read_checkpoint_dir(path, embeddings)
