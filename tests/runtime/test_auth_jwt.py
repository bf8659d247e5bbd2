"""JWT gate: accepted tokens, claims in the handler, JWKS caching, message tokens, configuration."""

from __future__ import annotations

import json

import pytest

from faasguard.runtime import current_identity, guard
from faasguard.runtime.auth import JWT
from tests.runtime._auth_support import (
    AUDIENCE,
    ISSUER,
    Sink,
    jwks,
    jwks_server,
    keys,
    token,
)
from tests.runtime._guard_events import Context, apigw_v1, apigw_v2, eventbridge, sqs


def handler(event, context):
    identity = current_identity()
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "sub": identity.principal,
                "method": identity.method,
                "tenant": identity.tenant,
                "scope": identity.claims.get("scope"),
                "issuer": identity.issuer,
            }
        ),
    }


def guarded(gate, events=None):
    return guard(auth=gate, detect="off", events=events or Sink())(handler)


def with_auth(event: dict, value: str, name: str = "Authorization") -> dict:
    event["headers"][name] = value
    return event


@pytest.mark.parametrize("key", ["rsa", "ps", "ec", "ed"])
def test_each_asymmetric_algorithm_is_accepted_and_claims_reach_the_handler(key):
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks(), tenant_claim="tenant"))
    response = app(with_auth(apigw_v1(), f"Bearer {token(key)}"), Context())
    assert response["statusCode"] == 200
    seen = json.loads(response["body"])
    assert seen == {
        "sub": "user-8d1f",
        "method": "jwt",
        "tenant": "acme",
        "scope": "orders:read orders:write",
        "issuer": ISSUER,
    }
    assert current_identity() is None  # reset after the invocation


def test_http_api_v2_lower_case_header_and_scheme_case():
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks()))
    event = apigw_v2()
    event["headers"]["authorization"] = f"bearer   {token('ec')}"
    assert app(event, Context())["statusCode"] == 200


def test_missing_token_is_401_with_challenge_and_authentication_event():
    events = Sink()
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks()), events)
    response = app(apigw_v1(), Context())
    assert response["statusCode"] == 401
    assert response["headers"]["WWW-Authenticate"] == 'Bearer realm="api"'
    auth = [e for e in events if e["class_uid"] == 3002]
    assert len(auth) == 1 and auth[0]["status_detail"] == "missing token"


def test_rejection_never_echoes_the_token():
    events = Sink()
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks()), events)
    bad = token("rsa", aud="someone-else")
    response = app(with_auth(apigw_v1(), f"Bearer {bad}"), Context())
    assert response["statusCode"] == 401
    assert 'error="invalid_token"' in response["headers"]["WWW-Authenticate"]
    everything = json.dumps(response) + json.dumps(list(events))
    for part in bad.split("."):
        assert part not in everything
    assert "someone-else" not in everything


def test_audience_and_issuer_lists():
    gate = JWT(
        issuer=["https://other.example/", ISSUER], audience=["billing", AUDIENCE], jwks=jwks()
    )
    app = guarded(gate)
    good = token("rsa", aud=["mobile-app", AUDIENCE])
    assert app(with_auth(apigw_v1(), f"Bearer {good}"), Context())["statusCode"] == 200


def test_clock_skew_leeway_applies_to_exp_and_nbf(monkeypatch):
    import time

    now = int(time.time())
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks(), leeway=60))
    just_expired = token("rsa", exp=now - 30)
    almost_valid = token("rsa", nbf=now + 30, iat=now)
    assert app(with_auth(apigw_v1(), f"Bearer {just_expired}"), Context())["statusCode"] == 200
    assert app(with_auth(apigw_v1(), f"Bearer {almost_valid}"), Context())["statusCode"] == 200
    strict = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks(), leeway=0))
    assert strict(with_auth(apigw_v1(), f"Bearer {just_expired}"), Context())["statusCode"] == 401


def test_tenant_claim_required_when_configured():
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks(), tenant_claim="tenant"))
    assert (
        app(with_auth(apigw_v1(), f"Bearer {token('rsa', tenant=None)}"), Context())["statusCode"]
        == 401
    )


def test_extra_required_claims():
    app = guarded(
        JWT(
            issuer=ISSUER,
            audience=AUDIENCE,
            jwks=jwks(),
            required_claims=("exp", "iss", "aud", "sub", "jti"),
        )
    )
    assert app(with_auth(apigw_v1(), f"Bearer {token('rsa')}"), Context())["statusCode"] == 401
    good = token("rsa", jti="6b1f0e2c")
    assert app(with_auth(apigw_v1(), f"Bearer {good}"), Context())["statusCode"] == 200


def test_hs256_only_with_an_explicit_secret():
    secret = b"k" * 48
    import jwt as pyjwt

    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, secret=secret))
    from tests.runtime._auth_support import claims

    good = pyjwt.encode(claims(), secret, algorithm="HS256")
    assert app(with_auth(apigw_v1(), f"Bearer {good}"), Context())["statusCode"] == 200
    forged = pyjwt.encode(claims(), b"x" * 48, algorithm="HS256")
    assert app(with_auth(apigw_v1(), f"Bearer {forged}"), Context())["statusCode"] == 401
    # an RS256 token does not pass a secret-configured gate
    assert app(with_auth(apigw_v1(), f"Bearer {token('rsa')}"), Context())["statusCode"] == 401


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jwks": None}, "exactly one of jwks= or secret="),
        ({"secret": b"s" * 40}, "exactly one of jwks= or secret="),
        ({"algorithms": ("RS256", "HS256")}, r"HS\* algorithms need an explicit secret="),
        ({"algorithms": ("none",)}, "'none' is not supported"),
        ({"algorithms": ("RS1",)}, "'RS1' is not supported"),
        ({"issuer": ""}, "issuer and audience are required"),
    ],
)
def test_bad_configuration_is_a_clear_error(options, message):
    arguments = {"issuer": ISSUER, "audience": AUDIENCE, "jwks": jwks(), **options}
    with pytest.raises(ValueError, match=message):
        JWT(**arguments)


def test_secret_configuration_errors():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JWT(issuer=ISSUER, audience=AUDIENCE, secret=b"short")
    with pytest.raises(ValueError, match="must all be HS"):
        JWT(issuer=ISSUER, audience=AUDIENCE, secret=b"s" * 40, algorithms=("HS256", "RS256"))
    with pytest.raises(ValueError, match="jwks URL must be https"):
        JWT(issuer=ISSUER, audience=AUDIENCE, jwks="http://idp.example.com/jwks.json")
    with pytest.raises(ValueError, match="no usable signature key"):
        JWT(issuer=ISSUER, audience=AUDIENCE, jwks={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    with pytest.raises(ValueError, match="'keys' list"):
        JWT(issuer=ISSUER, audience=AUDIENCE, jwks={"key": []})


def test_jwks_key_without_use_sig_or_with_private_material_is_ignored():
    rsa = keys()["rsa"]
    document = {"keys": [rsa.jwk(use="enc"), keys()["ec"].jwk()]}
    app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=document))
    assert app(with_auth(apigw_v1(), f"Bearer {token('rsa')}"), Context())["statusCode"] == 401
    assert app(with_auth(apigw_v1(), f"Bearer {token('ec')}"), Context())["statusCode"] == 200
    leaked = {"keys": [{**keys()["ec"].jwk(), "d": "AAAA"}]}
    with pytest.raises(ValueError, match="no usable signature key"):
        JWT(issuer=ISSUER, audience=AUDIENCE, jwks=leaked)


def test_jwks_url_is_fetched_once_and_cached():
    with jwks_server(jwks()) as server:
        app = guarded(JWT(issuer=ISSUER, audience=AUDIENCE, jwks=server.url))
        for key in ("rsa", "ec", "ed", "rsa"):
            response = app(with_auth(apigw_v1(), f"Bearer {token(key)}"), Context())
            assert response["statusCode"] == 200
        assert len(server.hits) == 1


def test_jwks_ttl_expiry_refetches_and_picks_up_rotated_keys():
    with jwks_server({"keys": [keys()["rsa"].jwk()]}) as server:
        gate = JWT(
            issuer=ISSUER, audience=AUDIENCE, jwks=server.url, cache_ttl=0.0, refetch_interval=0.0
        )
        app = guarded(gate)
        assert app(with_auth(apigw_v1(), f"Bearer {token('ec')}"), Context())["statusCode"] == 401
        server.document = {"keys": [keys()["rsa"].jwk(), keys()["ec"].jwk()]}  # rotation
        assert app(with_auth(apigw_v1(), f"Bearer {token('ec')}"), Context())["statusCode"] == 200


def test_unreachable_jwks_gives_503_but_a_missing_token_still_401():
    with jwks_server(jwks()) as server:
        url = server.url
    gate = JWT(issuer=ISSUER, audience=AUDIENCE, jwks=url, fetch_timeout=0.5)
    app = guarded(gate)
    assert app(apigw_v1(), Context())["statusCode"] == 401
    response = app(with_auth(apigw_v1(), f"Bearer {token('rsa')}"), Context())
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "5"


def test_fetch_timeout_is_capped_at_two_seconds():
    gate = JWT(
        issuer=ISSUER, audience=AUDIENCE, jwks="https://idp.example.com/jwks", fetch_timeout=30
    )
    assert gate.verifier.keys.fetch_timeout == 2.0


def test_token_in_sqs_message_attribute_and_eventbridge_detail():
    delivered = []

    def consumer(event, context):
        delivered.append(event)
        return {"statusCode": 200}

    gate = JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks())
    app = guard(auth=gate, detect="off", events=Sink())(consumer)
    event = sqs({"orderId": "o-1"}, {"orderId": "o-2"}, {"orderId": "o-3"})
    records = event["Records"]
    records[0]["messageAttributes"] = {
        "authorization": {"stringValue": f"Bearer {token('ec')}", "dataType": "String"}
    }
    records[1]["messageAttributes"] = {
        "authorization": {"stringValue": token("rsa", aud="other"), "dataType": "String"}
    }
    result = app(event, Context())
    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": records[1]["messageId"]},
            {"itemIdentifier": records[2]["messageId"]},
        ]
    }
    assert [r["messageId"] for r in delivered[0]["Records"]] == [records[0]["messageId"]]
    good = eventbridge({"orderId": "o-9", "authorization": token("ed")})
    assert app(good, Context())["statusCode"] == 200
    assert app(eventbridge({"orderId": "o-9"}), Context())["status"] == 401
