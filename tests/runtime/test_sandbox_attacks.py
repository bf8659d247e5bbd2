"""The attack matrix: every vector must raise PermissionError in enforce mode AND leave no trace
(no marker file, no connection at the listener, no file outside the writable directory, no
secret read)."""

from __future__ import annotations

import marshal
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime._sandbox_harness import ENV_SECRET, SOURCE_SECRET, World, open_world

_FORK_EXEC_ARGS = (
    "True, (), None, None, -1, -1, -1, -1, -1, -1, *os.pipe(), False, False, -1, None, None, "
    "None, -1, None"
)
_SHELL = "[b'/bin/sh', b'-c', CMD.encode()]"

PROCESS = {
    "os.system reverse shell": "os.system(CMD)",
    "os.popen": "os.popen(CMD).read()",
    "subprocess.Popen list": "import subprocess; subprocess.Popen(['bash', '-c', CMD]).wait()",
    "subprocess.run shell=True": "import subprocess; subprocess.run(CMD, shell=True)",
    "subprocess.check_output absolute path": (
        "import subprocess; subprocess.check_output(['/bin/sh', '-c', CMD])"
    ),
    "pty.spawn": "import pty; pty.spawn(['/bin/sh', '-c', CMD])",
    "os.posix_spawn": "os.waitpid(os.posix_spawn('/bin/sh', ['sh', '-c', CMD], os.environ), 0)",
    "os.execv": "os.execv('/bin/sh', ['sh', '-c', CMD])",
    "os.fork then exec": (
        "pid = os.fork()\n"
        "if pid == 0:\n    os.execv('/bin/sh', ['sh', '-c', CMD])\n"
        "os.waitpid(pid, 0)"
    ),
    "os.spawnv": "os.spawnv(os.P_WAIT, '/bin/sh', ['sh', '-c', CMD])",
    "known bypass 1: ctypes CDLL(None).system": (
        "import ctypes; ctypes.CDLL(None).system(CMD.encode())"
    ),
    "ctypes CDLL libc.so.6": "import ctypes; ctypes.CDLL('libc.so.6').system(CMD.encode())",
    "ctypes pythonapi symbol": "import ctypes; ctypes.pythonapi.Py_IncRef",
    "known bypass 2: _posixsubprocess.fork_exec": (
        f"import _posixsubprocess; _posixsubprocess.fork_exec({_SHELL}, [b'/bin/sh'], "
        f"{_FORK_EXEC_ARGS})"
    ),
    "subprocess._fork_exec module reference": (
        f"import subprocess; subprocess._fork_exec({_SHELL}, [b'/bin/sh'], {_FORK_EXEC_ARGS})"
    ),
    "_posixsubprocess re-imported": (
        "import _posixsubprocess\ndel sys.modules['_posixsubprocess']\n"
        f"import _posixsubprocess as fresh\nfresh.fork_exec({_SHELL}, [b'/bin/sh'], "
        f"{_FORK_EXEC_ARGS})"
    ),
    "_posixsubprocess rebuilt from its spec": (
        "import importlib.util\n"
        "fresh = importlib.util.module_from_spec(importlib.util.find_spec('_posixsubprocess'))\n"
        f"fresh.fork_exec({_SHELL}, [b'/bin/sh'], {_FORK_EXEC_ARGS})"
    ),
    "multiprocessing spawn": (
        "import multiprocessing\n"
        "ctx = multiprocessing.get_context('spawn')\n"
        "p = ctx.Process(target=os.system, args=(CMD,)); p.start(); p.join()"
    ),
    "multiprocessing fork": (
        "import multiprocessing\n"
        "ctx = multiprocessing.get_context('fork')\n"
        "p = ctx.Process(target=os.system, args=(CMD,)); p.start(); p.join()"
    ),
}

NETWORK = {
    "socket.connect to a port not allowed": (
        "import socket; s = socket.socket(); s.connect(('127.0.0.1', PORT))"
    ),
    "socket.create_connection": (
        "import socket; socket.create_connection(('127.0.0.1', PORT), timeout=2)"
    ),
    "urllib to a local service": (
        "import urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{PORT}/', timeout=2)"
    ),
    "UDP sendto": (
        "import socket; u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "u.sendto(b'exfil', ('127.0.0.1', PORT))"
    ),
    "localhost by name": "import socket; socket.create_connection(('localhost', PORT), timeout=2)",
}
METADATA = {
    "metadata endpoint via urllib": "http://169.254.169.254/latest/meta-data/iam/",
    "metadata decimal form": "http://2852039166/latest/meta-data/",
    "metadata hex form": "http://0xa9fea9fe/latest/meta-data/",
    "metadata octal form": "http://0251.0376.0251.0376/latest/meta-data/",
    "metadata IPv4-mapped IPv6": "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "metadata IPv6 (fd00:ec2::254)": "http://[fd00:ec2::254]/latest/meta-data/",
    "ECS credentials endpoint": "http://169.254.170.2/v2/credentials/",
}
METADATA_NAMES = {
    "metadata DNS name (GCP)": "http://metadata.google.internal/computeMetadata/v1/",
    "metadata via wildcard DNS": "http://169.254.169.254.nip.io/latest/meta-data/",
    "AWS metadata DNS name": "http://instance-data.ec2.internal/latest/meta-data/",
}

WRITES = {
    "open w outside": "open(f'{OUTSIDE}/dropped', 'w').write('x')",
    "open a outside": "open(f'{OUTSIDE}/dropped', 'a').write('x')",
    "open x outside": "open(f'{OUTSIDE}/dropped', 'x').write('x')",
    "open r+ on the function's code": "open(f'{TASK}/handler.py', 'r+').write('x')",
    "os.open O_WRONLY|O_CREAT": "os.open(f'{OUTSIDE}/dropped', os.O_WRONLY | os.O_CREAT)",
    "pathlib write_text": "import pathlib; pathlib.Path(OUTSIDE, 'dropped').write_text('x')",
    "shutil.copy into place": (
        "import shutil; open(f'{SCRATCH}/a', 'w').write('x')\n"
        "shutil.copy(f'{SCRATCH}/a', f'{OUTSIDE}/dropped')"
    ),
    "os.rename into place": (
        "open(f'{SCRATCH}/b', 'w').write('x'); os.rename(f'{SCRATCH}/b', f'{OUTSIDE}/dropped')"
    ),
    "symlink to outside then write": (
        "os.symlink(f'{OUTSIDE}/dropped', f'{SCRATCH}/link')\n"
        "open(f'{SCRATCH}/link', 'w').write('x')"
    ),
    "write through a planted symlink": "open(f'{SCRATCH}/planted', 'w').write('x')",
    "relative path traversal": "open(f'{SCRATCH}/../outside/dropped', 'w').write('x')",
    "os.truncate the function's code": "os.truncate(f'{TASK}/handler.py', 0)",
    "os.remove the function's code": "os.remove(f'{TASK}/handler.py')",
    "os.mkdir outside": "os.mkdir(f'{OUTSIDE}/dropped')",
    "os.open with dir_fd of an outside directory": (
        "os.chdir(SCRATCH)\nfd = os.open(OUTSIDE, os.O_RDONLY)\n"
        "os.open('dropped', os.O_WRONLY | os.O_CREAT, dir_fd=fd)"
    ),
    "os.mkdir with dir_fd": (
        "os.chdir(SCRATCH)\nfd = os.open(OUTSIDE, os.O_RDONLY)\nos.mkdir('dropped', dir_fd=fd)"
    ),
    "hard link of the function's code": "os.link(f'{TASK}/handler.py', f'{SCRATCH}/h.py')",
    "shutil.unpack_archive outside": (
        "import shutil, zipfile\n"
        "with zipfile.ZipFile(f'{SCRATCH}/a.zip', 'w') as z: z.writestr('dropped', 'x')\n"
        "shutil.unpack_archive(f'{SCRATCH}/a.zip', OUTSIDE)"
    ),
}

READS = {
    "read the handler source": "LEAKED.append(open(f'{TASK}/handler.py').read())",
    "read the source by relative path": "LEAKED.append(open('handler.py').read())",
    "read the source through /proc/self/cwd": (
        "LEAKED.append(open('/proc/self/cwd/handler.py').read())"
    ),
    "read the source with pathlib": (
        "import pathlib; LEAKED.append(pathlib.Path(TASK, 'handler.py').read_text())"
    ),
    "read the source with io.open_code": (
        "import io; LEAKED.append(io.open_code(f'{TASK}/handler.py').read().decode())"
    ),
    "read /proc/self/environ": "LEAKED.append(open('/proc/self/environ', 'rb').read().decode())",
    "read /proc/<pid>/environ": (
        "LEAKED.append(open(f'/proc/{os.getpid()}/environ', 'rb').read().decode())"
    ),
    "read /proc/thread-self/environ": (
        "LEAKED.append(open('/proc/thread-self/environ', 'rb').read().decode())"
    ),
    "read /proc/self/mem": "LEAKED.append(repr(open('/proc/self/mem', 'rb')))",
    "read the source via a /proc directory handle": (
        "fd = os.open('/proc/self', os.O_RDONLY)\n"
        "LEAKED.append(os.read(os.open('environ', os.O_RDONLY, dir_fd=fd), 100000).decode())"
    ),
    "read the source via linecache": (
        "import linecache\nLEAKED.extend(linecache.getlines(f'{TASK}/handler.py'))\n"
        "open(f'{TASK}/handler.py')"
    ),
}

CODE = {
    "eval of an attacker string": "eval(\"__import__('os').system(CMD)\")",
    "exec of an attacker string": "exec('import os; os.system(CMD)')",
    "compile then exec": "exec(compile('import os; os.system(CMD)', '<x>', 'exec'))",
    "code object rebuilt": "(lambda: 0).__code__.replace(co_consts=(1,))",
    "timeit runs source": "import timeit; timeit.timeit('import os; os.system(CMD)', number=1)",
    "runpy of a dropped script": (
        "open(f'{SCRATCH}/drop.py', 'w').write('import os; os.system(CMD)')\n"
        "import runpy; runpy.run_path(f'{SCRATCH}/drop.py')"
    ),
    "import a module written at run time": (
        "open(f'{SCRATCH}/evil.py', 'w').write(f'import os; os.system({CMD!r})')\n"
        "sys.path.insert(0, SCRATCH); import evil"
    ),
    "importlib spec_from_file_location": (
        "open(f'{SCRATCH}/evil2.py', 'w').write(f'import os; os.system({CMD!r})')\n"
        "import importlib.util\n"
        "spec = importlib.util.spec_from_file_location('evil2', f'{SCRATCH}/evil2.py')\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))"
    ),
    "native extension written at run time": (
        "import importlib.util, mmap, shutil\n"
        "shutil.copy(mmap.__file__, f'{SCRATCH}/mmap.so')\n"
        "spec = importlib.util.spec_from_file_location('mmap', f'{SCRATCH}/mmap.so')\n"
        "importlib.util.module_from_spec(spec)"
    ),
    "pickle RCE (__reduce__ to os.system)": "import pickle; pickle.loads(PICKLE)",
    "pickle RCE via builtins.eval": "import pickle; pickle.loads(PICKLE_EVAL)",
    "marshal code object": "import marshal; exec(marshal.loads(MARSHAL))",
}


class _Reduce:
    def __init__(self, target: object, arg: str) -> None:
        self.target, self.arg = target, arg

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return self.target, (self.arg,)


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    with open_world(tmp_path) as opened:
        yield opened


def _blocked(result: dict) -> None:
    assert result["outcome"] == "blocked", result
    assert "faasguard sandbox" in result["error"], result
    assert result["events"], "enforce mode emits a security event for each denial"
    event = result["events"][-1]
    assert event["class_uid"] == 2004 and event["action"] == "Denied"


def _nothing_happened(world: World) -> None:
    time.sleep(0.3)  # let a shell that escaped reach the listener before we look
    assert not world.marker.exists(), "the command ran"
    assert world.listener.accepted == 0, "a connection reached the listener"
    assert list(world.outside.iterdir()) == [], "a file was written outside the write list"
    assert (world.task / "handler.py").read_text().startswith("SECRET")


@pytest.mark.parametrize("body", PROCESS.values(), ids=PROCESS.keys())
def test_process_vectors_are_blocked(world: World, body: str) -> None:
    _blocked(world.run(body))
    _nothing_happened(world)


@pytest.mark.parametrize("body", NETWORK.values(), ids=NETWORK.keys())
def test_network_vectors_are_blocked(world: World, body: str) -> None:
    # the listener's port is not in the list; another local port is, so networking is "on"
    _blocked(world.run(body, network=[f"127.0.0.1:{world.listener.port + 1}"]))
    _nothing_happened(world)


@pytest.mark.parametrize("url", METADATA.values(), ids=METADATA.keys())
def test_metadata_endpoints_are_blocked_even_with_wildcard_rules(world: World, url: str) -> None:
    body = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=2)"
    result = world.run(body, network=["*:80", "10.0.0.0/8"])
    _blocked(result)
    assert result["events"][-1]["finding_info"]["types"] == ["sandbox", "network"]


@pytest.mark.parametrize("url", METADATA_NAMES.values(), ids=METADATA_NAMES.keys())
def test_dns_lookups_of_names_not_allowed_are_blocked(world: World, url: str) -> None:
    body = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=2)"
    result = world.run(body, network=["*.amazonaws.com:443"])
    _blocked(result)
    assert "connection to" in result["error"]


def test_curl_to_metadata_is_blocked_as_a_process(world: World) -> None:
    result = world.run("import subprocess; subprocess.run(['curl', 'http://169.254.169.254/'])")
    _blocked(result)


@pytest.mark.parametrize("body", WRITES.values(), ids=WRITES.keys())
def test_write_vectors_are_blocked(world: World, body: str) -> None:
    (world.scratch / "planted").symlink_to(world.task / "handler.py")
    _blocked(world.run(body))
    _nothing_happened(world)


@pytest.mark.parametrize("body", READS.values(), ids=READS.keys())
def test_read_vectors_are_blocked(world: World, body: str) -> None:
    result = world.run(body)
    _blocked(result)
    leaked = "".join(result["leaked"])
    assert SOURCE_SECRET not in leaked and ENV_SECRET not in leaked


@pytest.mark.parametrize("body", CODE.values(), ids=CODE.keys())
def test_dynamic_code_and_deserialisation_vectors_are_blocked(world: World, body: str) -> None:
    prelude = (
        f"PICKLE = {pickle.dumps(_Reduce(os.system, world.cmd))!r}\n"
        f"PICKLE_EVAL = {pickle.dumps(_Reduce(eval, 'exec(chr(49))'))!r}\n"
        f"MARSHAL = {marshal.dumps(compile(f'import os; os.system({world.cmd!r})', 'm', 'exec'))!r}"
        "\n"
    )
    _blocked(world.run(prelude + body))
    _nothing_happened(world)


def test_killing_another_process_is_blocked(world: World) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _blocked(world.run(f"os.kill({sleeper.pid}, {int(signal.SIGKILL)})"))
        assert sleeper.poll() is None, "the other process was killed"
    finally:
        sleeper.kill()
        sleeper.wait()
