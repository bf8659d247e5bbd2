"""The benchmark tree generator and the timing harness (with a stand-in scanner)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from faasguard import discovery

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generate = _module("generate")
bench_scan = _module("bench_scan")


class _CfnLoader(yaml.SafeLoader):
    """safe_load plus CloudFormation short tags (!Ref, !GetAtt...) kept as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}


_CfnLoader.add_multi_constructor("!", _any_tag)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _outside_node_modules(root: Path, name: str) -> list[Path]:
    return [p for p in root.rglob(name) if "node_modules" not in p.parts]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("tree")
    return root, generate.generate(root, templates=10, functions=25, seed=7)


def test_split_templates_follows_the_shares() -> None:
    assert generate.split_templates(500) == {
        "serverless": 200,
        "sam": 125,
        "terraform": 100,
        "cloudformation": 50,
        "azure": 25,
    }
    assert generate.split_templates(10) == {
        "serverless": 4,
        "sam": 2,
        "terraform": 2,
        "cloudformation": 1,
        "azure": 1,
    }
    assert sum(generate.split_templates(7).values()) == 7


def test_counts_per_format(tree: tuple[Path, object]) -> None:
    root, stats = tree
    assert dict(stats.templates) == generate.split_templates(10)
    assert sum(stats.functions.values()) == 25
    assert len(_outside_node_modules(root, "serverless.yml")) == 4
    assert len(_outside_node_modules(root, "template.yaml")) == 2
    assert len(_outside_node_modules(root, "cloudformation.json")) == 1
    assert len(list(root.rglob("main.tf"))) == 2
    assert len(list(root.rglob("host.json"))) == 1
    assert len(list(root.rglob("function.json"))) == stats.functions["azure"]
    assert stats.files == len(_files(root))
    # noise a scanner must skip
    names = Counter(p.name for p in _files(root))
    assert names["package.json"] >= 1 and names["README.md"] >= 10
    assert names["event.json"] == 7  # one per serverless/SAM/CFN service directory
    assert any(p.suffix == ".py" for p in _files(root))


def test_discovery_sees_only_templates(tree: tuple[Path, object]) -> None:
    root, stats = tree
    found = discovery.discover(root)
    kinds = Counter(c.kind for c in found.candidates)
    assert kinds == {
        "serverless": 4,
        "cloudformation": 3,  # SAM and CloudFormation JSON
        "terraform": 6,
        "azure-host": 1,
        "azure-settings": 1,
        "azure-function": stats.functions["azure"],
    }


def test_generated_files_parse(tree: tuple[Path, object]) -> None:
    root, _ = tree
    yml = [*_outside_node_modules(root, "serverless.yml"), *root.rglob("template.yaml")]
    for path in yml:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
        assert isinstance(doc, dict) and ("functions" in doc or "Resources" in doc), path
    for path in root.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    sls = yaml.load(
        _outside_node_modules(root, "serverless.yml")[0].read_text(encoding="utf-8"),
        Loader=_CfnLoader,
    )
    assert sls["provider"]["name"] == "aws"
    import hcl2

    main_tf = next(root.rglob("main.tf"))
    parsed = hcl2.loads(main_tf.read_text(encoding="utf-8"))
    types = [key.strip('"') for block in parsed["resource"] for key in block]
    assert types.count("aws_lambda_function") >= 1
    assert "aws_iam_role" in types and "aws_sqs_queue" in types


def test_generation_is_deterministic(tmp_path: Path, tree: tuple[Path, object]) -> None:
    root, _ = tree
    again = tmp_path / "again"
    generate.generate(again, templates=10, functions=25, seed=7)

    def digest(base: Path) -> str:
        h = hashlib.sha256()
        for path in _files(base):
            h.update(path.relative_to(base).as_posix().encode())
            h.update(path.read_bytes())
        return h.hexdigest()

    assert digest(again) == digest(root)


FAKE_SCANNER = """
import json, sys, time
args = sys.argv[1:]
assert args[0] == "scan" and args[2:4] == ["--format", "json"], args
time.sleep(0.01)
with open(args[5], "w") as out:
    json.dump({"summary": {"files": 3, "functions": 2, "findings": 1}}, out)
sys.exit(EXIT)
"""


def _fake(tmp_path: Path, exit_code: int) -> str:
    script = tmp_path / f"fake_{exit_code}.py"
    script.write_text(FAKE_SCANNER.replace("EXIT", str(exit_code)), encoding="utf-8")
    return f"{sys.executable} {script}"


def test_harness_with_stand_in_scanner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    argv = ["--templates", "5", "--functions", "6", "--runs", "2", "--no-checkov"]
    code = bench_scan.main([*argv, "--faasguard-cmd", _fake(tmp_path, 1), "--json", str(out)])
    assert code == 0
    table = capsys.readouterr().out
    assert table.startswith("| case | tool |")
    assert "generated full" in table and "generated 1/4" in table
    data = json.loads(out.read_text(encoding="utf-8"))
    cases = {c["name"]: c for c in data["cases"]}
    assert {"startup (empty dir)", "generated 1/4", "generated 1/2", "generated full"} <= set(cases)
    full = cases["generated full"]
    assert full["functions"] == 6 and full["files"] > 20
    assert len(full["runs"]) == 2 and full["median_s"] >= 0.01
    assert full["runs"][0]["exit_code"] == 1 and full["runs"][0]["max_rss_kb"] > 0
    assert full["report"] == {"files": 3, "functions": 2, "findings": 1}
    assert full["net_s_per_100_files"] is not None


def test_harness_reports_a_failing_scanner(tmp_path: Path) -> None:
    argv = ["--no-scaling", "--templates", "5", "--functions", "5", "--runs", "1"]
    out = tmp_path / "r.json"
    argv += ["--no-checkov", "--faasguard-cmd", _fake(tmp_path, 3), "--json", str(out)]
    assert bench_scan.main(argv) == 2
    cases = json.loads(out.read_text(encoding="utf-8"))["cases"]
    assert all(c["error"].startswith("exit code 3") for c in cases)


def test_runs_of_two_tools_alternate(tmp_path: Path) -> None:
    """Each tool's runs interleave with the other's, so both meet the same machine spells."""
    log = tmp_path / "order.log"
    stamp = f"import sys; open({str(log)!r}, 'a').write(sys.argv[1] + chr(10))"
    first = bench_scan.Case("tree", "a", str(tmp_path), 0)
    second = bench_scan.Case("tree", "b", str(tmp_path), 0)
    jobs = [
        (first, [sys.executable, "-c", stamp, "a"], 3, None),
        (second, [sys.executable, "-c", stamp, "b"], 2, None),
    ]
    measured = bench_scan.measure_alternating(jobs)
    assert log.read_text().split() == ["a", "b", "a", "b", "a"]
    assert [len(c.runs) for c in measured] == [3, 2] and all(c.ok for c in measured)
