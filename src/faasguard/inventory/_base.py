"""What every loader receives and returns."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from faasguard._frozen import fast_pickle
from faasguard.model import Diagnostic, DiagnosticLevel, Function, Location, Resource, Role

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024


@fast_pickle
@dataclass(frozen=True, slots=True)
class Candidate:
    """A file discovery decided is worth loading, and as what."""

    path: Path  # absolute
    rel: str  # relative to the scan root, '/'-separated: what findings show
    kind: str  # see faasguard.discovery.KINDS
    size: int = 0


@dataclass(frozen=True)
class LoadContext:
    root: Path
    stage: str | None = None  # serverless --stage; None means the file's own default
    region: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)  # --param KEY=VALUE overrides
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int = 0  # worker processes for loading; 0 = one per CPU on large trees, 1 = serial

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


@dataclass
class LoadResult:
    """What one loader found. Mutable while a loader builds it; the Inventory is frozen."""

    functions: list[Function] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Files read as part of another definition (serverless ${file(...)}): not loaded on their own.
    included: set[str] = field(default_factory=set)

    def extend(self, other: LoadResult) -> None:
        self.included |= other.included
        self.functions.extend(other.functions)
        self.resources.extend(other.resources)
        self.roles.extend(other.roles)
        self.diagnostics.extend(other.diagnostics)

    def error(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic(DiagnosticLevel.ERROR, code, message, location))

    def warning(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic(DiagnosticLevel.WARNING, code, message, location))
