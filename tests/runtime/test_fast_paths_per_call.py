"""The per-invocation shortcuts of the guard's hot path agree with the plain code they replace:
the JSON scanner called directly, the header and query comprehensions, the detector's
known-clean gathering (keys de-duplicated, containers walked flat), unsalted verdict keys for
the default settings, and the soft deadline asking signal() rather than threading."""

from __future__ import annotations

import json
import signal
import threading
from collections import OrderedDict
from urllib.parse import unquote_plus

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from faasguard.runtime import _adapters, _deadline, detectors  # noqa: E402
from faasguard.runtime._limits import _loads  # noqa: E402

# ----- json.loads without its Python layers

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=4),
    max_leaves=20,
)  # fmt: skip
AROUND = st.sampled_from(["", " ", "\n", "\t\r\n ", "\ufeff", "\x0b", "\u00a0", "x", ",", "]", "}"])


def _outcome(text: str, parse: object) -> tuple[object, ...]:
    try:
        return ("ok", repr(parse(text)))  # type: ignore[operator]
    except Exception as error:  # the very exception, with its message
        return ("error", type(error), str(error))


@settings(max_examples=600, deadline=None)
@given(JSON_VALUES, AROUND, AROUND, st.booleans(), st.integers(0, 6))
def test_loads_gives_json_loads_value_or_error(value, before, after, ascii_only, cut):
    text = before + json.dumps(value, ensure_ascii=ascii_only) + after
    assert _outcome(text, _loads) == _outcome(text, json.loads)
    truncated = text[: max(0, len(text) - cut)]  # malformed texts fail the same way
    assert _outcome(truncated, _loads) == _outcome(truncated, json.loads)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1} {"b": 2}', "[1, 2", "{", "[", '{"a": NaN}', "[Infinity, -Infinity]", '{"a":1}\n',
     '{"a": "\\ud800"}', '["\\u0000\\"\\\\"]', "{} \n\t\r", "{}\u00a0", '{"a" 1}', "[1,]", ""],
)  # fmt: skip
def test_loads_edge_texts(text):
    assert _outcome(text, _loads) == _outcome(text, json.loads)


def test_loads_nesting_past_the_recursion_limit_fails_as_json_loads_does():
    text = "[" * 100_000 + "]" * 100_000
    assert _outcome(text, _loads)[:2] == _outcome(text, json.loads)[:2] == (
        "error", RecursionError)  # fmt: skip


# ----- header and query comprehensions


def _headers_loop(event: dict) -> dict[str, str]:
    """_adapters._headers as it was: one loop, every header read one at a time."""
    headers: dict[str, str] = {}
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict) and multi:
        for name, values in multi.items():
            if isinstance(values, list):
                headers[str(name).lower()] = ",".join(v for v in values if isinstance(v, str))
    single = event.get("headers")
    for name, value in (single if isinstance(single, dict) else {}).items():
        if isinstance(value, str):
            headers[str(name).lower()] = value
    return headers


def _query_loop(event: dict, encoded: bool) -> dict[str, object]:
    query: dict[str, object] = {}
    single = event.get("queryStringParameters")
    for name, value in (single if isinstance(single, dict) else {}).items():
        if isinstance(value, str):
            query[str(name)] = unquote_plus(value) if encoded else value
    multi = event.get("multiValueQueryStringParameters")
    for name, values in (multi if isinstance(multi, dict) else {}).items():
        if isinstance(values, list):
            clean = [unquote_plus(v) if encoded else v for v in values if isinstance(v, str)]
            if clean:
                query[str(name)] = clean if len(clean) > 1 else clean[0]
    return query


class _Headers(dict):  # a dict subclass takes the careful loop
    pass


NAMES = st.sampled_from(["Host", "host", "HOST", "X-Id", "x-id", "Cookie", "a+b", "%41"])
LEAVES = st.text(max_size=6) | st.none() | st.integers() | st.lists(st.text(max_size=3) | st.none(),
                                                                   max_size=3)  # fmt: skip
MAPS = st.none() | st.just({}) | st.dictionaries(NAMES | st.integers(0, 3), LEAVES, max_size=6)


@settings(max_examples=500, deadline=None)
@given(MAPS, MAPS, MAPS, MAPS, st.booleans(), st.booleans())
def test_header_and_query_comprehensions_match_the_loops(h, mh, q, mq, subclass, encoded):
    event = {"headers": _Headers(h) if subclass and h is not None else h,
             "multiValueHeaders": mh, "queryStringParameters": q,
             "multiValueQueryStringParameters": mq}  # fmt: skip
    event = {k: v for k, v in event.items() if v is not None or k.startswith("multi")}
    got = _adapters._headers(event)
    assert got == _headers_loop(event) and list(got) == list(_headers_loop(event))
    query = _adapters._query(event, encoded)
    assert query == _query_loop(event, encoded) and list(query) == list(_query_loop(event, encoded))


# ----- the detector's known-clean proof against the full walk


def _full_walk(value: object, budget: int = 1000, categories: frozenset | None = None) -> list:
    gathered = detectors._Gathered(budget, categories is None or "nosqli" in categories)
    detectors._gather(value, "", gathered)
    indices = detectors._screen.loud(gathered.strings)
    return detectors._detections(gathered, indices, categories, 0)


KEYS = st.sampled_from([
    "name", "note", "items", "user-agent", "0x2e0x2e0x2fetc0x2fpasswd", "$where", "$ne", "$x",
    "\u0024gt", "", "select", "onload", "a b", "x' or 1=1 --", "<svg onload=alert(1)>", "Zoë",
])  # fmt: skip
TEXTS = st.sampled_from([
    "Zoë O'Brien", "Earl Grey tea (loose leaf, 250 g)", "' OR 1=1 --", "<script>alert(1)</script>",
    "../../etc/passwd", "; cat /etc/passwd", "{{7*7}}", "select", "true", "", "12 Rue de l'Église",
]) | st.text(max_size=10)  # fmt: skip
NESTED = st.recursive(
    TEXTS | st.integers() | st.none() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=40,
)


def _deep(levels: int, leaf: object) -> object:
    value: object = leaf
    for level in range(levels):
        value = {"k": value} if level % 2 else [value]
    return value


def _assert_same_as_full_walk(value: object, budget: int, categories: frozenset | None) -> None:
    expected = _full_walk(value, budget, categories)
    detectors._VERDICTS.clear()  # cold: every verdict is new
    assert detectors.scan_value(value, categories=categories, max_strings=budget) == expected
    assert detectors.scan_value(value, categories=categories, max_strings=budget) == expected
    assert _full_walk(value, budget, categories) == expected  # warm: the cache changes nothing


@settings(max_examples=400, deadline=None)
@given(NESTED, st.sampled_from([1000, 4]),
       st.sampled_from([None, frozenset({"nosqli"}), frozenset({"sqli", "xss"})]))  # fmt: skip
def test_known_clean_with_shared_keys_gives_the_full_walks_answer(value, budget, categories):
    # the same keys in many objects (records in a list): each distinct key is checked once
    records = {"items": [value, value, {"items": value}], "user-agent": value}
    _assert_same_as_full_walk(records, budget, categories)


@pytest.mark.parametrize("levels", [61, 62, 63, 64, 65, 70])
@pytest.mark.parametrize("leaf", ["<script>alert(1)</script>", "Blue ceramic mug", {"$ne": 1}])
def test_known_clean_at_the_depth_limit(levels, leaf):
    _assert_same_as_full_walk({"body": _deep(levels, leaf)}, 1000, None)


class _Key(str):
    def lower(self) -> str:  # a key that would read as something else if asked
        return "select * from users"


@pytest.mark.parametrize(
    "value",
    [
        {"a b": 1, "c": {_Key("a b"): 2}},  # equal keys, one a str subclass
        {_Key("a b"): 1, "c": {"a b": 2}},
        {1: "x", "a-b": "<script>alert(1)</script>"},  # a key that is not a string
        {(1, 2): "x"},
        {"q": [{"$where": "sleep(1)"}, {"$where": "sleep(1)"}]},
        {"q": {"\u0024ne": ""}},
    ],
)
def test_known_clean_odd_keys(value):
    _assert_same_as_full_walk(value, 1000, None)
    _assert_same_as_full_walk(value, 1000, frozenset({"sqli"}))


def test_key_subclasses_are_left_to_the_full_walk():
    strings: list[str] = []
    assert detectors._add_keys({_Key("a b")}, strings) is False
    assert detectors._add_keys({"a b", "name"}, strings) is True and strings == ["a b"]
    assert detectors._add_keys({"$x"}, []) is False and detectors._add_keys({3}, []) is False


# ----- verdict keys


def test_default_settings_key_by_digest_alone_and_others_by_a_salt(monkeypatch):
    monkeypatch.setattr(detectors, "_SALTS", {})
    texts = ["Earl Grey", "<b>x</b>"]
    for secret_hash in (True, False):
        monkeypatch.setattr(detectors, "_DIGEST", [detectors._digest_function(secret_hash)])
        monkeypatch.setattr(detectors, "_SALTS", {})
        digest = detectors._DIGEST[0]
        plain = detectors._keys(texts, None, 0)
        assert plain == [digest(t) for t in texts]
        others = [detectors._keys(texts, frozenset({"sqli"}), 0), detectors._keys(texts, None, 1)]
        for keys in others:
            assert all(type(k) is type(plain[0]) for k in keys)
            assert not set(keys) & set(plain)
        assert not set(others[0]) & set(others[1])
        assert detectors._keys(texts, frozenset({"sqli"}), 0) == others[0]  # stable per setting


def test_a_verdict_for_one_setting_never_serves_another(monkeypatch):
    monkeypatch.setattr(detectors, "_VERDICTS", OrderedDict())
    attack = "<svg onload=alert(1)>"
    assert detectors.scan_value({"q": attack}, categories={"sqli"}) == []
    assert detectors.scan_value({"q": attack})  # not served the sqli-only clean verdict
    assert detectors.scan_value({"q": attack}, categories={"sqli"}) == []


# ----- soft deadline


class _Context:
    def __init__(self, remaining: object) -> None:
        self.remaining = remaining

    def get_remaining_time_in_millis(self) -> object:
        return self.remaining


def _in_thread(call: object) -> object:
    box: list[object] = []

    def run() -> None:
        try:
            box.append(("ok", call()))  # type: ignore[operator]
        except BaseException as error:
            box.append(("error", type(error)))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return box[0]


def test_deadline_outside_the_main_thread_runs_unbounded_even_when_time_is_up():
    for remaining in (100, 10_000):  # budget gone, and budget left
        outcome = _in_thread(
            lambda r=remaining: _deadline.run_with_deadline(lambda: "ran", _Context(r), 500)
        )
        assert outcome == ("ok", "ran")


def test_deadline_in_the_main_thread_when_time_is_up_raises():
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(_deadline.DeadlineExceeded):
        _deadline.run_with_deadline(lambda: "ran", _Context(100), 500)
    assert signal.getsignal(signal.SIGALRM) is before


def test_deadline_restores_the_handler_and_disarms_the_timer():
    def previous(signum: int, frame: object) -> None:
        raise AssertionError("not ours")

    old = signal.signal(signal.SIGALRM, previous)
    try:
        seen: list[object] = []

        def handler() -> str:
            seen.append(signal.getsignal(signal.SIGALRM))
            seen.append(signal.getitimer(signal.ITIMER_REAL)[0])
            return "done"

        assert _deadline.run_with_deadline(handler, _Context(10_000.0), 500) == "done"
        assert seen[0] is _deadline._on_alarm and 0 < seen[1] <= 9.5  # type: ignore[operator]
        assert signal.getsignal(signal.SIGALRM) is previous
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        with pytest.raises(ZeroDivisionError):
            _deadline.run_with_deadline(lambda: 1 / 0, _Context(10_000), 500)
        assert signal.getsignal(signal.SIGALRM) is previous
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [(1500, 1500), (1500.5, 1500.5), (True, True), ("1500", None), (None, None)],
)
def test_remaining_time_accepts_numbers_only(remaining, expected):
    assert _deadline.remaining_ms(_Context(remaining)) == expected


class _Touchy:
    """A key object that fails when compared: only a set holding another key of the same hash
    compares it."""

    def __hash__(self) -> int:
        return 7

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("compared")


def test_key_objects_that_fail_comparison_are_left_to_the_full_walk():
    value = {"a": {_Touchy(): "x"}, "b": {_Touchy(): "<script>alert(1)</script>"}}
    _assert_same_as_full_walk(value, 1000, None)
