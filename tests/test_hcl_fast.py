"""The hand-written HCL parser (_hcl_fast) against the Lark path it replaces: same trees exactly."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from faasguard.inventory import _hcl, _hcl_fast
from tests.conftest import EXAMPLES, FIXTURES

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def dump(node: Any) -> Any:
    """Every field of every node, recursively (positions included), as plain data."""
    if isinstance(node, _hcl.Source):
        return ("Source", node.file, len(node.text))
    if isinstance(node, dict):
        return {key: dump(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [dump(item) for item in node]
    if dataclasses.is_dataclass(node):
        fields = [(f.name, dump(getattr(node, f.name))) for f in dataclasses.fields(node)]
        return (type(node).__name__, *fields)
    return (type(node).__name__, node)


def lark_only() -> Any:
    """Within ``with``: _hcl goes the Lark way only (heredoc interpolations included)."""
    return mock.patch.object(
        _hcl_fast, "parse_body", side_effect=_hcl_fast.FastUnsupported("disabled")
    )


def lark_dump(text: str) -> Any:
    with lark_only():
        return dump(_hcl.parse(text, "main.tf"))


def fast_dump(text: str) -> Any:
    """The fast parser alone: raises instead of falling back."""
    return dump(_hcl_fast.parse_body(_hcl.Source("main.tf", text), text + "\n"))


def assert_same(text: str) -> None:
    expected = lark_dump(text)
    assert fast_dump(text) == expected
    assert dump(_hcl.parse(text, "main.tf")) == expected


def tf_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*") if p.suffix in (".tf", ".tfvars"))


# ---------------------------------------------------------------------------------------------
# real files
# ---------------------------------------------------------------------------------------------

REPO_FILES = tf_files(FIXTURES, EXAMPLES)


def test_repo_has_terraform_files() -> None:
    assert len(REPO_FILES) >= 10


@pytest.mark.parametrize("path", REPO_FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_repository_files(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


def _generator() -> Any:
    name = "generate"
    if name in sys.modules and hasattr(sys.modules[name], "generate"):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_tree(tmp_path: Path) -> None:
    _generator().generate(tmp_path, templates=40, functions=120)
    files = tf_files(tmp_path)
    assert len(files) >= 9
    for path in files:
        assert_same(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# hand-written snippets the fast parser must read itself
# ---------------------------------------------------------------------------------------------

SNIPPETS = [
    # literals
    "a = 1",
    "a = 1.5",
    "a = 1e3",
    "a = 2E-2\nb = 1.25e+10",
    "a = 007",
    "a = -35\nb = -1.5\nc = -3\nd = - 4",
    "a = true\nb = false\nc = null",
    'a = ""',
    'a = "plain text"',
    r'a = "esc \" \\ \n \t \r done"',
    r'a = "unicode \u00e9 \U0001F600 and bad \uZZZZ"',
    'a = "dollar $ and percent % and $x and %y"',
    'a = "escaped $${not.interp} and %%{not.directive}"',
    'a = "multi\nline string"',
    # templates
    'a = "${var.x}"',
    'a = "pre-${var.x}-mid-${local.y}-post"',
    'a = "${upper("nested ${var.inner} string")}"',
    'a = "${ {k = 1}["k"] }"',
    'a = "${a + b\n}"',
    # heredocs
    "a = <<EOF\nhello\nworld\nEOF\n",
    "a = <<EOF\nEOF\n",
    "a = <<-EOT\n    indented\n      more\n    EOT\n",
    "a = <<EOF\nvalue ${var.x} and ${local.y + 1}\n  $${escaped}\nEOF\nb = 2",
    "a = <<-EOF\n  ${jsonencode({\n    a = 1\n  })}\n  EOF\n",
    "a = <<EOF\n%{ if var.on }on%{ endif }\nEOF\n",
    "a = f(<<EOF\nx\nEOF\n, 2)",
    "a = <<E\nx\n  E\n",
    # comments
    "# leading comment\na = 1 # trailing\n// another\nb = 2 // again\n/* block\ncomment */ c = 3",
    "a = [\n  1, # one\n  2, // two\n  /* three */ 3,\n]",
    "a = 1 /* inline */ + 2",
    "a = x # comment\n+ y",
    "b {\n  # only a comment\n}",
    # collections
    "a = []\nb = {}\nc = [\n]\nd = {\n}",
    "a = [1, 2, 3]",
    "a = [1, 2, 3,]",
    "a = [\n  1,\n  2,\n]",
    "a = [\n  1\n  ,\n  2\n]",
    "a = [[1, [2]], {x = [3]}]",
    'a = {\n  k1 = "v"\n  k2 = 2,\n  "k3" = 3\n  k4 : 4\n  "k5": 5\n'
    '  (var.k) = 6\n  "${var.k}" = 7\n}',
    "a = {x = 1, y = 2}",
    "a = {x = 1 y = 2}",
    "a = {x = 1,\n}",
    "a = { in = 1, for = 2\n  if = 3, for_each = 4, else = 5, endif = 6, endfor = 7 }",
    "a = { true = 1, null = 2, 3 = 4, -35 = 5 }",
    "a = { (x) = 1, a.b = 2, f(1) = 3 }",
    # functions
    "a = f()",
    "a = f(1)",
    "a = merge(var.a, local.b, { x = 1 })",
    "a = f(\n  1,\n  2,\n)",
    "a = f(\n  1\n  , 2\n)",
    "a = f(var.list...)",
    "a = f(1, var.list...\n)",
    "a = provider::aws::arn_parse(var.arn)",
    "a = f (1)",
    # traversals, splats, indexes
    "a = var.x.y.z",
    "a = var.list[0]",
    "a = var.list.0.name",
    'a = var.map["key"][local.i]',
    "a = var.list[\n  0\n]",
    "a = aws_instance.web[*].id",
    'a = aws_instance.web[*].tags["Name"]',
    "a = var.list.*.id",
    "a = var.list.*.a.b[0].0",
    "a = var.x[*][*].y",
    "a = var.x.*.y[*].z",
    "a = var.obj.in\nb = var.obj.for\nc = var.obj.true",
    "a = var . x",
    "a = count.index-1",
    "a = (var.x).y",
    "a = [1, 2][0]",
    "a = {x = 1}.x",
    "a = f(1).y[0]",
    'a = "str"[0]',
    # operators and precedence
    "a = 1 + 2 * 3",
    "a = (1 + 2) * 3",
    "a = 1 * 2 + 3",
    "a = a || b && c == d != e < f > g <= h >= i + j - k * l / m % n",
    "a = a % b / c * d - e + f >= g <= h > i < j != k == l && m || n",
    "a = 1 - 2 - 3",
    "a = !a && !b",
    "a = -x + -y",
    "a = - (1 + 2)",
    "a = !true == false",
    "a = -1.5 * -2\nb = !-12",
    "a = 10 -3",
    "a = 1 +\n  2",
    "a = 1\n  + 2\n  * 3",
    "a = (\n  1\n  + 2\n)",
    "a = x * y\n\n+ z",
    "a = b + c\nd = 1",
    "a = b + c # trailing comment\nd = 1",
    "a = [b + c\n, d]",
    "a = f(b * c\n)",
    # conditionals
    "a = x ? 1 : 2",
    "a = x ? y ? 1 : 2 : 3",
    "a = x ? 1 : y ? 2 : 3",
    'a = x == 1 ? "one" : x == 2 ? "two" : "many"',
    "a = x ?\n  1 :\n  2",
    "a = x\n  ? 1\n  : 2",
    "a = (x ? 1 : 2) + 3",
    "a = x ? b + c\n : d",
    "a = x ? [for v in y : v] : {}",
    # for expressions
    "a = [for v in var.list : v]",
    'a = [for i, v in var.list : "${i}=${v}"]',
    "a = [for v in var.list : v if v != null]",
    "a = {for k, v in var.map : k => v}",
    "a = {for k, v in var.map : k => v...}",
    'a = {for k, v in var.map : upper(k) => v if k != "x"}',
    "a = [\n  for v in var.list :\n  v\n  if v\n]",
    "a = {\n  for k, v in var.map :\n  k => v\n  ...\n  if v\n}",
    "a = [for v in [for w in x : w] : {for k in v : k => 1}]",
    "a = [for v in x: v]",
    # blocks and attributes
    "b {}",
    "b { a = 1 }",
    'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}',
    'resource aws_s3_bucket b {\n  bucket = "x"\n}',
    'resource "a" b "c" {}',
    'resource "a" "b"\n{\n  x = 1\n}',
    "a {\n  b {\n    c {\n      d = 1\n    }\n  }\n}",
    "a { b { c = 1 } }",
    "a = 1 b = 2",
    "a = 1 b {}",
    "b {} c {}",
    "for = 1\nin = 2\nif = 3\nfor_each = 4\ntrue = 5\nnull = 6",
    'for {}\nin "x" {}\nif y {}',
    'dynamic "ingress" {\n  for_each = var.rules\n'
    "  content {\n    from = ingress.value.from\n  }\n}",
    "a = 1\na = 2",
    'b "esc\\"aped" "$${lit}" {}',
    "",
    "\n\n\n",
    "# only a comment",
    "a = 1\r\nb = [\r\n  2,\r\n]\r\n",
    "a = <<EOF\r\nx\r\nEOF\r\n",
    "\ta\t=\t1\t",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippet(text: str) -> None:
    assert_same(text)


def test_enough_snippets() -> None:
    assert len(SNIPPETS) >= 60


# Valid input the fast parser leaves to Lark (it raises, parse() falls back: same tree).
DEFERRED = [
    "a = in",  # keyword-named identifiers: Lark's lexer decides per parser state
    "a = [\n  for_each\n]",
    "a = f(if)",
    "a = [for true in x : 1]",
    'b "x${y}" {}',  # interpolation in a block label
    'a = "%{ if x }yes%{ else }no%{ endif }"',  # directives in a quoted string
    'a = "%{ for v in xs }${v}%{ endfor }"',
    "a = ((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))",  # deep nesting
]


@pytest.mark.parametrize("text", DEFERRED)
def test_deferred_to_lark(text: str) -> None:
    with pytest.raises(_hcl_fast.FastUnsupported):
        fast_dump(text)
    assert dump(_hcl.parse(text, "main.tf")) == lark_dump(text)


# ---------------------------------------------------------------------------------------------
# invalid input: errors still come from Lark
# ---------------------------------------------------------------------------------------------

INVALID = [
    "a = ",
    "a = (1",
    "a = [1 2]",
    "a = {",
    "a = f(1\n,)",  # python-hcl2 wants an argument after a comma that follows a newline
    "a = (x\n - y)",  # a newline before "-" is not merged into the operator
    "a = x + y\n\n* z",
    "a =\n1",
    "a = # c\n1",
    '"a" = 1',
    "a = 1 -35",
    'a = "${~ x}"',
    'a = "${x\n}"',
    "a = x\n.y",
    "a = --1",
    "a = !-1",
    "a = 1 b",
    "b {",
    "}",
    "a = <<EOF\nno end marker\n",
    'a = "unterminated',
    "a = [for x index : x]",
    "a = [for x in y : x iffy]",
    "a = 1 & 2",
    "a = x ? 1",
    "a = {for k in x : k}",
    "a = x[*",
    "a = @",
]


@pytest.mark.parametrize("text", INVALID)
def test_invalid_input_gives_larks_error(text: str) -> None:
    with pytest.raises(_hcl.HclError) as lark_error:
        lark_dump(text)
    with pytest.raises(_hcl.HclError) as error:
        _hcl.parse(text, "main.tf")
    got, want = error.value, lark_error.value
    assert (got.message, got.line, got.column) == (want.message, want.line, want.column)
    with pytest.raises(_hcl_fast.FastUnsupported):  # the fast parser refuses it too
        fast_dump(text)


# ---------------------------------------------------------------------------------------------
# depth limits, parse_expression, the fast path really being used
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda k: "a = x" + ".y" * k,
        lambda k: "b {\n  c {\n    a = x" + "[0]" * k + "\n  }\n}",
        lambda k: "a = " + " + ".join(["1"] * (2 * k)),
        lambda k: 'a = "${x' + ".y" * k + '}"',
        lambda k: "a = f(" + " * ".join(["x.y"] * (2 * k)) + ")",
    ],
)
def test_depth_limit_matches_lark(make: Any) -> None:
    for k in range(68, 80):
        text = make(k)
        try:
            expected = lark_dump(text)
        except _hcl.HclError as exc:
            with pytest.raises(_hcl.HclError) as error:
                _hcl.parse(text, "main.tf")
            assert error.value.message == exc.message == "expression nested too deeply"
            continue
        assert fast_dump(text) == expected


def test_very_deep_input_is_an_error_not_a_crash() -> None:
    text = "a = " + "[" * 3000 + "]" * 3000
    with pytest.raises(_hcl.HclError):
        _hcl.parse(text, "main.tf")
    with pytest.raises(_hcl_fast.FastUnsupported):
        fast_dump(text)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("var.x", 1, 1),
        ("a + b", 7, 5),
        ("f(\n  1,\n  2\n)", 3, 9),
        ("x ? y : z", 12, 1),
        ("a * b\n", 2, 3),
        ('"${x}"', 4, 2),
    ],
)
def test_parse_expression_matches_lark(text: str, line: int, column: int) -> None:
    src = _hcl.Source("main.tf", "")
    with mock.patch.object(_hcl, "_lark_parse", side_effect=AssertionError("Lark was used")):
        fast = dump(_hcl.parse_expression(text, src, line, column))
    with lark_only():
        expected = dump(_hcl.parse_expression(text, src, line, column))
    assert fast == expected


def test_fast_path_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lark(text: str) -> Any:
        raise AssertionError("Lark was used")

    monkeypatch.setattr(_hcl, "_lark_parse", no_lark)
    path = FIXTURES / "terraform" / "aws-orders" / "functions.tf"
    body = _hcl.parse(path.read_text(encoding="utf-8"), "functions.tf")
    assert body.blocks
    heredoc = _hcl.parse("a = <<EOF\nx ${var.y}\nEOF\n", "main.tf")
    template = heredoc.attributes["a"].expr
    assert isinstance(template, _hcl.Template)
    assert isinstance(template.parts[1], _hcl.GetAttr)


def test_invalid_input_reaches_lark(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = _hcl._lark_parse

    def spy(text: str) -> Any:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(_hcl, "_lark_parse", spy)
    with pytest.raises(_hcl.HclError) as error:
        _hcl.parse("a = 1\nb = (2\n", "main.tf")
    assert calls
    assert error.value.message.startswith("invalid HCL")
    assert error.value.line >= 2
