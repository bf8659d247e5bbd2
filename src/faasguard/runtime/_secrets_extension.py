"""AWS Parameters and Secrets Lambda Extension provider: standard library only (no boto3).

The extension (an AWS-published Lambda layer) serves Secrets Manager and SSM values on
localhost, authenticated with the function's session token. Reading through it keeps boto3 (and
its import time) out of the cold start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import urlencode

from ._secrets_base import (
    Fetched,
    SecretAccessDenied,
    SecretNotFound,
    SecretUnavailable,
    digest_version,
    reason,
)

_NOT_FOUND = ("ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound")
_DENIED = ("AccessDenied", "DecryptionFailure", "UnrecognizedClient", "KMSAccessDenied")


@dataclass(frozen=True)
class LambdaExtension:
    """`service` "secretsmanager" (version ids track rotations) or "ssm"; the port comes from
    $PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (default 2773) unless given."""

    service: str = "secretsmanager"
    port: int | None = None
    version_stage: str = "AWSCURRENT"
    with_decryption: bool = True
    timeout: float = 2.0
    host: str = "localhost"
    kind = "aws-lambda-extension"

    def __post_init__(self) -> None:
        if self.service not in ("secretsmanager", "ssm"):
            raise ValueError(
                f"LambdaExtension: service must be 'secretsmanager' or 'ssm', not {self.service!r}"
            )

    def fetch(self, name: str) -> Fetched:
        token = os.environ.get("AWS_SESSION_TOKEN")
        if not token:
            raise SecretAccessDenied(f"secret {name!r}: {self.kind} needs AWS_SESSION_TOKEN")
        answer = self._get(name, token)
        if self.service == "ssm":
            parameter = answer.get("Parameter") or {}
            if "Value" not in parameter:
                raise SecretUnavailable(f"secret {name!r}: {self.kind} answer has no Parameter")
            return Fetched(parameter["Value"], str(parameter.get("Version", "")))
        value = answer.get("SecretString")
        if value is None and answer.get("SecretBinary") is not None:
            import base64

            value = base64.b64decode(answer["SecretBinary"])
        if value is None:
            raise SecretNotFound(f"secret {name!r} in {self.kind} has no value")
        return Fetched(value, str(answer.get("VersionId") or digest_version(value)))

    def _url(self, name: str) -> str:
        port = self.port or int(os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773"))
        if self.service == "ssm":
            decrypt = "true" if self.with_decryption else "false"
            query = urlencode({"name": name, "withDecryption": decrypt})
            return f"http://{self.host}:{port}/systemsmanager/parameters/get?{query}"
        query = urlencode({"secretId": name, "versionStage": self.version_stage})
        return f"http://{self.host}:{port}/secretsmanager/get?{query}"

    def _get(self, name: str, token: str) -> dict:
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        request = Request(self._url(name), headers={"X-Aws-Parameters-Secrets-Token": token})
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except HTTPError as error:
            body = error.read(2048).decode("utf-8", "replace")
            raise self._translate(name, error.code, body) from error
        except Exception as error:
            raise SecretUnavailable(
                f"secret {name!r}: {self.kind} failed ({reason(error)})"
            ) from error

    def _translate(self, name: str, status: int, body: str) -> Exception:
        deleted = "InvalidRequestException" in body and "delet" in body  # as in _secrets_aws
        if status == 404 or deleted or any(code in body for code in _NOT_FOUND):
            return SecretNotFound(f"secret {name!r} not found via {self.kind} (HTTP {status})")
        if status in (401, 403) or any(code in body for code in _DENIED):
            return SecretAccessDenied(f"secret {name!r}: {self.kind} refused (HTTP {status})")
        return SecretUnavailable(f"secret {name!r}: {self.kind} failed (HTTP {status})")
