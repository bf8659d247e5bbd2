"""CycloneDX 1.6 SBOMs of what a serverless project deploys, per project and per function.

Choices, documented for users in the README:

- One component per package, identified by its purl and deduplicated by it. When the same purl
  is shipped by different functions (their own lock files), each gets its own component
  (``bom-ref`` = purl + ``#`` + the dependency file it comes from) so each graph stays exact;
  the ``faasguard:function-id`` properties say which functions ship it.
- A lock file replaces the manifest it locks: its versions, hashes and graph are what is deployed.
- One component per dependency the files list, development dependencies included (scope
  ``excluded``: they are not deployed); ``exclude_dev`` leaves them out. Optional dependencies
  have scope ``optional``, all others ``required``.
- The graph: the project (or function) depends on the direct dependencies; each package on what
  the lock file says it requires. Where a file does not say which are direct, the packages that
  no other package requires are taken as direct.
- ``SOURCE_DATE_EPOCH`` fixes the timestamp, for reproducible builds.
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings as _warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.dependency import Dependency as CdxDependency
from cyclonedx.model.license import License
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion

from faasguard import __version__
from faasguard.model import Dependency, DependencySource, Function, Inventory, Manifest
from faasguard.supply import _cdx_parts
from faasguard.supply._common import canonical_name

Format = Literal["json", "xml"]
SCHEMA_VERSION = SchemaVersion.V1_6
_SCOPE_RANK = {ComponentScope.EXCLUDED: 0, ComponentScope.OPTIONAL: 1, ComponentScope.REQUIRED: 2}


@dataclass(frozen=True, slots=True)
class Sbom:
    """A built BOM, how many package components it holds, and what could not be recorded."""

    bom: Bom
    components: int
    warnings: tuple[str, ...] = ()

    def render(self, fmt: Format = "json") -> str:
        return render(self.bom, fmt)


def render(bom: Bom, fmt: Format = "json") -> str:
    """Serialise as CycloneDX 1.6 JSON or XML."""
    output = OutputFormat.JSON if fmt == "json" else OutputFormat.XML
    with _warnings.catch_warnings():  # the library warns about graphs we chose to leave empty
        _warnings.simplefilter("ignore", UserWarning)
        text = make_outputter(bom, output, SCHEMA_VERSION).output_as_string(indent=2)
    return text if text.endswith("\n") else text + "\n"


def project_sbom(
    inventory: Inventory, *, name: str | None = None, exclude_dev: bool = False
) -> Sbom:
    """The whole project: every deployable manifest, the functions nested under the project."""
    root = _root(name or PurePosixPath(inventory.root.replace("\\", "/")).name or "project")
    by_id = {fn.id: fn for fn in inventory.functions}
    fn_components = {fid: _function_component(fn) for fid, fn in by_id.items()}
    builder = _Builder(exclude_dev)
    for owners, manifests in _groups(deployable(inventory.manifests)):
        for fid in owners:
            if fid not in fn_components:  # tied to a function the inventory does not list
                fn_components[fid] = Component(
                    name=fid, type=ComponentType.APPLICATION, bom_ref=f"function:{fid}"
                )
        holders = [fn_components[fid] for fid in owners] or [root]
        builder.add_group(owners, manifests, holders)
    for comp in sorted(fn_components.values(), key=lambda c: str(c.bom_ref)):
        root.components.add(comp)
    return builder.finish(root, nested=tuple(fn_components.values()))


def function_sbom(inventory: Inventory, function: Function, *, exclude_dev: bool = False) -> Sbom:
    """One function: only the manifests tied to its code path or layers."""
    root = _function_component(function)
    project = PurePosixPath(inventory.root.replace("\\", "/")).name
    root.properties.add(Property(name="faasguard:project", value=project or "project"))
    mine = [m for m in deployable(inventory.manifests) if function.id in m.functions]
    builder = _Builder(exclude_dev)
    builder.add_group((), mine, [root])
    return builder.finish(root)


def manifests_sbom(manifests: Sequence[Manifest], *, name: str, exclude_dev: bool = False) -> Sbom:
    """Manifests read on their own (a single lock file given on the command line)."""
    root = _root(name)
    builder = _Builder(exclude_dev)
    builder.add_group((), deployable(manifests), [root])
    return builder.finish(root)


def deployable(manifests: Iterable[Manifest]) -> tuple[Manifest, ...]:
    """The manifests that say what is deployed: a lock file hides the manifest it locks (named by
    ``lock_for``, or a pyproject.toml / package.json / Pipfile beside it for the same ecosystem)."""
    manifests = tuple(manifests)
    locked = {m.lock_for for m in manifests if m.lock and m.lock_for}
    lock_dirs = {(_parent(m.path), m.ecosystem) for m in manifests if m.lock}
    return tuple(
        m
        for m in manifests
        if m.lock
        or not (
            m.path in locked
            or (m.kind in _LOCKABLE and (_parent(m.path), m.ecosystem) in lock_dirs)
        )
    )


_LOCKABLE = frozenset({"pyproject", "package.json", "Pipfile"})


def _parent(path: str) -> str:
    return str(PurePosixPath(path).parent)


def _groups(manifests: Sequence[Manifest]) -> list[tuple[tuple[str, ...], list[Manifest]]]:
    """Manifests grouped by the set of functions that ship them (``()``: the project itself)."""
    groups: dict[tuple[str, ...], list[Manifest]] = {}
    for manifest in manifests:
        groups.setdefault(tuple(sorted(set(manifest.functions))), []).append(manifest)
    return sorted(groups.items())


def _root(name: str) -> Component:
    return Component(name=name, type=ComponentType.APPLICATION, bom_ref=f"project:{name}")


def _function_component(fn: Function) -> Component:
    props = [Property(name="faasguard:function-id", value=fn.id)]
    props.append(Property(name="faasguard:provider", value=str(fn.provider)))
    if fn.runtime:
        props.append(Property(name="faasguard:runtime", value=fn.runtime))
    if fn.code_path:
        props.append(Property(name="faasguard:code-path", value=fn.code_path))
    return Component(
        name=fn.name,
        type=ComponentType.APPLICATION,
        bom_ref=f"function:{fn.id}",
        properties=props,
    )


@dataclass(slots=True)
class _Entry:
    """One package component while it is being assembled from one or more manifest entries."""

    ref: str
    first: Dependency
    scope: ComponentScope
    hashes: dict[tuple[str, str], HashType] = field(default_factory=dict)
    licenses: list[str] = field(default_factory=list)
    seen_in: dict[tuple[str, int], None] = field(default_factory=dict)
    owners: tuple[str, ...] = ()
    requires: dict[str, None] = field(default_factory=dict)


class _Builder:
    """Collects package components and graph edges group by group, then makes the Bom."""

    def __init__(self, exclude_dev: bool) -> None:
        self.exclude_dev = exclude_dev
        self.entries: dict[tuple[tuple[str, ...], str], _Entry] = {}
        self.holders: dict[str, tuple[Component, dict[str, None]]] = {}
        self.warnings: list[str] = []
        self._pending: list[tuple[tuple[str, ...], list[Manifest], list[Component]]] = []

    def add_group(
        self, owners: tuple[str, ...], manifests: list[Manifest], holders: list[Component]
    ) -> None:
        self._pending.append((owners, manifests, holders))

    def finish(self, root: Component, nested: Sequence[Component] = ()) -> Sbom:
        purl_groups: dict[str, set[tuple[str, ...]]] = {}
        prepared = []
        for owners, manifests, holders in self._pending:
            kept = [(m, self._kept(m)) for m in manifests]
            for _, deps in kept:
                for _dep, purl in deps:
                    purl_groups.setdefault(purl, set()).add(owners)
            prepared.append((owners, kept, holders))
        for owners, kept, holders in prepared:
            label = min(m.path for m, _ in kept) if kept else ""
            for manifest, deps in kept:
                self._add_manifest(owners, label, manifest, deps, holders, purl_groups)
        return self._bom(root, nested)

    def _kept(self, manifest: Manifest) -> list[tuple[Dependency, str]]:
        return [
            (dep, _cdx_parts.package_url(dep).to_string())
            for dep in manifest.dependencies
            if not (self.exclude_dev and dep.dev)
        ]

    def _add_manifest(
        self,
        owners: tuple[str, ...],
        label: str,
        manifest: Manifest,
        deps: list[tuple[Dependency, str]],
        holders: list[Component],
        purl_groups: dict[str, set[tuple[str, ...]]],
    ) -> None:
        by_name: dict[str, _Entry] = {}
        by_name_direct: dict[str, bool] = {}
        entries: list[tuple[Dependency, _Entry]] = []
        for dep, purl in deps:
            ref = purl if len(purl_groups[purl]) == 1 else f"{purl}#{label}"
            entry = self._entry(owners, ref, dep)
            key = _name_key(dep)
            if key not in by_name or (dep.direct and not by_name_direct.get(key)):
                by_name[key] = entry  # several versions (npm nesting): the hoisted one wins
                by_name_direct[key] = bool(dep.direct)
            entries.append((dep, entry))
        required: set[str] = set()
        for dep, entry in entries:
            for wanted in dep.requires:
                target = by_name.get(_name_key(dep, wanted))
                if target is not None and target is not entry:
                    entry.requires[target.ref] = None
                    required.add(target.ref)
        direct = [e.ref for d, e in entries if d.direct]
        if not direct:  # the file does not say: what nothing else requires is direct
            direct = [e.ref for d, e in entries if d.direct is None and e.ref not in required]
        if not direct:
            direct = [e.ref for _, e in entries if e.ref not in required]
        for holder in holders:
            _, refs = self.holders.setdefault(str(holder.bom_ref), (holder, {}))
            refs.update(dict.fromkeys(direct))

    def _entry(self, owners: tuple[str, ...], ref: str, dep: Dependency) -> _Entry:
        scope = _scope(dep)
        entry = self.entries.get((owners, ref))
        if entry is None:
            entry = _Entry(ref=ref, first=dep, scope=scope, owners=owners)
            self.entries[(owners, ref)] = entry
        elif _SCOPE_RANK[scope] > _SCOPE_RANK[entry.scope]:
            entry.scope = scope
        converted = _cdx_parts.hashes(dep)
        self.warnings.extend(converted.warnings)
        for h in converted.hashes:
            entry.hashes.setdefault((str(h.alg), h.content), h)
        entry.licenses.extend(x for x in dep.licenses if x not in entry.licenses)
        entry.seen_in[(dep.location.file, dep.location.line)] = None
        return entry

    def _bom(self, root: Component, nested: Sequence[Component]) -> Sbom:
        bom = Bom()
        bom.metadata.component = root
        bom.metadata.tools.components.add(
            Component(name="faasguard", version=__version__, type=ComponentType.APPLICATION)
        )
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if epoch.isdigit():
            bom.metadata.timestamp = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        components = {ref: _component(e) for (_, ref), e in self.entries.items()}
        bom.components.update(components.values())
        graph = [
            CdxDependency(ref=components[e.ref].bom_ref, dependencies=_refs(components, e.requires))
            for e in self.entries.values()
        ]
        for holder, direct in self.holders.values():
            if holder is not root:
                graph.append(
                    CdxDependency(ref=holder.bom_ref, dependencies=_refs(components, direct))
                )
        _, root_direct = self.holders.get(str(root.bom_ref), (root, {}))
        root_deps = _refs(components, root_direct)
        root_deps += [
            CdxDependency(ref=c.bom_ref) for c in nested if str(c.bom_ref) in self.holders
        ]
        graph.append(CdxDependency(ref=root.bom_ref, dependencies=root_deps))
        bom.dependencies.update(graph)
        _index_dependencies(bom)
        return Sbom(bom=bom, components=len(components), warnings=tuple(self.warnings))


def _index_dependencies(bom: Bom) -> None:
    """Replace the library's ``register_dependency`` on this Bom, which its pre-output
    validation calls once per component with a linear search (quadratic: a minute for 5,000
    packages), by a lookup. The graph is complete by construction: only refs we did not
    register are added, empty, as the library does."""
    known = {str(d.ref) for d in bom.dependencies}

    def register(target: Any, depends_on: Any = None) -> None:
        if depends_on or str(target.bom_ref) not in known:
            Bom.register_dependency(bom, target, depends_on)
            known.update(str(d.ref) for d in bom.dependencies)

    bom.register_dependency = register  # type: ignore[method-assign]


def _refs(components: dict[str, Component], refs: Iterable[str]) -> list[CdxDependency]:
    return [CdxDependency(ref=components[r].bom_ref) for r in refs]


def _scope(dep: Dependency) -> ComponentScope:
    if dep.dev:
        return ComponentScope.EXCLUDED
    return ComponentScope.OPTIONAL if dep.optional else ComponentScope.REQUIRED


def _name_key(dep: Dependency, name: str | None = None) -> str:
    return canonical_name(dep.name if name is None else name, dep.ecosystem)


def _component(entry: _Entry) -> Component:
    dep = entry.first
    purl = _cdx_parts.package_url(dep)
    props = []
    if dep.source is not DependencySource.REGISTRY:
        props.append(Property(name="faasguard:source", value=str(dep.source)))
    if dep.specifier and dep.specifier not in (dep.version, f"=={dep.version}"):
        props.append(Property(name="faasguard:specifier", value=dep.specifier))
    if dep.marker:
        props.append(Property(name="faasguard:marker", value=dep.marker))
    if dep.extras:
        props.append(Property(name="faasguard:extras", value=",".join(dep.extras)))
    props.extend(Property(name="faasguard:function-id", value=fid) for fid in entry.owners)
    licenses: tuple[License, ...] = _cdx_parts.licenses(tuple(entry.licenses))
    return Component(
        name=dep.name,
        version=dep.version or None,
        type=ComponentType.LIBRARY,
        bom_ref=entry.ref,
        purl=purl,
        scope=entry.scope,
        hashes=entry.hashes.values(),
        licenses=licenses,
        external_references=_external_references(dep),
        properties=props,
        evidence=ComponentEvidence(
            occurrences=[Occurrence(location=f, line=line) for f, line in entry.seen_in]
        ),
    )


def _external_references(dep: Dependency) -> list[ExternalReference]:
    if not dep.url:
        return []
    kinds = {
        DependencySource.VCS: ExternalReferenceType.VCS,
        DependencySource.URL: ExternalReferenceType.DISTRIBUTION,
    }
    kind = kinds.get(dep.source)
    if kind is None:
        return []
    try:
        return [ExternalReference(type=kind, url=XsUri(dep.url))]
    except ValueError:  # not a URI the schema accepts (spaces, odd characters): keep it in the purl
        return []
