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
