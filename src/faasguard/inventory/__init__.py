"""Turn a project tree into one :class:`~faasguard.model.Inventory`."""

from __future__ import annotations

import importlib
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from faasguard import discovery
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._link import link
from faasguard.model import Inventory, Location, SourceFile

__all__ = ["Candidate", "LoadContext", "LoadResult", "build_inventory", "load_candidates"]

Progress = Callable[[int, int], None]


def build_inventory(
    root: Path,
    ctx: LoadContext | None = None,
    excludes: Iterable[str] = (),
    *,
    progress: Progress | None = None,
) -> Inventory:
    root = Path(root)
    ctx = ctx or LoadContext(root=root if root.is_dir() else root.parent)
    found = discovery.discover(root, excludes, max_file_size=ctx.max_file_size)
    result = LoadResult(diagnostics=list(found.diagnostics))
    result.extend(load_candidates(found.candidates, ctx, progress=progress))
    files = tuple(SourceFile(c.rel, c.kind, c.size) for c in found.candidates)
    return link(Inventory(root=str(ctx.root), files=files), result)


def load_candidates(
    candidates: list[Candidate], ctx: LoadContext, *, progress: Progress | None = None
) -> LoadResult:
    result = LoadResult()
    # Serverless files first: the files they include are part of them, not templates of their own.
    first = [c for c in candidates if c.kind == discovery.SERVERLESS]
    units = list(_units(first))
    done = 0
    for label, module, func, args in units:
        result.extend(_safely(label, module, func, (*args, ctx)))
        done += 1
        if progress is not None:
            progress(done, len(candidates))
    included = result.included
    rest = [c for c in candidates if c.kind != discovery.SERVERLESS and c.rel not in included]
    for label, module, func, args in _units(rest):
        result.extend(_safely(label, module, func, (*args, ctx)))
        done += 1
        if progress is not None:
            progress(done, len(candidates))
    return result


def _units(candidates: list[Candidate]) -> Iterator[tuple[str, str, str, tuple]]:  # type: ignore[type-arg]
    """Loading units: a file for templates, a directory for Terraform, an app for Azure."""
    tf_dirs: dict[Path, list[Candidate]] = defaultdict(list)
    azure_apps: dict[Path, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        if cand.kind == discovery.SERVERLESS:
            yield cand.rel, "serverless", "load_file", (cand,)
        elif cand.kind == discovery.CLOUDFORMATION:
            yield cand.rel, "cloudformation", "load_file", (cand,)
        elif cand.kind in (discovery.TERRAFORM, discovery.TFVARS):
            tf_dirs[cand.path.parent].append(cand)
        elif cand.kind == discovery.AZURE_FUNCTION:
            azure_apps[_azure_root(cand.path.parent)].append(cand)
        elif cand.kind in (discovery.AZURE_HOST, discovery.AZURE_SETTINGS):
            azure_apps[cand.path.parent].append(cand)
    for directory, files in sorted(tf_dirs.items()):
        if any(f.kind == discovery.TERRAFORM for f in files):
            yield files[0].rel, "terraform", "load_module", (directory, files)
    for app_root, files in sorted(azure_apps.items()):
        yield files[0].rel, "azure", "load_app", (app_root, files)


def _azure_root(function_dir: Path) -> Path:
    parent = function_dir.parent
    return parent if (parent / "host.json").is_file() else function_dir


def _safely(label: str, module: str, func: str, args: tuple) -> LoadResult:  # type: ignore[type-arg]
    try:
        loader = getattr(importlib.import_module(f"faasguard.inventory.{module}"), func)
        return loader(*args)
    except RecursionError:
        result = LoadResult()
        result.error("parse-error", "document nested too deeply to read", Location(label))
        return result
    except Exception as exc:  # a loader bug must not end the scan: report it loudly
        result = LoadResult()
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        result.error(
            "internal-error",
            f"faasguard could not load this file ({type(exc).__name__}: {exc} "
            f"at {Path(frame.filename).name}:{frame.lineno}); please report it",
            Location(label),
        )
        return result
