"""YAML and JSON parsing that keeps, for every mapping, sequence and key, where it was written.

Loaders need line numbers in the file the user wrote; plain ``yaml.safe_load``/``json.loads`` lose
them. Documents are composed with libyaml (fast, nesting-bounded) and constructed here into
``LDict``/``LList``/``LStr`` values that carry a :class:`Location`. CloudFormation short-form tags
(``!Ref``, ``!Sub``, ``!GetAtt``...) become their long form. Alias expansion is bounded so a
"billion laughs" document fails fast with a clear error instead of exhausting memory.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from faasguard.model import Location

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader

_TAG_STR = "tag:yaml.org,2002:str"
_TAG_SEQ = "tag:yaml.org,2002:seq"
_TAG_MAP = "tag:yaml.org,2002:map"


def _implicit_table() -> tuple[dict[str, tuple[Any, ...]], tuple[Any, ...]]:
    """PyYAML's implicit resolvers by first character, each list already joined with the
    wildcard ones (``Resolver.resolve`` concatenates them on every scalar)."""
    table = _BaseLoader.yaml_implicit_resolvers
    wildcard = tuple(table.get(None, ()))
    by_first = {ch: tuple(rs) + wildcard for ch, rs in table.items() if ch is not None}
    return by_first, wildcard


_IMPLICIT, _IMPLICIT_ANY = _implicit_table()


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with ``resolve`` specialised to what it computes without path resolvers
    (none are registered: asserted below); called once per composed node."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], _IMPLICIT_ANY):
                    if regexp.match(value):
                        return tag  # type: ignore[no-any-return]
            return _TAG_STR
        return _TAG_SEQ if kind is yaml.SequenceNode else _TAG_MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass  # only path resolvers need the path

    def ascend_resolver(self) -> None:
        pass


assert not _BaseLoader.yaml_path_resolvers, "path resolvers would change tag resolution"

MAX_EXPANDED_NODES = 2_000_000
MAX_DEPTH = 200


class ParseError(Exception):
    """A document that cannot be read, with the place that broke it."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_UNKNOWN = Location("?")


class LDict(dict):  # type: ignore[type-arg]
    """A mapping that knows where it and each of its keys were written."""

    __slots__ = ("key_locs", "loc")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc: Location = _UNKNOWN
        self.key_locs: dict[Any, Location] = {}

    def where(self, key: Any) -> Location:
        """The location of ``key`` (its line), or of this mapping when the key is absent."""
        return self.key_locs.get(key, self.loc)


class LList(list):  # type: ignore[type-arg]
    __slots__ = ("item_locs", "loc")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.loc: Location = _UNKNOWN
        self.item_locs: list[Location] = []

    def where(self, index: int) -> Location:
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


class LStr(str):
    __slots__ = ("loc",)
    loc: Location


def location_of(value: Any, default: Location) -> Location:
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, Location) else default


def where(container: Any, key: Any, default: Location) -> Location:
    """Location of ``container[key]`` when known, else ``default``."""
    if isinstance(container, LDict | LList):
        return container.where(key)
    return default


_INTRINSIC_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
}
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_MERGE = "tag:yaml.org,2002:merge"


# Location(*fields) without the Python-level namedtuple __new__ (one Location per YAML node).
_location = functools.partial(tuple.__new__, Location)


def _to_number(text: str, kind: type) -> Any:
    cleaned = text.replace("_", "")
    try:
        return kind(cleaned, 0) if kind is int else kind(cleaned)
    except ValueError:
        try:
            return kind(cleaned)
        except ValueError:
            return None


class _Builder:
    def __init__(self, file: str, max_nodes: int, aliases: bool = True) -> None:
        self.file = file
        self.max_nodes = max_nodes
        self.aliases = aliases  # without anchors no node is reached twice: skip the memo
        self.memo: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}

    def loc(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        end = node.end_mark
        line = mark.line + 1
        if end is None:
            return _location((self.file, line, mark.column + 1, None))
        end_line = end.line + 1
        if end.column == 0 and end_line > line:
            end_line -= 1
        return _location((self.file, line, mark.column + 1, end_line))

    def expanded_size(self, node: yaml.Node, depth: int = 0) -> int:
        """Number of nodes once aliases are expanded, computed in linear time with a memo."""
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if depth > MAX_DEPTH:
            raise ParseError(
                f"document nested deeper than {MAX_DEPTH} levels",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        size = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                size += self.expanded_size(k, depth + 1) + self.expanded_size(v, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                size += self.expanded_size(item, depth + 1)
        self.sizes[key] = size
        if size > self.max_nodes:
            raise ParseError(
                f"document expands to more than {self.max_nodes:,} nodes (YAML alias bomb?)",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        return size

    def build(self, node: yaml.Node) -> Any:
        if self.aliases:
            key = id(node)
            if key in self.memo:
                return self.memo[key]
        kind, tag = node.__class__, node.tag
        if tag == _TAG_STR and kind is yaml.ScalarNode:  # most nodes
            value = LStr(node.value)
            value.loc = self.loc(node)
        elif kind is yaml.ScalarNode:
            value = self.scalar(node)
        elif kind is yaml.SequenceNode:
            value = self.sequence(node)
        else:
            value = self.mapping(node)
        if tag[0] == "!":
            value = self.apply_tag(node, value)
        if self.aliases:
            self.memo[key] = value
        return value

    def loc_of(self, value: Any, node: yaml.Node) -> Location:
        """The location of a built value: the one it already carries, else computed."""
        loc = getattr(value, "loc", None)
        return loc if loc is not None and loc.line == node.start_mark.line + 1 else self.loc(node)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == _TAG_STR:
            return self._str(text, node)
        if tag == _TAG_NULL:
            return None
        if tag == _TAG_BOOL:
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _TAG_INT:
            number = _to_number(text, int)
            return number if number is not None else self._str(text, node)
        if tag == _TAG_FLOAT:
            number = _to_number(text, float)
            return number if number is not None else self._str(text, node)
        return self._str(text, node)

    def _str(self, text: str, node: yaml.Node) -> LStr:
        s = LStr(text)
        s.loc = self.loc(node)
        return s

    def sequence(self, node: yaml.SequenceNode) -> LList:
        out = LList()
        out.loc = self.loc(node)
        item_locs = out.item_locs
        for item in node.value:
            value = self.build(item)
            out.append(value)
            item_locs.append(value.loc if value.__class__ is LStr else self.loc_of(value, item))
        return out

    def mapping(self, node: yaml.MappingNode) -> LDict:
        out = LDict()
        out.loc = self.loc(node)
        key_locs = out.key_locs
        merges: list[Any] = []
        for knode, vnode in node.value:
            if knode.tag == _TAG_MERGE:
                merges.append(self.build(vnode))
                continue
            key = self.build(knode)
            if key.__class__ is LStr:  # the common case: a plain string key
                where = key.loc
            else:
                where = self.loc_of(key, knode)
                if isinstance(key, list | dict):
                    key = json.dumps(key, sort_keys=True, default=str)
            out[key] = self.build(vnode)
            key_locs[key] = where
        for merged in merges:
            for source in merged if isinstance(merged, list) else [merged]:
                if isinstance(source, LDict):
                    for k, v in source.items():
                        if k not in out:
                            out[k] = v
                            out.key_locs[k] = source.where(k)
        return out

    def apply_tag(self, node: yaml.Node, value: Any) -> Any:
        tag = node.tag or ""
        if not tag.startswith("!") or tag == "!":
            return value
        name = _INTRINSIC_TAGS.get(tag)
        if name is None:
            short = tag[1:]
            name = short if short.startswith("Fn::") else f"Fn::{short}"
        if name == "Fn::GetAtt" and isinstance(value, str):
            head, _, tail = value.partition(".")
            parts = LList([head, tail])
            parts.loc = location_of(value, Location(self.file))
            value = parts
        out = LDict({name: value})
        out.loc = self.loc(node)
        out.key_locs[name] = out.loc
        return out


def _documents(text: str) -> Iterator[yaml.Node]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str, *, max_nodes: int = MAX_EXPANDED_NODES) -> Any:
    """Parse the first YAML document of ``text`` into located values. Raises ParseError."""
    docs = parse_yaml_all(text, file, max_nodes=max_nodes)
    return docs[0] if docs else None


def parse_yaml_all(text: str, file: str, *, max_nodes: int = MAX_EXPANDED_NODES) -> list[Any]:
    aliases = "&" in text and "*" in text
    builder = _Builder(file, max_nodes, aliases)
    try:
        nodes = list(_documents(text))
        if aliases:  # bound the expansion first
            for node in nodes:
                builder.expanded_size(node)
        return [builder.build(node) for node in nodes]
    except ParseError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ParseError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ParseError(f"document nested deeper than {MAX_DEPTH} levels") from None


def parse_json(text: str, file: str, *, max_nodes: int = MAX_EXPANDED_NODES) -> Any:
    """Parse JSON into located values.

    Validity is decided by :mod:`json` (exact error positions); locations come from composing the
    same text with libyaml, which reads JSON as YAML flow style once tabs (never legal inside a
    JSON string) are turned into spaces.
    """
    try:
        plain = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ParseError(f"document nested deeper than {MAX_DEPTH} levels") from None
    try:
        located = parse_yaml(text.replace("\t", " "), file, max_nodes=max_nodes)
    except ParseError as exc:
        if "nested deeper" in exc.message:
            raise
        return _relocate(plain, Location(file))
    return located if _same_shape(plain, located) else _relocate(plain, Location(file))


def _same_shape(plain: Any, located: Any) -> bool:
    if isinstance(plain, dict):
        return isinstance(located, dict) and plain.keys() == located.keys()
    if isinstance(plain, list):
        return isinstance(located, list) and len(plain) == len(located)
    return True


def _relocate(value: Any, loc: Location) -> Any:
    """Wrap plain JSON values as located values all pointing at ``loc`` (fallback only)."""
    if isinstance(value, dict):
        out = LDict()
        out.loc = loc
        for k, v in value.items():
            out[k] = _relocate(v, loc)
            out.key_locs[k] = loc
        return out
    if isinstance(value, list):
        seq = LList(_relocate(v, loc) for v in value)
        seq.loc = loc
        seq.item_locs = [loc] * len(seq)
        return seq
    if isinstance(value, str):
        s = LStr(value)
        s.loc = loc
        return s
    return value


def plain(value: Any) -> Any:
    """Strip location wrappers (for JSON output and comparisons)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, LStr):
        return str(value)
    return value
