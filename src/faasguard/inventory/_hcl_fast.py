"""A hand-written HCL2 parser that builds exactly the tree the Lark path in :mod:`._hcl` builds.

python-hcl2's Lark grammar is the specification, quirks included: newlines are tokens and are
only accepted where the grammar lists ``new_line_or_comment``; a newline (or comment) directly
before a binary operator or ``?`` is merged into that operator (python-hcl2's post-lexer); newlines
after the right operand of a binary operation belong to that operation (Lark resolves the
shift/reduce conflict as shift), which moves its ``end``; parentheses vanish from the tree but
still bound the positions of the nodes around them. Anything this module is not certain to read
the way Lark does raises :class:`FastUnsupported` (or any other exception), and the caller then
parses the text with Lark, so results and error messages never differ.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from faasguard.inventory._hcl import (
    MAX_DEPTH,
    Attribute,
    BinOp,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    ObjectExpr,
    ObjectItem,
    Source,
    Splat,
    Template,
    TupleExpr,
    UnaryOp,
    Variable,
    _Converter,
    _merge_text,
    unescape,
)

MAX_NEST = 30  # bracket nesting read here; deeper input goes to Lark (no RecursionError)


class FastUnsupported(Exception):
    """Input this parser does not read (or not valid HCL): use the Lark path."""


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

_FRACTION = r"(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)"
_NUM = rf"[0-9]+{_FRACTION}?"
# python-hcl2's FLOAT_LITERAL / INT_LITERAL where they start with "-": its NEGATIVE_DECIMAL is
# "-" and ONE digit, so "-35" and "-3.5" are literals but "-3" is MINUS then 3, and "-1-2.5"
# is one (unconvertible) float token
_NEG = rf"(?:(?:-[0-9])+|-[0-9][0-9]+){_FRACTION}|-[0-9][0-9]+"
_STRING_CHARS = r'(?:[^"\\$%]|\\.|\$(?!\$?\{)|%(?!%?\{))'
_EXPR_RE = re.compile(
    "|".join(
        (
            r"(?P<ws>[ \t\r]+)",
            r"(?P<nl>\n[ \t]*|#[^\n]*\n|//[^\n]*\n|/\*[\s\S]*?\*/)",
            r"(?P<name>[a-zA-Z_][a-zA-Z0-9_-]*)",
            rf"(?P<num>{_NUM})",
            rf"(?P<neg>{_NEG})",
            rf'(?P<str>"{_STRING_CHARS}*")',
            r"(?P<hd><<-?(?P<hdname>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*"
            r"(?P=hdname)\r?\n)",
            r"(?P<dotnum>\.[0-9]+)",
            r'(?P<op>\.\.\.|\.\*|\[\*\]|==|!=|<=|>=|&&|\|\||=>|::|[-+*/%<>!?:=(){}\[\],."])',
        )
    )
)
_STRING_RE = re.compile(
    rf'(?P<esc>\$\$\{{[^}}]*\}}|%%\{{[^}}]*\}})|(?P<ch>{_STRING_CHARS}+)|(?P<is>\$\{{)|(?P<q>")'
)
_MERGING_OPS = frozenset(("==", "!=", "<", ">", "<=", ">=", "*", "/", "%", "&&", "||", "+", "?"))

NL, EOF = "NL", "EOF"


class _Tokens:
    """Token stream as parallel lists: kind, start, end, value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.kind: list[str] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.value: list[Any] = []
        self.pending: list[tuple[int, int]] = []  # newline/comment tokens not yet emitted
        self.stack: list[int] = []  # -1: inside a quoted string; n >= 0: in ${ } with n braces
        self._scan()

    def emit(self, kind: str, start: int, end: int, value: Any = None) -> None:
        self.kind.append(kind)
        self.start.append(start)
        self.end.append(end)
        self.value.append(value)

    def flush(self, merge: bool) -> str:
        """Emit pending newlines; with ``merge`` the last one joins the next operator."""
        pending = self.pending
        prefix = ""
        if merge:
            last = pending.pop()
            prefix = self.text[last[0] : last[1]]
        if pending:
            self.emit(NL, pending[0][0], pending[-1][1])
            pending.clear()
        return prefix

    def _scan(self) -> None:
        text = self.text
        pos, size = 0, len(text)
        stack = self.stack
        while pos < size:
            in_string = stack and stack[-1] < 0
            pos = self._string_token(pos) if in_string else self._expr_token(pos)
        if stack:
            raise FastUnsupported("unterminated string")
        if self.pending:
            self.flush(False)
        self.emit(EOF, size, size)

    def _string_token(self, pos: int) -> int:
        m = _STRING_RE.match(self.text, pos)
        if m is None:
            raise FastUnsupported("string")
        kind, end = m.lastgroup, m.end()
        if kind == "ch":
            self.emit("CH", pos, end, m.group())
        elif kind == "esc":
            self.emit("ESC", pos, end, m.group())
        elif kind == "is":
            self.emit("IS", pos, end)
            self.stack.append(0)
        else:
            self.emit("Q", pos, end)
            self.stack.pop()
        return end

    def _expr_token(self, pos: int) -> int:
        m = _EXPR_RE.match(self.text, pos)
        if m is None:
            raise FastUnsupported(f"unexpected character near offset {pos}")
        kind, end = m.lastgroup, m.end()
        if kind == "ws":
            return end
        if kind == "nl":
            self.pending.append((pos, end))
            return end
        text = m.group()
        prefix = self.flush(kind == "op" and text in _MERGING_OPS) if self.pending else ""
        if kind == "op":
            self._op(text, pos, end, prefix)
        elif kind == "name":
            self.emit("NAME", pos, end, text)
        elif kind == "str":
            self.emit("STR", pos, end, text[1:-1])
        elif kind == "dotnum":
            self.emit(".", pos, pos + 1)
            self.emit("NUM", pos + 1, end, text[1:])
        else:  # num, neg, hd
            self.emit(kind.upper(), pos, end, text)
        return end

    def _op(self, text: str, pos: int, end: int, prefix: str) -> None:
        stack = self.stack
        if text == '"':
            stack.append(-1)
            self.emit("Q", pos, end)
            return
        if stack:
            if text == "{":
                stack[-1] += 1
            elif text == "}":
                if stack[-1] == 0:
                    stack.pop()
                    self.emit("IE", pos, end)
                    return
                stack[-1] -= 1
        self.emit(text, pos, end, (prefix + text).strip() if prefix else text)


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

_BINARY_LEVEL = {
    "||": 0,
    "&&": 1,
    "==": 2,
    "!=": 2,
    "<": 3,
    ">": 3,
    "<=": 3,
    ">=": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "%": 5,
}
_KEYWORDS = frozenset(("in", "for", "if", "for_each", "else", "endif", "endfor"))
_LITERALS = {"true": True, "false": False, "null": None}

# A parsed expression: (node, outer start, outer end, height). "Outer" positions include the
# parentheses Lark keeps in its tree; height is the converter's depth below this Lark node.
Parsed = tuple[Expr, int, int, int]


class _Parser:
    def __init__(self, src: Source, text: str, shift: int) -> None:
        toks = _Tokens(text)
        self.src = src
        self.text = text
        self.shift = shift
        self.kind = toks.kind
        self.start = toks.start
        self.end = toks.end
        self.value = toks.value
        self.i = 0
        self.nest = 0
        self.closed_at = -1  # token index right after newlines a binary operation took
        self.closed_level = 0
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    # -- helpers ---------------------------------------------------------------------------

    def fail(self, what: str = "") -> FastUnsupported:
        return FastUnsupported(f"{what or 'unexpected'} {self.kind[self.i]!r} at {self.i}")

    def expect(self, kind: str) -> int:
        i = self.i
        if self.kind[i] != kind:
            raise self.fail(f"expected {kind!r}, got")
        self.i = i + 1
        return i

    def skip_nl(self) -> None:
        if self.kind[self.i] == NL:
            self.i += 1

    def line_col(self, pos: int) -> tuple[int, int]:
        n = bisect_left(self.newlines, pos)
        if n == 0:
            return 1, pos + 1
        return n + 1, pos - self.newlines[n - 1]

    def kw(self, start: int, end: int) -> tuple[Source, int, int, int, int]:
        """Positional Expr fields for a node spanning [start, end)."""
        line, column = self.line_col(start)
        if self.shift:
            column = max(column - self.shift, 1)
        return self.src, line, column, start, end

    # -- structure -------------------------------------------------------------------------

    def body(self, level: int, closer: str) -> Body:
        out = Body()
        kind = self.kind
        while True:
            self.skip_nl()
            k = kind[self.i]
            if k == closer:
                return out
            if k != "NAME":
                raise self.fail()
            if kind[self.i + 1] == "=":
                self.attribute(out, level)
            else:
                out.blocks.append(self.block(level + 1))

    def attribute(self, out: Body, level: int) -> None:
        i = self.i
        name = self.value[i]
        self.i = i + 2
        node, _, _, height = self.expression()
        if level + 1 + height > MAX_DEPTH:
            raise FastUnsupported("expression nested too deeply")
        line, column = self.line_col(self.start[i])
        out.attributes[name] = Attribute(name, node, line, column)

    def block(self, level: int) -> Block:
        if level > MAX_NEST:
            raise FastUnsupported("blocks nested too deeply")
        first = self.i
        kind = self.kind
        labels: list[str] = []
        self.i += 1
        while True:
            k = kind[self.i]
            if k == "NAME" or k == "STR":
                labels.append(self.value[self.i] if k == "NAME" else unescape(self.value[self.i]))
                self.i += 1
            elif k == "Q":
                labels.append(self.label_string())
            else:
                break
        self.skip_nl()
        self.expect("{")
        body = self.body(level, "}")
        close = self.expect("}")
        line, column = self.line_col(self.start[first])
        end_line = self.line_col(self.start[close])[0]
        return Block(self.value[first], labels, body, self.src, line, column, end_line)

    def label_string(self) -> str:
        self.i += 1
        out: list[str] = []
        while True:
            k = self.kind[self.i]
            if k == "Q":
                self.i += 1
                return "".join(out)
            if k != "CH" and k != "ESC":
                raise FastUnsupported("interpolation in a block label")
            out.append(unescape(self.value[self.i]))
            self.i += 1

    # -- expressions -----------------------------------------------------------------------

    def expression(self) -> Parsed:
        self.nest += 1
        if self.nest > MAX_NEST:
            raise FastUnsupported("nested too deeply")
        cond = self.binary(0)
        if self.kind[self.i] != "?":
            self.nest -= 1
            return cond
        self.i += 1
        self.skip_nl()
        then = self.expression()
        self.skip_nl()
        self.expect(":")
        self.skip_nl()
        other = self.expression()
        self.nest -= 1
        node = Conditional(*self.kw(cond[1], other[2]), cond=cond[0], then=then[0], other=other[0])
        return node, cond[1], other[2], 1 + max(cond[3], then[3], other[3])

    def binary(self, min_level: int) -> Parsed:
        left = self.unary()
        kind = self.kind
        while True:
            op = kind[self.i]
            level = _BINARY_LEVEL.get(op)
            if level is None or level < min_level:
                return left
            if self.i == self.closed_at and level > self.closed_level:
                raise self.fail("operator after a newline")
            left = self.binary_rest(left, level)

    def binary_rest(self, left: Parsed, level: int) -> Parsed:
        i = self.i
        op = self.value[i]
        self.i = i + 1
        self.skip_nl()
        right = self.binary(level + 1)
        end = right[2]
        if self.kind[self.i] == NL:  # the newline after the right operand is the operation's
            end = self.end[self.i]
            self.i += 1
            self.closed_at, self.closed_level = self.i, level
        node = BinOp(*self.kw(left[1], end), op=op, left=left[0], right=right[0])
        return node, left[1], end, 1 + max(left[3], right[3])

    def unary(self) -> Parsed:
        i = self.i
        op = self.kind[i]
        if op != "-" and op != "!":
            return self.term()
        self.i = i + 1
        operand = self.term()
        start = self.start[i]
        node = UnaryOp(*self.kw(start, operand[2]), op=op, operand=operand[0])
        return node, start, operand[2], 1 + operand[3]

    def term(self) -> Parsed:
        """An expr_term: a primary and its postfix operators (attributes, indexes, splats)."""
        cur = self.primary()
        kind = self.kind
        while True:
            k = kind[self.i]
            if k == ".":
                cur = self.get_attr(cur)
            elif k == "[":
                cur = self.index(cur)
            elif k == ".*" or k == "[*]":
                cur = self.splat(cur)
            else:
                return cur

    def get_attr(self, cur: Parsed) -> Parsed:
        self.i += 1
        i = self.i
        k = self.kind[i]
        self.i = i + 1
        if k == "NAME":
            node: Expr = GetAttr(*self.kw(cur[1], self.end[i]), source=cur[0], name=self.value[i])
        elif k == "NUM" and self.value[i].isdigit():
            key = Literal(*self.kw(self.start[i], self.end[i]), value=int(self.value[i]))
            node = Index(*self.kw(cur[1], self.end[i]), source=cur[0], key=key)
        else:
            raise self.fail()
        return node, cur[1], self.end[i], cur[3] + 2

    def index(self, cur: Parsed) -> Parsed:
        self.i += 1
        self.skip_nl()
        key = self.expression()
        self.skip_nl()
        close = self.expect("]")
        end = self.end[close]
        node = Index(*self.kw(cur[1], end), source=cur[0], key=key[0])
        return node, cur[1], end, 2 + max(cur[3], key[3])

    def splat(self, cur: Parsed) -> Parsed:
        kind, value = self.kind, self.value
        end = self.end[self.i]
        self.i += 1
        steps: list[tuple[str, Any]] = []
        height = cur[3]
        while True:
            i = self.i
            k = kind[i]
            if k == "." and kind[i + 1] == "NAME":
                steps.append(("attr", value[i + 1]))
            elif k == "." and kind[i + 1] == "NUM" and value[i + 1].isdigit():
                key = Literal(*self.kw(self.start[i + 1], self.end[i + 1]), value=int(value[i + 1]))
                steps.append(("index", key))
            elif k == "[":
                self.i += 1
                self.skip_nl()
                key_p = self.expression()
                self.skip_nl()
                end = self.end[self.expect("]")]
                steps.append(("index", key_p[0]))
                height = max(height, key_p[3])
                continue
            elif k == ".":
                raise self.fail()
            else:
                break
            end = self.end[i + 1]
            self.i = i + 2
        node = Splat(*self.kw(cur[1], end), source=cur[0], steps=steps)
        return node, cur[1], end, height + 2

    def primary(self) -> Parsed:
        i = self.i
        k = self.kind[i]
        handler = self._primaries.get(k)
        if handler is None:
            raise self.fail()
        return handler(self)

    # each primary is Lark's expr_term(<node>): one level more than the node's own height

    def p_name(self) -> Parsed:
        i = self.i
        name = self.value[i]
        start, end = self.start[i], self.end[i]
        if name in _LITERALS:
            self.i = i + 1
            return Literal(*self.kw(start, end), value=_LITERALS[name]), start, end, 1
        if name in _KEYWORDS:
            # Lark's contextual lexer makes these keyword tokens in some states (after a
            # newline, for one) and identifiers in others: leave that to Lark
            raise FastUnsupported(f"identifier {name!r}")
        nxt = self.kind[i + 1]
        if nxt == "(" or nxt == "::":
            return self.call()
        self.i = i + 1
        return Variable(*self.kw(start, end), name=name), start, end, 1

    def p_num(self) -> Parsed:
        i = self.i
        text = self.value[i]
        start, end = self.start[i], self.end[i]
        if self.kind[i] == "NEG" and text[2:3] == "-":  # "-1-2.5": one FLOAT_LITERAL to Lark
            raise FastUnsupported("negative float Lark cannot convert")
        self.i = i + 1
        is_float = "." in text or "e" in text or "E" in text
        value = float(text) if is_float else int(text)
        return Literal(*self.kw(start, end), value=value), start, end, 1

    def p_str(self) -> Parsed:
        i = self.i
        self.i = i + 1
        start, end = self.start[i], self.end[i]
        raw = self.value[i]
        parts: list[str | Expr] = [unescape(raw)] if raw else []
        return Template(*self.kw(start, end), parts=parts), start, end, 1

    def p_quote(self) -> Parsed:
        start = self.start[self.i]
        self.i += 1
        kind, value = self.kind, self.value
        parts: list[str | Expr] = []
        height = -1
        while True:
            i = self.i
            k = kind[i]
            self.i = i + 1
            if k == "CH":
                parts.append(unescape(value[i]))
            elif k == "ESC":
                parts.append(value[i][1:])
            elif k == "IS":
                inner = self.expression()
                self.expect("IE")
                parts.append(inner[0])
                height = max(height, inner[3])
            elif k == "Q":
                end = self.end[i]
                node = Template(*self.kw(start, end), parts=_merge_text(parts))
                return node, start, end, height + 2
            else:
                raise self.fail()

    def p_heredoc(self) -> Parsed:
        i = self.i
        self.i = i + 1
        start, end = self.start[i], self.end[i]
        src, line, column, _, _ = self.kw(start, end)
        kw = {"src": src, "line": line, "column": column, "start": start, "end": end}
        node = _Converter(self.src, self.shift)._heredoc_text(self.value[i], kw, 0)
        return node, start, end, 1

    def p_paren(self) -> Parsed:
        start = self.start[self.i]
        self.i += 1
        self.skip_nl()
        inner = self.expression()
        self.skip_nl()
        end = self.end[self.expect(")")]
        return inner[0], start, end, inner[3] + 1

    def call(self) -> Parsed:
        i = self.i
        names = [self.value[i]]
        self.i += 1
        if self.kind[self.i] == "::":
            self.i += 1
            names.append(self.value[self.expect("NAME")])
            self.expect("::")
            names.append(self.value[self.expect("NAME")])
            if any(n in _KEYWORDS or n in _LITERALS for n in names):
                raise FastUnsupported("keyword in a function name")
        self.expect("(")
        args, expand, height = self.arguments()
        end = self.end[self.expect(")")]
        start = self.start[i]
        node = Call(*self.kw(start, end), name="::".join(names), args=args, expand=expand)
        return node, start, end, height + 2

    def arguments(self) -> tuple[list[Expr], bool, int]:
        args: list[Expr] = []
        height = -1
        kind = self.kind
        self.skip_nl()
        while kind[self.i] != ")":
            arg = self.expression()
            args.append(arg[0])
            height = max(height, arg[3])
            k = kind[self.i]
            if k == "...":
                self.i += 1
                self.skip_nl()
                return args, True, height
            if k == ",":
                self.i += 1
                self.skip_nl()
            elif k == NL:
                self.i += 1
                if kind[self.i] == ",":
                    self.i += 1
                    self.skip_nl()
                    if kind[self.i] == ")":
                        raise self.fail("trailing comma after a newline")
                elif kind[self.i] != ")":
                    raise self.fail()
            elif k != ")":
                raise self.fail()
        return args, False, height

    def p_tuple(self) -> Parsed:
        start = self.start[self.i]
        self.i += 1
        self.skip_nl()
        kind = self.kind
        if kind[self.i] == "NAME" and self.value[self.i] == "for":
            return self.for_expr(start, "]")
        items: list[Expr] = []
        height = -1
        while kind[self.i] != "]":
            item = self.expression()
            items.append(item[0])
            height = max(height, item[3])
            self.skip_nl()
            if kind[self.i] != ",":
                break
            self.i += 1
            self.skip_nl()
        end = self.end[self.expect("]")]
        return TupleExpr(*self.kw(start, end), items=items), start, end, height + 2

    def p_object(self) -> Parsed:
        start = self.start[self.i]
        self.i += 1
        self.skip_nl()
        kind = self.kind
        if (
            kind[self.i] == "NAME"
            and self.value[self.i] == "for"
            and kind[self.i + 1] not in ("=", ":")
        ):
            return self.for_expr(start, "}")
        items: list[ObjectItem] = []
        height = -1
        while kind[self.i] != "}":
            height = max(height, self.object_item(items))
            self.skip_nl()
            if kind[self.i] == ",":
                self.i += 1
                self.skip_nl()
        end = self.end[self.expect("}")]
        return ObjectExpr(*self.kw(start, end), items=items), start, end, height + 2

    def object_item(self, items: list[ObjectItem]) -> int:
        i = self.i
        if self.kind[i] == "NAME" and self.value[i] in _KEYWORDS:
            start, end = self.start[i], self.end[i]
            key: Parsed = Variable(*self.kw(start, end), name=self.value[i]), start, end, 0
            self.i = i + 1
        else:
            key = self.expression()
        if self.kind[self.i] not in ("=", ":"):
            raise self.fail()
        self.i += 1
        value = self.expression()
        node = key[0]
        if isinstance(node, Variable):  # bare identifiers are literal keys
            node = Literal(node.src, node.line, node.column, node.start, node.end, node.name)
        line, column = self.line_col(key[1])
        items.append(ObjectItem(node, value[0], line, column))
        return max(key[3], value[3])

    def for_expr(self, start: int, closer: str) -> Parsed:
        self.i += 1
        self.skip_nl()
        names = [self.value[self.expect("NAME")]]
        if self.kind[self.i] == ",":
            self.i += 1
            names.append(self.value[self.expect("NAME")])
        if any(n in _KEYWORDS or n in _LITERALS for n in names):
            raise FastUnsupported("keyword as a for variable")
        self.skip_nl()
        self.keyword("in")
        self.skip_nl()
        collection = self.expression()
        self.skip_nl()
        self.expect(":")
        self.skip_nl()
        key = None
        if closer == "}":
            key = self.expression()
            self.expect("=>")
            self.skip_nl()
        value = self.expression()
        self.skip_nl()
        grouping = closer == "}" and self.kind[self.i] == "..."
        if grouping:
            self.i += 1
            self.skip_nl()
        cond = None
        if self.kind[self.i] == "NAME" and self.value[self.i] == "if":
            self.i += 1
            self.skip_nl()
            cond = self.expression()
            self.skip_nl()
        end = self.end[self.expect(closer)]
        parts = [p for p in (collection, key, value, cond) if p is not None]
        node = ForExpr(
            *self.kw(start, end),
            key_var=names[0] if len(names) == 2 else None,
            value_var=names[-1],
            collection=collection[0],
            key=key[0] if key else None,
            value=value[0],
            cond=cond[0] if cond else None,
            grouping=grouping,
        )
        return node, start, end, 2 + max(p[3] for p in parts)

    def keyword(self, word: str) -> None:
        if self.kind[self.i] != "NAME" or self.value[self.i] != word:
            raise self.fail(f"expected {word!r}, got")
        self.i += 1

    _primaries: dict[str, Any] = {
        "NAME": p_name,
        "NUM": p_num,
        "NEG": p_num,
        "STR": p_str,
        "Q": p_quote,
        "HD": p_heredoc,
        "(": p_paren,
        "[": p_tuple,
        "{": p_object,
    }


def parse_body(src: Source, text: str, shift: int = 0) -> Body:
    """Parse ``text`` (the file's text plus the newline Lark's path appends) into a Body.

    Raises FastUnsupported (or another exception) wherever the Lark path must decide.
    """
    parser = _Parser(src, text, shift)
    body = parser.body(0, EOF)
    parser.expect(EOF)
    return body
