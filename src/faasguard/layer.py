"""Build an AWS Lambda layer zip holding only faasguard's runtime (`python/faasguard/runtime/...`).

The zip is reproducible (fixed timestamps, sorted entries) and refuses to exceed MAX_LAYER_BYTES.
Pure-Python extras (e.g. fastjsonschema, needed for JSON Schema validation) can be vendored with
`extras`.
"""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Iterable
from pathlib import Path

MAX_LAYER_BYTES = 1_048_576
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_SUFFIXES = (".pyc", ".pyo")


class LayerError(RuntimeError):
    """The layer cannot be built as asked."""


def _package_root() -> Path:
    return Path(__file__).resolve().parent


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in _SKIP_SUFFIXES
    )


def _extra_root(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise LayerError(f"extra package {name!r} is not installed")
    origin = Path(spec.origin)
    if origin.suffix not in (".py",):
        raise LayerError(f"extra package {name!r} is not pure Python: {origin.name}")
    return origin.parent if origin.name == "__init__.py" else origin


def _add(archive: zipfile.ZipFile, source: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, source.read_bytes())


def build_layer(output: Path, *, extras: Iterable[str] = ()) -> Path:
    """Write the layer zip to `output` (a file, or a directory to put faasguard-runtime.zip in)."""
    output = Path(output)
    if output.is_dir():
        output = output / "faasguard-runtime.zip"
    package = _package_root()
    entries: list[tuple[Path, str]] = [(package / "__init__.py", "python/faasguard/__init__.py")]
    runtime = package / "runtime"
    entries += [(p, f"python/faasguard/runtime/{p.relative_to(runtime).as_posix()}")
                for p in _files(runtime)]  # fmt: skip
    for name in extras:
        root = _extra_root(name)
        if root.is_file():
            entries.append((root, f"python/{root.name}"))
        else:
            entries += [(p, f"python/{name}/{p.relative_to(root).as_posix()}")
                        for p in _files(root)]  # fmt: skip
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(output.suffix + ".part")
    with zipfile.ZipFile(partial, "w") as archive:
        for source, name in sorted(entries, key=lambda entry: entry[1]):
            _add(archive, source, name)
    size = partial.stat().st_size
    if size > MAX_LAYER_BYTES:
        partial.unlink()
        raise LayerError(f"layer would be {size} bytes, over the {MAX_LAYER_BYTES} byte limit")
    partial.replace(output)
    return output
