"""`faasguard audit verify LOGFILE`: prove a security event log's hash chains intact.

Exit codes: 0 every chain intact (and reaches each --anchor); 1 a chain breaks (the first line
of each break is printed: modified, deleted, inserted, duplicated or reordered events; or the
log is shorter than an anchor); 2 errors (unreadable log or key, keyed chain without a key).
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_BROKEN, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION")
    verify = sub.add_parser("verify", help="check the hash chains of a JSON-lines event log")
    verify.add_argument("logfile", metavar="LOGFILE", help="event log ('-' reads stdin)")
    verify.add_argument(
        "--key",
        metavar="FILE",
        help="file holding the HMAC key of keyed chains (default: $FAASGUARD_AUDIT_KEY)",
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")
    verify.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="CHAIN:SEQ:HASH",
        help="a chain head recorded elsewhere; the log must reach it (detects truncation)",
    )


def run(args: argparse.Namespace) -> int:
    from ._audit import Anchor, AuditError, verify_log

    if getattr(args, "audit_command", None) != "verify":
        print("faasguard audit: choose verify", file=sys.stderr)
        return EXIT_ERROR
    try:
        key = _key(args.key)
        anchors = [Anchor.parse(a) for a in args.anchor]
        if args.logfile == "-":
            result = verify_log(sys.stdin, key, anchors)
        else:
            with open(args.logfile, encoding="utf-8", errors="replace") as handle:
                result = verify_log(handle, key, anchors)
    except OSError as exc:
        print(f"faasguard: error: {exc.filename}: cannot read ({exc.strerror})", file=sys.stderr)
        return EXIT_ERROR
    except AuditError as exc:
        print(f"faasguard: error: {args.logfile}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        return _print_json(args.logfile, result)
    return _print(args.logfile, result)


def _key(path: str | None) -> bytes | None:
    if path is None:
        value = os.environ.get("FAASGUARD_AUDIT_KEY", "")
        return value.encode("utf-8") if value else None
    with open(path, "rb") as handle:
        key = handle.read().rstrip(b"\r\n")
    if not key:
        from ._audit import AuditError

        raise AuditError(f"key file {path} is empty")
    return key


def _print(logfile: str, result) -> int:  # type: ignore[no-untyped-def]
    for brk in result.breaks:
        where = f"{logfile}:{brk.line}" if brk.line else logfile
        print(f"{where}: chain {brk.chain}: {brk.reason}")
    events = sum(c.events for c in result.chains)
    for chain in result.chains:
        print(
            f"chain {chain.id}: {chain.events} events, ends at anchor "
            f"{chain.id}:{chain.last_seq}:{chain.head} ({chain.alg})"
        )
    if not result.chains:
        print(f"{logfile}: no chained security events found: nothing is proven")
        return EXIT_BROKEN
    state = "intact" if result.ok else f"BROKEN ({len(result.breaks)} break(s))"
    print(
        f"{logfile}: {state}: {events} events in {len(result.chains)} chain(s), "
        f"{result.other_lines} other line(s) ignored"
    )
    return EXIT_OK if result.ok else EXIT_BROKEN


def _print_json(logfile: str, result) -> int:  # type: ignore[no-untyped-def]
    import json

    print(json.dumps({
        "log": logfile,
        "intact": result.ok,
        "breaks": [{"line": b.line, "chain": b.chain, "reason": b.reason} for b in result.breaks],
        "chains": [{"id": c.id, "events": c.events, "alg": c.alg,
                    "anchor": f"{c.id}:{c.last_seq}:{c.head}"} for c in result.chains],
        "other_lines": result.other_lines,
    }, indent=2, ensure_ascii=False))  # fmt: skip
    return EXIT_OK if result.ok else EXIT_BROKEN
