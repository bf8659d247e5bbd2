"""Secrets at run time: providers, a TTL cache with rotation-aware refresh, and redaction.

    from faasguard.runtime.secrets import AWSSecretsManager, get_secret

    password = get_secret("prod/db", field="password")          # AWS Secrets Manager, 300 s
    api_key = get_secret("/app/prod/api-key", provider=SSMParameterStore())
    token = get_secret("prod/token", provider=LambdaExtension())  # no boto3 in the cold start

Every value fetched (and each field of a JSON secret) is registered with the redaction filter:
from then on it is masked in every log record of the process, in responses and in security
events, including after a rotation replaced it. Values shorter than 6 characters are not
masked by value (they would mask ordinary words everywhere); field-name redaction still covers
`"password": "..."`.

Providers import their SDK (boto3, azure-keyvault-secrets, google-cloud-secret-manager, hvac)
when they first fetch; importing this module loads only the standard library. LambdaExtension
(the AWS Parameters and Secrets Lambda Extension on localhost) and Environment need no SDK.
"""

from __future__ import annotations

import threading

from ._redact import MIN_SECRET_CHARS, register_secret
from ._secrets_base import (
    Environment,
    Fetched,
    SecretAccessDenied,
    SecretError,
    SecretNotFound,
    SecretUnavailable,
)
from ._secrets_cache import Secrets

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._secrets_aws import AWSSecretsManager, SSMParameterStore
    from ._secrets_base import Provider
    from ._secrets_cloud import AzureKeyVault, GCPSecretManager
    from ._secrets_extension import LambdaExtension
    from ._secrets_vault import HashiCorpVault

_PROVIDERS = {
    "AWSSecretsManager": "._secrets_aws",
    "SSMParameterStore": "._secrets_aws",
    "AzureKeyVault": "._secrets_cloud",
    "GCPSecretManager": "._secrets_cloud",
    "HashiCorpVault": "._secrets_vault",
    "LambdaExtension": "._secrets_extension",
}

__all__ = [
    "MIN_SECRET_CHARS",
    "AWSSecretsManager",
    "AzureKeyVault",
    "Environment",
    "Fetched",
    "GCPSecretManager",
    "HashiCorpVault",
    "LambdaExtension",
    "SSMParameterStore",
    "SecretAccessDenied",
    "SecretError",
    "SecretNotFound",
    "SecretUnavailable",
    "Secrets",
    "default_secrets",
    "get_secret",
    "register_secret",
]

_default: Secrets | None = None
_default_lock = threading.Lock()


def default_secrets() -> Secrets:
    """The process-wide cache `get_secret` uses (AWS Secrets Manager unless told otherwise)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Secrets()
    return _default


def get_secret(
    name: str, provider: Provider | None = None, ttl: float = 300.0, field: str | None = None
) -> Any:
    """The value of secret `name` (str, bytes, or dict for Vault and SSM paths), or one
    `field` of a JSON secret, cached for `ttl` seconds in the process-wide cache."""
    return default_secrets().get(name, field, provider=provider, ttl=ttl)


def __getattr__(name: str) -> Any:
    module = _PROVIDERS.get(name)  # providers load when named: a function uses one or two
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __package__), name)
    globals()[name] = value
    return value
