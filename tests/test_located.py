from __future__ import annotations

import pytest

from faasguard._located import LDict, LList, LStr, ParseError, parse_json, parse_yaml, plain


def test_yaml_keys_and_values_carry_their_lines() -> None:
    doc = parse_yaml(
        "service: orders\n"
        "provider:\n"
        "  name: aws\n"
        "  runtime: python3.12\n"
        "functions:\n"
        "  get:\n"
        "    handler: app.get\n"
        "    events:\n"
        "      - http: GET /orders\n",
        "serverless.yml",
    )
    assert isinstance(doc, LDict)
    assert doc.where("functions").line == 5
    assert doc["provider"].where("runtime").line == 4
    handler = doc["functions"]["get"]["handler"]
    assert isinstance(handler, LStr) and handler.loc.line == 7 and handler.loc.column == 14
    events = doc["functions"]["get"]["events"]
    assert isinstance(events, LList) and events.where(0).line == 9


def test_cloudformation_short_tags_become_long_form() -> None:
    doc = parse_yaml(
        "A: !Ref Table\n"
        "B: !GetAtt Role.Arn\n"
        "C: !Sub 'arn:aws:s3:::${Bucket}/*'\n"
        "D: !Join ['', [a, !Ref X]]\n"
        "E: !If [IsProd, 1, 2]\n"
        "F: !Condition IsProd\n",
        "t.yaml",
    )
    assert plain(doc) == {
        "A": {"Ref": "Table"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"},
        "D": {"Fn::Join": ["", ["a", {"Ref": "X"}]]},
        "E": {"Fn::If": ["IsProd", 1, 2]},
        "F": {"Condition": "IsProd"},
    }
    assert doc["B"].loc.line == 2


def test_scalars_types_and_merge_keys() -> None:
    doc = parse_yaml(
        "base: &base\n  timeout: 30\n  tracing: true\n"
        "fn:\n  <<: *base\n  memory: 1024\n  ratio: 0.5\n  empty: ~\n  quoted: '30'\n",
        "x.yml",
    )
    fn = doc["fn"]
    assert fn["timeout"] == 30 and fn["tracing"] is True and fn["memory"] == 1024
    assert fn["ratio"] == 0.5 and fn["empty"] is None and fn["quoted"] == "30"
    assert fn.where("timeout").line == 2  # merged keys point where they were written


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(ParseError, match="alias bomb"):
        parse_yaml("\n".join(lines), "bomb.yml")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ParseError, match="nest"):
        parse_yaml("[" * 5000 + "]" * 5000, "deep.yml")
    with pytest.raises(ParseError, match="nest"):
        parse_json("[" * 100000 + "]" * 100000, "deep.json")


def test_yaml_error_reports_line_and_column() -> None:
    with pytest.raises(ParseError) as info:
        parse_yaml("functions:\n  a:\n    handler: x\n   events: [\n", "bad.yml")
    assert info.value.line == 4
    assert info.value.message.startswith("invalid YAML")


def test_json_locations_tabs_and_escapes() -> None:
    doc = parse_json(
        '{\n\t"Resources": {\n\t\t"Fn": {"Type": "AWS::Lambda::Function",'
        ' "Path": "a\\/b"}\n\t}\n}\n',
        "t.json",
    )
    assert doc.where("Resources").line == 2
    assert doc["Resources"].where("Fn").line == 3
    assert doc["Resources"]["Fn"]["Path"] == "a/b"


def test_json_error_position() -> None:
    with pytest.raises(ParseError) as info:
        parse_json('{\n  "a": 1,\n  "b": \n}', "t.json")
    assert info.value.line == 4 and "invalid JSON" in info.value.message


def test_json_that_yaml_cannot_read_still_loads() -> None:
    # Duplicate keys and a key YAML 1.1 resolves oddly: json semantics win.
    doc = parse_json('{"a": 1, "a": 2, "on": "x"}', "t.json")
    assert plain(doc) == {"a": 2, "on": "x"}
