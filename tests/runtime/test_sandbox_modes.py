"""Monitor, learn and enforce modes; install-once; always-allowed endpoints; the guard hook-up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime._sandbox_harness import SRC, World, open_world

WORKLOAD = """
import subprocess, socket
result["echo"] = subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout
socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
open(f"{OUTSIDE}/report.txt", "w").write("x")
result["sum"] = eval("1 + 1")
"""


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    with open_world(tmp_path) as opened:
        yield opened


def test_monitor_mode_reports_but_lets_actions_happen(world: World) -> None:
    result = world.run("os.system(CMD)\n" + WORKLOAD, mode="monitor")
    assert result["outcome"] == "allowed", result.get("error")
    assert world.marker.exists() and (world.outside / "report.txt").exists()
    assert world.listener.accepted >= 2  # the shell's /dev/tcp and the socket
    kinds = [e["finding_info"]["types"][1] for e in result["events"]]
    assert {"process", "network", "write", "code"} <= set(kinds)
    assert all(e["action"] == "Allowed" and e["class_uid"] == 2004 for e in result["events"])
    assert result["violations"]["process"] >= 2


def test_learn_mode_proposes_a_policy_that_enforce_accepts(world: World) -> None:
    learned = world.run(WORKLOAD, mode="learn")
    assert learned["outcome"] == "allowed" and learned["events"] == []
    proposal = learned["proposal"]
    assert proposal["mode"] == "enforce"
    assert "echo" in proposal["subprocess"]
    assert f"127.0.0.1:{world.listener.port}" in proposal["network"]
    assert str(world.outside) in proposal["write"]
    assert proposal["dynamic_code"] == ["__main__"]
    (world.outside / "report.txt").unlink()

    options = {k: v for k, v in proposal.items() if k != "mode"}
    enforced = world.run(WORKLOAD, **options)
    assert enforced["outcome"] == "allowed", enforced.get("error")
    assert enforced["echo"] == "hi\n" and enforced["sum"] == 2
    assert sum(enforced["violations"].values()) == 0


def test_learn_mode_prints_the_proposal_at_exit(tmp_path: Path) -> None:
    script = (
        f"import sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from faasguard.runtime.sandbox import Sandbox\n"
        f"Sandbox('learn', write=[{str(tmp_path)!r}], code_dirs=[{str(tmp_path)!r}]).install()\n"
        "import subprocess; subprocess.run(['true'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "faasguard sandbox proposal: {" in proc.stderr
    assert "Sandbox(mode='enforce', subprocess=['true']" in proc.stderr


def test_install_is_once_per_process(world: World) -> None:
    body = """
Sandbox(mode="enforce", subprocess=False, network=[], write=[SCRATCH], code_dirs=[TASK]).install()
result["same"] = "ok"
Sandbox(mode="enforce", subprocess=True, write=[SCRATCH], code_dirs=[TASK]).install()
"""
    result = world.run(body)
    assert result["same"] == "ok"
    assert result["outcome"] == "error"
    assert "already installed in this process with a different policy" in result["error"]


def test_lambda_runtime_api_and_configured_endpoints_are_always_allowed(world: World) -> None:
    port = world.listener.port
    body = "import socket; socket.create_connection(('127.0.0.1', PORT), timeout=2).close()"
    via_env = world.run(body, env={"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}"})
    assert via_env["outcome"] == "allowed", via_env.get("error")
    via_endpoint = world.run(body, endpoints=[f"redis://127.0.0.1:{port}/0"])
    assert via_endpoint["outcome"] == "allowed", via_endpoint.get("error")
    assert world.listener.accepted == 2


def test_guard_installs_the_sandbox(world: World) -> None:
    script = world.task / "guarded.py"
    script.write_text(
        f"import json, os, sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from faasguard.runtime import guard\n"
        "from faasguard.runtime.sandbox import Sandbox\n"
        f"sandbox = Sandbox(subprocess=False, write=[{str(world.scratch)!r}],"
        " sink=lambda e: None)\n"
        "@guard(detect='off', sandbox=sandbox)\n"
        "def handler(event, context):\n"
        f"    return os.system({world.cmd!r})\n"
        "try:\n    outcome = handler({}, None)\n"
        "except PermissionError:\n    outcome = 'blocked'\n"
        "print('RESULT ' + json.dumps({'outcome': outcome}))\n",
        encoding="utf-8",
    )
    result = world.run_script(script)
    # the guard turns the handler's exception into its generic 500
    assert result["outcome"] == "blocked" or result["outcome"]["statusCode"] == 500, result
    assert not world.marker.exists()


def test_a_sink_doing_io_is_not_checked_again(world: World) -> None:
    log = world.outside / "events.log"
    script = world.task / "sink.py"
    script.write_text(
        f"import json, os, sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from faasguard.runtime.sandbox import Sandbox\n"
        "def sink(event):\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(json.dumps(event) + '\\n')\n"
        f"Sandbox(write=[{str(world.scratch)!r}], sink=sink).install()\n"
        "try:\n    os.system('true')\nexcept PermissionError as exc:\n    outcome = str(exc)\n"
        "print('RESULT ' + json.dumps({'outcome': outcome}))\n",
        encoding="utf-8",
    )
    result = world.run_script(script)
    assert "shell command 'true' is not allowed" in result["outcome"]
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["unmapped"]["event"] for e in events] == ["os.system"]
