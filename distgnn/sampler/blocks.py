"""Layer-wise neighbour sampling into bipartite blocks over any :class:`ShardClient`."""
from typing import List, Sequence, Tuple

import numpy as np
import torch

from .batch import Block
from .client import ShardClient
from .neighbor import clear_slots, fill_slots, relabel

__all__ = ["sample_blocks"]


def sample_blocks(client: ShardClient, seeds: np.ndarray, fanouts: Sequence[int], replace: bool,
                  seed: int, slot: np.ndarray, edge_ids: bool = True) -> Tuple[np.ndarray, List[Block]]:
    """Sample ``len(fanouts)`` hops around distinct ``seeds``.

    Hop ``l`` draws ``fanouts[l]`` in-neighbours of every node gathered so far
    (the targets) and appends the new ones; the block of hop ``l`` maps the
    enlarged list onto the targets. ``slot`` is an int64[num_nodes] scratch
    map filled with -1 (left so on return). Returns ``(n_id, blocks)``, blocks
    from the outermost hop inwards; their ``e_id`` is None unless ``edge_ids``
    (then the servers do not gather or send them).
    """
    n = seeds.shape[0]
    n_id = seeds.copy()
    fill_slots(n_id, n, slot)
    blocks = []
    try:
        for hop, fanout in enumerate(fanouts):
            counts, nbr, eid = client.sample(n_id[:n], int(fanout), replace, seed, hop, edge_ids)
            buf = np.empty(n + nbr.shape[0], np.int64)
            buf[:n] = n_id[:n]
            n_new, src = relabel(buf, n, nbr, slot)
            dst = np.repeat(np.arange(n, dtype=np.int64), counts)
            edge_index = torch.from_numpy(np.stack([src, dst]))
            e_id = None if eid is None else torch.from_numpy(eid)
            blocks.append(Block(edge_index, e_id, (int(n_new), int(n))))
            n_id, n = buf, n_new
    except BaseException:
        slot.fill(-1)
        raise
    clear_slots(n_id, n, slot)
    return n_id[:n].copy(), blocks[::-1]
