from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard import __version__
from faasguard.cli import main


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "faasguard", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_version() -> None:
    proc = _run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"faasguard {__version__}"


def test_console_entry_delivers_all_output_before_its_fast_exit(tmp_path: Path) -> None:
    """The console entry skips interpreter teardown after a scan: everything written to a pipe
    (far more than a pipe buffer) and the exit code must still arrive, as in-process main()."""
    example = str(Path(__file__).parent.parent / "examples" / "sam-payments")
    scan = _run("scan", example, "--format", "json", "--allow-unchecked")
    in_process = main(["scan", example, "--format", "json", "--allow-unchecked",
                       "-o", str(tmp_path / "r.json")])  # fmt: skip
    assert scan.returncode == in_process == 1
    piped, written = json.loads(scan.stdout), json.loads((tmp_path / "r.json").read_text())
    for report in (piped, written):  # stdout gets text, a file gets the encoder's bytes
        del report["summary"]["duration_s"]
    assert piped == written and piped["findings"]
    dump = _run("inventory", str(Path(example).parent), "--format", "json")
    assert dump.returncode == 0 and len(dump.stdout) > 65536
    assert json.loads(dump.stdout)["functions"]


def test_empty_directory_is_clean(tmp_path: Path) -> None:
    assert main(["scan", str(tmp_path), "--format", "json", "-o", str(tmp_path / "r.json")]) == 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["files"] == 0 and data["findings"] == []


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--fail-on", "severe"]) == 2
    assert main(["scan", str(tmp_path), "--param", "novalue"]) == 2
    assert main(["scan", str(tmp_path), "--rules", "FG999"]) == 2
    assert main(["scan", str(tmp_path), "-o", str(tmp_path / "no" / "dir" / "r.txt")]) == 2
    with pytest.raises(SystemExit) as info:
        main(["scan", str(tmp_path), "--format", "xml"])
    assert info.value.code == 2


def test_broken_files_are_findings_and_the_rest_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn:\n"
        "    Type: AWS::Lambda::Function\n     Properties: [\n"
    )
    (tmp_path / "latin1").mkdir()
    (tmp_path / "latin1" / "serverless.yml").write_bytes(
        b"service: caf\xe9\nprovider:\n  name: aws\n"
    )
    bomb = ["AWSTemplateFormatVersion: '2010-09-09'", "a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        bomb.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    (tmp_path / "bomb.yaml").write_text("\n".join(bomb) + "\n")
    out = tmp_path / "r.sarif"
    code = main(["scan", str(tmp_path), "--format", "sarif", "--output", str(out)])
    assert code == 1
    results = json.loads(out.read_text())["runs"][0]["results"]
    got = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in results
    }
    assert ("FG001", "broken/template.yaml") in got
    assert ("FG003", "latin1/serverless.yml") in got
    assert ("FG001", "bomb.yaml") in got
    broken = next(
        r
        for r in results
        if r["ruleId"] == "FG001"
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "broken/template.yaml"
    )
    assert broken["locations"][0]["physicalLocation"]["region"]["startLine"] == 5


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "FG201" in listing and "CWE-306" in listing
    assert main(["explain", "fg202"]) == 0
    doc = capsys.readouterr().out
    assert doc.startswith("## FG202: Function URL without authentication")
    assert "How to fix" in doc and "AWS_IAM" in doc
    assert main(["explain", "FG999"]) == 2


def test_layer_build_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import zipfile

    out = tmp_path / "layer.zip"
    assert main(["layer", "build", "--output", str(out)]) == 0
    names = zipfile.ZipFile(out).namelist()
    assert "python/faasguard/runtime/__init__.py" in names
    assert not any(n.startswith("python/faasguard/inventory") for n in names)
    assert out.stat().st_size <= 1_048_576
    assert main(["layer", "build", "--output", str(out), "--with", "no-such-package"]) == 2


def test_every_listed_rule_explains_and_lists_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert len(rules) >= 45
    for rule in rules:
        assert {"id", "title", "severity", "category", "cwe", "docs"} <= set(rule)
        assert rule["cwe"] is None or rule["cwe"].startswith("CWE-")
        assert rule["docs"]["what"] and rule["docs"]["why"] and rule["docs"]["fix"]
        assert main(["explain", rule["id"]]) == 0
        assert capsys.readouterr().out.startswith(f"## {rule['id']}: ")


def test_a_reader_closing_the_pipe_early_does_not_turn_findings_into_a_clean_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`faasguard scan … | head`: the write fails with BrokenPipeError; the exit code must
    still say there were findings (a CI gate may read it through the pipe)."""
    import faasguard.cli as cli

    def closed(text: object, output: object) -> None:
        raise BrokenPipeError

    silenced: list[bool] = []
    monkeypatch.setattr(cli, "_write", closed)
    monkeypatch.setattr(cli, "_quiet_closed_stdout", lambda: silenced.append(True))
    example = str(Path(__file__).parent.parent / "examples" / "sam-payments")
    assert main(["scan", example, "--format", "json", "--allow-unchecked"]) == 1
    hardened = example + "-hardened"
    assert main(["scan", hardened, "--format", "json", "--allow-unchecked"]) == 0
    assert silenced == [True, True]
