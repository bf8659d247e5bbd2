"""Write docs/rules.md from the rule registry (the docs are generated, so they never drift).

Usage: python scripts/gen_rule_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from faasguard.cli import rule_markdown
from faasguard.rules import all_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def generate() -> str:
    rules = all_rules()
    parts = [
        "# faasguard rules",
        "",
        "Generated from the rule registry by `python scripts/gen_rule_docs.py`; do not edit.",
        "`faasguard explain ID` prints the same page.",
        "",
        "| id | severity | category | CWE | title |",
        "|---|---|---|---|---|",
    ]
    for r in rules:
        kind = "advice" if r.advice else r.category.value
        cwe = f"CWE-{r.cwe}" if r.cwe else ""
        parts.append(
            f"| [{r.id}](#{r.id.lower()}) | {r.severity.label} | {kind} | {cwe} | {r.title} |"
        )
    parts.append("")
    for r in rules:
        parts.append(f'<a id="{r.id.lower()}"></a>')
        parts.append(rule_markdown(r))
    return "\n".join(parts)


def main() -> int:
    text = generate()
    if "--check" in sys.argv:
        if not DOCS.exists() or DOCS.read_text(encoding="utf-8") != text:
            print(
                "docs/rules.md is out of date: run python scripts/gen_rule_docs.py", file=sys.stderr
            )
            return 1
        return 0
    DOCS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
