"""No false blocks: a realistic handler (imported after install, like Lambda does) runs a broad
set of everyday operations under an enforcing sandbox, with zero violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime._sandbox_harness import World, open_world

HANDLER = """
from __future__ import annotations

import json
import logging
import sys

log = logging.getLogger("app")
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(message)s")
OPS = {}


def op(fn):
    OPS[fn.__name__] = fn
    return fn


@op
def stdlib_values(ctx):
    import base64, datetime, decimal, hashlib, hmac, re, uuid
    from urllib.parse import parse_qs, urlencode, urlsplit
    body = json.loads(json.dumps({"n": 1, "at": datetime.datetime.now().isoformat()}))
    assert re.fullmatch(r"\\d", str(body["n"]))
    assert decimal.Decimal("0.1") + decimal.Decimal("0.2") == decimal.Decimal("0.3")
    uuid.uuid4(); uuid.uuid5(uuid.NAMESPACE_DNS, "example.com")
    mac = hmac.new(b"k", b"msg", hashlib.sha256).hexdigest()
    assert base64.b64decode(base64.b64encode(mac.encode())).decode() == mac
    assert parse_qs(urlencode({"a": "1"})) == {"a": ["1"]} and urlsplit("https://x/y").path == "/y"


@op
def code_generating_stdlib(ctx):
    import collections, dataclasses, enum, typing

    @dataclasses.dataclass(frozen=True, order=True)
    class Order:
        sku: str
        qty: int = 1
        tags: list[str] = dataclasses.field(default_factory=list)

    class Point(typing.NamedTuple):
        x: int
        y: "int"

    class Color(enum.Enum):
        RED = 1

    Pair = collections.namedtuple("Pair", "a b", defaults=(0,))
    assert Order("a") < Order("b") and Point(1, 2).y == 2 and Pair(1).b == 0
    assert typing.get_type_hints(Point)["y"] is int and Color(1) is Color.RED
    dataclasses.asdict(Order("a", tags=["x"]))
    import ast, inspect
    assert ast.literal_eval("{'a': [1, 2]}") == {"a": [1, 2]}
    inspect.signature(Order)


@op
def files_in_scratch(ctx):
    import csv, gzip, io, os, pathlib, shutil, tempfile, zipfile
    d = pathlib.Path(ctx["scratch"], "work")
    d.mkdir(exist_ok=True)
    (d / "a.json").write_text(json.dumps({"ok": True}))
    with open(d / "a.csv", "w", newline="") as f:
        csv.writer(f).writerows([["id", "v"], [1, 2]])
    with gzip.open(d / "a.gz", "wt") as f:
        f.write("zipped")
    with zipfile.ZipFile(d / "a.zip", "w") as z:
        z.writestr("x.txt", "x")
    shutil.copy(d / "a.json", d / "b.json")
    os.replace(d / "b.json", d / "c.json")
    with tempfile.NamedTemporaryFile(dir=d) as t:
        t.write(b"tmp")
    assert json.loads((d / "c.json").read_text()) == {"ok": True}
    shutil.rmtree(d)
    open(os.devnull, "w").write("discarded")


@op
def sqlite_in_scratch(ctx):
    import sqlite3
    con = sqlite3.connect(f"{ctx['scratch']}/app.db")
    con.execute("create table if not exists t (k text primary key, v int)")
    con.execute("insert or replace into t values ('a', 1)")
    con.commit()
    assert con.execute("select v from t").fetchone() == (1,)
    con.close()
    sqlite3.connect(":memory:").execute("select 1")


@op
def data_shipped_with_the_function(ctx):
    import helpers, pathlib
    config = json.loads(pathlib.Path(ctx["task"], "config.json").read_text())
    assert helpers.greet(config["name"]) == "hello world"


@op
def http_to_allowed_service(ctx):
    import http.client, urllib.request
    port = ctx["port"]
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read() == b"ok"
    assert urllib.request.urlopen(f"http://localhost:{port}/", timeout=5).read() == b"ok"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/")
    assert c.getresponse().status == 200


@op
def threads_and_futures(ctx):
    import concurrent.futures, threading, hashlib
    out = []
    t = threading.Thread(target=lambda: out.append(1)); t.start(); t.join()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        digests = list(pool.map(lambda i: hashlib.sha256(bytes([i])).hexdigest(), range(16)))
    assert out == [1] and len(set(digests)) == 16


@op
def asyncio_loop(ctx):
    import asyncio

    async def main():
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(main()) == 42


@op
def lazy_imports(ctx):
    import email.mime.text, statistics, xml.etree.ElementTree as ET, zoneinfo, ssl, pickle
    import datetime, decimal
    ET.fromstring("<a><b/></a>")
    statistics.mean([1, 2, 3])
    email.mime.text.MIMEText("hi").as_string()
    ssl.create_default_context()
    data = {"when": datetime.datetime(2024, 1, 1), "amount": decimal.Decimal("9.99"), "s": {1}}
    assert pickle.loads(pickle.dumps(data)) == data
    try:
        zoneinfo.ZoneInfo("Europe/Paris")
    except zoneinfo.ZoneInfoNotFoundError:
        pass


@op
def logging_and_errors(ctx):
    import traceback
    log.info("order accepted %s", {"sku": "a"})
    try:
        raise ValueError("bad order")
    except ValueError:
        log.exception("handled")
        traceback.format_exc()


def handler(event, context):
    done = []
    for name, fn in OPS.items():
        fn(context)
        done.append(name)
    return {"statusCode": 200, "body": json.dumps(done)}
"""

BODY = """
import json as _json
sys.path.insert(0, TASK)
import app
ctx = {"scratch": SCRATCH, "task": TASK, "port": PORT}
runs = [app.handler({}, ctx) for _ in range(3)]
result["ops"] = _json.loads(runs[-1]["body"])
result["statuses"] = [r["statusCode"] for r in runs]
"""


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    with open_world(tmp_path) as w:
        (w.task / "app.py").write_text(HANDLER, encoding="utf-8")
        (w.task / "helpers.py").write_text("def greet(n):\n    return f'hello {n}'\n")
        (w.task / "config.json").write_text('{"name": "world"}')
        yield w


def test_realistic_handler_runs_with_zero_false_blocks(world: World) -> None:
    port = world.listener.port
    result = world.run(BODY, network=[f"127.0.0.1:{port}", f"localhost:{port}"])
    assert result["outcome"] == "allowed", result.get("error")
    assert result["statuses"] == [200, 200, 200]
    assert len(result["ops"]) == 10, result["ops"]
    assert result["events"] == []
    assert sum(result["violations"].values()) == 0, result["violations"]
    assert world.listener.accepted == 3 * 3
    assert (world.scratch / "app.db").exists()


def test_allowed_name_does_not_open_other_ports(world: World) -> None:
    port = world.listener.port
    body = "import socket; socket.create_connection(('localhost', PORT), timeout=2)"
    result = world.run(body, network=[f"localhost:{port + 1}"])
    assert result["outcome"] == "blocked"
    assert world.listener.accepted == 0


def test_allowed_executable_runs_and_others_do_not(world: World) -> None:
    body = """
import subprocess
result["echo"] = subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout
subprocess.run(["touch", str(MARKER)])
"""
    result = world.run(body, subprocess=["echo"])
    assert result["echo"] == "hi\n"
    assert result["outcome"] == "blocked" and "touch" in result["error"]
    assert not world.marker.exists()


def test_traceback_source_reads_are_denied_quietly(world: World) -> None:
    body = """
import linecache, traceback
sys.path.insert(0, TASK)
import handler
result["lines"] = linecache.getlines(handler.__file__)
result["handler"] = handler.SECRET[:3]
"""
    result = world.run(body)
    assert result["outcome"] == "allowed"
    assert result["lines"] == [] and result["handler"] == "TOP"
    assert result["events"] == []


def test_third_party_code_generation_needs_its_module_allowed(world: World) -> None:
    # attrs (a jsonschema dependency) compiles its generated methods at class creation
    body = "import attr\n@attr.s\nclass A:\n    x = attr.ib()\nresult['a'] = repr(A(1))"
    denied = world.run(body)
    assert denied["outcome"] == "blocked" and "dynamic code from attr._make" in denied["error"]
    allowed = world.run(body, dynamic_code=["attr"])
    assert allowed["outcome"] == "allowed" and allowed["a"] == "A(x=1)"
    assert sum(allowed["violations"].values()) == 0
