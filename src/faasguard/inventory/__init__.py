"""Turn a project tree into one :class:`~faasguard.model.Inventory`."""

from __future__ import annotations

import importlib
import os
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import repeat
from pathlib import Path
from typing import Any

from faasguard import discovery
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._link import link
from faasguard.model import Inventory, Location, Manifest, SourceFile

__all__ = ["Candidate", "LoadContext", "LoadResult", "build_inventory", "load_candidates"]

Progress = Callable[[int, int], None]


def build_inventory(
    root: Path,
    ctx: LoadContext | None = None,
    excludes: Iterable[str] = (),
    *,
    progress: Progress | None = None,
    meanwhile: Callable[[Sequence[Manifest]], None] | None = None,
) -> Inventory:
    """The inventory of the tree at ``root``. ``meanwhile`` is work for this process while
    worker processes load the templates (after loading, on small trees): it receives the
    dependency manifests, read by then."""
    root = Path(root)
    ctx = ctx or LoadContext(root=root if root.is_dir() else root.parent)
    from faasguard.supply import reader_for

    dependency_files: list[Any] = []
    with _Runner(ctx, progress) as runner:
        # templates start loading in worker processes while the walk goes on
        found = discovery.discover(
            root, excludes, max_file_size=ctx.max_file_size, also=reader_for, found=runner.found
        )

        def read_dependency_files() -> None:
            if found.also or found.outside or root.is_file():
                from faasguard.supply import read_files

                dependency_files.append(read_files(root, excludes, walked=found))
            if meanwhile is not None:
                meanwhile(dependency_files[0][0] if dependency_files else [])

        result = LoadResult(diagnostics=list(found.diagnostics))
        result.extend(_load(found.candidates, ctx, runner, read_dependency_files))
    files = [SourceFile(c.rel, c.kind, c.size) for c in found.candidates]
    loaded = {c.rel for c in found.candidates}
    files += [SourceFile(rel, "included") for rel in sorted(result.included - loaded)]
    inventory = link(Inventory(root=str(ctx.root), files=tuple(files)), result)
    read = dependency_files[0] if dependency_files else ([], [])
    return _with_manifests(inventory, root, read)


def _with_manifests(
    inventory: Inventory, root: Path, read: tuple[list[Any], list[Any]]
) -> Inventory:
    """Dependency manifests and lock files (as read while loading), tied to the functions that
    ship them."""
    import posixpath

    from faasguard.supply import collect

    layer_dirs = {}
    for res in inventory.resources:
        if res.kind == "layer":
            content = res.settings.get("content_path")
            written = res.settings.get("path")
            if isinstance(written, str) and written:
                base = posixpath.dirname(res.location.file)
                content = posixpath.normpath(posixpath.join(base, written))
            if isinstance(content, str) and "://" not in content:
                layer_dirs[res.name] = "" if content == "." else content
    manifests, diagnostics = collect(root, inventory.functions, layer_dirs=layer_dirs, read=read)
    # Dependency files are read files too: counted, and searched for inline suppressions.
    known = {f.path for f in inventory.files}
    files = list(inventory.files)
    for manifest in manifests:
        written = {manifest.path: manifest.kind} | {
            d.location.file: "included" for d in manifest.dependencies
        }
        for path, kind in written.items():
            if path not in known:
                known.add(path)
                files.append(SourceFile(path, kind))
    return replace(
        inventory,
        files=tuple(files),
        manifests=manifests,
        diagnostics=inventory.diagnostics + tuple(diagnostics),
    )


PARALLEL_MIN_UNITS = 48


def load_candidates(
    candidates: list[Candidate],
    ctx: LoadContext,
    *,
    progress: Progress | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> LoadResult:
    """Load the candidates (in worker processes on large trees). ``meanwhile`` runs in this
    process while the workers load the last batch, or after loading when there are none."""
    with _Runner(ctx, progress) as runner:
        return _load(candidates, ctx, runner, meanwhile)


def _load(
    candidates: list[Candidate],
    ctx: LoadContext,
    runner: _Runner,
    meanwhile: Callable[[], None] | None,
) -> LoadResult:
    # One batch: serverless files first, then the rest. A file a serverless file includes with
    # ${file(...)} is part of it, not a template of its own: its result is dropped afterwards
    # (rare; cheaper than waiting for every serverless file before loading anything else).
    serverless = [c for c in candidates if c.kind == discovery.SERVERLESS]
    others = [c for c in candidates if c.kind != discovery.SERVERLESS]
    first, rest = list(_units(serverless)), list(_units(others))
    kinds = {c.kind for c in candidates}
    if discovery.TERRAFORM in kinds:
        from faasguard.inventory import _tf_eval

        tf_files = [c.path for c in candidates if c.kind == discovery.TERRAFORM]
        _tf_eval.prime_called(ctx.root, tf_files)
    loaded = runner.run([unit for unit, _ in first + rest], meanwhile, kinds)
    result = LoadResult()
    for part in loaded[: len(first)]:
        result.extend(part)
    included = result.included
    again: set[str] = set()
    for (_, rels), part in zip(rest, loaded[len(first) :], strict=True):
        if included.isdisjoint(rels):
            result.extend(part)
        else:
            again.update(rels - included)
    for unit, _ in _units([c for c in others if c.rel in again]):
        result.extend(_safely(*runner.job(unit)))
    return result


EARLY_BATCH = 8  # templates handed to a worker at a time while discovery still walks


class _Runner:
    """Runs loading units in order, in worker processes when the tree is large.

    Discovery tells it of each template it finds (``found``): once a tree has shown enough of
    them to be worth the workers, they start loading templates while the walk goes on, so the
    second core is not idle during discovery. Terraform directories and Azure apps wait for the
    walk to end (a unit needs every file of its directory, Terraform all module calls).
    """

    def __init__(self, ctx: LoadContext, progress: Progress | None) -> None:
        self.ctx = ctx
        self.progress = progress
        self.jobs = ctx.jobs if ctx.jobs > 0 else len(os.sched_getaffinity(0))
        self.pool: Any = None
        self.forked_early = False
        self.pending: list[_Unit] = []
        self.templates_seen = 0
        self.early: dict[str, tuple[Any, int]] = {}  # label -> (future of its batch, index)

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def found(self, candidate: Candidate) -> None:
        """Discovery's callback: a template to load, perhaps right away."""
        if self.jobs < 2 or candidate.kind not in (discovery.SERVERLESS, discovery.CLOUDFORMATION):
            return
        self.templates_seen += 1
        for unit, _ in _units([candidate]):
            self.pending.append(self.job(unit))
        if self.templates_seen >= PARALLEL_MIN_UNITS and len(self.pending) >= EARLY_BATCH:
            if self.pool is None:
                self._start(None)
                self.forked_early = True
            pending, self.pending = self.pending, []
            for start in range(0, len(pending), EARLY_BATCH):  # both workers start at once
                batch = pending[start : start + EARLY_BATCH]
                future = self.pool.submit(_safely_batch, batch)
                for index, job in enumerate(batch):
                    self.early[job[0]] = (future, index)

    def job(self, unit: _Unit) -> _Unit:
        """A unit as it runs: its loader's arguments and the load context."""
        label, module, func, args = unit
        return (label, module, func, (*args, self.ctx))

    def run(
        self,
        units: list[_Unit],
        meanwhile: Callable[[], None] | None = None,
        kinds: set[str] | None = None,
    ) -> list[LoadResult]:
        """Each unit's result, in order."""
        jobs = [self.job(unit) for unit in units]
        total = len(jobs)
        parallel = self.pool is not None or (self.jobs > 1 and total >= PARALLEL_MIN_UNITS)
        if parallel:
            later = [job for job in jobs if job[0] not in self.early]
            loading = self._parallel(later, kinds)  # submitted: workers start
            if meanwhile is not None:
                meanwhile()
            results: Iterable[LoadResult] = (
                self._early_result(job[0]) if job[0] in self.early else next(loading)
                for job in jobs
            )
        else:
            results = (_safely(*job) for job in jobs)
        out: list[LoadResult] = []
        for loaded in results:
            out.append(loaded)
            if self.progress is not None:
                self.progress(len(out), total)
        if not parallel and meanwhile is not None:
            meanwhile()
        return out

    def _early_result(self, label: str) -> LoadResult:
        future, index = self.early[label]
        return future.result()[index]  # type: ignore[no-any-return]

    def _parallel(self, jobs: list[_Unit], kinds: set[str] | None) -> Iterator[LoadResult]:
        if self.pool is None:
            self._start(kinds)
        chunk = max(1, len(jobs) // (self.jobs * 8))
        if not self.forked_early:
            return self.pool.map(_safely_packed, jobs, chunksize=chunk)  # type: ignore[no-any-return]
        # workers forked before Terraform's module calls were worked out: hand them over
        from faasguard.inventory import _tf_eval

        called = dict(_tf_eval._CALLED_CACHE)
        return self.pool.map(_primed, jobs, repeat(called), chunksize=chunk)  # type: ignore[no-any-return]

    def _start(self, kinds: set[str] | None) -> None:
        """Fork the workers. Forked once discovery is over (``kinds`` known), they inherit
        the loaders, imported here once. Forked while the walk goes on, they import the
        loaders themselves: on the core that sat idle, instead of holding up the walk."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if kinds is not None:
            for module in ("serverless", "cloudformation", "azure"):
                importlib.import_module(f"faasguard.inventory.{module}")
            if discovery.TERRAFORM in kinds:
                from faasguard.inventory import _hcl_fast, _tf_eval, terraform  # noqa: F401
        context = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)


def _safely_batch(jobs: list[_Unit]) -> list[LoadResult]:
    return [_safely(*job) for job in jobs]


def _primed(job: _Unit, called: dict[Path, frozenset[Path]]) -> LoadResult:
    from faasguard.inventory import _tf_eval

    _tf_eval._CALLED_CACHE.update(called)
    return _safely(*job)


def _safely_packed(job: tuple) -> LoadResult:  # type: ignore[type-arg]
    return _safely(*job)


_Unit = tuple[str, str, str, tuple]  # type: ignore[type-arg]


def _units(candidates: list[Candidate]) -> Iterator[tuple[_Unit, frozenset[str]]]:
    """Loading units (a file for templates, a directory for Terraform, an app for Azure), each
    with the files it reads."""
    tf_dirs: dict[Path, list[Candidate]] = defaultdict(list)
    azure_apps: dict[Path, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        if cand.kind == discovery.SERVERLESS:
            yield (cand.rel, "serverless", "load_file", (cand,)), frozenset({cand.rel})
        elif cand.kind == discovery.CLOUDFORMATION:
            yield (cand.rel, "cloudformation", "load_file", (cand,)), frozenset({cand.rel})
        elif cand.kind in (discovery.TERRAFORM, discovery.TFVARS):
            tf_dirs[cand.path.parent].append(cand)
        elif cand.kind == discovery.AZURE_FUNCTION:
            azure_apps[_azure_root(cand.path.parent)].append(cand)
        elif cand.kind in (discovery.AZURE_HOST, discovery.AZURE_SETTINGS):
            azure_apps[cand.path.parent].append(cand)
    for directory, files in sorted(tf_dirs.items()):
        if any(f.kind == discovery.TERRAFORM for f in files):
            unit = (files[0].rel, "terraform", "load_module", (directory, files))
            yield unit, frozenset(f.rel for f in files)
    for app_root, files in sorted(azure_apps.items()):
        yield (
            (files[0].rel, "azure", "load_app", (app_root, files)),
            frozenset(f.rel for f in files),
        )


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
