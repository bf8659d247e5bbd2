"""HCL parsing for the Terraform loader: python-hcl2's grammar, our own located syntax tree.

python-hcl2's dict output has no line numbers, so we run its Lark parser (positions on) and turn
the raw parse tree into a small tree of our own where every block, attribute, object element and
expression knows the line and column where it is written in the user's file.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard.model import Location

MAX_DEPTH = 150  # parse-tree levels; HCL nesting this deep is never hand-written


class HclError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class Source:
    file: str  # relative path shown in findings
    text: str

    def __repr__(self) -> str:
        return f"Source({self.file!r})"


# ---------------------------------------------------------------------------------------------
# Syntax tree
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Expr:
    src: Source
    line: int
    column: int
    start: int
    end: int

    @property
    def loc(self) -> Location:
        return Location(self.src.file, self.line, self.column)

    @property
    def text(self) -> str:
        return self.src.text[self.start : self.end].strip()


@dataclass(slots=True, eq=False)
class Literal(Expr):
    value: Any = None


@dataclass(slots=True, eq=False)
class Template(Expr):
    parts: list[str | Expr] = field(default_factory=list)
    directives: bool = False  # %{ if } / %{ for }: not evaluated


@dataclass(slots=True, eq=False)
class Variable(Expr):
    name: str = ""


@dataclass(slots=True, eq=False)
class GetAttr(Expr):
    source: Expr | None = None
    name: str = ""


@dataclass(slots=True, eq=False)
class Index(Expr):
    source: Expr | None = None
    key: Expr | None = None


@dataclass(slots=True, eq=False)
class Splat(Expr):
    source: Expr | None = None
    steps: list[tuple[str, Any]] = field(default_factory=list)  # ("attr", name) | ("index", Expr)


@dataclass(slots=True, eq=False)
class Call(Expr):
    name: str = ""
    args: list[Expr] = field(default_factory=list)
    expand: bool = False


@dataclass(slots=True, eq=False)
class TupleExpr(Expr):
    items: list[Expr] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class ObjectItem:
    key: Expr
    value: Expr
    line: int
    column: int


@dataclass(slots=True, eq=False)
class ObjectExpr(Expr):
    items: list[ObjectItem] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Conditional(Expr):
    cond: Expr | None = None
    then: Expr | None = None
    other: Expr | None = None


@dataclass(slots=True, eq=False)
class BinOp(Expr):
    op: str = ""
    left: Expr | None = None
    right: Expr | None = None


@dataclass(slots=True, eq=False)
class UnaryOp(Expr):
    op: str = ""
    operand: Expr | None = None


@dataclass(slots=True, eq=False)
class ForExpr(Expr):
    key_var: str | None = None
    value_var: str = ""
    collection: Expr | None = None
    key: Expr | None = None  # None for a tuple comprehension
    value: Expr | None = None
    cond: Expr | None = None
    grouping: bool = False


@dataclass(slots=True, eq=False)
class Attribute:
    name: str
    expr: Expr
    line: int
    column: int


@dataclass(slots=True, eq=False)
class Block:
    type: str
    labels: list[str]
    body: Body
    src: Source
    line: int
    column: int
    end_line: int

    @property
    def loc(self) -> Location:
        return Location(self.src.file, self.line, self.column, self.end_line)


@dataclass(slots=True, eq=False)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    """python-hcl2's grammar in a Lark LALR parser, cached in a writable place.

    Positions are not propagated to every tree node (that more than doubles the parse time);
    :meth:`_Converter._pos` reads them from the first and last tokens of a node instead.
    """
    import hcl2.parser as hp
    from hcl2.postlexer import PostLexer
    from lark import Lark

    return Lark.open(
        "hcl2.lark",
        parser="lalr",
        cache=str(_user_cache_file()),
        rel_to=hp.__file__,
        propagate_positions=False,
        postlex=PostLexer(),
    )


def _user_cache_file() -> Path:
    try:
        from importlib.metadata import version

        tag = version("python-hcl2")
    except Exception:
        tag = "unknown"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faasguard"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(os.environ.get("TMPDIR", "/tmp"))
    return base / f"hcl2-{tag}-lalr-nopos.bin"


def parse(text: str, file: str) -> Body:
    """Parse a .tf file. Raises HclError with the line of the problem.

    The hand-written parser in :mod:`._hcl_fast` builds the same tree several times faster;
    whatever it does not read (including every syntax error) goes through Lark, so results and
    error messages are Lark's.
    """
    src = Source(file, text)
    try:
        from faasguard.inventory._hcl_fast import parse_body

        return parse_body(src, text + "\n")
    except Exception:
        pass
    tree = _lark_parse(text + "\n")
    try:
        return _Converter(src).body(tree.children[0], 0)
    except RecursionError:
        raise HclError("expression nested too deeply to read") from None


def parse_expression(text: str, src: Source, line: int, column: int = 1) -> Expr:
    """Parse one expression written at ``line`` of ``src`` (used for heredoc interpolations)."""
    padded = "\n" * (line - 1) + " " * max(column - 1, 0)
    prefix = "x = ("
    full = f"{padded}{prefix}{text}\n)\n"
    try:
        from faasguard.inventory._hcl_fast import parse_body

        fast = parse_body(Source(src.file, full), full, shift=len(prefix))
        return fast.attributes["x"].expr
    except Exception:
        pass
    tree = _lark_parse(full)
    body = _Converter(Source(src.file, full), shift=len(prefix)).body(tree.children[0], 0)
    return body.attributes["x"].expr


def parse_template(text: str, src: Source, line: int = 1) -> Template:
    """A template file's text (``templatefile``) as a Template expression."""
    conv = _Converter(src)
    parts, directives = conv._template_parts(text, line, 0)
    kw = {"src": src, "line": line, "column": 1, "start": 0, "end": len(src.text)}
    return Template(**kw, parts=parts, directives=directives)


def _lark_parse(text: str) -> Any:
    from lark.exceptions import LarkError, UnexpectedInput

    _import_lark_types()  # every Lark node the module handles comes from here

    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", 1)
        column = getattr(exc, "column", 1)
        if not isinstance(line, int) or line < 1:
            line = max(text.count("\n"), 1)
            column = 1
        raise HclError(f"invalid HCL: {_short(exc)}", line, column) from None
    except LarkError as exc:
        raise HclError(f"invalid HCL: {_short(exc)}") from None
    except RecursionError:
        raise HclError("expression nested too deeply to read") from None


def _short(exc: Exception) -> str:
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "unexpected end of file (a block, string or bracket is not closed)"
    if token is not None:
        return f"unexpected {str(token)[:40]!r}"
    first = str(exc).strip().splitlines()
    text = first[0] if first else type(exc).__name__
    return text[:200]


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(nxt)
            if width:
                digits = text[i + 2 : i + 2 + width]
                try:
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
                except ValueError:
                    pass
        out.append(ch)
        i += 1
    return "".join(out)


def _edge_token(node: Any, side: int) -> Any:
    """The first (side 0) or last (side -1) token under ``node``, or None."""

    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Token):
            return current
        if current is None or not getattr(current, "children", None):
            continue
        children = current.children
        # visit children nearest the wanted edge first
        stack.extend(children if side == -1 else reversed(children))
    return None


# Lark's node types, imported with the fallback parser: the fast parser reads nearly every
# file, and importing Lark costs ~40 ms of every scan with Terraform in it.
Token: Any = None
Tree: Any = None


def _import_lark_types() -> None:
    global Token, Tree
    if Token is None:
        from lark import Token as LarkToken
        from lark import Tree as LarkTree

        Token, Tree = LarkToken, LarkTree


class _Converter:
    """Lark parse tree -> our syntax tree."""

    def __init__(self, src: Source, shift: int = 0) -> None:
        _import_lark_types()
        self.src = src
        self.shift = shift  # column shift for parse_expression's "x = (" prefix

    # -- helpers ---------------------------------------------------------------------------

    def _pos(self, node: Any) -> tuple[int, int, int, int]:
        first = _edge_token(node, 0)
        if first is None:
            return 1, 1, 0, 0
        last = _edge_token(node, -1) or first
        return first.line or 1, first.column or 1, first.start_pos or 0, last.end_pos or 0

    def _end_line(self, node: Any, default: int) -> int:
        last = _edge_token(node, -1)
        return (last.end_line or default) if last is not None else default

    def _kw(self, node: Any) -> dict[str, Any]:
        line, column, start, end = self._pos(node)
        if self.shift:
            column = max(column - self.shift, 1)
        return {"src": self.src, "line": line, "column": column, "start": start, "end": end}

    @staticmethod
    def _trees(node: Any) -> list[Any]:

        return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]

    @staticmethod
    def _name(node: Any) -> str:

        if isinstance(node, Token):
            return str(node)
        if node.data == "string":
            return "".join(unescape(str(p.children[0])) for p in node.children[1:-1])
        return str(node.children[0])

    # -- structure -------------------------------------------------------------------------

    def body(self, tree: Any, depth: int) -> Body:
        out = Body()
        for child in self._trees(tree):
            if child.data == "attribute":
                name_node, expr_node = self._trees(child)[0], self._trees(child)[-1]
                line, column, _, _ = self._pos(child)
                name = self._name(name_node)
                out.attributes[name] = Attribute(
                    name, self.expr(expr_node, depth + 1), line, column
                )
            elif child.data == "block":
                out.blocks.append(self.block(child, depth + 1))
        return out

    def block(self, tree: Any, depth: int) -> Block:
        if depth > MAX_DEPTH:
            raise HclError("blocks nested too deeply", *self._pos(tree)[:2])
        parts = self._trees(tree)
        head, body = parts[:-1], parts[-1]
        line, column, _, _ = self._pos(tree)
        end_line = self._end_line(tree, line)
        return Block(
            type=self._name(head[0]),
            labels=[self._name(h) for h in head[1:]],
            body=self.body(body, depth),
            src=self.src,
            line=line,
            column=column,
            end_line=end_line,
        )

    # -- expressions -----------------------------------------------------------------------

    def expr(self, node: Any, depth: int) -> Expr:

        if depth > MAX_DEPTH:
            raise HclError("expression nested too deeply", *self._pos(node)[:2])
        if isinstance(node, Token):
            return Literal(**self._kw(node), value=str(node))
        handler = getattr(self, "_x_" + node.data, None)
        if handler is None:
            return Template(**self._kw(node), parts=[], directives=True)
        return handler(node, depth + 1)

    def _x_expr_term(self, node: Any, depth: int) -> Expr:
        trees = self._trees(node)
        if not trees:
            return Literal(**self._kw(node), value=None)
        return self.expr(trees[0], depth)

    def _x_int_lit(self, node: Any, depth: int) -> Expr:
        return Literal(**self._kw(node), value=int(str(node.children[0])))

    def _x_float_lit(self, node: Any, depth: int) -> Expr:
        return Literal(**self._kw(node), value=float(str(node.children[0])))

    def _x_literal_value(self, node: Any, depth: int) -> Expr:
        word = str(node.children[0])
        value = {"true": True, "false": False, "null": None}.get(word)
        return Literal(**self._kw(node), value=value)

    def _x_identifier(self, node: Any, depth: int) -> Expr:
        return Variable(**self._kw(node), name=str(node.children[0]))

    _x_keyword = _x_identifier

    def _x_template_string(self, node: Any, depth: int) -> Expr:
        raw = str(node.children[0])
        return Literal(**self._kw(node), value=unescape(raw[2:-2]))

    def _x_string(self, node: Any, depth: int) -> Expr:
        parts: list[str | Expr] = []
        directives = False
        for part in node.children[1:-1]:
            inner = part.children[0]

            if isinstance(inner, Token):
                text = str(inner)
                if inner.type == "ESCAPED_INTERPOLATION" or inner.type == "ESCAPED_DIRECTIVE":
                    parts.append(text[1:])
                else:
                    parts.append(unescape(text))
            elif inner.data == "interpolation":
                parts.append(self.expr(self._trees(inner)[0], depth))
            else:
                directives = True
        return Template(**self._kw(node), parts=_merge_text(parts), directives=directives)

    def _x_heredoc_template(self, node: Any, depth: int) -> Expr:
        return self._heredoc(node, depth)

    _x_heredoc_template_trim = _x_heredoc_template

    def _heredoc(self, node: Any, depth: int) -> Expr:
        return self._heredoc_text(str(node.children[0]), self._kw(node), depth)

    def _heredoc_text(self, raw: str, kw: dict[str, Any], depth: int) -> Expr:
        """A heredoc token's text (``<<EOF`` line to end marker) as a Template."""
        match = _HEREDOC.match(raw)
        if match is None:
            return Template(**kw, parts=[], directives=True)
        trim = match.group(1)
        rest = raw[match.end() :].rstrip("\r\n")
        cut_at = rest.rfind("\n")
        lines = rest[:cut_at].split("\n") if cut_at >= 0 else []
        if trim:
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
            cut = min(indents, default=0)
            lines = [ln[cut:] for ln in lines]
        body = "".join(ln.rstrip("\r") + "\n" for ln in lines)
        parts, directives = self._template_parts(body, kw["line"] + 1, depth)
        return Template(**kw, parts=parts, directives=directives)

    def _template_parts(self, text: str, line: int, depth: int) -> tuple[list[str | Expr], bool]:
        """Split heredoc text into literal text and ${...} interpolations."""
        parts: list[str | Expr] = []
        directives = False
        i = 0
        buf: list[str] = []
        while i < len(text):
            if text.startswith("$${", i) or text.startswith("%%{", i):
                buf.append(text[i + 1 : i + 3])
                i += 3
                continue
            if text.startswith("${", i) or text.startswith("%{", i):
                close = _matching_brace(text, i + 1)
                if close < 0:
                    buf.append(text[i:])
                    break
                if text[i] == "%":
                    directives = True
                else:
                    at = line + text.count("\n", 0, i)
                    inner = text[i + 2 : close].strip().strip("~").strip()
                    parts.append("".join(buf))
                    buf = []
                    parts.append(parse_expression(inner, self.src, at))
                i = close + 1
                continue
            buf.append(text[i])
            i += 1
        parts.append("".join(buf))
        return _merge_text(parts), directives

    def _x_tuple(self, node: Any, depth: int) -> Expr:
        items = [self.expr(t, depth) for t in self._trees(node)]
        return TupleExpr(**self._kw(node), items=items)

    def _x_object(self, node: Any, depth: int) -> Expr:
        items: list[ObjectItem] = []
        for elem in self._trees(node):
            key_node, value_node = self._trees(elem)
            key_trees = self._trees(key_node)
            key = (
                self.expr(key_trees[0], depth)
                if key_trees
                else Literal(**self._kw(key_node), value=str(key_node.children[0]))
            )
            if isinstance(key, Variable):  # bare identifiers are literal keys
                key = Literal(
                    src=key.src,
                    line=key.line,
                    column=key.column,
                    start=key.start,
                    end=key.end,
                    value=key.name,
                )
            line, column, _, _ = self._pos(elem)
            items.append(ObjectItem(key, self.expr(value_node, depth), line, column))
        return ObjectExpr(**self._kw(node), items=items)

    def _x_function_call(self, node: Any, depth: int) -> Expr:

        names = [
            str(c.children[0]) for c in node.children if getattr(c, "data", "") == "identifier"
        ]
        args: list[Expr] = []
        expand = False
        for c in node.children:
            if getattr(c, "data", "") == "arguments":
                args = [self.expr(a, depth) for a in self._trees(c)]
                expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in c.children)
        return Call(**self._kw(node), name="::".join(names), args=args, expand=expand)

    def _x_get_attr_expr_term(self, node: Any, depth: int) -> Expr:
        source, attr = self._trees(node)
        return GetAttr(**self._kw(node), source=self.expr(source, depth), name=self._attr(attr))

    def _x_index_expr_term(self, node: Any, depth: int) -> Expr:
        source, index = self._trees(node)
        return Index(
            **self._kw(node), source=self.expr(source, depth), key=self._index(index, depth)
        )

    def _attr(self, node: Any) -> str:
        return str(self._trees(node)[0].children[0])

    def _index(self, node: Any, depth: int) -> Expr:
        if node.data == "short_index":
            token = node.children[-1]
            return Literal(**self._kw(token), value=int(str(token)))
        return self.expr(self._trees(node)[0], depth)

    def _x_attr_splat_expr_term(self, node: Any, depth: int) -> Expr:
        source, splat = self._trees(node)
        steps: list[tuple[str, Any]] = []
        for step in self._trees(splat):
            if step.data == "get_attr":
                steps.append(("attr", self._attr(step)))
            else:
                steps.append(("index", self._index(step, depth)))
        return Splat(**self._kw(node), source=self.expr(source, depth), steps=steps)

    _x_full_splat_expr_term = _x_attr_splat_expr_term

    def _x_conditional(self, node: Any, depth: int) -> Expr:
        cond, then, other = (self.expr(t, depth) for t in self._trees(node))
        return Conditional(**self._kw(node), cond=cond, then=then, other=other)

    def _x_binary_op(self, node: Any, depth: int) -> Expr:
        left, term = self._trees(node)[:2]
        op_node, right = self._trees(term)[:2]
        op = str(op_node.children[0]).strip()
        return BinOp(
            **self._kw(node),
            op=op,
            left=self.expr(left, depth),
            right=self.expr(right, depth),
        )

    def _x_unary_op(self, node: Any, depth: int) -> Expr:
        op = str(node.children[0])
        operand = self.expr(self._trees(node)[0], depth)
        return UnaryOp(**self._kw(node), op=op, operand=operand)

    def _x_for_tuple_expr(self, node: Any, depth: int) -> Expr:
        return self._for(node, depth, is_object=False)

    def _x_for_object_expr(self, node: Any, depth: int) -> Expr:
        return self._for(node, depth, is_object=True)

    def _for(self, node: Any, depth: int, *, is_object: bool) -> Expr:

        trees = self._trees(node)
        intro = trees[0]
        intro_trees = self._trees(intro)
        names = [str(t.children[0]) for t in intro_trees if t.data == "identifier"]
        collection = self.expr(intro_trees[-1], depth)
        rest = trees[1:]
        cond = None
        if rest and rest[-1].data == "for_cond":
            cond = self.expr(self._trees(rest[-1])[0], depth)
            rest = rest[:-1]
        key = self.expr(rest[0], depth) if is_object else None
        value = self.expr(rest[-1], depth)
        grouping = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        return ForExpr(
            **self._kw(node),
            key_var=names[0] if len(names) == 2 else None,
            value_var=names[-1] if names else "_",
            collection=collection,
            key=key,
            value=value,
            cond=cond,
            grouping=grouping,
        )


def _matching_brace(text: str, open_at: int) -> int:
    """Index of the brace closing the one at ``open_at``, skipping quoted strings."""
    depth = 0
    i = open_at
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _merge_text(parts: list[str | Expr]) -> list[str | Expr]:
    out: list[str | Expr] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if out and isinstance(out[-1], str):
                out[-1] = out[-1] + part
                continue
        out.append(part)
    return out
