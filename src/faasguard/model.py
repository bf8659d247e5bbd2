"""The shared vocabulary: what a serverless application is, as every loader and rule sees it.

Every loader produces an :class:`Inventory`; every rule reads only the :class:`Inventory`.
Data classes are frozen: loaders build them once, rules never mutate them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from faasguard._frozen import fast_pickle


class Provider(enum.StrEnum):
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"


class SourceFormat(enum.StrEnum):
    SERVERLESS = "serverless"
    SAM = "sam"
    CLOUDFORMATION = "cloudformation"
    TERRAFORM = "terraform"
    AZURE_FUNCTIONS = "azure-functions"


class Location(NamedTuple):
    """A place in a file the user wrote. Lines and columns are 1-based.

    A named tuple, not a dataclass: a scan makes one per located YAML node (~100,000 on a large
    tree), and tuples are built, hashed and pickled (to and from loader processes) in C."""

    file: str
    line: int = 1
    column: int = 1
    end_line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __reduce__(self) -> tuple[Any, ...]:
        # the C tuple constructor: namedtuple's own __new__ is Python code, run per location
        return tuple.__new__, (Location, tuple(self))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line, "column": self.column}
        if self.end_line is not None:
            out["end_line"] = self.end_line
        return out


class ValueOrigin(enum.StrEnum):
    """Where an environment value comes from. Only LITERAL values are written in the source."""

    LITERAL = "literal"
    PARAMETER = "parameter"  # template parameter / variable with a default or override
    SSM = "ssm"
    SECRETS_MANAGER = "secrets-manager"
    KEY_VAULT = "key-vault"
    GCP_SECRET = "gcp-secret"
    REFERENCE = "reference"  # a reference to another resource (Ref, GetAtt, Terraform attribute)
    UNRESOLVED = "unresolved"

    @property
    def is_secret_store(self) -> bool:
        return self in _SECRET_STORES


_SECRET_STORES = frozenset(
    {ValueOrigin.SSM, ValueOrigin.SECRETS_MANAGER, ValueOrigin.KEY_VAULT, ValueOrigin.GCP_SECRET}
)


@fast_pickle
@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: str | None
    origin: ValueOrigin
    location: Location
    expression: str | None = None  # the raw text when it differs from value (e.g. "${ssm:/x}")


@fast_pickle
@dataclass(frozen=True, slots=True)
class Layer:
    ref: str  # ARN, name or logical reference as written (after resolution)
    location: Location
    resolved: bool = True


class TriggerKind(enum.StrEnum):
    HTTP_REST = "http-rest"
    HTTP_API = "http-api"
    FUNCTION_URL = "function-url"
    ALB = "alb"
    SQS = "sqs"
    SNS = "sns"
    S3 = "s3"
    SCHEDULE = "schedule"
    EVENTBRIDGE = "eventbridge"
    STREAM = "stream"  # DynamoDB / Kinesis / Kafka / MQ
    COGNITO = "cognito"
    IOT = "iot"
    WEBSOCKET = "websocket"
    CLOUDWATCH_LOGS = "cloudwatch-logs"
    ALEXA = "alexa"
    AZURE_HTTP = "azure-http"
    AZURE_EVENT = "azure-event"  # queue, blob, timer, service bus, event hub, cosmos...
    GCP_HTTP = "gcp-http"
    GCP_EVENT = "gcp-event"
    INVOKE = "invoke"  # a resource policy (lambda:InvokeFunction) for some principal
    OTHER = "other"

    @property
    def is_http(self) -> bool:
        return self in _HTTP_KINDS


_HTTP_KINDS = frozenset(
    {
        TriggerKind.HTTP_REST,
        TriggerKind.HTTP_API,
        TriggerKind.FUNCTION_URL,
        TriggerKind.ALB,
        TriggerKind.WEBSOCKET,
        TriggerKind.AZURE_HTTP,
        TriggerKind.GCP_HTTP,
    }
)


class AuthKind(enum.StrEnum):
    NONE = "none"
    IAM = "iam"
    JWT = "jwt"
    LAMBDA_AUTHORIZER = "lambda-authorizer"
    API_KEY = "api-key"
    COGNITO = "cognito"
    PRIVATE = "private"  # private API / VPC-only ingress / internal
    FUNCTION_KEY = "function-key"  # Azure function/admin keys
    SERVICE = "service"  # invoked by an AWS service / event source, not by a caller
    UNKNOWN = "unknown"


@fast_pickle
@dataclass(frozen=True, slots=True)
class Cors:
    origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    location: Location | None = None


@fast_pickle
@dataclass(frozen=True, slots=True)
class Throttling:
    rate_limit: float | None = None
    burst_limit: int | None = None
    quota: int | None = None  # usage plan quota, when known
    location: Location | None = None


@fast_pickle
@dataclass(frozen=True, slots=True)
class Trigger:
    """Something that can invoke a function, and how a caller must prove who they are."""

    kind: TriggerKind
    location: Location
    auth: AuthKind = AuthKind.UNKNOWN
    public: bool | None = None  # None: cannot be known statically
    api_key_required: bool = False
    method: str | None = None
    path: str | None = None
    source: str | None = None  # queue/topic/bucket/rule/ARN/principal as written
    api: str | None = None  # the API (logical id or name) an HTTP route belongs to
    authorizer: str | None = None
    cors: Cors | None = None
    throttling: Throttling | None = None
    condition: Mapping[str, Any] = field(
        default_factory=dict
    )  # permission conditions (SourceArn, SourceAccount...)
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return self.auth not in (AuthKind.NONE, AuthKind.UNKNOWN)

    @property
    def label(self) -> str:
        if self.kind.is_http:
            route = " ".join(p for p in (self.method, self.path) if p)
            return f"{self.kind.value} {route}".strip()
        return f"{self.kind.value} {self.source or ''}".strip()


class PolicyKind(enum.StrEnum):
    INLINE = "inline"
    MANAGED = "managed"  # AWS or customer managed, by name or ARN
    SAM_TEMPLATE = "sam-template"


@fast_pickle
@dataclass(frozen=True, slots=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    location: Location
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    condition: Mapping[str, Any] = field(default_factory=dict)
    sid: str | None = None

    @property
    def allows(self) -> bool:
        return self.effect.lower() == "allow"


@fast_pickle
@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    kind: PolicyKind
    location: Location
    statements: tuple[Statement, ...] = ()
    arn: str | None = None
    template: str | None = None  # SAM policy template name
    parameters: Mapping[str, Any] = field(default_factory=dict)
    expanded: bool = True  # False when the statements could not be known (unknown managed policy)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Role:
    name: str  # logical name or role name as written
    location: Location
    policies: tuple[Policy, ...] = ()
    arn: str | None = None
    external: bool = False  # referenced by ARN/name, defined outside the project
    permissions_boundary: str | None = None

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(s for p in self.policies for s in p.statements)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Resource:
    """A cloud resource the project declares: bucket, table, queue, topic, secret, key, API..."""

    kind: str  # "s3-bucket", "dynamodb-table", "sqs-queue", "sns-topic", "secret", "kms-key", ...
    name: str  # logical id / Terraform address
    location: Location
    provider: Provider = Provider.AWS
    type: str = ""  # the native type: "AWS::S3::Bucket", "aws_s3_bucket"
    physical_name: str | None = None
    arn: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    locations: Mapping[str, Location] = field(
        default_factory=dict
    )  # setting name -> where it is written
    conditional: bool = False

    def where(self, setting: str) -> Location:
        return self.locations.get(setting, self.location)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Destinations:
    on_failure: str | None = None
    on_success: str | None = None


@fast_pickle
@dataclass(frozen=True, slots=True)
class Vpc:
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()


@fast_pickle
@dataclass(frozen=True, slots=True)
class Function:
    name: str
    provider: Provider
    source_format: SourceFormat
    location: Location
    logical_id: str | None = None
    runtime: str | None = None
    handler: str | None = None
    code_path: str | None = None  # directory or file of the code, relative to the scan root
    package_type: str | None = None  # "Zip" | "Image"
    architecture: str | None = None
    timeout: int | None = None  # seconds; None = platform default
    memory: int | None = None  # MB; None = platform default
    reserved_concurrency: int | None = None
    provisioned_concurrency: int | None = None
    environment: tuple[EnvVar, ...] = ()
    layers: tuple[Layer, ...] = ()
    vpc: Vpc | None = None
    tracing: str | None = None  # "Active" | "PassThrough" | None
    kms_key: str | None = None
    dead_letter: str | None = None
    destinations: Destinations | None = None
    code_signing: str | None = None
    versioned: bool = False
    alias: str | None = None
    log_retention_days: int | None = None
    triggers: tuple[Trigger, ...] = ()
    role: Role | None = None
    reachable: tuple[str, ...] = ()  # Resource.name values the role can act on
    conditional: bool = False  # CFN Condition / Terraform count/for_each not statically known
    locations: Mapping[str, Location] = field(
        default_factory=dict
    )  # setting name -> where it is written
    attributes: Mapping[str, Any] = field(
        default_factory=dict
    )  # provider-specific extras (Azure auth level, GCP ingress)

    def where(self, setting: str) -> Location:
        return self.locations.get(setting, self.location)

    @property
    def id(self) -> str:
        return f"{self.location.file}:{self.logical_id or self.name}"


class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return _SEVERITY_LABELS[self]  # a list: Enum.name and Enum.__hash__ run Python code

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}; use one of: " + ", ".join(s.label for s in cls)
            ) from None


_SEVERITY_LABELS = [s.name.lower() for s in sorted(Severity)]


class Category(enum.StrEnum):
    INPUT = "input"  # the scan could not read something
    IAM = "iam"
    TRIGGERS = "triggers"
    LIMITS = "limits"
    SECRETS = "secrets"
    ENCRYPTION = "encryption"
    DEPLOYMENT = "deployment"
    SUPPLY_CHAIN = "supply-chain"
    CODE = "code"


class DiagnosticLevel(enum.StrEnum):
    ERROR = "error"  # a file or element could not be read: becomes a finding
    WARNING = "warning"  # something was read only partly (unresolved variable, unknown policy)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something the loaders could not read or resolve. Never dropped: reported and counted."""

    level: DiagnosticLevel
    code: str  # "parse-error", "too-large", "binary", "unresolved-variable", ...
    message: str
    location: Location


@fast_pickle
@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative to the scan root, '/'-separated
    kind: str  # "serverless", "cloudformation", "sam", "terraform", "azure-function", ...
    size: int = 0


class DependencySource(enum.StrEnum):
    REGISTRY = "registry"  # PyPI / the npm registry
    URL = "url"  # a direct archive URL
    VCS = "vcs"  # git+https://..., github:owner/repo
    PATH = "path"  # a local directory or file


@fast_pickle
@dataclass(frozen=True, slots=True)
class Dependency:
    """One package a manifest or lock file names. ``version`` is the exact version installed when
    the file pins it (a lock file, ``==1.2.3``), else None; ``specifier`` is what was written."""

    name: str  # as written
    ecosystem: str  # OSV ecosystem name: "PyPI" | "npm"
    location: Location
    version: str | None = None
    specifier: str = ""  # "==1.2.3", ">=2,<3", "^4.1.0", "git+https://...", "" for none
    direct: bool | None = None  # None: the format does not say
    source: DependencySource = DependencySource.REGISTRY
    url: str | None = None
    hashes: tuple[str, ...] = ()  # "sha256:<hex>", "sha512-<base64>" (npm integrity) as written
    licenses: tuple[str, ...] = ()  # SPDX ids or names, where the file records them
    requires: tuple[str, ...] = ()  # names of the dependencies it depends on (the graph)
    extras: tuple[str, ...] = ()
    marker: str = ""  # PEP 508 environment marker as written
    dev: bool = False  # a development-only dependency (not deployed)
    optional: bool = False


@fast_pickle
@dataclass(frozen=True, slots=True)
class Manifest:
    """A dependency file: a manifest (what is asked for) or a lock file (what is installed)."""

    path: str  # relative to the scan root, '/'-separated
    kind: str  # "requirements", "pyproject", "poetry.lock", "Pipfile.lock", "uv.lock",
    #            "pylock.toml", "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml"
    ecosystem: str  # "PyPI" | "npm"
    location: Location
    dependencies: tuple[Dependency, ...] = ()
    lock: bool = False
    hash_checking: bool = False  # the project opted into hash checking (--require-hashes, --hash)
    functions: tuple[str, ...] = ()  # Function.id of the functions whose code or layer holds it
    lock_for: str | None = None  # for a lock file: the manifest path it locks, when known
    # Package indexes the file adds to the default one (--extra-index-url), with where.
    extra_indexes: tuple[tuple[str, Location], ...] = ()


@fast_pickle
@dataclass(frozen=True, slots=True)
class Inventory:
    root: str
    functions: tuple[Function, ...] = ()
    resources: tuple[Resource, ...] = ()
    roles: tuple[Role, ...] = ()
    files: tuple[SourceFile, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    manifests: tuple[Manifest, ...] = ()  # dependency manifests and lock files

    def function(self, name: str) -> Function:
        for fn in self.functions:
            if fn.name == name or fn.logical_id == name:
                return fn
        raise KeyError(name)

    def resource(self, name: str) -> Resource:
        for res in self.resources:
            if res.name == name:
                return res
        raise KeyError(name)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    category: Category
    message: str
    location: Location
    function: str | None = None
    cwe: int | None = None
    advice: bool = False  # hardening advice, not a security finding; not gated by default
    evidence: Mapping[str, Any] = field(default_factory=dict)
    related: tuple[tuple[str, Location], ...] = ()  # (what, where) e.g. the trigger, the policy
    fingerprint: str = ""
    extra_tags: tuple[str, ...] = field(default=())
    # Filled by faasguard.reach: how exposed the function is, what its role can do, the path an
    # attacker follows (entry trigger -> function -> role -> resources) and the resulting rank.
    exposure: str | None = None
    privilege: str | None = None
    chain: tuple[tuple[str, Location], ...] = ()
    rank: int = 0


REF_PREFIX = "ref:"


def reference(name: str, attribute: str | None = None) -> str:
    """How loaders write a reference to another declared resource inside a string value.

    ``!GetAtt OrdersTable.Arn`` becomes ``ref:OrdersTable.Arn``; a Terraform
    ``aws_s3_bucket.data.arn`` becomes ``ref:aws_s3_bucket.data.arn``. The linker matches these
    to :attr:`Resource.name`.
    """
    return f"{REF_PREFIX}{name}.{attribute}" if attribute else f"{REF_PREFIX}{name}"
