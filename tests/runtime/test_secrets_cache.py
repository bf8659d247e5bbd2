"""The secrets cache (TTL, jitter, rotation, stale-while-error, threads) and redaction of the
values it fetches in logs, responses and security events."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
import threading

import pytest

from faasguard.runtime import _redact, guard
from faasguard.runtime.secrets import (
    Environment,
    Fetched,
    SecretAccessDenied,
    SecretError,
    SecretNotFound,
    Secrets,
    SecretUnavailable,
    get_secret,
    register_secret,
)
from tests.runtime._guard_events import GOOD_ORDER, Context, apigw_v1
from tests.runtime.conftest import Clock

pytestmark = pytest.mark.usefixtures("clean_secret_registry")


class Store:
    """A provider whose content, failures and call count the test controls."""

    kind = "test-store"

    def __init__(self, **values: object) -> None:
        self.values: dict[str, tuple[object, str]] = {k: (v, "v1") for k, v in values.items()}
        self.calls = 0
        self.down = False
        self.denied = False
        self.gate: threading.Event | None = None

    def put(self, name: str, value: object) -> None:
        version = int(self.values[name][1][1:]) + 1 if name in self.values else 1
        self.values[name] = (value, f"v{version}")

    def fetch(self, name: str) -> Fetched:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.down:
            raise ConnectionError("connection refused by 10.0.0.9:443")
        if self.denied:
            raise SecretAccessDenied(f"secret {name!r}: refused")
        if name not in self.values:
            raise SecretNotFound(f"secret {name!r} not found in {self.kind}")
        value, version = self.values[name]
        return Fetched(value, version)  # type: ignore[arg-type]


def test_ttl_serves_from_cache_then_refetches():
    store, clock = Store(api_key="key-abcdef-123"), Clock(5000.0)
    cache = Secrets(store, ttl=100, jitter=0.0, clock=clock)
    assert cache.get("api_key") == "key-abcdef-123"
    clock.now += 99
    assert cache.get("api_key") == "key-abcdef-123"
    assert store.calls == 1
    clock.now += 1
    cache.get("api_key")
    assert store.calls == 2


def test_per_call_ttl_and_zero_ttl():
    store, clock = Store(a="value-aaaaaa"), Clock(5000.0)
    cache = Secrets(store, ttl=300, jitter=0.0, clock=clock)
    cache.get("a", ttl=0)
    cache.get("a", ttl=0)
    assert store.calls == 2
    cache.get("a", ttl=10)
    clock.now += 11
    cache.get("a")
    assert store.calls == 4


def test_jitter_spreads_expiry_within_bounds():
    expiries = []
    for seed in range(40):
        store, clock = Store(a="value-aaaaaa"), Clock(5000.0)
        cache = Secrets(store, ttl=100, jitter=0.2, clock=clock, rng=random.Random(seed))
        cache.get("a")
        for second in range(70, 102):
            clock.now = 5000.0 + second
            cache.get("a")
            if store.calls == 2:
                expiries.append(second)
                break
    assert len(expiries) == 40
    assert all(80 <= second <= 100 for second in expiries)
    assert len(set(expiries)) > 10  # a fleet started together does not refresh together


def test_rotation_calls_the_hook_and_old_values_stay_masked():
    store, clock = Store(db="old-password-1"), Clock(5000.0)
    seen: list[tuple[str, str, str]] = []
    events: list[dict] = []
    cache = Secrets(
        store, ttl=60, clock=clock, on_rotation=lambda *a: seen.append(a), on_event=events.append
    )
    cache.get("db")
    store.put("db", "new-password-2")
    clock.now += 61
    assert cache.get("db") == "new-password-2"
    assert seen == [("db", "v1", "v2")]
    assert events[-1] == {
        "event": "secret.rotated", "secret": "db", "provider": "test-store",
        "previous_version": "v1", "version": "v2",
    }  # fmt: skip
    assert (
        _redact.redact("old-password-1 / new-password-2") == "[REDACTED:secret] / [REDACTED:secret]"
    )


def test_a_failing_rotation_hook_does_not_break_the_fetch(caplog):
    store = Store(db="old-password-1")
    cache = Secrets(store, on_rotation=lambda *a: 1 / 0)
    cache.get("db")
    store.put("db", "new-password-2")
    assert cache.refresh("db") == "new-password-2"
    assert "on_rotation hook failed" in caplog.text


def test_stale_while_error_is_bounded_and_announced(caplog):
    store, clock = Store(token="tok-stale-0001"), Clock(5000.0)
    events: list[dict] = []
    cache = Secrets(
        store, ttl=60, jitter=0.0, stale_grace=120, retry_after=10, clock=clock,
        on_event=events.append,
    )  # fmt: skip
    cache.get("token")
    store.down = True
    clock.now += 61
    with caplog.at_level(logging.WARNING, logger="faasguard.secrets"):
        assert cache.get("token") == "tok-stale-0001"
    assert "refresh failed (ConnectionError" in caplog.text
    assert events[-1]["event"] == "secret.stale" and events[-1]["age_s"] == 61.0
    calls = store.calls
    clock.now += 5
    cache.get("token")  # within retry_after: the provider is not asked again
    assert store.calls == calls
    clock.now += 6
    cache.get("token")
    assert store.calls == calls + 1
    clock.now = 5000 + 60 + 120 + 1  # past the grace period
    with pytest.raises(SecretUnavailable, match="'token' from test-store unavailable"):
        cache.get("token")
    assert events[-1]["event"] == "secret.unavailable"
    store.down = False
    assert cache.get("token") == "tok-stale-0001"


def test_unavailable_without_a_cached_value():
    store = Store(token="tok-0000000")
    store.down = True
    with pytest.raises(SecretUnavailable, match="ConnectionError"):
        Secrets(store).get("token")


@pytest.mark.parametrize("failure", ["denied", "deleted"])
def test_denied_or_deleted_is_never_bridged_by_the_cache(failure):
    store, clock = Store(token="tok-0000000"), Clock(5000.0)
    cache = Secrets(store, ttl=60, clock=clock)
    cache.get("token")
    if failure == "denied":
        store.denied = True
    else:
        del store.values["token"]
    clock.now += 61
    with pytest.raises(SecretAccessDenied if failure == "denied" else SecretNotFound):
        cache.get("token")


def test_auth_failure_refreshes_once_per_version():
    store = Store(db="pw-before-rot")
    cache = Secrets(store, ttl=3600)
    cache.get("db")
    store.put("db", "pw-after-rot")
    assert cache.report_auth_failure("db") == "pw-after-rot"
    calls = store.calls
    for _ in range(20):  # the new value is wrong too: no flood of fetches
        assert cache.report_auth_failure("db") == "pw-after-rot"
    assert store.calls == calls


def test_auth_failures_during_an_outage_do_not_hammer_the_provider():
    store, clock = Store(db="pw-before-rot"), Clock(5000.0)
    cache = Secrets(store, ttl=60, retry_after=10, clock=clock)
    cache.get("db")
    store.down = True
    assert cache.report_auth_failure("db") == "pw-before-rot"  # stale, announced
    calls = store.calls
    for _ in range(20):
        assert cache.report_auth_failure("db") == "pw-before-rot"
    assert store.calls == calls
    clock.now += 11
    store.down = False
    store.put("db", "pw-after-rot")
    assert cache.report_auth_failure("db") == "pw-after-rot"


def test_concurrent_misses_fetch_once():
    store = Store(db="pw-threads-01")
    store.gate = threading.Event()
    cache = Secrets(store)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("db"))) for _ in range(16)]
    for thread in threads:
        thread.start()
    store.gate.set()
    for thread in threads:
        thread.join(10)
    assert results == ["pw-threads-01"] * 16
    assert store.calls == 1


def test_concurrent_rotation_under_load_never_returns_a_wrong_value():
    store, clock = Store(db="value-0000"), Clock(5000.0)
    cache = Secrets(store, ttl=1, jitter=0.5, clock=clock)
    valid = {f"value-{i:04d}" for i in range(200)}
    bad: list[object] = []

    def reader() -> None:
        for _ in range(300):
            value = cache.get("db")
            if value not in valid:
                bad.append(value)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(1, 200):
        store.put("db", f"value-{i:04d}")
        clock.now += 1
    for thread in threads:
        thread.join(30)
    assert bad == []


def test_json_fields_and_their_errors():
    creds = {"username": "svc_orders", "password": "Pa55-w0rd!", "host": "db.internal", "n": 3}
    store = Store(db=json.dumps(creds), plain="just-a-string", raw=b"\x89PNG-not-text\xff")
    cache = Secrets(store)
    assert cache.get("db", "password") == "Pa55-w0rd!"
    assert cache.get("db", "n") == 3
    with pytest.raises(SecretNotFound, match="secret 'db' has no field 'pasword'"):
        cache.get("db", "pasword")
    with pytest.raises(SecretError, match="'plain' is not a JSON object"):
        cache.get("plain", "password")
    with pytest.raises(SecretError, match="not a JSON object"):
        cache.get("raw", "x")
    text = _redact.redact('{"u": "svc_orders", "p": "Pa55-w0rd!", "h": "db.internal"}')
    assert "Pa55-w0rd!" not in text and "svc_orders" not in text and "db.internal" not in text


def test_dict_values_and_binary_forms_are_registered():
    store = Store(vault={"api_key": "vault-key-1234", "pin": "1234"}, bin=b"\x00\x01\x02binary!")
    cache = Secrets(store)
    assert cache.get("vault", "api_key") == "vault-key-1234"
    cache.get("bin")
    assert "vault-key-1234" not in _redact.redact("key vault-key-1234")
    assert _redact.redact("pin 1234 and order 1234") == "pin 1234 and order 1234"  # too short
    assert "AAECYmluYXJ5IQ==" not in _redact.redact("blob AAECYmluYXJ5IQ==")  # base64 form


def test_short_values_are_not_masked_but_reported():
    assert register_secret("admin") is False
    assert register_secret("s3cr3t") is True
    assert _redact.redact("admin logged in with s3cr3t") == "admin logged in with [REDACTED:secret]"


def test_escaped_and_multiline_forms_are_masked():
    register_secret('quo"te\\back-slash')
    assert _redact.SECRET_MASK in _redact.redact(json.dumps({"v": 'quo"te\\back-slash'}))
    pem = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n"
        "AASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"
    )
    register_secret(pem)
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEF" not in _redact.redact(
        "line: MIIEvQIBADANBgkqhkiG9w0BAQEF"
    )
    register_secret("p@ss word&more")
    assert _redact.SECRET_MASK in _redact.redact("GET /?pw=p%40ss%20word%26more")


def test_longer_secret_masked_whole_when_it_contains_a_shorter_one():
    register_secret("abcdef")
    register_secret("abcdef-ghijkl")
    assert _redact.redact("x abcdef-ghijkl y abcdef") == "x [REDACTED:secret] y [REDACTED:secret]"


def test_environment_provider():
    env = {"APP_DB_PASSWORD": "env-secret-99"}
    cache = Secrets(Environment(prefix="APP_"))
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        assert cache.get("DB_PASSWORD") == "env-secret-99"
        with pytest.raises(SecretNotFound, match="APP_MISSING is not set"):
            cache.get("MISSING")


def test_get_secret_uses_one_process_wide_cache(monkeypatch):
    monkeypatch.setenv("GS_TOKEN", "proc-wide-token")
    first = get_secret("GS_TOKEN", provider=Environment())
    monkeypatch.setenv("GS_TOKEN", "changed-token")
    assert get_secret("GS_TOKEN", provider=Environment()) == first  # equal providers share


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="jitter"):
        Secrets(Store(), jitter=1.5)


# ----- the secret never reaches logs, responses or security events


def _guarded(cache: Secrets, events: list[dict]):
    @guard(detect="block", events=events.append)
    def handler(event, context):
        password = cache.get("db", "password")
        logging.getLogger("orders.handler").warning("connecting as svc with %s", password)
        if "boom" in event.get("path", ""):
            raise RuntimeError(f"login failed for password {password}")
        return {"statusCode": 200, "body": json.dumps({"debug": f"pw={password}"})}

    return handler


def test_guarded_handler_logs_and_returns_the_secret_masked(caplog):
    cache = Secrets(Store(db=json.dumps({"password": "Db-Pa55-XYZ-789"})))
    events: list[dict] = []
    handler = _guarded(cache, events)
    with caplog.at_level(logging.INFO):
        response = handler(apigw_v1(GOOD_ORDER), Context())
    assert response["statusCode"] == 200
    assert "Db-Pa55-XYZ-789" not in response["body"]
    assert "[REDACTED:secret]" in response["body"]
    assert "Db-Pa55-XYZ-789" not in caplog.text
    assert "connecting as svc with [REDACTED:secret]" in caplog.text


def test_exceptions_carrying_the_secret_are_masked_in_the_guard_log(caplog):
    cache = Secrets(Store(db=json.dumps({"password": "Db-Pa55-XYZ-789"})))
    handler = _guarded(cache, [])
    event = apigw_v1(GOOD_ORDER)
    event["path"] = "/orders/boom"
    with caplog.at_level(logging.INFO):
        response = handler(event, Context())
    assert response["statusCode"] == 500
    assert "Db-Pa55-XYZ-789" not in caplog.text
    assert "Db-Pa55-XYZ-789" not in response["body"]


@pytest.mark.parametrize(
    ("note", "overlaps"),
    [("Db-Pa55-XYZ-789' OR '1'='1", True), ("x' UNION SELECT 1 -- Db-Pa55-XYZ-789", False)],
)
def test_security_event_excerpts_mask_even_a_fragment_of_the_secret(note, overlaps):
    cache = Secrets(Store(db=json.dumps({"password": "Db-Pa55-XYZ-789"})))
    cache.get("db")
    events: list[dict] = []
    handler = _guarded(cache, events)
    attack = {**GOOD_ORDER, "note": note}
    response = handler(apigw_v1(attack), Context())
    assert response["statusCode"] == 403
    findings = [e for e in events if e.get("class_uid") == 2004]
    assert findings, "the injection must produce a detection finding"
    excerpts = " ".join(str(e["unmapped"].get("excerpt", "")) for e in findings)
    for fragment in ("Db-Pa5", "a55-XY", "YZ-789", "-XYZ-"):
        assert fragment not in json.dumps(events)
    assert ("[REDACTED:secret]" in excerpts) is overlaps


def test_logs_of_a_child_process_handler_are_masked():
    # Root handler as the Lambda runtime installs it, configured before any secret exists.
    code = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO, format='%(message)s')\n"
        "from faasguard.runtime.secrets import Secrets, Environment\n"
        "value = Secrets(Environment()).get('CHILD_SECRET')\n"
        "logging.getLogger('any.module').info('value=%s', value)\n"
        "try:\n"
        "    raise ValueError(value)\n"
        "except ValueError:\n"
        "    logging.getLogger().exception('failed')\n"
    )
    env = {"CHILD_SECRET": "child-proc-secret-5", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "child-proc-secret-5" not in out
    assert out.count("[REDACTED:secret]") == 2  # the message and the traceback


def test_importing_the_secrets_module_loads_only_the_standard_library():
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import faasguard.runtime.secrets as s\n"
        "s.Secrets, s.AWSSecretsManager, s.AzureKeyVault, s.GCPSecretManager, s.HashiCorpVault\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(sorted(new - set(sys.stdlib_module_names) - {'faasguard'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('faasguard.') and\n"
        "             not m.startswith('faasguard.runtime')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "[]"]
