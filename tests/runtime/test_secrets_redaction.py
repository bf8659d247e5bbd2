"""Properties of secret-value masking: no registered secret, nor a fragment of one cut by an
excerpt window, survives; text without secrets is untouched."""

from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.runtime import _redact
from faasguard.runtime._redact import SECRET_MASK, mask_secrets, register_secret, secret_window

SECRET = "Zq8-tR4!vW2_pL"
TEXT = st.text(alphabet="abcdefghij XYZ'\"=-_:{}0123", max_size=80)


@pytest.fixture(autouse=True)
def clean_registry():
    _redact.clear_secrets()
    register_secret(SECRET)
    yield
    _redact.clear_secrets()


@settings(max_examples=300, deadline=None)
@given(prefix=TEXT, suffix=TEXT, data=st.data())
def test_window_masks_exactly_the_overlapping_secret(prefix, suffix, data):
    text = prefix + SECRET + suffix
    low, high = len(prefix), len(prefix) + len(SECRET)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    window = secret_window(text, start, end)
    if start < high and end > low and start < end:  # the window overlaps the secret
        assert window == text[start:low] + SECRET_MASK + text[high:end]
    else:
        assert window == text[start:end]


@settings(max_examples=300, deadline=None)
@given(prefix=TEXT, middle=TEXT, suffix=TEXT)
def test_masking_leaves_no_occurrence_and_keeps_the_rest(prefix, middle, suffix):
    text = prefix + SECRET + middle + SECRET + suffix
    assert mask_secrets(text) == prefix + SECRET_MASK + middle + SECRET_MASK + suffix
    assert mask_secrets(prefix + middle) == prefix + middle


def test_every_redactor_masks_registered_values():
    for redactor in (_redact.Redactor(), _redact.Redactor(("password",))):
        assert redactor(f"user said {SECRET}") == f"user said {SECRET_MASK}"
        assert redactor.value({"nested": [f"x{SECRET}y"]}) == {"nested": [f"x{SECRET_MASK}y"]}
    assert _redact.redact(f"{SECRET}") == SECRET_MASK


def test_the_registry_is_bounded(monkeypatch):
    monkeypatch.setattr(_redact, "MAX_SECRET_FORMS", 5)
    for i in range(8):
        register_secret(f"bounded-value-{i}")
    assert _redact.registered_secrets() == 5
    assert mask_secrets("bounded-value-7") == SECRET_MASK  # the newest are kept


# ----- adversarial review: the forms a secret takes on its way into a log line
AWKWARD = 'Pässwörd"q\\Z9'


@pytest.mark.parametrize(
    "render",
    [
        lambda v: json.dumps({"password": v}, ensure_ascii=False),  # JSON loggers, non-ASCII kept
        lambda v: json.dumps({"password": v}),
        lambda v: repr({"password": v}),  # a dict or an exception's args in a message
        lambda v: repr(v.encode("utf-8")),
    ],
    ids=["json-utf8", "json-ascii", "repr", "bytes-repr"],
)
def test_escaped_forms_of_a_secret_are_masked(render):
    register_secret(AWKWARD)
    rendered = render(AWKWARD)
    masked = mask_secrets(rendered)
    assert SECRET_MASK in masked and "Z9" not in masked, masked


def test_secret_in_a_log_record_extra_field_is_masked():
    """Structured (JSON) formatters print `extra=` fields next to the message."""
    _redact.protect_log_records()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s token=%(token)s"))
    logger = logging.getLogger("faasguard.tests.extra")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling the API", extra={"token": f"tok:{SECRET}"})
    finally:
        logger.removeHandler(handler)
    assert SECRET not in stream.getvalue()
    assert f"token=tok:{SECRET_MASK}" in stream.getvalue()


def test_numeric_fields_of_a_json_secret_are_masked():
    from faasguard.runtime._secrets_base import register_value

    register_value('{"username": "svc", "pin": 98127364, "port": 5432, "ratio": 0.5}')
    assert mask_secrets("pin 98127364 on port 5432") == f"pin {SECRET_MASK} on port 5432"


@pytest.mark.parametrize(
    "context",
    ["Authorization: {}", '{{"id_token":"{}"}}', "token={}&x=1", "jwt:{} done", "{}"],
)
def test_jwts_are_masked_in_their_usual_contexts(context):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"
    assert _redact.redact(context.format(jwt)) == context.format("[REDACTED:jwt]")


def test_adversarial_token_runs_are_left_alone():
    """Runs shaped to make the JWT and card patterns rescan (measured 0.4-0.8 s per 100 KB
    before; now linear): the text has no JWT and no card, so it comes back unchanged."""
    for text in ("eyJ-" * 5000, " eyJ" + "a-eyJ" * 4000, "4" * 20000, "-eyJab." * 3000):
        assert _redact.redact(text) == text
    assert _redact.redact("card 4111 1111 1111 1111.") == "card [REDACTED:card]."
    assert _redact.redact("order 94111111111111111111") == "order 94111111111111111111"
