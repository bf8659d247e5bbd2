"""Detection and false-positive rates on the shared injection corpus (../shared/corpora).

Floors sit just under the figures the engine reaches today, so that a regression fails; every
category with a target in the issue meets it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache

import pytest

from faasguard.runtime.detectors import scan, scan_value
from tests.conftest import corpora_dir, need

# category -> (floor on "any detection" rate, issue target or None)
FLOORS = {
    "sqli": (0.95, 0.95),
    "xss": (0.96, 0.90),
    "cmdi": (0.93, 0.90),
    "traversal": (0.95, 0.90),
    "ssti": (0.95, 0.90),
    "nosqli": (0.90, 0.90),
    "xxe": (0.85, None),
    "mail": (1.0, None),
    "ldapi": (0.20, None),
}
BARE_EVENT_NAME = re.compile(r"^on[A-Za-z]+$")


def _load(name: str) -> list[dict]:
    path = need(corpora_dir() / "injection" / name, "the injection corpus", "FAASGUARD_CORPORA")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@cache
def _attack_results() -> tuple[Counter, Counter, list[dict]]:
    caught, total = Counter(), Counter()
    rows = _load("attacks.jsonl")
    for row in rows:
        total[row["category"]] += 1
        row["hit"] = bool(scan(row["payload"]))
        caught[row["category"]] += row["hit"]
    return caught, total, rows


@cache
def _benign_results() -> tuple[Counter, Counter, list[str]]:
    flagged, total = Counter(), Counter()
    examples: list[str] = []
    for row in _load("benign.jsonl"):
        total[row["source"]] += 1
        if scan(row["payload"]):
            flagged[row["source"]] += 1
            examples.append(row["payload"][:80])
    return flagged, total, examples


@pytest.mark.parametrize("category", sorted(FLOORS))
def test_detection_rate_per_category(category: str) -> None:
    caught, total, _ = _attack_results()
    assert total[category], f"no {category} lines in the corpus"
    rate = caught[category] / total[category]
    floor, _target = FLOORS[category]
    assert rate >= floor, f"{category}: {caught[category]}/{total[category]} = {rate:.2%}"


def test_bare_event_handler_names_are_low_confidence_probes() -> None:
    """The XSS list holds ~217 lone event-handler names ("onResizeEnd"): filter probes, flagged
    with low confidence so that `min_confidence` can let them through where they are data."""
    _, _, rows = _attack_results()
    names = [r["payload"] for r in rows if BARE_EVENT_NAME.match(r["payload"])]
    assert len(names) > 100
    found = [scan(name) for name in names]
    assert sum(bool(f) for f in found) / len(names) >= 0.95
    assert all(d.confidence < 0.5 for f in found for d in f)


def test_command_injection_is_reported_as_such() -> None:
    _, _, rows = _attack_results()
    cmdi = [r["payload"] for r in rows if r["category"] == "cmdi"]
    own = sum(any(d.category == "cmdi" for d in scan(p)) for p in cmdi)
    assert own / len(cmdi) >= 0.90, f"{own}/{len(cmdi)}"


def test_no_false_positive_on_aws_sample_event_strings() -> None:
    flagged, total, examples = _benign_results()
    powertools = [s for s in total if s.startswith("powertools-events")]
    assert powertools and sum(total[s] for s in powertools) > 100
    assert sum(flagged[s] for s in powertools) == 0, examples


def test_false_positive_rate_overall() -> None:
    flagged, total, examples = _benign_results()
    rate = sum(flagged.values()) / sum(total.values())
    assert rate <= 0.005, (rate, examples[:20])


def test_gotestwaf_tricky_benign_texts() -> None:
    flagged, total, examples = _benign_results()
    tricky = [s for s in total if s.endswith(":false-pos")]
    assert tricky
    assert sum(flagged[s] for s in tricky) == 0, examples


def test_batch_screen_hides_no_attack_and_matches_per_string_scan() -> None:
    """scan_value screens an event's strings in one batch: every corpus attack found by scan()
    alone is found, with the same detections, when it sits among benign fields."""
    _, _, rows = _attack_results()
    benign = [r["payload"] for r in _load("benign.jsonl")[:400]]
    attacks = [r["payload"] for r in rows if r["hit"]]
    for start in range(0, len(attacks), 50):
        chunk = attacks[start : start + 50]
        event = {"body": {f"f{i}": text for i, text in enumerate(chunk)}, "noise": benign[:40]}
        found: dict[str, set[str]] = {}
        for path, det in scan_value(event):
            found.setdefault(path, set()).add(det.rule)
        for i, text in enumerate(chunk):
            expected = {d.rule for d in scan(text)}
            assert found.get(f"body.f{i}") == expected, text
