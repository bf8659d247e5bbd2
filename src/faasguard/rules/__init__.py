"""Posture rules over the Inventory. Each rule has a stable id and its own docs."""

from faasguard.rules._registry import (
    Docs,
    Rule,
    all_rules,
    get_rule,
    prepare_rules,
    rule,
    run_rules,
)

__all__ = ["Docs", "Rule", "all_rules", "get_rule", "prepare_rules", "rule", "run_rules"]
