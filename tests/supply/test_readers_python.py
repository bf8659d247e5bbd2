"""Python dependency files: requirements, pyproject, poetry.lock, Pipfile.lock, uv.lock, pylock."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.model import DependencySource
from faasguard.supply import ManifestError, read_manifest
from tests.supply._util import by_name, fixture, write

# -- requirements files ------------------------------------------------------------------------


def test_requirements_reads_pins_ranges_markers_extras_and_lines() -> None:
    m = fixture("requirements/requirements.txt")
    deps = by_name(m)
    assert m.kind == "requirements" and m.ecosystem == "PyPI" and not m.lock
    req = deps["requests"]
    assert (req.version, req.extras, req.location.line) == ("2.32.3", ("security", "socks"), 6)
    assert req.marker == 'python_version >= "3.8"'
    boto3 = deps["boto3"]
    assert boto3.version is None and boto3.specifier == "<2,>=1.34"
    assert boto3.location.file == "requirements/requirements.txt"


def test_requirements_continuation_lines_keep_the_first_line_and_the_hash() -> None:
    powertools = by_name(fixture("requirements/requirements.txt"))["aws-lambda-powertools"]
    assert powertools.location.line == 9
    assert powertools.extras == ("tracer",)
    assert powertools.hashes == (
        "sha256:0d5b3e4b3e5f6b6f8b5bc2c8f3ad2d9cbd6de4e3c0b8a9f3a1e6c6a1c3a4b5d6",
    )


def test_requirements_include_is_read_with_its_own_file_and_line() -> None:
    pydantic = by_name(fixture("requirements/requirements.txt"))["pydantic"]
    assert (pydantic.location.file, pydantic.location.line) == ("requirements/base.txt", 1)
    assert pydantic.version == "2.7.1"


def test_requirements_include_cycle_is_read_once() -> None:
    # requirements.txt -r base.txt, base.txt -r requirements.txt
    names = [d.name for d in fixture("requirements/requirements.txt").dependencies]
    assert len(names) == len(set(names))


def test_constraint_file_pins_but_adds_nothing() -> None:
    deps = by_name(fixture("requirements/requirements.txt"))
    assert deps["urllib3"].version == "2.2.2"  # pinned by -c constraints.txt
    assert deps["urllib3"].specifier == ""  # as written in requirements.txt
    assert "constraints" not in deps


def test_vcs_url_path_and_env_var_sources() -> None:
    deps = by_name(fixture("requirements/requirements.txt"))
    sdk = deps["payments-sdk"]
    assert sdk.source is DependencySource.VCS and sdk.url.endswith("@main#egg=payments-sdk")
    assert deps["acme-auth"].source is DependencySource.VCS
    assert deps["reporting"].source is DependencySource.URL
    assert deps["shared"].source is DependencySource.PATH
    internal = deps["internal-client"]
    assert internal.source is DependencySource.URL
    assert "${ARTIFACT_TOKEN}" in (internal.url or "")  # left as written


def test_hash_checking_and_dev_file() -> None:
    assert fixture("requirements/hashed.txt").hash_checking
    assert fixture("requirements/requirements.txt").hash_checking  # one --hash line opts in
    assert not fixture("requirements/constraints.txt").hash_checking
    dev = by_name(fixture("requirements/requirements-dev.txt"))
    assert dev["pytest"].dev and not dev["requests"].dev  # an included runtime file stays runtime


def test_broken_requirement_names_the_line() -> None:
    with pytest.raises(ManifestError) as err:
        fixture("requirements/broken.txt")
    assert err.value.line == 2 and "flask===" in err.value.message
    assert "\n" not in err.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("--frobnicate\n", "unknown option"),
        ("-r missing.txt\n", "not found"),
        ("requests==2.0 --hash=md5\n", "ALGORITHM:HEXDIGEST"),
        ("--hash=sha256:abc\n", "must follow a requirement"),
        ("-r https://example.com/req.txt\n", "not fetched"),
    ],
)
def test_bad_requirement_lines_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, {"requirements.txt": text})
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / "requirements.txt", "requirements.txt")
    assert message in err.value.message and err.value.line == 1


def test_binary_and_non_utf8_files_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / "requirements.txt", "requirements.txt")
    assert err.value.code == "unreadable"
    (tmp_path / "requirements.txt").write_bytes("requests==2.0  # caf\xe9\n".encode("latin-1"))
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_manifest(tmp_path / "requirements.txt", "requirements.txt")


def test_editable_vcs_and_wildcard_pin(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": """
-e git+https://github.com/acme/tools.git@v1.2#egg=acme-tools
flask==3.*
Django===4.2.1
""",
        },
    )
    deps = by_name(read_manifest(tmp_path / "requirements.txt", "requirements.txt"))
    assert deps["acme-tools"].source is DependencySource.VCS
    assert deps["flask"].version is None  # a wildcard is a range
    assert deps["Django"].version == "4.2.1"


# -- pyproject.toml ----------------------------------------------------------------------------


def test_pep621_dependencies_optional_and_groups() -> None:
    m = fixture("uv-project/pyproject.toml")
    deps = by_name(m)
    assert m.kind == "pyproject" and not m.lock
    assert deps["six"].specifier == ">=1.16" and deps["six"].version is None
    assert deps["idna"].version == "3.7" and deps["idna"].location.line == 7
    assert deps["certifi"].optional and not deps["certifi"].dev
    assert deps["iniconfig"].dev and deps["iniconfig"].location.line == 14


def test_poetry_dependencies_caret_exact_git_and_groups() -> None:
    deps = by_name(fixture("poetry-project/pyproject.toml"))
    assert "python" not in deps
    assert deps["six"].specifier == "^1.16" and deps["six"].version is None
    assert deps["idna"].version == "3.7"  # a bare Poetry version is exact
    auth = deps["acme-auth"]
    assert auth.source is DependencySource.VCS and auth.specifier.endswith("@main")
    assert deps["boto3"].optional and deps["boto3"].version == "1.34.100"
    assert deps["iniconfig"].dev and deps["iniconfig"].location.line == 16


def test_broken_toml_reports_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["a",\n'})
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / "pyproject.toml", "pyproject.toml")
    assert err.value.message.startswith("invalid TOML") and err.value.line >= 3


def test_pyproject_wrong_types_are_errors(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = "requests"\n'})
    with pytest.raises(ManifestError, match="must be an array"):
        read_manifest(tmp_path / "pyproject.toml", "pyproject.toml")


# -- lock files ----------------------------------------------------------------------------------


def test_poetry_lock() -> None:
    m = fixture("poetry-project/poetry.lock")
    deps = by_name(m)
    assert m.lock and m.hash_checking and m.kind == "poetry.lock"
    assert deps["idna"].version == "3.7" and len(deps["idna"].hashes) == 2
    assert deps["idna"].location.line == 20
    assert deps["iniconfig"].dev and not deps["six"].dev
    auth = deps["acme-auth"]
    assert auth.source is DependencySource.VCS
    assert auth.specifier.endswith("8f2c1d6a8e0b4a7c9d3e5f1a2b4c6d8e0f1a3b5c")


def test_pipfile_lock_default_and_develop() -> None:
    m = fixture("pipenv/Pipfile.lock")
    deps = by_name(m)
    assert m.lock and m.hash_checking
    assert deps["idna"].version == "3.7" and deps["idna"].marker == "python_version >= '3.5'"
    assert deps["iniconfig"].dev and not deps["idna"].dev
    assert deps["payments-sdk"].source is DependencySource.VCS
    assert deps["six"].location.line == 32


def test_uv_lock_generated_by_uv() -> None:
    m = fixture("uv-project/uv.lock")
    deps = by_name(m)
    assert "thumbnails" not in deps  # the project itself
    assert deps["idna"].direct and deps["six"].direct
    assert deps["iniconfig"].dev and deps["iniconfig"].direct
    assert not deps["six"].dev
    assert all(d.hashes for d in m.dependencies)
    assert all(h.startswith("sha256:") for d in m.dependencies for h in d.hashes)


def test_pylock_toml() -> None:
    m = fixture("pylock/pylock.toml")
    deps = by_name(m)
    assert m.kind == "pylock.toml" and m.lock
    assert deps["idna"].hashes == (
        "sha256:028ff3aadf0609c1fd278d8ea3089299412a7a8b9bd005dd08b9f8285bcb5cfc",
        "sha256:82fee1fc78add43492d3a1898bfa6d8a904cc97d8427f683ed8e798d07761aa0",
    )
    assert deps["acme-auth"].source is DependencySource.VCS
    assert deps["six"].location.line == 21


def test_pylock_without_lock_version_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, {"pylock.toml": '[[packages]]\nname = "six"\nversion = "1.0"\n'})
    with pytest.raises(ManifestError, match="lock-version"):
        read_manifest(tmp_path / "pylock.toml", "pylock.toml")


def test_pipfile_lock_broken_json(tmp_path: Path) -> None:
    write(tmp_path, {"Pipfile.lock": '{"default": {"six": {"version": "==1.0",}}}'})
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / "Pipfile.lock", "Pipfile.lock")
    assert err.value.message.startswith("invalid JSON") and err.value.column > 1


def test_pip_compile_output_says_which_packages_are_direct() -> None:
    m = fixture("pip-compile/requirements.txt")
    direct = {d.name: d.direct for d in m.dependencies}
    assert direct == {
        "certifi": False,
        "charset-normalizer": False,
        "idna": False,
        "requests": True,
        "urllib3": True,  # asked for in requirements.in and pulled in by requests
    }
    assert m.hash_checking and all(d.hashes for d in m.dependencies)
    assert by_name(m)["requests"].location.line == 17
