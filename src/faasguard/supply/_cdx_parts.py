"""One dependency's identity for an SBOM: its package URL, hashes and licences.

Pure conversions from what a lock file wrote to CycloneDX values; problems come back as warnings,
never as exceptions, so one odd entry cannot cost the whole SBOM.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass

from cyclonedx.model import HashAlgorithm, HashType
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from packageurl import PackageURL

from faasguard.model import Dependency, DependencySource

# Name in "sha256:<hex>" / SRI "sha512-<base64>" -> (CycloneDX algorithm, digest length in bytes)
_ALGORITHMS: dict[str, tuple[HashAlgorithm, int]] = {
    "md5": (HashAlgorithm.MD5, 16),
    "sha1": (HashAlgorithm.SHA_1, 20),
    "sha256": (HashAlgorithm.SHA_256, 32),
    "sha384": (HashAlgorithm.SHA_384, 48),
    "sha512": (HashAlgorithm.SHA_512, 64),
}
_HEX = re.compile(r"[0-9a-fA-F]+")
_PURL_TYPES = {"PyPI": "pypi", "npm": "npm"}


@dataclass(frozen=True, slots=True)
class Converted:
    """A value converted for the SBOM plus what could not be converted, as warning messages."""

    hashes: tuple[HashType, ...] = ()
    warnings: tuple[str, ...] = ()


def package_url(dep: Dependency) -> PackageURL:
    """The purl of a dependency: ``pkg:pypi/name@version``, ``pkg:npm/%40scope/name@version``.

    Direct URL and VCS dependencies keep where they come from in the ``download_url`` /
    ``vcs_url`` qualifiers of the purl specification.
    """
    qualifiers: dict[str, str] = {}
    if dep.url and dep.source is DependencySource.VCS:
        qualifiers["vcs_url"] = dep.url
    elif dep.url and dep.source is DependencySource.URL:
        qualifiers["download_url"] = dep.url
    kind = _PURL_TYPES.get(dep.ecosystem, "generic")
    namespace, name = None, dep.name.strip()
    if kind == "npm":
        name = name.lower()
        if name.startswith("@") and "/" in name:
            namespace, name = name.split("/", 1)
    elif kind == "pypi":
        name = name.lower().replace("_", "-")  # the purl specification's pypi rule
    return PackageURL(
        type=kind,
        namespace=namespace,
        name=name,
        version=dep.version or None,
        qualifiers=qualifiers or None,
    )


def hashes(dep: Dependency) -> Converted:
    """``sha256:<hex>`` pins and npm ``integrity`` (SRI, base64) values as CycloneDX hex hashes."""
    out: dict[tuple[HashAlgorithm, str], HashType] = {}
    warnings: list[str] = []
    for written in dep.hashes:
        for token in written.split():  # an SRI string may hold several hashes
            converted = _hash(token)
            if converted is None:
                warnings.append(f"{dep.location}: {dep.name}: unrecognised hash {token[:40]!r}")
            else:
                out.setdefault((converted.alg, converted.content), converted)
    return Converted(hashes=tuple(out.values()), warnings=tuple(warnings))


def _hash(token: str) -> HashType | None:
    name, sep, value = token.partition(":")
    if sep and name.lower() in _ALGORITHMS:
        algorithm, size = _ALGORITHMS[name.lower()]
        if len(value) == 2 * size and _HEX.fullmatch(value):
            return HashType(alg=algorithm, content=value.lower())
        return None
    name, sep, value = token.partition("-")
    if not sep or name.lower() not in _ALGORITHMS:
        return None
    algorithm, size = _ALGORITHMS[name.lower()]
    try:  # SRI options ("?foo") are allowed after the digest
        digest = base64.b64decode(value.split("?", 1)[0], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(digest) != size:
        return None
    return HashType(alg=algorithm, content=digest.hex())


def licenses(written: tuple[str, ...]) -> tuple[License, ...]:
    """SPDX ids become ids, one SPDX expression becomes an expression, anything else a name.

    CycloneDX allows either one expression or a list of single licences, never both: several
    values that include an expression are kept as names.
    """
    values = tuple(dict.fromkeys(v.strip() for v in written if v and v.strip()))
    if not values:
        return ()
    if len(values) == 1:
        return (_license(values[0]),)
    out: list[License] = []
    for value in values:
        lic = _license(value)
        out.append(DisjunctiveLicense(name=value) if isinstance(lic, LicenseExpression) else lic)
    return tuple(out)


@functools.lru_cache(maxsize=512)
def _license(value: str) -> License:
    return _factory().make_from_string(value)


@functools.cache
def _factory():  # type: ignore[no-untyped-def]
    # Loads the SPDX licence list: only paid for when some dependency names a licence.
    from cyclonedx.contrib.license.factories import LicenseFactory

    return LicenseFactory()
