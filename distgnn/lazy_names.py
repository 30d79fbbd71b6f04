"""Names of a package imported from their submodules when first used (PEP 562)."""
from importlib import import_module
from typing import Any, Callable, Dict, List, Tuple

__all__ = ["lazy_names"]


def lazy_names(package: str, where: Dict[str, str],
               namespace: Dict[str, Any]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: name ``n`` comes from submodule
    ``where[n]`` on first use and is kept in ``namespace`` (the package's globals)."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{where[name]}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
