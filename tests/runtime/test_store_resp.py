"""The standard-library Redis client under the store: URLs, replies, reconnection, ACL users,
databases, unix sockets, TLS and fork."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from faasguard.runtime._resp import Client, ReplyError, Unreachable, encode, parse_url
from faasguard.runtime._store import RedisStore, StoreUnavailable, open_store
from tests.conftest import need
from tests.runtime.conftest import RedisServer, redis_binary


def client(url: str) -> Client:
    return Client(parse_url(url, timeout=2.0))


# ----------------------------------------------------------------- URLs and encoding
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://cache.internal", {"host": "cache.internal", "port": 6379, "db": 0}),
        ("redis://:pw%40x@10.0.0.5:6380/2", {"password": "pw@x", "port": 6380, "db": 2}),
        ("redis://app:s3cret@cache/1", {"username": "app", "password": "s3cret", "db": 1}),
        ("rediss://cache:6380/0?ssl_ca_certs=/etc/ca.pem", {"tls": True, "ca_file": "/etc/ca.pem"}),
        ("unix:///run/redis.sock?db=3&password=pw", {"path": "/run/redis.sock", "db": 3}),
        ("redis://h?socket_timeout=0.05", {"timeout": 0.05, "connect_timeout": 0.05}),
        ("redis://[::1]:7000", {"host": "::1", "port": 7000}),
    ],
)
def test_urls(url: str, expected: dict) -> None:
    endpoint = parse_url(url)
    assert {k: getattr(endpoint, k) for k in expected} == expected
    assert "pw" not in endpoint.shown and "s3cret" not in endpoint.shown


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://", "without a host"),
        ("unix://", "without a socket path"),
        ("redis://h:notaport", "option"),
        ("redis://h/zero", "option"),
        ("redis://h?socket_timeout=-1", "positive"),
    ],
)
def test_bad_urls_are_clear_errors(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedisStore(url)


def test_commands_are_encoded_as_bulk_strings() -> None:
    assert encode(("SET", "k", 1, 2.5, b"\x00")) == (
        b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n$3\r\n2.5\r\n$1\r\n\x00\r\n"
    )


# ----------------------------------------------------------------- against redis-server
def test_reply_types(redis_url: str) -> None:
    redis = client(redis_url)
    assert redis.call("PING") == "PONG"
    assert redis.call("SET", "k", b"\x00\xffbinary\r\n") == "OK"
    assert redis.call("GET", "k") == b"\x00\xffbinary\r\n"
    assert redis.call("GET", "missing") is None
    assert redis.call("INCRBY", "n", 41) == 41
    assert redis.call("EVAL", "return {1, {2, 'x'}, false}", 0) == [1, [2, b"x"], None]
    with pytest.raises(ReplyError, match="WRONGTYPE"):
        redis.call("LPUSH", "k", "v")
    assert redis.call("PING") == "PONG"  # an error reply leaves the connection usable
    big = b"x" * 200_000
    redis.call("SET", "big", big)
    assert redis.call("GET", "big") == big


def test_reconnects_after_the_server_closes_the_connection(redis_url: str) -> None:
    redis = client(redis_url)
    assert redis.call("CLIENT", "SETNAME", "victim") == "OK"
    client(redis_url).call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    assert redis.call("PING") == "PONG"
    assert redis.call("CLIENT", "GETNAME") is None  # a new connection


def test_acl_user_and_wrong_password(redis_server: RedisServer, redis_url: str) -> None:
    admin = client(redis_url)
    admin.call("ACL", "SETUSER", "fg-app", "on", ">app-pw-123", "~faasguard:*", "+@all")
    try:
        url = f"redis://fg-app:app-pw-123@127.0.0.1:{redis_server.port}/0"
        assert open_store(url).first_seen("acl", 60)
        bad = RedisStore(f"redis://fg-app:wrong-pw-456@127.0.0.1:{redis_server.port}/0")
        with pytest.raises(StoreUnavailable, match="AUTH refused") as error:
            bad.first_seen("acl", 60)
        assert "wrong-pw-456" not in str(error.value)
    finally:
        admin.call("ACL", "DELUSER", "fg-app")


def test_database_number_is_selected(redis_server: RedisServer, redis_url: str) -> None:
    store = RedisStore(f"redis://127.0.0.1:{redis_server.port}/3")
    store.sliding("db-test", 5, 60)
    other = client(f"redis://127.0.0.1:{redis_server.port}/3")
    assert other.call("EXISTS", "faasguard:rl:sliding:db-test") == 1
    assert client(redis_url).call("EXISTS", "faasguard:rl:sliding:db-test") == 0


def test_unix_socket(redis_server: RedisServer, redis_url: str) -> None:
    store = RedisStore(f"unix://{redis_server.socket_path}")
    assert [store.sliding("unix", 2, 60).allowed for _ in range(3)] == [True, True, False]
    missing = RedisStore(f"unix://{redis_server.workdir}/nope.sock", cooldown=0)
    with pytest.raises(StoreUnavailable, match="FileNotFoundError"):
        missing.ping()


def _child_call(store: RedisStore, out) -> None:
    out.put(store.sliding("forked", 10, 60).remaining)


def test_a_forked_child_opens_its_own_connection(redis_url: str) -> None:
    store = RedisStore(redis_url)
    assert store.sliding("forked", 10, 60).remaining == 9  # connected in the parent
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_child_call, args=(store, out))
    child.start()
    assert out.get(timeout=30) == 8
    child.join(10)
    assert store.sliding("forked", 10, 60).remaining == 7  # the parent's connection still works


# ----------------------------------------------------------------- TLS
def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_certificates(workdir: Path) -> Path:
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=faasguard test CA", cwd=workdir)  # fmt: skip
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
             cwd=workdir)  # fmt: skip
    (workdir / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext",
             cwd=workdir)  # fmt: skip
    return workdir / "ca.pem"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    need(Path(shutil.which("openssl") or "/usr/bin/openssl"), "openssl", "PATH")
    workdir = tmp_path_factory.mktemp("redis-tls")
    server = RedisServer(str(redis_binary()), workdir, tls_ca=_make_certificates(workdir))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_tls_with_a_private_ca(tls_server: RedisServer) -> None:
    url = f"{tls_server.url}?ssl_ca_certs={tls_server.tls_ca}"
    store = RedisStore(url)
    assert [store.sliding("tls", 2, 60).allowed for _ in range(3)] == [True, True, False]
    assert store.first_seen("tls-nonce", 60)


def test_tls_refuses_an_unknown_certificate_authority(tls_server: RedisServer) -> None:
    store = RedisStore(tls_server.url, cooldown=0)  # system CAs only
    with pytest.raises(StoreUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        store.ping()


def test_plain_text_to_a_tls_port_is_unavailable(tls_server: RedisServer) -> None:
    store = RedisStore(tls_server.url.replace("rediss://", "redis://"), cooldown=0)
    with pytest.raises(StoreUnavailable):
        store.ping()


def test_unreachable_is_not_a_reply_error() -> None:
    with pytest.raises(Unreachable):
        Client(parse_url("redis://127.0.0.1:1/0")).call("PING")
