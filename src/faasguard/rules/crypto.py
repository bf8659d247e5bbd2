"""FG5xx: encryption at rest and in transit — keys, buckets, queues, topics, TLS."""

from __future__ import annotations

import re
from collections.abc import Iterator

from faasguard.model import (
    Category,
    EnvVar,
    Finding,
    Function,
    Inventory,
    Location,
    Provider,
    Resource,
    Severity,
    SourceFormat,
    ValueOrigin,
)
from faasguard.rules._registry import Docs, rule
from faasguard.rules._secret_patterns import _NOT_SECRET_NAME, _SECRET_NAME, find_secret

_STORE_ORIGINS = (ValueOrigin.SECRETS_MANAGER, ValueOrigin.KEY_VAULT, ValueOrigin.GCP_SECRET)
_PUBLIC_ACLS = {
    "publicread": Severity.HIGH,
    "public-read": Severity.HIGH,
    "publicreadwrite": Severity.CRITICAL,
    "public-read-write": Severity.CRITICAL,
    "authenticatedread": Severity.HIGH,
    "authenticated-read": Severity.HIGH,
}
_WEAK_TLS = re.compile(r"^(?:TLS_?1_?[01]|TLSV?1(?:\.[01])?|1\.[01])$", re.I)
_CMK_REFERENCES = ("https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html",)


def _named_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def _secret_like(var: EnvVar) -> bool:
    """A value that is (or, once deployed, becomes) a credential in the function configuration.

    Values resolved at deploy time from SSM / Secrets Manager (``${ssm:...}``,
    ``{{resolve:...}}``, a Terraform data source) are written into the configuration in clear
    text too, so they count when the variable is named like a secret or comes from a secret store.
    """
    if var.origin in (ValueOrigin.LITERAL, ValueOrigin.PARAMETER):
        return bool(var.value) and find_secret(var.name, var.value or "") is not None
    if var.origin in _STORE_ORIGINS:
        return True
    return var.origin is ValueOrigin.SSM and _named_secret(var.name)


def _is_deployment_bucket(inventory: Inventory, res: Resource) -> bool:
    """serverless.yml ``provider.deploymentBucket``: checked by FG609, not by the bucket rules."""
    if res.name != "ServerlessDeploymentBucket":
        return False
    kinds = {f.path: f.kind for f in inventory.files}
    return kinds.get(res.location.file, "serverless") == "serverless"


def _buckets(inventory: Inventory) -> Iterator[Resource]:
    for res in inventory.resources:
        if res.kind == "s3-bucket" and not _is_deployment_bucket(inventory, res):
            yield res


def _of_kind(inventory: Inventory, kind: str) -> Iterator[Resource]:
    return (r for r in inventory.resources if r.kind == kind)


def _names(functions: list[Function]) -> str:
    return ", ".join(fn.name for fn in functions)


# --------------------------------------------------------------------------- FG501


@rule(
    "FG501",
    "Secrets in a Lambda environment without a customer-managed KMS key",
    Severity.LOW,
    Category.ENCRYPTION,
    Docs(
        what="A Lambda function whose environment holds secret values — literal credentials, "
        "or values resolved at deploy time from SSM Parameter Store / Secrets Manager "
        "(`${ssm:...}`, `{{resolve:...}}`, a Terraform data source) into a variable named like "
        "a secret — and that sets no customer-managed KMS key for its environment. Functions "
        "whose environment holds no secret are never flagged. One finding at the first secret "
        "variable (a provider-level variable shared by several functions is reported once).",
        why="Without a customer key, Lambda encrypts the environment with the AWS-managed key "
        "and decrypts it for anyone allowed lambda:GetFunctionConfiguration: the console and "
        "the API show the values in clear text. A customer key lets the key policy decide who "
        "may read them. Reading the secret at run time (not through the environment) is better "
        "still. Hardening advice.",
        fix={
            "serverless": "Set `kmsKeyArn:` on the provider or the function (and grant "
            "kms:Decrypt to the role); better, read the secret at run time.",
            "sam": "Set `KmsKeyArn:` on the function or in Globals.Function.",
            "cloudformation": "Set `KmsKeyArn` on AWS::Lambda::Function.",
            "terraform": "Set `kms_key_arn` on aws_lambda_function.",
        },
        example="provider:\n  environment:\n    DB_PASSWORD: ${ssm:/orders/db-password}\n"
        "  # no kmsKeyArn",
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html",
            "https://cwe.mitre.org/data/definitions/311.html",
        ),
    ),
    cwe=311,
    advice=True,
)
def env_secrets_without_cmk(inventory: Inventory) -> Iterator[Finding]:
    groups: dict[Location, list[tuple[Function, list[str]]]] = {}
    for fn in inventory.functions:
        if fn.provider is not Provider.AWS or fn.kms_key:
            continue
        secrets = [var for var in fn.environment if _secret_like(var)]
        if secrets:
            first = min(var.location for var in secrets)
            groups.setdefault(first, []).append((fn, [var.name for var in secrets]))
    for location, pairs in groups.items():
        functions = [fn for fn, _ in pairs]
        variables = sorted({name for _, names in pairs for name in names})
        yield env_secrets_without_cmk.finding(
            f"the environment of {_names(functions)} holds secrets ({', '.join(variables)}) "
            "encrypted only with the AWS-managed key",
            location,
            functions=functions,
            evidence={"variables": variables},
            key="env-kms:" + ",".join(fn.logical_id or fn.name for fn in functions),
        )


# --------------------------------------------------------------------------- S3


@rule(
    "FG502",
    "S3 bucket without an explicit default encryption",
    Severity.INFO,
    Category.ENCRYPTION,
    Docs(
        what="An S3 bucket that declares no default server-side encryption configuration.",
        why="Since January 2023 S3 encrypts every new object with S3-managed keys (SSE-S3), so "
        "such a bucket is not unencrypted; but SSE-S3 gives no control over who can decrypt. "
        "Buckets holding personal or business data should use SSE-KMS with a customer key so "
        "the key policy and CloudTrail cover every read. Hardening advice.",
        fix={
            "serverless": "In resources: BucketEncryption.ServerSideEncryptionConfiguration "
            "with SSEAlgorithm aws:kms and KMSMasterKeyID.",
            "sam": "BucketEncryption.ServerSideEncryptionConfiguration (aws:kms).",
            "cloudformation": "BucketEncryption.ServerSideEncryptionConfiguration (aws:kms).",
            "terraform": "aws_s3_bucket_server_side_encryption_configuration with "
            'sse_algorithm = "aws:kms" and kms_master_key_id.',
        },
        references=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html",
        ),
    ),
    cwe=311,
    advice=True,
)
def bucket_without_encryption(inventory: Inventory) -> Iterator[Finding]:
    for res in _buckets(inventory):
        if res.settings.get("encryption"):
            continue
        yield bucket_without_encryption.finding(
            f"bucket {res.name} declares no default encryption (S3 applies SSE-S3 only)",
            res.location,
            evidence={"bucket": res.name},
            key=f"s3-sse:{res.name}",
        )


@rule(
    "FG503",
    "S3 bucket does not deny requests without TLS",
    Severity.LOW,
    Category.ENCRYPTION,
    Docs(
        what="An S3 bucket whose bucket policy has no Deny statement on "
        '`"aws:SecureTransport": "false"` (a bucket without any bucket policy included). The '
        "serverless framework deployment bucket is not checked (the framework adds the policy "
        "to buckets it creates).",
        why="S3 accepts plain HTTP requests unless the bucket policy refuses them; a "
        "misconfigured client or a downgrade then sends object data and signed requests "
        "readable on the network.",
        fix={
            "serverless": "Add an AWS::S3::BucketPolicy in resources: with a Deny of s3:* for "
            'Principal "*" when aws:SecureTransport is "false".',
            "sam": "Add an AWS::S3::BucketPolicy denying s3:* when aws:SecureTransport is false.",
            "cloudformation": "Add an AWS::S3::BucketPolicy denying s3:* when "
            "aws:SecureTransport is false.",
            "terraform": "aws_s3_bucket_policy with a Deny statement and condition "
            '{ test = "Bool", variable = "aws:SecureTransport", values = ["false"] }.',
        },
        example='Condition:\n  Bool:\n    aws:SecureTransport: "false"',
        references=(
            "https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule",
            "https://cwe.mitre.org/data/definitions/319.html",
        ),
    ),
    cwe=319,
)
def bucket_without_secure_transport(inventory: Inventory) -> Iterator[Finding]:
    for res in _buckets(inventory):
        if res.settings.get("secure_transport_enforced") is True:
            continue
        yield bucket_without_secure_transport.finding(
            f"bucket {res.name} accepts requests over plain HTTP (no aws:SecureTransport deny)",
            res.where("policy") if "policy" in res.locations else res.location,
            evidence={"bucket": res.name},
            key=f"s3-tls:{res.name}",
        )


def _blocks(res: Resource, *flags: str) -> bool:
    block = res.settings.get("public_access_block")
    return isinstance(block, dict) and all(block.get(flag) is True for flag in flags)


@rule(
    "FG504",
    "S3 bucket is public (ACL or bucket policy)",
    Severity.HIGH,
    Category.ENCRYPTION,
    Docs(
        what="An S3 bucket with a public canned ACL (PublicRead, PublicReadWrite, "
        "AuthenticatedRead) or a bucket policy that allows a `*` principal without a "
        "condition, unless its public access block neutralises it (IgnorePublicAcls / "
        "RestrictPublicBuckets).",
        why="Anyone on the internet can list or read (with PublicReadWrite, also overwrite) the "
        "objects: the commonest cloud data leak.",
        fix={
            "serverless": "Remove AccessControl / the public statement; serve public content "
            "through CloudFront with origin access control.",
            "sam": "Remove AccessControl: PublicRead and the `*` principal; keep "
            "PublicAccessBlockConfiguration all true.",
            "cloudformation": "Remove AccessControl: PublicRead and the `*` principal; keep "
            "PublicAccessBlockConfiguration all true.",
            "terraform": 'Remove acl = "public-read" (aws_s3_bucket_acl) and the public policy; '
            "add aws_s3_bucket_public_access_block with all four settings true.",
        },
        references=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
            "https://cwe.mitre.org/data/definitions/732.html",
        ),
    ),
    cwe=732,
)
def public_bucket(inventory: Inventory) -> Iterator[Finding]:
    for res in _buckets(inventory):
        acl = str(res.settings.get("acl") or "")
        severity = _PUBLIC_ACLS.get(acl.lower())
        if severity is not None and not _blocks(res, "IgnorePublicAcls"):
            yield public_bucket.finding(
                f"bucket {res.name} has the public ACL {acl}",
                res.where("acl"),
                evidence={"bucket": res.name, "acl": acl},
                key=f"s3-acl:{res.name}",
                severity=severity,
            )
        if res.settings.get("policy_public") is True and not _blocks(res, "RestrictPublicBuckets"):
            yield public_bucket.finding(
                f"the bucket policy of {res.name} grants access to any principal",
                res.where("policy_public"),
                evidence={"bucket": res.name, "policy_public": True},
                key=f"s3-policy:{res.name}",
            )


@rule(
    "FG505",
    "S3 public access block explicitly disabled",
    Severity.LOW,
    Category.ENCRYPTION,
    Docs(
        what="An S3 bucket whose public access block sets one of BlockPublicAcls, "
        "IgnorePublicAcls, BlockPublicPolicy or RestrictPublicBuckets to false. A bucket with "
        "no public access block is not flagged: since April 2023 new buckets get all four "
        "settings on by default.",
        why="The public access block is the guard rail that keeps a later mistake (a public "
        "ACL, a `*` policy) from exposing the bucket; switching it off removes it.",
        fix={
            "serverless": "PublicAccessBlockConfiguration with all four settings true.",
            "sam": "PublicAccessBlockConfiguration with all four settings true.",
            "cloudformation": "PublicAccessBlockConfiguration with all four settings true.",
            "terraform": "aws_s3_bucket_public_access_block with all four settings true.",
        },
        references=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        ),
    ),
    cwe=732,
)
def public_access_block_disabled(inventory: Inventory) -> Iterator[Finding]:
    for res in _buckets(inventory):
        block = res.settings.get("public_access_block")
        if not isinstance(block, dict):
            continue
        off = sorted(k for k, v in block.items() if v is False)
        if off:
            yield public_access_block_disabled.finding(
                f"bucket {res.name} disables {', '.join(off)}",
                res.where("public_access_block"),
                evidence={"bucket": res.name, "disabled": off},
                key=f"s3-pab:{res.name}",
            )


# --------------------------------------------------------------------------- queues, topics, tables


@rule(
    "FG506",
    "SQS queue with server-side encryption disabled",
    Severity.MEDIUM,
    Category.ENCRYPTION,
    Docs(
        what="An SQS queue that turns SSE-SQS off (`SqsManagedSseEnabled: false`, "
        "`sqs_managed_sse_enabled = false`) and sets no KMS key. Queues that say nothing are "
        "not flagged: SQS enables SSE-SQS on new queues by default since October 2022.",
        why="Messages (often order, payment or user records) are then stored unencrypted at "
        "rest for up to 14 days.",
        fix={
            "serverless": "Remove SqsManagedSseEnabled: false, or set KmsMasterKeyId.",
            "sam": "Remove SqsManagedSseEnabled: false, or set KmsMasterKeyId.",
            "cloudformation": "Remove SqsManagedSseEnabled: false, or set KmsMasterKeyId.",
            "terraform": "sqs_managed_sse_enabled = true, or kms_master_key_id.",
        },
        references=(
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html",
            "https://cwe.mitre.org/data/definitions/311.html",
        ),
    ),
    cwe=311,
)
def queue_without_sse(inventory: Inventory) -> Iterator[Finding]:
    for res in _of_kind(inventory, "sqs-queue"):
        if res.settings.get("sqs_managed_sse") is False and not res.settings.get("kms_key"):
            yield queue_without_sse.finding(
                f"queue {res.name} has server-side encryption turned off",
                res.where("sqs_managed_sse"),
                evidence={"queue": res.name},
                key=f"sqs-sse:{res.name}",
            )


@rule(
    "FG507",
    "SNS topic without KMS encryption",
    Severity.LOW,
    Category.ENCRYPTION,
    Docs(
        what="An SNS topic without a KMS key (`KmsMasterKeyId` / `kms_master_key_id`).",
        why="SNS does not encrypt topics at rest unless a key is set; messages waiting for "
        "delivery are stored in clear. Hardening advice: messages are short-lived.",
        fix={
            "serverless": "Set KmsMasterKeyId on the AWS::SNS::Topic in resources:.",
            "sam": "Set KmsMasterKeyId (alias/aws/sns or a customer key).",
            "cloudformation": "Set KmsMasterKeyId (alias/aws/sns or a customer key).",
            "terraform": 'kms_master_key_id = "alias/aws/sns" (or a customer key).',
        },
        references=("https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",),
    ),
    cwe=311,
    advice=True,
)
def topic_without_kms(inventory: Inventory) -> Iterator[Finding]:
    for res in _of_kind(inventory, "sns-topic"):
        if not res.settings.get("kms_key"):
            yield topic_without_kms.finding(
                f"topic {res.name} is not encrypted with KMS",
                res.location,
                evidence={"topic": res.name},
                key=f"sns-kms:{res.name}",
            )


@rule(
    "FG508",
    "DynamoDB table without a customer-managed KMS key",
    Severity.INFO,
    Category.ENCRYPTION,
    Docs(
        what="A DynamoDB table encrypted with the AWS-owned or AWS-managed key rather than a "
        "customer-managed key.",
        why="DynamoDB always encrypts at rest, but only a customer key lets the key policy "
        "restrict who can read the data and log every use in CloudTrail, and lets you revoke "
        "access by disabling the key. Hardening advice.",
        fix={
            "serverless": "SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId}.",
            "sam": "Use AWS::DynamoDB::Table with SSESpecification.KMSMasterKeyId.",
            "cloudformation": "SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId}.",
            "terraform": "server_side_encryption { enabled = true, kms_key_arn = ... }.",
        },
        references=(
            "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html",
        ),
    ),
    cwe=311,
    advice=True,
)
def table_without_cmk(inventory: Inventory) -> Iterator[Finding]:
    for res in _of_kind(inventory, "dynamodb-table"):
        key = str(res.settings.get("kms_key") or "")
        if key and not key.startswith("alias/aws/"):
            continue
        yield table_without_cmk.finding(
            f"table {res.name} is encrypted with an AWS key, not a customer-managed one",
            res.where("kms_key") if key else res.where("sse_enabled"),
            evidence={"table": res.name},
            key=f"ddb-cmk:{res.name}",
        )


# --------------------------------------------------------------------------- TLS


@rule(
    "FG509",
    "API accepts TLS versions below 1.2",
    Severity.MEDIUM,
    Category.ENCRYPTION,
    Docs(
        what="An API Gateway custom domain (or a SAM Api `Domain`) whose security policy is "
        "TLS_1_0.",
        why="TLS 1.0 and 1.1 are deprecated (RFC 8996) and have known weaknesses; clients can "
        "be downgraded to them.",
        fix={
            "serverless": "Set securityPolicy: tls_1_2 in the custom domain plugin settings, or "
            "SecurityPolicy: TLS_1_2 on the domain in resources:.",
            "sam": "Domain.SecurityPolicy: TLS_1_2",
            "cloudformation": "SecurityPolicy: TLS_1_2 (DomainNameConfigurations for v2).",
            "terraform": 'security_policy = "TLS_1_2"',
        },
        references=(
            "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html",
            "https://cwe.mitre.org/data/definitions/326.html",
        ),
    ),
    cwe=326,
)
def weak_api_tls(inventory: Inventory) -> Iterator[Finding]:
    seen: set[Location] = set()
    # Domains first: a domain's policy is copied to the APIs mapped to it; report the domain.
    ordered = sorted(
        (r for r in inventory.resources if r.kind in ("api-domain", "api")),
        key=lambda r: r.kind != "api-domain",
    )
    for res in ordered:
        policy = str(res.settings.get("min_tls") or "")
        where = res.where("min_tls")
        if not _WEAK_TLS.match(policy) or where in seen:
            continue
        seen.add(where)
        yield weak_api_tls.finding(
            f"{res.name} allows {policy}",
            where,
            evidence={"resource": res.name, "security_policy": policy},
            key=f"tls:{res.name}",
        )


def _tf_app(fn: Function, provider: Provider) -> bool:
    return fn.provider is provider and fn.source_format is SourceFormat.TERRAFORM


@rule(
    "FG512",
    "Function endpoint accepts plain HTTP",
    Severity.MEDIUM,
    Category.ENCRYPTION,
    Docs(
        what="An Azure function app (azurerm_*function_app) without `https_only = true` "
        "(the provider default is false), or a GCP 1st-gen HTTP function with "
        '`https_trigger_security_level = "SECURE_OPTIONAL"`.',
        why="Requests, function keys and responses then travel unencrypted and can be read or "
        "altered on the network.",
        fix={
            "terraform": "azurerm: https_only = true; google_cloudfunctions_function: "
            'https_trigger_security_level = "SECURE_ALWAYS".',
            "azure": "Enable 'HTTPS Only' on the function app.",
            "gcp": "Deploy with --security-level=secure-always.",
        },
        references=(
            "https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https",
            "https://cwe.mitre.org/data/definitions/319.html",
        ),
    ),
    cwe=319,
)
def plain_http_endpoint(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        if _tf_app(fn, Provider.AZURE) and fn.attributes.get("https_only") is not True:
            yield plain_http_endpoint.finding(
                f"function app {fn.name} accepts HTTP (https_only is not true)",
                fn.where("https_only"),
                function=fn,
                evidence={"https_only": fn.attributes.get("https_only")},
                key="https_only",
            )
        level = str(fn.attributes.get("https_security_level") or "")
        if _tf_app(fn, Provider.GCP) and level.upper() == "SECURE_OPTIONAL":
            yield plain_http_endpoint.finding(
                f"function {fn.name} accepts HTTP (security level SECURE_OPTIONAL)",
                fn.where("https_security_level"),
                function=fn,
                evidence={"https_security_level": level},
                key="https_security_level",
            )


@rule(
    "FG513",
    "Function app accepts TLS versions below 1.2",
    Severity.MEDIUM,
    Category.ENCRYPTION,
    Docs(
        what="An Azure function app whose site_config sets `minimum_tls_version` to 1.0 or 1.1.",
        why="TLS 1.0 and 1.1 are deprecated (RFC 8996) and have known weaknesses.",
        fix={
            "terraform": 'site_config { minimum_tls_version = "1.2" }',
            "azure": "Set Minimum TLS Version to 1.2 in the app's TLS/SSL settings.",
        },
        references=(
            "https://learn.microsoft.com/azure/app-service/overview-tls",
            "https://cwe.mitre.org/data/definitions/326.html",
        ),
    ),
    cwe=326,
)
def weak_app_tls(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        version = str(fn.attributes.get("min_tls_version") or "")
        if _tf_app(fn, Provider.AZURE) and _WEAK_TLS.match(version):
            yield weak_app_tls.finding(
                f"function app {fn.name} accepts TLS {version}",
                fn.where("min_tls_version"),
                function=fn,
                evidence={"min_tls_version": version},
                key="min_tls_version",
            )


@rule(
    "FG514",
    "Function app allows plain FTP deployment",
    Severity.MEDIUM,
    Category.ENCRYPTION,
    Docs(
        what='An Azure function app with `ftps_state = "AllAllowed"`.',
        why="Plain FTP sends the deployment credentials and the code in clear text; anyone on "
        "the path can steal them and replace the function's code.",
        fix={
            "terraform": 'site_config { ftps_state = "Disabled" } (or "FtpsOnly")',
            "azure": "Set FTP state to Disabled in the app's configuration.",
        },
        references=(
            "https://learn.microsoft.com/azure/app-service/deploy-ftp#enforce-ftps",
            "https://cwe.mitre.org/data/definitions/319.html",
        ),
    ),
    cwe=319,
)
def ftp_allowed(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        state = str(fn.attributes.get("ftps_state") or "")
        if _tf_app(fn, Provider.AZURE) and state.lower() == "allallowed":
            yield ftp_allowed.finding(
                f"function app {fn.name} allows plain FTP ({state})",
                fn.where("ftps_state"),
                function=fn,
                evidence={"ftps_state": state},
                key="ftps_state",
            )


# --------------------------------------------------------------------------- key hygiene


@rule(
    "FG510",
    "Secrets Manager secret without rotation",
    Severity.LOW,
    Category.ENCRYPTION,
    Docs(
        what="An AWS Secrets Manager secret with no rotation schedule (AWS::SecretsManager::"
        "RotationSchedule / aws_secretsmanager_secret_rotation).",
        why="A secret that never changes stays valid forever once leaked (logs, a former "
        "employee, a compromised function). Hardening advice; third-party API keys may need "
        "a manual rotation process instead.",
        fix={
            "serverless": "Add an AWS::SecretsManager::RotationSchedule in resources:.",
            "sam": "Add an AWS::SecretsManager::RotationSchedule (RotationRules).",
            "cloudformation": "Add an AWS::SecretsManager::RotationSchedule (RotationRules).",
            "terraform": "Add aws_secretsmanager_secret_rotation with rotation_rules.",
        },
        references=(
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html",
        ),
    ),
    cwe=324,
    advice=True,
)
def secret_without_rotation(inventory: Inventory) -> Iterator[Finding]:
    for res in _of_kind(inventory, "secret"):
        if res.provider is Provider.AWS and res.settings.get("rotation") is False:
            yield secret_without_rotation.finding(
                f"secret {res.name} is never rotated",
                res.location,
                evidence={"secret": res.name},
                key=f"secret-rotation:{res.name}",
            )


@rule(
    "FG511",
    "KMS key without automatic rotation",
    Severity.LOW,
    Category.ENCRYPTION,
    Docs(
        what="A customer-managed KMS key without `EnableKeyRotation: true` / "
        "`enable_key_rotation = true`.",
        why="Automatic rotation limits how much data one key version protects. Hardening "
        "advice (asymmetric and HMAC keys cannot rotate and may be ignored).",
        fix={
            "serverless": "EnableKeyRotation: true on the AWS::KMS::Key in resources:.",
            "sam": "EnableKeyRotation: true",
            "cloudformation": "EnableKeyRotation: true",
            "terraform": "enable_key_rotation = true",
        },
        references=(
            *_CMK_REFERENCES,
            "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
        ),
    ),
    cwe=324,
    advice=True,
)
def key_without_rotation(inventory: Inventory) -> Iterator[Finding]:
    for res in _of_kind(inventory, "kms-key"):
        if res.settings.get("rotation") is False:
            yield key_without_rotation.finding(
                f"KMS key {res.name} does not rotate",
                res.where("rotation"),
                evidence={"key": res.name},
                key=f"kms-rotation:{res.name}",
            )
