"""CycloneDX SBOMs: every document produced here is validated against the CycloneDX 1.6 schema."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from faasguard.cli import main
from faasguard.model import (
    Dependency,
    DependencySource,
    Function,
    Inventory,
    Location,
    Manifest,
    Provider,
    SourceFormat,
)
from faasguard.supply import sbom
from tests.conftest import FIXTURES

CDX = "{http://cyclonedx.org/schema/bom/1.6}"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema validation and SBOM building must never reach the network."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def valid_json(text: str) -> dict[str, Any]:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, f"not valid CycloneDX 1.6 JSON: {error}"
    return json.loads(text)


def valid_xml(text: str) -> ET.Element:
    error = XmlValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, f"not valid CycloneDX 1.6 XML: {error}"
    return ET.fromstring(text.encode())


def sri(algorithm: str, data: bytes) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dep(name: str, version: str | None, file: str, line: int, **kw: Any) -> Dependency:
    eco = "npm" if file.endswith(".json") or file.endswith(".yaml") else "PyPI"
    return Dependency(
        name=name, ecosystem=eco, location=Location(file, line), version=version, **kw
    )


def manifest(path: str, kind: str, **kw: Any) -> Manifest:
    eco = "npm" if kind in ("package.json", "package-lock.json", "yarn.lock") else "PyPI"
    return Manifest(path=path, kind=kind, ecosystem=eco, location=Location(path), **kw)


def function(name: str, code: str, runtime: str = "python3.12") -> Function:
    return Function(
        name=name,
        provider=Provider.AWS,
        source_format=SourceFormat.SAM,
        location=Location("template.yaml", 5),
        logical_id=name,
        runtime=runtime,
        code_path=code,
    )


ORDERS = function("OrdersFunction", "orders")
WEB = function("WebFunction", "web", "nodejs20.x")
REPORTS = function("ReportsFunction", "reports")

POETRY_LOCK = manifest(
    "orders/poetry.lock",
    "poetry.lock",
    lock=True,
    lock_for="orders/pyproject.toml",
    functions=(ORDERS.id,),
    dependencies=(
        dep(
            "requests",
            "2.31.0",
            "orders/poetry.lock",
            40,
            direct=True,
            requires=("certifi", "charset-normalizer", "idna", "urllib3"),
            hashes=(
                "sha256:" + sha256(b"requests-2.31.0.tar.gz"),
                "sha256:" + sha256(b"requests-2.31.0-py3-none-any.whl"),
            ),
            licenses=("Apache-2.0",),
        ),
        dep("certifi", "2024.2.2", "orders/poetry.lock", 1, licenses=("MPL-2.0",)),
        dep("Charset_Normalizer", "3.3.2", "orders/poetry.lock", 12, licenses=("MIT",)),
        dep("idna", "3.6", "orders/poetry.lock", 24, licenses=("BSD-3-Clause",)),
        dep("urllib3", "2.2.1", "orders/poetry.lock", 60, licenses=("MIT",)),
        dep(
            "aws-lambda-powertools",
            "2.35.0",
            "orders/poetry.lock",
            80,
            direct=True,
            requires=("jmespath", "typing-extensions"),
            licenses=("MIT-0",),
        ),
        dep("jmespath", "1.0.1", "orders/poetry.lock", 90),
        dep(
            "typing_extensions",
            "4.10.0",
            "orders/poetry.lock",
            95,
            licenses=("Python Software Foundation License",),
        ),
        dep(
            "pytest",
            "8.1.1",
            "orders/poetry.lock",
            100,
            direct=True,
            dev=True,
            requires=("iniconfig",),
        ),
        dep("iniconfig", "2.0.0", "orders/poetry.lock", 110, dev=True),
        dep("orjson", "3.10.0", "orders/poetry.lock", 120, direct=True, optional=True),
    ),
)
PYPROJECT = manifest(
    "orders/pyproject.toml",
    "pyproject",
    functions=(ORDERS.id,),
    dependencies=(dep("requests", None, "orders/pyproject.toml", 8, specifier="^2.31"),),
)
PACKAGE_LOCK = manifest(
    "web/package-lock.json",
    "package-lock.json",
    lock=True,
    functions=(WEB.id,),
    dependencies=(
        dep(
            "@middy/core",
            "5.2.6",
            "web/package-lock.json",
            20,
            direct=True,
            hashes=(sri("sha512", b"middy-core-5.2.6.tgz"),),
            licenses=("MIT",),
        ),
        dep(
            "@aws-sdk/client-s3",
            "3.540.0",
            "web/package-lock.json",
            30,
            direct=True,
            requires=("tslib",),
            hashes=(sri("sha512", b"client-s3.tgz") + " " + sri("sha1", b"client-s3.tgz"),),
        ),
        dep(
            "tslib",
            "2.6.2",
            "web/package-lock.json",
            40,
            hashes=(sri("sha1", b"tslib"),),
            licenses=("0BSD",),
        ),
        dep(
            "left-pad",
            "1.3.0",
            "web/package-lock.json",
            50,
            direct=True,
            source=DependencySource.VCS,
            url="git+ssh://git@github.com/acme/left-pad.git#5d2bf3c",
        ),
        dep(
            "lodash",
            "4.17.21",
            "web/package-lock.json",
            60,
            direct=True,
            source=DependencySource.URL,
            url="https://registry.example.com/lodash/-/lodash-4.17.21.tgz",
            licenses=("MIT", "(MIT OR Apache-2.0)"),
        ),
        dep("jest", "29.7.0", "web/package-lock.json", 70, direct=True, dev=True),
    ),
)
REQUIREMENTS_REPORTS = manifest(
    "reports/requirements.txt",
    "requirements",
    functions=(REPORTS.id,),
    hash_checking=True,
    dependencies=(
        dep(
            "requests",
            "2.31.0",
            "reports/requirements.txt",
            1,
            specifier="==2.31.0",
            hashes=("sha256:" + sha256(b"requests-2.31.0-py3-none-any.whl"),),
        ),
        dep("urllib3", "2.2.1", "reports/requirements.txt", 4, specifier="==2.2.1"),
    ),
)
SHARED = manifest(
    "layer/requirements.txt",
    "requirements",
    dependencies=(dep("jmespath", "1.0.1", "layer/requirements.txt", 1, specifier="==1.0.1"),),
)


def inventory(*manifests: Manifest) -> Inventory:
    return Inventory(root="/srv/shop", functions=(ORDERS, WEB, REPORTS), manifests=manifests)


def components(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in doc.get("components", [])}


def edges(doc: dict[str, Any]) -> dict[str, set[str]]:
    return {d["ref"]: set(d.get("dependsOn", [])) for d in doc.get("dependencies", [])}


def render_both(built: sbom.Sbom) -> Iterator[tuple[dict[str, Any], ET.Element]]:
    yield valid_json(built.render("json")), valid_xml(built.render("xml"))


# --- one function -------------------------------------------------------------------------------


def test_function_sbom_purls_hashes_licences_and_graph() -> None:
    built = sbom.function_sbom(inventory(PYPROJECT, POETRY_LOCK), ORDERS, exclude_dev=True)
    doc = valid_json(built.render("json"))
    comps = components(doc)
    # the lock file replaces the pyproject it locks; dev dependencies left out when asked
    assert set(comps) == {
        "pkg:pypi/requests@2.31.0",
        "pkg:pypi/certifi@2024.2.2",
        "pkg:pypi/charset-normalizer@3.3.2",
        "pkg:pypi/idna@3.6",
        "pkg:pypi/urllib3@2.2.1",
        "pkg:pypi/aws-lambda-powertools@2.35.0",
        "pkg:pypi/jmespath@1.0.1",
        "pkg:pypi/typing-extensions@4.10.0",
        "pkg:pypi/orjson@3.10.0",
    }
    assert built.components == 9
    assert all(c["purl"] == ref for ref, c in comps.items())
    requests = comps["pkg:pypi/requests@2.31.0"]
    assert {(h["alg"], h["content"]) for h in requests["hashes"]} == {
        ("SHA-256", sha256(b"requests-2.31.0.tar.gz")),
        ("SHA-256", sha256(b"requests-2.31.0-py3-none-any.whl")),
    }
    assert requests["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert comps["pkg:pypi/typing-extensions@4.10.0"]["licenses"] == [
        {"license": {"name": "Python Software Foundation License"}}
    ]
    assert requests["evidence"]["occurrences"] == [{"location": "orders/poetry.lock", "line": 40}]
    # a registry pin says nothing the purl does not: no source/specifier properties
    assert "properties" not in requests
    assert comps["pkg:pypi/orjson@3.10.0"]["scope"] == "optional"
    assert requests["scope"] == "required"
    graph = edges(doc)
    root = doc["metadata"]["component"]["bom-ref"]
    assert root == f"function:{ORDERS.id}"
    assert graph[root] == {
        "pkg:pypi/requests@2.31.0",
        "pkg:pypi/aws-lambda-powertools@2.35.0",
        "pkg:pypi/orjson@3.10.0",
    }
    assert graph["pkg:pypi/requests@2.31.0"] == {
        "pkg:pypi/certifi@2024.2.2",
        "pkg:pypi/charset-normalizer@3.3.2",
        "pkg:pypi/idna@3.6",
        "pkg:pypi/urllib3@2.2.1",
    }
    assert graph["pkg:pypi/aws-lambda-powertools@2.35.0"] == {
        "pkg:pypi/jmespath@1.0.1",
        "pkg:pypi/typing-extensions@4.10.0",
    }
    assert graph["pkg:pypi/idna@3.6"] == set()


def test_metadata_names_tool_root_serial_and_fixed_timestamp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from faasguard import __version__

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    doc = valid_json(sbom.function_sbom(inventory(POETRY_LOCK), ORDERS).render())
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    assert doc["serialNumber"].startswith("urn:uuid:")
    meta = doc["metadata"]
    assert meta["timestamp"].startswith("2023-11-14T22:13:20")
    assert meta["tools"]["components"] == [
        {"type": "application", "name": "faasguard", "version": __version__}
    ]
    props = {(p["name"], p["value"]) for p in meta["component"]["properties"]}
    assert ("faasguard:project", "shop") in props
    assert ("faasguard:runtime", "python3.12") in props
    other = valid_json(sbom.function_sbom(inventory(POETRY_LOCK), ORDERS).render())
    assert other["serialNumber"] != doc["serialNumber"]


def test_dev_dependencies_listed_as_excluded_by_default() -> None:
    built = sbom.function_sbom(inventory(POETRY_LOCK), ORDERS)
    doc = valid_json(built.render())
    comps = components(doc)
    assert comps["pkg:pypi/pytest@8.1.1"]["scope"] == "excluded"
    assert comps["pkg:pypi/iniconfig@2.0.0"]["scope"] == "excluded"
    assert edges(doc)["pkg:pypi/pytest@8.1.1"] == {"pkg:pypi/iniconfig@2.0.0"}
    assert built.components == len(POETRY_LOCK.dependencies) == 11
    # the function depends on its direct dev dependency too: the graph stays whole
    assert "pkg:pypi/pytest@8.1.1" in edges(doc)[f"function:{ORDERS.id}"]


def test_npm_scoped_packages_sri_hashes_vcs_and_url_dependencies() -> None:
    built = sbom.function_sbom(inventory(PACKAGE_LOCK), WEB, exclude_dev=True)
    doc = valid_json(built.render())
    comps = components(doc)
    assert "pkg:npm/%40middy/core@5.2.6" in comps
    assert comps["pkg:npm/%40middy/core@5.2.6"]["name"] == "@middy/core"
    s3 = comps["pkg:npm/%40aws-sdk/client-s3@3.540.0"]
    assert {(h["alg"], h["content"]) for h in s3["hashes"]} == {
        ("SHA-512", hashlib.sha512(b"client-s3.tgz").hexdigest()),
        ("SHA-1", hashlib.sha1(b"client-s3.tgz").hexdigest()),
    }
    assert edges(doc)["pkg:npm/%40aws-sdk/client-s3@3.540.0"] == {"pkg:npm/tslib@2.6.2"}
    assert comps["pkg:npm/tslib@2.6.2"]["licenses"] == [{"license": {"id": "0BSD"}}]
    vcs_ref = (
        "pkg:npm/left-pad@1.3.0?vcs_url=git%2Bssh://git%40github.com/acme/left-pad.git%235d2bf3c"
    )
    assert comps[vcs_ref]["externalReferences"] == [
        {"type": "vcs", "url": "git+ssh://git@github.com/acme/left-pad.git#5d2bf3c"}
    ]
    assert {"name": "faasguard:source", "value": "vcs"} in comps[vcs_ref]["properties"]
    lodash = next(c for c in comps.values() if c["name"] == "lodash")
    assert lodash["purl"].startswith("pkg:npm/lodash@4.17.21?download_url=https://")
    assert lodash["externalReferences"][0]["type"] == "distribution"
    # two licences, one an expression: CycloneDX allows no mix, both are kept as names
    assert lodash["licenses"] == [
        {"license": {"id": "MIT"}},
        {"license": {"name": "(MIT OR Apache-2.0)"}},
    ]
    assert not any(c["name"] == "jest" for c in comps.values())
    # left-pad, lodash and both scoped packages are direct; tslib is not
    root = doc["metadata"]["component"]["bom-ref"]
    assert len(edges(doc)[root]) == 4 and "pkg:npm/tslib@2.6.2" not in edges(doc)[root]


def test_single_expression_licence_and_malformed_hashes_warn() -> None:
    broken = manifest(
        "requirements.txt",
        "requirements",
        dependencies=(
            dep(
                "six",
                "1.16.0",
                "requirements.txt",
                1,
                hashes=("sha256:zz", "md5:" + "0" * 32, "sha512-not*base64", "crc32:1234"),
                licenses=("MIT OR Apache-2.0",),
            ),
        ),
    )
    built = sbom.manifests_sbom([broken], name="app")
    doc = valid_json(built.render())
    six = components(doc)["pkg:pypi/six@1.16.0"]
    assert six["hashes"] == [{"alg": "MD5", "content": "0" * 32}]
    assert six["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert len(built.warnings) == 3
    assert all("requirements.txt:1:1: six: unrecognised hash" in w for w in built.warnings)


def test_graph_without_direct_flags_uses_packages_nothing_requires() -> None:
    lock = manifest(
        "yarn.lock",
        "yarn.lock",
        lock=True,
        dependencies=(
            dep("express", "4.19.2", "yarn.json", 1, requires=("debug",)),
            dep("debug", "2.6.9", "yarn.json", 9, requires=("ms",)),
            dep("ms", "2.0.0", "yarn.json", 15),
            dep("uuid", "9.0.1", "yarn.json", 20),
        ),
    )
    doc = valid_json(sbom.manifests_sbom([lock], name="app").render())
    graph = edges(doc)
    assert graph["project:app"] == {"pkg:npm/express@4.19.2", "pkg:npm/uuid@9.0.1"}
    assert graph["pkg:npm/debug@2.6.9"] == {"pkg:npm/ms@2.0.0"}


# --- the whole project --------------------------------------------------------------------------


def test_project_sbom_splits_functions_and_disambiguates_shared_purls() -> None:
    inv = inventory(PYPROJECT, POETRY_LOCK, PACKAGE_LOCK, REQUIREMENTS_REPORTS, SHARED)
    built = sbom.project_sbom(inv, exclude_dev=True)
    doc = valid_json(built.render())
    comps = components(doc)
    orders, reports = ORDERS.id, REPORTS.id
    lock, txt = "orders/poetry.lock", "reports/requirements.txt"
    # requests and urllib3 ship in two functions: one component each, refs disambiguated
    assert f"pkg:pypi/requests@2.31.0#{lock}" in comps
    assert f"pkg:pypi/requests@2.31.0#{txt}" in comps
    assert f"pkg:pypi/urllib3@2.2.1#{txt}" in comps
    assert {"name": "faasguard:function-id", "value": reports} in comps[
        f"pkg:pypi/requests@2.31.0#{txt}"
    ]["properties"]
    assert sum(c["purl"] == "pkg:pypi/requests@2.31.0" for c in comps.values()) == 2
    # jmespath: in the orders lock and in a project-level file not tied to a function
    assert f"pkg:pypi/jmespath@1.0.1#{lock}" in comps
    assert "pkg:pypi/jmespath@1.0.1#layer/requirements.txt" in comps
    # a purl in one place only keeps the plain purl as its ref
    assert "pkg:npm/%40middy/core@5.2.6" in comps
    assert built.components == len(comps) == 9 + 5 + 2 + 1
    graph = edges(doc)
    root = doc["metadata"]["component"]
    assert root["bom-ref"] == "project:shop"
    nested = {c["bom-ref"] for c in root["components"]}
    assert nested == {f"function:{f.id}" for f in (ORDERS, WEB, REPORTS)}
    assert graph["project:shop"] == {
        f"function:{orders}",
        f"function:{WEB.id}",
        f"function:{reports}",
        "pkg:pypi/jmespath@1.0.1#layer/requirements.txt",
    }
    assert graph[f"function:{reports}"] == {
        f"pkg:pypi/requests@2.31.0#{txt}",
        f"pkg:pypi/urllib3@2.2.1#{txt}",
    }
    assert f"pkg:pypi/urllib3@2.2.1#{lock}" in graph[f"pkg:pypi/requests@2.31.0#{lock}"]
    # every graph reference names something in the BOM
    known = set(comps) | nested | {"project:shop"}
    assert set(graph) <= known and set().union(*graph.values()) <= known
    # per function: only that function's packages, plain purls as refs
    web = valid_json(sbom.function_sbom(inv, WEB, exclude_dev=True).render())
    assert {c["purl"].split("@")[0] for c in web["components"]} == {
        "pkg:npm/%40middy/core",
        "pkg:npm/%40aws-sdk/client-s3",
        "pkg:npm/tslib",
        "pkg:npm/left-pad",
        "pkg:npm/lodash",
    }
    rep = valid_json(sbom.function_sbom(inv, REPORTS).render())
    assert set(components(rep)) == {"pkg:pypi/requests@2.31.0", "pkg:pypi/urllib3@2.2.1"}


def test_xml_output_carries_the_same_components_and_graph() -> None:
    inv = inventory(POETRY_LOCK, PACKAGE_LOCK, REQUIREMENTS_REPORTS)
    built = sbom.project_sbom(inv)
    as_json = valid_json(built.render("json"))
    root = valid_xml(built.render("xml"))
    purls = sorted(el.text or "" for el in root.iter(f"{CDX}purl"))
    assert purls == sorted(c["purl"] for c in as_json["components"])
    xml_graph = {
        d.get("ref"): {x.get("ref") for x in d.findall(f"{CDX}dependency")}
        for d in root.find(f"{CDX}dependencies") or []
    }
    assert xml_graph == edges(as_json)


def test_empty_project_gives_an_empty_valid_bom() -> None:
    built = sbom.project_sbom(Inventory(root="/srv/empty"))
    doc = valid_json(built.render())
    valid_xml(built.render("xml"))
    assert built.components == 0 and doc.get("components", []) == []
    assert doc["metadata"]["component"]["name"] == "empty"


def test_deployable_prefers_the_lock_file() -> None:
    package_json = manifest(
        "web/package.json",
        "package.json",
    )
    kept = sbom.deployable([PYPROJECT, POETRY_LOCK, package_json, PACKAGE_LOCK, SHARED])
    assert [m.path for m in kept] == [
        "orders/poetry.lock",
        "web/package-lock.json",
        "layer/requirements.txt",
    ]


# --- end to end: real dependency files through `faasguard sbom` ---------------------------------

SHOP = FIXTURES / "sbom" / "sam-shop"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["sbom", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_project_sbom_from_real_lock_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "shop.cdx.json"
    code, out, err = cli(capsys, str(SHOP), "--output", str(target), "--exclude-dev")
    assert (code, out, err) == (0, "", "")
    doc = valid_json(target.read_text(encoding="utf-8"))
    purls = sorted(c["purl"] for c in doc["components"])
    # poetry.lock (not its pyproject), package-lock.json (not package.json), requirements.txt
    assert len(purls) == 5 + 6 + 8
    assert purls.count("pkg:pypi/requests@2.31.0") == 2  # orders and reports each ship it
    assert "pkg:npm/%40aws-sdk/client-s3@3.540.0" in purls
    assert not any("pytest" in p or "jest" in p for p in purls)
    comps = components(doc)
    orders, lock_path = "template.yaml:OrdersFunction", "orders/poetry.lock"
    requests = comps[f"pkg:pypi/requests@2.31.0#{lock_path}"]
    lock = (SHOP / "orders" / "poetry.lock").read_text(encoding="utf-8")
    assert all(
        h["alg"] == "SHA-256" and f"sha256:{h['content']}" in lock for h in requests["hashes"]
    )
    assert len(requests["hashes"]) == 2
    graph = edges(doc)
    assert graph[f"pkg:pypi/requests@2.31.0#{lock_path}"] == {
        "pkg:pypi/certifi@2024.2.2",
        "pkg:pypi/charset-normalizer@3.3.2",
        "pkg:pypi/idna@3.6",
        f"pkg:pypi/urllib3@2.2.1#{lock_path}",
    }
    assert graph[f"function:{orders}"] == {f"pkg:pypi/requests@2.31.0#{lock_path}"}
    npm_lock = json.loads((SHOP / "web" / "package-lock.json").read_text(encoding="utf-8"))
    integrity = npm_lock["packages"]["node_modules/@middy/core"]["integrity"]
    middy = comps["pkg:npm/%40middy/core@5.2.6"]
    digest = base64.b64decode(integrity.removeprefix("sha512-")).hex()
    assert middy["hashes"] == [{"alg": "SHA-512", "content": digest}]
    left_pad = next(c for c in comps.values() if c["name"] == "left-pad")
    assert left_pad["externalReferences"][0]["type"] == "vcs"
    assert "vcs_url=git%2Bssh://git%40github.com/acme/left-pad.git" in left_pad["purl"]


def test_cli_one_function_xml_and_dev(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = (str(SHOP), "--function", "WebFunction")
    code, out, _ = cli(capsys, *argv, "--format", "xml", "--exclude-dev")
    assert code == 0
    purls = {el.text for el in valid_xml(out).iter(f"{CDX}purl")}
    assert "pkg:npm/uuid@9.0.1" in purls and len(purls) == 6
    code, out, _ = cli(capsys, *argv)
    comps = components(valid_json(out))
    assert comps["pkg:npm/jest@29.7.0"]["scope"] == "excluded"
    assert comps["pkg:npm/import-local@3.1.0"]["scope"] == "excluded"
    assert len(comps) == 6 + 2


def test_cli_per_function_writes_one_valid_file_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "sboms"
    code, _, err = cli(capsys, str(SHOP), "--per-function", str(out_dir))
    assert code == 0 and "wrote 3 SBOM(s)" in err
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == [
        "OrdersFunction.cdx.json",
        "ReportsFunction.cdx.json",
        "WebFunction.cdx.json",
    ]
    reports = valid_json((out_dir / "ReportsFunction.cdx.json").read_text(encoding="utf-8"))
    assert {c["name"] for c in reports["components"]} == {
        "boto3",
        "botocore",
        "jmespath",
        "python-dateutil",
        "requests",
        "s3transfer",
        "six",
        "urllib3",
    }
    assert reports["metadata"]["component"]["name"] == "ReportsFunction"


def test_cli_single_lock_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, str(SHOP / "reports" / "requirements.txt"))
    assert code == 0, err
    doc = valid_json(out)
    assert doc["metadata"]["component"]["name"] == "reports"
    assert len(doc["components"]) == 8
    assert all(len(c["hashes"]) == 2 for c in doc["components"])


def test_cli_project_without_dependency_files_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "template.yaml").write_text(
        (SHOP / "template.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, out, err = cli(capsys, str(tmp_path))
    assert code == 0
    assert "no dependency files found" in err
    doc = valid_json(out)
    assert doc.get("components", []) == []
    assert len(doc["metadata"]["component"]["components"]) == 3  # the functions are still listed


def test_cli_unreadable_lock_file_is_reported_not_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": [', "utf-8")
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n", encoding="utf-8")
    code, out, err = cli(capsys, str(tmp_path))
    assert code == 1
    assert "package-lock.json" in err and "the SBOM is incomplete" in err
    assert [c["purl"] for c in valid_json(out)["components"]] == ["pkg:pypi/six@1.16.0"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{shop}", "--function", "NoSuchFunction"], "--function NoSuchFunction: no such function"),
        (["{tmp}/missing"], "no such file or directory"),
        (["{shop}", "--output", "{tmp}/no/such/dir/out.json"], "cannot write"),
        (["{tmp}/poetry.lock"], "poetry.lock"),
        (["{shop}/reports/requirements.txt", "--per-function", "{tmp}/x"], "project directory"),
    ],
)
def test_cli_errors_exit_2_with_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "poetry.lock").write_text("[[package]\nname = ", encoding="utf-8")
    args = [a.format(shop=SHOP, tmp=tmp_path) for a in argv]
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("faasguard: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unpinned_manifest_keeps_what_was_asked_for() -> None:
    doc = valid_json(sbom.manifests_sbom([PYPROJECT], name="orders").render())
    (requests,) = doc["components"]
    assert requests["purl"] == "pkg:pypi/requests" and "version" not in requests
    assert {"name": "faasguard:specifier", "value": "^2.31"} in requests["properties"]


def test_cli_default_lists_one_component_per_dependency_dev_included(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "shop.cdx.json"
    code, _, err = cli(capsys, str(SHOP), "--output", str(target))
    assert code == 0, err
    doc = valid_json(target.read_text(encoding="utf-8"))
    poetry = (SHOP / "orders" / "poetry.lock").read_text(encoding="utf-8")
    npm = json.loads((SHOP / "web" / "package-lock.json").read_text(encoding="utf-8"))
    reqs = (SHOP / "reports" / "requirements.txt").read_text(encoding="utf-8")
    expected = (
        poetry.count("[[package]]")
        + sum(1 for key in npm["packages"] if key)
        + sum(1 for line in reqs.splitlines() if line[:1].isalpha())
    )
    assert len(doc["components"]) == expected
    assert all(c["purl"].startswith("pkg:") for c in doc["components"])
    scopes = {c["name"]: c["scope"] for c in doc["components"]}
    assert scopes["pytest"] == scopes["jest"] == "excluded"
    assert scopes["boto3"] == "required"


def test_cli_ranges_only_requirements_one_versionless_purl_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        "requests>=2.0,<3\r\nDjango~=4.2\r\nflask\r\n"
        'PyYAML[extra] ; python_version > "3.8"\r\nzope.interface!=5.0\r\n',
        encoding="utf-8",
    )
    code, out, err = cli(capsys, str(reqs))
    assert code == 0, err
    purls = sorted(c["purl"] for c in valid_json(out)["components"])
    # a purl without @version is valid: the version is not known until install time; the purl
    # pypi rule lower-cases and turns "_" into "-" but keeps dots
    assert purls == [
        "pkg:pypi/django",
        "pkg:pypi/flask",
        "pkg:pypi/pyyaml",
        "pkg:pypi/requests",
        "pkg:pypi/zope.interface",
    ]
