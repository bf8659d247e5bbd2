"""AWS SAM semantics: Globals, serverless functions, implicit APIs, events and policy templates.

Everything SAM generates (the function role, the implicit ``ServerlessRestApi`` and
``ServerlessHttpApi``, event permissions) is read as SAM would deploy it, with locations on the SAM
line that declared it.
"""

from __future__ import annotations

import functools
import json
import pkgutil
from dataclasses import dataclass, field
from typing import Any

from faasguard._located import LDict, LList
from faasguard.inventory._intrinsics import intrinsic_name
from faasguard.inventory.cloudformation import (
    Entry,
    FnDraft,
    ResDraft,
    RoleDraft,
    Template,
    _function_resource,
    _layer,
    _throttle,
    at,
    local_code_path,
    managed_policy_by_arn,
    url_cors,
)
from faasguard.model import (
    AuthKind,
    Destinations,
    Location,
    Policy,
    PolicyKind,
    SourceFormat,
    Statement,
    Trigger,
    TriggerKind,
    reference,
)

IMPLICIT_REST_API = "ServerlessRestApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"
_GLOBAL_SECTIONS = frozenset(
    {
        "Function",
        "Api",
        "HttpApi",
        "SimpleTable",
        "LayerVersion",
        "StateMachine",
        "CapacityProvider",
    }
)
# Managed policies SAM adds to a generated role for an event source.
_EVENT_POLICIES = {
    "SQS": "AWSLambdaSQSQueueExecutionRole",
    "Kinesis": "AWSLambdaKinesisExecutionRole",
    "DynamoDB": "AWSLambdaDynamoDBExecutionRole",
    "MSK": "AWSLambdaMSKExecutionRole",
}
# Event type -> (trigger kind, the property that names the source).
_SERVICE_EVENTS: dict[str, tuple[TriggerKind, str]] = {
    "SQS": (TriggerKind.SQS, "Queue"),
    "SNS": (TriggerKind.SNS, "Topic"),
    "S3": (TriggerKind.S3, "Bucket"),
    "Schedule": (TriggerKind.SCHEDULE, "Schedule"),
    "ScheduleV2": (TriggerKind.SCHEDULE, "ScheduleExpression"),
    "CloudWatchEvent": (TriggerKind.EVENTBRIDGE, "EventBusName"),
    "EventBridgeRule": (TriggerKind.EVENTBRIDGE, "EventBusName"),
    "DynamoDB": (TriggerKind.STREAM, "Stream"),
    "Kinesis": (TriggerKind.STREAM, "Stream"),
    "MSK": (TriggerKind.STREAM, "Stream"),
    "MQ": (TriggerKind.STREAM, "Broker"),
    "DocumentDB": (TriggerKind.STREAM, "Cluster"),
    "SelfManagedKafka": (TriggerKind.STREAM, "KafkaBootstrapServers"),
    "Cognito": (TriggerKind.COGNITO, "UserPool"),
    "IoTRule": (TriggerKind.IOT, "Sql"),
    "CloudWatchLogs": (TriggerKind.CLOUDWATCH_LOGS, "LogGroupName"),
    "AlexaSkill": (TriggerKind.ALEXA, "SkillId"),
}


@functools.cache
def policy_templates() -> dict[str, Any]:
    """The policy templates shipped with aws-sam-translator (read as data, never imported)."""
    try:
        data = pkgutil.get_data("samtranslator", "policy_templates_data/policy_templates.json")
        if data is None:
            return {}
        templates = json.loads(data.decode("utf-8")).get("Templates", {})
    except (ModuleNotFoundError, OSError, ValueError):
        return {}
    return templates if isinstance(templates, dict) else {}


def merge(global_value: Any, local: Any) -> Any:
    """SAM's Globals merge: mappings merged key by key, lists appended, scalars overridden."""
    if local is None:
        return global_value
    if (
        isinstance(global_value, dict)
        and isinstance(local, dict)
        and intrinsic_name(global_value) is None
        and intrinsic_name(local) is None
    ):
        out = LDict(global_value)
        out.loc = getattr(local, "loc", getattr(global_value, "loc", Location("?")))
        out.key_locs = dict(getattr(global_value, "key_locs", {}))
        for key, value in local.items():
            out[key] = merge(global_value[key], value) if key in global_value else value
            if isinstance(local, LDict):
                out.key_locs[key] = local.where(key)
        return out
    if isinstance(global_value, list) and isinstance(local, list):
        seq = LList(list(global_value) + list(local))
        seq.loc = getattr(local, "loc", Location("?"))
        seq.item_locs = list(getattr(global_value, "item_locs", [])) + list(
            getattr(local, "item_locs", [])
        )
        return seq
    return local


@dataclass
class ApiInfo:
    lid: str
    kind: str  # "rest" | "http"
    res: ResDraft
    default_authorizer: str | None = None
    authorizers: dict[str, AuthKind] = field(default_factory=dict)
    api_key_required: bool = False
    preflight_default: bool = True
    private: bool = False


class Sam:
    def __init__(self, t: Template) -> None:
        self.t = t
        self.globals = self._globals()
        self.apis: dict[str, ApiInfo] = {}
        self.pending: list[tuple[FnDraft, LDict, Entry]] = []

    def _globals(self) -> dict[str, Any]:
        node = self.t.doc.get("Globals")
        if node is None:
            return {}
        where = self.t.doc.where("Globals")
        if not isinstance(node, dict):
            self.t.result.error("invalid", "Globals must be a mapping", where)
            return {}
        for key in node:
            if key not in _GLOBAL_SECTIONS:
                loc = node.where(key) if isinstance(node, LDict) else where
                self.t.result.warning("invalid", f"Globals: unknown section '{key}'", loc)
        return {k: v for k, v in node.items() if isinstance(v, dict)}

    def merged(self, section: str, props: LDict) -> LDict:
        global_value = self.globals.get(section)
        if global_value is None:
            return props
        out = merge(global_value, props)
        return out if isinstance(out, LDict) else props

    # -- declarations -------------------------------------------------------------------------

    def declare(self, e: Entry) -> None:
        if e.type == "AWS::Serverless::Function":
            self.function(e)
        elif e.type == "AWS::Serverless::Api":
            self.api(e.lid, self.merged("Api", e.props), e.loc, "rest", e)
        elif e.type == "AWS::Serverless::HttpApi":
            self.api(e.lid, self.merged("HttpApi", e.props), e.loc, "http", e)
        elif e.type == "AWS::Serverless::SimpleTable":
            self.simple_table(e._replace(props=self.merged("SimpleTable", e.props)))
        elif e.type == "AWS::Serverless::LayerVersion":
            _layer(self.t, e._replace(props=self.merged("LayerVersion", e.props)))
        elif e.type == "AWS::Serverless::StateMachine":
            res = self.t.new_resource(e, "state-machine")
            self.t.physical(res, e.props, "Name")
        elif e.type == "AWS::Serverless::Application":
            self.t.result.warning(
                "unsupported",
                f"{e.lid}: nested application (AWS::Serverless::Application) is not scanned",
                e.loc,
            )

    def simple_table(self, e: Entry) -> None:
        t, props = self.t, e.props
        res = t.new_resource(e, "dynamodb-table")
        t.physical(res, props, "TableName")
        sse = t.mapping(props.get("SSESpecification"))
        where = at(props, "SSESpecification")
        res.set("sse_enabled", t.r.boolean(sse.get("SSEEnabled")) if sse else None, where)
        res.set("kms_key", t.text(sse.get("KMSMasterKeyId")) if sse else None, where)

    def function(self, e: Entry) -> None:
        t = self.t
        props = self.merged("Function", e.props)
        fd = FnDraft(e.lid, e.loc, SourceFormat.SAM, conditional=e.conditional)
        if t.format is SourceFormat.SERVERLESS:
            fd.source_format = SourceFormat.SERVERLESS
        t.fns[e.lid] = fd
        t.common_settings(fd, props)
        self.code(fd, props, e)
        w = functools.partial(at, props)
        if "Tracing" in props:
            fd.set("tracing", t.text(t.r.pick(props.get("Tracing"))), w("Tracing"))
        if "DeadLetterQueue" in props:
            fd.set(
                "dead_letter",
                t.text(t.get(props, "DeadLetterQueue", "TargetArn")),
                w("DeadLetterQueue"),
            )
        if "EventInvokeConfig" in props:
            self.destinations(fd, props)
        if "AutoPublishAlias" in props:
            alias = t.text(t.r.pick(props.get("AutoPublishAlias")))
            fd.set("versioned", bool(alias), w("AutoPublishAlias"))
            fd.fields["alias"] = alias
        if "ProvisionedConcurrencyConfig" in props:
            value = t.get(props, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions")
            fd.set("provisioned_concurrency", t.r.integer(value), w("ProvisionedConcurrencyConfig"))
        if "Role" in props and t.r.pick(props.get("Role")) is not None:
            t.role_property(fd, props.get("Role"), w("Role"))
        else:
            self.generated_role(fd, props, e)
        if "FunctionUrlConfig" in props:
            self.function_url(fd, props)
        _function_resource(t, e, fd)
        self.pending.append((fd, props, e))

    def code(self, fd: FnDraft, props: LDict, e: Entry) -> None:
        t, w = self.t, props.where
        if "InlineCode" in props:
            fd.attributes["inline_code"] = True
            fd.locations["code_path"] = w("InlineCode")
        elif "ImageUri" in props:
            fd.fields["package_type"] = "Image"
            fd.attributes["image_uri"] = t.text(props.get("ImageUri"))
            fd.locations["code_path"] = w("ImageUri")
        elif "CodeUri" in props:
            uri = t.r.pick(props.get("CodeUri"))
            if isinstance(uri, dict) and intrinsic_name(uri) is None:
                bucket, key = t.text(uri.get("Bucket")), t.text(uri.get("Key"))
                fd.set("code_path", f"s3://{bucket or '?'}/{key or '?'}", w("CodeUri"))
            else:
                text = t.text(uri)
                fd.set("code_path", local_code_path(t.file, text) if text else None, w("CodeUri"))
        if fd.fields.get("package_type") == "Image" and "code_path" not in fd.fields:
            context = t.get(e.node, "Metadata", "DockerContext")
            if isinstance(context, str):
                fd.fields["code_path"] = local_code_path(t.file, context)

    def destinations(self, fd: FnDraft, props: LDict) -> None:
        t = self.t
        config = t.get(props, "EventInvokeConfig", "DestinationConfig")
        if config is None:
            return
        out: dict[str, str | None] = {}
        for key, name in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
            target = t.mapping(t.get(config, key))
            if target is None:
                continue
            destination = t.text(target.get("Destination"))
            kind = t.text(target.get("Type"))
            if destination is None and kind in ("SQS", "SNS"):
                destination = reference(f"{fd.logical_id}EventInvokeConfig{key}{kind.title()}")
            out[name] = destination
        fd.set("destinations", Destinations(**out), at(props, "EventInvokeConfig"))

    def function_url(self, fd: FnDraft, props: LDict) -> None:
        t = self.t
        config = t.mapping(props.get("FunctionUrlConfig"))
        loc = at(props, "FunctionUrlConfig")
        if config is None:
            return
        auth_type = (t.text(config.get("AuthType")) or "").upper()
        auth = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM}.get(auth_type, AuthKind.UNKNOWN)
        cors = url_cors(t, config.get("Cors"), at(config, "Cors") or loc)
        fd.triggers.append(
            Trigger(
                TriggerKind.FUNCTION_URL,
                loc,
                auth,
                public=True,
                cors=cors,
                attributes={"invoke_mode": t.text(config.get("InvokeMode"))},
            )
        )

    # -- IAM ----------------------------------------------------------------------------------

    def generated_role(self, fd: FnDraft, props: LDict, e: Entry) -> None:
        t = self.t
        loc = at(props, "Policies") if "Policies" in props else e.loc
        role = RoleDraft(f"{e.lid}Role", loc)
        role.policies.append(managed_policy_by_arn("AWSLambdaBasicExecutionRole", e.loc))
        if fd.fields.get("tracing") == "Active":
            role.policies.append(managed_policy_by_arn("AWSXrayWriteOnlyAccess", e.loc))
        if "vpc" in fd.fields:
            role.policies.append(
                managed_policy_by_arn("AWSLambdaVPCAccessExecutionRole", fd.locations["vpc"])
            )
        if "PermissionsBoundary" in props:
            role.permissions_boundary = t.text(props.get("PermissionsBoundary"))
        t.extra_roles.append(role)
        fd.role = role
        fd.locations.setdefault("role", loc)

    def policies(self, lid: str, node: Any, loc: Location) -> list[Policy]:
        t = self.t
        out: list[Policy] = []
        for index, (item, item_loc) in enumerate(t.r.items(node, loc)):
            item = t.r.pick(item)
            name = intrinsic_name(item)
            if isinstance(item, str) or (name is not None and name != "Fn::If"):
                policy = t.managed_policy(item, item_loc)
                if policy is not None:
                    out.append(policy)
            elif isinstance(item, dict) and "Statement" in item:
                statements = t.statements(item, item_loc)
                out.append(
                    Policy(f"{lid}RolePolicy{index}", PolicyKind.INLINE, item_loc, statements)
                )
            elif isinstance(item, dict) and len(item) == 1:
                key, params = next(iter(item.items()))
                out.append(self.template_policy(str(key), params, item_loc))
            elif item is not None:
                t.r.warn(
                    "invalid",
                    "Policies: entry is not a policy name, document or template",
                    item_loc,
                )
        return out

    def template_policy(self, name: str, params_node: Any, loc: Location) -> Policy:
        t = self.t
        spec = policy_templates().get(name)
        params = t.mapping(params_node) or {}
        values = {str(k): t.text(v) for k, v in params.items()}
        if not isinstance(spec, dict):
            t.r.warn("unsupported", f"unknown SAM policy template '{name}'", loc)
            return Policy(
                name, PolicyKind.SAM_TEMPLATE, loc, template=name, parameters=values, expanded=False
            )
        bindings: dict[str, Any] = dict(params)
        for required in spec.get("Parameters") or {}:
            if required not in bindings:
                t.r.warn("unresolved", f"policy template {name}: missing parameter {required}", loc)
                bindings[required] = "${" + required + "}"
        definition = spec.get("Definition") or {}
        statements = definition.get("Statement") if isinstance(definition, dict) else None
        out = []
        for st in statements if isinstance(statements, list) else [statements]:
            if isinstance(st, dict):
                out.append(self._template_statement(st, bindings, loc))
        return Policy(
            name, PolicyKind.SAM_TEMPLATE, loc, tuple(out), template=name, parameters=values
        )

    def _template_statement(
        self, st: dict[str, Any], bindings: dict[str, Any], loc: Location
    ) -> Statement:
        def strings(node: Any) -> tuple[str, ...]:
            if node is None:
                return ()
            value = self.t.r.resolve(node, bindings)
            items = value.value if isinstance(value.value, list) else [value.value]
            return tuple(str(v) for v in items if v is not None)

        condition = (
            self.t.r.resolve(st.get("Condition"), bindings).value if "Condition" in st else None
        )
        return Statement(
            effect=str(st.get("Effect", "Allow")),
            location=loc,
            actions=strings(st.get("Action")),
            not_actions=strings(st.get("NotAction")),
            resources=strings(st.get("Resource")),
            not_resources=strings(st.get("NotResource")),
            condition=condition if isinstance(condition, dict) else {},
            sid=st.get("Sid"),
        )

    # -- APIs ---------------------------------------------------------------------------------

    def api(
        self, lid: str, props: LDict, loc: Location, kind: str, entry: Entry | None = None
    ) -> ApiInfo:
        t = self.t
        res = ResDraft(
            "api",
            lid,
            loc,
            "AWS::Serverless::Api" if kind == "rest" else "AWS::Serverless::HttpApi",
            conditional=bool(entry and entry.conditional),
        )
        t.res[lid] = res
        info = ApiInfo(lid, kind, res)
        self.apis[lid] = info
        w = functools.partial(at, props)
        res.set("api_type", kind)
        t.physical(res, props, "Name")
        endpoint = t.r.pick(props.get("EndpointConfiguration"))
        endpoint_type = (
            t.text(endpoint.get("Type"))
            if isinstance(endpoint, dict)
            else (t.text(endpoint) if endpoint is not None else None)
        )
        info.private = (endpoint_type or "").upper() == "PRIVATE"
        res.set("endpoint_type", endpoint_type, w("EndpointConfiguration"))
        res.set("private", info.private, w("EndpointConfiguration"))
        log_key = "AccessLogSetting" if kind == "rest" else "AccessLogSettings"
        logging = t.get(props, log_key, "DestinationArn") is not None
        res.set("access_logging", logging, w(log_key) if log_key in props else loc)
        res.set("tracing", t.r.boolean(props.get("TracingEnabled")), w("TracingEnabled"))
        res.set("min_tls", t.text(t.get(props, "Domain", "SecurityPolicy")), w("Domain"))
        res.set("disable_execute_api_endpoint", t.r.boolean(props.get("DisableExecuteApiEndpoint")))
        res.set("throttling", None)
        self._api_throttling(res, props, kind)
        self._api_cors(res, props, kind)
        self._api_auth(info, props, kind)
        return info

    def _api_throttling(self, res: ResDraft, props: LDict, kind: str) -> None:
        t = self.t
        if kind == "http":
            settings = t.mapping(props.get("DefaultRouteSettings"))
            if settings is not None:
                throttle = _throttle(
                    t, settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
                )
                if throttle:
                    res.set("throttling", throttle, at(props, "DefaultRouteSettings"))
            return
        for item, loc in t.r.items(props.get("MethodSettings"), at(props, "MethodSettings")):
            setting = t.mapping(item)
            if setting is None:
                continue
            throttle = _throttle(
                t, setting.get("ThrottlingRateLimit"), setting.get("ThrottlingBurstLimit")
            )
            if throttle:
                res.set("throttling", throttle, loc)
                return
        plan = t.get(props, "Auth", "UsagePlan")
        if plan is not None:
            throttle = _throttle(
                t,
                t.get(plan, "Throttle", "RateLimit"),
                t.get(plan, "Throttle", "BurstLimit"),
                t.get(plan, "Quota", "Limit"),
            )
            res.set("usage_plan", True)
            if throttle:
                res.set("throttling", throttle, getattr(plan, "loc", res.location))

    def _api_cors(self, res: ResDraft, props: LDict, kind: str) -> None:
        t = self.t
        key = "Cors" if kind == "rest" else "CorsConfiguration"
        if key not in props:
            return
        node = t.r.pick(props.get(key))
        if node is True or isinstance(node, str):
            origins = ["*"] if node is True else [_unquote(t.text(node) or "")]
            res.set("cors", {"origins": origins, "allow_credentials": False}, at(props, key))
            return
        if not isinstance(node, dict):
            return
        if kind == "rest":
            origin = _unquote(t.text(node.get("AllowOrigin")) or "")
            origins = [o.strip() for o in origin.split(",") if o.strip()]
        else:
            origins = list(t.strings(node.get("AllowOrigins")))
        res.set(
            "cors",
            {
                "origins": origins,
                "allow_credentials": bool(t.r.boolean(node.get("AllowCredentials"))),
            },
            at(props, key),
        )

    def _api_auth(self, info: ApiInfo, props: LDict, kind: str) -> None:
        t, res = self.t, info.res
        auth = t.mapping(props.get("Auth"))
        res.set("default_authorizer", None)
        res.set("default_auth", AuthKind.NONE.value)
        res.set("api_key_required", False)
        res.set("resource_policy", False)
        if auth is None:
            return
        w = functools.partial(at, auth)
        authorizers = t.mapping(auth.get("Authorizers"))
        for name, spec in (authorizers or {}).items():
            info.authorizers[str(name)] = _authorizer_kind(t.mapping(spec), kind)
        if kind == "http" and t.r.boolean(auth.get("EnableIamAuthorizer")):
            info.authorizers["AWS_IAM"] = AuthKind.IAM
        if kind == "rest":
            info.authorizers["AWS_IAM"] = AuthKind.IAM
        info.default_authorizer = t.text(auth.get("DefaultAuthorizer"))
        if info.default_authorizer:
            res.set("default_authorizer", info.default_authorizer, w("DefaultAuthorizer"))
            res.set(
                "default_auth",
                self._auth_kind(info, info.default_authorizer).value,
                w("DefaultAuthorizer"),
            )
        info.api_key_required = bool(t.r.boolean(auth.get("ApiKeyRequired")))
        res.set("api_key_required", info.api_key_required, w("ApiKeyRequired"))
        preflight = t.r.boolean(auth.get("AddDefaultAuthorizerToCorsPreflight"))
        info.preflight_default = preflight is not False
        res.set("resource_policy", "ResourcePolicy" in auth, w("ResourcePolicy"))

    @staticmethod
    def _auth_kind(info: ApiInfo, name: str) -> AuthKind:
        if name.upper() == "NONE":
            return AuthKind.NONE
        if name == "AWS_IAM":
            return AuthKind.IAM
        return info.authorizers.get(name, AuthKind.UNKNOWN)

    def implicit_api(self, kind: str, loc: Location) -> ApiInfo:
        lid = IMPLICIT_REST_API if kind == "rest" else IMPLICIT_HTTP_API
        if lid in self.apis:
            return self.apis[lid]
        empty = LDict()
        empty.loc = loc
        props = self.merged("Api" if kind == "rest" else "HttpApi", empty)
        return self.api(lid, props, loc, kind)

    # -- events -------------------------------------------------------------------------------

    def attach(self) -> None:
        for fd, props, e in self.pending:
            if fd.role is not None and not fd.role.external and "Policies" in props:
                # after the declarations, so that !Ref to a template ManagedPolicy is known
                fd.role.policies.extend(
                    self.policies(e.lid, props.get("Policies"), at(props, "Policies"))
                )
            events = self.t.mapping(props.get("Events"))
            if events is None:
                continue
            for name, node in events.items():
                loc = events.where(name) if isinstance(events, LDict) else e.loc
                self.event(fd, str(name), node, loc)

    def event(self, fd: FnDraft, name: str, node: Any, loc: Location) -> None:
        t = self.t
        event = t.mapping(node)
        if event is None:
            t.result.error("invalid", f"{fd.logical_id} event {name}: must be a mapping", loc)
            return
        etype = t.text(event.get("Type"))
        props = t.mapping(event.get("Properties"))
        if props is None:
            props = LDict()
            props.loc = loc
        if etype in ("Api", "HttpApi"):
            fd.triggers.append(
                self.api_event(name, props, loc, "rest" if etype == "Api" else "http")
            )
            return
        if etype is None:
            t.result.error("invalid", f"{fd.logical_id} event {name}: no Type", loc)
            return
        kind, key = _SERVICE_EVENTS.get(etype, (TriggerKind.OTHER, ""))
        source = t.text(props.get(key)) if key else etype
        attributes: dict[str, Any] = {"event": name, "type": etype}
        if kind is TriggerKind.EVENTBRIDGE:
            source = source or "default"
            attributes["event_pattern"] = t.r.plain(props.get("Pattern"))
        for attr, prop in (("batch_size", "BatchSize"), ("enabled", "Enabled")):
            if prop in props:
                attributes[attr] = t.r.plain(props.get(prop))
        if kind is TriggerKind.OTHER:
            t.r.warn("unsupported", f"{fd.logical_id} event {name}: type {etype} not read", loc)
        fd.triggers.append(
            Trigger(kind, loc, AuthKind.SERVICE, public=False, source=source, attributes=attributes)
        )
        policy = _EVENT_POLICIES.get(etype)
        if policy and fd.role is not None and not fd.role.external:
            fd.role.policies.append(managed_policy_by_arn(policy, loc))

    def api_event(self, name: str, props: LDict, loc: Location, kind: str) -> Trigger:
        t = self.t
        api_node = props.get("RestApiId" if kind == "rest" else "ApiId")
        info: ApiInfo | None
        if api_node is None:
            info = self.implicit_api(kind, loc)
        else:
            target = t.first_ref(api_node)
            info = self.apis.get(target or "")
        method = (t.text(props.get("Method")) or "").upper() or None
        path = t.text(props.get("Path"))
        if kind == "http" and method is None and path is None:
            method, path = "ANY", "$default"
        if method == "ANY" and path is None:
            path = "$default"
        auth = t.mapping(props.get("Auth"))
        explicit = t.text(auth.get("Authorizer")) if auth is not None else None
        authorizer = explicit
        preflight_skips = method == "OPTIONS" and info is not None and not info.preflight_default
        if authorizer is None and info is not None and info.default_authorizer:
            authorizer = None if preflight_skips else info.default_authorizer
        if info is None:
            auth_kind = (
                AuthKind.UNKNOWN
                if authorizer is None
                else (
                    AuthKind.NONE
                    if authorizer.upper() == "NONE"
                    else AuthKind.IAM
                    if authorizer == "AWS_IAM"
                    else AuthKind.UNKNOWN
                )
            )
        else:
            auth_kind = AuthKind.NONE if authorizer is None else self._auth_kind(info, authorizer)
        api_key = False
        if kind == "rest":
            event_key = t.r.boolean(auth.get("ApiKeyRequired")) if auth is not None else None
            api_key = event_key if event_key is not None else bool(info and info.api_key_required)
        private = bool(info and info.private)
        if auth_kind is AuthKind.NONE and api_key:
            auth_kind = AuthKind.API_KEY
        if auth_kind is AuthKind.NONE and private:
            auth_kind = AuthKind.PRIVATE
        return Trigger(
            TriggerKind.HTTP_REST if kind == "rest" else TriggerKind.HTTP_API,
            loc,
            auth_kind,
            public=None if info is None else not private,
            api_key_required=api_key,
            method=method,
            path=path,
            api=info.lid if info is not None else t.text(api_node),
            authorizer=None if authorizer is None or authorizer.upper() == "NONE" else authorizer,
            attributes={"event": name},
        )


def _authorizer_kind(spec: LDict | None, kind: str) -> AuthKind:
    if spec is None:
        return AuthKind.UNKNOWN
    if "UserPoolArn" in spec:
        return AuthKind.COGNITO
    if "JwtConfiguration" in spec:
        return AuthKind.JWT
    if "FunctionArn" in spec:
        return AuthKind.LAMBDA_AUTHORIZER
    return AuthKind.UNKNOWN


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
