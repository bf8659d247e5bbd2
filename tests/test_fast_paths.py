"""Fast paths taken for speed must give exactly what the general code gives.

Each test compares a shortcut with the code (or library) it stands in for, on inputs chosen to
sit on the edges of the shortcut's exactness argument.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from pathlib import Path

import pathspec
import pytest
import yaml

from faasguard import discovery
from faasguard._located import _Loader
from faasguard.inventory import _sls_vars
from faasguard.model import Location
from faasguard.supply import _requirements

# -- .gitignore: plain "name/" patterns ---------------------------------------------------------

PLAIN = ["node_modules/", ".serverless/", "build/", "foo.bar/", "..foo/", "-x/", "a_b-c/"]
NOT_PLAIN = [
    "*.pyc",
    "/build/",
    "docs/build/",
    "build",
    "!keep/",
    "build/ ",
    "\\#x/",
    "**/tmp/",
    "tmp*/",
    "b[ui]ld/",
    "./",
    "../",
    ".../",
    "a?/",
]
PATHS = [
    "build",
    "build/",
    "build/x.yml",
    "src/build/",
    "src/build/deep/t.yaml",
    "src/build",
    "Build/",
    "rebuild/",
    "build2/",
    "foo.bar/",
    "fooxbar/",
    "a/..foo/b",
    "node_modules/serverless.yml",
    "svc/node_modules/",
    "svc/node_modules",
    "-x/y",
    "a_b-c/",
    "a_b-c",
]


@pytest.mark.parametrize("pattern", NOT_PLAIN)
def test_patterns_gitignore_treats_specially_leave_the_fast_path(pattern: str) -> None:
    assert discovery._plain_dir_names(["node_modules/", pattern]) is None


def test_plain_directory_patterns_match_what_pathspec_matches() -> None:
    lines = [*PLAIN, "", "# a comment"]
    fast = discovery.Excludes(tuple(lines)).spec()
    assert isinstance(fast, discovery.DirNames)
    reference = pathspec.GitIgnoreSpec.from_lines(lines)
    for path in PATHS:
        assert fast.match_file(path) == reference.match_file(path), path


def _tree(root: Path) -> None:
    for rel in (
        "serverless.yml",
        "build/serverless.yml",
        "svc/build/template.yaml",
        "svc/build.yml",
        "svc/rebuild/serverless.yml",
        "svc/foo.bar/main.tf",
        "svc/fooxbar/main.tf",
        "svc/Build/main.tf",
        "svc/requirements.txt",
        "svc/build/requirements.txt",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "service: s\nprovider:\n  name: aws\n" if rel.endswith((".yml", ".yaml")) else ""
        path.write_text(text)
    (root / ".gitignore").write_text("build/\nfoo.bar/\n# generated\n\n")


def test_discovery_with_the_fast_path_equals_discovery_with_pathspec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    found = discovery.discover(tmp_path, also=lambda rel: rel.endswith(".txt"))
    monkeypatch.setattr(discovery, "_plain_dir_names", lambda patterns: None)
    general = discovery.discover(tmp_path, also=lambda rel: rel.endswith(".txt"))
    assert [c.rel for c in found.candidates] == [c.rel for c in general.candidates]
    assert found == general
    assert "svc/rebuild/serverless.yml" in [c.rel for c in found.candidates]
    assert not any(c.rel.startswith(("build/", "svc/build/")) for c in found.candidates)


# -- YAML: the loader's resolve ------------------------------------------------------------------

SCALARS = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "nul",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "True",
    "tRue",
    "0",
    "-1",
    "+12",
    "0x1F",
    "0o17",
    "017",
    "0b101",
    "1_000",
    "1:30",
    "1.5",
    ".5",
    "-.5e3",
    "1e3",
    "1.0e+3",
    ".inf",
    "-.Inf",
    ".NaN",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "<<",
    "=",
    "abc",
    "a b",
    "+",
    ".",
    "0.",
    "'quoted'",
    '"0x1F"',
    "!!str 12",
    "!!int '12'",
    "!Ref Bucket",
    "!Sub '${AWS::Region}'",
]


def _tags(node: yaml.Node) -> list[str]:
    out = [node.tag]
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out += _tags(key) + _tags(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            out += _tags(item)
    return out


def test_the_loader_resolves_tags_as_pyyaml_does() -> None:
    lines = [f"k{i}: {s}" for i, s in enumerate(SCALARS)]
    lines += [f"{s}: v" for s in SCALARS if s and s[0] not in "!'\"-"]
    lines += ["seq:", *(f"  - {s}" for s in SCALARS), "flow: [1, a, ~, {b: 2.5}]", "? [x]\n: 1"]
    text = "\n".join(lines) + "\n"
    ours = yaml.compose(text, Loader=_Loader)
    theirs = yaml.compose(text, Loader=yaml.CSafeLoader)
    assert _tags(ours) == _tags(theirs)
    assert _tags(yaml.compose(text, Loader=yaml.SafeLoader)) == _tags(theirs)


# -- serverless variables: brace matching and top-level splitting --------------------------------


def _variable_texts() -> list[str]:
    alphabet = ["$", "{", "}", ",", "'", '"', "a", ":", " "]
    texts = ["".join(p) for n in range(1, 6) for p in itertools.product(alphabet, repeat=n)]
    rng = random.Random(7)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(6, 24))) for _ in range(3000)]
    texts += ["self:service}", "opt:stage, 'dev'}-x", "file(./a.yml):k}", "a, '}' }", "${b}}"]
    return texts


def test_brace_matching_and_splitting_equal_the_character_scans() -> None:
    for text in _variable_texts():
        assert _sls_vars.split_top(text) == _sls_vars._scan_split_top(text), text
        for start in range(len(text) + 1):
            got = _sls_vars._matching_brace(text, start)
            assert got == _sls_vars._scan_matching_brace(text, start), (text, start)


# -- requirements: a bare name without packaging -------------------------------------------------

NAMES = ["azure-functions", "A", "a.b", "a_b-c", "Zope.Interface", "x1", "requests", "foo.zip"]


@pytest.mark.parametrize("name", NAMES)
def test_a_bare_requirement_reads_as_packaging_reads_it(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = Location("requirements.txt", 3)
    fast = _requirements.parse_pep508(name, where, False, hashes=("sha256:ab",))
    monkeypatch.setattr(_requirements, "_BARE_NAME", _requirements.re.compile("(?!)"))
    general = _requirements.parse_pep508(name, where, False, hashes=("sha256:ab",))
    assert fast == general


def test_a_scan_without_advisories_loads_neither_the_importer_nor_packaging_requirements() -> None:
    code = (
        "import sys\n"
        "from faasguard.supply.advisories import AdvisoryDB, DatabaseError, default_db_path\n"
        "from faasguard.supply._requirements import parse_pep508\n"
        "from faasguard.model import Location\n"
        "parse_pep508('boto3', Location('r.txt'), False)\n"
        "parse_pep508('boto3==1.0', Location('r.txt'), False)\n"
        "print(sorted(m for m in ('faasguard.supply.advisories._osv', 'packaging.requirements')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_advisories_name_is_still_importable() -> None:
    import faasguard.supply.advisories as advisories

    for name in advisories.__all__:
        assert getattr(advisories, name) is not None
    with pytest.raises(AttributeError):
        _ = advisories.no_such_name
