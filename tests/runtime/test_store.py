"""The shared store: rate-limit primitives and the replay cache, in process and in Redis."""

from __future__ import annotations

import multiprocessing
import socket
import time

import pytest

from faasguard.runtime._resp import Client, parse_url
from faasguard.runtime._store import (
    MemoryStore,
    RedisStore,
    StoreUnavailable,
    namespaced,
    open_store,
)
from tests.runtime.conftest import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory(clock: Clock) -> MemoryStore:
    return MemoryStore(clock=clock)


# ----------------------------------------------------------------- in-process, controlled clock
def test_gcra_admits_burst_then_sustained_rate(memory: MemoryStore, clock: Clock) -> None:
    verdicts = [memory.gcra("client", rate_per_s=2, burst=4) for _ in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 4 + [False] * 2
    assert [v.remaining for v in verdicts[:4]] == [3, 2, 1, 0]
    assert verdicts[4].retry_after_s == pytest.approx(0.5)
    clock.advance(0.5)
    assert memory.gcra("client", 2, 4).allowed
    assert not memory.gcra("client", 2, 4).allowed
    clock.advance(10)  # a long pause refills the whole burst, never more
    assert sum(memory.gcra("client", 2, 4).allowed for _ in range(10)) == 4


def test_gcra_cost_and_retry_after(memory: MemoryStore, clock: Clock) -> None:
    assert memory.gcra("batch", rate_per_s=1, burst=5, cost=3).remaining == 2
    denied = memory.gcra("batch", 1, 5, cost=3)
    assert not denied.allowed and denied.retry_after_s == pytest.approx(1.0)
    clock.advance(1.0)
    assert memory.gcra("batch", 1, 5, cost=3).allowed


def test_sliding_window_is_exact(memory: MemoryStore, clock: Clock) -> None:
    allowed = []
    for _ in range(10):  # 10 requests, 1 s apart, limit 3 per 5 s
        allowed.append(memory.sliding("ip", limit=3, window_s=5).allowed)
        clock.advance(1)
    assert allowed == [True, True, True, False, False, True, True, True, False, False]
    clock.now = 2_000_000_000.0
    for _ in range(3):
        memory.sliding("fresh", 3, 60)
        clock.advance(10)
    denied = memory.sliding("fresh", 3, 60)
    assert not denied.allowed
    assert denied.retry_after_s == pytest.approx(30.0)  # the oldest leaves 60 s after it came
    assert denied.remaining == 0


def test_fixed_quota_resets_at_period_boundary(memory: MemoryStore, clock: Clock) -> None:
    clock.now = 86_400.0 * 20_000 + 86_000  # 400 s before midnight UTC
    assert [memory.fixed("tenant", 2, 86_400).allowed for _ in range(3)] == [True, True, False]
    denied = memory.fixed("tenant", 2, 86_400)
    assert denied.retry_after_s == pytest.approx(400.0)
    clock.advance(400)
    assert memory.fixed("tenant", 2, 86_400).allowed


def test_keys_are_independent(memory: MemoryStore) -> None:
    assert [memory.sliding("a", 1, 60).allowed for _ in range(2)] == [True, False]
    assert memory.sliding("b", 1, 60).allowed


def test_first_seen_expires_after_ttl(memory: MemoryStore, clock: Clock) -> None:
    assert memory.first_seen("delivery-1", 300)
    assert not memory.first_seen("delivery-1", 300)
    clock.advance(299)
    assert not memory.first_seen("delivery-1", 300)
    clock.advance(2)
    assert memory.first_seen("delivery-1", 300)


def test_memory_store_is_bounded(clock: Clock) -> None:
    store = MemoryStore(clock=clock, max_keys=100)
    for i in range(1000):
        store.sliding(f"ip-{i}", 5, 60)
        store.first_seen(f"nonce-{i}", 60)
    assert len(store._logs) <= 100 and len(store._seen) <= 100
    assert not store.first_seen("nonce-999", 60)  # recent entries survive


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.gcra("k", 0, 1), "gcra"),
        (lambda s: s.gcra("k", 1, 0), "gcra"),
        (lambda s: s.sliding("k", 0, 1), "window"),
        (lambda s: s.fixed("k", 1, 0), "window"),
    ],
)
def test_bad_parameters_are_clear_errors(memory: MemoryStore, call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(memory)


def test_open_store_urls() -> None:
    assert open_store(None) is open_store(None)
    assert isinstance(open_store("memory://"), MemoryStore)
    with pytest.raises(ValueError, match="not supported"):
        open_store("memcached://127.0.0.1:11211")
    with pytest.raises(ValueError, match="not supported") as error:
        open_store("http://user:hunter2@example.com")
    assert "hunter2" not in str(error.value)


def test_long_keys_are_hashed() -> None:
    key = namespaced("seen", "x" * 5000)
    assert key.startswith("faasguard:seen:sha256:") and len(key) < 100


# ----------------------------------------------------------------- Redis
def _client(url: str) -> Client:
    return Client(parse_url(url, timeout=2.0))


def test_redis_gcra_and_retry_after(redis_url: str) -> None:
    store = open_store(redis_url)
    verdicts = [store.gcra("rl-test", rate_per_s=10 / 60, burst=5) for _ in range(7)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 2
    assert [v.remaining for v in verdicts[:5]] == [4, 3, 2, 1, 0]
    assert 5.5 < verdicts[5].retry_after_s <= 6.0  # one emission interval, 6 s, minus elapsed


def test_redis_sliding_window(redis_url: str) -> None:
    store = open_store(redis_url)
    verdicts = [store.sliding("api", limit=3, window_s=60) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0, 0]
    assert 59.0 < verdicts[3].retry_after_s <= 60.0
    assert not store.sliding("api", 3, 60, cost=5).allowed  # can never fit


def test_redis_sliding_window_slides(redis_url: str) -> None:
    store = open_store(redis_url)
    assert [store.sliding("short", 2, 0.3).allowed for _ in range(3)] == [True, True, False]
    time.sleep(0.35)
    assert store.sliding("short", 2, 0.3).allowed


def test_redis_fixed_quota(redis_url: str) -> None:
    store = open_store(redis_url)
    assert [store.fixed("tenant:acme", 3, 86_400).allowed for _ in range(4)] == [True] * 3 + [False]
    denied = store.fixed("tenant:acme", 3, 86_400)
    assert 0 < denied.retry_after_s <= 86_400 and denied.remaining == 0


def test_redis_keys_are_namespaced_with_ttl(redis_url: str) -> None:
    store = open_store(redis_url)
    store.gcra("k1", 5, 5)
    store.sliding("k2", 5, 60)
    store.fixed("k3", 5, 3600)
    store.first_seen("k4", 30)
    client = _client(redis_url)
    keys = sorted(k.decode() for k in client.call("KEYS", "*"))
    assert keys == [
        "faasguard:rl:fixed:k3", "faasguard:rl:gcra:k1", "faasguard:rl:sliding:k2",
        "faasguard:seen:k4",
    ]  # fmt: skip
    for key in keys:
        assert 0 < client.call("PTTL", key) <= 3_601_000, key


def test_redis_reloads_scripts_after_script_flush(redis_url: str) -> None:
    store = open_store(redis_url)
    assert store.sliding("flush", 2, 60).allowed
    _client(redis_url).call("SCRIPT", "FLUSH")
    assert store.sliding("flush", 2, 60).remaining == 0  # EVAL fallback, state kept
    assert not store.sliding("flush", 2, 60).allowed


def _race_first_seen(url: str, key: str, start: multiprocessing.synchronize.Event, out) -> None:
    store = open_store(url)
    start.wait(10)
    out.put(sum(store.first_seen(key, 60) for _ in range(25)))


def test_redis_first_seen_has_exactly_one_winner_across_processes(redis_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_race_first_seen, args=(redis_url, "sig:abc123", start, out))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    start.set()
    wins = [out.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(10)
    assert sum(wins) == 1


def test_redis_down_raises_store_unavailable_and_recovers(redis_server, redis_url: str) -> None:
    store = RedisStore(redis_url, timeout=0.1, cooldown=0.2)
    assert store.first_seen("before", 60)
    redis_server.stop()
    with pytest.raises(StoreUnavailable, match=r"127\.0\.0\.1"):
        store.sliding("down", 5, 60)
    with pytest.raises(StoreUnavailable, match="cooling down"):
        store.first_seen("down", 60)  # fails fast, no network
    redis_server.start()
    time.sleep(0.25)
    assert store.sliding("down", 5, 60).allowed
    assert store.ping()


def test_redis_url_password_never_in_errors(redis_server) -> None:
    store = RedisStore(f"redis://nobody:s3cr3t-pw@127.0.0.1:{redis_server.port}/0", cooldown=0)
    with pytest.raises(StoreUnavailable) as error:
        store.sliding("k", 1, 1)  # no such user: AUTH fails
    assert "s3cr3t-pw" not in str(error.value)


def test_redis_first_seen_expires(redis_url: str) -> None:
    store = open_store(redis_url)
    assert store.first_seen("nonce-7", 0.001)  # a 1 ms probe, as the signed-event gate uses
    assert store.first_seen("nonce-8", 0.2)
    assert not store.first_seen("nonce-8", 0.2)
    time.sleep(0.25)
    assert store.first_seen("nonce-8", 0.2)
    assert store.first_seen("nonce-7", 0.001)


def test_a_hung_redis_is_unavailable_not_a_hang() -> None:
    """A server that accepts connections and never answers: the read timeout fires."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        store = RedisStore(f"redis://127.0.0.1:{port}/0?socket_timeout=0.05", cooldown=0)
        with pytest.raises(StoreUnavailable, match="timed out"):
            store.gcra("k", 1, 1)
        with pytest.raises(StoreUnavailable, match="timed out"):
            store.first_seen("k", 1)
