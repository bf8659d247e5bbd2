"""Azure Key Vault and GCP Secret Manager providers (their SDKs imported when first used)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._secrets_base import (
    Fetched,
    SecretAccessDenied,
    SecretError,
    SecretNotFound,
    SecretUnavailable,
    reason,
    shared_client,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

_KEY_VAULT_NAME = re.compile(r"[0-9A-Za-z-]{1,127}")
_GCP_SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_GCP_RESOURCE = re.compile(r"projects/[^/]+/secrets/[^/]+/versions/[^/]+")


@dataclass(frozen=True)
class AzureKeyVault:
    """Azure Key Vault secrets. `credential` defaults to azure-identity's
    DefaultAzureCredential (managed identity inside Azure Functions); `options` go to
    SecretClient (e.g. connection_verify, verify_challenge_resource)."""

    vault_url: str
    credential: Any = None
    client: Any = None
    version: str | None = None
    options: Mapping[str, Any] | None = field(default=None, hash=False)
    kind = "azure-key-vault"

    def fetch(self, name: str) -> Fetched:
        if not _KEY_VAULT_NAME.fullmatch(name):
            raise SecretNotFound(
                f"secret {name!r}: Key Vault names are 1-127 letters, digits and dashes"
            )
        client = shared_client(self, self._client)
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
        )

        try:
            secret = client.get_secret(name, self.version)
        except ResourceNotFoundError as error:
            raise SecretNotFound(f"secret {name!r} not found in {self.kind}") from error
        except ClientAuthenticationError as error:
            raise SecretAccessDenied(
                f"secret {name!r}: {self.kind} refused ({reason(error)})"
            ) from error
        except HttpResponseError as error:
            if error.status_code == 403:
                raise SecretAccessDenied(
                    f"secret {name!r}: {self.kind} refused access (403)"
                ) from error
            raise SecretUnavailable(
                f"secret {name!r}: {self.kind} failed ({reason(error)})"
            ) from error
        except Exception as error:
            raise SecretUnavailable(
                f"secret {name!r}: {self.kind} failed ({reason(error)})"
            ) from error
        if secret.value is None:
            raise SecretNotFound(f"secret {name!r} in {self.kind} has no value")
        return Fetched(secret.value, str(secret.properties.version or ""))

    def _client(self) -> Any:
        from azure.keyvault.secrets import SecretClient

        credential = self.credential
        if credential is None:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError as error:
                raise SecretError(
                    "AzureKeyVault: pass credential= or install azure-identity"
                ) from error
            credential = DefaultAzureCredential()
        return SecretClient(self.vault_url, credential, **dict(self.options or {}))


@dataclass(frozen=True)
class GCPSecretManager:
    """Google Cloud Secret Manager: payloads are checked against their CRC32C and returned as
    str when they are UTF-8, else bytes. `name` may also be a full version resource name."""

    project: str
    client: Any = None
    version: str = "latest"
    credentials: Any = None
    transport: str | None = None
    options: Mapping[str, Any] | None = field(default=None, hash=False)
    timeout: float = 5.0
    kind = "gcp-secret-manager"

    def fetch(self, name: str) -> Fetched:
        resource = self._resource(name)
        client = shared_client(self, self._client)
        from google.api_core import exceptions as api
        from google.api_core.retry import Retry, if_transient_error

        # The SDK's default retries a failing backend for 60 s: far past a function's deadline.
        retry = Retry(predicate=if_transient_error, initial=0.1, maximum=1.0, timeout=self.timeout)
        try:
            answer = client.access_secret_version(
                request={"name": resource}, timeout=self.timeout, retry=retry
            )
        except (api.NotFound, api.FailedPrecondition) as error:
            raise SecretNotFound(f"secret {name!r} not found or disabled in {self.kind}") from error
        except (
            api.PermissionDenied,
            api.Unauthenticated,
            api.Forbidden,
            api.Unauthorized,
        ) as error:
            raise SecretAccessDenied(
                f"secret {name!r}: {self.kind} refused ({reason(error)})"
            ) from error
        except Exception as error:
            raise SecretUnavailable(
                f"secret {name!r}: {self.kind} failed ({reason(error)})"
            ) from error
        data = bytes(answer.payload.data)
        payload = type(answer.payload).pb(answer.payload)
        if payload.HasField("data_crc32c") and payload.data_crc32c != crc32c(data):
            raise SecretUnavailable(f"secret {name!r} from {self.kind}: CRC32C mismatch")
        try:
            value: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            value = data
        return Fetched(value, answer.name.rsplit("/", 1)[-1])

    def _resource(self, name: str) -> str:
        if _GCP_RESOURCE.fullmatch(name):
            return name
        if not _GCP_SECRET_ID.fullmatch(name):
            raise SecretNotFound(f"secret {name!r}: GCP secret ids are letters, digits, _ and -")
        return f"projects/{self.project}/secrets/{name}/versions/{self.version}"

    def _client(self) -> Any:
        from google.cloud import secretmanager

        kwargs: dict[str, Any] = {}
        if self.credentials is not None:
            kwargs["credentials"] = self.credentials
        if self.transport is not None:
            kwargs["transport"] = self.transport
        if self.options:
            kwargs["client_options"] = dict(self.options)
        return secretmanager.SecretManagerServiceClient(**kwargs)


def _crc32c_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C: tuple[int, ...] = ()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), as Secret Manager computes it; secrets are small."""
    global _CRC32C
    if not _CRC32C:
        _CRC32C = _crc32c_table()
    table = _CRC32C
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF
