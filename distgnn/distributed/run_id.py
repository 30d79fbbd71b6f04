"""A run's unique id: written into its run directory at the first start, kept on resume.

Named Ray actors of a run (the embedding-shard actors) carry it in their
names, so two runs on one cluster never share an actor even when their run
directories share a base name (``/a/job`` and ``/b/job``). The file records
the directory it was written for: a copied run directory gets an id of its own
when it is first resumed.

    rid = ensure_run_id("runs/job")          # "3f9c0a1d2b4e", the same on every later call
    actor_prefix("job", rid)                 # "distgnn/job-3f9c0a1d2b4e/"
"""
import json
import os
import re
import uuid

__all__ = ["RUN_ID_FILE", "ensure_run_id", "read_run_id", "actor_prefix"]

#: the file in a run directory that holds the run's id
RUN_ID_FILE = "run_id.json"
_VALID = re.compile(r"^[0-9a-f]{12}$")


def read_run_id(run_dir: str) -> str:
    """The id stored in ``run_dir`` for ``run_dir`` itself ("" when there is none, when it
    is not an id, or when it was written for another directory: a copy)."""
    try:
        with open(os.path.join(run_dir, RUN_ID_FILE)) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return ""
    if not isinstance(record, dict) or record.get("dir") != os.path.abspath(run_dir):
        return ""
    found = record.get("run_id")
    return found if isinstance(found, str) and _VALID.match(found) else ""


def ensure_run_id(run_dir: str) -> str:
    """The id of the run in ``run_dir``; a new one is written there when it has none."""
    found = read_run_id(run_dir)
    if found:
        return found
    os.makedirs(run_dir, exist_ok=True)
    new = uuid.uuid4().hex[:12]
    path = os.path.join(run_dir, RUN_ID_FILE)
    tmp = f"{path}.tmp-{new}"
    with open(tmp, "w") as f:
        json.dump({"run_id": new, "dir": os.path.abspath(run_dir)}, f)
    os.replace(tmp, path)
    return new


def actor_prefix(run_name: str, run_id: str) -> str:
    """The prefix of every named actor of the run ``run_name`` with id ``run_id``."""
    return f"distgnn/{run_name}-{run_id}/" if run_id else f"distgnn/{run_name}/"
