"""Bounded, static evaluation of Terraform expressions.

Only what can be known from the files is evaluated: literals, variables (defaults, tfvars,
--param), locals, string templates, a set of pure functions, conditionals and for expressions over
known values. A reference to a resource becomes a ``ref:`` string (see
:func:`faasguard.model.reference`); anything else becomes :class:`Unknown`, never a guess.
A :class:`Trace` records where a value came from (variables, references, secret stores).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard._located import LDict, LList
from faasguard.inventory import _hcl
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._read import read_text
from faasguard.model import REF_PREFIX, Location, ValueOrigin

MAX_ITEMS = 10_000  # elements a function or for expression may produce
MAX_TEXT = 1_000_000  # characters of a produced string
MAX_FILE = 1_000_000  # bytes file()/templatefile() read
MAX_INSTANCES = 256  # count / for_each expansion limit per block
MAX_MODULE_DEPTH = 12
_TF_NATIVE_BLOCKS = frozenset(
    {"terraform", "provider", "moved", "import", "check", "removed", "ephemeral", "run"}
)
_LOCAL_SOURCE = re.compile(r"""^\s*source\s*=\s*"(\.{1,2}/[^"]*)\"""", re.MULTILINE)
_SKIPPED_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__"})

# data sources / resources whose attribute is the secret itself, by attribute
SECRET_SOURCES: dict[str, tuple[ValueOrigin, frozenset[str]]] = {
    "aws_ssm_parameter": (ValueOrigin.SSM, frozenset({"value", "insecure_value"})),
    "aws_secretsmanager_secret_version": (
        ValueOrigin.SECRETS_MANAGER,
        frozenset({"secret_string", "secret_binary"}),
    ),
    "azurerm_key_vault_secret": (ValueOrigin.KEY_VAULT, frozenset({"value"})),
    "google_secret_manager_secret_version": (ValueOrigin.GCP_SECRET, frozenset({"secret_data"})),
    "google_secret_manager_secret_version_access": (
        ValueOrigin.GCP_SECRET,
        frozenset({"secret_data"}),
    ),
}


class Unknown:
    """A value that cannot be known statically; ``text`` is the best rendering of it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Unknown({self.text!r})"


@dataclass
class Trace:
    """Where an evaluated value came from."""

    params: bool = False
    refs: list[str] = field(default_factory=list)  # addresses of referenced resources
    secret: ValueOrigin | None = None
    unknown: list[str] = field(default_factory=list)  # expressions that could not be resolved

    def merge(self, other: Trace) -> None:
        self.params = self.params or other.params
        for ref in other.refs:
            if ref not in self.refs:
                self.refs.append(ref)
        self.secret = self.secret or other.secret
        for text in other.unknown:
            if text not in self.unknown:
                self.unknown.append(text)

    def origin(self) -> ValueOrigin:
        if self.unknown:
            return ValueOrigin.UNRESOLVED
        if self.secret is not None:
            return self.secret
        if self.refs:
            return ValueOrigin.REFERENCE
        if self.params:
            return ValueOrigin.PARAMETER
        return ValueOrigin.LITERAL


@dataclass(eq=False)
class Module:
    """One instance of a Terraform module: its declarations and the values bound to it."""

    prefix: str  # "" for the root, "module.x." for a child
    directory: Path
    root_dir: Path  # the root module's directory: Terraform's working directory
    variables: dict[str, _hcl.Block] = field(default_factory=dict)
    inputs: dict[str, tuple[Any, Trace, Location | None]] = field(default_factory=dict)
    locals: dict[str, _hcl.Attribute] = field(default_factory=dict)
    outputs: dict[str, _hcl.Attribute] = field(default_factory=dict)
    resources: dict[str, _hcl.Block] = field(default_factory=dict)  # "type.name"
    data: dict[str, _hcl.Block] = field(default_factory=dict)  # "type.name"
    calls: dict[str, _hcl.Block] = field(default_factory=dict)  # module blocks by name
    children: dict[str, Module | None] = field(default_factory=dict)
    child_loader: Callable[[Module, str], Module | None] | None = None
    cache: dict[tuple[str, str], tuple[Any, Trace]] = field(default_factory=dict)
    active: set[tuple[str, str]] = field(default_factory=set)
    conditional: bool = False  # count/for_each of the module call not statically known

    def child(self, name: str) -> Module | None:
        if name not in self.children:
            self.children[name] = None  # recursion guard while loading
            if self.child_loader is not None and name in self.calls:
                self.children[name] = self.child_loader(self, name)
        return self.children[name]


def is_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(REF_PREFIX)


def ref_target(value: str) -> str:
    return value[len(REF_PREFIX) :]


def contains_unknown(value: Any, depth: int = 0) -> bool:
    if isinstance(value, Unknown):
        return True
    if depth > 50:
        return False
    if isinstance(value, dict):
        return any(contains_unknown(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v, depth + 1) for v in value)
    return False


def text_of(value: Any) -> str | None:
    """A scalar as text (Unknown -> its rendering); None for null and collections."""
    if isinstance(value, Unknown):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return _num_text(value) if not isinstance(value, str) else value
    return None


def _num_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain(value: Any) -> Any:
    """Drop location wrappers and Unknowns (rendered as text)."""
    if isinstance(value, Unknown):
        return value.text
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


_MISSING = object()


class _Fail(Exception):
    """A function or operator that cannot produce a value statically."""


KnownAttr = Callable[["Evaluator", str, str, str | int | None, str, Trace], Any]


class Evaluator:
    """Evaluates expressions in one module, with optional bindings (count, each, for vars)."""

    def __init__(
        self,
        module: Module,
        bindings: dict[str, Any] | None = None,
        known_attr: KnownAttr | None = None,
    ) -> None:
        self.module = module
        self.bindings = bindings or {}
        self.known_attr = known_attr

    def with_bindings(self, extra: dict[str, Any]) -> Evaluator:
        return Evaluator(self.module, {**self.bindings, **extra}, self.known_attr)

    # -- entry points ----------------------------------------------------------------------

    def eval(self, expr: _hcl.Expr | None, trace: Trace | None = None) -> Any:
        if expr is None:
            return None
        trace = trace if trace is not None else Trace()
        try:
            return self._eval(expr, trace)
        except RecursionError:
            trace.unknown.append(expr.text)
            return Unknown(expr.text)

    # -- dispatch --------------------------------------------------------------------------

    def _eval(self, expr: _hcl.Expr, trace: Trace) -> Any:
        method = getattr(self, "_e_" + type(expr).__name__)
        return method(expr, trace)

    def _unknown(self, expr: _hcl.Expr, trace: Trace, text: str | None = None) -> Unknown:
        rendered = text if text is not None else expr.text
        if rendered not in trace.unknown:
            trace.unknown.append(rendered)
        return Unknown(rendered)

    def _e_Literal(self, expr: _hcl.Literal, trace: Trace) -> Any:
        return expr.value

    def _e_Template(self, expr: _hcl.Template, trace: Trace) -> Any:
        if expr.directives:
            return self._unknown(expr, trace)
        if len(expr.parts) == 1 and not isinstance(expr.parts[0], str):
            return self._eval(expr.parts[0], trace)  # "${x}" keeps x's type
        pieces: list[str] = []
        unknown = False
        for part in expr.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = self._eval(part, trace)
            if isinstance(value, Unknown):
                unknown = True
                pieces.append("${" + value.text + "}")
                continue
            text = text_of(value)
            if text is None:
                if value is None:
                    unknown = True
                    pieces.append("${" + part.text + "}")
                    continue
                return self._unknown(expr, trace)
            pieces.append(text)
        joined = "".join(pieces)
        if len(joined) > MAX_TEXT:
            return self._unknown(expr, trace)
        return Unknown(joined) if unknown else joined

    def _e_TupleExpr(self, expr: _hcl.TupleExpr, trace: Trace) -> Any:
        out = LList()
        out.loc = expr.loc
        for item in expr.items:
            out.append(self._eval(item, trace))
            out.item_locs.append(item.loc)
        return out

    def _e_ObjectExpr(self, expr: _hcl.ObjectExpr, trace: Trace) -> Any:
        out = LDict()
        out.loc = expr.loc
        for item in expr.items:
            key = self._eval(item.key, trace)
            if not isinstance(key, str | int | float | bool):
                return self._unknown(expr, trace)
            key = text_of(key)
            out[key] = self._eval(item.value, trace)
            out.key_locs[key] = Location(expr.src.file, item.line, item.column)
        return out

    def _e_Conditional(self, expr: _hcl.Conditional, trace: Trace) -> Any:
        cond = self._eval(expr.cond, trace)  # type: ignore[arg-type]
        if isinstance(cond, bool):
            return self._eval(expr.then if cond else expr.other, trace)  # type: ignore[arg-type]
        return self._unknown(expr, trace)

    def _e_UnaryOp(self, expr: _hcl.UnaryOp, trace: Trace) -> Any:
        value = self._eval(expr.operand, trace)  # type: ignore[arg-type]
        if expr.op == "!" and isinstance(value, bool):
            return not value
        if expr.op == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return -value
        return self._unknown(expr, trace)

    def _e_BinOp(self, expr: _hcl.BinOp, trace: Trace) -> Any:
        left = self._eval(expr.left, trace)  # type: ignore[arg-type]
        if (expr.op == "&&" and left is False) or (expr.op == "||" and left is True):
            return left
        right = self._eval(expr.right, trace)  # type: ignore[arg-type]
        if contains_unknown(left) or contains_unknown(right):
            return self._unknown(expr, trace)
        try:
            return _binary(expr.op, left, right)
        except (_Fail, TypeError, ValueError, ZeroDivisionError, OverflowError):
            return self._unknown(expr, trace)

    def _e_ForExpr(self, expr: _hcl.ForExpr, trace: Trace) -> Any:
        collection = self._eval(expr.collection, trace)  # type: ignore[arg-type]
        if isinstance(collection, dict):
            pairs: Iterable[tuple[Any, Any]] = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return self._unknown(expr, trace)
        if len(pairs) > MAX_ITEMS:  # type: ignore[arg-type]
            return self._unknown(expr, trace)
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for key, value in pairs:
            binding = {expr.value_var: value}
            if expr.key_var:
                binding[expr.key_var] = key
            inner = self.with_bindings(binding)
            if expr.cond is not None:
                keep = inner._eval(expr.cond, trace)
                if not isinstance(keep, bool):
                    return self._unknown(expr, trace)
                if not keep:
                    continue
            item = inner._eval(expr.value, trace)  # type: ignore[arg-type]
            if expr.key is None:
                out_list.append(item)
                continue
            out_key = text_of(inner._eval(expr.key, trace))
            if out_key is None or isinstance(inner._eval(expr.key, Trace()), Unknown):
                return self._unknown(expr, trace)
            if expr.grouping:
                out_map.setdefault(out_key, []).append(item)
            else:
                out_map[out_key] = item
        return out_list if expr.key is None else out_map

    def _e_Call(self, expr: _hcl.Call, trace: Trace) -> Any:
        name = expr.name
        if name in ("try", "can"):
            return self._try(expr, trace)
        if name == "coalesce":
            return self._coalesce(expr, trace)
        if name == "templatefile":
            return self._templatefile(expr, trace)
        impl = FUNCTIONS.get(name)
        args = [self._eval(a, trace) for a in expr.args]
        if expr.expand and args:
            last = args.pop()
            if not isinstance(last, list):
                return self._unknown(expr, trace)
            args.extend(last)
        if impl is None or any(contains_unknown(a) for a in args):
            return self._unknown(expr, trace)
        if name in ("file", "fileexists"):
            args = [self.module.root_dir, *args]
        try:
            return impl(*args)
        except (_Fail, TypeError, ValueError, KeyError, IndexError, OverflowError, OSError):
            return self._unknown(expr, trace)

    def _try(self, expr: _hcl.Call, trace: Trace) -> Any:
        for arg in expr.args:
            sub = Trace()
            value = self._eval(arg, sub)
            if not sub.unknown and not contains_unknown(value):
                trace.merge(sub)
                return True if expr.name == "can" else value
        return self._unknown(expr, trace)

    def _coalesce(self, expr: _hcl.Call, trace: Trace) -> Any:
        for arg in expr.args:
            value = self._eval(arg, trace)
            if contains_unknown(value):
                return self._unknown(expr, trace)
            if value is not None and value != "":
                return value
        return self._unknown(expr, trace)

    def _templatefile(self, expr: _hcl.Call, trace: Trace) -> Any:
        args = [self._eval(a, trace) for a in expr.args]
        if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], dict):
            return self._unknown(expr, trace)
        text = _read_file(self.module.root_dir, args[0])
        if text is None:
            return self._unknown(expr, trace)
        src = _hcl.Source(args[0], text)
        try:
            template = _hcl.parse_template(text, src)
        except _hcl.HclError:
            return self._unknown(expr, trace)
        inner = Evaluator(self.module, dict(args[1]), self.known_attr)
        value = inner._eval(template, trace)
        return self._unknown(expr, trace) if isinstance(value, Unknown) else value

    # -- references ------------------------------------------------------------------------

    def _e_Variable(self, expr: _hcl.Variable, trace: Trace) -> Any:
        return self._traverse(expr, trace)

    def _e_GetAttr(self, expr: _hcl.GetAttr, trace: Trace) -> Any:
        return self._traverse(expr, trace)

    def _e_Index(self, expr: _hcl.Index, trace: Trace) -> Any:
        return self._traverse(expr, trace)

    def _e_Splat(self, expr: _hcl.Splat, trace: Trace) -> Any:
        source = self._eval(expr.source, trace)  # type: ignore[arg-type]
        if is_ref(source):
            return source + "[*]" + "".join(self._step_text(s, trace) for s in expr.steps)
        if source is None:
            return []
        items = source if isinstance(source, list) else [source]
        out: list[Any] = []
        for item in items:
            value = item
            for step in expr.steps:
                value = self._step(value, step, expr, trace)
            out.append(value)
        return out

    def _step_text(self, step: tuple[str, Any], trace: Trace) -> str:
        if step[0] == "attr":
            return "." + step[1]
        key = self._eval(step[1], trace)
        return f"[{json.dumps(key) if isinstance(key, str) else key}]"

    def _traverse(self, expr: _hcl.Expr, trace: Trace) -> Any:
        root, steps = _flatten(expr)
        if not isinstance(root, _hcl.Variable):
            value = self._eval(root, trace)
            for step in steps:
                value = self._step(value, step, expr, trace)
            return value
        name = root.name
        if name in self.bindings:
            value = self.bindings[name]
            rest = steps
        elif name == "var" and steps and steps[0][0] == "attr":
            value = self._variable(steps[0][1], trace, expr)
            rest = steps[1:]
        elif name == "local" and steps and steps[0][0] == "attr":
            value = self._local(steps[0][1], trace, expr)
            rest = steps[1:]
        elif name == "path" and steps and steps[0][0] == "attr":
            value = self._path(steps[0][1])
            if value is None:
                return self._unknown(expr, trace)
            rest = steps[1:]
        elif name == "module" and steps and steps[0][0] == "attr":
            return self._module_ref(steps, expr, trace)
        elif name == "data":
            return self._resource_ref("data.", steps, expr, trace)
        elif name in ("count", "each", "self", "terraform") or "_" not in name:
            return self._unknown(expr, trace)
        else:
            return self._resource_ref("", [("attr", name), *steps], expr, trace)
        for step in rest:
            value = self._step(value, step, expr, trace)
        return value

    def _step(self, value: Any, step: tuple[str, Any], expr: _hcl.Expr, trace: Trace) -> Any:
        if isinstance(value, Unknown):
            return value
        if is_ref(value):
            return value + self._step_text(step, trace)
        kind, arg = step
        if kind == "attr":
            if isinstance(value, dict) and arg in value:
                return value[arg]
            return self._unknown(expr, trace)
        key = self._eval(arg, trace)
        if isinstance(value, list) and isinstance(key, int | float) and not isinstance(key, bool):
            index = int(key)
            if 0 <= index < len(value):
                return value[index]
        elif isinstance(value, dict) and isinstance(key, str | int) and not isinstance(key, bool):
            found = value.get(str(key), _MISSING)
            if found is not _MISSING:
                return found
        return self._unknown(expr, trace)

    def _variable(self, name: str, trace: Trace, expr: _hcl.Expr) -> Any:
        mod = self.module
        if name in mod.inputs:
            value, sub, _ = mod.inputs[name]
            trace.merge(sub)
            return value
        block = mod.variables.get(name)
        if block is None or "default" not in block.body.attributes:
            return self._unknown(expr, trace, f"var.{name}")
        key = ("var", name)
        if key not in mod.cache:
            sub = Trace()
            value = Evaluator(mod, None, self.known_attr).eval(
                block.body.attributes["default"].expr, sub
            )
            sub.params = True
            mod.cache[key] = (value, sub)
        value, sub = mod.cache[key]
        trace.merge(sub)
        return value

    def _local(self, name: str, trace: Trace, expr: _hcl.Expr) -> Any:
        mod = self.module
        attr = mod.locals.get(name)
        if attr is None:
            return self._unknown(expr, trace, f"local.{name}")
        key = ("local", name)
        if key not in mod.cache:
            if key in mod.active:
                return self._unknown(expr, trace, f"local.{name}")
            mod.active.add(key)
            try:
                sub = Trace()
                value = Evaluator(mod, None, self.known_attr).eval(attr.expr, sub)
            finally:
                mod.active.discard(key)
            mod.cache[key] = (value, sub)
        value, sub = mod.cache[key]
        trace.merge(sub)
        return value

    def _path(self, name: str) -> str | None:
        if name == "module":
            return str(self.module.directory)
        if name in ("root", "cwd"):
            return str(self.module.root_dir)
        return None

    def _module_ref(self, steps: list[tuple[str, Any]], expr: _hcl.Expr, trace: Trace) -> Any:
        mod_name = steps[0][1]
        rest = steps[1:]
        while rest and rest[0][0] == "index":  # module.x[0].out: instances share outputs
            rest = rest[1:]
        child = self.module.child(mod_name)
        if child is None or not rest or rest[0][0] != "attr" or rest[0][1] not in child.outputs:
            return self._unknown(expr, trace)
        key = ("output", rest[0][1])
        if key in child.active:
            return self._unknown(expr, trace)
        if key not in child.cache:
            child.active.add(key)
            try:
                sub = Trace()
                value = Evaluator(child, None, self.known_attr).eval(
                    child.outputs[rest[0][1]].expr, sub
                )
            finally:
                child.active.discard(key)
            child.cache[key] = (value, sub)
        value, sub = child.cache[key]
        trace.merge(sub)
        for step in rest[1:]:
            value = self._step(value, step, expr, trace)
        return value

    def _resource_ref(
        self, kind: str, steps: list[tuple[str, Any]], expr: _hcl.Expr, trace: Trace
    ) -> Any:
        if len(steps) < 2 or steps[0][0] != "attr" or steps[1][0] != "attr":
            return self._unknown(expr, trace)
        rtype, rname = steps[0][1], steps[1][1]
        rest = steps[2:]
        index: str | int | None = None
        if rest and rest[0][0] == "index":
            key = self._eval(rest[0][1], trace)
            if not isinstance(key, str | int) or isinstance(key, bool):
                return self._unknown(expr, trace)
            index = key
            rest = rest[1:]
        address = f"{self.module.prefix}{kind}{rtype}.{rname}"
        if index is not None:
            address += f"[{json.dumps(index) if isinstance(index, str) else index}]"
        if address not in trace.refs:
            trace.refs.append(address)
        attr = rest[0][1] if rest and rest[0][0] == "attr" else None
        secret = SECRET_SOURCES.get(rtype)
        if secret is not None and attr in secret[1]:
            trace.secret = trace.secret or secret[0]
        if attr is not None and self.known_attr is not None and not kind:
            known = self.known_attr(self, rtype, rname, index, attr, trace)
            if known is not None:
                value = known
                for step in rest[1:]:
                    value = self._step(value, step, expr, trace)
                return value
        value = REF_PREFIX + address
        for step in rest:
            value = value + self._step_text(step, trace)
        return value


def _flatten(expr: _hcl.Expr) -> tuple[_hcl.Expr, list[tuple[str, Any]]]:
    steps: list[tuple[str, Any]] = []
    node = expr
    while True:
        if isinstance(node, _hcl.GetAttr):
            steps.append(("attr", node.name))
            node = node.source  # type: ignore[assignment]
        elif isinstance(node, _hcl.Index):
            steps.append(("index", node.key))
            node = node.source  # type: ignore[assignment]
        else:
            break
    steps.reverse()
    return node, steps


# ---------------------------------------------------------------------------------------------
# Operators and functions
# ---------------------------------------------------------------------------------------------


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise _Fail
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return float(value)
    raise _Fail


def _binary(op: str, left: Any, right: Any) -> Any:
    if op in ("==", "!="):
        same = _plain_eq(left, right)
        return same if op == "==" else not same
    if op in ("&&", "||"):
        if not isinstance(left, bool) or not isinstance(right, bool):
            raise _Fail
        return (left and right) if op == "&&" else (left or right)
    a, b = _number(left), _number(right)
    result: Any
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "/":
        result = a / b
    elif op == "%":
        result = math.fmod(a, b)
    elif op == "<":
        return a < b
    elif op == ">":
        return a > b
    elif op == "<=":
        return a <= b
    elif op == ">=":
        return a >= b
    else:
        raise _Fail
    if isinstance(result, float) and result.is_integer() and abs(result) < 2**53:
        return int(result)
    return result


def _plain_eq(left: Any, right: Any) -> bool:
    return bool(plain(left) == plain(right))


def _read_file(base: Path, path: str) -> str | None:
    target = Path(path)
    if not target.is_absolute():
        target = base / target
    try:
        if not target.is_file() or target.stat().st_size > MAX_FILE:
            return None
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _file(base: Path, path: str) -> str:
    text = _read_file(base, path)
    if text is None:
        raise _Fail
    return text


def _fileexists(base: Path, path: str) -> bool:
    target = Path(path) if Path(path).is_absolute() else base / path
    return target.is_file()


def _str(value: Any) -> str:
    text = text_of(value)
    if text is None:
        raise _Fail
    return text


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise _Fail


def _join(sep: str, *lists: Any) -> str:
    items = [_str(v) for lst in lists for v in _list(lst)]
    return _str(sep).join(items)


def _merge(*maps: Any) -> dict[str, Any]:
    out = LDict()
    first = True
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise _Fail
        if first and isinstance(m, LDict):
            out.loc = m.loc
            first = False
        for k, v in m.items():
            out[k] = v
            if isinstance(m, LDict) and k in m.key_locs:
                out.key_locs[k] = m.key_locs[k]
    return out


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for lst in lists:
        out.extend(_list(lst))
    if len(out) > MAX_ITEMS:
        raise _Fail
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if not isinstance(m, dict):
        raise _Fail
    if _str(key) in m:
        return m[_str(key)]
    if default:
        return default[0]
    raise _Fail


_FORMAT_VERB = re.compile(r"%(?:%|[-+ #0]*\d*(?:\.\d+)?([svdqtfeg]))")


def _format(fmt: str, *args: Any) -> str:
    values = list(args)

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        if not values:
            raise _Fail
        value = values.pop(0)
        verb = match.group(1)
        if verb == "q":
            return json.dumps(_str(value))
        if verb == "d":
            return str(int(_number(value)))
        if verb in ("f", "e", "g"):
            return ("%" + match.group(0)[1:]) % float(_number(value))
        if verb == "t":
            return "true" if value is True else "false"
        if isinstance(value, dict | list):
            return json.dumps(plain(value))
        return _str(value)

    return _FORMAT_VERB.sub(repl, _str(fmt))


def _flatten_list(value: Any, depth: int = 0) -> list[Any]:
    if depth > 50:
        raise _Fail
    out: list[Any] = []
    for item in _list(value):
        if isinstance(item, list):
            out.extend(_flatten_list(item, depth + 1))
        else:
            out.append(item)
    return out


def _distinct(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(value):
        if not any(_plain_eq(item, o) for o in out):
            out.append(item)
    return out


def _toset(value: Any) -> list[Any]:
    return _distinct(value)


def _length(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise _Fail


def _element(lst: Any, index: Any) -> Any:
    items = _list(lst)
    if not items:
        raise _Fail
    return items[int(_number(index)) % len(items)]


def _replace(text: Any, old: Any, new: Any) -> str:
    s, o, n = _str(text), _str(old), _str(new)
    if len(o) > 1 and o.startswith("/") and o.endswith("/"):
        return re.sub(o[1:-1], re.sub(r"\$(\d)", r"\\\1", n), s)
    return s.replace(o, n)


def _range(*args: Any) -> list[Any]:
    nums = [int(_number(a)) for a in args]
    result = list(range(*nums))
    if len(result) > MAX_ITEMS:
        raise _Fail
    return result


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    return {_str(k): v for k, v in zip(_list(keys), _list(values), strict=True)}


def _jsonencode(value: Any) -> str:
    return json.dumps(plain(value), separators=(",", ":"))


def _jsondecode(value: Any) -> Any:
    return json.loads(_str(value))


def _tonumber(value: Any) -> Any:
    return None if value is None else _number(value)


def _tobool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _Fail


def _one(value: Any) -> Any:
    items = _list(value)
    if len(items) > 1:
        raise _Fail
    return items[0] if items else None


def _compact(value: Any) -> list[Any]:
    return [v for v in _list(value) if v is not None and v != ""]


def _dirname(path: Any) -> str:
    parent = str(Path(_str(path)).parent)
    return parent


def _identity(value: Any) -> Any:
    return value


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lower": lambda s: _str(s).lower(),
    "upper": lambda s: _str(s).upper(),
    "title": lambda s: _str(s).title(),
    "trimspace": lambda s: _str(s).strip(),
    "trim": lambda s, chars: _str(s).strip(_str(chars)),
    "trimprefix": lambda s, p: _str(s).removeprefix(_str(p)),
    "trimsuffix": lambda s, p: _str(s).removesuffix(_str(p)),
    "startswith": lambda s, p: _str(s).startswith(_str(p)),
    "endswith": lambda s, p: _str(s).endswith(_str(p)),
    "substr": lambda s, o, n: (
        _str(s)[int(_number(o)) :][: max(int(_number(n)), 0)]
        if int(_number(n)) >= 0
        else _str(s)[int(_number(o)) :]
    ),
    "format": _format,
    "join": _join,
    "split": lambda sep, s: _str(s).split(_str(sep)),
    "replace": _replace,
    "concat": _concat,
    "merge": _merge,
    "lookup": _lookup,
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "tostring": lambda v: None if v is None else _str(v),
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: _list(v),
    "toset": _toset,
    "tomap": lambda v: v if isinstance(v, dict) else (_ for _ in ()).throw(_Fail()),
    "length": _length,
    "element": _element,
    "keys": lambda m: sorted(m) if isinstance(m, dict) else (_ for _ in ()).throw(_Fail()),
    "values": lambda m: (
        [m[k] for k in sorted(m)] if isinstance(m, dict) else (_ for _ in ()).throw(_Fail())
    ),
    "contains": lambda lst, v: any(_plain_eq(i, v) for i in _list(lst)),
    "distinct": _distinct,
    "flatten": _flatten_list,
    "compact": _compact,
    "zipmap": _zipmap,
    "range": _range,
    "max": lambda *a: max(_number(x) for x in a),
    "min": lambda *a: min(_number(x) for x in a),
    "abs": lambda x: abs(_number(x)),
    "ceil": lambda x: math.ceil(_number(x)),
    "floor": lambda x: math.floor(_number(x)),
    "sort": lambda lst: sorted(_str(v) for v in _list(lst)),
    "reverse": lambda lst: list(reversed(_list(lst))),
    "slice": lambda lst, a, b: _list(lst)[int(_number(a)) : int(_number(b))],
    "one": _one,
    "sensitive": _identity,
    "nonsensitive": _identity,
    "dirname": _dirname,
    "basename": lambda p: Path(_str(p)).name,
    "abspath": lambda p: _str(p),
    "file": _file,
    "fileexists": _fileexists,
}


# ---------------------------------------------------------------------------------------------
# Which directories are local modules of another directory in the scan
# ---------------------------------------------------------------------------------------------

_CALLED_CACHE: dict[Path, frozenset[Path]] = {}


def called_elsewhere(directory: Path, root: Path) -> bool:
    """True for a local module that a root module of the scan calls (directly or not)."""
    try:
        target = directory.resolve()
        base = root.resolve()
    except OSError:
        return False
    if base not in _CALLED_CACHE:
        if len(_CALLED_CACHE) > 64:
            _CALLED_CACHE.clear()
        _CALLED_CACHE[base] = frozenset(_called_from_roots(base))
    return target in _CALLED_CACHE[base]


def prime_called(root: Path, tf_files: Iterable[Path]) -> None:
    """Work out which directories are called modules from the .tf files discovery found, once,
    before loading starts (and before worker processes fork): no second walk of the tree."""
    try:
        base = root.resolve()
    except OSError:
        return
    _CALLED_CACHE[base] = frozenset(_called_from_roots(base, tf_files))


def _called_from_roots(root: Path, tf_files: Iterable[Path] | None = None) -> set[Path]:
    edges = _module_edges(root) if tf_files is None else _edges_of(tf_files)
    called = {t for targets in edges.values() for t in targets}
    stack = [d for d in edges if d not in called]
    seen: set[Path] = set()
    while stack:
        for target in edges.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _module_edges(root: Path) -> dict[Path, set[Path]]:
    """caller directory -> directories its module blocks name as ``source = "./..."``."""
    if root.is_file():
        return {}
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIPPED_DIRS]
        files += [Path(dirpath, name) for name in filenames if name.endswith(".tf")]
    return _edges_of(files)


def _edges_of(tf_files: Iterable[Path]) -> dict[Path, set[Path]]:
    edges: dict[Path, set[Path]] = {}
    resolved: dict[Path, Path] = {}

    def real(path: Path) -> Path:
        if path not in resolved:
            resolved[path] = path.resolve()
        return resolved[path]

    for file in tf_files:
        caller = real(file.parent)
        targets = edges.setdefault(caller, set())
        try:
            with open(file, encoding="utf-8", errors="replace") as fh:
                text = fh.read(2_000_000)
        except OSError:
            continue
        if "source" not in text:
            continue
        for match in _LOCAL_SOURCE.finditer(text):
            target = real(Path(os.path.normpath(caller / match.group(1))))
            if target != caller:
                targets.add(target)
    return edges


# ---------------------------------------------------------------------------------------------
# Program: modules, their files and the expanded resource instances
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Instance:
    """One resource (or data source) instance after count/for_each expansion."""

    address: str  # "module.x.aws_lambda_function.fn[0]"
    type: str
    name: str
    block: Any  # _hcl.Block
    view: View
    module: Any  # Module
    conditional: bool = False
    data: bool = False

    @property
    def file(self) -> str:
        return str(self.block.src.file)

    @property
    def location(self) -> Location:
        return Location(self.block.src.file, self.block.line, self.block.column)


class Program:
    def __init__(self, ctx: LoadContext, result: LoadResult) -> None:
        self.ctx = ctx
        self.result = result
        self.modules: list[Any] = []
        self.instances: list[Instance] = []
        self.by_address: dict[str, Instance] = {}
        self.root_dir: Path = ctx.root
        self._expansions: dict[int, list[tuple[str, dict[str, Any], bool]]] = {}

    # -- loading ---------------------------------------------------------------------------

    def load_root(self, directory: Path, files: list[Candidate]) -> Any | None:
        self.root_dir = directory
        tf_files = sorted((c for c in files if c.kind == "terraform"), key=lambda c: c.rel)
        module = Module(prefix="", directory=directory, root_dir=directory)
        if not self._read_files(module, tf_files):
            return None
        self._bind_root_inputs(module, files)
        self._add_module(module, (directory.resolve(),))
        return module

    def _read_files(self, module: Any, candidates: list[Candidate]) -> bool:
        parsed_any = False
        for cand in candidates:
            text = read_text(cand, self.result)
            if text is None:
                continue
            try:
                body = _hcl.parse(text, cand.rel)
            except _hcl.HclError as exc:
                self.result.error(
                    "parse-error", exc.message, Location(cand.rel, exc.line, exc.column)
                )
                continue
            parsed_any = True
            self._collect(module, body, cand.rel)
        return parsed_any

    def _collect(self, module: Any, body: Any, rel: str) -> None:
        for name, attr in body.attributes.items():
            self.result.error(
                "invalid",
                f"attribute {name!r} outside any block",
                Location(rel, attr.line, attr.column),
            )
        for block in body.blocks:
            kind, labels = block.type, block.labels
            if kind == "variable" and len(labels) == 1:
                module.variables[labels[0]] = block
            elif kind == "locals":
                module.locals.update(block.body.attributes)
            elif kind == "output" and len(labels) == 1:
                module.outputs[labels[0]] = block.body.attributes.get("value")
                if module.outputs[labels[0]] is None:
                    del module.outputs[labels[0]]
            elif kind in ("resource", "data") and len(labels) == 2:
                target = module.resources if kind == "resource" else module.data
                key = f"{labels[0]}.{labels[1]}"
                if key in target:
                    self.result.error(
                        "invalid", f"duplicate {kind} {key}", Location(rel, block.line)
                    )
                    continue
                target[key] = block
            elif kind == "module" and len(labels) == 1:
                module.calls[labels[0]] = block
            elif kind in ("resource", "data", "module", "variable", "output"):
                self.result.error(
                    "invalid",
                    f"{kind} block with {len(labels)} labels",
                    Location(rel, block.line, block.column),
                )
            elif kind not in _TF_NATIVE_BLOCKS:
                self.result.warning(
                    "unsupported",
                    f"unknown top-level block type {kind!r}",
                    Location(rel, block.line, block.column),
                )

    def _bind_root_inputs(self, module: Any, files: list[Candidate]) -> None:
        values: dict[str, tuple[Any, Location | None]] = {}
        tfvars = [c for c in files if c.kind == "tfvars"]
        ordered = [c for c in tfvars if c.path.name == "terraform.tfvars"]
        ordered += sorted(
            (c for c in tfvars if c.path.name.endswith(".auto.tfvars")), key=lambda c: c.rel
        )
        for cand in ordered:
            values.update(self._read_tfvars(cand))
        for path in sorted(module.directory.glob("*.tfvars.json")):
            name = path.name
            if name == "terraform.tfvars.json" or name.endswith(".auto.tfvars.json"):
                values.update(self._read_tfvars_json(path))
        for key, text in self.ctx.params.items():
            if key in module.variables:
                values[key] = (_param_value(text, module.variables[key]), None)
        for key, (value, loc) in values.items():
            module.inputs[key] = (value, Trace(params=True), loc)

    def _read_tfvars(self, cand: Candidate) -> dict[str, tuple[Any, Location | None]]:
        text = read_text(cand, self.result)
        if text is None:
            return {}
        try:
            body = _hcl.parse(text, cand.rel)
        except _hcl.HclError as exc:
            self.result.error("parse-error", exc.message, Location(cand.rel, exc.line, exc.column))
            return {}
        empty = Module(prefix="", directory=cand.path.parent, root_dir=cand.path.parent)
        ev = Evaluator(empty)
        out: dict[str, tuple[Any, Location | None]] = {}
        for name, attr in body.attributes.items():
            out[name] = (ev.eval(attr.expr), Location(cand.rel, attr.line, attr.column))
        return out

    def _read_tfvars_json(self, path: Path) -> dict[str, tuple[Any, Location | None]]:
        from faasguard._located import ParseError, parse_json

        rel = self.ctx.rel(path)
        try:
            if path.stat().st_size > self.ctx.max_file_size:
                self.result.error("too-large", "tfvars file over the size limit", Location(rel))
                return {}
            data = parse_json(path.read_text(encoding="utf-8"), rel)
        except ParseError as exc:
            self.result.error("parse-error", exc.message, Location(rel, exc.line, exc.column))
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            self.result.error("unreadable", f"cannot read file: {exc}", Location(rel))
            return {}
        if not isinstance(data, dict):
            self.result.error("invalid", "tfvars JSON is not an object", Location(rel))
            return {}
        return {str(k): (v, data.where(k)) for k, v in data.items()}

    def _add_module(self, module: Any, stack: tuple[Path, ...]) -> None:
        module.child_loader = lambda parent, name: self._load_child(parent, name, stack)
        self.modules.append(module)
        for name in list(module.calls):
            module.child(name)

    def _load_child(self, parent: Any, name: str, stack: tuple[Path, ...]) -> Any | None:
        call = parent.calls[name]
        where = Location(call.src.file, call.line, call.column)
        ev = self.evaluator(parent)
        source_attr = call.body.attributes.get("source")
        source = ev.eval(source_attr.expr) if source_attr else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            shown = source if isinstance(source, str) else "(unknown)"
            self.result.warning(
                "unsupported",
                f"module {name!r}: source {shown} is not a local directory; not loaded",
                where,
            )
            return None
        directory = (parent.directory / source).resolve()
        if directory in stack or len(stack) >= MAX_MODULE_DEPTH:
            self.result.warning(
                "unsupported", f"module {name!r}: module recursion ({source}); not loaded", where
            )
            return None
        tf_paths = sorted(directory.glob("*.tf")) if directory.is_dir() else []
        if not tf_paths:
            self.result.error("unreadable", f"module {name!r}: no .tf files in {source}", where)
            return None
        instances = self._module_instances(parent, call, ev, where)
        if not instances:
            return None
        first: Any = None
        for suffix, bindings, conditional in instances:
            child = Module(
                prefix=f"{parent.prefix}module.{name}{suffix}.",
                directory=directory,
                root_dir=parent.root_dir,
                conditional=conditional or parent.conditional,
            )
            candidates = [Candidate(p, self.ctx.rel(p), "terraform", _size(p)) for p in tf_paths]
            candidates = [c for c in candidates if self._size_ok(c)]
            if not self._read_files(child, candidates):
                return None
            call_ev = ev.with_bindings(bindings)
            for arg, attr in call.body.attributes.items():
                if arg in ("source", "version", "count", "for_each", "providers", "depends_on"):
                    continue
                trace = Trace()
                value = call_ev.eval(attr.expr, trace)
                child.inputs[arg] = (value, trace, Location(call.src.file, attr.line, attr.column))
            self._add_module(child, (*stack, directory))
            first = first or child
        return first

    def _module_instances(
        self, parent: Any, call: Any, ev: Any, where: Location
    ) -> list[tuple[str, dict[str, Any], bool]]:
        out = self._expand(call.body, ev, where, f"module.{call.labels[0]}")
        return out

    def _size_ok(self, cand: Candidate) -> bool:
        if cand.size > self.ctx.max_file_size:
            self.result.error(
                "too-large",
                f"file is {cand.size:,} bytes, over the {self.ctx.max_file_size:,}-byte limit",
                Location(cand.rel),
            )
            return False
        return True

    # -- instances -------------------------------------------------------------------------

    def evaluator(self, module: Any, bindings: dict[str, Any] | None = None) -> Any:
        return Evaluator(module, bindings, self._known_attr)

    def build(self) -> None:
        """Expand every resource and data block of every loaded module into instances."""
        for module in self.modules:
            ev = self.evaluator(module)
            for key, block in module.resources.items():
                self._instances_of(module, ev, key, block, data=False)
            for key, block in module.data.items():
                self._instances_of(module, ev, key, block, data=True)

    def _instances_of(self, module: Any, ev: Any, key: str, block: Any, *, data: bool) -> None:
        rtype, name = key.split(".", 1)
        base = f"{module.prefix}{'data.' if data else ''}{key}"
        where = Location(block.src.file, block.line, block.column)
        for suffix, bindings, conditional in self._expand(block.body, ev, where, base):
            inst_ev = ev.with_bindings(bindings) if bindings else ev
            inst = Instance(
                address=base + suffix,
                type=rtype,
                name=name,
                block=block,
                view=View(block.body, inst_ev, block),
                module=module,
                conditional=conditional or module.conditional,
                data=data,
            )
            self.instances.append(inst)
            self.by_address[inst.address] = inst
            if suffix and base not in self.by_address:
                self.by_address[base] = inst  # unindexed references reach the first instance

    def _expand(
        self, body: Any, ev: Any, where: Location, label: str, *, quiet: bool = False
    ) -> list[tuple[str, dict[str, Any], bool]]:
        """(address suffix, bindings, conditional) for each instance of a counted block."""
        result = LoadResult() if quiet else self.result
        count_attr = body.attributes.get("count")
        each_attr = body.attributes.get("for_each")
        if count_attr is None and each_attr is None:
            return [("", {}, False)]
        attr = count_attr or each_attr
        loc = Location(where.file, attr.line, attr.column)
        value = ev.eval(attr.expr)
        unknown_each = {"each": {"key": Unknown("each.key"), "value": Unknown("each.value")}}
        if count_attr is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                result.warning(
                    "conditional", f"{label}: count is not statically known; read as one", loc
                )
                return [("", {"count": {"index": Unknown("count.index")}}, True)]
            number = int(value)
            if number <= 0:
                result.warning(
                    "conditional", f"{label} has count = {number}: not created; skipped", loc
                )
                return []
            if number > MAX_INSTANCES:
                result.warning(
                    "unsupported",
                    f"{label} has count = {number}; read as one instance",
                    loc,
                )
                return [("", {"count": {"index": Unknown("count.index")}}, True)]
            return [(f"[{i}]", {"count": {"index": i}}, False) for i in range(number)]
        if isinstance(value, dict):
            pairs = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            pairs = [(v, v) for v in dict.fromkeys(value)]
        else:
            result.warning(
                "conditional", f"{label}: for_each is not statically known; read as one", loc
            )
            return [("", unknown_each, True)]
        if not pairs:
            result.warning(
                "conditional", f"{label} has an empty for_each: not created; skipped", loc
            )
            return []
        if len(pairs) > MAX_INSTANCES:
            result.warning(
                "unsupported", f"{label} has {len(pairs)} for_each keys; read as one", loc
            )
            return [("", unknown_each, True)]
        return [(f"[{json.dumps(k)}]", {"each": {"key": k, "value": v}}, False) for k, v in pairs]

    # -- statically known attributes of other resources ------------------------------------

    def _known_attr(
        self, ev: Any, rtype: str, rname: str, index: str | int | None, attr: str, trace: Any
    ) -> Any:
        arg = _KNOWN_ATTRS.get((rtype, attr))
        if arg is None and rtype.startswith("azurerm_") and attr == "name":
            arg = "name"
        if arg is None:
            return None
        module = ev.module
        block = module.resources.get(f"{rtype}.{rname}")
        if block is None or arg not in block.body.attributes:
            return None
        key = ("attr", f"{rtype}.{rname}[{index}].{arg}")
        if key in module.cache:
            return module.cache[key][0]
        if key in module.active:
            return None
        module.active.add(key)
        try:
            base = self.evaluator(module)
            bindings: dict[str, Any] = {}
            has_count = {"count", "for_each"} & set(block.body.attributes)
            if has_count:
                if index is None:
                    return None
                where = Location(block.src.file, block.line)
                expansions = self._expand(block.body, base, where, rtype, quiet=True)
                for suffix, binding, _ in expansions:
                    if suffix == f"[{json.dumps(index) if isinstance(index, str) else index}]":
                        bindings = binding
                        break
                else:
                    return None
            sub = Trace()
            value = base.with_bindings(bindings).eval(block.body.attributes[arg].expr, sub)
        finally:
            module.active.discard(key)
        result = value if isinstance(value, str) and not sub.unknown else None
        module.cache[key] = (result, sub)
        return result


_KNOWN_ATTRS: dict[tuple[str, str], str] = {
    ("aws_s3_bucket", "id"): "bucket",
    ("aws_s3_bucket", "bucket"): "bucket",
    ("aws_lambda_function", "function_name"): "function_name",
    ("aws_lambda_function", "id"): "function_name",
    ("aws_sqs_queue", "name"): "name",
    ("aws_sns_topic", "name"): "name",
    ("aws_dynamodb_table", "name"): "name",
    ("aws_dynamodb_table", "id"): "name",
    ("aws_iam_role", "name"): "name",
    ("aws_iam_role", "id"): "name",
    ("aws_iam_policy", "name"): "name",
    ("aws_cloudwatch_log_group", "name"): "name",
    ("aws_cloudwatch_log_group", "id"): "name",
    ("aws_cloudwatch_event_rule", "name"): "name",
    ("aws_secretsmanager_secret", "name"): "name",
    ("aws_ssm_parameter", "name"): "name",
    ("aws_kinesis_stream", "name"): "name",
    ("aws_api_gateway_method", "http_method"): "http_method",
    ("google_cloudfunctions_function", "name"): "name",
    ("google_cloudfunctions2_function", "name"): "name",
    ("google_storage_bucket", "name"): "name",
    ("google_pubsub_topic", "name"): "name",
}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _param_value(text: str, variable: Any) -> Any:
    type_attr = variable.body.attributes.get("type")
    kind = type_attr.expr.text if type_attr is not None else ""
    if kind.startswith("number"):
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text
    if kind.startswith("bool") and text in ("true", "false"):
        return text == "true"
    if kind.startswith(("list", "map", "set", "object", "tuple")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# ---------------------------------------------------------------------------------------------
# Views: a block body with the evaluator of its instance
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class View:
    body: Any  # _hcl.Body
    ev: Any  # Evaluator
    node: Any  # _hcl.Block this body belongs to (for locations)
    _cache: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def location(self) -> Location:
        return Location(self.node.src.file, self.node.line, self.node.column)

    def has(self, name: str) -> bool:
        return name in self.body.attributes

    def expr(self, name: str) -> Any:
        attr = self.body.attributes.get(name)
        return attr.expr if attr is not None else None

    def traced(self, name: str) -> tuple[Any, Any]:
        if name not in self._cache:
            attr = self.body.attributes.get(name)
            trace = Trace()
            value = self.ev.eval(attr.expr, trace) if attr is not None else None
            self._cache[name] = (value, trace)
        return self._cache[name]

    def value(self, name: str) -> Any:
        return self.traced(name)[0]

    def loc(self, name: str) -> Location:
        attr = self.body.attributes.get(name)
        if attr is not None:
            return Location(self.node.src.file, attr.line, attr.column)
        for block in self.body.blocks:
            if block.type == name or (block.type == "dynamic" and block.labels == [name]):
                return Location(block.src.file, block.line, block.column)
        return self.location

    def str(self, name: str) -> str | None:
        value = self.value(name)
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return None

    def text(self, name: str) -> str | None:
        """Like :meth:`str`, but an unresolved value gives its rendering."""
        value = self.value(name)
        if isinstance(value, Unknown):
            return value.text
        return self.str(name)

    def int(self, name: str) -> int | None:
        value = self.value(name)
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                return None
        return None

    def bool(self, name: str) -> bool | None:
        value = self.value(name)
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        return None

    def strs(self, name: str) -> list[str]:
        value = self.value(name)
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            return []
        out: list[str] = []
        for item in value:
            text = text_of(item)
            if text is not None:
                out.append(text)
        return out

    def blocks(self, kind: str) -> list[View]:
        """Nested blocks of a type, including ``dynamic "kind"`` blocks over static values."""
        out: list[View] = []
        for block in self.body.blocks:
            if block.type == kind:
                out.append(View(block.body, self.ev, block))
            elif block.type == "dynamic" and block.labels == [kind]:
                out.extend(self._dynamic(block, kind))
        return out

    def block(self, kind: str) -> View | None:
        found = self.blocks(kind)
        return found[0] if found else None

    def _dynamic(self, block: Any, kind: str) -> list[View]:
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        if content is None:
            return []
        iterator = kind
        it_attr = block.body.attributes.get("iterator")
        if it_attr is not None and hasattr(it_attr.expr, "name"):
            iterator = it_attr.expr.name
        each = block.body.attributes.get("for_each")
        value = self.ev.eval(each.expr) if each is not None else None
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        else:
            unknown = {"key": Unknown(f"{iterator}.key"), "value": Unknown(f"{iterator}.value")}
            return [View(content.body, self.ev.with_bindings({iterator: unknown}), block)]
        return [
            View(content.body, self.ev.with_bindings({iterator: {"key": k, "value": v}}), block)
            for k, v in pairs[:MAX_INSTANCES]
        ]
