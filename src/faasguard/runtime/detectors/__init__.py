"""Injection detection engine: ``scan`` a string, ``scan_value`` a JSON-like value.

Own engine, standard library only. Every input is checked as given and in its fully decoded
form (URL, double URL, %u, overlong UTF-8, HTML entities, JS escapes, NFKC); strings that hold
JSON are parsed and their values and keys checked.
"""

from __future__ import annotations

import os
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from itertools import filterfalse, repeat
from types import ModuleType

from .._record import FrozenRecord
from .._redact import secret_window
from . import _cmdi, _crlf, _ldapi, _nosqli, _screen, _sqli, _ssrf, _ssti, _traversal, _xss, _xxe
from ._decode import decoded, needs_decoding
from ._hit import UNMARKED, Hit, lazy

__all__ = ["CATEGORIES", "Detection", "scan", "scan_value"]

CATEGORIES = frozenset(
    {"sqli", "xss", "cmdi", "traversal", "ssti", "nosqli", "xxe", "ssrf", "crlf", "ldapi"}
)
MAX_TEXT = 256 * 1024
MAX_JSON_TEXT = 64 * 1024
EXCERPT_LEN = 40

_DETECTORS: tuple[tuple[str, ModuleType], ...] = (
    ("sqli", _sqli),
    ("xss", _xss),
    ("cmdi", _cmdi),
    ("traversal", _traversal),
    ("ssti", _ssti),
    ("nosqli", _nosqli),
    ("xxe", _xxe),
    ("ssrf", _ssrf),
    ("crlf", _crlf),
    ("ldapi", _ldapi),
)
# Strings made only of these characters, and without the words below, cannot carry any of the
# attacks the detectors look for: they skip all work (the common case for real traffic).
# Compiled at import (not lazily): every scanned string goes through it first.
_QUIET_MATCH = re.compile(r"[A-Za-z0-9 _,.@+-]*").fullmatch
_LOUD_NEEDLES = _screen.NEEDLES
_LOUD_FIRST_WORDS = _screen.FIRST_WORDS
_HANDLER_NAMES = _screen.HANDLER_NAMES
_UNMARKED = UNMARKED.encode("ascii")
_CONTROL = lazy(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


class Detection(FrozenRecord):
    """One finding in a string (a frozen value: equality, hash and repr by its fields)."""

    __slots__ = __match_args__ = ("category", "rule", "confidence", "excerpt")
    category: str  # one of CATEGORIES
    rule: str  # stable signature id, e.g. "sqli.union-select"
    confidence: float  # 0.0-1.0
    excerpt: str  # <= 40 chars around the match, control chars escaped

    def __init__(self, category: str, rule: str, confidence: float, excerpt: str) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "category", category)
        setattr_(self, "rule", rule)
        setattr_(self, "confidence", confidence)
        setattr_(self, "excerpt", excerpt)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _excerpt(text: str, hit: Hit) -> str:
    start = max(hit.start - 8, 0)
    window = secret_window(text, start, max(hit.end, start + 1) + 4)[: EXCERPT_LEN * 2]
    window = _CONTROL.sub(_escape, window)
    return window[:EXCERPT_LEN]


def _is_quiet(text: str) -> bool:
    if text.isalnum() and text.isascii():  # one ASCII word: only these needles can occur
        low = text.lower()
        return (
            not ("select" in low or "true" in low or "false" in low or "0x" in low)
            and low not in _LOUD_FIRST_WORDS
            and low not in _HANDLER_NAMES
        )
    if _QUIET_MATCH(text) is None and not _screen.is_prose(text):
        return False
    low = text.lower()
    if low.strip() in _HANDLER_NAMES:
        return False
    for needle in _LOUD_NEEDLES:
        if needle in low:
            return False
    return low.lstrip().partition(" ")[0] not in _LOUD_FIRST_WORDS


def _marks(form: str) -> str | frozenset[str]:
    """What the gates test characters against: every character of `form` but the ASCII
    letters, digits and "_,.+- " (gates ask about punctuation and control characters only).
    For ASCII text that is one C-level byte deletion, far cheaper than a set of every
    character."""
    if form.isascii():
        return form.encode("ascii").translate(None, _UNMARKED).decode("ascii")
    return frozenset(form)


def _detect_form(
    form: str,
    chars: str | frozenset[str],
    wanted: frozenset[str] | None,
    found: dict[str, Detection],
) -> None:
    low = form.lower()
    for category, module in _DETECTORS:
        if wanted is not None and category not in wanted:
            continue
        if not module.gate(low, chars):
            continue
        for hit in module.detect(form, low, chars):
            old = found.get(hit.rule)
            if old is None or old.confidence < hit.confidence:
                found[hit.rule] = Detection(category, hit.rule, hit.confidence, _excerpt(form, hit))


def _json_payload(text: str) -> object | None:
    first = text[:1]
    if first != "{" and first != "[" and not first.isspace():
        return None  # cheap exit for the common case, same answer as below
    stripped = text.strip()
    if len(stripped) < 2 or len(stripped) > MAX_JSON_TEXT:
        return None
    if (stripped[0], stripped[-1]) not in (("{", "}"), ("[", "]")):
        return None
    import json

    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def scan(text: str, *, categories: Iterable[str] | None = None) -> list[Detection]:
    """Detections in text, strongest first; an empty list means clean."""
    return _scan(text, _categories(categories), json_depth=0)


def _categories(categories: Iterable[str] | None) -> frozenset[str] | None:
    return None if categories is None else frozenset(categories)


def _scan(text: str, categories: frozenset[str] | None, json_depth: int) -> list[Detection]:
    if not text:
        return []
    text = text[:MAX_TEXT]
    if _is_quiet(text):
        return []
    return _scan_loud(text, categories, json_depth)


# Verdicts on recent strings, kept across invocations of a warm instance: a route's header
# values, keys, paths and catalogue names repeat from one request to the next. Bounded, oldest
# out first. The key holds no request text: Python's string hash, a SipHash keyed at random per
# process (no one can make two strings collide without the key), or a keyed BLAKE2b digest when
# PYTHONHASHSEED pins that key; scans with other than the default settings (every category,
# no JSON nesting) mix in a random salt for their categories and JSON depth. A verdict with
# detections keeps their excerpts (<= 40 characters each,
# registered secrets masked); a clean one is the shared empty _CLEAN.
# an OrderedDict: a plain dict emptied from the front scans its dead slots on every eviction
_VERDICTS: OrderedDict[object, Sequence[Detection]] = OrderedDict()
_VERDICTS_MAX = 4096
_VERDICT_TEXT_MAX = 1024
_CLEAN: Sequence[Detection] = ()
# decided at import: the seed is fixed at interpreter start, whatever the environment says later
_HASH_KEY_IS_SECRET = bool(sys.flags.hash_randomization) and os.environ.get(
    "PYTHONHASHSEED", "random"
) in ("", "random")
_DIGEST: list[Callable[[str], object]] = []
_SALTS: dict[tuple[frozenset[str] | None, int], int | bytes] = {}


def _digest_function(secret_hash: bool | None = None) -> Callable[[str], object]:
    if _HASH_KEY_IS_SECRET if secret_hash is None else secret_hash:
        return hash
    import hashlib

    key = os.urandom(16)

    def digest(text: str) -> bytes:
        data = text.encode("utf-8", "surrogatepass")
        return hashlib.blake2b(data, digest_size=16, key=key).digest()

    return digest


def _keys(strings: list[str], categories: frozenset[str] | None, json_depth: int) -> list[object]:
    """The verdict-cache key of each string for a scan with these settings: its digest, mixed
    with the settings' salt if they have one. Ints (or bytes), not tuples: tuples would be
    containers the garbage collector counts, dozens per request."""
    digest, salt = _key_parts(categories, json_depth)
    if not salt:  # the default settings: the digest alone (mixing in a salt costs a big int)
        return list(map(digest, strings))
    if type(salt) is int:  # a comprehension beats map() with the bound salt.__xor__
        return [digest(text) ^ salt for text in strings]  # type: ignore[operator]
    return list(map(bytes.__add__, map(digest, strings), repeat(salt)))  # type: ignore[arg-type]


def _key_parts(
    categories: frozenset[str] | None, json_depth: int
) -> tuple[Callable[[str], object], int | bytes]:
    """The digest function and the salt of these settings. The settings of a plain
    scan_value (every category, no JSON nesting) get no salt: every other one gets a random
    salt, so no two settings share a key."""
    if not _DIGEST:
        _DIGEST.append(_digest_function())
    digest = _DIGEST[0]
    salt = _SALTS.get((categories, json_depth))
    if salt is None:
        fresh: int | bytes = 0 if digest is hash else b""
        if categories is not None or json_depth != 0:
            fresh = os.urandom(8)
            fresh = int.from_bytes(fresh) if digest is hash else fresh
        salt = _SALTS.setdefault((categories, json_depth), fresh)
    return digest, salt


def _remember(key: object, found: Sequence[Detection]) -> None:
    while len(_VERDICTS) >= _VERDICTS_MAX:
        try:  # other threads may evict at the same time (thread-pool hosts)
            _VERDICTS.popitem(last=False)
        except KeyError:
            break
    _VERDICTS[key] = found


def _verdict(
    text: str, categories: frozenset[str] | None, json_depth: int, screened: bool = False
) -> Sequence[Detection]:
    """_scan of a string, through the verdict cache; `screened`: known not to be quiet."""
    if not screened and _is_quiet(text):
        return []
    if len(text) > _VERDICT_TEXT_MAX:
        return _scan_loud(text[:MAX_TEXT], categories, json_depth)
    key = _keys([text], categories, json_depth)[0]
    found = _VERDICTS.get(key)
    if found is None:
        found = _scan_loud(text, categories, json_depth) or _CLEAN
        _remember(key, found)
    return found


def _scan_loud(text: str, categories: frozenset[str] | None, json_depth: int) -> list[Detection]:
    if json_depth < 2:
        payload = _json_payload(text)
        if payload is not None:
            pairs = _walk(payload, "", categories, 1000, json_depth + 1)
            return _strongest(det for _, det in pairs)
    found: dict[str, Detection] = {}
    _detect_form(text, _marks(text), categories, found)
    if needs_decoding(text):
        plain = decoded(text)
        if plain != text and not _is_quiet(plain):
            _detect_form(plain, _marks(plain), categories, found)
    return _strongest(found.values()) if found else []


def _strongest(detections: Iterable[Detection]) -> list[Detection]:
    best: dict[str, Detection] = {}
    for det in detections:
        old = best.get(det.rule)
        if old is None or old.confidence < det.confidence:
            best[det.rule] = det
    return sorted(best.values(), key=lambda d: (-d.confidence, d.rule))


def scan_value(
    value: object, *, categories: Iterable[str] | None = None, max_strings: int = 1000
) -> list[tuple[str, Detection]]:
    """Detections in every string (and mapping key) of a JSON-like value, with field paths."""
    return _walk(value, "", _categories(categories), max_strings, json_depth=0)


def _child(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


_OPERATORS = _nosqli.OPERATORS


def _render(chain: object) -> str:
    """A field path from a lazily built chain: the root path, or (parent chain, key)."""
    keys: list[object] = []
    while isinstance(chain, tuple):
        chain, key = chain
        keys.append(key)
    path = chain
    assert isinstance(path, str)
    for key in reversed(keys):
        path = _child(path, key)
    return path


def _walk(
    value: object,
    path: str,
    categories: frozenset[str] | None,
    max_strings: int,
    json_depth: int,
) -> list[tuple[str, Detection]]:
    """Depth-first walk in document order (a key, then its value).

    The walk only gathers strings (with a cheap (parent, key) link standing in for the field
    path); one batch pre-screen then names the few that need the detectors. Repeated strings
    are scanned once.
    """
    if _known_clean(value, categories, max_strings, json_depth):
        return []
    gathered = _Gathered(max_strings, categories is None or "nosqli" in categories)
    _gather(value, path, gathered)
    indices = _screen.loud(gathered.strings)
    return _detections(gathered, indices, categories, json_depth)


def _known_clean(
    value: object, categories: frozenset[str] | None, max_strings: int, json_depth: int
) -> bool:
    """True when the walk would find nothing, decided without field paths: every string it
    checks has a clean verdict, from the cache or from screening and scanning the new ones
    (whose verdicts the cache then keeps). False sends the value down the full walk: something
    was detected, or the value holds what only the full walk handles (operator keys, subclasses,
    more strings than the budget, nesting past the depth limit)."""
    # [value] as the one part, a level above the root: the walk counts depth from the value
    return _parts_clean([], [value], -1, categories, max_strings, json_depth)


def clean_strings(
    strings: list[str],
    rest: list[object],
    categories: frozenset[str] | None,
    max_strings: int = 1000,
) -> bool:
    """True when every string of `strings`, and every string and every key the walk checks in
    the values of `rest`, has a clean verdict (from the cache, or screened and scanned now):
    then `scan_value` of a value holding just those finds nothing. False means not known
    clean (the full walk decides), also when there are more than `max_strings` strings.
    Extends `strings`."""
    return _parts_clean(strings, rest, 0, categories, max_strings, 0)


def _parts_clean(
    strings: list[str],
    parts: list[object],
    depth: int,
    categories: frozenset[str] | None,
    max_strings: int,
    json_depth: int,
) -> bool:
    """_all_clean of `strings` plus what the walk checks in `parts` (items of a container at
    `depth`): their strings, and their keys that are not identifiers."""
    names: set[object] = set()
    try:
        plain = _strings_in(parts, depth, strings, names)
    except Exception:  # a key object whose __eq__ fails in the set: the full walk reads it
        return False
    if not plain or not _add_keys(names, strings):
        return False
    return len(strings) <= max_strings and _all_clean(strings, categories, json_depth)


def _all_clean(strings: list[str], categories: frozenset[str] | None, json_depth: int) -> bool:
    """True when no string has a detection: cached verdicts first, then one screen of the new
    strings and a scan of the loud ones (their verdicts kept in the cache)."""
    digest, salt = _key_parts(categories, json_depth)
    verdicts = list(
        map(_VERDICTS.get, _keys(strings, categories, json_depth) if salt else map(digest, strings))
    )
    if verdicts.count(_CLEAN) == len(verdicts):  # clean verdicts are all the one _CLEAN
        return True
    if None not in verdicts or any(verdicts):
        return False
    keys = _keys(strings, categories, json_depth)  # str objects keep their hash: cheap again
    unknown = [i for i, found in enumerate(verdicts) if found is None]
    flagged = _screen.loud([strings[i] for i in unknown])
    if flagged is None:
        return False
    loud = set(flagged)
    for position, index in enumerate(unknown):
        text = strings[index]
        if position in loud:
            if _verdict(text, categories, json_depth, screened=True):
                return False
        elif len(text) <= _VERDICT_TEXT_MAX:
            _remember(keys[index], _CLEAN)
    return True


def _strings_in(values: Iterable[object], depth: int, out: list[str], names: set[object]) -> bool:
    """Every string among the items of a container at `depth` (a value made of plain dicts,
    lists and scalars) into `out`, every mapping key into `names` (for _add_keys); False at
    anything else, or past the depth limit. The hot loop: kept flat."""
    for sub in values:
        kind = type(sub)
        if kind is str:
            out.append(sub)  # type: ignore[arg-type]
        elif kind is dict:
            if depth + 1 >= _MAX_DEPTH:
                return False
            names.update(sub)  # type: ignore[arg-type]
            if not _strings_in(sub.values(), depth + 1, out, names):  # type: ignore[attr-defined]
                return False
        elif kind is list:
            if depth + 1 >= _MAX_DEPTH:
                return False
            if not _strings_in(sub, depth + 1, out, names):  # type: ignore[arg-type]
                return False
        elif kind not in _SCALARS:
            return False
    return True


def _add_keys(names: set[object], out: list[str]) -> bool:
    """The keys the walk checks (those that are not identifiers) into `out`, each once; False
    at a key that is not a plain str, or one that starts with "$" (an operator key: the full
    walk names it). Checked once per distinct key, not once per object."""
    try:
        odd = list(filterfalse(str.isidentifier, names))  # type: ignore[arg-type]
    except TypeError:
        return False
    for key in odd:  # a loop, not any() over a generator: usually one key or none
        if type(key) is not str or key[:1] == "$":
            return False
    out.extend(odd)  # type: ignore[arg-type]
    return True


def _detections(
    gathered: _Gathered,
    indices: Iterable[int] | None,
    categories: frozenset[str] | None,
    json_depth: int,
) -> list[tuple[str, Detection]]:
    """Detections in the gathered strings the screen flagged (all of them if it could not
    screen), with the operator keys, in document order."""
    strings, wheres = gathered.strings, gathered.wheres
    screened = indices is not None  # then every index names a string that is not quiet
    if indices is None:
        indices = range(len(strings))
    out: list[tuple[str, Detection]] = []
    memo: dict[str, Sequence[Detection]] = {}
    pending = iter(gathered.operators)
    operator = next(pending, None)
    for index in indices:
        while operator is not None and operator[0] <= index:
            out.append(_operator_hit(operator))
            operator = next(pending, None)
        text = strings[index]
        found = memo.get(text)
        if found is None:
            found = memo[text] = _verdict(text, categories, json_depth, screened)
        if found:
            rendered = _render(wheres[index])
            out.extend((rendered, d) for d in found)
    while operator is not None:
        out.append(_operator_hit(operator))
        operator = next(pending, None)
    return out


def _operator_hit(operator: tuple[int, object, str]) -> tuple[str, Detection]:
    _, where, key = operator
    return _render((where, key)), Detection("nosqli", "nosqli.operator-key", 0.9, key[:EXCERPT_LEN])


class _Gathered:
    """What a walk collects: strings and their (parent, key) links, and operator keys."""

    __slots__ = ("max_strings", "operators", "strings", "want_nosqli", "wheres")

    def __init__(self, max_strings: int, want_nosqli: bool) -> None:
        self.max_strings = max_strings
        self.want_nosqli = want_nosqli
        self.strings: list[str] = []
        self.wheres: list[object] = []
        self.operators: list[tuple[int, object, str]] = []  # (strings before it, where, key)


def _gather(value: object, path: str, into: _Gathered) -> None:
    """The first `max_strings` non-empty strings a walk checks, in document order (a key, then
    its value), down to the depth limit. Identifier-like keys are not strings worth checking
    (an object whose keys join into one identifier has none to check). Module-level functions,
    not closures: a recursive closure is a reference cycle, left for the garbage collector."""
    if isinstance(value, str):
        if value:
            into.strings.append(value)
            into.wheres.append(path)
    elif isinstance(value, (dict, list, tuple)):
        _visit(value if type(value) in (dict, list, tuple) else _plain(value), path, 0, into)
    if len(into.strings) > into.max_strings:  # a container's leaves may overshoot its room
        del into.strings[into.max_strings :], into.wheres[into.max_strings :]


def _visit(item: object, where: object, depth: int, into: _Gathered) -> None:
    strings, limit = into.strings, into.max_strings
    if depth >= _MAX_DEPTH or len(strings) >= limit:
        return
    add_string, add_where = strings.append, into.wheres.append
    pairs: Iterable[tuple[object, object]]
    if type(item) is dict:
        pairs = item.items()
        try:  # every key an identifier: no key to check (typical JSON objects)
            plain_keys = all(map(str.isidentifier, item))
        except TypeError:
            plain_keys = False
        # the budget counts strings, not items: a container that could fill it stops on time
        careful = 2 * len(item) > limit - len(strings)
    else:
        assert isinstance(item, (list, tuple))
        pairs = enumerate(item)
        plain_keys = True
        careful = len(item) > limit - len(strings)
    for key, sub in pairs:
        if careful and len(strings) >= limit:
            return
        if not plain_keys:
            _visit_key(key, where, into)
        kind = type(sub)
        if kind is str:
            if sub:
                add_string(sub)  # type: ignore[arg-type]
                add_where((where, key))
        elif kind is dict or kind is list:
            _visit(sub, (where, key), depth + 1, into)
        elif kind not in _SCALARS:
            _visit_odd(sub, (where, key), depth, into)


def _visit_key(key: object, where: object, into: _Gathered) -> None:
    if isinstance(key, str) and not key.isidentifier() and key:
        if key[:1] == "$" and into.want_nosqli and key[1:] in _OPERATORS:
            into.operators.append((len(into.strings), where, key))
        else:
            into.strings.append(key)
            into.wheres.append((where, key))


def _visit_odd(sub: object, where: object, depth: int, into: _Gathered) -> None:
    """Subclasses of str / dict / list, and tuples (values built in Python, not parsed)."""
    if isinstance(sub, str):
        if sub:
            into.strings.append(str.__str__(sub))  # the text itself, whatever __str__ says
            into.wheres.append(where)
    elif isinstance(sub, (dict, list, tuple)):
        _visit(_plain(sub), where, depth + 1, into)


def _plain(value: object) -> object:
    """A dict or list subclass as the plain type the walk expects."""
    if isinstance(value, dict):
        return dict(value)
    return value if isinstance(value, tuple) else list(value)  # type: ignore[call-overload]


_SCALARS = frozenset({int, float, bool, type(None), bytes})
_MAX_DEPTH = 64
