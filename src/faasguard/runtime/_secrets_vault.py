"""HashiCorp Vault KV (v1 and v2) provider (hvac, imported when first used)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from ._secrets_base import (
    Fetched,
    SecretAccessDenied,
    SecretNotFound,
    SecretUnavailable,
    digest_version,
    reason,
    shared_client,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_login_lock = threading.Lock()


@dataclass(frozen=True)
class HashiCorpVault:
    """Secrets from a Vault KV engine at `mount` (values are dicts; use `field=`).

    auth "token" (default): `token`, else $VAULT_TOKEN. auth "aws" (default when `role` is
    given): Vault's AWS IAM login with the function's own role credentials, repeated once when
    Vault answers 403 (the token expired).
    """

    url: str
    token: str | None = field(default=None, repr=False)
    role: str | None = None
    auth: str | None = None
    mount: str = "secret"
    kv_version: int = 2
    namespace: str | None = None
    client: Any = None
    verify: bool | str = True
    timeout: float = 5.0
    aws_server_id: str | None = None
    kind = "hashicorp-vault"

    def __post_init__(self) -> None:
        if self.kv_version not in (1, 2):
            raise ValueError(f"HashiCorpVault: kv_version must be 1 or 2, not {self.kv_version!r}")
        if self.method not in ("token", "aws"):
            raise ValueError(f"HashiCorpVault: auth must be 'token' or 'aws', not {self.auth!r}")

    @property
    def method(self) -> str:
        return self.auth or ("aws" if self.role else "token")

    def fetch(self, name: str) -> Fetched:
        import hvac.exceptions as vault

        try:
            client = shared_client(self, self._client)
            try:
                return self._read(client, name)
            except vault.Forbidden:
                if self.method != "aws":
                    raise
                self._login(client)
                return self._read(client, name)
        except vault.InvalidPath as error:
            raise SecretNotFound(
                f"secret {name!r} not found in {self.kind} at {self.mount}/"
            ) from error
        except (vault.Forbidden, vault.Unauthorized) as error:
            raise SecretAccessDenied(
                f"secret {name!r}: {self.kind} refused ({reason(error)})"
            ) from error
        except (SecretNotFound, SecretAccessDenied):
            raise
        except Exception as error:
            raise SecretUnavailable(
                f"secret {name!r}: {self.kind} failed ({reason(error)})"
            ) from error

    def _read(self, client: Any, name: str) -> Fetched:
        if self.kv_version == 1:
            answer = client.secrets.kv.v1.read_secret(path=name, mount_point=self.mount)
            data = answer["data"]
            return Fetched(data, digest_version(data))
        answer = client.secrets.kv.v2.read_secret_version(
            path=name, mount_point=self.mount, raise_on_deleted_version=True
        )
        data = answer["data"]
        return Fetched(data["data"], str(data["metadata"]["version"]))

    def _client(self) -> Any:
        import hvac

        token = self.token or os.environ.get("VAULT_TOKEN")
        client = hvac.Client(
            url=self.url, token=token, namespace=self.namespace, verify=self.verify,
            timeout=self.timeout,
        )  # fmt: skip
        if self.method == "aws":
            self._login(client)
        elif not token:
            raise SecretAccessDenied(f"{self.kind}: no token (pass token= or set VAULT_TOKEN)")
        return client

    def _login(self, client: Any) -> None:
        import boto3

        with _login_lock:
            credentials = boto3.session.Session().get_credentials()
            if credentials is None:
                raise SecretAccessDenied(f"{self.kind}: no AWS credentials for the IAM login")
            frozen = credentials.get_frozen_credentials()
            import hvac.exceptions as vault

            try:
                client.auth.aws.iam_login(
                    frozen.access_key, frozen.secret_key, frozen.token,
                    header_value=self.aws_server_id, role=self.role, use_token=True,
                )  # fmt: skip
            except (vault.InvalidRequest, vault.Forbidden, vault.Unauthorized) as error:
                raise SecretAccessDenied(
                    f"{self.kind}: AWS IAM login as role {self.role!r} refused ({reason(error)})"
                ) from error
