"""Fast paths taken for speed must give exactly what the general code gives.

Each test compares a shortcut with the code (or library) it stands in for, on inputs chosen to
sit on the edges of the shortcut's exactness argument.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib.util
import itertools
import json
import pickle
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pathspec
import pytest
import yaml

from faasguard import _frozen, discovery
from faasguard._located import _Loader
from faasguard.inventory import LoadContext, _sls_vars, build_inventory
from faasguard.model import Finding, Function, Inventory, Layer, Location
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


def _model_classes() -> list[type]:
    import faasguard.model as model

    return [c for c in vars(model).values() if dataclasses.is_dataclass(c)]


def test_every_frozen_model_class_takes_the_fast_reduction() -> None:
    from faasguard.inventory._base import Candidate

    classes = [*_model_classes(), Candidate]
    assert len(classes) >= 18
    for cls in classes:
        assert cls.__dict__.get("__reduce__") is not None, cls.__name__
        assert cls.__reduce__.__qualname__.startswith("fast_pickle."), cls.__name__


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


# -- the scan's tail: findings built, ranked and rendered without the dataclass machinery --------


def _generated_tree(root: Path) -> Path:
    """A small tree from the benchmark generator: every format, repeated function names."""
    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    spec = importlib.util.spec_from_file_location("_fast_paths_generate", bench / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    module.generate(root, templates=30, functions=120, seed=11)
    return root


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Inventory, list[Finding]]]:
    """(inventory, raw findings of every rule) for the generated tree and every example."""
    from faasguard.rules import all_rules

    roots = [_generated_tree(tmp_path_factory.mktemp("generated"))]
    roots += sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "advisories")
    out = []
    for root in roots:
        inventory = build_inventory(root, LoadContext(root=root, jobs=1))
        out.append((inventory, [f for r in all_rules() for f in r.check(inventory)]))
    return out


def _reference_finding(rule: Any, message: str, location: Location, **kw: Any) -> Finding:
    """Rule.finding as the dataclass constructor builds it."""
    function, evidence, related = kw.get("function"), kw.get("evidence"), kw.get("related", ())
    functions = kw.get("functions")
    if functions is not None:
        function = functions[0] if len(functions) == 1 else None
        evidence = {**(evidence or {}), "functions": [fn.name for fn in functions]}
        related = related or [("function", fn.location) for fn in functions[:10]]
    owner = function.logical_id or function.name if function else ""
    text = "\x1f".join((rule.id, location.file, owner, kw.get("key") or message))
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        severity=kw["severity"] if kw.get("severity") is not None else rule.severity,
        category=rule.category,
        message=message,
        location=location,
        function=function.name if function else None,
        cwe=rule.cwe,
        advice=rule.advice,
        evidence=evidence or {},
        related=tuple(related),
        fingerprint=hashlib.sha256(text.encode()).hexdigest()[:32],
    )


def test_rule_finding_builds_what_the_dataclass_constructor_builds(
    scanned: list[tuple[Inventory, list[Finding]]],
) -> None:
    from faasguard.model import Severity
    from faasguard.rules import get_rule

    inventory = scanned[0][0]
    fns = list(inventory.functions[:12])
    calls: list[dict[str, Any]] = [
        {},
        {"function": fns[0]},
        {"function": fns[1], "evidence": {"a": [1]}, "key": "k", "severity": Severity.INFO},
        {"functions": fns[:1]},
        {"functions": fns, "evidence": {"b": 2}},
        {"functions": fns[2:5], "related": [("role", fns[0].location)]},
        {"related": [("trigger", fns[3].location)], "severity": Severity.CRITICAL},
    ]
    for rule_id in ("FG101", "FG304", "FG501", "FG701"):
        rule = get_rule(rule_id)
        for kw in calls:
            args = ("a message", fns[0].location)
            reference = _reference_finding(rule, *args, **kw)
            built = rule.finding(*args, **kw)
            assert type(built) is Finding
            assert built == reference
            assert pickle.loads(pickle.dumps(built)) == reference
            if "related" in kw:  # any iterable of pairs
                assert rule.finding(*args, **{**kw, "related": iter(kw["related"])}) == reference
            with pytest.raises(dataclasses.FrozenInstanceError):
                built.rank = 1  # type: ignore[misc]


def _reference_rank(findings: list[Finding], inventory: Inventory) -> list[Finding]:
    """reach.rank written plainly: dataclasses.replace, every candidate looked at."""
    from faasguard.reach import SEVERITY_WEIGHT, reaches_of

    by_name: dict[str, list[Any]] = {}
    for reach in reaches_of(inventory).values():
        by_name.setdefault(reach.function.name, []).append(reach)

    def narrowed(f: Finding, candidates: list[Any]) -> list[Any]:
        pinned = {loc for what, loc in f.related if what.startswith("function")}
        exact = [r for r in candidates if r.function.location in pinned]
        same_file = [r for r in candidates if r.function.location.file == f.location.file]
        return exact or same_file or candidates

    out = []
    for f in findings:
        names = f.evidence.get("functions") or ([f.function] if f.function else [])
        known = [
            r
            for name in names
            for r in (
                by_name.get(name, [])
                if len(by_name.get(name, [])) < 2
                else narrowed(f, by_name[name])
            )
        ]
        severity = SEVERITY_WEIGHT[int(f.severity)]
        if not known:
            out.append(dataclasses.replace(f, rank=severity * 6))
            continue
        worst = max(known, key=lambda r: r.weight)
        out.append(
            dataclasses.replace(
                f,
                exposure=worst.exposure.value,
                privilege=worst.privilege,
                chain=worst.chain,
                rank=severity * worst.weight,
            )
        )
    out.sort(key=lambda f: (-f.rank, -f.severity, f.location.file, f.location.line, f.rule_id))
    return out


def test_rank_equals_the_plain_ranking(scanned: list[tuple[Inventory, list[Finding]]]) -> None:
    from faasguard.reach import rank

    inventory, findings = scanned[0]
    names = [fn.name for fn in inventory.functions]
    assert len(set(names)) < len(names), "the tree repeats function names (narrowing runs)"
    assert any(f.evidence.get("functions") for f in findings)
    for inventory, findings in scanned:
        before = list(findings)
        ranked = rank(findings, inventory)
        assert ranked == _reference_rank(findings, inventory)
        assert all(type(f) is Finding for f in ranked)
        assert findings == before and all(f.rank == 0 for f in findings)  # inputs untouched


def _reference_finding_dict(f: Finding) -> dict[str, Any]:
    def where(loc: Location) -> dict[str, Any]:
        return loc.to_dict()

    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.label,
        "category": f.category.value,
        "advice": f.advice,
        "message": f.message,
        "location": where(f.location),
        "function": f.function,
        "cwe": f"CWE-{f.cwe}" if f.cwe else None,
        "fingerprint": f.fingerprint,
        "evidence": dict(f.evidence),
        "related": [{"what": what, "location": where(loc)} for what, loc in f.related],
        "exposure": f.exposure,
        "privilege": f.privilege,
        "rank": f.rank,
        "chain": [{"what": what, "location": where(loc)} for what, loc in f.chain],
    }


def test_finding_dicts_and_the_functions_view_equal_plain_ones(
    scanned: list[tuple[Inventory, list[Finding]]],
) -> None:
    from faasguard.reach import rank, reaches_of
    from faasguard.report import Report
    from faasguard.report.json_format import finding_dict, functions_summary

    for inventory, findings in scanned:
        ranked = rank(findings, inventory)
        for f in ranked:
            assert finding_dict(f) == _reference_finding_dict(f)
        reaches = reaches_of(inventory)
        counts: dict[str, Counter[str]] = {}
        for f in ranked:
            for name in f.evidence.get("functions") or ([f.function] if f.function else []):
                counts.setdefault(name, Counter())[f.severity.label] += 1
        view = functions_summary(Report(inventory=inventory, findings=tuple(ranked)))
        assert len(view) == len(inventory.functions)
        for row, fn in zip(
            view,
            sorted(
                inventory.functions,
                key=lambda fn: (-sum(counts.get(fn.name, {}).values()), fn.name),
            ),
            strict=True,
        ):
            reach = reaches[fn.id]
            assert row["name"] == fn.name
            assert row["provider"] == fn.provider.value and row["format"] == fn.source_format.value
            assert row["exposure"] == reach.exposure.value
            assert row["findings"] == dict(counts.get(fn.name, {}))


@pytest.mark.parametrize("pretty", [False, True])
def test_json_without_the_non_str_keys_option_is_byte_for_byte_the_same(pretty: bool) -> None:
    import enum

    import orjson

    from faasguard.report.json_format import dumps

    class Kind(enum.StrEnum):
        HTTP = "http"

    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if pretty else 0)
    plain = {"a": [1, 2.5, None, True, "é", {"b": {"c": []}}], "d": {}}
    for data in (plain, {**plain, Kind.HTTP: 1}, {"x": {1: "one", None: 2}}, [{"k": {2.5: 0}}]):
        assert dumps(data, pretty=pretty) == orjson.dumps(data, option=option)


@pytest.mark.parametrize("pretty", [False, True])
def test_a_report_ends_with_one_newline_from_either_encoder(
    pretty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faasguard.report.json_format import dumps

    data = {"findings": [{"message": "é\nx", "rank": 3}], "n": 1}
    with_orjson = dumps(data, pretty=pretty, newline=True)
    assert with_orjson == dumps(data, pretty=pretty) + b"\n"
    monkeypatch.setitem(sys.modules, "orjson", None)  # as if it were not installed
    with_json = dumps(data, pretty=pretty, newline=True)
    assert with_json.endswith(b"\n") and not with_json.endswith(b"\n\n")
    assert json.loads(with_json) == json.loads(with_orjson) == data


@pytest.mark.parametrize(
    "raw",
    [
        b"a: 1\n# faasguard: ignore[FG201] health check\nb: 2\n",
        b"a: 1\r\n# faasguard: ignore[FG201] health check\r\nb: 2\r\n",
        b"a: 1\r# faasguard: ignore[FG201] reason\rb: 2\r\r\n",
        b"\xef\xbb\xbf# faasguard: ignore-file[*] generated\n",
        b"# faasguard: ignore[FG201] caf\xc3\xa9 \xe2\x80\x94 ok\n",
        b"# faasguard: ignore[FG201] bad byte \xff\n",
        b"no mention here\r\n",
        b"",
    ],
)
def test_suppression_files_read_as_read_text_reads_them(tmp_path: Path, raw: bytes) -> None:
    from faasguard import suppress

    path = tmp_path / "serverless.yml"
    path.write_bytes(raw)
    try:
        text: str | None = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = None
    expected = text if text is not None and "faasguard" in text else None
    assert suppress._mentioning_faasguard(str(path)) == expected
    assert suppress._mentioning_faasguard(str(tmp_path / "missing.yml")) is None
    assert suppress._mentioning_faasguard(str(tmp_path)) is None  # a directory


def test_link_services_and_copies_equal_the_general_code(
    scanned: list[tuple[Inventory, list[Finding]]],
) -> None:
    from faasguard.inventory import _link
    from faasguard.model import Statement

    crafted = [
        Statement("Allow", Location("t.yml"), actions=actions, not_actions=not_actions)
        for actions, not_actions in [
            (("*",), ()),
            (("S3:GetObject", "DynamoDB:*"), ()),
            (("s3*", "*:*", "sqs"), ()),
            ((), ("s3:*",)),
            ((), ("*",)),
            (("logs:PutLogEvents", "kms:Decrypt", "lambda:InvokeFunction"), ()),
        ]
    ]
    assert len(_link._Index(scanned[0][0].resources).by_dir) >= 3
    linked_some = False
    for inventory, _ in scanned:
        index = _link._Index(inventory.resources)
        statements = [s for role in inventory.roles for s in role.statements] + crafted
        for statement in statements:
            general = [s for s in index.by_dir if _link._acts_on(statement, s)]
            assert index._services(statement) == general
        for fn in inventory.functions:
            bare = dataclasses.replace(fn, reachable=())
            linked = _link._with_reachable(bare, index)
            if fn.role is None:
                assert linked is bare
                continue
            names = index.reachable_names(fn.role, _link._directory(fn.location.file))
            assert linked == (dataclasses.replace(bare, reachable=names) if names else bare)
            assert type(linked) is Function and linked.reachable == names
            linked_some |= bool(names)
    assert linked_some


def test_tying_manifests_with_shared_lookups_equals_one_lookup_per_function(
    scanned: list[tuple[Inventory, list[Finding]]],
) -> None:
    from faasguard.supply import _collect

    def reference(manifests: list[Any], functions: Sequence[Any], layer_dirs: dict) -> list[Any]:
        dirs = _collect._Dirs(manifests)
        owners: dict[str, list[str]] = {m.path: [] for m in manifests}
        for fn in functions:
            eco = _collect._ecosystem_of(fn.runtime)
            chosen = set(_collect._for_code(dirs, eco, fn))
            for layer_dir in _collect._layers_of(fn, layer_dirs):
                chosen |= dirs.under(layer_dir, eco)
            for path in chosen:
                owners[path].append(fn.id)
        return [
            dataclasses.replace(m, functions=tuple(owners[m.path])) if owners[m.path] else m
            for m in manifests
        ]

    tied_somewhere = False
    for inventory, _ in scanned:
        untied = [dataclasses.replace(m, functions=()) for m in inventory.manifests]
        layers = {
            layer.ref.removeprefix("ref:").split(".", 1)[0]: m.path.rpartition("/")[0]
            for fn, m in zip(inventory.functions, itertools.cycle(untied or [None]), strict=False)
            if m is not None
            for layer in fn.layers
        }
        for layer_dirs in ({}, layers):
            tied = _collect._tie(untied, inventory.functions, layer_dirs)
            assert tied == reference(untied, inventory.functions, layer_dirs)
            tied_somewhere |= any(m.functions for m in tied)
    assert tied_somewhere
    # two functions sharing a code directory, only the first with a layer of its own
    inventory = scanned[0][0]
    untied = [dataclasses.replace(m, functions=()) for m in inventory.manifests]
    by_key: dict[tuple[Any, ...], list[Function]] = {}
    for fn in inventory.functions:
        key = (_collect._ecosystem_of(fn.runtime), fn.code_path, fn.location.file)
        by_key.setdefault(key, []).append(fn)
    first, second = next(fns for fns in by_key.values() if len(fns) > 1)[:2]
    first = dataclasses.replace(first, layers=(Layer("ref:Extra.Arn", first.location),))
    layer_dir = next(
        m.path.rpartition("/")[0] for m in untied if m.ecosystem == untied[0].ecosystem
    )
    functions = [first, second, *inventory.functions]
    tied = _collect._tie(untied, functions, {"Extra": layer_dir})
    assert tied == reference(untied, functions, {"Extra": layer_dir})


def test_suppressions_looked_up_by_file_hide_what_a_scan_of_all_hides() -> None:
    from faasguard.model import Category, Severity
    from faasguard.suppress import Suppressed, Suppression, apply

    def sup(file: str, ids: str, first: int, last: int, reason: str) -> Suppression:
        return Suppression(frozenset(ids.split(",")), reason, Location(file, first), first, last)

    suppressions = [
        sup("a.yml", "FG201", 3, 3, "first"),
        sup("b.yml", "*", 0, 10**9, "whole file"),
        sup("a.yml", "FG201,FG305", 1, 9, "second"),  # also covers line 3: "first" wins there
        sup("c.yml", "FG999", 1, 99, "other rule"),
    ]

    def finding(file: str, line: int, rule_id: str, pin: int | None = None) -> Finding:
        related = (("function", Location("a.yml", pin)),) if pin is not None else ()
        return Finding(
            rule_id,
            "t",
            Severity.LOW,
            Category.IAM,
            "m",
            Location(file, line),
            related=related,
            fingerprint=f"{file}:{line}:{rule_id}:{pin}",
        )

    findings = [
        finding(file, line, rule_id, pin)
        for file in ("a.yml", "b.yml", "c.yml", "d.yml")
        for line in (1, 3, 12)
        for rule_id in ("FG201", "FG305", "FG999")
        for pin in (None, 4)
    ]
    baseline = {findings[5].fingerprint, "f" * 32}
    findings[7] = dataclasses.replace(findings[7], fingerprint="f" * 32)

    kept: list[Finding] = []
    hidden: list[Suppressed] = []
    for f in findings:  # the general scan: every suppression, in order
        rule = next((s for s in suppressions if s.covers(f)), None)
        if rule is not None:
            hidden.append(Suppressed(f, rule.reason, rule.kind, rule.location))
        elif f.fingerprint in baseline:
            hidden.append(Suppressed(f, "in the baseline", "external", None))
        else:
            kept.append(f)
    assert apply(findings, suppressions, baseline) == (kept, hidden)
    assert {s.reason for s in hidden} >= {"first", "second", "whole file", "other rule"}
    assert kept and apply(findings, [], set()) == (findings, [])


# -- building frozen model objects from their values ---------------------------------------------


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda c: c.__name__)
def test_a_built_object_is_the_one_the_constructor_makes(cls: type) -> None:
    fields = dataclasses.fields(cls)
    values = [f"v{i}" for i in range(len(fields))]  # distinct per field: a swap would show
    expected = cls(*values)
    for build in (_frozen.builder(cls), _frozen._slot_by_slot(cls, tuple(f.name for f in fields))):
        made = build(values)
        assert type(made) is cls and made == expected
        assert [getattr(made, f.name) for f in fields] == values
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, fields[0].name, "changed")


def test_the_builders_refuse_what_they_cannot_build() -> None:
    from faasguard.model import Finding

    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int

    for needs_slots in (_frozen.builder, _frozen.values_of, _frozen.fast_pickle):
        with pytest.raises(TypeError, match="slotted"):
            needs_slots(Plain)
    names = tuple(f.name for f in dataclasses.fields(Finding))
    with pytest.raises(ValueError, match="takes"):
        _frozen._slot_by_slot(Finding, names)(["too", "few"])
