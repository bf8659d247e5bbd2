"""SQL injection: lex the input as SQL in three quote contexts and score token sequences."""

from __future__ import annotations

import re
from collections import namedtuple

from ._hit import Hit, has_marked, lazy, split_needles

MAX_TOKENS = 400

# Whitespace is skipped inside the pattern (possessively, so no backtracking) rather than
# returned as tokens: half the matches and Python iterations on prose. Trailing whitespace is
# the only place no token follows; the last alternative consumes it in one match.
_TOKEN = lazy(
    r"""
     \s*+(?:
     (?P<c>--[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z)|;%00)
    |(?P<s>'(?:[^'\\]|\\.|'')*(?:'|\Z)|"(?:[^"\\]|\\.|"")*(?:"|\Z)|`[^`]*(?:`|\Z))
    |(?P<v>@@?[\w$.]*)
    |(?P<n>0x[0-9a-f]+(?!\w)|\d+(?:\.\d+)?(?![\w.]))
    |(?P<w>[\w$]+(?:\.\.?[\w$]+)*)
    |(?P<o>\|\||&&|<=>|<>|!=|<=|>=|::|:=|[=<>!+\-*/%^&|~])
    |(?P<p>[(),;])
    |(?P<x>.)
    )|(?P<ws>\s+)
    """,
    re.I | re.S | re.X,
)

_VERSIONED = lazy(r"/\*!\d{0,6}|\*/")
_LOGIC = frozenset({"and", "or", "xor", "&&", "||", "div"})
_CMP = frozenset({"=", "<>", "!=", "<=>", "like", "rlike", "regexp", "is", "<", ">", "<=", ">="})
_EQ = frozenset({"=", "<>", "!=", "<=>", "like", "rlike", "regexp", "is"})
_LITERALS = frozenset({"true", "false", "null"})
_SLEEPERS = frozenset(
    {
        "sleep",
        "pg_sleep",
        "benchmark",
        "randomblob",
        "dbms_pipe.receive_message",
        "dbms_lock.sleep",
        "get_lock",
    }
)
_DANGEROUS = frozenset(
    {
        "xp_cmdshell",
        "master..xp_cmdshell",
        "xp_dirtree",
        "sp_executesql",
        "load_file",
        "information_schema",
        "utl_inaddr.get_host_address",
        "utl_http.request",
        "extractvalue",
        "updatexml",
        "sysobjects",
        "syscolumns",
        "sqlite_master",
        "pg_catalog",
        "mysql.user",
        "sys.user$",
        "group_concat",
        "version",
        "current_user",
        "session_user",
        "system_user",
        "database",
        "user",
        "char",
        "chr",
        "concat",
        "ascii",
        "substring",
        "substr",
        "mid",
        "cast",
        "convert",
        "if",
        "iif",
        "count",
        "md5",
        "sha1",
        "elt",
        "make_set",
        "nchar",
        "exp",
        "floor",
        "rand",
        "hex",
        "unhex",
        "ord",
        "len",
        "length",
        "db_name",
        "current_setting",
        "pg_read_file",
        "dbms_xmlgen.getxml",
        "lo_import",
    }
)
_OPERAND = frozenset({"s", "n", "w", "v", "f", "("})
_ENDERS = frozenset({"c", ";", "end"})


# kind is one of: s n w v f o l c ( ) , ; x end  (string, number, word, variable, function...)
Tok = namedtuple("Tok", "kind text start")
_new_tuple = tuple.__new__


def _lex(text: str) -> list[Tok]:
    toks: list[Tok] = []
    append = toks.append
    new = _new_tuple  # Tok(...) without the namedtuple's Python-level __new__ frame
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "x"
        if kind == "ws":
            continue
        value = m.group(kind)
        start = m.start(kind)
        if kind == "p":
            kind = value
        elif kind == "w":
            low = value.lower()
            kind = "l" if low in _LOGIC else "k" if low in _KEYWORDS else "w"
            value = low
        elif kind == "o" and value in ("&&", "||"):
            kind = "l"
        append(new(Tok, (kind, value, start)))
        if len(toks) >= MAX_TOKENS:
            break
    for i, t in enumerate(toks[:-1]):
        if t.kind in ("w", "k") and toks[i + 1].kind == "(":
            toks[i] = Tok("f", t.text, t.start)
    toks.extend([Tok("end", "", len(text))] * 6)
    return toks


_KEYWORDS = frozenset(
    {
        "select",
        "union",
        "insert",
        "update",
        "delete",
        "drop",
        "from",
        "where",
        "having",
        "group",
        "order",
        "by",
        "into",
        "values",
        "exec",
        "execute",
        "declare",
        "waitfor",
        "delay",
        "limit",
        "like",
        "rlike",
        "regexp",
        "is",
        "null",
        "true",
        "false",
        "case",
        "when",
        "then",
        "else",
        "all",
        "distinct",
        "set",
        "create",
        "alter",
        "truncate",
        "shutdown",
        "grant",
        "outfile",
        "dumpfile",
        "procedure",
        "table",
        "database",
        "not",
        "begin",
        "copy",
        "backup",
    }
)


def _operand_end(toks: list[Tok], i: int) -> int:
    """Index after one operand starting at i (skipping a function call or parenthesis), or -1."""
    t = toks[i]
    if t.kind in ("s", "n", "v") or (t.kind in ("w", "k") and t.text not in _CMP):
        return i + 1
    if t.kind in ("f", "("):
        depth = 0
        for j in range(i + (1 if t.kind == "f" else 0), len(toks)):
            if toks[j].kind == "(":
                depth += 1
            elif toks[j].kind == ")":
                depth -= 1
                if depth == 0:
                    return j + 1
        return len(toks) - 1
    return -1


def _is_cmp(tok: Tok) -> bool:
    return (tok.kind == "o" or tok.kind == "k") and tok.text in _CMP


def _tautology(toks: list[Tok], i: int, quoted: bool) -> float:
    """Confidence that the logic operator at i starts an injected condition."""
    j = i + 1
    while toks[j].kind == "(":
        j += 1
    first = toks[j]
    if first.kind == "k" and first.text == "select":
        return 0.9
    if quoted and first.kind == "f":
        return 0.8
    if quoted and first.kind == "s":
        after = toks[j + 1]
        if after.kind in ("end", "s", "l", "c") or (
            after.kind == "o" and toks[j + 2].kind in ("s", "end")
        ):
            return 0.8
    if first.text in _LITERALS or first.kind == "n":
        after = toks[j + 1]
        if after.kind in _ENDERS or after.kind in (")", "l") or (quoted and after.kind == "s"):
            return 0.85 if quoted or after.kind == "c" else 0.7
    end = _operand_end(toks, j)
    while end > 0 and toks[end].kind == ")":
        end += 1
    if end < 0 or not _is_cmp(toks[end]):
        return 0.0
    rhs = toks[end + 1]
    if toks[end].text == "is" and rhs.kind == "k" and rhs.text == "not":
        rhs = toks[end + 2]
    if rhs.kind not in _OPERAND and rhs.text not in _LITERALS:
        return 0.0
    literal = first.kind in ("s", "n") or rhs.kind in ("s", "n")
    if quoted:
        return 0.9
    if toks[end].text in _EQ and literal:
        return 0.85
    if i == 0 and toks[end].text in _EQ:
        return 0.75
    tail = toks[_operand_end(toks, end + 1)] if _operand_end(toks, end + 1) > 0 else rhs
    return 0.8 if tail.kind == "c" else 0.0


def _statement(toks: list[Tok], i: int) -> bool:
    """Does a recognisable SQL statement start at i?"""
    t, n1, n2 = toks[i], toks[min(i + 1, len(toks) - 1)], toks[min(i + 2, len(toks) - 1)]
    word = t.text
    if word == "select":
        return _select_shaped(toks, i)
    if word in ("drop", "create", "alter", "truncate", "backup"):
        return n1.text in ("table", "database", "function", "procedure", "user", "view", "login")
    if word == "insert":
        return n1.text == "into"
    if word == "delete":
        after = toks[min(i + 3, len(toks) - 1)]
        return n1.text == "from" and (after.kind in ("c", ";") or after.text == "where")
    if word == "update":
        return n2.text == "set"
    if word in ("exec", "execute"):
        return n1.kind in ("f", "v", "(", "s") or n1.text.startswith(("xp_", "sp_", "master."))
    if word == "declare":
        return n1.kind == "v"
    if word == "waitfor":
        return n1.text in ("delay", "time")
    if word == "shutdown":
        return n1.kind in _ENDERS
    if word == "grant":
        return any(x.text == "to" for x in toks[i : i + 6])
    if word == "copy":
        return n2.text in ("to", "from")
    return word == "if" and n1.kind in ("f", "(")


def _select_shaped(toks: list[Tok], i: int) -> bool:
    nxt = toks[i + 1]
    if nxt.kind in ("s", "n", "v", "f", "(") or nxt.text in ("*", "null", "distinct", "all"):
        return True
    if nxt.kind == "w" and toks[i + 2].kind == "k" and toks[i + 2].text == "from":
        after = toks[i + 4] if toks[i + 3].kind == "w" else toks[i + 3]
        return after.kind in _ENDERS or after.text in ("where", "limit", "order", "union", ")")
    return nxt.kind == "w" and toks[i + 2].kind in (";", "c") and nxt.text.endswith("user")


def _scan_context(toks: list[Tok], quoted: bool) -> list[tuple[str, float, Tok]]:
    hits: list[tuple[str, float, Tok]] = []
    opener = quoted and toks[0].kind == "s"
    if quoted and not opener:
        return hits
    if opener:
        nxt = toks[1]
        k = 1
        while toks[k].kind == ")":
            k += 1
        if toks[k].kind == "c" and toks[k + 1].kind == "end":
            hits.append(("sqli.comment-truncation", 0.8, toks[k]))
        elif nxt.kind in ("o", "l") and toks[-7].kind == "c" and len(toks) < 16:
            hits.append(("sqli.comment-truncation", 0.75, toks[-7]))
        if nxt.kind == "k" and _statement(toks, 1):
            hits.append(("sqli.stacked-query", 0.85, nxt))
        if nxt.kind == "o" and nxt.text in "-+*&^|" and toks[2].kind == "s" and len(toks) == 4:
            hits.append(("sqli.string-arithmetic", 0.6, nxt))
    for i, t in enumerate(toks):
        kind, word = t.kind, t.text
        if kind == "k" and word == "having":
            conf = _tautology(toks, i, quoted)
            if conf:
                hits.append(("sqli.tautology", conf, t))
        elif kind == "l":
            prev = toks[i - 1].kind if i else "start"
            if prev in ("s", "n", ")", "start", "c") and (prev != "s" or opener):
                conf = _tautology(toks, i, quoted)
                if conf:
                    hits.append(("sqli.tautology", conf, t))
        elif kind == "k" and word == "union":
            j = i + 1
            while toks[j].kind in ("c", "(") or toks[j].text in ("all", "distinct"):
                j += 1
            if toks[j].text.startswith("select"):
                hits.append(("sqli.union-select", 0.95, t))
        elif kind == "f" and word in _SLEEPERS:
            if toks[i + 2].kind == "n" or word not in ("sleep", "benchmark"):
                hits.append(("sqli.time-function", 0.9, t))
        elif kind == "k" and word == "waitfor" and toks[i + 1].text in ("delay", "time"):
            hits.append(("sqli.time-function", 0.9, t))
        elif kind == ";" and toks[i + 1].kind == "k" and _statement(toks, i + 1):
            hits.append(("sqli.stacked-query", 0.9, toks[i + 1]))
        elif kind == "k" and i == 0 and _statement(toks, 0):
            hits.append(("sqli.statement", 0.75, t))
        elif kind == "k" and word == "select" and i and _select_shaped(toks, i):
            hits.append(("sqli.select", 0.8, t))
        elif kind == "k" and word in ("order", "group") and toks[i + 1].text == "by":
            if toks[i + 2].kind == "n" and toks[i + 3].kind in ("c", "end", ",", ";"):
                hits.append(("sqli.order-by-probe", 0.7, t))
        elif (kind == "f" and word in _DANGEROUS and _function_context(toks, i, opener)) or (
            kind in ("w", "k") and word in ("xp_cmdshell", "information_schema", "outfile")
        ):
            hits.append(("sqli.function", 0.8, t))
        elif kind == "v" and word.startswith("@@") and len(word) > 3:
            hits.append(("sqli.system-variable", 0.7, t))
    return hits


def _function_context(toks: list[Tok], i: int, opener: bool) -> bool:
    """A SQL function counts when it sits in SQL, not in prose: operators or SQL around it."""
    prev = toks[i - 1] if i else Tok("start", "", 0)
    if prev.kind in ("o", "l", ",", "(") or (prev.kind == "s" and opener):
        return True
    return prev.kind == "k" and prev.text in ("select", "where", "and", "or", "by", "having")


_AFTER_QUOTE = lazy(
    r"['\"`][\s)]{0,8}(?:[=<>!+\-*/%^&|;,#~]|(?:or|and|xor|not|union|select|order|group|having|"
    r"like|rlike|regexp|is|in|div|waitfor|exec|execute|limit|procedure|into|where|from|insert|"
    r"update|delete|drop|create|declare|if|case|sleep|benchmark|backup|grant|copy)(?![a-z0-9_])"
    r"|$)",
    re.I,
)
_STRONG_NEEDLES = (
    "union", "select", "sleep(", "benchmark(", "waitfor", "order by", "group by", "having ",
    "@@", "exec", "drop ", "randomblob(", "xp_", "outfile", "information_schema", "delete from",
    "insert into", " set ", "declare", "shutdown", "/*!", "utl_", "dbms_", "create ", "backup ",
    "grant ", "copy ", "if(", "pg_sleep",
)  # fmt: skip
_LOGIC_NEEDLES = ("or", "and", "xor", "||", "&&")
_CONDITION_NEEDLES = ("=", "<", ">", "like", " is ", "true", "false", "null", "--", "#", "/*")
_LOGIC_WORD = lazy(r"(?<![a-z0-9_])(?:or|and|xor|div)(?![a-z0-9_])|\|\||&&")


_STRONG = split_needles(_STRONG_NEEDLES)
_LOGIC_SPLIT = split_needles(_LOGIC_NEEDLES)
_CONDITION = split_needles(_CONDITION_NEEDLES)


def _worth_lexing(low: str, marks: str | frozenset[str]) -> bool:
    """Outside quotes, injection needs SQL words or a logic operator with a condition."""
    if has_marked(low, marks, _STRONG):
        return True
    if not has_marked(low, marks, _LOGIC_SPLIT) or not has_marked(low, marks, _CONDITION):
        return False
    return _LOGIC_WORD.search(low) is not None


def _probe_shape(text: str) -> bool:
    """Tiny quote-operator-quote probes such as '-' or "^"."""
    return len(text) <= 12 and text[:1] in "'\"" and text[-1:] in "'\""


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    contexts = [""] if _worth_lexing(low, marks) else []
    if ("'" in text or '"' in text) and (
        _AFTER_QUOTE.search(text) is not None or _probe_shape(text)
    ):
        contexts += [q for q in ("'", '"') if q in text]
    if not contexts:
        return hits
    if "/*!" in text:
        hits.append(Hit("sqli.mysql-versioned-comment", 0.8, text.index("/*!"), len(text)))
        text = _VERSIONED.sub(" ", text)
    for q in contexts:
        toks = _lex(q + text)
        for rule, conf, tok in _scan_context(toks, bool(q)):
            start = max(tok.start - len(q), 0)
            hits.append(Hit(rule, conf, start, start + max(len(tok.text), 1)))
    return hits


_SQL_CHARS = frozenset("'\"`;#()=<>@|&!")
_SQL_WORDS = (
    "select",
    "union",
    "order by",
    "group by",
    "true",
    "false",
    "waitfor",
    "drop",
    "exec",
    "shutdown",
    "declare",
    "insert",
    "delete",
    "update",
    "--",
    "/*",
)


_WORDS = split_needles(_SQL_WORDS)


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return not _SQL_CHARS.isdisjoint(chars) or has_marked(low, chars, _WORDS)
