"""AWS Secrets Manager and SSM Parameter Store providers (boto3, imported when first used)."""

from __future__ import annotations

from dataclasses import dataclass

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

_NOT_FOUND = frozenset(
    {"ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound"}
)
_DENIED = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "DecryptionFailure",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "InvalidKeyId",
        "KMSAccessDeniedException",
    }
)


def _boto_client(service: str, region: str | None, endpoint_url: str | None, timeout: float) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=min(timeout, 2.0),
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    # A session per client: boto3's default session is not safe to share across threads.
    session = boto3.session.Session()
    return session.client(service, region_name=region, endpoint_url=endpoint_url, config=config)


def _translate(error: Exception, name: str, kind: str) -> Exception:
    code = ""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
    if code in _NOT_FOUND or (code == "InvalidRequestException" and "delet" in str(error)):
        return SecretNotFound(f"secret {name!r} not found in {kind} ({code})")
    if code in _DENIED:
        return SecretAccessDenied(f"secret {name!r}: {kind} refused access ({code})")
    return SecretUnavailable(f"secret {name!r}: {kind} failed ({reason(error)})")


@dataclass(frozen=True)
class AWSSecretsManager:
    """AWS Secrets Manager: SecretString as str, SecretBinary as bytes; `version_stage`
    AWSCURRENT (default) or AWSPREVIOUS / AWSPENDING; the version id tracks rotations."""

    region: str | None = None
    endpoint_url: str | None = None
    client: Any = None
    version_stage: str = "AWSCURRENT"
    timeout: float = 5.0
    kind = "aws-secrets-manager"

    def fetch(self, name: str) -> Fetched:
        client = shared_client(
            self,
            lambda: _boto_client("secretsmanager", self.region, self.endpoint_url, self.timeout),
        )
        try:
            answer = client.get_secret_value(SecretId=name, VersionStage=self.version_stage)
        except Exception as error:
            raise _translate(error, name, self.kind) from error
        value = answer.get("SecretString")
        if value is None:
            value = answer.get("SecretBinary")
        if value is None:
            raise SecretNotFound(f"secret {name!r} in {self.kind} has no value")
        return Fetched(value, str(answer.get("VersionId") or digest_version(value)))


@dataclass(frozen=True)
class SSMParameterStore:
    """SSM Parameter Store. A name ending in "/" reads the whole hierarchy below it
    (recursively) into a dict keyed by the path relative to it."""

    with_decryption: bool = True
    region: str | None = None
    endpoint_url: str | None = None
    client: Any = None
    timeout: float = 5.0
    kind = "aws-ssm-parameter-store"

    def fetch(self, name: str) -> Fetched:
        client = shared_client(
            self, lambda: _boto_client("ssm", self.region, self.endpoint_url, self.timeout)
        )
        try:
            if name.endswith("/"):
                return self._fetch_path(client, name)
            answer = client.get_parameter(Name=name, WithDecryption=self.with_decryption)
        except (SecretNotFound, SecretAccessDenied):
            raise
        except Exception as error:
            raise _translate(error, name, self.kind) from error
        parameter = answer["Parameter"]
        return Fetched(parameter["Value"], str(parameter.get("Version", "")))

    def _fetch_path(self, client: Any, path: str) -> Fetched:
        values: dict[str, str] = {}
        versions: list[str] = []
        pages = client.get_paginator("get_parameters_by_path").paginate(
            Path=path.rstrip("/") or "/", Recursive=True, WithDecryption=self.with_decryption
        )
        for page in pages:
            for parameter in page.get("Parameters", ()):
                relative = (
                    parameter["Name"][len(path) :]
                    if parameter["Name"].startswith(path)
                    else parameter["Name"]
                )
                values[relative] = parameter["Value"]
                versions.append(f"{parameter['Name']}={parameter.get('Version', '')}")
        if not values:
            raise SecretNotFound(f"no parameters under {path!r} in {self.kind}")
        return Fetched(values, digest_version(",".join(sorted(versions))))
