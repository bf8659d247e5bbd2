"""Serverless Framework variables resolved statically: ${self:..}, ${opt:..}, ${file(..)}...

A resolution returns a :class:`Res`: the value plus *tags* saying where it came from (a secret
store, a deploy-time parameter, something that cannot be known). Values that only exist at deploy
time (``${ssm:..}``, ``${cf:..}``, ``${aws:accountId}``...) are *opaque*: their value is the raw
expression and nothing is guessed. Work is bounded (depth, number of evaluations, text size) and
cycles are detected, so odd or hostile input cannot run away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faasguard._located import LDict, LList, LStr, ParseError, location_of, parse_json, parse_yaml
from faasguard.inventory._base import LoadContext, LoadResult
from faasguard.model import Location

MAX_DEPTH = 40
MAX_EVALUATIONS = 20_000
MAX_TEXT = 1_000_000

# Tags on a resolved value.
SSM = "ssm"
SECRETS_MANAGER = "secretsmanager"
UNRESOLVED = "unresolved"
PARAMETER = "parameter"  # from --param/--opt/env or a parameter's default

_HEAD = re.compile(r"\s*[A-Za-z][\w-]*\s*(?:\(.*?\)\s*(?::(?!:)|,|$)|:(?!:))", re.S)
_PARSE = re.compile(r"\s*([A-Za-z][\w-]*)\s*(?:\((.*)\))?\s*(?::(.*))?\s*$", re.S)
_NUMBER = re.compile(r"-?\d+(\.\d+)?$")
_UNEVALUATED_FILES = (".js", ".cjs", ".mjs", ".ts")
_PARSED_FILES = (".yml", ".yaml", ".json")
_UNKNOWABLE = {
    "cf": "CloudFormation stack outputs are only known at deploy time",
    "s3": "S3 object contents are only known at deploy time",
    "git": "git metadata is not read",
    "vault": "HashiCorp Vault values are only known at deploy time",
    "terraform": "Terraform state outputs are only known at deploy time",
    "doppler": "Doppler secrets are only known at deploy time",
    "kubernetes": "Kubernetes values are only known at deploy time",
}


@dataclass(frozen=True, slots=True)
class Res:
    """A resolved value. ``opaque``: the value is not known; ``value`` is then the raw text."""

    value: Any
    tags: frozenset[str] = frozenset()
    opaque: bool = False
    why: str = ""  # set by a source that cannot be known: the warning to give, with the expression

    @property
    def unresolved(self) -> bool:
        return UNRESOLVED in self.tags


@dataclass(frozen=True, slots=True)
class Missing:
    """The source was readable and holds no value there: fallbacks apply."""

    reason: str


_NONE: frozenset[str] = frozenset()
_PARAMISH = frozenset({"env", "param"})


def has_variables(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def to_text(value: Any) -> str | None:
    """A scalar as the framework writes it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _located_str(text: str, loc: Location) -> LStr:
    out = LStr(text)
    out.loc = loc
    return out


def _matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing a variable whose body starts at ``start``, or -1."""
    close = text.find("}", start)
    if close < 0:
        return -1
    if text.find(",", start, close) < 0 and text.find("${", start, close) < 0:
        return close  # no fallback nor nested variable before it: nothing to skip
    return _scan_matching_brace(text, start)


def _scan_matching_brace(text: str, start: int) -> int:
    """_matching_brace, character by character (quotes in a fallback, nested variables)."""
    depth, i, quote, in_fallback = 1, start, "", False
    n = len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif in_fallback and ch in "'\"":
            quote = ch
        elif text.startswith("${", i):
            depth += 1
            i += 2
            continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        elif ch == "," and depth == 1:
            in_fallback = True
        i += 1
    return -1


def segments(text: str) -> list[tuple[bool, str]]:
    """Split ``text`` into (is_variable, text) pieces; variable pieces are the raw ``${...}``."""
    out: list[tuple[bool, str]] = []
    pos = scan = 0
    while True:
        start = text.find("${", scan)
        if start < 0:
            break
        end = _matching_brace(text, start + 2)
        if end < 0:
            break
        if not _HEAD.match(text, start + 2, end):
            scan = start + 2  # CloudFormation Sub syntax (${AWS::Region}, ${Bucket.Arn})
            continue
        if start > pos:
            out.append((False, text[pos:start]))
        out.append((True, text[start : end + 1]))
        pos = scan = end + 1
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def split_top(body: str) -> list[str]:
    """Split a variable body on commas outside quotes and nested variables."""
    if "," not in body:
        return [body]
    return _scan_split_top(body)


def _scan_split_top(body: str) -> list[str]:
    """split_top, character by character."""
    parts: list[str] = []
    depth, quote, last, i = 0, "", 0, 0
    while i < len(body):
        ch = body[i]
        if quote:
            if ch == quote:
                quote = ""
        elif body.startswith("${", i):
            depth += 1
            i += 2
            continue
        elif ch == "}" and depth:
            depth -= 1
        elif ch in "'\"" and parts and depth == 0:
            quote = ch
        elif ch == "," and depth == 0:
            parts.append(body[last:i])
            last = i + 1
        i += 1
    parts.append(body[last:])
    return parts


class Resolver:
    """Resolves the variables of one serverless file (and the files it includes)."""

    def __init__(
        self, doc: Any, main: Path, file: str, ctx: LoadContext, result: LoadResult
    ) -> None:
        self.doc = doc
        self.ctx = ctx
        self.result = result
        self.file = file
        self.main = main
        self.paths: dict[str, Path] = {file: main}  # located file name -> absolute path
        self.files: dict[Path, Any] = {}  # parsed includes (Missing/Res for failures)
        self.memo: dict[tuple[Any, ...], Res | Missing] = {}
        self.active: set[tuple[Any, ...]] = set()
        self.deep_memo: dict[int, tuple[Any, Res]] = {}
        self.warned: set[tuple[str, Location]] = set()
        self.evaluations = 0
        self.depth = 0
        self._stage: str | None = None
        self._region: str | None = None
        self._dotenv: dict[str, str] | None = None

    # -- public ---------------------------------------------------------------------------------

    def resolve(self, value: Any, *, deep: bool = False, loc: Location | None = None) -> Res:
        """Resolve ``value``; ``deep`` also resolves inside mappings and lists."""
        if isinstance(value, str):
            if "${" not in value:
                return Res(value)
            res = self.resolve_string(value, location_of(value, loc or Location(self.file)))
            if deep and not res.opaque and isinstance(res.value, dict | list):
                inner = self._deep(res.value)
                return Res(inner.value, res.tags | inner.tags)
            return res
        if deep and isinstance(value, dict | list):
            return self._deep(value)
        return Res(value)

    def value(self, value: Any, *, deep: bool = False, loc: Location | None = None) -> Any:
        """The resolved value alone (the raw expression when it cannot be known)."""
        return self.resolve(value, deep=deep, loc=loc).value

    @property
    def stage(self) -> str:
        if self._stage is None:
            self._stage = self.ctx.stage or "dev"  # provisional: breaks ${sls:stage} cycles
            if not self.ctx.stage:
                found = self._provider_setting("stage")
                if found:
                    self._stage = found
        return self._stage

    @property
    def region(self) -> str:
        if self._region is None:
            self._region = self.ctx.region or "us-east-1"
            if not self.ctx.region:
                found = self._provider_setting("region")
                if found:
                    self._region = found
        return self._region

    # -- strings --------------------------------------------------------------------------------

    def resolve_string(self, text: str, loc: Location) -> Res:
        pieces = segments(text)
        if not any(is_var for is_var, _ in pieces):
            return Res(text)
        if len(pieces) == 1:
            res = self._variable(pieces[0][1], loc)
            if isinstance(res.value, str) and not isinstance(res.value, LStr):
                return Res(_located_str(res.value, loc), res.tags, res.opaque)
            return res
        out: list[str] = []
        tags: set[str] = set()
        opaque = False
        size = 0
        for is_var, piece in pieces:
            if not is_var:
                out.append(piece)
                size += len(piece)
                continue
            res = self._variable(piece, loc)
            tags |= res.tags
            text_value = to_text(res.value)
            if res.opaque:
                opaque = True
                text_value = piece
            elif text_value is None:
                text_value = piece
                opaque = True
                tags.add(UNRESOLVED)
                self.warn(piece, loc, "it is a mapping or list used inside a string")
            size += len(text_value)
            if size > MAX_TEXT:
                return self.unresolved(text, loc, "the resolved text is too large")
            out.append(text_value)
        return Res(_located_str("".join(out), loc), frozenset(tags), opaque)

    def _variable(self, raw: str, loc: Location) -> Res:
        self.evaluations += 1
        if self.evaluations > MAX_EVALUATIONS:
            return self.unresolved(raw, loc, "too many variables to resolve in this file")
        if self.depth >= MAX_DEPTH:
            return self.unresolved(raw, loc, "variables nested too deeply")
        self.depth += 1
        try:
            found = self._body(raw[2:-1], loc)
        finally:
            self.depth -= 1
        if isinstance(found, Missing):
            return self.unresolved(raw, loc, found.reason)
        if found.opaque:
            if found.why:
                self.warn(raw, loc, found.why)
            return Res(raw, found.tags, True)
        return found

    def _body(self, body: str, loc: Location) -> Res | Missing:
        parts = split_top(body)
        primary = parts[0]
        if "${" in primary:
            inner = self.resolve_string(primary, loc)
            if inner.opaque:
                return Res(None, inner.tags, True)
            if not isinstance(inner.value, str):
                return Res(None, frozenset({UNRESOLVED}), True, "a nested variable is not text")
            primary = inner.value
        match = _PARSE.match(primary)
        if match is None:
            return Missing(f"'{primary.strip()}' is not a variable")
        source, param, address = match.group(1), match.group(2), match.group(3)
        found = self._source(source, param, (address or "").strip(), loc)
        if not isinstance(found, Missing):
            return found
        paramish = source in _PARAMISH or (
            source == "opt" and (address or "").strip() not in ("stage", "region")
        )
        for fallback in parts[1:]:
            alt = self._fallback(fallback.strip(), loc)
            if isinstance(alt, Missing):
                continue
            if paramish and not alt.opaque and "${" not in fallback and not _HEAD.match(fallback):
                return Res(alt.value, alt.tags | {PARAMETER})  # the parameter's default value
            return alt
        return found

    def _fallback(self, text: str, loc: Location) -> Res | Missing:
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return Res(_located_str(text[1:-1], loc))
        if _NUMBER.match(text):
            return Res(float(text) if "." in text else int(text))
        if text in ("true", "false"):
            return Res(text == "true")
        if text == "null":
            return Res(None)
        if text.startswith("${") and text.endswith("}") and len(segments(text)) == 1:
            self.depth += 1
            try:
                return self._body(text[2:-1], loc)
            finally:
                self.depth -= 1
        if "${" in text:
            return self.resolve_string(text, loc)
        if _HEAD.match(text):  # legacy bare fallback: ${opt:stage, self:provider.stage}
            return self._body(text, loc)
        if not text:
            return Missing("empty fallback")
        return Res(_located_str(text, loc))

    # -- sources --------------------------------------------------------------------------------

    def _source(self, source: str, param: str | None, address: str, loc: Location) -> Res | Missing:
        if source == "self":
            return self._lookup(self.doc, self.file, address, loc)
        if source == "sls":
            if address == "stage":
                return Res(self.stage)
            return self.unknowable("only known at deploy time")
        if source == "opt":
            return self._option(address)
        if source == "env":
            value = self.ctx.env.get(address)
            if value is None:
                value = self.dotenv().get(address)
            if value is None:
                return Missing(f"environment variable {address} is not set")
            return Res(value, frozenset({PARAMETER}))
        if source == "param":
            return self._param(address, loc)
        if source == "file":
            return self._file((param or "").strip(), address, loc)
        if source == "ssm":
            tag = SECRETS_MANAGER if "/aws/reference/secretsmanager/" in address else SSM
            return Res(None, frozenset({tag}), True)
        if source in ("secretsmanager", "secrets"):
            return Res(None, frozenset({SECRETS_MANAGER}), True)
        if source == "aws":
            if address == "region":
                return Res(self.region)
            return self.unknowable("only known at deploy time")
        if source == "strToBool":
            return self._str_to_bool(param, loc)
        reason = _UNKNOWABLE.get(source, f"unknown variable source '{source}'")
        return self.unknowable(reason)

    def dotenv(self) -> dict[str, str]:
        """Variables from ``.env.<stage>`` or ``.env`` (v3 with ``useDotenv``; always in v4)."""
        if self._dotenv is not None:
            return self._dotenv
        self._dotenv = {}
        version = to_text(self.doc.get("frameworkVersion")) or ""
        enabled = self.doc.get("useDotenv") is True or version.lstrip("^~>= ").startswith("4")
        if not enabled:
            return self._dotenv
        for name in (f".env.{self.stage}", ".env"):
            path = self.main.parent / name
            try:
                if path.is_file() and path.stat().st_size <= self.ctx.max_file_size:
                    self._dotenv = parse_dotenv(path.read_text(encoding="utf-8", errors="replace"))
                    break
            except OSError:
                continue
        return self._dotenv

    def _option(self, name: str) -> Res | Missing:
        if name == "stage" and self.ctx.stage:
            return Res(self.ctx.stage)
        if name == "region" and self.ctx.region:
            return Res(self.ctx.region)
        if name in self.ctx.params and name not in ("stage", "region"):
            return Res(self.ctx.params[name], frozenset({PARAMETER}))
        return Missing(f"option --{name} is not given")

    def _param(self, name: str, loc: Location) -> Res | Missing:
        if name in self.ctx.params:
            return Res(self.ctx.params[name], frozenset({PARAMETER}))
        stage = self.stage
        for prefix in (
            f"stages.{stage}.params",
            "stages.default.params",
            f"params.{stage}",
            "params.default",
        ):
            found = self._lookup(self.doc, self.file, f"{prefix}.{name}", loc)
            if not isinstance(found, Missing):
                return Res(found.value, found.tags | {PARAMETER}, found.opaque)
        return Missing(f"parameter '{name}' is not defined for stage '{stage}'")

    def _str_to_bool(self, param: str | None, loc: Location) -> Res | Missing:
        text = (param or "").strip()
        if text in ("true", "1"):
            return Res(True)
        if text in ("false", "0", ""):
            return Res(False)
        return self.unknowable("not a boolean")

    def _file(self, raw_path: str, address: str, loc: Location) -> Res | Missing:
        raw_path = raw_path.strip("'\"")
        if not raw_path:
            return self.unknowable("no file name")
        base = self.paths.get(loc.file, self.main).parent
        path = (base / raw_path).resolve()
        root = self.ctx.root.resolve()
        if not path.is_relative_to(root):
            return self.unknowable("the file is outside the project")
        name = path.name.lower()
        if name.endswith(_UNEVALUATED_FILES):
            return self.unknowable("JavaScript is not evaluated")
        if not name.endswith(_PARSED_FILES):
            return self.unknowable("unsupported file type")
        data = self._read(path)
        if isinstance(data, Missing):
            return Missing(f"{data.reason}: {raw_path}")
        if isinstance(data, Res):
            return data
        return self._lookup(data, self.ctx.rel(path), address, loc)

    def _read(self, path: Path) -> Any:
        if path in self.files:
            return self.files[path]
        rel = self.ctx.rel(path)
        data: Any
        try:
            size = path.stat().st_size
            if not path.is_file():
                data = Missing("not a file")
            elif size > self.ctx.max_file_size:
                data = self._file_error(rel, f"file is {size:,} bytes, over the size limit")
            else:
                text = path.read_text(encoding="utf-8-sig")
                parse = parse_json if path.suffix.lower() == ".json" else parse_yaml
                data = parse(text, rel)
                self.paths[rel] = path
                self.result.included.add(rel)
        except FileNotFoundError:
            data = Missing("file not found")
        except (OSError, UnicodeDecodeError) as exc:
            data = self._file_error(rel, f"cannot read file: {exc}")
        except ParseError as exc:
            self.result.error("parse-error", exc.message, Location(rel, exc.line, exc.column))
            data = Res(None, frozenset({UNRESOLVED}), True, "the file cannot be parsed")
        self.files[path] = data
        return data

    def _file_error(self, rel: str, message: str) -> Res:
        self.result.error("unreadable", message, Location(rel))
        return Res(None, frozenset({UNRESOLVED}), True, "the file cannot be read")

    # -- navigation -----------------------------------------------------------------------------

    def _lookup(self, root: Any, file: str, address: str, loc: Location) -> Res | Missing:
        parts = [p for p in address.split(".")] if address else []
        node: Any = root
        tags: frozenset[str] = _NONE
        for depth in range(len(parts) + 1):
            step = self._settle(node, (file, tuple(parts[:depth])), loc)
            if isinstance(step, Missing) or step.opaque:
                return step
            node, tags = step.value, tags | step.tags
            if depth == len(parts):
                break
            node = _child(node, parts[depth])
            if node is _ABSENT:
                return Missing(f"'{'.'.join(parts[: depth + 1])}' is not set in {file}")
        return Res(node, tags)

    def _settle(self, node: Any, key: tuple[Any, ...], loc: Location) -> Res | Missing:
        """Resolve a node reached while navigating (memoized, cycle-checked)."""
        if not has_variables(node):
            return Res(node)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            path = ".".join(key[1]) or "(root)"
            return self.unresolved(
                str(node), location_of(node, loc), f"circular reference ({path})"
            )
        self.active.add(key)
        try:
            res = self.resolve_string(node, location_of(node, loc))
        finally:
            self.active.discard(key)
        self.memo[key] = res
        return res

    def _deep(self, value: Any) -> Res:
        key = id(value)
        if key in self.deep_memo:
            return self.deep_memo[key][1]
        tags: set[str] = set()
        out: Any
        if isinstance(value, dict):
            out = LDict()
            out.loc = getattr(value, "loc", Location(self.file))
            out.key_locs = dict(getattr(value, "key_locs", {}))
            self.deep_memo[key] = (
                value,
                Res(out),
            )  # a cycle through aliases sees the partial result
            for k, v in value.items():
                res = self.resolve(v, deep=True, loc=out.loc)
                out[k] = res.value
                tags |= res.tags
        else:
            out = LList()
            out.loc = getattr(value, "loc", Location(self.file))
            out.item_locs = list(getattr(value, "item_locs", []))
            self.deep_memo[key] = (value, Res(out))
            for item in value:
                res = self.resolve(item, deep=True, loc=out.loc)
                out.append(res.value)
                tags |= res.tags
        done = Res(out, frozenset(tags))
        self.deep_memo[key] = (value, done)
        return done

    def _provider_setting(self, name: str) -> str | None:
        provider = self.doc.get("provider") if isinstance(self.doc, dict) else None
        if not isinstance(provider, dict) or name not in provider:
            return None
        res = self.resolve(provider[name])
        text = to_text(res.value) if not res.opaque else None
        return text if text and text != "null" else None

    # -- diagnostics ----------------------------------------------------------------------------

    def warn(self, expression: str, loc: Location, reason: str) -> None:
        if (expression, loc) in self.warned:
            return
        self.warned.add((expression, loc))
        shown = expression if len(expression) <= 200 else expression[:197] + "..."
        self.result.warning("unresolved", f"cannot resolve {shown}: {reason}", loc)

    def unresolved(self, expression: str, loc: Location, reason: str) -> Res:
        self.warn(expression, loc, reason)
        return Res(expression, frozenset({UNRESOLVED}), True)

    @staticmethod
    def unknowable(reason: str) -> Res:
        return Res(None, frozenset({UNRESOLVED}), True, reason)


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=value`` lines (``export``, quotes and comments allowed), as dotenv reads them."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key.strip():
            out[key.strip()] = value
    return out


class _Absent:
    pass


_ABSENT: Any = _Absent()


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        if part in node:
            return node[part]
        if part.lstrip("-").isdigit() and int(part) in node:
            return node[int(part)]
        return _ABSENT
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return _ABSENT
