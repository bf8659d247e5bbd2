"""FG0xx: what the scan could not read. A file that is not read is never reported as clean."""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.model import Category, DiagnosticLevel, Finding, Inventory, Severity
from faasguard.rules._registry import Docs, Rule, rule

_COMMON_WHY = (
    "A file faasguard cannot read is a file nobody checked: any over-broad permission or "
    "unauthenticated trigger in it stays invisible. The scan goes on with the other files and "
    "reports this one so that 'no findings' always means 'checked and clean'."
)


def _from_diagnostics(code: str, inventory: Inventory, this: Rule) -> Iterator[Finding]:
    for diag in inventory.diagnostics:
        if diag.code == code and diag.level == DiagnosticLevel.ERROR:
            yield this.finding(diag.message, diag.location, key=diag.message)


@rule(
    "FG001",
    "File cannot be parsed",
    Severity.MEDIUM,
    Category.INPUT,
    Docs(
        what="A serverless.yml, template, Terraform or Azure Functions file that is not valid "
        "YAML, JSON or HCL, or that is too deeply nested or expands too far (YAML alias bombs).",
        why=_COMMON_WHY,
        fix={
            "all": "Fix the syntax error at the reported line; `faasguard inventory PATH` shows "
            "what was read."
        },
        example="functions:\n  api:\n    handler: app.handler\n   events: [  # bad indentation",
    ),
)
def parse_errors(inventory: Inventory) -> Iterator[Finding]:
    return _from_diagnostics("parse-error", inventory, parse_errors)


@rule(
    "FG002",
    "File over the size limit was not scanned",
    Severity.MEDIUM,
    Category.INPUT,
    Docs(
        what="A definition file larger than --max-file-size (5 MB by default).",
        why=_COMMON_WHY,
        fix={
            "all": "Raise the limit with --max-file-size BYTES if the file is genuine, or "
            "exclude generated files with --exclude."
        },
    ),
)
def too_large(inventory: Inventory) -> Iterator[Finding]:
    return _from_diagnostics("too-large", inventory, too_large)


@rule(
    "FG003",
    "File cannot be read",
    Severity.MEDIUM,
    Category.INPUT,
    Docs(
        what="A definition file that is binary, not UTF-8, or cannot be opened.",
        why=_COMMON_WHY,
        fix={
            "all": "Save the file as UTF-8, or exclude it with --exclude if it is not a definition."
        },
    ),
)
def unreadable(inventory: Inventory) -> Iterator[Finding]:
    return _from_diagnostics("unreadable", inventory, unreadable)


@rule(
    "FG004",
    "Definition has an invalid structure",
    Severity.LOW,
    Category.INPUT,
    Docs(
        what="A file that parses but is not a valid definition: `Resources` that is not a "
        "mapping, a function without a handler or type, events that are not a list.",
        why=_COMMON_WHY,
        fix={"all": "Correct the structure at the reported line."},
    ),
)
def invalid(inventory: Inventory) -> Iterator[Finding]:
    return _from_diagnostics("invalid", inventory, invalid)


@rule(
    "FG005",
    "faasguard failed to load a file",
    Severity.HIGH,
    Category.INPUT,
    Docs(
        what="An internal error while loading one file. The rest of the scan went on.",
        why=_COMMON_WHY + " This is a faasguard bug; please report it with the message.",
        fix={"all": "Report the message to the faasguard issue tracker."},
    ),
)
def internal_errors(inventory: Inventory) -> Iterator[Finding]:
    return _from_diagnostics("internal-error", inventory, internal_errors)


@rule(
    "FG006",
    "Suppression without a reason",
    Severity.LOW,
    Category.INPUT,
    Docs(
        what="A `# faasguard: ignore[ID]` comment or a `Metadata.faasguard.ignore` entry that "
        "names no rule or gives no reason. It suppresses nothing.",
        why="A suppression is a security decision someone must be able to review later; "
        "without a reason nobody can tell an accepted risk from a silenced alarm.",
        fix={
            "all": "Write the reason after the ids: `# faasguard: ignore[FG201] public "
            "health check, returns no data`."
        },
        example="# faasguard: ignore[FG201]",
    ),
)
def bad_suppressions(inventory: Inventory) -> Iterator[Finding]:
    return _from_diagnostics("bad-suppression", inventory, bad_suppressions)
