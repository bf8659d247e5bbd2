"""npm dependency files: package.json, package-lock.json v1-v3, yarn.lock, pnpm-lock.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.model import DependencySource
from faasguard.supply import ManifestError, read_manifest
from faasguard.supply._npm import classify
from tests.supply._util import SUPPLY, by_name, fixture, write


def test_package_json_sections_and_lines() -> None:
    m = fixture("npm-v1/package.json")
    deps = by_name(m)
    assert m.kind == "package.json" and m.ecosystem == "npm" and not m.lock
    assert deps["debug"].version == "2.6.9" and deps["debug"].location.line == 5
    assert deps["ms"].version is None and deps["ms"].specifier == "^2.1.1"
    assert deps["left-pad"].dev and deps["left-pad"].location.line == 11
    assert deps["payments-sdk"].source is DependencySource.VCS


def test_optional_dependencies_are_optional() -> None:
    deps = by_name(fixture("npm-v3/package.json"))
    assert deps["is-number"].optional and not deps["is-number"].dev


@pytest.mark.parametrize(
    ("spec", "source", "version"),
    [
        ("1.2.3", DependencySource.REGISTRY, "1.2.3"),
        ("=1.2.3", DependencySource.REGISTRY, "1.2.3"),
        ("v2.0.0-beta.1", DependencySource.REGISTRY, "2.0.0-beta.1"),
        ("^1.2.3", DependencySource.REGISTRY, None),
        ("~1.2", DependencySource.REGISTRY, None),
        ("*", DependencySource.REGISTRY, None),
        ("latest", DependencySource.REGISTRY, None),
        (">=1.0.0 <2", DependencySource.REGISTRY, None),
        ("npm:lodash@4.17.21", DependencySource.REGISTRY, "4.17.21"),
        ("github:acme/sdk#main", DependencySource.VCS, None),
        ("acme/sdk", DependencySource.VCS, None),
        ("git+ssh://git@github.com/acme/sdk.git#v1", DependencySource.VCS, None),
        ("https://example.com/sdk-1.0.0.tgz", DependencySource.URL, None),
        ("file:../shared", DependencySource.PATH, None),
        ("workspace:*", DependencySource.PATH, None),
    ],
)
def test_npm_specifiers(spec: str, source: DependencySource, version: str | None) -> None:
    got_source, _, got_version = classify(spec)
    assert (got_source, got_version) == (source, version)


def test_package_lock_v3_generated_by_npm() -> None:
    m = fixture("npm-v3/package-lock.json")
    deps = by_name(m)
    assert m.lock and m.kind == "package-lock.json"
    assert set(deps) == {"debug", "is-number", "left-pad", "ms"}
    assert deps["debug"].direct and deps["debug"].requires == ("ms",)
    assert deps["debug"].licenses == ("MIT",)
    assert deps["debug"].hashes[0].startswith("sha512-")
    assert deps["left-pad"].dev and deps["is-number"].optional
    assert deps["ms"].location.line == 52


def test_package_lock_v1_nested_dependencies() -> None:
    m = fixture("npm-v1/package-lock.json")
    ms = [d for d in m.dependencies if d.name == "ms"]
    assert sorted(d.version for d in ms) == ["2.0.0", "2.1.3"]
    nested = next(d for d in ms if d.version == "2.0.0")
    assert nested.direct is False and nested.location.line == 12
    top = next(d for d in ms if d.version == "2.1.3")
    assert top.location.line == 28  # the second "ms" key, not the nested one
    sdk = by_name(m)["payments-sdk"]
    assert sdk.source is DependencySource.VCS and sdk.version is None


def test_package_lock_v2_packages_with_nested_node_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package-lock.json": """
{
  "name": "app", "lockfileVersion": 2, "requires": true,
  "packages": {
    "": {"name": "app", "dependencies": {"a": "^1.0.0"}},
    "node_modules/a": {"version": "1.0.1", "resolved": "https://registry.npmjs.org/a/-/a-1.0.1.tgz",
                       "integrity": "sha512-AAAA", "dependencies": {"b": "2"}},
    "node_modules/a/node_modules/b": {"version": "2.0.0",
                       "resolved": "https://registry.npmjs.org/b/-/b-2.0.0.tgz"},
    "node_modules/@scope/c": {"version": "3.0.0", "dev": true,
                       "resolved": "http://internal.example.com/c.tgz"},
    "packages/lib": {"name": "lib", "version": "0.0.1"},
    "node_modules/lib": {"resolved": "packages/lib", "link": true}
  },
  "dependencies": {"a": {"version": "1.0.1"}}
}
""",
        },
    )
    deps = by_name(read_manifest(tmp_path / "package-lock.json", "package-lock.json"))
    assert deps["a"].direct and deps["a"].url.endswith("a-1.0.1.tgz")
    assert deps["b"].direct is False and deps["b"].version == "2.0.0"
    assert deps["@scope/c"].source is DependencySource.URL and deps["@scope/c"].dev
    assert deps["lib"].source is DependencySource.PATH


def test_yarn_classic() -> None:
    m = fixture("yarn-classic/yarn.lock")
    deps = by_name(m)
    assert m.kind == "yarn.lock" and m.lock
    assert deps["@types/aws-lambda"].version == "8.10.145"
    assert deps["@types/aws-lambda"].location.line == 5
    assert deps["debug"].requires == ("ms",) and deps["debug"].hashes[0].startswith("sha512-")
    assert [d.name for d in m.dependencies].count("ms") == 1  # "ms@2.1.3, ms@^2.1.3" is one
    assert deps["payments-sdk"].source is DependencySource.VCS


def test_yarn_berry() -> None:
    m = fixture("yarn-berry/yarn.lock")
    deps = by_name(m)
    assert "image-worker" not in deps  # the workspace itself
    assert deps["debug"].version == "4.3.7" and deps["debug"].location.line == 8
    assert deps["left-pad"].source is DependencySource.VCS
    assert deps["ms"].requires == ()


@pytest.mark.parametrize("layout", ["pnpm-v6", "pnpm-v9"])
def test_pnpm_lock(layout: str) -> None:
    m = fixture(f"{layout}/pnpm-lock.yaml")
    deps = by_name(m)
    assert m.kind == "pnpm-lock.yaml" and m.lock
    assert deps["debug"].version == "4.3.7" and deps["debug"].direct
    assert deps["ms"].direct is False and not deps["ms"].dev
    assert deps["left-pad"].dev
    assert deps["debug"].requires == ("ms",)
    assert all(d.hashes for d in m.dependencies if d.source is DependencySource.REGISTRY)


def test_pnpm_v9_github_dependency_is_vcs() -> None:
    sdk = by_name(fixture("pnpm-v9/pnpm-lock.yaml"))["payments-sdk"]
    assert sdk.source is DependencySource.VCS and sdk.version is None


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("package.json", '{"dependencies": {"a": 1}}', "version must be a string"),
        ("package.json", '{"dependencies": ["a"]}', "must be an object"),
        ("package.json", '{"dependencies": {"a": "1.0.0",}}', "invalid JSON"),
        ("package-lock.json", '{"name": "x"}', "not an npm lock file"),
        ("yarn.lock", "  version 1.0.0\n", "before the first"),
        ("yarn.lock", '__metadata:\n  version: 8\n"a@npm:1":\n  version: 1\n', "resolution"),
        ("pnpm-lock.yaml", "packages: {}\n", "lockfileVersion"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: [\n", "invalid YAML"),
    ],
)
def test_broken_npm_files_are_clear_errors(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path, {name: text})
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / name, name)
    assert message in err.value.message


def test_yaml_alias_bomb_in_pnpm_lock_fails_fast(tmp_path: Path) -> None:
    lines = ["lockfileVersion: '9.0'", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(
            f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]"
        )
    write(tmp_path, {"pnpm-lock.yaml": "\n".join(lines) + "\n"})
    with pytest.raises(ManifestError):
        read_manifest(tmp_path / "pnpm-lock.yaml", "pnpm-lock.yaml")


@pytest.mark.parametrize("layout", ["pnpm-v6", "pnpm-v9"])
def test_pnpm_fast_and_located_paths_agree(tmp_path: Path, layout: str) -> None:
    from faasguard.supply._common import may_hold_yaml_aliases

    text = (SUPPLY / layout / "pnpm-lock.yaml").read_text(encoding="utf-8")
    assert not may_hold_yaml_aliases(text)  # the fast path reads the real file
    # an anchor forces the bounded, located loader on the same content
    write(tmp_path, {"pnpm-lock.yaml": text + "x-anchor: &a 1\nx-alias: *a\n"})
    located = read_manifest(tmp_path / "pnpm-lock.yaml", "pnpm-lock.yaml")
    fast = fixture(f"{layout}/pnpm-lock.yaml")
    assert [(d.name, d.version, d.location.line) for d in fast.dependencies] == [
        (d.name, d.version, d.location.line) for d in located.dependencies
    ]


@pytest.mark.parametrize(
    ("key", "name", "version"),
    [
        ("/debug/4.3.7", "debug", "4.3.7"),  # v5
        ("/@babel/core/7.24.0_supports-color@8.1.1", "@babel/core", "7.24.0"),  # v5 with peers
        ("/@babel/core@7.24.0(supports-color@8.1.1)", "@babel/core", "7.24.0"),  # v6
        ("ms@2.1.3", "ms", "2.1.3"),  # v9
    ],
)
def test_pnpm_package_keys_of_every_layout(key: str, name: str, version: str) -> None:
    from faasguard.supply._npm import _pnpm_key

    assert _pnpm_key(key) == (name, version)
