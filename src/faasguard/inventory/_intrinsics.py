"""CloudFormation intrinsic functions, resolved statically as far as the template allows.

Every resolution returns an :class:`R`: the value, where it comes from (:class:`ValueOrigin`) and,
when it differs from the value, the expression as written. Nothing is guessed: a value that
depends on the deployment (an import, an account id, a condition on an unknown parameter) is
UNRESOLVED. Work is bounded by a depth limit, so odd or cyclic input cannot run away.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from faasguard._located import LDict, LList, location_of
from faasguard.inventory._base import LoadContext, LoadResult
from faasguard.model import REF_PREFIX, Location, ValueOrigin, reference

MAX_DEPTH = 48
O = ValueOrigin  # noqa: E741 - short alias, used everywhere below
_RANK = {
    O.LITERAL: 0,
    O.PARAMETER: 1,
    O.REFERENCE: 2,
    O.UNRESOLVED: 3,
    O.SSM: 4,
    O.SECRETS_MANAGER: 4,
    O.KEY_VAULT: 4,
    O.GCP_SECRET: 4,
}
# Pseudo parameters only known at deploy time; inside Sub/Join they are kept as ${AWS::...} text.
TEXTUAL_PSEUDO = frozenset(
    {"AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"}
)
_DYNAMIC_REF = re.compile(r"\{\{resolve:(ssm-secure|ssm|secretsmanager):")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
# Service part of an ARN for resource types whose service is not the type's middle segment.
_SERVICE_OF_TYPE = {
    "AWS::Serverless::Function": "lambda",
    "AWS::Serverless::SimpleTable": "dynamodb",
    "AWS::Serverless::StateMachine": "states",
    "AWS::Serverless::LayerVersion": "lambda",
    "AWS::StepFunctions::StateMachine": "states",
    "AWS::Logs::LogGroup": "logs",
    "AWS::Events::EventBus": "events",
}


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "NoValue"


NOVALUE: Any = _NoValue()


class R(NamedTuple):
    value: Any
    origin: ValueOrigin = O.LITERAL
    expr: str | None = None


def merge_origin(a: ValueOrigin, b: ValueOrigin) -> ValueOrigin:
    return a if _RANK[a] >= _RANK[b] else b


def intrinsic_name(node: Any) -> str | None:
    """``"Ref"``/``"Fn::Sub"``... when ``node`` is a one-key intrinsic mapping."""
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            return key
    return None


def render(node: Any, limit: int = 160) -> str:
    """A short, readable text of an expression, in YAML short form where possible."""
    name = intrinsic_name(node)
    if name is None:
        text = node if isinstance(node, str) else json.dumps(_plain(node), default=str)
    else:
        arg = node[name]
        short = "!Ref" if name == "Ref" else "!" + name[4:]
        if name == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
            text = f"{short} {_plain(arg[0])}.{_plain(arg[1])}"
        elif isinstance(arg, str):
            text = f"{short} {arg}"
        else:
            text = f"{short} {json.dumps(_plain(arg), default=str)}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return "..."
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def as_text(value: Any) -> str | None:
    """A resolved scalar as CloudFormation would stringify it."""
    if value is None or value is NOVALUE or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def secret_store_origin(text: str) -> ValueOrigin | None:
    match = _DYNAMIC_REF.search(text)
    if match is None:
        return None
    return O.SECRETS_MANAGER if match.group(1) == "secretsmanager" else O.SSM


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def service_of_type(resource_type: str) -> str | None:
    if resource_type in _SERVICE_OF_TYPE:
        return _SERVICE_OF_TYPE[resource_type]
    parts = resource_type.split("::")
    if len(parts) == 3 and parts[0] == "AWS" and parts[1] != "Serverless":
        return parts[1].lower()
    return None


def refs_in(node: Any, depth: int = 0) -> Iterator[str]:
    """Logical ids a raw expression refers to (Ref, GetAtt, ${X} / ${X.Attr} in Sub)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        name = intrinsic_name(node)
        arg = node[name] if name else None
        if name == "Ref" and isinstance(arg, str):
            yield arg.split(".", 1)[0]
            return
        if name == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                yield arg[0]
            elif isinstance(arg, str):
                yield arg.split(".", 1)[0]
            return
        if name == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            names: Mapping[Any, Any] = (
                arg[1]
                if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict)
                else {}
            )
            if isinstance(text, str):
                for var in _SUB_VAR.findall(text):
                    if var.startswith("!"):
                        continue
                    if var in names:
                        yield from refs_in(names[var], depth + 1)
                    else:
                        yield var.split(".", 1)[0]
            return
        for value in node.values():
            yield from refs_in(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value, depth + 1)


class Resolver:
    """Resolves intrinsic functions of one template."""

    def __init__(
        self,
        doc: Mapping[str, Any],
        file: str,
        ctx: LoadContext,
        result: LoadResult,
        *,
        sam: bool = False,
    ) -> None:
        self.file = file
        self.ctx = ctx
        self.result = result
        self.sam = sam
        self.region = ctx.region or "us-east-1"
        self.partition = partition_of(self.region)
        self.params = _mapping(doc.get("Parameters"))
        self.mappings = _mapping(doc.get("Mappings"))
        self.conditions = _mapping(doc.get("Conditions"))
        self.types: dict[str, str] = {}  # logical id -> resource type
        self.serverless_ids: set[str] = set()
        self._param_cache: dict[str, R] = {}
        self._cond_cache: dict[str, bool | None] = {}
        self._evaluating: set[str] = set()
        self._warned: set[tuple[str, str, int]] = set()
        self._fns = {
            "Ref": self._ref,
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::ImportValue": self._import_value,
            "Fn::GetAZs": self._get_azs,
            "Fn::Base64": self._base64,
            "Fn::Cidr": self._cidr,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json,
        }

    # -- diagnostics --------------------------------------------------------------------------

    def loc(self, node: Any, default: Location | None = None) -> Location:
        return location_of(node, default or Location(self.file))

    def warn(self, code: str, message: str, location: Location) -> None:
        key = (code, message, location.line)
        if key not in self._warned:
            self._warned.add(key)
            self.result.warning(code, message, location)

    # -- public helpers -----------------------------------------------------------------------

    def resolve(self, node: Any, bindings: Mapping[str, Any] | None = None, depth: int = 0) -> R:
        if depth > MAX_DEPTH:
            self.warn("unresolved", "expression nested too deeply to resolve", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        if isinstance(node, dict):
            name = intrinsic_name(node)
            if name is not None:
                fn = self._fns.get(name)
                if fn is None:
                    if name == "Fn::Transform":
                        self.warn(
                            "unsupported", "Fn::Transform (macros) is not expanded", self.loc(node)
                        )
                    else:
                        self.warn(
                            "unresolved", f"unknown intrinsic function {name}", self.loc(node)
                        )
                    return R(None, O.UNRESOLVED, render(node))
                return fn(node[name], node, bindings, depth + 1)
            return self._mapping_value(node, bindings, depth)
        if isinstance(node, list):
            return self._list_value(node, bindings, depth)
        if isinstance(node, str):
            store = secret_store_origin(node) if "{{resolve:" in node else None
            return R(str(node), store or O.LITERAL, str(node) if store else None)
        return R(node, O.LITERAL)

    def text(self, node: Any) -> str | None:
        """A string for the value, with ``${expr}`` placeholders for what cannot be known."""
        if node is None:
            return None
        r = self.resolve(node)
        if r.value is None:
            return f"${{{r.expr}}}" if r.expr else None
        return as_text(r.value)

    def integer(self, node: Any) -> int | None:
        if node is None:
            return None
        value = self.resolve(node).value
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                try:
                    return int(float(value.strip()))
                except ValueError:
                    return None
        return None

    def number(self, node: Any) -> float | None:
        value = self.resolve(node).value if node is not None else None
        if isinstance(value, bool) or value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    def boolean(self, node: Any) -> bool | None:
        if node is None:
            return None
        value = self.resolve(node).value
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None

    def plain(self, node: Any) -> Any:
        """The whole structure resolved into plain values (placeholders for unknowns)."""
        value = self.resolve(node).value
        return None if value is NOVALUE else value

    def pick(self, node: Any, depth: int = 0) -> Any:
        """Follow Fn::If to the branch that applies. NoValue and unknown branches give None."""
        while depth < MAX_DEPTH:
            name = intrinsic_name(node)
            if name == "Ref" and node["Ref"] == "AWS::NoValue":
                return None
            if name != "Fn::If":
                return node
            branch = self._if_branch(node)
            if branch is _UNKNOWN:
                return None
            node = branch
            depth += 1
        return None

    def items(self, node: Any, default: Location | None = None) -> list[tuple[Any, Location]]:
        """List items with their locations; Fn::If picks a branch, or both when unknown."""
        out: list[tuple[Any, Location]] = []
        self._collect(node, default or self.loc(node), out, 0)
        return out

    def _collect(
        self, node: Any, loc: Location, out: list[tuple[Any, Location]], depth: int
    ) -> None:
        if node is None or depth > MAX_DEPTH:
            return
        name = intrinsic_name(node)
        if name == "Ref" and node["Ref"] == "AWS::NoValue":
            return
        if name == "Fn::If":
            branch = self._if_branch(node)
            args = node["Fn::If"]
            if branch is _UNKNOWN:
                if isinstance(args, list) and len(args) == 3:
                    self._collect(args[1], location_of(args[1], loc), out, depth + 1)
                    self._collect(args[2], location_of(args[2], loc), out, depth + 1)
            else:
                self._collect(branch, location_of(branch, loc), out, depth + 1)
            return
        if isinstance(node, list):
            for index, item in enumerate(node):
                item_loc = node.where(index) if isinstance(node, LList) else loc
                if isinstance(item, list):
                    out.append((item, item_loc))
                else:
                    self._collect(item, item_loc, out, depth + 1)
            return
        if name is not None and name != "Fn::If":
            value = self.resolve(node).value
            if isinstance(value, list):
                out.extend((v, loc) for v in value if v is not NOVALUE)
                return
        out.append((node, loc))

    # -- conditions ---------------------------------------------------------------------------

    def condition(self, name: Any, where: Location | None = None) -> bool | None:
        """Value of a named condition: True/False, or None when it cannot be known."""
        if not isinstance(name, str):
            return None
        if name in self._cond_cache:
            return self._cond_cache[name]
        if name not in self.conditions:
            self.warn("unresolved", f"unknown condition '{name}'", where or Location(self.file))
            return None
        if name in self._evaluating:
            self.warn(
                "invalid",
                f"condition '{name}' refers to itself (cycle)",
                self.loc(self.conditions[name]),
            )
            return None
        self._evaluating.add(name)
        try:
            value = self._cond(self.conditions[name], 0)
        finally:
            self._evaluating.discard(name)
        self._cond_cache[name] = value
        return value

    def _cond(self, node: Any, depth: int) -> bool | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            return None
        key, arg = next(iter(node.items()))
        if key == "Condition":
            return self.condition(arg, self.loc(node))
        if key == "Fn::Equals":
            if not isinstance(arg, list) or len(arg) != 2:
                return None
            left, right = self.resolve(arg[0]), self.resolve(arg[1])
            if not _comparable(left) or not _comparable(right):
                return None
            return _canon(left.value) == _canon(right.value)
        if key == "Fn::Not":
            inner = arg[0] if isinstance(arg, list) and arg else arg
            value = self._cond(inner, depth + 1)
            return None if value is None else not value
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            values = [self._cond(item, depth + 1) for item in arg]
            if key == "Fn::And":
                if False in values:
                    return False
                return None if None in values else True
            if True in values:
                return True
            return None if None in values else False
        return None

    def _if_branch(self, node: Any) -> Any:
        args = node.get("Fn::If")
        if not isinstance(args, list) or len(args) != 3:
            self.warn(
                "invalid", "Fn::If needs [condition, value-if-true, value-if-false]", self.loc(node)
            )
            return _UNKNOWN
        value = self.condition(args[0], self.loc(node))
        if value is None:
            self.warn(
                "conditional",
                f"value depends on condition '{_plain(args[0])}', which cannot be evaluated "
                "statically",
                self.loc(node),
            )
            return _UNKNOWN
        return args[1] if value else args[2]

    # -- intrinsic functions ------------------------------------------------------------------

    def known(self, name: str) -> bool:
        if name in self.types:
            return True
        if not self.sam:
            return False
        if name in ("ServerlessRestApi", "ServerlessHttpApi", "ServerlessDeploymentBucket"):
            return True
        return any(name.startswith(sid) for sid in self.serverless_ids)

    def _ref(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if not isinstance(arg, str):
            arg = as_text(self.resolve(arg, b, depth).value)
            if arg is None:
                return R(None, O.UNRESOLVED, render(node))
        if b is not None and arg in b:
            return self.resolve(b[arg], None, depth)
        if arg in self.params:
            return self._param(arg)
        if arg.startswith("AWS::"):
            return self._pseudo(arg, node)
        if self.known(arg):
            return R(reference(arg), O.REFERENCE)
        head, _, tail = arg.partition(".")
        if tail and head in self.serverless_ids:  # SAM: !Ref MyFunction.Alias
            return R(reference(head, tail), O.REFERENCE)
        self.warn("unresolved", f"!Ref to unknown name '{arg}'", self.loc(node))
        return R(None, O.UNRESOLVED, arg)

    def _pseudo(self, name: str, node: Any) -> R:
        if name == "AWS::NoValue":
            return R(NOVALUE)
        if name == "AWS::Region":
            return R(self.region, O.PARAMETER, name)
        if name == "AWS::Partition":
            return R(self.partition, O.PARAMETER, name)
        if name == "AWS::URLSuffix":
            suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
            return R(suffix, O.PARAMETER, name)
        if name in TEXTUAL_PSEUDO:
            return R(None, O.UNRESOLVED, name)
        self.warn("unresolved", f"unknown pseudo parameter '{name}'", self.loc(node))
        return R(None, O.UNRESOLVED, name)

    def _param(self, name: str) -> R:
        cached = self._param_cache.get(name)
        if cached is not None:
            return cached
        spec = self.params.get(name)
        spec = spec if isinstance(spec, dict) else {}
        ptype = str(spec.get("Type", "String"))
        expr = f"!Ref {name}"
        if name in self.ctx.params:
            value: Any = str(self.ctx.params[name])
        elif "Default" in spec and spec["Default"] is not None:
            value = self.resolve(spec["Default"]).value
        else:
            out = R(None, O.UNRESOLVED, name)
            self._param_cache[name] = out
            return out
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            out = R(as_text(value), O.SSM, expr)
        else:
            if (ptype == "CommaDelimitedList" or ptype.startswith("List<")) and isinstance(
                value, str
            ):
                value = [part.strip() for part in value.split(",")]
            elif isinstance(value, LList):
                value = list(value)
            store = secret_store_origin(value) if isinstance(value, str) else None
            out = R(value, store or O.PARAMETER, expr)
        self._param_cache[name] = out
        return out

    def _getatt(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if isinstance(arg, str):
            target, _, attr_node = arg.partition(".")
            attr: Any = attr_node
        elif isinstance(arg, list) and len(arg) == 2:
            target, attr = arg[0], arg[1]
            if not isinstance(attr, str):
                attr = as_text(self.resolve(attr, b, depth).value)
        else:
            self.warn("invalid", "Fn::GetAtt needs [LogicalId, Attribute]", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        if not isinstance(target, str) or not attr:
            return R(None, O.UNRESOLVED, render(node))
        if self.known(target):
            return R(reference(target, attr), O.REFERENCE)
        self.warn("unresolved", f"!GetAtt of unknown resource '{target}'", self.loc(node))
        return R(None, O.UNRESOLVED, f"{target}.{attr}")

    def _sub(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if isinstance(arg, list) and arg:
            template = arg[0]
            variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        else:
            template, variables = arg, {}
        if not isinstance(template, str):
            inner = self.resolve(template, b, depth)
            if not isinstance(inner.value, str):
                return R(None, O.UNRESOLVED, render(node))
            template = inner.value
        pieces: list[R] = []
        pos = 0
        for match in _SUB_VAR.finditer(template):
            if match.start() > pos:
                pieces.append(R(template[pos : match.start()]))
            pos = match.end()
            var = match.group(1).strip()
            if var.startswith("!"):
                pieces.append(R("${" + var[1:] + "}"))
            elif var in variables:
                pieces.append(self.resolve(variables[var], b, depth))
            elif "." in var and not var.startswith("AWS::") and not (b and var in b):
                target, _, attr = var.partition(".")
                pieces.append(self._getatt([target, attr], node, b, depth))
            else:
                pieces.append(self._ref(var, node, b, depth))
        if pos < len(template):
            pieces.append(R(template[pos:]))
        return self.concat(pieces, node)

    def concat(self, pieces: list[R], node: Any) -> R:
        texts: list[str] = []
        origin = O.LITERAL
        ref_at: list[int] = []
        for piece in pieces:
            value = piece.value
            if value is NOVALUE:
                continue
            if value is None or isinstance(value, dict):
                expr = piece.expr or "?"
                texts.append("${" + expr + "}")
                if expr not in TEXTUAL_PSEUDO:
                    origin = merge_origin(origin, O.UNRESOLVED)
                continue
            text = ",".join(map(str, value)) if isinstance(value, list) else as_text(value) or ""
            if piece.origin is O.REFERENCE and text.startswith(REF_PREFIX):
                ref_at.append(len(texts))
            texts.append(text)
            origin = merge_origin(origin, piece.origin)
        joined = "".join(texts)
        store = secret_store_origin(joined) if "{{resolve:" in joined else None
        if store is not None:
            return R(joined, merge_origin(origin, store), render(node))
        if len(ref_at) == 1 and joined.startswith("arn:"):
            collapsed = self._collapse_arn(texts, ref_at[0])
            if collapsed is not None:
                return R(collapsed, O.REFERENCE, render(node))
        return R(joined, origin, None if origin is O.LITERAL else render(node))

    def _collapse_arn(self, texts: list[str], at: int) -> str | None:
        """``arn:aws:s3:::${Bucket}/*`` -> ``ref:Bucket.Arn/*`` when the service matches."""
        target = texts[at][len(REF_PREFIX) :].split(".", 1)[0]
        prefix = "".join(texts[:at])
        service = prefix.split(":")[2] if prefix.count(":") >= 3 else None
        resource_type = self.types.get(target)
        if resource_type is None or service is None or service_of_type(resource_type) != service:
            return None
        return reference(target, "Arn") + "".join(texts[at + 1 :])

    def _join(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if not isinstance(arg, list) or len(arg) != 2:
            self.warn("invalid", "Fn::Join needs [delimiter, [values]]", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        delimiter = as_text(self.resolve(arg[0], b, depth).value) or ""
        items = arg[1]
        if isinstance(items, list):
            resolved = [self.resolve(item, b, depth) for item in items]
        else:
            whole = self.resolve(items, b, depth)
            if not isinstance(whole.value, list):
                return R(None, merge_origin(whole.origin, O.UNRESOLVED), render(node))
            resolved = [R(v, whole.origin, whole.expr) for v in whole.value]
        pieces: list[R] = []
        for piece in resolved:
            if piece.value is NOVALUE:
                continue
            if pieces:
                pieces.append(R(delimiter))
            pieces.append(piece)
        return self.concat(pieces, node)

    def _select(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if not isinstance(arg, list) or len(arg) != 2:
            self.warn("invalid", "Fn::Select needs [index, [values]]", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        index_value = self.resolve(arg[0], b, depth).value
        try:
            index = int(index_value)
        except (TypeError, ValueError):
            return R(None, O.UNRESOLVED, render(node))
        items = arg[1]
        if isinstance(items, list) and intrinsic_name(items) is None:
            if 0 <= index < len(items):
                return self.resolve(items[index], b, depth)
            self.warn("invalid", f"Fn::Select index {index} out of range", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        whole = self.resolve(items, b, depth)
        if isinstance(whole.value, list) and 0 <= index < len(whole.value):
            return R(whole.value[index], whole.origin, render(node))
        return R(None, merge_origin(whole.origin, O.UNRESOLVED), render(node))

    def _split(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if not isinstance(arg, list) or len(arg) != 2:
            self.warn("invalid", "Fn::Split needs [delimiter, string]", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        delimiter = as_text(self.resolve(arg[0], b, depth).value)
        source = self.resolve(arg[1], b, depth)
        if not delimiter or not isinstance(source.value, str) or source.origin is O.UNRESOLVED:
            return R(None, merge_origin(source.origin, O.UNRESOLVED), render(node))
        return R(source.value.split(delimiter), source.origin, render(node))

    def _if(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        branch = self._if_branch(node)
        if branch is _UNKNOWN:
            return R(None, O.UNRESOLVED, render(node))
        return self.resolve(branch, b, depth)

    def _find_in_map(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            self.warn("invalid", "Fn::FindInMap needs [map, key, key]", self.loc(node))
            return R(None, O.UNRESOLVED, render(node))
        keys = [self.resolve(k, b, depth) for k in arg[:3]]
        names = [as_text(k.value) for k in keys]
        default = arg[3].get("DefaultValue") if len(arg) == 4 and isinstance(arg[3], dict) else None
        if any(n is None or k.origin is O.UNRESOLVED for n, k in zip(names, keys, strict=True)):
            return R(None, O.UNRESOLVED, render(node))
        top = self.mappings.get(names[0])
        second = top.get(names[1]) if isinstance(top, dict) else None
        if isinstance(second, dict) and names[2] in second:
            value = self.resolve(second[names[2]], b, depth)
            return R(value.value, value.origin, render(node))
        if default is not None:
            return self.resolve(default, b, depth)
        self.warn(
            "unresolved",
            f"Fn::FindInMap: no {'/'.join(map(str, names))} in Mappings",
            self.loc(node),
        )
        return R(None, O.UNRESOLVED, render(node))

    def _import_value(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        name = self.resolve(arg, b, depth)
        text = as_text(name.value) if name.value is not None else render(arg)
        return R(None, O.UNRESOLVED, f"!ImportValue {text}")

    def _get_azs(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        return R(None, O.UNRESOLVED, render(node))

    def _cidr(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        return R(None, O.UNRESOLVED, render(node))

    def _base64(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        return self.resolve(arg, b, depth)

    def _length(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        value = self.resolve(arg, b, depth)
        if isinstance(value.value, list):
            return R(len(value.value), value.origin)
        return R(None, O.UNRESOLVED, render(node))

    def _to_json(self, arg: Any, node: Any, b: Mapping[str, Any] | None, depth: int) -> R:
        value = self.resolve(arg, b, depth)
        return R(json.dumps(value.value, default=str), value.origin, render(node))

    def _mapping_value(self, node: dict, b: Mapping[str, Any] | None, depth: int) -> R:  # type: ignore[type-arg]
        out: dict[str, Any] = {}
        origin = O.LITERAL
        for key, value in node.items():
            r = self.resolve(value, b, depth + 1)
            if r.value is NOVALUE:
                continue
            out[str(key)] = _placeholder(r)
            origin = merge_origin(origin, r.origin)
        return R(out, origin)

    def _list_value(self, node: list, b: Mapping[str, Any] | None, depth: int) -> R:  # type: ignore[type-arg]
        out: list[Any] = []
        origin = O.LITERAL
        for value in node:
            r = self.resolve(value, b, depth + 1)
            if r.value is NOVALUE:
                continue
            out.append(_placeholder(r))
            origin = merge_origin(origin, r.origin)
        return R(out, origin)


_UNKNOWN: Any = object()


def _placeholder(r: R) -> Any:
    if r.value is None and r.expr:
        return "${" + r.expr + "}"
    return r.value


def _comparable(r: R) -> bool:
    return r.value is not None and r.value is not NOVALUE and r.origin in (O.LITERAL, O.PARAMETER)


def _canon(value: Any) -> Any:
    if isinstance(value, list):
        return [_canon(v) for v in value]
    return as_text(value)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


__all__ = [
    "NOVALUE",
    "TEXTUAL_PSEUDO",
    "LDict",
    "R",
    "Resolver",
    "as_text",
    "intrinsic_name",
    "merge_origin",
    "refs_in",
    "render",
    "secret_store_origin",
    "service_of_type",
]
