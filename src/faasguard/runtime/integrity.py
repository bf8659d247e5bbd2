"""Cold-start integrity check of the deployment package against a signed manifest.

    @guard(integrity={"manifest": "faasguard-manifest.json",
                      "public_key": os.environ["FAASGUARD_MANIFEST_PUBLIC_KEY"]})

`faasguard manifest build` writes the manifest (SHA-256, size and mode of every file of the code
directory and of the layers, signed with Ed25519). At cold start `verify_cold_start` compares the
code directory (`LAMBDA_TASK_ROOT`) and, when the manifest covers layers, `/opt` with it and
reports changed, added and removed files. It fails closed: an `IntegrityError` stops the cold
start, after a security event is written.

The trust anchor must not live in the package it protects: pass the Ed25519 public key (PEM, or
the raw key as base64) or the SHA-256 of the manifest file, e.g. from an environment variable set
by the deployment (`FAASGUARD_MANIFEST_PUBLIC_KEY` / `FAASGUARD_MANIFEST_SHA256` are read when
the spec gives neither). Checking the signature needs the `cryptography` package in the function
or a layer; the manifest digest needs only the standard library.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from fnmatch import fnmatchcase
from typing import Any

MANIFEST_NAME = "faasguard-manifest.json"
SCHEMA = "faasguard-manifest"
SCHEMA_VERSION = 1
PUBLIC_KEY_ENV = "FAASGUARD_MANIFEST_PUBLIC_KEY"
DIGEST_ENV = "FAASGUARD_MANIFEST_SHA256"
_CHUNK = 1 << 20  # files up to this size are hashed from one read
# O_NONBLOCK: opening a FIFO planted in the tree must not hang the cold start
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_LIST_MAX = 50  # paths named in the security event
# Python (sources, bytecode, extensions, .pth), Node, JVM, native libraries, scripts
_CODE_SUFFIXES = (
    ".py", ".pyc", ".pyo", ".pyd", ".pyw", ".pth", ".so", ".dll", ".dylib",
    ".js", ".mjs", ".cjs", ".node", ".jar", ".class", ".sh", ".rb", ".pl", ".php",
)  # fmt: skip


class IntegrityError(RuntimeError):
    """The package does not match its manifest, or the manifest cannot be trusted or read."""


class UntrustedManifest(IntegrityError):
    """The manifest fails its trust anchor: signature missing or wrong, or another digest."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One file as recorded: a regular file (sha256, size, mode) or a symbolic link."""

    sha256: str = ""
    size: int = 0
    mode: int = 0
    link: str | None = None

    def to_json(self) -> dict[str, object]:
        if self.link is not None:
            return {"link": self.link}
        return {"sha256": self.sha256, "size": self.size, "mode": f"{self.mode:o}"}

    def same_as(self, other: Entry) -> bool:
        """Content and executability; other permission bits vary with zip tools and platforms."""
        if self.link is not None or other.link is not None:
            return self.link == other.link
        return (self.sha256, self.size, bool(self.mode & 0o111)) == (
            other.sha256,
            other.size,
            bool(other.mode & 0o111),
        )


def canonical(document: object) -> bytes:
    """The bytes a manifest signature covers: sorted keys, no spaces, UTF-8."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


@dataclass(frozen=True)
class Manifest:
    document: Mapping[str, Any]
    raw: bytes = b""
    source: str = "<manifest>"

    @classmethod
    def parse(cls, raw: bytes, source: str = "<manifest>") -> Manifest:
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IntegrityError(f"{source}: not a JSON manifest ({exc})") from None
        except RecursionError:
            raise IntegrityError(f"{source}: not a JSON manifest (nested too deeply)") from None
        _check_document(document, source)
        return cls(document, raw, source)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Manifest:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise IntegrityError(f"{path}: cannot read the manifest ({exc.strerror})") from None
        return cls.parse(raw, str(path))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def signature(self) -> Mapping[str, Any] | None:
        return self.document.get("signature")

    @property
    def exclude(self) -> tuple[str, ...]:
        return tuple(self.document.get("exclude", ()))

    def tree(self, name: str) -> dict[str, Entry] | None:
        tree = self.document["trees"].get(name)
        if tree is None:
            return None
        return {path: _entry(item, self.source, path) for path, item in tree["files"].items()}

    def signed_bytes(self) -> bytes:
        return canonical({k: v for k, v in self.document.items() if k != "signature"})


@dataclass(frozen=True)
class Report:
    """What differs between a package and its manifest, and how far the manifest is trusted:
    `trust` is "signature", "digest" or "none" (hashes only, asked for explicitly)."""

    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    trust: str = "none"
    files: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.added or self.removed)

    def lines(self) -> list[str]:
        return [
            *(f"changed  {p}" for p in self.changed),
            *(f"added    {p}" for p in self.added),
            *(f"removed  {p}" for p in self.removed),
        ]


# ----- reading a tree
def scan_tree(
    roots: Iterable[str | os.PathLike[str]], exclude: Iterable[str] = (), skip: Iterable[str] = ()
) -> dict[str, str]:
    """Relative path → absolute path of every file and symlink under `roots` (merged, later
    roots win, as Lambda extracts layers); directories are walked, symlinks are not followed."""
    patterns = tuple(exclude)
    skipped = frozenset(skip)
    found: dict[str, str] = {}
    for root in roots:
        root = os.fspath(root)
        if not os.path.isdir(root):
            raise IntegrityError(f"{root}: not a directory")
        try:
            _walk(root, "", patterns, skipped, found)
        except RecursionError:
            raise IntegrityError(f"{root}: directory tree nested too deeply") from None
    return found


def _walk(
    top: str,
    prefix: str,
    patterns: tuple[str, ...],
    skipped: frozenset[str],
    found: dict[str, str],
    excluded: bool = False,
) -> None:
    """Excluded paths drop out, except code: a planted module, native library or executable
    must show up as added whatever the exclusions say (so excluded directories are walked)."""
    try:
        entries = list(os.scandir(top))
    except OSError as exc:
        raise IntegrityError(f"{top}: cannot list the directory ({exc.strerror})") from None
    for entry in entries:
        rel = prefix + entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        hidden = excluded or bool(patterns and _excluded(rel, entry.name, patterns))
        if is_dir:
            _walk(entry.path, rel + "/", patterns, skipped, found, hidden)
        elif rel not in skipped and (not hidden or _is_code(entry)):
            found[rel] = entry.path


def _excluded(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    """A pattern without "/" matches any path component name; with "/" the whole path."""
    return any(fnmatchcase(rel if "/" in p else name, p) for p in patterns)


def _is_code(entry: os.DirEntry[str]) -> bool:
    """What an interpreter or the loader may run: never left out by an exclusion."""
    name = entry.name.lower()
    if name.endswith(_CODE_SUFFIXES) or ".so." in name:
        return True
    try:
        return not entry.is_symlink() and bool(entry.stat(follow_symlinks=False).st_mode & 0o111)
    except OSError:
        return True  # unreadable: let the comparison report it


def file_entry(path: str) -> Entry:
    """Hash a regular file, or read a symlink, without following links (one open, one fstat)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _link_entry(path)
        raise IntegrityError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IntegrityError(f"{path}: not a regular file, directory or symlink")
        return Entry(_hash_fd(fd, info.st_size), info.st_size, stat.S_IMODE(info.st_mode))
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)


def _link_entry(path: str) -> Entry:
    try:
        return Entry(link=os.readlink(path))
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot read the link ({exc.strerror})") from None


def _hash_fd(fd: int, size: int) -> str:
    """SHA-256 of the rest of `fd`; a small file takes one read (a short read means EOF)."""
    digest = hashlib.sha256()
    chunk = min(size + 1, _CHUNK)
    while True:
        data = os.read(fd, chunk)
        digest.update(data)
        if len(data) < chunk:
            return digest.hexdigest()


# ----- comparing
def compare(
    expected: Mapping[str, Entry], actual: Mapping[str, str], label: str, workers: int = 1
) -> Report:
    common = [(rel, actual[rel], want) for rel, want in expected.items() if rel in actual]
    changed = _mismatches(common, workers)
    removed = [label + rel for rel in expected if rel not in actual]
    added = [label + rel for rel in actual if rel not in expected]
    return Report(
        tuple(label + rel for rel in changed),
        tuple(sorted(added)),
        tuple(sorted(removed)),
        files=len(common),
        bytes=sum(want.size for _, _, want in common),
    )


def _mismatches(items: list[tuple[str, str, Entry]], workers: int) -> list[str]:
    """Paths whose file differs, in manifest order. Threads overlap the reads and hashes
    (both release the GIL); a worker that dies fails the check instead of skipping files."""
    if workers <= 1 or len(items) < 64:
        return [rel for rel, path, want in items if not _matches(path, want)]
    import threading

    found: list[list[str]] = [[] for _ in range(workers)]
    finished = [False] * workers

    def work(index: int) -> None:
        found[index] = [rel for rel, path, want in items[index::workers]
                        if not _matches(path, want)]  # fmt: skip
        finished[index] = True

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not all(finished):
        raise IntegrityError("integrity: a verification worker failed")
    bad = {rel for part in found for rel in part}
    return [rel for rel, _, _ in items if rel in bad]


def _matches(path: str, want: Entry) -> bool:
    if want.link is not None:
        try:
            return os.readlink(path) == want.link
        except OSError:  # not a link (any more)
            return False
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:  # a symlink now (ELOOP), or unreadable
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != want.size:
            return False  # refused before hashing
        if bool(info.st_mode & 0o111) != bool(want.mode & 0o111):
            return False
        return _hash_fd(fd, info.st_size) == want.sha256
    except OSError:
        return False
    finally:
        os.close(fd)


def verify(
    code_dir: str | os.PathLike[str],
    manifest: Manifest,
    *,
    public_key: str | bytes | None = None,
    manifest_sha256: str | None = None,
    layers: Iterable[str | os.PathLike[str]] = (),
    hashes_only: bool = False,
    skip: Iterable[str] = (MANIFEST_NAME,),
    workers: int = 1,
) -> Report:
    """Check the manifest's trust anchor, then `code_dir` (and the merged `layers`) against it.

    Raises IntegrityError when the manifest cannot be trusted (bad or missing signature, wrong
    digest, no anchor without `hashes_only`) or a tree cannot be read; returns the differences.
    `workers` > 1 threads read and hash (0: one per CPU, at most 4); they helped on an idle
    multi-core machine only, so one thread is the default.
    """
    workers = workers or min(4, os.cpu_count() or 1)
    trust = check_trust(manifest, public_key, manifest_sha256, hashes_only)
    layers = tuple(layers)
    code = manifest.tree("code") or {}
    report = compare(code, scan_tree([code_dir], manifest.exclude, skip), "", workers)
    layer_tree = manifest.tree("layers")
    if layer_tree is not None and not layers:
        raise IntegrityError(f"{manifest.source}: the manifest covers layers; give their directory")
    if layers:
        found = scan_tree(layers, manifest.exclude)
        report = _merge(report, compare(layer_tree or {}, found, "layers:", workers))
    return Report(report.changed, report.added, report.removed, trust, report.files, report.bytes)


def _merge(a: Report, b: Report) -> Report:
    return Report(
        a.changed + b.changed,
        a.added + b.added,
        a.removed + b.removed,
        files=a.files + b.files,
        bytes=a.bytes + b.bytes,
    )


def check_trust(
    manifest: Manifest,
    public_key: str | bytes | None,
    manifest_sha256: str | None,
    hashes_only: bool = False,
) -> str:
    if manifest_sha256:
        if manifest.sha256 != manifest_sha256.strip().lower():
            raise UntrustedManifest(
                f"{manifest.source}: manifest SHA-256 differs from the expected one"
            )
        return "digest"
    if public_key:
        verify_signature(manifest, public_key)
        return "signature"
    if hashes_only:
        return "none"
    raise IntegrityError(
        f"{manifest.source}: no trust anchor: give the public key or the manifest's SHA-256"
    )


def verify_signature(manifest: Manifest, public_key: str | bytes) -> None:
    signature = manifest.signature
    if not isinstance(signature, Mapping) or "value" not in signature:
        raise UntrustedManifest(f"{manifest.source}: the manifest is not signed")
    if signature.get("algorithm") != "ed25519":
        raise UntrustedManifest(f"{manifest.source}: unsupported signature algorithm")
    key = load_public_key(public_key)
    try:
        value = base64.b64decode(str(signature["value"]), validate=True)
    except ValueError:
        raise UntrustedManifest(f"{manifest.source}: signature is not base64") from None
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(value, manifest.signed_bytes())
    except InvalidSignature:
        raise UntrustedManifest(f"{manifest.source}: signature does not verify") from None


def load_public_key(material: str | bytes) -> Any:
    """An Ed25519 public key from PEM text, or from base64 of its 32 raw bytes."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError:
        raise IntegrityError(
            "checking the manifest signature needs the 'cryptography' package in the function "
            "or a layer; or configure manifest_sha256 for a standard-library-only check"
        ) from None
    data = material.encode() if isinstance(material, str) else bytes(material)
    try:
        if b"-----BEGIN" in data:
            key = load_pem_public_key(data)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))
    except ValueError as exc:
        raise IntegrityError(f"public key: unreadable ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise IntegrityError("public key: not an Ed25519 key")
    return key


def _check_document(document: object, source: str) -> None:
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise IntegrityError(f"{source}: not a faasguard manifest (schema)")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise IntegrityError(f"{source}: unsupported schema_version")
    trees = document.get("trees")
    if not isinstance(trees, dict) or not isinstance(trees.get("code"), dict):
        raise IntegrityError(f"{source}: field 'trees.code' missing")
    for name, tree in trees.items():
        if name not in ("code", "layers") or not isinstance(tree, dict):
            raise IntegrityError(f"{source}: field 'trees.{name}' is not a file tree")
        if not isinstance(tree.get("files"), dict):
            raise IntegrityError(f"{source}: field 'trees.{name}' is not a file tree")
    exclude = document.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise IntegrityError(f"{source}: field 'exclude' must be a list of patterns")


def _entry(item: object, source: str, path: str) -> Entry:
    if isinstance(item, dict) and isinstance(item.get("link"), str):
        return Entry(link=item["link"])
    try:
        assert isinstance(item, dict)
        return Entry(str(item["sha256"]), int(item["size"]), int(str(item.get("mode", "0")), 8))
    except (AssertionError, KeyError, ValueError, TypeError, OverflowError):
        raise IntegrityError(f"{source}: entry for {path!r} is malformed") from None


# ----- the cold-start check
@dataclass(frozen=True)
class IntegritySpec:
    manifest: str = MANIFEST_NAME  # relative to code_dir unless absolute
    public_key: str | bytes | None = None
    manifest_sha256: str | None = None
    code_dir: str | None = None  # default LAMBDA_TASK_ROOT
    layers_dir: str = "/opt"  # checked when the manifest covers layers
    fail: str = "closed"  # "closed" raises IntegrityError; "open" logs the event and goes on
    hashes_only: bool = False
    workers: int = 1  # threads reading and hashing; 0: one per CPU, at most 4
    events: Callable[[dict[str, object]], None] | None = field(default=None, compare=False)


_VERIFIED: dict[tuple[str, str, str, str], Report] = {}


def verify_cold_start(
    spec: Any = True, *, events: Callable[[dict[str, object]], None] | None = None
) -> Report | None:
    """Verify the package once per process; raise IntegrityError (fail closed) on any mismatch
    or doubt, or with `fail="open"` only emit the event. Returns the report, or None when the
    check failed open. `events`: the sink for the event when the spec names none (the guard
    passes its own)."""
    spec = _spec(spec)
    if events is not None and spec.events is None:
        spec = replace(spec, events=events)
    code_dir = spec.code_dir or os.environ.get("LAMBDA_TASK_ROOT", "")
    if not code_dir:
        raise IntegrityError("integrity: no code directory (code_dir, or LAMBDA_TASK_ROOT unset)")
    manifest_path = os.path.join(code_dir, spec.manifest)
    public_key = spec.public_key or os.environ.get(PUBLIC_KEY_ENV) or None
    digest = spec.manifest_sha256 or os.environ.get(DIGEST_ENV) or None
    # the memo holds per trust anchor: a weaker check passing must not vouch for a stricter one
    key = (
        os.path.abspath(manifest_path),
        os.path.abspath(code_dir),
        spec.layers_dir,
        repr((public_key, digest, spec.hashes_only)),
    )
    if key in _VERIFIED:
        return _VERIFIED[key]
    try:
        manifest = Manifest.load(manifest_path)
        report = verify(
            code_dir,
            manifest,
            public_key=public_key,
            manifest_sha256=digest,
            layers=(spec.layers_dir,) if "layers" in manifest.document["trees"] else (),
            hashes_only=spec.hashes_only,
            workers=spec.workers,
            skip=_skip(code_dir, manifest_path),
        )
    except IntegrityError as exc:
        return _fail(spec, str(exc), Report())
    if not report.ok:
        counts = f"{len(report.changed)} changed, {len(report.added)} added, "
        counts += f"{len(report.removed)} removed"
        return _fail(spec, f"integrity: package differs from its manifest: {counts}", report)
    _VERIFIED[key] = report
    return report


def _skip(code_dir: str, manifest_path: str) -> tuple[str, ...]:
    rel = os.path.relpath(manifest_path, code_dir)
    return (MANIFEST_NAME,) if rel.startswith("..") else (MANIFEST_NAME, rel.replace(os.sep, "/"))


def _spec(spec: Any) -> IntegritySpec:
    if isinstance(spec, IntegritySpec):
        return spec
    if spec is True:
        return IntegritySpec()
    if isinstance(spec, str | os.PathLike):
        return IntegritySpec(manifest=os.fspath(spec))
    if isinstance(spec, Mapping):
        known = {f.name for f in fields(IntegritySpec)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise IntegrityError(f"integrity: unknown option(s) {', '.join(unknown)}")
        spec = IntegritySpec(**spec)
        if spec.fail not in ("closed", "open"):
            raise IntegrityError("integrity: fail must be 'closed' or 'open'")
        return spec
    raise IntegrityError(f"integrity: expected a manifest path or options, got {type(spec)}")


def _fail(spec: IntegritySpec, message: str, report: Report) -> None:
    _emit(spec, message, report)
    if spec.fail == "open":
        import logging

        logging.getLogger("faasguard.runtime").error("%s (failing open)", message)
        return None
    raise IntegrityError(message)


def _emit(spec: IntegritySpec, message: str, report: Report) -> None:
    from . import _events

    call = _events.Invocation(
        function=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""), request_id="cold-start"
    )
    blocked = spec.fail == "closed"
    event = _events.rule_finding(
        call,
        rule="integrity.manifest",
        blocked=blocked,
        severity_id=4,
        uid=f"integrity:{report.trust}:{len(report.lines())}",
        title=message[:200],
        types=["integrity"],
        unmapped={
            "changed": list(report.changed[:_LIST_MAX]),
            "added": list(report.added[:_LIST_MAX]),
            "removed": list(report.removed[:_LIST_MAX]),
            "trust": report.trust,
        },
    )
    log = _events.EventLog(sink=spec.events or _events.stdout_sink)
    log.emit(event, allowed=not blocked, request_id="cold-start")
