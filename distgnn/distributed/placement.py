"""Where a job's actors run: the placement of the replicas over a Ray cluster's nodes, and the record of it.

``scaling.placement``: ``"spread"`` puts the replicas on as many nodes as there are
(Ray's SPREAD), ``"pack"`` on as few as possible (PACK), ``"auto"`` spreads on a
cluster of several nodes and packs on one. Shard servers and embedding servers are
always spread, preferring one per node in turn (:func:`distgnn.remote.spread_strategy`).
Each actor tells its node (:func:`node_id`); rank 0 writes the replicas' nodes to
``<run.dir>/placement.json`` (:func:`record_replicas`) and the job's summary adds the
servers'.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

from distgnn.remote import node_id

__all__ = ["PLACEMENTS", "alive_nodes", "lost_replica_nodes", "ray_strategy", "record_replicas",
           "read_placement", "PLACEMENT_FILE"]

PLACEMENTS = ("auto", "spread", "pack")
PLACEMENT_FILE = "placement.json"


def alive_nodes() -> int:
    """Nodes of the Ray cluster this process is connected to that are alive."""
    import ray

    return sum(1 for n in ray.nodes() if n.get("Alive"))


def ray_strategy(placement: str, num_nodes: int) -> str:
    """Ray Train's ``placement_strategy`` for ``placement`` on a cluster of ``num_nodes`` nodes."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}")
    if placement == "auto":
        placement = "spread" if num_nodes > 1 else "pack"
    return placement.upper()


def record_replicas(run_dir: str, rank: int, world_size: int, strategy: str) -> Optional[List[str]]:
    """Gather every replica's node (a collective: every rank calls it); rank 0 writes them, by rank, with
    the strategy to ``run_dir/placement.json`` and returns them."""
    import torch.distributed as dist

    mine = node_id()
    nodes: List[str] = [mine] * world_size
    if world_size > 1 and dist.is_available() and dist.is_initialized():
        gathered: List[Optional[str]] = [None] * world_size
        dist.all_gather_object(gathered, mine)
        nodes = [str(n) for n in gathered]
    if rank != 0:
        return None
    tmp = os.path.join(run_dir, PLACEMENT_FILE + ".tmp")
    with open(tmp, "w") as fh:
        json.dump({"strategy": strategy, "replicas": nodes}, fh)
    os.replace(tmp, os.path.join(run_dir, PLACEMENT_FILE))
    return nodes


def read_placement(run_dir: str, **servers: List[str]) -> Dict[str, object]:
    """The replicas' record in ``run_dir`` (if any) with the nodes of ``servers`` (name -> nodes), and the
    number of distinct nodes they used."""
    path = os.path.join(run_dir, PLACEMENT_FILE)
    out: Dict[str, object] = {}
    if os.path.exists(path):
        with open(path) as fh:
            out.update(json.load(fh))
    out.update({name: list(nodes) for name, nodes in servers.items() if nodes})
    used = {n for key, v in out.items() if key != "strategy" for n in v}
    out["nodes"] = len(used)
    return out


def lost_replica_nodes(run_dir: str) -> List[str]:
    """``"replica R on node ID (IP)"`` for each replica of ``run_dir``'s record whose Ray node
    is no longer alive (empty without a record or without Ray)."""
    import ray

    replicas = read_placement(run_dir).get("replicas") or []
    if not replicas or not ray.is_initialized():
        return []
    nodes = {n["NodeID"]: n for n in ray.nodes()}
    out = []
    for rank, node in enumerate(replicas):
        info = nodes.get(node)
        if info is None or not info.get("Alive"):
            ip = (info or {}).get("NodeManagerAddress", "?")
            out.append(f"replica {rank} on node {node[:12]} ({ip})")
    return out
