"""Verify the hash chains of a security event log (JSON lines, possibly mixed with other output).

Within each chain (one per EventLog, i.e. per guard and process) every event must hash to its
own `chain.hash` (else it was modified), follow the previous event's hash with the next sequence
number (else an event was deleted, inserted, duplicated or moved), and the chain must start at
seq 0 from its genesis. Removing events from the *end* of a chain leaves a valid shorter chain:
only an anchor kept elsewhere (`CHAIN:SEQ:HASH`, e.g. the head published by the function) proves
the log is complete. Without the HMAC key anyone can recompute a whole plain SHA-256 chain, so
set FAASGUARD_AUDIT_KEY in the function and verify with the same key against forgers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from faasguard.runtime._chain import event_digest, genesis_hash

_ANCHOR = re.compile(r"([^:\s]+):([0-9]{1,18}):([0-9a-fA-F]{64})")


class AuditError(ValueError):
    """The log cannot be checked (unreadable, or keyed and no key given)."""


@dataclass(frozen=True)
class Break:
    line: int
    chain: str
    reason: str


@dataclass(frozen=True)
class Anchor:
    chain: str
    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        match = _ANCHOR.fullmatch(text.strip())
        if match is None:
            raise AuditError(f"anchor {text!r}: expected CHAIN:SEQ:SHA256-HEX")
        return cls(match[1], int(match[2]), match[3].lower())


@dataclass(frozen=True)
class ChainSummary:
    id: str
    events: int
    last_seq: int
    head: str
    alg: str


@dataclass(frozen=True)
class AuditResult:
    chains: tuple[ChainSummary, ...] = ()
    breaks: tuple[Break, ...] = ()
    other_lines: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.chains) and not self.breaks


@dataclass
class _Record:
    line: int
    seq: int
    prev: str
    hash: str
    problem: str = ""  # set when the event does not match its own hash or genesis


@dataclass
class _State:
    alg: str
    records: list[_Record] = field(default_factory=list)


def verify_log(
    lines: Iterable[str], key: bytes | None = None, anchors: Iterable[Anchor] = ()
) -> AuditResult:
    chains: dict[str, _State] = {}
    breaks: list[Break] = []
    other = 0
    for number, line in enumerate(lines, 1):
        event = _parse(line)
        if event is None:
            other += 1
        elif isinstance(event, str):
            breaks.append(Break(number, "?", event))
        else:
            _collect(number, event, key, chains, breaks)
    for chain_id, state in chains.items():
        problem = _walk(state.records)
        if problem is not None:
            breaks.append(Break(problem[0], chain_id, problem[1]))
    breaks.extend(_check_anchors(chains, anchors))
    summaries = tuple(
        ChainSummary(cid, len(s.records), s.records[-1].seq, s.records[-1].hash, s.alg)
        for cid, s in chains.items()
    )
    return AuditResult(summaries, tuple(sorted(breaks, key=lambda b: b.line)), other)


def _parse(line: str) -> dict | str | None:
    """An event dict, a problem description, or None for a line that is not an event."""
    start = line.find("{")
    if start < 0:
        return None
    try:
        event = json.loads(line[start:], object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        return f"duplicate key {str(exc)[:40]!r}: readers would disagree on the event"
    except (json.JSONDecodeError, RecursionError):
        return "unreadable event (not valid JSON)" if _looks_like_event(line) else None
    if not isinstance(event, dict):
        return None
    unmapped = event.get("unmapped")
    if not isinstance(unmapped, dict) or "chain" not in unmapped:
        return "security event outside any chain (inserted?)" if "class_uid" in event else None
    return event


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Python keeps the last of duplicate keys, other readers the first: refuse both."""
    event = dict(pairs)
    if len(event) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return event


def _collect(
    number: int, event: dict, key: bytes | None, chains: dict[str, _State], breaks: list[Break]
) -> None:
    link = event["unmapped"]["chain"]
    try:
        chain_id, seq, prev, own, alg = (
            str(link["id"]),
            link["seq"],
            str(link["prev"]),
            str(link["hash"]),
            link.get("alg"),
        )
        if not isinstance(seq, int) or alg not in ("sha256", "hmac-sha256"):
            raise TypeError
    except (KeyError, TypeError):
        breaks.append(Break(number, "?", "malformed chain fields"))
        return
    if alg == "hmac-sha256" and not key:
        raise AuditError(f"line {number}: the chain is keyed (HMAC): give its key")
    state = chains.setdefault(chain_id, _State(alg))
    record = _Record(number, seq, prev, own)
    if key and alg != "hmac-sha256":
        record.problem = "event is not keyed although a key was given (forged or downgraded)"
    elif event_digest(event, key if alg == "hmac-sha256" else None) != own:
        record.problem = "event modified: its content does not match its hash"
    elif seq == 0 and not _genesis_ok(link, chain_id):
        record.problem = "chain start does not match its genesis (forged start)"
    state.records.append(record)


def _genesis_ok(link: dict, chain_id: str) -> bool:
    genesis = link.get("genesis")
    if not isinstance(genesis, dict):
        return False
    expected = genesis_hash(genesis)
    return link["prev"] == expected and chain_id == expected[:16]


def _walk(records: list[_Record]) -> tuple[int, str] | None:
    """The first line where the chain breaks, and why."""
    later = {r.seq: r.line for r in reversed(records)}
    previous: _Record | None = None
    for record in records:
        if record.problem:
            return record.line, record.problem
        if previous is None:
            if record.seq != 0:
                return record.line, f"chain starts at seq {record.seq}: earlier events missing"
        elif record.seq <= previous.seq:
            return (
                record.line,
                f"seq {record.seq} after seq {previous.seq}: event duplicated, inserted or moved",
            )
        elif record.seq > previous.seq + 1:
            missing = previous.seq + 1
            if later.get(missing, 0) > record.line:
                return (
                    record.line,
                    f"out of order: seq {missing} comes later, at line {later[missing]}",
                )
            return (
                record.line,
                f"{record.seq - previous.seq - 1} event(s) deleted before this "
                f"line (seq {previous.seq} → {record.seq})",
            )
        elif record.prev != previous.hash:
            return record.line, "does not follow the previous event: inserted or replaced"
        previous = record
    return None


def _check_anchors(chains: dict[str, _State], anchors: Iterable[Anchor]) -> list[Break]:
    breaks = []
    for anchor in anchors:
        state = chains.get(anchor.chain)
        if state is None:
            breaks.append(Break(0, anchor.chain, "anchored chain absent from the log"))
            continue
        found = next((r for r in state.records if r.seq == anchor.seq), None)
        if found is None:
            last = state.records[-1]
            breaks.append(
                Break(
                    last.line,
                    anchor.chain,
                    f"truncated: chain ends at seq {last.seq}, anchor is at seq {anchor.seq}",
                )
            )
        elif found.hash != anchor.hash:
            breaks.append(
                Break(
                    found.line,
                    anchor.chain,
                    "event at the anchor's seq has another hash: rewritten",
                )
            )
    return breaks


def _looks_like_event(line: str) -> bool:
    return '"class_uid"' in line or '"chain"' in line
