"""`faasguard manifest keygen|build|verify`: signed manifests of a deployment package.

    faasguard manifest keygen --out signing            # signing.key (0600) + signing.pub
    faasguard manifest build build/pkg --layer build/layer --key signing.key
    faasguard manifest verify build/pkg --layer build/layer --public-key signing.pub

`build` writes DIR/faasguard-manifest.json unless --output says otherwise, and prints the
manifest's SHA-256 (the stdlib-only trust anchor). `verify` exits 0 when the package matches,
1 when files changed, were added or removed or the signature does not hold, 2 on errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from faasguard.runtime.integrity import Report

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="manifest_command", metavar="ACTION")
    keygen = sub.add_parser("keygen", help="generate an Ed25519 signing key pair")
    keygen.add_argument(
        "--out",
        required=True,
        metavar="PREFIX",
        help="write PREFIX.key (private, mode 0600) and PREFIX.pub",
    )
    build = sub.add_parser("build", help="hash (and sign) every file of a deployment package")
    _tree_options(build)
    build.add_argument("--key", metavar="PRIVATE.pem", help="Ed25519 private key to sign with")
    build.add_argument(
        "--output", "-o", metavar="FILE", help=f"manifest file (default: DIR/{_name()})"
    )
    build.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave matching paths out (recorded and signed in the manifest); code files "
        "(.py, .pyc, .so, .js, executables...) are hashed all the same",
    )
    verify = sub.add_parser("verify", help="check a package against its manifest")
    _tree_options(verify)
    verify.add_argument(
        "--manifest", "-m", metavar="FILE", help=f"manifest file (default: DIR/{_name()})"
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")
    anchor = verify.add_mutually_exclusive_group()
    anchor.add_argument("--public-key", metavar="PEM", help="Ed25519 public key (PEM file)")
    anchor.add_argument(
        "--manifest-sha256",
        metavar="HEX",
        help="expected SHA-256 of the manifest file (instead of a signature)",
    )
    anchor.add_argument(
        "--hashes-only",
        action="store_true",
        help="trust the manifest as is: detects changes, not a forged manifest",
    )


def _tree_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="the deployment package (unzipped)")
    parser.add_argument(
        "--layer",
        action="append",
        default=[],
        metavar="DIR",
        help="an unzipped layer (repeatable, in deployment order)",
    )


def _name() -> str:
    return "faasguard-manifest.json"


def run(args: argparse.Namespace) -> int:
    from faasguard.runtime.integrity import IntegrityError

    action = getattr(args, "manifest_command", None)
    if action is None:
        print("faasguard manifest: choose keygen, build or verify", file=sys.stderr)
        return EXIT_ERROR
    try:
        return {"keygen": _keygen, "build": _build, "verify": _verify}[action](args)
    except IntegrityError as exc:
        print(f"faasguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _keygen(args: argparse.Namespace) -> int:
    from ._manifest import generate_keys

    private, public, raw = generate_keys(args.out)
    print(f"private key: {private} (mode 0600; keep it out of the package and the repository)")
    print(f"public key:  {public}")
    print(f"FAASGUARD_MANIFEST_PUBLIC_KEY={raw}")
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from ._manifest import build_manifest

    output = args.output or os.path.join(args.directory, _name())
    skip = _inside(output, args.directory)
    manifest = build_manifest(args.directory, args.layer, args.key, exclude=args.exclude, skip=skip)
    try:
        with open(output, "wb") as handle:
            handle.write(manifest.raw)
    except OSError as exc:
        print(f"faasguard: error: {output}: cannot write ({exc.strerror})", file=sys.stderr)
        return EXIT_ERROR
    trees = manifest.document["trees"]
    count = sum(t["file_count"] for t in trees.values())
    size = sum(t["bytes"] for t in trees.values())
    signed = "signed" if manifest.signature else "UNSIGNED"
    print(f"{output}: {count} files, {size:,} bytes, {signed}")
    print(f"manifest sha256: {manifest.sha256}")
    return EXIT_OK


def _inside(path: str, directory: str) -> tuple[str, ...]:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(directory))
    return () if rel.startswith("..") else (rel.replace(os.sep, "/"),)


def _verify(args: argparse.Namespace) -> int:
    from faasguard.runtime.integrity import IntegrityError, Manifest, UntrustedManifest, verify

    path = args.manifest or os.path.join(args.directory, _name())
    manifest = Manifest.load(path)
    public_key = _read_key(args.public_key) if args.public_key else None
    if public_key is None and not (args.manifest_sha256 or args.hashes_only):
        raise IntegrityError(
            f"{path}: give --public-key, --manifest-sha256 or --hashes-only (no trust anchor)"
        )
    try:
        report = verify(
            args.directory,
            manifest,
            public_key=public_key,
            manifest_sha256=args.manifest_sha256,
            layers=args.layer,
            hashes_only=args.hashes_only,
            skip=("faasguard-manifest.json", *_inside(path, args.directory)),
        )
    except UntrustedManifest as exc:  # a tampered manifest fails verification (1), not usage
        if args.format == "json":
            print(json.dumps({"directory": args.directory, "intact": False, "untrusted": str(exc)}))
        else:
            print(f"UNTRUSTED {exc}")
        return EXIT_CHANGED
    if args.format == "json":
        print(json.dumps(_as_json(args.directory, report), indent=2))
        return EXIT_OK if report.ok else EXIT_CHANGED
    for line in report.lines():
        print(line)
    state = "intact" if report.ok else f"{len(report.lines())} difference(s)"
    print(
        f"{args.directory}: {state}; {report.files} files, {report.bytes:,} bytes checked "
        f"(trust: {report.trust})"
    )
    return EXIT_OK if report.ok else EXIT_CHANGED


def _as_json(directory: str, report: Report) -> dict[str, object]:
    return {
        "directory": directory,
        "intact": report.ok,
        "trust": report.trust,
        "changed": list(report.changed),
        "added": list(report.added),
        "removed": list(report.removed),
        "files_checked": report.files,
        "bytes_checked": report.bytes,
    }


def _read_key(path: str) -> bytes:
    from faasguard.runtime.integrity import IntegrityError

    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot read the public key ({exc.strerror})") from None
