"""``distgnn inspect STORE``: print a partition store's metadata, part sizes, cut and balance."""
from __future__ import annotations

import argparse
import json

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser("inspect", help="print a partition store's metadata and part sizes",
                              description="Print the metadata, part sizes, edge cut and balance of STORE.")
    p.add_argument("store", metavar="STORE")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON only")
    p.add_argument("--verify", action="store_true",
                   help="read every chunk and check its crc32c checksum; exit 1 when damaged")
    p.set_defaults(func=_run)


def _verify(path: str) -> int:
    from distgnn.partition.verify import verify_store

    report = verify_store(path)
    for problem in report.problems:
        print(f"DAMAGED  {problem}")
    state = "ok" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"verify       {report.arrays} arrays, {report.chunks} chunks, "
          f"{report.bytes / 1e6:.1f} MB read: {state}")
    return 0 if report.ok else 1


def _run(args: argparse.Namespace) -> int:
    from distgnn.partition import open_store

    if args.verify:
        return _verify(args.store)
    s = open_store(args.store)
    m = s.meta
    if args.json:
        print(json.dumps(m, indent=2, sort_keys=True))
        return 0
    print(f"store        {s.path}")
    for key in ("format_version", "num_nodes", "num_edges", "num_parts", "method", "seed"):
        print(f"{key:<12} {m[key]}")
    print(f"edge_cut     {m['edge_cut']} ({100 * m['edge_cut_fraction']:.2f}% of edges)")
    cons = m.get("balance_constraints", ["nodes"])
    print("balance      " + ", ".join(f"{c} {b:.3f}" for c, b in zip(cons, m["balance_all"])))
    sch = m["schema"]
    print(f"features     {s.num_features}   classes {s.num_classes}   masks {', '.join(sch['masks']) or '-'}")
    pw = s.part_weights
    print(f"{'part':>5} {'nodes':>10} {'edges':>12} {'halo':>10}" + (f" {'train':>8}" if pw.shape[1] > 2 else ""))
    for p in range(s.num_parts):
        halo = s.part(p).shape("halo_ids")[0]
        row = f"{p:>5} {pw[p, 0]:>10} {pw[p, 1]:>12} {halo:>10}"
        print(row + (f" {pw[p, 2]:>8}" if pw.shape[1] > 2 else ""))
    return 0
