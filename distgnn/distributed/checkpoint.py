"""Atomic, checksummed checkpoints that load without unpickling arbitrary objects.

A checkpoint is a directory::

    checkpoint_00000042/
      state.pt                   # torch.save of plain state: tensors, numbers, strings, lists, dicts
      embeddings/<name>/shard_<k>.pt   # one file per embedding shard (rows + optimizer state)
      MANIFEST.json              # written last: every file's size and crc32c

:func:`save_checkpoint` writes everything into a hidden temporary directory
and renames it into place, so a crash mid-write leaves the previous
checkpoint untouched and usable. :func:`load_checkpoint` checks every file
against the manifest and reads with ``torch.load(weights_only=True)``.
:func:`latest_checkpoint` skips a damaged checkpoint (a truncated or
overwritten file, a lost manifest) with a warning and falls back to the
previous intact one; a directory whose checkpoints are all damaged is an
error that says how to start afresh.
"""
import json
import logging
import os
import shutil
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

import crc32c
import torch

from .errors import CheckpointError

__all__ = ["save_checkpoint", "load_checkpoint", "latest_checkpoint", "write_checkpoint_dir",
           "read_checkpoint_dir", "prune_checkpoints", "is_complete", "verify_checkpoint",
           "checkpoint_problems", "FORMAT_VERSION"]

FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)   # version 1 manifests hold sizes only
_PREFIX = "checkpoint_"
_MANIFEST = "MANIFEST.json"
_STATE = "state.pt"
#: Ray Train's record of the checkpoints it registered for a run directory
RAY_SNAPSHOT = "checkpoint_manager_snapshot.json"
_BLOCK = 8 << 20

_log = logging.getLogger(__name__)
#: verdicts of checked checkpoints: file-stat stamp -> problem ("" when intact)
_VERDICTS: Dict[Tuple, str] = {}
_WARNED: set = set()


def _fsync_file(path: str) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _crc32c_file(path: str) -> str:
    """crc32c of a file's bytes as 8 hex digits, read in blocks."""
    value = 0
    with open(path, "rb") as f:
        while True:
            block = f.read(_BLOCK)
            if not block:
                return f"{value:08x}"
            value = crc32c.crc32c(block, value=value)


def _data_files(path: str) -> List[str]:
    out = []
    for root, _, files in os.walk(path):
        out.extend(os.path.relpath(os.path.join(root, n), path) for n in files
                   if not n.startswith(_MANIFEST))
    return sorted(out)


def _read_manifest(path: str) -> Dict[str, Any]:
    manifest_path = os.path.join(path, _MANIFEST)
    if not os.path.isfile(manifest_path):
        raise CheckpointError(f"{_MANIFEST} is missing (an interrupted write, or removed)")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{_MANIFEST} is unreadable ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CheckpointError(f"{_MANIFEST} does not list the checkpoint's files")
    if manifest.get("format_version") not in _READABLE_VERSIONS:
        raise CheckpointError(f"{_MANIFEST} has format_version {manifest.get('format_version')!r}, "
                              f"expected one of {_READABLE_VERSIONS}")
    return manifest


def _stamp(path: str) -> Optional[Tuple]:
    """Identity of a checkpoint's current bytes as far as ``stat`` tells (rename-proof)."""
    try:
        st = os.stat(os.path.join(path, _MANIFEST))
        files = tuple((rel, s.st_size, s.st_mtime_ns, s.st_ino) for rel in _data_files(path)
                      for s in [os.stat(os.path.join(path, rel))])
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size, files)


def _problem(path: str) -> str:
    """What is wrong with checkpoint ``path`` ("" when every file matches its manifest)."""
    try:
        manifest = _read_manifest(path)
    except CheckpointError as exc:
        return str(exc)
    sums = manifest.get("crc32c", {})
    for rel, size in sorted(manifest["files"].items()):
        full = os.path.join(path, rel)
        if not os.path.isfile(full):
            return f"files listed in {_MANIFEST} are missing or truncated: {rel} is missing"
        if os.path.getsize(full) != size:
            return (f"files listed in {_MANIFEST} are missing or truncated: {rel} has "
                    f"{os.path.getsize(full)} bytes, the manifest says {size}")
        if rel in sums and _crc32c_file(full) != sums[rel]:
            return f"{rel} is damaged: its crc32c does not match the manifest's {sums[rel]}"
    return ""


def _checked_problem(path: str) -> str:
    """:func:`_problem`, remembered while the files stay as they are."""
    stamp = _stamp(path)
    if stamp is None:
        return _problem(path)
    if stamp not in _VERDICTS:
        _VERDICTS[stamp] = _problem(path)
    return _VERDICTS[stamp]


def verify_checkpoint(path: str) -> None:
    """Raise :class:`CheckpointError` naming the damaged file unless ``path`` is intact."""
    problem = _checked_problem(path)
    if problem:
        raise CheckpointError(f"checkpoint {path!r} is damaged: {problem}; use an earlier checkpoint")


def is_complete(path: str) -> bool:
    """True when ``path`` holds a manifest and every file it lists, at its size (a copy that
    stopped half-way is not complete). Contents are checked by :func:`verify_checkpoint`."""
    try:
        files = _read_manifest(path)["files"]
        return all(os.path.getsize(os.path.join(path, rel)) == size for rel, size in files.items())
    except (OSError, CheckpointError):
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
    files = _data_files(path)
    manifest = {"format_version": FORMAT_VERSION, "embeddings": sorted(embeddings or {}),
                "files": {rel: os.path.getsize(os.path.join(path, rel)) for rel in files},
                "crc32c": {rel: _crc32c_file(os.path.join(path, rel)) for rel in files}}
    tmp = os.path.join(path, _MANIFEST + ".tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(path, _MANIFEST))
    stamp = _stamp(path)
    if stamp is not None:
        _VERDICTS[stamp] = ""  # just checksummed what was written


def read_checkpoint_dir(path: str, embeddings: Optional[Mapping[str, Any]] = None,
                        restore_shards: bool = True) -> Dict[str, Any]:
    """Read a checkpoint directory; restore ``embeddings`` (name -> object with ``load``) in place.

    Every file is checked against the manifest first. With
    ``restore_shards=False`` the embeddings only catch up with the saved
    step count (another replica restores the shared shards).
    """
    problem = _checked_problem(path)
    if problem:
        raise CheckpointError(f"{path!r} is not a usable checkpoint: {problem}; "
                              "use an earlier checkpoint")
    manifest = _read_manifest(path)
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
    names = sorted(n for n in os.listdir(directory)
                   if n.startswith(_PREFIX) and os.path.isdir(os.path.join(directory, n)))
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


def checkpoint_problems(directory: str) -> List[Tuple[str, str]]:
    """``(checkpoint name, problem)`` for every damaged checkpoint of ``directory``, oldest first."""
    return [(name, p) for name, path in _step_dirs(directory) for p in [_checked_problem(path)] if p]


def _warn_once(path: str, problem: str) -> None:
    if (path, problem) not in _WARNED:
        _WARNED.add((path, problem))
        _log.warning("checkpoint %s is damaged (%s); falling back to the previous checkpoint",
                     path, problem)


def _no_usable(directory: str, found: List[Tuple[str, str]]) -> CheckpointError:
    listed = "; ".join(f"{name}: {problem}" for name, problem in found)
    return CheckpointError(
        f"run directory {directory!r} holds no usable checkpoint ({listed}); nothing was loaded "
        "or changed. To start afresh, choose a new run directory (e.g. -p run.dir=runs/NEW), "
        f"or move its checkpoint_* directories and {RAY_SNAPSHOT} out of it")


def _gone_from_ray_snapshot(directory: str) -> List[str]:
    """Checkpoints Ray Train's snapshot of ``directory`` lists that are no longer there."""
    try:
        with open(os.path.join(directory, RAY_SNAPSHOT)) as f:
            results = json.load(f).get("checkpoint_results", [])
        names = [r["checkpoint_dir_name"] for r in results]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return []
    return [n for n in names if not os.path.isdir(os.path.join(directory, str(n)))]


def latest_checkpoint(directory: str) -> Optional[str]:
    """The newest intact checkpoint under ``directory``, or None when it holds none.

    A damaged newer checkpoint is skipped with a warning. When ``directory``
    holds checkpoints (or Ray Train's record of some) but none is intact,
    :class:`CheckpointError` says so and how to start afresh.
    """
    found = []
    for name, path in reversed(_step_dirs(directory)):
        problem = _checked_problem(path)
        if not problem:
            for skipped, reason in found:
                _warn_once(os.path.join(directory, skipped), reason)
            return path
        found.append((name, problem))
    gone = _gone_from_ray_snapshot(directory)
    if found or gone:
        raise _no_usable(directory, found[::-1] + [(n, "removed") for n in gone])
    return None


def load_checkpoint(path: str, embeddings: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Load a checkpoint directory (or the newest intact checkpoint in a run directory).

    Tensors come back on the CPU; nothing but plain data is unpickled.
    """
    if not any(os.path.isfile(os.path.join(path, f)) for f in (_MANIFEST, _STATE)):
        newest = latest_checkpoint(path)
        if newest is None:
            raise CheckpointError(f"no complete checkpoint at or under {path!r}")
        path = newest
    return read_checkpoint_dir(path, embeddings)
