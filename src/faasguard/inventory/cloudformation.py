"""AWS CloudFormation and SAM templates (YAML short-form intrinsics and JSON).

One :class:`Template` reads a whole template in a few linear passes: index the resources, declare
what stands alone (functions, roles, buckets, queues, APIs...), attach what refers to others
(permissions, event source mappings, API methods and routes, policies, log groups...), then freeze
everything into model objects. SAM semantics (Globals, implicit APIs, events, policy templates)
live in :mod:`faasguard.inventory._sam`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from faasguard._located import LDict, location_of
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._intrinsics import (
    NOVALUE,
    Resolver,
    refs_in,
    render,
)
from faasguard.inventory._read import load_document
from faasguard.model import (
    REF_PREFIX,
    AuthKind,
    Cors,
    Destinations,
    EnvVar,
    Function,
    Layer,
    Location,
    Policy,
    PolicyKind,
    Provider,
    Resource,
    Role,
    SourceFormat,
    Statement,
    Throttling,
    Trigger,
    TriggerKind,
    ValueOrigin,
    Vpc,
    reference,
)

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
ADMIN_POLICY = "AdministratorAccess"

# Native type -> Resource kind for resources that are declared on their own.
RESOURCE_KINDS = {
    "AWS::S3::Bucket": "s3-bucket",
    "AWS::SQS::Queue": "sqs-queue",
    "AWS::SNS::Topic": "sns-topic",
    "AWS::DynamoDB::Table": "dynamodb-table",
    "AWS::Serverless::SimpleTable": "dynamodb-table",
    "AWS::KMS::Key": "kms-key",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::Logs::LogGroup": "log-group",
    "AWS::Lambda::LayerVersion": "layer",
    "AWS::Serverless::LayerVersion": "layer",
    "AWS::SSM::Parameter": "ssm-parameter",
    "AWS::Kinesis::Stream": "kinesis-stream",
    "AWS::StepFunctions::StateMachine": "state-machine",
    "AWS::Serverless::StateMachine": "state-machine",
    "AWS::Events::EventBus": "event-bus",
    "AWS::Lambda::CodeSigningConfig": "code-signing-config",
    "AWS::ApiGateway::RestApi": "api",
    "AWS::ApiGatewayV2::Api": "api",
    "AWS::ApiGateway::DomainName": "api-domain",
    "AWS::ApiGatewayV2::DomainName": "api-domain",
    "AWS::IAM::Role": "iam-role",
}
_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_AUTH_OF_METHOD = {
    "NONE": AuthKind.NONE,
    "AWS_IAM": AuthKind.IAM,
    "CUSTOM": AuthKind.LAMBDA_AUTHORIZER,
    "COGNITO_USER_POOLS": AuthKind.COGNITO,
    "JWT": AuthKind.JWT,
}
_SERVICE_ROLE_POLICIES = frozenset(
    {
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaVPCAccessExecutionRole",
        "AWSLambdaKinesisExecutionRole",
        "AWSLambdaDynamoDBExecutionRole",
        "AWSLambdaSQSQueueExecutionRole",
        "AWSLambdaMSKExecutionRole",
        "AWSLambdaENIManagementAccess",
        "AWSLambdaRole",
        "AWSIoTRuleActions",
        "AWSConfigRulesExecutionRole",
    }
)


# -- drafts: mutable while the template loads, frozen into model objects at the end ------------


@dataclass
class RoleDraft:
    name: str
    location: Location
    policies: list[Policy] = field(default_factory=list)
    arn: str | None = None
    external: bool = False
    permissions_boundary: str | None = None
    frozen: Role | None = None

    def freeze(self) -> Role:
        if self.frozen is None:
            self.frozen = Role(
                self.name,
                self.location,
                tuple(self.policies),
                self.arn,
                self.external,
                self.permissions_boundary,
            )
        return self.frozen


@dataclass
class FnDraft:
    logical_id: str
    location: Location
    source_format: SourceFormat
    fields: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    conditional: bool = False
    physical_name: str | None = None
    role_lid: str | None = None  # an AWS::IAM::Role of this template
    role: RoleDraft | None = None  # SAM-generated or external

    def set(self, name: str, value: Any, loc: Location | None) -> None:
        if value is not None:
            self.fields[name] = value
        if loc is not None:
            self.locations[name] = loc


@dataclass
class ResDraft:
    kind: str
    name: str
    location: Location
    type: str
    physical_name: str | None = None
    arn: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    conditional: bool = False

    def set(self, name: str, value: Any, loc: Location | None = None) -> None:
        self.settings[name] = value
        if loc is not None:
            self.locations[name] = loc

    def freeze(self) -> Resource:
        return Resource(
            kind=self.kind,
            name=self.name,
            location=self.location,
            type=self.type,
            physical_name=self.physical_name,
            arn=self.arn,
            settings=self.settings,
            locations=self.locations,
            conditional=self.conditional,
        )


class Entry(NamedTuple):
    lid: str
    type: str
    props: LDict
    loc: Location  # the line of the logical id
    conditional: bool
    node: LDict


# -- entry points --------------------------------------------------------------------------------


def load_file(candidate: Candidate, ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    doc = load_document(candidate, result)
    if doc is None:
        return result
    if not isinstance(doc, LDict):
        result.error(
            "invalid",
            f"a template must be a mapping at the top level, not {_type_name(doc)}",
            location_of(doc, Location(candidate.rel)),
        )
        return result
    load_template(doc, candidate.rel, ctx, result, source_format=detect_format(doc))
    return result


def load_template(
    doc: LDict,
    file: str,
    ctx: LoadContext,
    result: LoadResult,
    *,
    source_format: SourceFormat,
) -> None:
    """Read a CloudFormation/SAM template (or a serverless.yml ``resources:`` block) into result."""
    if not isinstance(doc, dict):
        result.error("invalid", "template is not a mapping", location_of(doc, Location(file)))
        return
    Template(doc, file, ctx, result, source_format).load()


def detect_format(doc: Any) -> SourceFormat:
    if not isinstance(doc, dict):
        return SourceFormat.CLOUDFORMATION
    transform = doc.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    if any(isinstance(n, str) and n.strip() == SAM_TRANSFORM for n in names):
        return SourceFormat.SAM
    resources = doc.get("Resources")
    if isinstance(resources, dict):
        for res in resources.values():
            if isinstance(res, dict) and str(res.get("Type", "")).startswith("AWS::Serverless::"):
                return SourceFormat.SAM
    return SourceFormat.CLOUDFORMATION


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


# -- the template --------------------------------------------------------------------------------


class Template:
    def __init__(
        self,
        doc: LDict,
        file: str,
        ctx: LoadContext,
        result: LoadResult,
        source_format: SourceFormat,
    ) -> None:
        self.doc = doc
        self.file = file
        self.ctx = ctx
        self.result = result
        self.format = source_format
        self.is_sam = detect_format(doc) is SourceFormat.SAM
        self.r = Resolver(doc, file, ctx, result, sam=self.is_sam)
        self.root_loc = location_of(doc, Location(file))
        self.entries: list[Entry] = []
        self.by_id: dict[str, Entry] = {}
        self.fns: dict[str, FnDraft] = {}
        self.res: dict[str, ResDraft] = {}
        self.roles: dict[str, RoleDraft] = {}
        self.extra_roles: list[RoleDraft] = []
        self.managed: dict[str, Policy] = {}
        self.fn_of: dict[str, str] = {}  # alias/version logical id -> function logical id
        self.fn_by_name: dict[str, str] = {}  # physical FunctionName -> logical id
        self.sam: Any = None  # the _sam.Sam helper when the template uses SAM

    # -- small helpers ------------------------------------------------------------------------

    def loc(self, node: Any, default: Location | None = None) -> Location:
        return location_of(node, default or self.root_loc)

    def mapping(self, node: Any) -> LDict | None:
        """``node`` as a mapping after Fn::If/NoValue, else None."""
        value = self.r.pick(node)
        return value if isinstance(value, dict) else None

    def get(self, node: Any, *path: str) -> Any:
        for key in path:
            current = self.mapping(node)
            if current is None:
                return None
            node = current.get(key)
        return self.r.pick(node)

    def text(self, node: Any) -> str | None:
        return self.r.text(node)

    def static_text(self, node: Any) -> str | None:
        """A value fully known before deployment (no placeholders, no references)."""
        if node is None:
            return None
        value = self.r.resolve(node)
        if value.origin not in (ValueOrigin.LITERAL, ValueOrigin.PARAMETER):
            return None
        text = value.value if isinstance(value.value, str | int | float) else None
        if text is None or "${" in str(text):
            return None
        return str(text)

    def strings(self, node: Any) -> tuple[str, ...]:
        out = []
        for item, _ in self.r.items(node):
            text = self.text(item)
            if text is not None:
                out.append(text)
        return tuple(out)

    def first_ref(self, node: Any) -> str | None:
        for lid in refs_in(node):
            if lid in self.by_id:
                return lid
        return None

    def functions_in(self, node: Any) -> list[str]:
        """Functions of this template an expression points at (Ref/GetAtt/Sub, alias, name)."""
        found: list[str] = []
        for lid in refs_in(node):
            target = lid if lid in self.fns else self.fn_of.get(lid)
            if target and target not in found:
                found.append(target)
        if not found:
            text = self.static_text(node)
            if text:
                name = text.split(":function:", 1)[-1].split(":", 1)[0]
                target = self.fn_by_name.get(name)
                if target:
                    found.append(target)
        return found

    def add_trigger(self, lid: str, trigger: Trigger) -> None:
        self.fns[lid].triggers.append(trigger)

    def new_resource(self, entry: Entry, kind: str | None = None) -> ResDraft:
        draft = ResDraft(
            kind or RESOURCE_KINDS[entry.type],
            entry.lid,
            entry.loc,
            entry.type,
            conditional=entry.conditional,
        )
        self.res[entry.lid] = draft
        return draft

    def physical(self, draft: ResDraft, props: LDict, key: str) -> None:
        if key in props:
            draft.physical_name = self.static_text(props.get(key))
            draft.locations["physical_name"] = at(props, key)

    # -- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        if not self._index():
            return
        if self.is_sam:
            from faasguard.inventory import _sam

            self.sam = _sam.Sam(self)
        for entry in self.entries:
            handler = _DECLARE.get(entry.type)
            if handler is not None:
                handler(self, entry)
            elif entry.type.startswith("AWS::Serverless::") and self.sam is not None:
                self.sam.declare(entry)
        for entry in self.entries:
            if entry.type in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
                _version_or_alias(self, entry)
        if self.sam is not None:
            self.sam.attach()
        for entry in self.entries:
            handler = _ATTACH.get(entry.type)
            if handler is not None:
                handler(self, entry)
        self._finish()
        self._parameters()

    def _parameters(self) -> None:
        """Parameters with a literal Default (rules look for secrets written as defaults)."""
        params = self.doc.get("Parameters")
        if self.format is SourceFormat.SERVERLESS or not isinstance(params, LDict):
            return
        for name, spec in params.items():
            if not isinstance(spec, LDict) or "Default" not in spec:
                continue
            default = spec.get("Default")
            if isinstance(default, bool) or not isinstance(default, str | int | float):
                continue
            no_echo = "NoEcho" in spec and str(spec.get("NoEcho")).lower() == "true"
            self.result.resources.append(
                Resource(
                    kind="parameter",
                    name=str(name),
                    location=params.where(name),
                    type="AWS::CloudFormation::Parameter",
                    settings={
                        "default": str(default),
                        "no_echo": no_echo,
                        "type": _scalar_text(spec.get("Type")),
                    },
                    locations={"default": spec.where("Default")},
                )
            )

    def _index(self) -> bool:
        resources = self.doc.get("Resources")
        where = self.doc.where("Resources") if isinstance(self.doc, LDict) else self.root_loc
        if resources is None:
            if self.format is not SourceFormat.SERVERLESS:
                self.result.error("invalid", "template has no Resources section", self.root_loc)
            return False
        if not isinstance(resources, dict):
            self.result.error(
                "invalid", f"Resources must be a mapping, not {_type_name(resources)}", where
            )
            return False
        if not resources:
            self.result.warning("invalid", "Resources is empty: nothing to scan", where)
            return False
        for lid, node in resources.items():
            key_loc = resources.where(lid) if isinstance(resources, LDict) else where
            entry = self._entry(str(lid), node, key_loc)
            if entry is not None:
                self.entries.append(entry)
                self.by_id[entry.lid] = entry
                self.r.types[entry.lid] = entry.type
                if entry.type.startswith("AWS::Serverless::"):
                    self.r.serverless_ids.add(entry.lid)
        return True

    def _entry(self, lid: str, node: Any, key_loc: Location) -> Entry | None:
        if lid.startswith("Fn::ForEach"):
            self.result.warning(
                "unsupported", f"{lid}: Fn::ForEach (LanguageExtensions) is not expanded", key_loc
            )
            return None
        if not isinstance(node, dict):
            self.result.error(
                "invalid", f"resource {lid} must be a mapping, not {_type_name(node)}", key_loc
            )
            return None
        rtype = node.get("Type")
        if not isinstance(rtype, str) or not rtype.strip():
            self.result.error("invalid", f"resource {lid} has no Type", key_loc)
            return None
        props = node.get("Properties")
        if props is None:
            props = LDict()
            props.loc = key_loc
        elif not isinstance(props, dict):
            self.result.error(
                "invalid",
                f"{lid}: Properties must be a mapping, not {_type_name(props)}",
                node.where("Properties") if isinstance(node, LDict) else key_loc,
            )
            props = LDict()
            props.loc = key_loc
        elif not isinstance(props, LDict):
            props = _as_ldict(props, key_loc)
        conditional = False
        cond = node.get("Condition")
        if cond is not None:
            value = self.r.condition(cond, node.where("Condition"))
            if value is False:
                self.result.warning(
                    "conditional",
                    f"{lid} is not created: condition '{cond}' is false for these parameters",
                    node.where("Condition"),
                )
                return None
            conditional = value is None
        return Entry(lid, rtype.strip(), props, key_loc, conditional, node)

    def _finish(self) -> None:
        roles = {lid: draft.freeze() for lid, draft in self.roles.items()}
        self.result.roles.extend(roles.values())
        seen_external: dict[str, Role] = {}
        for draft in self.extra_roles:
            role = draft.freeze()
            if draft.external and draft.arn:
                if draft.arn in seen_external:
                    draft.frozen = seen_external[draft.arn]
                    continue
                seen_external[draft.arn] = role
            self.result.roles.append(role)
        apis = self.res
        for draft in self.fns.values():
            role: Role | None = None
            if draft.role_lid is not None:
                role = roles.get(draft.role_lid)
            elif draft.role is not None:
                role = draft.role.freeze()
            triggers = tuple(_with_api_settings(t, apis) for t in draft.triggers)
            attributes = dict(draft.attributes)
            if draft.physical_name:
                attributes.setdefault("function_name", draft.physical_name)
            self.result.functions.append(
                Function(
                    name=draft.logical_id,
                    provider=Provider.AWS,
                    source_format=draft.source_format,
                    location=draft.location,
                    logical_id=draft.logical_id,
                    triggers=triggers,
                    role=role,
                    conditional=draft.conditional,
                    locations=draft.locations,
                    attributes=attributes,
                    **draft.fields,
                )
            )
        self.result.resources.extend(d.freeze() for d in self.res.values())

    # -- shared readers (CloudFormation and SAM) -----------------------------------------------

    def environment(self, fd: FnDraft, env_node: Any, env_loc: Location) -> None:
        env = self.mapping(env_node)
        fd.locations["environment"] = env_loc
        if env is None:
            return
        variables = self.mapping(env.get("Variables"))
        if variables is None:
            return
        out: list[EnvVar] = []
        for name, value in variables.items():
            loc = variables.where(name) if isinstance(variables, LDict) else env_loc
            env_var = self.env_var(str(name), value, loc)
            if env_var is not None:
                out.append(env_var)
        fd.fields["environment"] = tuple(out)

    def env_var(self, name: str, node: Any, loc: Location) -> EnvVar | None:
        resolved = self.r.resolve(node)
        if resolved.value is NOVALUE:
            return None
        origin = resolved.origin
        is_plain = not isinstance(node, dict | list)
        expression = None if is_plain else render(node)
        if origin is ValueOrigin.UNRESOLVED:
            self.r.warn(
                "unresolved",
                f"environment variable {name}: cannot resolve {expression or resolved.expr}",
                loc,
            )
            return EnvVar(name, None, origin, loc, expression or resolved.expr)
        value = resolved.value
        if isinstance(value, list | dict):
            text: str | None = json.dumps(value, default=str)
        else:
            text = "" if value is None else _scalar_text(value)
        if origin.is_secret_store and expression is None:
            expression = text
        return EnvVar(name, text, origin, loc, expression)

    def vpc(self, fd: FnDraft, props: LDict) -> None:
        if "VpcConfig" not in props:
            return
        config = self.mapping(props.get("VpcConfig"))
        fd.locations["vpc"] = at(props, "VpcConfig")
        if config is None:
            return
        subnets = self.strings(config.get("SubnetIds"))
        groups = self.strings(config.get("SecurityGroupIds"))
        if subnets or groups:
            fd.fields["vpc"] = Vpc(subnets, groups)

    def layers(self, fd: FnDraft, props: LDict) -> None:
        if "Layers" not in props:
            return
        fd.locations["layers"] = at(props, "Layers")
        out = []
        for item, loc in self.r.items(props.get("Layers"), at(props, "Layers")):
            resolved = self.r.resolve(item)
            text = self.text(item)
            if text is None:
                continue
            out.append(Layer(text, loc, resolved.origin is not ValueOrigin.UNRESOLVED))
        fd.fields["layers"] = tuple(out)

    def common_settings(self, fd: FnDraft, props: LDict) -> None:
        """Settings spelled the same in AWS::Lambda::Function and AWS::Serverless::Function."""
        r = self.r
        where = functools.partial(at, props)
        for key, name, read in (
            ("Runtime", "runtime", self.text),
            ("Handler", "handler", self.text),
            ("Timeout", "timeout", r.integer),
            ("MemorySize", "memory", r.integer),
            ("ReservedConcurrentExecutions", "reserved_concurrency", r.integer),
            ("KmsKeyArn", "kms_key", self.text),
            ("CodeSigningConfigArn", "code_signing", self.text),
            ("PackageType", "package_type", self.text),
        ):
            if key in props:
                fd.set(name, read(self.r.pick(props.get(key))), where(key))
        if "Environment" in props:
            self.environment(fd, props.get("Environment"), where("Environment"))
        self.vpc(fd, props)
        self.layers(fd, props)
        if "Architectures" in props:
            archs = self.strings(props.get("Architectures"))
            fd.set("architecture", archs[0] if archs else None, where("Architectures"))
        if "FunctionName" in props:
            fd.physical_name = self.static_text(props.get("FunctionName"))
            if fd.physical_name:
                self.fn_by_name[fd.physical_name] = fd.logical_id
        if "LoggingConfig" in props:
            fd.attributes["log_group"] = self.text(self.get(props, "LoggingConfig", "LogGroup"))

    def role_property(self, fd: FnDraft, node: Any, loc: Location) -> None:
        fd.locations["role"] = loc
        for lid in refs_in(node):
            entry = self.by_id.get(lid)
            if entry is not None and entry.type == "AWS::IAM::Role":
                fd.role_lid = lid
                return
        text = self.text(self.r.pick(node))
        if text is None:
            return
        draft = RoleDraft(text, loc, arn=text, external=True)
        self.extra_roles.append(draft)
        fd.role = draft

    # -- IAM -------------------------------------------------------------------------------------

    def statements(self, doc_node: Any, default: Location) -> tuple[Statement, ...]:
        document = self.r.pick(doc_node)
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                return ()
        if not isinstance(document, dict):
            return ()
        out = []
        for node, loc in self.r.items(document.get("Statement"), self.loc(document, default)):
            statement = self.mapping(node)
            if statement is None:
                continue
            out.append(self.statement(statement, loc))
        return tuple(out)

    def statement(self, st: LDict, loc: Location) -> Statement:
        condition = self.r.plain(st.get("Condition")) if "Condition" in st else None
        return Statement(
            effect=self.text(st.get("Effect")) or "Allow",
            location=loc,
            actions=self.strings(st.get("Action")),
            not_actions=self.strings(st.get("NotAction")),
            resources=self.strings(st.get("Resource")),
            not_resources=self.strings(st.get("NotResource")),
            condition=condition if isinstance(condition, dict) else {},
            sid=self.text(st.get("Sid")),
        )

    def managed_policy(self, node: Any, loc: Location) -> Policy | None:
        text = self.text(node)
        if text is None:
            return None
        if text.startswith(REF_PREFIX):
            lid = text[len(REF_PREFIX) :].split(".", 1)[0]
            if lid in self.managed:
                return self.managed[lid]
            return Policy(lid, PolicyKind.MANAGED, loc, arn=text, expanded=False)
        return managed_policy_by_arn(text, loc)

    def inline_policies(self, node: Any, default: Location) -> list[Policy]:
        out = []
        for item, loc in self.r.items(node, default):
            policy = self.mapping(item)
            if policy is None:
                continue
            name = self.text(policy.get("PolicyName")) or "inline"
            out.append(
                Policy(
                    name, PolicyKind.INLINE, loc, self.statements(policy.get("PolicyDocument"), loc)
                )
            )
        return out


def at(props: Any, key: str) -> Location | None:
    """Where ``key`` is written in ``props``; None when it is not written there."""
    if isinstance(props, LDict) and key in props:
        return props.where(key)
    return None


def managed_policy_by_arn(text: str, loc: Location) -> Policy:
    """A managed policy named by ARN or by AWS-managed name."""
    if not text.startswith("arn:") and "/" not in text and "${" not in text:
        path = "service-role/" if text in _SERVICE_ROLE_POLICIES else ""
        text = f"arn:aws:iam::aws:policy/{path}{text}"
    name = text.rsplit("/", 1)[-1]
    if name == ADMIN_POLICY and ":iam::aws:policy/" in text:
        admin = Statement("Allow", loc, actions=("*",), resources=("*",))
        return Policy(name, PolicyKind.MANAGED, loc, (admin,), arn=text)
    return Policy(name, PolicyKind.MANAGED, loc, arn=text, expanded=False)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_ldict(value: dict, loc: Location) -> LDict:  # type: ignore[type-arg]
    out = LDict(value)
    out.loc = loc
    return out


def _with_api_settings(trigger: Trigger, res: dict[str, ResDraft]) -> Trigger:
    if trigger.api is None:
        return trigger
    api = res.get(trigger.api)
    if api is None:
        return trigger
    changes: dict[str, Any] = {}
    throttle = api.settings.get("throttling")
    if trigger.throttling is None and isinstance(throttle, dict):
        changes["throttling"] = Throttling(
            throttle.get("rate_limit"),
            throttle.get("burst_limit"),
            throttle.get("quota"),
            api.locations.get("throttling", api.location),
        )
    cors = api.settings.get("cors")
    if trigger.cors is None and isinstance(cors, dict):
        changes["cors"] = Cors(
            tuple(cors.get("origins", ())),
            bool(cors.get("allow_credentials")),
            api.locations.get("cors", api.location),
        )
    return dataclasses.replace(trigger, **changes) if changes else trigger


# -- declarations --------------------------------------------------------------------------------


def _lambda_function(t: Template, e: Entry) -> None:
    fd = FnDraft(e.lid, e.loc, t.format, conditional=e.conditional)
    t.fns[e.lid] = fd
    props = e.props
    t.common_settings(fd, props)
    if "Code" in props:
        _lambda_code(t, fd, props)
    if "TracingConfig" in props:
        fd.set("tracing", t.text(t.get(props, "TracingConfig", "Mode")), at(props, "TracingConfig"))
    if "DeadLetterConfig" in props:
        target = t.text(t.get(props, "DeadLetterConfig", "TargetArn"))
        fd.set("dead_letter", target, at(props, "DeadLetterConfig"))
    if "Role" in props:
        t.role_property(fd, props.get("Role"), at(props, "Role"))
    _function_resource(t, e, fd)


def _lambda_code(t: Template, fd: FnDraft, props: LDict) -> None:
    code = t.r.pick(props.get("Code"))
    loc = at(props, "Code")
    if isinstance(code, str):  # a local path, for `aws cloudformation package`
        fd.set("code_path", local_code_path(t.file, code), loc)
        return
    if not isinstance(code, dict):
        return
    if "ZipFile" in code:
        fd.attributes["inline_code"] = True
        fd.locations["code_path"] = loc
    elif "ImageUri" in code:
        fd.fields.setdefault("package_type", "Image")
        fd.attributes["image_uri"] = t.text(code.get("ImageUri"))
        fd.locations["code_path"] = loc
    elif "S3Bucket" in code or "S3Key" in code:
        bucket, key = t.text(code.get("S3Bucket")), t.text(code.get("S3Key"))
        fd.set("code_path", f"s3://{bucket or '?'}/{key or '?'}", loc)


def local_code_path(template_file: str, uri: str) -> str:
    if uri.startswith(("s3://", "https://", "http://")):
        return uri
    base = posixpath.dirname(template_file)
    return posixpath.normpath(posixpath.join(base, uri)) if base else posixpath.normpath(uri)


def _function_resource(t: Template, e: Entry, fd: FnDraft) -> None:
    draft = t.new_resource(e, "lambda-function")
    draft.physical_name = fd.physical_name


def _iam_role(t: Template, e: Entry) -> None:
    props = e.props
    draft = RoleDraft(e.lid, e.loc)
    t.roles[e.lid] = draft
    draft.policies.extend(t.inline_policies(props.get("Policies"), at(props, "Policies")))
    if "PermissionsBoundary" in props:
        draft.permissions_boundary = t.text(props.get("PermissionsBoundary"))
    res = t.new_resource(e)
    t.physical(res, props, "RoleName")
    trust = t.statements(
        props.get("AssumeRolePolicyDocument"), at(props, "AssumeRolePolicyDocument")
    )
    services = []
    for node, _ in t.r.items(t.get(props, "AssumeRolePolicyDocument", "Statement")):
        principal = t.r.plain(t.get(node, "Principal"))
        if isinstance(principal, dict):
            value = principal.get("Service")
            services.extend(value if isinstance(value, list) else [value] if value else [])
    res.set("trusted_services", sorted({str(s) for s in services}))
    res.set("trust_statements", len(trust))
    managed = t.strings(props.get("ManagedPolicyArns"))
    res.set("managed_policy_arns", list(managed), at(props, "ManagedPolicyArns"))


def _iam_role_managed(t: Template, e: Entry) -> None:
    """ManagedPolicyArns are read after all AWS::IAM::ManagedPolicy resources are declared."""
    draft = t.roles.get(e.lid)
    if draft is None:
        return
    for item, loc in t.r.items(e.props.get("ManagedPolicyArns"), at(e.props, "ManagedPolicyArns")):
        policy = t.managed_policy(item, loc)
        if policy is not None and policy not in draft.policies:
            draft.policies.append(policy)


def _managed_policy(t: Template, e: Entry) -> None:
    props = e.props
    name = t.static_text(props.get("ManagedPolicyName")) or e.lid
    statements = t.statements(props.get("PolicyDocument"), at(props, "PolicyDocument"))
    t.managed[e.lid] = Policy(name, PolicyKind.MANAGED, e.loc, statements, arn=reference(e.lid))


def _attach_policy(t: Template, e: Entry) -> None:
    """AWS::IAM::Policy and ManagedPolicy attached to roles with ``Roles: [!Ref Role]``."""
    props = e.props
    if e.type == "AWS::IAM::ManagedPolicy":
        policy = t.managed.get(e.lid)
    else:
        name = t.text(props.get("PolicyName")) or e.lid
        statements = t.statements(props.get("PolicyDocument"), at(props, "PolicyDocument"))
        policy = Policy(name, PolicyKind.INLINE, e.loc, statements)
    if policy is None:
        return
    for lid in refs_in(props.get("Roles")):
        draft = t.roles.get(lid)
        if draft is not None and policy not in draft.policies:
            draft.policies.append(policy)


def _s3_bucket(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "BucketName")
    if res.physical_name:
        res.arn = f"arn:aws:s3:::{res.physical_name}"
    encryption = kms = None
    if "BucketEncryption" in props:
        rules = t.r.items(t.get(props, "BucketEncryption", "ServerSideEncryptionConfiguration"))
        if rules:
            default = t.get(rules[0][0], "ServerSideEncryptionByDefault")
            encryption = t.text(t.get(default, "SSEAlgorithm"))
            kms = t.text(t.get(default, "KMSMasterKeyID"))
    res.set("encryption", encryption, at(props, "BucketEncryption"))
    res.set("kms_key", kms, at(props, "BucketEncryption"))
    block = t.mapping(props.get("PublicAccessBlockConfiguration"))
    pab = None
    if block is not None:
        pab = {
            key: bool(t.r.boolean(block.get(key)))
            for key in (
                "BlockPublicAcls",
                "IgnorePublicAcls",
                "BlockPublicPolicy",
                "RestrictPublicBuckets",
            )
        }
    res.set("public_access_block", pab, at(props, "PublicAccessBlockConfiguration"))
    res.set("acl", t.text(props.get("AccessControl")), at(props, "AccessControl"))
    status = t.text(t.get(props, "VersioningConfiguration", "Status"))
    res.set(
        "versioning",
        None if status is None else status == "Enabled",
        at(props, "VersioningConfiguration"),
    )
    res.set("logging", "LoggingConfiguration" in props, at(props, "LoggingConfiguration"))
    res.set("secure_transport_enforced", None)


def _s3_notifications(t: Template, e: Entry) -> None:
    configs = t.get(e.props, "NotificationConfiguration", "LambdaConfigurations")
    for item, loc in t.r.items(configs):
        config = t.mapping(item)
        if config is None:
            continue
        for fn in t.functions_in(config.get("Function")):
            t.add_trigger(
                fn,
                Trigger(
                    TriggerKind.S3,
                    loc,
                    AuthKind.SERVICE,
                    public=False,
                    source=reference(e.lid),
                    attributes={"event": t.text(config.get("Event"))},
                ),
            )


def _sqs_queue(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "QueueName")
    w = functools.partial(at, props)
    res.set("kms_key", t.text(props.get("KmsMasterKeyId")), w("KmsMasterKeyId"))
    res.set(
        "sqs_managed_sse", t.r.boolean(props.get("SqsManagedSseEnabled")), w("SqsManagedSseEnabled")
    )
    res.set(
        "visibility_timeout", t.r.integer(props.get("VisibilityTimeout")), w("VisibilityTimeout")
    )
    res.set(
        "dead_letter",
        t.text(t.get(props, "RedrivePolicy", "deadLetterTargetArn")),
        w("RedrivePolicy"),
    )
    res.set("fifo", t.r.boolean(props.get("FifoQueue")), w("FifoQueue"))


def _sns_topic(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "TopicName")
    res.set("kms_key", t.text(props.get("KmsMasterKeyId")), at(props, "KmsMasterKeyId"))


def _sns_inline_subscriptions(t: Template, e: Entry) -> None:
    for item, loc in t.r.items(e.props.get("Subscription")):
        sub = t.mapping(item)
        if sub is None or (t.text(sub.get("Protocol")) or "").lower() != "lambda":
            continue
        for fn in t.functions_in(sub.get("Endpoint")):
            t.add_trigger(fn, _service_trigger(TriggerKind.SNS, loc, reference(e.lid)))


def _dynamodb_table(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "TableName")
    w = functools.partial(at, props)
    sse = t.mapping(props.get("SSESpecification"))
    res.set(
        "sse_enabled", t.r.boolean(sse.get("SSEEnabled")) if sse else None, w("SSESpecification")
    )
    res.set("kms_key", t.text(sse.get("KMSMasterKeyId")) if sse else None, w("SSESpecification"))
    if e.type == "AWS::DynamoDB::Table":
        pitr = t.get(props, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
        res.set("point_in_time_recovery", t.r.boolean(pitr), w("PointInTimeRecoverySpecification"))
        res.set(
            "stream",
            t.text(t.get(props, "StreamSpecification", "StreamViewType")),
            w("StreamSpecification"),
        )
        res.set(
            "deletion_protection",
            t.r.boolean(props.get("DeletionProtectionEnabled")),
            w("DeletionProtectionEnabled"),
        )


def _kms_key(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    res.set("rotation", t.r.boolean(props.get("EnableKeyRotation")), at(props, "EnableKeyRotation"))
    res.set("key_policy_public", _policy_public(t, props.get("KeyPolicy")), at(props, "KeyPolicy"))


def _secret(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "Name")
    res.set("kms_key", t.text(props.get("KmsKeyId")), at(props, "KmsKeyId"))
    res.set("rotation", False)
    if "SecretString" in props:
        value = t.r.resolve(props.get("SecretString"))
        res.set(
            "secret_string_literal",
            value.origin in (ValueOrigin.LITERAL, ValueOrigin.PARAMETER),
            at(props, "SecretString"),
        )
    res.set("generated", "GenerateSecretString" in props, at(props, "GenerateSecretString"))


def _rotation_schedule(t: Template, e: Entry) -> None:
    target = t.first_ref(e.props.get("SecretId"))
    res = t.res.get(target or "")
    if res is not None and res.kind == "secret":
        res.set("rotation", True, e.loc)


def _log_group(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "LogGroupName")
    res.set(
        "retention_days", t.r.integer(props.get("RetentionInDays")), at(props, "RetentionInDays")
    )
    res.set("kms_key", t.text(props.get("KmsKeyId")), at(props, "KmsKeyId"))


def _log_group_link(t: Template, e: Entry) -> None:
    """A /aws/lambda/<function> group sets the function's log retention."""
    props = e.props
    name = t.text(props.get("LogGroupName"))
    targets: list[str] = []
    if name and name.startswith("/aws/lambda/"):
        rest = name[len("/aws/lambda/") :]
        if rest.startswith(REF_PREFIX):
            lid = rest[len(REF_PREFIX) :].split(".", 1)[0]
            if lid in t.fns:
                targets.append(lid)
        elif rest in t.fn_by_name:
            targets.append(t.fn_by_name[rest])
    for fd in t.fns.values():
        log_group = fd.attributes.get("log_group")
        if log_group and log_group in (reference(e.lid), name) and fd.logical_id not in targets:
            targets.append(fd.logical_id)
    days = t.r.integer(props.get("RetentionInDays"))
    for lid in targets:
        fd = t.fns[lid]
        fd.set("log_retention_days", days, at(props, "RetentionInDays"))
        fd.attributes["log_group_resource"] = e.lid


def _layer(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "LayerName")
    res.set(
        "compatible_runtimes",
        list(t.strings(props.get("CompatibleRuntimes"))),
        at(props, "CompatibleRuntimes"),
    )
    res.set("public", False)
    res.set("permissions", [])
    content = props.get("ContentUri") if "ContentUri" in props else props.get("Content")
    if isinstance(t.r.pick(content), str):
        res.set(
            "content_path",
            local_code_path(t.file, str(t.r.pick(content))),
            at(props, "ContentUri"),
        )


def _layer_permission(t: Template, e: Entry) -> None:
    res = t.res.get(t.first_ref(e.props.get("LayerVersionArn")) or "")
    if res is None:
        return
    principal = t.text(e.props.get("Principal"))
    org = t.text(e.props.get("OrganizationId"))
    res.settings.setdefault("permissions", []).append({"principal": principal, "organization": org})
    if principal == "*" and not org:
        res.set("public", True, e.loc)


def _simple_resource(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    for key in ("Name", "StateMachineName", "ParameterName"):
        if key in props:
            t.physical(res, props, key)
    if e.type == "AWS::Kinesis::Stream":
        enc = t.mapping(props.get("StreamEncryption"))
        res.set(
            "encryption",
            t.text(enc.get("EncryptionType")) if enc else None,
            at(props, "StreamEncryption"),
        )
        res.set("kms_key", t.text(enc.get("KeyId")) if enc else None, at(props, "StreamEncryption"))
    elif e.type == "AWS::SSM::Parameter":
        res.set("type", t.text(props.get("Type")), at(props, "Type"))
    elif e.type == "AWS::Lambda::CodeSigningConfig":
        policy = t.get(props, "CodeSigningPolicies", "UntrustedArtifactOnDeployment")
        res.set("untrusted_artifact_policy", t.text(policy), at(props, "CodeSigningPolicies"))


# -- resource policies ---------------------------------------------------------------------------


def _policy_public(t: Template, doc: Any) -> bool:
    """An Allow for Principal "*" without any Condition."""
    for st in t.statements(doc, t.loc(doc)):
        if st.allows and not st.condition and _principal_any(t, doc, st):
            return True
    return False


def _principal_any(t: Template, doc: Any, st: Statement) -> bool:
    document = t.mapping(doc)
    if document is None:
        return False
    for node, loc in t.r.items(document.get("Statement")):
        if loc != st.location:
            continue
        principal = t.r.plain(t.get(node, "Principal"))
        if principal == "*":
            return True
        if isinstance(principal, dict):
            value = principal.get("AWS")
            return value == "*" or (isinstance(value, list) and "*" in value)
    return False


def _denies_insecure_transport(t: Template, doc: Any) -> bool:
    for st in t.statements(doc, t.loc(doc)):
        if st.allows:
            continue
        for operator, values in st.condition.items():
            if str(operator).startswith("Bool") and isinstance(values, dict):
                value = values.get("aws:SecureTransport")
                if str(value).lower() == "false":
                    return True
    return False


def _bucket_policy(t: Template, e: Entry) -> None:
    res = t.res.get(t.first_ref(e.props.get("Bucket")) or "")
    if res is None:
        return
    doc = e.props.get("PolicyDocument")
    res.set("secure_transport_enforced", _denies_insecure_transport(t, doc), e.loc)
    res.set("policy_public", _policy_public(t, doc), e.loc)


def _queue_policy(t: Template, e: Entry) -> None:
    doc = e.props.get("PolicyDocument")
    for lid in refs_in(e.props.get("Queues")):
        res = t.res.get(lid)
        if res is not None and res.kind == "sqs-queue":
            res.set("policy_public", _policy_public(t, doc), e.loc)
            res.set("secure_transport_enforced", _denies_insecure_transport(t, doc), e.loc)


def _topic_policy(t: Template, e: Entry) -> None:
    doc = e.props.get("PolicyDocument")
    for lid in refs_in(e.props.get("Topics")):
        res = t.res.get(lid)
        if res is not None and res.kind == "sns-topic":
            res.set("policy_public", _policy_public(t, doc), e.loc)


# -- Lambda attachments --------------------------------------------------------------------------


def _version_or_alias(t: Template, e: Entry) -> None:
    props = e.props
    for fn in t.functions_in(props.get("FunctionName")):
        t.fn_of[e.lid] = fn
        fd = t.fns[fn]
        fd.set("versioned", True, e.loc)
        if e.type == "AWS::Lambda::Alias":
            fd.fields["alias"] = t.text(props.get("Name"))
        provisioned = t.get(
            props, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions"
        )
        if provisioned is not None:
            fd.set(
                "provisioned_concurrency",
                t.r.integer(provisioned),
                at(props, "ProvisionedConcurrencyConfig"),
            )


def _permission(t: Template, e: Entry) -> None:
    props = e.props
    principal = t.text(props.get("Principal")) or "?"
    condition = {
        key: t.text(props.get(key))
        for key in ("SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken")
        if key in props
    }
    url_auth = t.text(props.get("FunctionUrlAuthType"))
    if principal == "*":
        if "PrincipalOrgID" in condition:
            auth, public = AuthKind.IAM, False
        elif condition:
            auth, public = AuthKind.NONE, None
        else:
            auth, public = AuthKind.NONE, True
    elif principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
        auth, public = AuthKind.SERVICE, False
    else:
        auth, public = AuthKind.IAM, False
    attributes: dict[str, Any] = {"action": t.text(props.get("Action")), "permission": e.lid}
    if url_auth:
        attributes["function_url_auth_type"] = url_auth
    for fn in t.functions_in(props.get("FunctionName")):
        t.add_trigger(
            fn,
            Trigger(
                TriggerKind.INVOKE,
                e.loc,
                auth,
                public=public,
                source=principal,
                condition=condition,
                attributes=attributes,
            ),
        )


def _function_url(t: Template, e: Entry) -> None:
    props = e.props
    auth_type = (t.text(props.get("AuthType")) or "").upper()
    auth = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM}.get(auth_type, AuthKind.UNKNOWN)
    cors = url_cors(t, props.get("Cors"), at(props, "Cors"))
    for fn in t.functions_in(props.get("TargetFunctionArn")):
        t.add_trigger(
            fn,
            Trigger(
                TriggerKind.FUNCTION_URL,
                e.loc,
                auth,
                public=True,
                cors=cors,
                attributes={"qualifier": t.text(props.get("Qualifier"))},
            ),
        )


def url_cors(t: Template, node: Any, loc: Location) -> Cors | None:
    cors = t.mapping(node)
    if cors is None:
        return None
    return Cors(
        t.strings(cors.get("AllowOrigins")),
        bool(t.r.boolean(cors.get("AllowCredentials"))),
        loc,
    )


_STREAM_TYPES = {
    "AWS::SQS::Queue": TriggerKind.SQS,
    "AWS::DynamoDB::Table": TriggerKind.STREAM,
    "AWS::Kinesis::Stream": TriggerKind.STREAM,
    "AWS::Kinesis::StreamConsumer": TriggerKind.STREAM,
    "AWS::MSK::Cluster": TriggerKind.STREAM,
    "AWS::AmazonMQ::Broker": TriggerKind.STREAM,
}


def _event_source_mapping(t: Template, e: Entry) -> None:
    props = e.props
    node = props.get("EventSourceArn")
    source = t.text(node)
    kind = TriggerKind.OTHER
    target = t.first_ref(node)
    if target is not None:
        kind = _STREAM_TYPES.get(t.by_id[target].type, TriggerKind.OTHER)
    elif source:
        service = source.split(":")[2] if source.count(":") >= 3 else ""
        kind = (
            TriggerKind.SQS
            if service == "sqs"
            else (TriggerKind.STREAM if service in ("kinesis", "dynamodb", "kafka", "mq") else kind)
        )
    if "SelfManagedEventSource" in props:
        kind, source = TriggerKind.STREAM, source or "self-managed-kafka"
    attributes = {
        "batch_size": t.r.integer(props.get("BatchSize")),
        "enabled": t.r.boolean(props.get("Enabled")),
        "filter_criteria": "FilterCriteria" in props,
        "on_failure": t.text(t.get(props, "DestinationConfig", "OnFailure", "Destination")),
    }
    for fn in t.functions_in(props.get("FunctionName")):
        t.add_trigger(
            fn,
            Trigger(
                kind, e.loc, AuthKind.SERVICE, public=False, source=source, attributes=attributes
            ),
        )


def _event_invoke_config(t: Template, e: Entry) -> None:
    props = e.props
    destinations = Destinations(
        on_failure=t.text(t.get(props, "DestinationConfig", "OnFailure", "Destination")),
        on_success=t.text(t.get(props, "DestinationConfig", "OnSuccess", "Destination")),
    )
    for fn in t.functions_in(props.get("FunctionName")):
        t.fns[fn].set("destinations", destinations, at(props, "DestinationConfig"))


def _service_trigger(kind: TriggerKind, loc: Location, source: str | None, **kw: Any) -> Trigger:
    return Trigger(kind, loc, AuthKind.SERVICE, public=False, source=source, **kw)


def _sns_subscription(t: Template, e: Entry) -> None:
    props = e.props
    if (t.text(props.get("Protocol")) or "").lower() != "lambda":
        return
    source = t.text(props.get("TopicArn"))
    for fn in t.functions_in(props.get("Endpoint")):
        t.add_trigger(
            fn,
            _service_trigger(
                TriggerKind.SNS,
                e.loc,
                source,
                attributes={"filter_policy": "FilterPolicy" in props},
            ),
        )


def _events_rule(t: Template, e: Entry) -> None:
    props = e.props
    schedule = t.text(props.get("ScheduleExpression"))
    kind = TriggerKind.SCHEDULE if schedule else TriggerKind.EVENTBRIDGE
    attributes = {
        "rule": e.lid,
        "state": t.text(props.get("State")),
        "event_pattern": t.r.plain(props.get("EventPattern")),
    }
    source = schedule or t.text(props.get("EventBusName")) or "default"
    for item, loc in t.r.items(props.get("Targets"), at(props, "Targets")):
        for fn in t.functions_in(t.get(item, "Arn")):
            t.add_trigger(fn, _service_trigger(kind, loc, source, attributes=attributes))


def _scheduler_schedule(t: Template, e: Entry) -> None:
    props = e.props
    schedule = t.text(props.get("ScheduleExpression"))
    for fn in t.functions_in(t.get(props, "Target", "Arn")):
        t.add_trigger(
            fn,
            _service_trigger(
                TriggerKind.SCHEDULE,
                e.loc,
                schedule,
                attributes={"state": t.text(props.get("State"))},
            ),
        )


def _log_subscription(t: Template, e: Entry) -> None:
    props = e.props
    source = t.text(props.get("LogGroupName"))
    for fn in t.functions_in(props.get("DestinationArn")):
        t.add_trigger(fn, _service_trigger(TriggerKind.CLOUDWATCH_LOGS, e.loc, source))


def _user_pool(t: Template, e: Entry) -> None:
    config = t.mapping(e.props.get("LambdaConfig"))
    if config is None:
        return
    for key, node in config.items():
        loc = config.where(key) if isinstance(config, LDict) else e.loc
        for fn in t.functions_in(node):
            t.add_trigger(
                fn,
                _service_trigger(
                    TriggerKind.COGNITO, loc, reference(e.lid), attributes={"trigger": str(key)}
                ),
            )


# -- API Gateway (REST) --------------------------------------------------------------------------


def _rest_api(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "Name")
    res.set("api_type", "rest")
    types = t.strings(t.get(props, "EndpointConfiguration", "Types"))
    res.set("endpoint_type", types[0] if types else None, at(props, "EndpointConfiguration"))
    res.set("private", "PRIVATE" in types, at(props, "EndpointConfiguration"))
    res.set("resource_policy", "Policy" in props, at(props, "Policy"))
    res.set("disable_execute_api_endpoint", t.r.boolean(props.get("DisableExecuteApiEndpoint")))
    res.set("access_logging", None)
    res.set("throttling", None)
    res.set("min_tls", None)


def _api_path(t: Template, node: Any) -> str | None:
    parts: list[str] = []
    for _ in range(64):
        lid = t.first_ref(node)
        if lid is None:
            return None
        entry = t.by_id[lid]
        if entry.type != "AWS::ApiGateway::Resource":
            return "/" + "/".join(reversed(parts))  # GetAtt Api.RootResourceId
        part = t.text(entry.props.get("PathPart"))
        parts.append(part or "?")
        node = entry.props.get("ParentId")
    return None


def _api_method(t: Template, e: Entry) -> None:
    props = e.props
    integration = t.mapping(props.get("Integration"))
    if integration is None:
        return
    functions = t.functions_in(integration.get("Uri"))
    if not functions:
        return
    api_id = t.first_ref(props.get("RestApiId"))
    api = t.res.get(api_id or "")
    auth_type = (t.text(props.get("AuthorizationType")) or "NONE").upper()
    auth = _AUTH_OF_METHOD.get(auth_type, AuthKind.UNKNOWN)
    api_key = bool(t.r.boolean(props.get("ApiKeyRequired")))
    private = bool(api and api.settings.get("private"))
    if auth is AuthKind.NONE and api_key:
        auth = AuthKind.API_KEY
    if auth is AuthKind.NONE and private:
        auth = AuthKind.PRIVATE
    trigger = Trigger(
        TriggerKind.HTTP_REST,
        e.loc,
        auth,
        public=None if api is None else not private,
        api_key_required=api_key,
        method=(t.text(props.get("HttpMethod")) or "ANY").upper(),
        path=_api_path(t, props.get("ResourceId")),
        api=api_id,
        authorizer=t.first_ref(props.get("AuthorizerId")),
        attributes={"method_resource": e.lid},
    )
    for fn in functions:
        t.add_trigger(fn, trigger)


def _throttle(t: Template, rate: Any, burst: Any, quota: Any = None) -> dict[str, Any] | None:
    values = {
        "rate_limit": t.r.number(rate),
        "burst_limit": t.r.integer(burst),
        "quota": t.r.integer(quota),
    }
    return values if any(v is not None for v in values.values()) else None


def _api_stage(t: Template, e: Entry) -> None:
    props = e.props
    v2 = e.type.startswith("AWS::ApiGatewayV2")
    api = t.res.get(t.first_ref(props.get("ApiId" if v2 else "RestApiId")) or "")
    if api is None:
        return
    log_key = "AccessLogSettings" if v2 else "AccessLogSetting"
    logging = t.get(props, log_key, "DestinationArn") is not None
    if api.settings.get("access_logging") is not True:
        api.set("access_logging", logging, at(props, log_key) if logging else e.loc)
    if v2:
        settings = t.mapping(props.get("DefaultRouteSettings"))
        throttle = None
        if settings is not None:
            throttle = _throttle(
                t, settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
            )
        if throttle:
            api.set("throttling", throttle, at(props, "DefaultRouteSettings"))
        return
    api.set("tracing", t.r.boolean(props.get("TracingEnabled")), at(props, "TracingEnabled"))
    for item, loc in t.r.items(props.get("MethodSettings"), at(props, "MethodSettings")):
        setting = t.mapping(item)
        if setting is None:
            continue
        throttle = _throttle(
            t, setting.get("ThrottlingRateLimit"), setting.get("ThrottlingBurstLimit")
        )
        if throttle and api.settings.get("throttling") is None:
            api.set("throttling", throttle, loc)


def _usage_plan(t: Template, e: Entry) -> None:
    props = e.props
    throttle = _throttle(
        t,
        t.get(props, "Throttle", "RateLimit"),
        t.get(props, "Throttle", "BurstLimit"),
        t.get(props, "Quota", "Limit"),
    )
    for item, _ in t.r.items(props.get("ApiStages")):
        api = t.res.get(t.first_ref(t.get(item, "ApiId")) or "")
        if api is None:
            continue
        api.set("usage_plan", True, e.loc)
        if throttle and api.settings.get("throttling") is None:
            api.set("throttling", throttle, e.loc)


def _domain_name(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "DomainName")
    if e.type == "AWS::ApiGatewayV2::DomainName":
        configs = t.r.items(props.get("DomainNameConfigurations"))
        policy = t.text(t.get(configs[0][0], "SecurityPolicy")) if configs else None
        loc = configs[0][1] if configs else at(props, "DomainNameConfigurations")
    else:
        policy, loc = t.text(props.get("SecurityPolicy")), at(props, "SecurityPolicy")
    res.set("min_tls", policy, loc)


def _base_path_mapping(t: Template, e: Entry) -> None:
    props = e.props
    domain = t.res.get(t.first_ref(props.get("DomainName")) or "")
    api_node = props.get("ApiId") if "ApiId" in props else props.get("RestApiId")
    api = t.res.get(t.first_ref(api_node) or "")
    if domain is None or api is None:
        return
    api.set("min_tls", domain.settings.get("min_tls"), domain.locations.get("min_tls"))
    api.set("domain", domain.name)


# -- API Gateway V2 (HTTP / WebSocket) -----------------------------------------------------------


def _http_api(t: Template, e: Entry) -> None:
    props, res = e.props, t.new_resource(e)
    t.physical(res, props, "Name")
    protocol = (t.text(props.get("ProtocolType")) or "HTTP").upper()
    res.set("api_type", "websocket" if protocol == "WEBSOCKET" else "http")
    res.set("private", False)
    res.set("access_logging", None)
    res.set("throttling", None)
    res.set("min_tls", None)
    res.set("disable_execute_api_endpoint", t.r.boolean(props.get("DisableExecuteApiEndpoint")))
    cors = t.mapping(props.get("CorsConfiguration"))
    if cors is not None:
        res.set(
            "cors",
            {
                "origins": list(t.strings(cors.get("AllowOrigins"))),
                "allow_credentials": bool(t.r.boolean(cors.get("AllowCredentials"))),
            },
            at(props, "CorsConfiguration"),
        )


def _http_api_quick_create(t: Template, e: Entry) -> None:
    props = e.props
    if "Target" not in props:
        return
    route = t.text(props.get("RouteKey")) or "$default"
    method, path = _route_key(route, websocket=False)
    for fn in t.functions_in(props.get("Target")):
        t.add_trigger(
            fn,
            Trigger(
                TriggerKind.HTTP_API,
                at(props, "Target"),
                AuthKind.NONE,
                public=True,
                method=method,
                path=path,
                api=e.lid,
            ),
        )


def _route_key(key: str, *, websocket: bool) -> tuple[str | None, str]:
    if websocket:
        return None, key
    if key == "$default":
        return "ANY", key
    method, _, path = key.partition(" ")
    return (method.upper(), path) if path else (None, key)


def _http_route(t: Template, e: Entry) -> None:
    props = e.props
    api_id = t.first_ref(props.get("ApiId"))
    api = t.res.get(api_id or "")
    websocket = bool(api and api.settings.get("api_type") == "websocket")
    functions: list[str] = []
    for lid in refs_in(props.get("Target")):
        entry = t.by_id.get(lid)
        if entry is not None and entry.type == "AWS::ApiGatewayV2::Integration":
            functions.extend(t.functions_in(entry.props.get("IntegrationUri")))
    if not functions:
        return
    auth_type = (t.text(props.get("AuthorizationType")) or "NONE").upper()
    auth = _AUTH_OF_METHOD.get(auth_type, AuthKind.UNKNOWN)
    api_key = bool(t.r.boolean(props.get("ApiKeyRequired")))
    if auth is AuthKind.NONE and api_key:
        auth = AuthKind.API_KEY
    method, path = _route_key(t.text(props.get("RouteKey")) or "$default", websocket=websocket)
    trigger = Trigger(
        TriggerKind.WEBSOCKET if websocket else TriggerKind.HTTP_API,
        e.loc,
        auth,
        public=True,
        api_key_required=api_key,
        method=method,
        path=path,
        api=api_id,
        authorizer=t.first_ref(props.get("AuthorizerId")),
        attributes={"route": e.lid},
    )
    for fn in dict.fromkeys(functions):
        t.add_trigger(fn, trigger)


Handler = Callable[[Template, Entry], None]


def _both(*handlers: Handler) -> Handler:
    def run(t: Template, e: Entry) -> None:
        for handler in handlers:
            handler(t, e)

    return run


_DECLARE: dict[str, Handler] = {
    "AWS::Lambda::Function": _lambda_function,
    "AWS::IAM::Role": _iam_role,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::SNS::Topic": _sns_topic,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::KMS::Key": _kms_key,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Lambda::LayerVersion": _layer,
    "AWS::SSM::Parameter": _simple_resource,
    "AWS::Kinesis::Stream": _simple_resource,
    "AWS::StepFunctions::StateMachine": _simple_resource,
    "AWS::Events::EventBus": _simple_resource,
    "AWS::Lambda::CodeSigningConfig": _simple_resource,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGateway::DomainName": _domain_name,
    "AWS::ApiGatewayV2::DomainName": _domain_name,
}
_ATTACH: dict[str, Handler] = {
    "AWS::IAM::Role": _iam_role_managed,
    "AWS::IAM::Policy": _attach_policy,
    "AWS::IAM::ManagedPolicy": _attach_policy,
    "AWS::S3::Bucket": _s3_notifications,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SNS::Topic": _sns_inline_subscriptions,
    "AWS::SNS::Subscription": _sns_subscription,
    "AWS::SecretsManager::RotationSchedule": _rotation_schedule,
    "AWS::Logs::LogGroup": _log_group_link,
    "AWS::Logs::SubscriptionFilter": _log_subscription,
    "AWS::Lambda::LayerVersionPermission": _layer_permission,
    "AWS::Lambda::Permission": _permission,
    "AWS::Lambda::Url": _function_url,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::Lambda::EventInvokeConfig": _event_invoke_config,
    "AWS::Events::Rule": _events_rule,
    "AWS::Scheduler::Schedule": _scheduler_schedule,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::ApiGateway::Method": _api_method,
    "AWS::ApiGateway::Stage": _api_stage,
    "AWS::ApiGatewayV2::Stage": _api_stage,
    "AWS::ApiGateway::UsagePlan": _usage_plan,
    "AWS::ApiGateway::BasePathMapping": _base_path_mapping,
    "AWS::ApiGatewayV2::ApiMapping": _base_path_mapping,
    "AWS::ApiGatewayV2::Api": _http_api_quick_create,
    "AWS::ApiGatewayV2::Route": _http_route,
}
