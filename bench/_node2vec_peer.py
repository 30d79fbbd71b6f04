"""Peer side of bench/node2vec.py: PecanPy walks + gensim skip-gram, run in the peer's own venv.

    <peer-venv>/bin/python bench/_node2vec_peer.py SPEC.json

SPEC names the CSR (.npz in PecanPy's format), the walk and skip-gram settings
and an output folder; this writes the embedding after each epoch
(``epoch_<k>.npy``, rows in node order) and ``result.json`` with the wall time
at the end of each epoch (time spent saving excluded) and gensim's counts.
Only numpy, pecanpy and gensim are imported here.
"""
import json
import os
import sys
import time

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from pecanpy import pecanpy


class _Snapshots(CallbackAny2Vec):
    def __init__(self, out: str, t0: float, order_of):
        self.out, self.t0, self.order_of = out, t0, order_of
        self.epoch, self.times, self.paused = 0, [], 0.0

    def on_epoch_end(self, model):
        now = time.perf_counter()
        self.times.append(now - self.t0 - self.paused)
        np.save(os.path.join(self.out, f"epoch_{self.epoch}.npy"), model.wv.vectors[self.order_of(model)])
        self.epoch += 1
        self.paused += time.perf_counter() - now


def main(spec_path: str) -> None:
    with open(spec_path) as f:
        spec = json.load(f)
    out = spec["out"]
    t0 = time.perf_counter()
    kind = pecanpy.FirstOrderUnweighted if spec["p"] == spec["q"] == 1 else pecanpy.SparseOTF
    g = kind(p=spec["p"], q=spec["q"], workers=spec["workers"], random_state=spec["seed"])
    g.read_npz(spec["csr"], weighted=False, implicit_ids=True)
    t_read = time.perf_counter() - t0
    walks = g.simulate_walks(spec["walks_per_node"], spec["walk_length"])
    t_walks = time.perf_counter() - t0 - t_read
    if spec.get("max_walks"):  # walks of one node (from isolated nodes) have no pairs
        walks = [w for w in walks if len(w) > 1][:spec["max_walks"]]
    nodes = list(g.nodes)

    def order_of(model):
        return np.array([model.wv.key_to_index[k] for k in nodes])

    snaps = _Snapshots(out, t0, order_of)
    model = Word2Vec(vector_size=spec["dim"], window=spec["window"], min_count=0, sg=1,
                     workers=spec["workers"], seed=spec["seed"], sample=spec["sample"],
                     negative=spec["negative"])
    tv = time.perf_counter()
    model.build_vocab(walks)
    t_vocab = time.perf_counter() - tv
    tt = time.perf_counter()
    effective, raw = model.train(walks, total_examples=len(walks), epochs=spec["epochs"],
                                 callbacks=[snaps] if spec.get("snapshots", True) else [])
    t_train = time.perf_counter() - tt - snaps.paused
    json.dump({"epoch_times": snaps.times, "read_s": t_read, "walk_s": t_walks, "vocab_s": t_vocab,
               "train_s": t_train, "effective_words": effective, "raw_words": raw,
               "sentences": len(walks),
               "length_counts": np.bincount([len(w) for w in walks]).tolist()}, open(os.path.join(out, "result.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1])
