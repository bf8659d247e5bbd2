"""Fast paths taken for speed must give exactly what the general code gives.

Each test compares a shortcut with the code (or library) it stands in for, on inputs chosen to
sit on the edges of the shortcut's exactness argument.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import pickle
import random
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pathspec
import pytest
import yaml

from faasguard import _pickle, discovery
from faasguard._located import _Loader
from faasguard.inventory import LoadContext, _sls_vars, build_inventory
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


# -- pickling model objects between loader processes ---------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _every_model_object(value: object, seen: set[int] | None = None) -> Iterator[object]:
    """Every dataclass and Location reachable from ``value``."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for f in dataclasses.fields(value):
            yield from _every_model_object(getattr(value, f.name), seen)
    elif isinstance(value, Location):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _every_model_object(item, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _every_model_object(item, seen)


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "advisories")
)
def test_model_objects_survive_pickle_and_copy_field_for_field(example: str) -> None:
    root = EXAMPLES / example
    inventory = build_inventory(root, LoadContext(root=root, jobs=1))
    objects = list(_every_model_object(inventory))
    assert len({type(o) for o in objects}) >= 5, "the example exercises several model classes"
    for obj in objects:
        for copied in (pickle.loads(pickle.dumps(obj, 5)), copy.copy(obj), copy.deepcopy(obj)):
            assert type(copied) is type(obj)
            assert copied == obj
            if dataclasses.is_dataclass(obj):
                for f in dataclasses.fields(obj):
                    assert getattr(copied, f.name) == getattr(obj, f.name), f.name
                first = dataclasses.fields(obj)[0].name
                with pytest.raises(dataclasses.FrozenInstanceError):
                    setattr(copied, first, "changed")
    assert pickle.loads(pickle.dumps(inventory)) == inventory


def test_every_frozen_model_class_takes_the_fast_reduction() -> None:
    import faasguard.model as model
    from faasguard.inventory._base import Candidate

    classes = [c for c in vars(model).values() if dataclasses.is_dataclass(c)] + [Candidate]
    assert len(classes) >= 18
    for cls in classes:
        assert cls in _pickle._SETTERS, cls.__name__
        assert "__reduce__" in cls.__dict__, cls.__name__


def test_fast_pickle_refuses_a_class_without_slots() -> None:
    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int

    with pytest.raises(TypeError, match="slotted"):
        _pickle.fast_pickle(Plain)


# -- rules prepared while templates load ---------------------------------------------------------


def test_prepare_gives_the_typosquat_rule_its_verdicts_ahead(tmp_path: Path) -> None:
    from faasguard.rules import get_rule, prepare_rules
    from faasguard.supply._typosquat import check

    (tmp_path / "requirements.txt").write_text("reqeusts==2.31.0\nboto3==1.34.0\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider: {name: aws, runtime: python3.12}\n"
        "functions: {f: {handler: handler.main}}\n"
    )
    seen: list[list[str]] = []

    def meanwhile(manifests: Sequence[Any]) -> None:
        seen.append([d.name for m in manifests for d in m.dependencies])
        prepare_rules([get_rule("FG713")], manifests)

    check.cache_clear()
    inventory = build_inventory(tmp_path, LoadContext(root=tmp_path, jobs=1), meanwhile=meanwhile)
    assert seen == [["reqeusts", "boto3"]]
    assert check.cache_info().currsize == 2  # both names judged before any rule ran
    findings = list(get_rule("FG713").check(inventory))
    assert [f.evidence.get("package", f.message.split()[0]) for f in findings] == ["reqeusts"]
    assert check.cache_info().hits >= 2


def test_a_failing_preparation_leaves_the_rule_to_report(monkeypatch: pytest.MonkeyPatch) -> None:
    from faasguard.rules import _registry

    calls: list[int] = []

    def broken(_manifests: Sequence[Any]) -> None:
        calls.append(1)
        raise OSError("data file unreadable")

    rule = dataclasses.replace(_registry.get_rule("FG713"), prepare=broken)
    _registry.prepare_rules([rule], [])
    assert calls == [1]
