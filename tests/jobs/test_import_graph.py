"""The import graph runs library -> distributed -> config/jobs -> commands, nothing back up.

Every ``import`` statement is read (also those inside functions), so a lazy import
that runs back up is found too.
"""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "distgnn"

# floor of each top-level module; a module may import only from its floor or below
FLOORS = {"distributed": 1, "config": 2, "jobs": 2, "commands": 3, "cli": 3, "demo": 3}
LIBRARY = 0


def _floor(module: str) -> int:
    parts = module.split(".")
    return FLOORS.get(parts[1], LIBRARY) if len(parts) > 1 else LIBRARY


def _imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    module = "distgnn." + ".".join(path.relative_to(PKG).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                names = [".".join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            if name == "distgnn" or name.startswith("distgnn."):
                yield module, name


def _edges():
    for path in sorted(PKG.rglob("*.py")):
        yield from _imports(path)


def test_nothing_imports_back_up():
    upward = [(src, dst) for src, dst in _edges() if _floor(dst) > _floor(src)]
    assert upward == []


@pytest.mark.parametrize("gone", ["distgnn.distributed.node2vec_job", "distgnn.distributed.remote",
                                  "distgnn.jobs.ingest"])
def test_second_copies_are_gone(gone):
    assert not (PKG.parent / (gone.replace(".", "/") + ".py")).exists()
    assert all(dst != gone for _, dst in _edges())


def _module_edges():
    """Module -> module imports inside distgnn; imports of a package's ``__init__`` left out
    (a submodule naming its package is how a package exports, not a circle)."""
    files = {p: "distgnn." + ".".join(p.relative_to(PKG).with_suffix("").parts) for p in PKG.rglob("*.py")}
    modules = {m.removesuffix(".__init__") for m in files.values()}
    packages = {m.removesuffix(".__init__") for m in files.values() if m.endswith(".__init__")}
    for src, dst in _edges():
        src = src.removesuffix(".__init__")
        while dst not in modules and "." in dst:  # `from pkg.mod import name`
            dst = dst.rsplit(".", 1)[0]
        if dst != src and dst in modules and dst not in packages and src not in packages:
            yield src, dst


def test_no_import_circles_between_modules():
    graph = {}
    for src, dst in _module_edges():
        graph.setdefault(src, set()).add(dst)
    state, circles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert circles == []


def _private_store_access(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("distgnn.partition._"):
            yield f"{path.name}:{node.lineno} imports {node.module}"
        elif isinstance(node, ast.Import):
            yield from (f"{path.name}:{node.lineno} imports {a.name}" for a in node.names
                        if a.name.startswith("distgnn.partition._"))
        elif isinstance(node, ast.Attribute) and node.attr in ("_g", "_root") and not (
                isinstance(node.value, ast.Name) and node.value.id == "self"):
            yield f"{path.name}:{node.lineno} reads .{node.attr}"


def test_the_store_is_read_through_its_interface_outside_partition():
    """inspect, cluster batches, export, the spool and the benches use PartShard/PartitionStore
    (read, blocks, read_book, ...), never the Zarr groups behind them."""
    outside = [p for p in sorted(PKG.rglob("*.py")) if "partition" not in p.relative_to(PKG).parts[:1]]
    outside += sorted((PKG.parent / "bench").glob("*.py"))
    found = [hit for p in outside for hit in _private_store_access(p)]
    assert found == []


def test_one_epoch_loop():
    """Only the epoch driver walks a Schedule (epochs, steps, checkpoints); a job supplies
    its steps and its evaluation (distgnn.jobs.epochs.ReplicaJob)."""
    owners = {PKG / "jobs" / "epochs.py", PKG / "jobs" / "schedule.py"}
    loops = []
    for path in sorted(PKG.rglob("*.py")):
        if path in owners:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if name in ("Schedule", "after_step", "checkpoint_due", "start_epoch"):
                    loops.append(f"{path.relative_to(PKG)}:{node.lineno} {name}()")
    assert loops == []
