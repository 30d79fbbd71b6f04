"""``MessagePassing.jittable()``: generate a TorchScript-friendly subclass.

The generated class replaces the ``**kwargs`` ``propagate`` by one with explicit,
typed arguments (from the layer's ``propagate_type`` dict, or inferred from the
annotations of ``message``/``aggregate``/``update``), with one branch for an
``edge_index`` tensor and one for a ``SparseTensor``. The source is written to a
temporary module so that ``torch.jit.script`` can read it.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import re
import sys
import tempfile
import textwrap
import uuid
from typing import Dict, List, Optional, Tuple

from ...typing import WITH_TORCH_SPARSE
from .message_args import SPARSE_VALUE_ARGS, SPECIAL_ARGS

__all__ = ["make_jittable", "propagate_types"]

PAIR_TYPES = ("PairTensor", "OptPairTensor", "PairOptTensor")


def _annotation_str(param: inspect.Parameter) -> str:
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        return "Tensor"
    if isinstance(ann, str):
        return ann
    return inspect.formatannotation(ann)


_COMMENT = re.compile(r"#\s*propagate_type:\s*\((.*)\)\s*$", re.MULTILINE)


def _split_top_level(text: str) -> List[str]:
    """``text`` split at the commas outside brackets, each part stripped."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _comment_types(cls) -> Optional[Dict[str, str]]:
    """The types of a ``# propagate_type: (x: Tensor, edge_weight: OptTensor)`` comment
    in ``cls.forward`` (the form torch_geometric 1.7 reads), if there is one."""
    try:
        source = inspect.getsource(cls.forward)
    except (OSError, TypeError):
        return None
    match = _COMMENT.search(source)
    if match is None:
        return None
    out: Dict[str, str] = {}
    for part in _split_top_level(match.group(1)):
        name, sep, type_str = part.partition(":")
        if not sep or not name.strip().isidentifier() or not type_str.strip():
            raise ValueError(f"jittable: {cls.__name__}.forward has a propagate_type "
                             f"comment entry {part!r}; expected 'name: Type'")
        out[name.strip()] = type_str.strip()
    return out


def propagate_types(module) -> Dict[str, str]:
    """Name -> type string of every argument ``propagate`` takes for ``module``: the
    ``propagate_type`` class attribute, else a ``# propagate_type: (...)`` comment in
    ``forward``, else the annotations of ``message``/``aggregate``/``update``."""
    declared = getattr(module, "propagate_type", None)
    if declared:
        return {k: v if isinstance(v, str) else inspect.formatannotation(v)
                for k, v in declared.items()}
    commented = _comment_types(type(module))
    if commented is not None:
        return commented
    names = ["message", "aggregate", "update"]
    if module.fuse:
        names.append("message_and_aggregate")
    out: Dict[str, str] = {}
    for fname in names:
        for name, param in module.inspector.params[fname].items():
            if name in SPECIAL_ARGS:
                continue
            base = name[:-2] if name[-2:] in ("_i", "_j") else name
            out.setdefault(base, _annotation_str(param))
    return out


def _is_pair(type_str: str) -> bool:
    return type_str.replace(" ", "").startswith(("Tuple[",) + PAIR_TYPES)


def _is_optional(type_str: str) -> bool:
    s = type_str.replace(" ", "")
    return s.startswith("Optional[") or s in ("OptTensor", "NoneType")


def _size_code(types: Dict[str, str], lifted: Dict[str, set]) -> List[str]:
    lines = []
    for base, sides in lifted.items():
        if _is_pair(types[base]):
            for pos, var in ((0, "_size_j"), (1, "_size_i")):
                lines += [f"_t = {base}[{pos}]",
                          f"if _t is not None and {var} is None:",
                          f"    {var} = _t.size(self.node_dim)"]
        else:
            for side in sides:
                var = "_size_j" if side == "_j" else "_size_i"
                prefix = f"if {base} is not None and {var} is None:" \
                    if _is_optional(types[base]) else f"if {var} is None:"
                lines += [prefix, f"    {var} = {base}.size(self.node_dim)"]
    return lines


def _element_optional(type_str: str, pos: Optional[int]) -> bool:
    s = type_str.replace(" ", "")
    if pos is None:
        return _is_optional(s)
    if s == "OptPairTensor":
        return pos == 1
    if s == "PairOptTensor":
        return True
    if s.startswith("Tuple["):
        inner, depth, parts, cur = s[6:-1], 0, [], ""
        for ch in inner:
            depth += ch == "["
            depth -= ch == "]"
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        return _is_optional(parts[pos]) if pos < len(parts) else False
    return False


def _wants_optional(module, name: str) -> bool:
    for fname in ("message", "message_and_aggregate", "aggregate", "update"):
        param = module.inspector.params.get(fname, {}).get(name)
        if param is not None:
            return _is_optional(_annotation_str(param))
    return False


def _refine_code(module, types: Dict[str, str], lifted: Dict[str, set], fnames: List[str],
                 sparse: bool) -> List[str]:
    """Checks that refine an optional ``propagate`` argument to the non-optional type a
    function of ``fnames`` declares for it (an error naming both when it is None)."""
    lines = []
    for name, type_str in types.items():
        if name in lifted or _is_pair(type_str) or not _is_optional(type_str):
            continue
        for fname in fnames:
            param = module.inspector.params.get(fname, {}).get(name)
            if param is None or _is_optional(_annotation_str(param)):
                continue
            var = f"_{name}" if sparse and name in SPARSE_VALUE_ARGS else name
            lines += [f"if {var} is None:",
                      f"    raise ValueError('{type(module).__name__}.{fname} takes {name} as "
                      f"{_annotation_str(param).replace('torch.', '')}, got None')"]
            break
    return lines


def _lift_code(module, types: Dict[str, str], lifted: Dict[str, set]) -> List[str]:
    lines = []
    for base, sides in lifted.items():
        for side in sorted(sides):
            index = "_index_j" if side == "_j" else "_index_i"
            pos = (0 if side == "_j" else 1) if _is_pair(types[base]) else None
            src = base if pos is None else f"{base}[{pos}]"
            name = base + side
            if not _element_optional(types[base], pos):
                lines.append(f"{name} = {src}.index_select(self.node_dim, {index})")
            elif _wants_optional(module, name):
                lines += [f"{name}: Optional[Tensor] = None", f"_t = {src}",
                          "if _t is not None:",
                          f"    {name} = _t.index_select(self.node_dim, {index})"]
            else:
                lines.append(f"{name} = torch.jit._unwrap_optional({src})"
                             f".index_select(self.node_dim, {index})")
    return lines


def _call(fname: str, module, first: Optional[str], types: Dict[str, str],
          sparse: bool) -> str:
    args = [first] if first else []
    for name in module.inspector.params[fname]:
        value = _special_value(name, sparse)
        if value is None:
            if name[-2:] in ("_i", "_j") and name[:-2] in types:
                value = name
            elif name in types:
                value = f"_{name}" if sparse and name in SPARSE_VALUE_ARGS else name
            else:
                continue  # not provided: the function's default applies
        args.append(f"{name}={value}")
    return f"self.{fname}({', '.join(args)})"


def _special_value(name: str, sparse: bool) -> Optional[str]:
    table = {
        "edge_index_i": "_index_i", "edge_index_j": "_index_j", "index": "_index_i",
        "ptr": "_ptr" if sparse else "None", "size_i": "_size_i_final",
        "size_j": "_size_j_final", "dim_size": "_size_i_final",
        "edge_index": "None" if sparse else "edge_index",
        "adj_t": "edge_index" if sparse else "None", "size": "size",
    }
    return table.get(name)


def _branch(module, types, lifted, sparse: bool) -> List[str]:
    i, j = (1, 0) if module.flow == "source_to_target" else (0, 1)
    if sparse:
        lines = ["_index_i = edge_index.storage.row()",
                 "_index_j = edge_index.storage.col()",
                 "_ptr = edge_index.storage.rowptr()",
                 "_value = edge_index.storage.value()",
                 "_size_j = edge_index.sparse_size(1)",
                 "_size_i = edge_index.sparse_size(0)"]
        for name in SPARSE_VALUE_ARGS:
            if name in types:
                if _is_optional(types[name]):
                    lines += [f"_{name} = {name}", f"if _{name} is None:",
                              f"    _{name} = _value"]
                else:
                    lines.append(f"_{name} = {name}")
    else:
        lines = [f"_index_i = edge_index[{i}]", f"_index_j = edge_index[{j}]"]
    lines += _size_code(types, lifted)
    lines += ["_size_i_final: Optional[int] = _size_i if _size_i is not None else _size_j",
              "_size_j_final: Optional[int] = _size_j if _size_j is not None else _size_i"]
    fused = sparse and module.fuse
    called = ["message_and_aggregate", "update"] if fused else ["message", "aggregate", "update"]
    lines += _refine_code(module, types, lifted, called, sparse)
    if fused:
        lines.append("out = " + _call("message_and_aggregate", module, "edge_index",
                                      types, sparse))
    else:
        lines += _lift_code(module, types, lifted)
        lines.append("out = " + _call("message", module, None, types, sparse))
        lines.append("out = " + _call("aggregate", module, "out", types, sparse))
    lines.append("return " + _call("update", module, "out", types, sparse))
    return lines


def _propagate_source(module, types: Dict[str, str]) -> str:
    lifted: Dict[str, set] = {}
    names = ["message"] if not module.fuse else ["message", "message_and_aggregate"]
    for fname in names + ["aggregate", "update"]:
        for name in module.inspector.params[fname]:
            if name[-2:] in ("_i", "_j") and name[:-2] in types:
                lifted.setdefault(name[:-2], set()).add(name[-2:])
    params = ", ".join(f"{k}: {v}" for k, v in types.items())
    adj = "Union[Tensor, SparseTensor]" if WITH_TORCH_SPARSE else "Tensor"
    head = (f"def propagate(self, edge_index: {adj}, {params + ', ' if params else ''}"
            f"size: Optional[Tuple[int, int]] = None) -> Tensor:")
    body = ["_size_j: Optional[int] = None", "_size_i: Optional[int] = None",
            "if size is not None:", "    _size_j = size[0]", "    _size_i = size[1]",
            "if isinstance(edge_index, Tensor):"]
    body += ["    " + line for line in _branch(module, types, lifted, sparse=False)]
    if WITH_TORCH_SPARSE:
        body += ["else:"] + ["    " + line for line in _branch(module, types, lifted, True)]
    return head + "\n" + textwrap.indent("\n".join(body), "    ")


def _split_types(spec: str) -> Tuple[List[str], str]:
    match = re.fullmatch(r"\s*\((.*)\)\s*->\s*(.+?)\s*", spec)
    if match is None:
        raise ValueError(f"jittable: typing must look like '(Tensor, OptTensor) -> Tensor', "
                         f"got {spec!r}")
    return _split_top_level(match.group(1)), match.group(2)


def _forward_source(cls, typing: str) -> str:
    arg_types, ret = _split_types(typing)
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.forward)))
    fn = tree.body[0]
    fn.decorator_list = []
    params = fn.args.args[1:]
    if len(arg_types) != len(params):
        raise ValueError(f"jittable: typing names {len(arg_types)} argument types but "
                         f"{cls.__name__}.forward takes {len(params)} arguments")
    for param, type_str in zip(params, arg_types):
        param.annotation = ast.parse(type_str, mode="eval").body
    fn.returns = ast.parse(ret, mode="eval").body
    return ast.unparse(fn)


def make_jittable(module, typing: Optional[str] = None):
    """A copy of ``module`` (sharing its parameters) with a scriptable class."""
    cls = type(module)
    types = propagate_types(module)
    name = f"{cls.__name__}Jittable_{uuid.uuid4().hex[:8]}"
    methods = [_propagate_source(module, types)]
    if typing is not None:
        methods.append(_forward_source(cls, typing))
    source = "\n".join([
        "from typing import *",
        "import torch",
        "from torch import Tensor",
        "from distgnn.typing import *",
        "import importlib as _importlib",
        f"_orig = _importlib.import_module({cls.__module__!r})",
        "globals().update({k: v for k, v in vars(_orig).items() "
        "if not k.startswith('__')})",
        f"_Base = getattr(_orig, {cls.__qualname__!r})" if "." not in cls.__qualname__
        else f"_Base = _BASE_CLASS",
        "",
        f"class {name}(_Base):",
        textwrap.indent("\n\n".join(methods), "    "),
        "",
    ])
    folder = os.path.join(tempfile.gettempdir(), "distgnn_jit")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.py")
    with open(path, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    mod.__dict__["_BASE_CLASS"] = cls
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    new_cls = getattr(mod, name)
    out = new_cls.__new__(new_cls)
    out.__dict__ = module.__dict__.copy()
    flags = getattr(module, "_jit_flags", None)  # marks for the branches its script takes
    if flags is not None:
        out.__dict__.update(flags())
    return out
