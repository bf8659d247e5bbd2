"""Serverless Framework v3/v4 projects: serverless.yml / .yaml / .json.

Functions inherit provider settings the way the framework does (per-function values win; layers
and vpc are replaced, environments merged). Variables are resolved by :mod:`._sls_vars`; nothing
that only exists at deploy time is guessed. The ``resources:`` block is CloudFormation and goes to
the CloudFormation loader.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from faasguard._located import LDict, LList, location_of, plain
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._read import load_document
from faasguard.inventory._sls_vars import (
    PARAMETER,
    SECRETS_MANAGER,
    SSM,
    UNRESOLVED,
    Res,
    Resolver,
    to_text,
)
from faasguard.model import (
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

REST_API = "ApiGatewayRestApi"
HTTP_API = "HttpApi"
WEBSOCKET_API = "WebsocketsApi"
_EMPTY = LDict()
_DYNAMIC_REF = re.compile(r"\{\{resolve:(ssm-secure|ssm|secretsmanager):")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_REF_IN_ARN = re.compile(r"ref:([A-Za-z0-9]+)(?:\.[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)?")
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
_ADMIN_POLICY = ":iam::aws:policy/AdministratorAccess"
_SERVICE = AuthKind.SERVICE


def load_file(candidate: Candidate, ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    doc = load_document(candidate, result)
    if doc is None:
        return result
    if not isinstance(doc, dict):
        where = location_of(doc, Location(candidate.rel))
        result.error("invalid", f"a serverless file must be a mapping, not {_kind(doc)}", where)
        return result
    _Project(candidate, ctx, doc, result).load()
    return result


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("s") and text[:-1].isdigit():  # GCP "60s"
            text = text[:-1]
        if text.lstrip("-").isdigit() and len(text) < 19:
            return int(text)
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(t for t in (to_text(v) for v in value if not isinstance(v, dict)) if t)
    text = to_text(value) if not isinstance(value, dict) else None
    return (text,) if text and text != "null" else ()


def logical_name(name: str) -> str:
    """The framework's normalized name: ``create-order`` -> ``CreateDashorder``."""
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def _normalize_arn(text: str) -> str:
    """An ARN built around one declared resource: ``arn:aws:s3:::ref:Bucket/*`` -> its Arn."""
    if not text.startswith("arn:"):
        return text
    matches = list(_REF_IN_ARN.finditer(text))
    if len(matches) != 1:
        return text
    match = matches[0]
    return reference(match.group(1), "Arn") + text[match.end() :]


class _Project:
    """One serverless file being loaded."""

    def __init__(
        self, candidate: Candidate, ctx: LoadContext, doc: LDict, result: LoadResult
    ) -> None:
        self.file = candidate.rel
        self.top = Location(candidate.rel)
        self.doc = doc
        self.ctx = ctx
        self.result = result
        self.vars = Resolver(doc, candidate.path, candidate.rel, ctx, result)
        self.service_dir = posixpath.dirname(candidate.rel)
        self.provider: LDict = _EMPTY
        self.service = "service"
        self.cfn: dict[str, Any] = {}  # resources.Resources, resolved
        self.roles: dict[str, Role] = {}
        self.default_role: Role | None = None
        self.default_policies: list[Policy] | None = None
        self.function_names: set[str] = set()
        self.apis: dict[str, Location] = {}  # API logical id -> first route using it
        self.ws_connect: tuple[AuthKind, str | None] | None = None

    # -- value access ---------------------------------------------------------------------------

    def res(self, mapping: Any, key: str, *, deep: bool = False) -> Res:
        if not isinstance(mapping, dict) or key not in mapping:
            return Res(None)
        return self.vars.resolve(mapping[key], deep=deep, loc=self.at(mapping, key))

    def val(self, mapping: Any, key: str, *, deep: bool = False) -> Any:
        return self.res(mapping, key, deep=deep).value

    def at(self, mapping: Any, key: Any) -> Location:
        if isinstance(mapping, LDict):
            return mapping.where(key)
        return location_of(mapping, self.top)

    def text(self, mapping: Any, key: str) -> str | None:
        value = self.val(mapping, key)
        if isinstance(value, dict | list):
            return self.ref_text(value)
        text = to_text(value)
        return None if text is None or text == "null" else text

    def mapping(self, mapping: Any, key: str, what: str) -> LDict | None:
        """A sub-mapping; None (with an error when it is the wrong type) otherwise."""
        res = self.res(mapping, key)
        if res.value is None or res.opaque:
            return None
        if isinstance(res.value, dict):
            return res.value if isinstance(res.value, LDict) else _as_ldict(res.value, self.top)
        self.result.error(
            "invalid", f"{what} must be a mapping, not {_kind(res.value)}", self.at(mapping, key)
        )
        return None

    def number(self, mapping: Any, key: str, what: str) -> int | None:
        res = self.res(mapping, key)
        if res.value is None or res.opaque:
            return None
        number = _int(res.value)
        if number is None:
            self.result.warning(
                "invalid", f"{what} is not a whole number: {res.value!r}", self.at(mapping, key)
            )
        return number

    def ref_text(self, value: Any, depth: int = 0) -> str | None:
        """A string value as written, with CloudFormation intrinsics as references."""
        if depth > 20:
            return None
        if isinstance(value, str):
            res = self.vars.resolve(value)
            return to_text(res.value) if not isinstance(res.value, dict | list) else None
        if isinstance(value, bool | int | float):
            return to_text(value)
        if not isinstance(value, dict) or len(value) != 1:
            return None
        name, arg = next(iter(value.items()))
        arg = self.vars.value(arg)
        if name == "Ref" and isinstance(arg, str):
            return self._pseudo(arg) or reference(arg)
        if name == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2:
                head, attr = (self.ref_text(p, depth + 1) for p in parts)
                return reference(head, attr) if head and attr else None
            return None
        if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            items = self.vars.value(arg[1])
            if not isinstance(arg[0], str) or not isinstance(items, list):
                return None
            texts = [self.ref_text(item, depth + 1) for item in items]
            return None if None in texts else arg[0].join(t for t in texts if t is not None)
        if name == "Fn::Sub":
            return self._sub(arg, depth)
        return None

    def _pseudo(self, name: str) -> str | None:
        if not name.startswith("AWS::"):
            return None
        region = self.vars.region
        known = {
            "AWS::Region": region,
            "AWS::Partition": "aws-cn" if region.startswith("cn-") else "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        return known.get(name, "${" + name + "}")

    def _sub(self, arg: Any, depth: int) -> str | None:
        template, variables = arg, {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            template, variables = arg[0], arg[1]
        if not isinstance(template, str):
            return None
        unknown = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unknown
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                text = self.ref_text(variables[name], depth + 1)
                unknown = unknown or text is None
                return text or match.group(0)
            pseudo = self._pseudo(name)
            if pseudo is not None:
                return pseudo
            head, _, attr = name.partition(".")
            return reference(head, attr or None)

        text = self.vars.value(template)
        if not isinstance(text, str):
            return None
        out = _SUB_VAR.sub(replace, text)
        return None if unknown else out

    # -- loading --------------------------------------------------------------------------------

    def load(self) -> None:
        provider = self.res(self.doc, "provider").value
        if isinstance(provider, str):
            provider = _as_ldict({"name": provider}, self.at(self.doc, "provider"))
        if provider is None:
            self.result.warning("invalid", "no provider section; assuming AWS", self.top)
            provider = _EMPTY
        elif not isinstance(provider, dict):
            self.result.error(
                "invalid",
                f"provider must be a mapping, not {_kind(provider)}",
                self.at(self.doc, "provider"),
            )
            provider = _EMPTY
        self.provider = provider if isinstance(provider, LDict) else _as_ldict(provider, self.top)
        self.service = self._service_name()
        entries = list(self._function_entries())
        self.function_names = {name for name, _, _ in entries}
        name = (self.text(self.provider, "name") or "aws").lower()
        if name == "aws":
            self._load_aws(entries)
        elif name in ("azure", "google"):
            self._load_other(name, entries)
        else:
            self.result.warning(
                "unsupported",
                f"provider '{name}' is not supported; its functions are not scanned",
                self.at(self.provider, "name"),
            )

    def _service_name(self) -> str:
        value = self.val(self.doc, "service")
        if isinstance(value, dict):
            value = self.val(value, "name")
        text = to_text(value) if not isinstance(value, dict | list) else None
        if not text or text == "null":
            self.result.warning("invalid", "no service name", self.top)
            return "service"
        return text

    def _function_entries(self) -> Iterator[tuple[str, Location, LDict]]:
        res = self.res(self.doc, "functions")
        if res.value is None or res.opaque:
            return
        groups: list[tuple[Any, Location]]
        if isinstance(res.value, list):
            seq = res.value
            groups = [
                (self.vars.value(item, loc=self.at(seq, i)), self.at(seq, i))
                for i, item in enumerate(seq)
            ]
        else:
            groups = [(res.value, self.at(self.doc, "functions"))]
        for group, where in groups:
            if not isinstance(group, dict):
                self.result.error(
                    "invalid", f"functions must be a mapping, not {_kind(group)}", where
                )
                continue
            for name, config in group.items():
                loc = self.at(group, name)
                config = self.vars.value(config, loc=loc)
                if not isinstance(config, dict):
                    self.result.error(
                        "invalid",
                        f"function '{name}' must be a mapping of settings, not {_kind(config)}",
                        loc,
                    )
                    continue
                yield (
                    str(name),
                    loc,
                    config if isinstance(config, LDict) else _as_ldict(config, loc),
                )

    def _load_aws(self, entries: list[tuple[str, Location, LDict]]) -> None:
        self._load_resources()
        self.ws_connect = self._websocket_connect_auth(entries)
        for name, loc, config in entries:
            try:
                self.result.functions.append(self._function(name, loc, config))
            except Exception as exc:  # one odd function must not lose the others
                self.result.error(
                    "internal-error",
                    f"function '{name}' could not be read ({type(exc).__name__}: {exc}); "
                    "please report it",
                    loc,
                )
        self._api_resources()
        self._deployment_bucket()
        self._layer_resources()

    # -- resources: (CloudFormation) ------------------------------------------------------------

    def _load_resources(self) -> None:
        res = self.res(self.doc, "resources")
        if res.value is None or res.opaque:
            return
        where = self.at(self.doc, "resources")
        fragments = res.value if isinstance(res.value, list) else [res.value]
        template = LDict()
        template.loc = where
        for index, fragment in enumerate(fragments):
            loc = self.at(res.value, index) if isinstance(res.value, LList) else where
            fragment = self.vars.value(fragment, loc=loc)
            if not isinstance(fragment, dict):
                self.result.error(
                    "invalid", f"resources must be a mapping, not {_kind(fragment)}", loc
                )
                continue
            self._merge_fragment(template, fragment)
        if not template:
            return
        resolved = self.vars.resolve(template, deep=True).value
        resources = resolved.get("Resources")
        self.cfn = resources if isinstance(resources, dict) else {}
        self._call_cloudformation(resolved, where)

    def _merge_fragment(self, template: LDict, fragment: dict[str, Any]) -> None:
        for section in ("Resources", "Outputs", "Conditions", "Parameters", "Mappings"):
            if section not in fragment:
                continue
            loc = self.at(fragment, section)
            value = self.vars.value(fragment[section], loc=loc)
            if value is None:
                continue
            if not isinstance(value, dict):
                self.result.error(
                    "invalid", f"resources.{section} must be a mapping, not {_kind(value)}", loc
                )
                continue
            merged = template.get(section)
            if merged is None:
                merged = template[section] = LDict()
                merged.loc = location_of(value, loc)
                template.key_locs[section] = loc
            for key, item in value.items():
                merged[key] = item
                merged.key_locs[key] = self.at(value, key)

    def _call_cloudformation(self, template: LDict, where: Location) -> None:
        try:
            from faasguard.inventory import cloudformation

            load_template = cloudformation.load_template  # type: ignore[attr-defined]
        except (ImportError, AttributeError):
            return
        try:
            load_template(
                template, self.file, self.ctx, self.result, source_format=SourceFormat.SERVERLESS
            )
        except Exception as exc:  # the other loader's failure must not lose the functions
            self.result.error(
                "internal-error",
                f"the resources section could not be loaded ({type(exc).__name__}: {exc})",
                where,
            )

    def cfn_type(self, logical: str | None) -> str | None:
        resource = self.cfn.get(logical) if logical else None
        kind = resource.get("Type") if isinstance(resource, dict) else None
        return kind if isinstance(kind, str) else None

    def cfn_props(self, logical: str | None) -> dict[str, Any]:
        resource = self.cfn.get(logical) if logical else None
        props = resource.get("Properties") if isinstance(resource, dict) else None
        return props if isinstance(props, dict) else {}

    # -- functions ------------------------------------------------------------------------------

    def _inherit(
        self, config: LDict, key: str, field: str, locs: dict[str, Location], pkey: str = ""
    ) -> tuple[Any, LDict | None]:
        """A setting from the function, else from the provider; records where it is written."""
        for source, name in ((config, key), (self.provider, pkey or key)):
            if name in source:
                locs[field] = self.at(source, name)
                return self.val(source, name), source
        return None, None

    def _function(self, name: str, loc: Location, config: LDict) -> Function:
        locs: dict[str, Location] = {}
        handler = self.text(config, "handler")
        if handler is not None:
            locs["handler"] = self.at(config, "handler")
        elif "handler" in config:
            self.result.error("invalid", "handler must be text", self.at(config, "handler"))
        image = self.val(config, "image")
        runtime_value, _ = self._inherit(config, "runtime", "runtime", locs)
        runtime = _known_text(runtime_value)
        if image is not None:
            runtime = None
            locs.pop("runtime", None)
        timeout = self._inherited_number(config, "timeout", "timeout", locs)
        memory = self._inherited_number(config, "memorySize", "memory", locs)
        architecture, _ = self._inherit(config, "architecture", "architecture", locs)
        kms, _ = self._inherit(config, "kmsKeyArn", "kms_key", locs)
        retention = self._inherited_number(config, "logRetentionInDays", "log_retention_days", locs)
        role, role_loc = self._function_role(name, config)
        if role_loc is not None:
            locs["role"] = role_loc
        code_path = self._code_path(handler, config, image, locs)
        conditional = "condition" in config
        if conditional:
            self.result.warning(
                "conditional",
                f"function '{name}' is deployed only when condition "
                f"'{self.text(config, 'condition')}' holds",
                self.at(config, "condition"),
            )
        return Function(
            name=name,
            provider=Provider.AWS,
            source_format=SourceFormat.SERVERLESS,
            location=loc,
            logical_id=logical_name(name) + "LambdaFunction",
            runtime=runtime,
            handler=handler,
            code_path=code_path,
            package_type="Image" if image is not None else "Zip",
            architecture=_known_text(architecture),
            timeout=timeout,
            memory=memory,
            reserved_concurrency=self._own_number(config, "reservedConcurrency", locs),
            provisioned_concurrency=self._own_number(config, "provisionedConcurrency", locs),
            environment=self._environment(config, locs),
            layers=self._layers(config, locs),
            vpc=self._vpc(config, locs),
            tracing=self._tracing(config, locs),
            kms_key=self.ref_text(kms) if kms is not None else None,
            dead_letter=self._dead_letter(config, locs),
            destinations=self._destinations(config, locs),
            versioned=self._versioned(config, locs),
            log_retention_days=retention,
            triggers=tuple(self._triggers(name, config)),
            role=role,
            conditional=conditional,
            locations=locs,
            attributes=self._attributes(name, config, image),
        )

    def _inherited_number(
        self, config: LDict, key: str, field: str, locs: dict[str, Location]
    ) -> int | None:
        source = config if key in config else self.provider
        if key not in source:
            return None
        locs[field] = self.at(source, key)
        return self.number(source, key, key)

    def _own_number(self, config: LDict, key: str, locs: dict[str, Location]) -> int | None:
        if key not in config:
            return None
        field = (
            "reserved_concurrency" if key == "reservedConcurrency" else "provisioned_concurrency"
        )
        locs[field] = self.at(config, key)
        return self.number(config, key, key)

    def _attributes(self, name: str, config: LDict, image: Any) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "function_name": self.text(config, "name") or f"{self.service}-{self.vars.stage}-{name}"
        }
        if image is not None:
            attributes["image"] = (
                self.text(image, "name") or self.ref_text(self.val(image, "uri"))
                if isinstance(image, dict)
                else self.ref_text(image)
            )
        return attributes

    def _code_path(
        self, handler: str | None, config: LDict, image: Any, locs: dict[str, Location]
    ) -> str | None:
        package = self.mapping(config, "package", "package")
        artifact = self.text(package, "artifact") if package else None
        if artifact:
            locs["code_path"] = self.at(package, "artifact")
            return posixpath.normpath(posixpath.join(self.service_dir, artifact))
        if image is not None or not handler:
            return None
        locs["code_path"] = self.at(config, "handler")
        directory = posixpath.dirname(handler.split("::", 1)[0])
        return posixpath.normpath(posixpath.join(self.service_dir, directory))

    def _tracing(self, config: LDict, locs: dict[str, Location]) -> str | None:
        if "tracing" in config:
            value, where = self.val(config, "tracing"), self.at(config, "tracing")
        else:
            tracing = self.mapping(self.provider, "tracing", "provider.tracing")
            if tracing is None or "lambda" not in tracing:
                return None
            value, where = self.val(tracing, "lambda"), self.at(tracing, "lambda")
        locs["tracing"] = where
        if _bool(value) is not None:
            return "Active" if _bool(value) else "PassThrough"
        text = to_text(value) if isinstance(value, str) else None
        if text and text.lower() in ("active", "passthrough"):
            return "Active" if text.lower() == "active" else "PassThrough"
        return text

    def _versioned(self, config: LDict, locs: dict[str, Location]) -> bool:
        for source, key in ((config, "versionFunction"), (self.provider, "versionFunctions")):
            if key in source:
                locs["versioned"] = self.at(source, key)
                flag = _bool(self.val(source, key))
                return True if flag is None else flag
        return True

    def _dead_letter(self, config: LDict, locs: dict[str, Location]) -> str | None:
        if "onError" in config:
            locs["dead_letter"] = self.at(config, "onError")
            return self.ref_text(self.val(config, "onError"))
        dead = self.mapping(
            config, "deadLetter", "deadLetter"
        )  # serverless-plugin-lambda-dead-letter
        if dead:
            locs["dead_letter"] = self.at(config, "deadLetter")
            for key in ("targetArn", "sqs", "sns"):
                value = self.val(dead, key)
                if value is not None:
                    return (
                        self.ref_text(self.val(value, "queueName"))
                        if isinstance(value, dict) and "queueName" in value
                        else self.ref_text(value)
                    )
        return None

    def _destinations(self, config: LDict, locs: dict[str, Location]) -> Destinations | None:
        dest = self.mapping(config, "destinations", "destinations")
        if not dest:
            return None
        locs["destinations"] = self.at(config, "destinations")

        def target(key: str) -> str | None:
            value = self.val(dest, key)
            if isinstance(value, dict) and "arn" in value:
                value = self.val(value, "arn")
            return self.ref_text(value) if value is not None else None

        return Destinations(on_failure=target("onFailure"), on_success=target("onSuccess"))

    # -- environment ----------------------------------------------------------------------------

    def _environment(self, config: LDict, locs: dict[str, Location]) -> tuple[EnvVar, ...]:
        merged: dict[str, EnvVar] = {}
        for source, what in ((self.provider, "provider.environment"), (config, "environment")):
            env = self.mapping(source, "environment", what)
            if env is None:
                continue
            locs["environment"] = self.at(source, "environment")
            for key, raw in env.items():
                merged[str(key)] = self._env_var(str(key), raw, self.at(env, key))
        return tuple(merged.values())

    def _env_var(self, name: str, raw: Any, loc: Location) -> EnvVar:
        res = self.vars.resolve(raw, loc=loc)
        expression = str(raw) if isinstance(raw, str) and "${" in raw else None
        if res.opaque or res.tags & {SSM, SECRETS_MANAGER, UNRESOLVED}:
            return EnvVar(name, None, _origin_of_tags(res.tags), loc, expression or str(raw))
        value = res.value
        if _is_intrinsic(value):
            return self._intrinsic_env(name, value, loc, expression)
        if isinstance(value, dict | list):
            self.result.warning(
                "invalid", f"environment variable {name} is {_kind(value)}, not a value", loc
            )
            return EnvVar(name, None, ValueOrigin.UNRESOLVED, loc, expression)
        text = to_text(value) if value is not None else ""
        store = _secret_store(text or "")
        if store is not None:
            return EnvVar(name, None, store, loc, text)
        origin = ValueOrigin.PARAMETER if PARAMETER in res.tags else ValueOrigin.LITERAL
        return EnvVar(name, text, origin, loc, expression)

    def _intrinsic_env(
        self, name: str, value: dict[str, Any], loc: Location, expression: str | None
    ) -> EnvVar:
        rendered = _render(value)
        text = self.ref_text(value)
        if text is None:
            self.result.warning(
                "unresolved", f"cannot resolve {rendered} (environment variable {name})", loc
            )
            return EnvVar(name, None, ValueOrigin.UNRESOLVED, loc, expression or rendered)
        store = _secret_store(text)
        if store is not None:
            return EnvVar(name, None, store, loc, rendered)
        if "ref:" in text or "${AWS::" in text:
            return EnvVar(name, text, ValueOrigin.REFERENCE, loc, rendered)
        return EnvVar(name, text, ValueOrigin.LITERAL, loc, rendered)

    # -- layers, vpc ----------------------------------------------------------------------------

    def _layers(self, config: LDict, locs: dict[str, Location]) -> tuple[Layer, ...]:
        source = config if "layers" in config else self.provider
        res = self.res(source, "layers")
        if res.value is None:
            return ()
        locs["layers"] = self.at(source, "layers")
        if res.opaque:
            return (Layer(str(res.value), locs["layers"], resolved=False),)
        items = res.value if isinstance(res.value, list) else [res.value]
        raw = source.get("layers")
        written = raw if isinstance(raw, LList) and len(raw) == len(items) else res.value
        layers = []
        for index, item in enumerate(items):
            where = written.where(index) if isinstance(written, LList) else locs["layers"]
            item_res = self.vars.resolve(item, loc=where)
            text = str(item_res.value) if item_res.opaque else self.ref_text(item_res.value)
            layers.append(
                Layer(text or _render(item), where, resolved=not item_res.opaque and bool(text))
            )
        return tuple(layers)

    def _vpc(self, config: LDict, locs: dict[str, Location]) -> Vpc | None:
        source = config if "vpc" in config else self.provider
        vpc = self.mapping(source, "vpc", "vpc")
        if vpc is None:
            return None
        locs["vpc"] = self.at(source, "vpc")
        subnets = self._string_list(vpc, "subnetIds")
        groups = self._string_list(vpc, "securityGroupIds")
        return Vpc(subnet_ids=subnets, security_group_ids=groups) if subnets or groups else None

    def _string_list(self, mapping: Any, key: str, *, arns: bool = False) -> tuple[str, ...]:
        res = self.res(mapping, key)
        if res.value is None:
            return ()
        if res.opaque:
            return (str(res.value),)
        items = res.value if isinstance(res.value, list) else [res.value]
        out: list[str] = []
        for index, item in enumerate(items):
            where = self.at(res.value, index) if isinstance(res.value, LList) else None
            item_res = self.vars.resolve(item, loc=where)
            value = item_res.value
            if isinstance(value, list) and not item_res.opaque:
                out.extend(t for t in (self.ref_text(v) for v in value) if t)
                continue
            text = str(value) if item_res.opaque else self.ref_text(value)
            if text is None:
                text = _render(value)
                self.result.warning(
                    "unresolved", f"cannot resolve {text}", where or self.at(mapping, key)
                )
            out.append(_normalize_arn(text) if arns else text)
        return tuple(out)

    # -- IAM ------------------------------------------------------------------------------------

    def _function_role(self, name: str, config: LDict) -> tuple[Role | None, Location | None]:
        if "role" in config:
            where = self.at(config, "role")
            return self._role_ref(self.val(config, "role"), where), where
        fn_iam = self.mapping(config, "iam", f"functions.{name}.iam")
        fn_role = self.val(fn_iam, "role") if fn_iam else None
        if fn_role is not None and not isinstance(fn_role, dict):
            where = self.at(fn_iam, "role")
            return self._role_ref(fn_role, where), where
        if "iamRoleStatements" in config:
            return self._own_role(name, config, config, "iamRoleStatements")
        if isinstance(fn_role, dict) and "statements" in fn_role:
            return self._own_role(name, config, fn_role, "statements")
        role = self._provider_role()
        _, configured = self._provider_iam_role()
        return role, configured or (role.location if role.location != self.top else None)

    def _own_role(self, name: str, config: LDict, holder: Any, key: str) -> tuple[Role, Location]:
        """A per-function role (serverless-iam-roles-per-function style)."""
        where = self.at(holder, key)
        suffix = "iamRoleStatements" if key == "iamRoleStatements" else "iam.role.statements"
        label = f"functions.{name}.{suffix}"
        policies = [Policy(label, PolicyKind.INLINE, where, self._statements(holder, key))]
        managed = self.res(holder, "managedPolicies") if key == "statements" else Res(None)
        if managed.value is not None:
            policies += self._managed(holder, "managedPolicies")
        if self._inherits_provider_statements(config):
            policies += self._provider_policies()
        role_name = self.text(config, "iamRoleStatementsName") or (
            f"{self.service}-{self.vars.stage}-{name}-lambdaRole"
        )
        role = Role(role_name, where, tuple(policies))
        self.result.roles.append(role)
        return role, where

    def _inherits_provider_statements(self, config: LDict) -> bool:
        own = _bool(self.val(config, "iamRoleStatementsInherit"))
        if own is not None:
            return own
        custom = self.mapping(self.doc, "custom", "custom")
        plugin = self.mapping(custom, "serverless-iam-roles-per-function", "plugin settings")
        return bool(_bool(self.val(plugin, "defaultInherit"))) if plugin else False

    def _provider_iam_role(self) -> tuple[Any, Location | None]:
        iam = self.mapping(self.provider, "iam", "provider.iam")
        if iam is not None and "role" in iam:
            return self.val(iam, "role"), self.at(iam, "role")
        if "role" in self.provider:  # legacy provider.role
            return self.val(self.provider, "role"), self.at(self.provider, "role")
        return None, None

    def _provider_role(self) -> Role:
        if self.default_role is not None:
            return self.default_role
        role_cfg, where = self._provider_iam_role()
        if (role_cfg is not None and not isinstance(role_cfg, dict)) or _is_intrinsic(role_cfg):
            self.default_role = self._role_ref(role_cfg, where or self.top)
            return self.default_role
        config = role_cfg if isinstance(role_cfg, dict) else {}
        name = self.text(config, "name") or f"{self.service}-{self.vars.stage}-lambdaRole"
        boundary = self.val(config, "permissionsBoundary")
        if boundary is None:
            boundary = self.val(self.provider, "rolePermissionsBoundary")
        if where is None:
            for key in ("iamRoleStatements", "iamManagedPolicies", "iam"):
                if key in self.provider:
                    where = self.at(self.provider, key)
                    break
        self.default_role = Role(
            name,
            where or self.top,
            tuple(self._provider_policies()),
            permissions_boundary=self.ref_text(boundary) if boundary is not None else None,
        )
        self.result.roles.append(self.default_role)
        return self.default_role

    def _provider_policies(self) -> list[Policy]:
        if self.default_policies is not None:
            return self.default_policies
        role_cfg, _ = self._provider_iam_role()
        config = role_cfg if isinstance(role_cfg, dict) and not _is_intrinsic(role_cfg) else {}
        policies: list[Policy] = []
        for holder, key, label in (
            (config, "statements", "provider.iam.role.statements"),
            (self.provider, "iamRoleStatements", "provider.iamRoleStatements"),
        ):
            if key in holder:
                statements = self._statements(holder, key)
                policies.append(Policy(label, PolicyKind.INLINE, self.at(holder, key), statements))
        policies += self._managed(config, "managedPolicies")
        policies += self._managed(self.provider, "iamManagedPolicies")
        self.default_policies = policies
        return policies

    def _role_ref(self, value: Any, where: Location) -> Role:
        """A role named by ARN, by name, or by a logical id in resources."""
        res = self.vars.resolve(value, loc=where)
        logical = None
        if res.opaque:
            text = str(res.value)
        elif isinstance(res.value, dict):
            text = self.ref_text(res.value) or _render(res.value)
            if text.startswith("ref:"):
                logical = text[4:].split(".", 1)[0]
        elif isinstance(res.value, str):
            text = str(res.value)
            if text in self.cfn:
                logical = text
        else:
            self.result.error(
                "invalid", f"a role must be a name or an ARN, not {_kind(res.value)}", where
            )
            text = _render(res.value)
        if logical and self.cfn_type(logical) == "AWS::IAM::Role":
            return self._template_role(logical)
        if text in self.roles:
            return self.roles[text]
        arn = text if text.startswith("arn:") else None
        role = Role(text, where, (), arn=arn, external=True)
        self.roles[text] = role
        self.result.roles.append(role)
        return role

    def _template_role(self, logical: str) -> Role:
        if logical in self.roles:
            return self.roles[logical]
        where = self.at(self.cfn, logical)
        for role in self.result.roles:  # already loaded by the CloudFormation loader
            if role.name == logical or role.location == where:
                self.roles[logical] = role
                return role
        props = self.cfn_props(logical)
        policies: list[Policy] = []
        inline = props.get("Policies")
        for index, item in enumerate(inline if isinstance(inline, list) else []):
            if not isinstance(item, dict):
                continue
            document = item.get("PolicyDocument")
            loc = self.at(inline, index)
            name = to_text(item.get("PolicyName")) or f"{logical}.Policies[{index}]"
            statements = (
                self._statements(document, "Statement") if isinstance(document, dict) else ()
            )
            policies.append(Policy(name, PolicyKind.INLINE, loc, statements))
        policies += self._managed(props, "ManagedPolicyArns")
        boundary = props.get("PermissionsBoundary")
        role = Role(
            logical,
            where,
            tuple(policies),
            permissions_boundary=self.ref_text(boundary) if boundary is not None else None,
        )
        self.roles[logical] = role
        self.result.roles.append(role)
        return role

    def _managed(self, holder: Any, key: str) -> list[Policy]:
        res = self.res(holder, key)
        if res.value is None:
            return []
        where = self.at(holder, key)
        items = res.value if isinstance(res.value, list) and not res.opaque else [res.value]
        policies = []
        for index, item in enumerate(items):
            loc = self.at(res.value, index) if isinstance(res.value, LList) else where
            item_res = self.vars.resolve(item, loc=loc)
            arn = None if item_res.opaque else self.ref_text(item_res.value)
            if arn is None:
                text = str(item_res.value) if item_res.opaque else _render(item)
                if not item_res.opaque:
                    self.result.warning("unresolved", f"cannot resolve managed policy {text}", loc)
                policies.append(Policy(text, PolicyKind.MANAGED, loc, expanded=False))
                continue
            name = arn.rsplit("/", 1)[-1]
            if arn.endswith(_ADMIN_POLICY):
                admin = Statement("Allow", loc, actions=("*",), resources=("*",))
                policies.append(Policy(name, PolicyKind.MANAGED, loc, (admin,), arn=arn))
            else:
                policies.append(Policy(name, PolicyKind.MANAGED, loc, arn=arn, expanded=False))
        return policies

    def _statements(self, holder: Any, key: str) -> tuple[Statement, ...]:
        res = self.res(holder, key)
        where = self.at(holder, key)
        if res.value is None or res.opaque:
            return ()
        items = [res.value] if isinstance(res.value, dict) else res.value
        if not isinstance(items, list):
            self.result.error(
                "invalid", f"{key} must be a list of statements, not {_kind(items)}", where
            )
            return ()
        statements = []
        for index, item in enumerate(items):
            loc = self.at(items, index) if isinstance(items, LList) else where
            item = self.vars.value(item, loc=loc)
            if isinstance(item, list):  # a variable that brings in several statements
                for sub_index, sub in enumerate(item):
                    sub_loc = self.at(item, sub_index) if isinstance(item, LList) else loc
                    statement = self._statement(self.vars.value(sub, loc=sub_loc), sub_loc)
                    if statement is not None:
                        statements.append(statement)
                continue
            statement = self._statement(
                item, location_of(item, loc) if isinstance(item, dict) else loc
            )
            if statement is not None:
                statements.append(statement)
        return tuple(statements)

    def _statement(self, item: Any, loc: Location) -> Statement | None:
        if not isinstance(item, dict):
            self.result.error(
                "invalid", f"an IAM statement must be a mapping, not {_kind(item)}", loc
            )
            return None
        if isinstance(item, LDict) and item.loc.file != "?":
            loc = item.loc
        get = _case_insensitive(item)
        effect = (self.text(item, get("Effect")) or "").strip().lower()
        if effect not in ("allow", "deny"):
            self.result.error(
                "invalid", f"IAM statement has no valid Effect ({effect or 'missing'})", loc
            )
            return None
        condition = self.val(item, get("Condition"), deep=True)
        return Statement(
            effect="Allow" if effect == "allow" else "Deny",
            location=loc,
            actions=self._string_list(item, get("Action")),
            not_actions=self._string_list(item, get("NotAction")),
            resources=self._string_list(item, get("Resource"), arns=True),
            not_resources=self._string_list(item, get("NotResource"), arns=True),
            condition=plain(condition) if isinstance(condition, dict) else {},
            sid=self.text(item, get("Sid")),
        )

    # -- events ---------------------------------------------------------------------------------

    def _triggers(self, name: str, config: LDict) -> Iterator[Trigger]:
        if "url" in config:
            url = self._function_url(config)
            if url is not None:
                yield url
        res = self.res(config, "events")
        if res.opaque:
            return
        if res.value is None:
            if "events" in config:
                self.result.warning(
                    "invalid", f"events of function '{name}' is empty", self.at(config, "events")
                )
            return
        events = res.value
        if not isinstance(events, list):
            self.result.error(
                "invalid",
                f"events of function '{name}' must be a list, not {_kind(events)}",
                self.at(config, "events"),
            )
            return
        for index, item in enumerate(events):
            where = (
                self.at(events, index) if isinstance(events, LList) else self.at(config, "events")
            )
            item = self.vars.value(item, loc=where)
            if isinstance(item, str) and item in _EVENT_READERS:  # "- alexaSkill": no settings
                bare = str(item)
                item = _as_ldict({bare: None}, where)
                item.key_locs[bare] = where
            if not isinstance(item, dict) or not item:
                self.result.error(
                    "invalid",
                    f"event {index + 1} of function '{name}' must be a mapping, not {_kind(item)}",
                    where,
                )
                continue
            kind = str(next(iter(item)))
            loc = self.at(item, kind)
            value = self.val(item, kind)
            reader = _EVENT_READERS.get(kind)
            if reader is None:
                yield Trigger(TriggerKind.OTHER, loc, attributes={"event": kind})
                continue
            trigger = reader(self, value, loc)
            if trigger is not None:
                yield trigger

    def _function_url(self, config: LDict) -> Trigger | None:
        value = self.val(config, "url")
        loc = self.at(config, "url")
        if value is None or _bool(value) is False:
            return None
        settings = value if isinstance(value, dict) else {}
        authorizer = (self.text(settings, "authorizer") or "").lower()
        auth = AuthKind.IAM if authorizer == "aws_iam" else AuthKind.NONE
        cors = self._cors(self.val(settings, "cors", deep=True), self.at(settings, "cors"))
        attributes = {}
        mode = self.text(settings, "invokeMode")
        if mode:
            attributes["invoke_mode"] = mode
        return Trigger(
            TriggerKind.FUNCTION_URL,
            loc,
            auth=auth,
            public=True,
            authorizer=authorizer or None,
            cors=cors,
            attributes=attributes,
        )

    def _cors(self, value: Any, loc: Location) -> Cors | None:
        if value is None or _bool(value) is False:
            return None
        if _bool(value) is True:
            return Cors(("*",), False, loc)
        if not isinstance(value, dict):
            return None
        origins: tuple[str, ...] = ()
        for key in ("origins", "origin", "allowedOrigins", "allowOrigins"):
            if key in value:
                origins = tuple(
                    o for text in _texts(self.val(value, key)) for o in text.split(",") if o
                )
                break
        credentials = bool(_bool(self.val(value, "allowCredentials")))
        return Cors(tuple(o.strip() for o in origins) or ("*",), credentials, loc)

    def _http(self, value: Any, loc: Location) -> Trigger:
        config: Any = {}
        method = path = None
        if isinstance(value, str):
            method, _, path = value.strip().partition(" ")
        elif isinstance(value, dict):
            config = value
            method, path = self.text(value, "method"), self.text(value, "path")
        method = (method or "").strip().upper() or None
        path = "/" + path.strip().lstrip("/") if path is not None else None
        auth, authorizer = self._rest_authorizer(config)
        api_key = bool(_bool(self.val(config, "private")))
        endpoint = (self.text(self.provider, "endpointType") or "").upper()
        private = endpoint == "PRIVATE"
        if auth is None:
            auth = AuthKind.PRIVATE if private else AuthKind.API_KEY if api_key else AuthKind.NONE
        gateway = self.mapping(self.provider, "apiGateway", "provider.apiGateway")
        api = self.text(gateway, "restApiId") if gateway else None
        if api is None:
            self.apis.setdefault(REST_API, loc)
        attributes: dict[str, Any] = {}
        for key in ("integration", "async"):
            if key in config:
                attributes[key] = plain(self.val(config, key))
        return Trigger(
            TriggerKind.HTTP_REST,
            loc,
            auth=auth,
            public=not private,
            api_key_required=api_key,
            method=method,
            path=path,
            api=api or REST_API,
            authorizer=authorizer,
            cors=self._cors(self.val(config, "cors", deep=True), self.at(config, "cors")),
            throttling=self._route_throttling(config, api_key),
            attributes=attributes,
        )

    def _rest_authorizer(self, config: Any) -> tuple[AuthKind | None, str | None]:
        value = self.val(config, "authorizer")
        if value is None:
            return None, None
        if isinstance(value, str):
            if value.lower() == "aws_iam":
                return AuthKind.IAM, "aws_iam"
            return self._authorizer_by_arn(value), value
        if not isinstance(value, dict):
            return AuthKind.UNKNOWN, None
        kind = (self.text(value, "type") or "").lower()
        arn = self.ref_text(self.val(value, "arn")) if "arn" in value else None
        ident = self.ref_text(self.val(value, "authorizerId")) if "authorizerId" in value else None
        label = self.text(value, "name") or arn or ident
        if kind == "aws_iam":
            return AuthKind.IAM, label or "aws_iam"
        if kind == "cognito_user_pools":
            return AuthKind.COGNITO, label
        if kind in ("token", "request"):
            return AuthKind.LAMBDA_AUTHORIZER, label
        if arn:
            return self._authorizer_by_arn(arn), label
        if ident and ident.startswith("ref:"):
            props = self.cfn_props(ident[4:].split(".", 1)[0])
            declared = to_text(props.get("Type")) or ""
            if declared.upper() == "COGNITO_USER_POOLS":
                return AuthKind.COGNITO, label
            if declared.upper() in ("TOKEN", "REQUEST"):
                return AuthKind.LAMBDA_AUTHORIZER, label
            return AuthKind.UNKNOWN, label
        if self.text(value, "name"):
            return AuthKind.LAMBDA_AUTHORIZER, label
        return AuthKind.UNKNOWN, label

    def _authorizer_by_arn(self, text: str) -> AuthKind:
        if "cognito-idp" in text:
            return AuthKind.COGNITO
        if text.startswith("ref:"):
            declared = self.cfn_type(text[4:].split(".", 1)[0])
            if declared == "AWS::Cognito::UserPool":
                return AuthKind.COGNITO
        return AuthKind.LAMBDA_AUTHORIZER

    def _route_throttling(self, config: Any, api_key: bool) -> Throttling | None:
        own = self.mapping(config, "throttling", "throttling") if isinstance(config, dict) else None
        if own is None:
            custom = self.mapping(self.doc, "custom", "custom")
            own = self.mapping(custom, "apiGatewayThrottling", "custom.apiGatewayThrottling")
        if own is not None:
            return Throttling(
                rate_limit=_int(self.val(own, "maxRequestsPerSecond")),
                burst_limit=_int(self.val(own, "maxConcurrentRequests")),
                location=own.loc,
            )
        return self._usage_plan() if api_key else None

    def _usage_plan(self) -> Throttling | None:
        gateway = self.mapping(self.provider, "apiGateway", "provider.apiGateway")
        plan = self.val(gateway, "usagePlan") if gateway else None
        if not isinstance(plan, dict):
            return None
        throttle = self.val(plan, "throttle")
        quota = self.val(plan, "quota")
        rate = self.val(throttle, "rateLimit") if isinstance(throttle, dict) else None
        return Throttling(
            rate_limit=float(rate)
            if isinstance(rate, int | float) and not isinstance(rate, bool)
            else None,
            burst_limit=_int(self.val(throttle, "burstLimit"))
            if isinstance(throttle, dict)
            else None,
            quota=_int(self.val(quota, "limit")) if isinstance(quota, dict) else None,
            location=self.at(gateway, "usagePlan"),
        )

    def _http_api(self, value: Any, loc: Location) -> Trigger:
        config: Any = {}
        method = path = None
        if isinstance(value, str):
            text = value.strip()
            method, _, path = ("* " + text if text == "*" else text).partition(" ")
        elif isinstance(value, dict):
            config = value
            method, path = self.text(value, "method"), self.text(value, "path")
        method = (method or "").strip().upper() or None
        if method == "*":
            method = "ANY"
        path = path.strip() if path else None
        http = self.mapping(self.provider, "httpApi", "provider.httpApi")
        auth, authorizer, scopes = self._http_authorizer(config, http)
        api = self.text(http, "id") if http else None
        if api is None:
            self.apis.setdefault(HTTP_API, loc)
        cors = (
            self._cors(self.val(http, "cors", deep=True), self.at(http, "cors")) if http else None
        )
        return Trigger(
            TriggerKind.HTTP_API,
            loc,
            auth=auth,
            public=True,
            method=method,
            path=path,
            api=api or HTTP_API,
            authorizer=authorizer,
            cors=cors,
            # serverless-api-gateway-throttling (v2+) covers HTTP API routes too; usage plans don't
            throttling=self._route_throttling(config, api_key=False),
            attributes={"scopes": scopes} if scopes else {},
        )

    def _http_authorizer(
        self, config: Any, http: LDict | None
    ) -> tuple[AuthKind, str | None, tuple[str, ...]]:
        value = self.val(config, "authorizer")
        if value is None:
            return AuthKind.NONE, None, ()
        if isinstance(value, str):
            value = {"type": value} if value.lower() == "aws_iam" else {"name": value}
        if not isinstance(value, dict):
            return AuthKind.UNKNOWN, None, ()
        kind = (self.text(value, "type") or "").lower()
        scopes = _texts(self.val(value, "scopes"))
        name, ident = self.text(value, "name"), self.text(value, "id")
        if kind == "aws_iam":
            return AuthKind.IAM, "aws_iam", scopes
        if name:
            declared = (
                self.mapping(http, "authorizers", "provider.httpApi.authorizers") if http else None
            )
            settings = self.val(declared, name) if declared else None
            if not isinstance(settings, dict):
                self.result.warning(
                    "unresolved",
                    f"HTTP API authorizer '{name}' is not declared in provider.httpApi.authorizers",
                    location_of(value, self.top),
                )
                return AuthKind.UNKNOWN, name, scopes
            kind = (self.text(settings, "type") or "").lower()
            lambda_backed = "functionName" in settings or "functionArn" in settings
            if kind == "request" or (not kind and lambda_backed):
                return AuthKind.LAMBDA_AUTHORIZER, name, scopes
            return AuthKind.JWT, name, scopes
        if kind == "request":
            return AuthKind.LAMBDA_AUTHORIZER, ident, scopes
        if kind == "jwt":
            return AuthKind.JWT, ident, scopes
        return AuthKind.UNKNOWN, ident, scopes

    def _websocket(self, value: Any, loc: Location) -> Trigger:
        route = value if isinstance(value, str) else self.text(value, "route")
        auth, authorizer = self._websocket_authorizer(value)
        if route != "$connect":
            auth, authorizer = self.ws_connect or (AuthKind.NONE, None)
        self.apis.setdefault(WEBSOCKET_API, loc)
        return Trigger(
            TriggerKind.WEBSOCKET,
            loc,
            auth=auth,
            public=True,
            path=route,
            api=WEBSOCKET_API,
            authorizer=authorizer,
        )

    def _websocket_authorizer(self, value: Any) -> tuple[AuthKind, str | None]:
        authorizer = self.val(value, "authorizer") if isinstance(value, dict) else None
        if authorizer is None:
            return AuthKind.NONE, None
        if isinstance(authorizer, dict):
            label = self.text(authorizer, "name") or self.ref_text(self.val(authorizer, "arn"))
        else:
            label = self.ref_text(authorizer)
        if (label or "").lower() == "aws_iam":
            return AuthKind.IAM, label
        return AuthKind.LAMBDA_AUTHORIZER, label

    def _websocket_connect_auth(
        self, entries: list[tuple[str, Location, LDict]]
    ) -> tuple[AuthKind, str | None] | None:
        for _, _, config in entries:
            events = self.val(config, "events")
            for item in events if isinstance(events, list) else []:
                item = self.vars.value(item)
                if not isinstance(item, dict) or "websocket" not in item:
                    continue
                value = self.val(item, "websocket")
                route = value if isinstance(value, str) else self.text(value, "route")
                if route == "$connect":
                    return self._websocket_authorizer(value)
        return None

    def _alb(self, value: Any, loc: Location) -> Trigger:
        config = value if isinstance(value, dict) else {}
        conditions = self.val(config, "conditions")
        conditions = conditions if isinstance(conditions, dict) else {}
        methods = _texts(self.val(conditions, "method"))
        paths = _texts(self.val(conditions, "path"))
        listener = self.ref_text(self.val(config, "listenerArn"))
        names = _texts(self.val(config, "authorizer"))
        auth = AuthKind.NONE
        if names:
            alb = self.mapping(self.provider, "alb", "provider.alb")
            declared = self.val(alb, "authorizers") if alb else None
            settings = self.val(declared, names[0]) if isinstance(declared, dict) else None
            kind = (self.text(settings, "type") or "").lower() if isinstance(settings, dict) else ""
            auth = {"cognito": AuthKind.COGNITO, "oidc": AuthKind.JWT}.get(kind, AuthKind.UNKNOWN)
        return Trigger(
            TriggerKind.ALB,
            loc,
            auth=auth,
            public=self._alb_public(listener),
            method=",".join(m.upper() for m in methods) or None,
            path=",".join(paths) or None,
            source=listener,
            api=listener,
            authorizer=names[0] if names else None,
            attributes={"priority": _int(self.val(config, "priority"))},
        )

    def _alb_public(self, listener: str | None) -> bool | None:
        if not listener or not listener.startswith("ref:"):
            return None
        props = self.cfn_props(listener[4:].split(".", 1)[0])
        balancer = self.ref_text(props.get("LoadBalancerArn")) or ""
        if not balancer.startswith("ref:"):
            return None
        logical = balancer[4:].split(".", 1)[0]
        if self.cfn_type(logical) != "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return None
        scheme = to_text(self.cfn_props(logical).get("Scheme")) or "internet-facing"
        return scheme != "internal"

    def _source_event(self, kind: TriggerKind, keys: tuple[str, ...]) -> EventReader:
        def read(value: Any, loc: Location) -> Trigger:
            source = None
            attributes: dict[str, Any] = {}
            if isinstance(value, dict):
                for key in keys:
                    if key in value:
                        source = self.ref_text(self.val(value, key))
                        break
                for key in ("type", "event", "existing", "enabled", "trigger", "eventBus"):
                    if key in value and not isinstance(value[key], dict | list):
                        attributes[key] = self.val(value, key)
                if kind == TriggerKind.SCHEDULE and "rate" in value:
                    source = ", ".join(_texts(self.val(value, "rate"))) or source
            else:
                source = self.ref_text(value)
            return Trigger(
                kind, loc, auth=_SERVICE, public=False, source=source, attributes=attributes
            )

        return read

    # -- project-level resources ----------------------------------------------------------------

    def _api_resources(self) -> None:
        logs = self.mapping(self.provider, "logs", "provider.logs")
        if REST_API in self.apis:
            self.result.resources.append(self._rest_api(logs))
        if HTTP_API in self.apis:
            http = self.mapping(self.provider, "httpApi", "provider.httpApi")
            where = self.at(self.provider, "httpApi") if http else self.apis[HTTP_API]
            authorizers = self.val(http, "authorizers") if http else None
            cors = (
                self._cors(self.val(http, "cors", deep=True), self.at(http, "cors"))
                if http
                else None
            )
            self.result.resources.append(
                Resource(
                    "api",
                    HTTP_API,
                    where,
                    type="AWS::ApiGatewayV2::Api",
                    settings={
                        "api_type": "http",
                        "private": False,
                        "default_authorizer": None,
                        "default_auth": None,
                        "authorizers": tuple(authorizers) if isinstance(authorizers, dict) else (),
                        "access_logging": self._logging(logs, "httpApi"),
                        "cors": _cors_dict(cors),
                    },
                    locations=_locations_of(
                        (http, "cors", "cors"), (logs, "httpApi", "access_logging")
                    ),
                )
            )
        if WEBSOCKET_API in self.apis:
            self.result.resources.append(
                Resource(
                    "api",
                    WEBSOCKET_API,
                    self.apis[WEBSOCKET_API],
                    type="AWS::ApiGatewayV2::Api",
                    settings={
                        "api_type": "websocket",
                        "private": False,
                        "access_logging": self._logging(logs, "websocket"),
                    },
                )
            )

    def _rest_api(self, logs: LDict | None) -> Resource:
        gateway = self.mapping(self.provider, "apiGateway", "provider.apiGateway")
        endpoint = (self.text(self.provider, "endpointType") or "").upper() or None
        where = self.at(self.provider, "apiGateway") if gateway else self.apis[REST_API]
        throttle = self._usage_plan()
        keys = self.val(gateway, "apiKeys") if gateway else None
        names: list[str] = []
        literal_values = False
        for key in keys if isinstance(keys, list) else []:
            key = self.vars.value(key)
            if isinstance(key, dict):
                names.append(self.text(key, "name") or "")
                literal_values = literal_values or _is_literal(self.res(key, "value"))
            elif to_text(key):
                names.append(to_text(key) or "")
        policy = self.val(gateway, "resourcePolicy", deep=True) if gateway else None
        locations: dict[str, Location] = {}
        if endpoint:
            locations["private"] = self.at(self.provider, "endpointType")
        if logs is not None and "restApi" in logs:
            locations["access_logging"] = self.at(logs, "restApi")
        if throttle is not None and throttle.location is not None:
            locations["throttling"] = throttle.location
        return Resource(
            "api",
            REST_API,
            where,
            type="AWS::ApiGateway::RestApi",
            settings={
                "api_type": "rest",
                "private": endpoint == "PRIVATE" if endpoint else None,
                "endpoint_type": endpoint,
                "default_authorizer": None,
                "default_auth": None,
                "throttling": {
                    "rate_limit": throttle.rate_limit,
                    "burst_limit": throttle.burst_limit,
                    "quota": throttle.quota,
                }
                if throttle
                else None,
                "min_tls": None,
                "access_logging": self._logging(logs, "restApi"),
                "cors": None,
                "api_keys": tuple(names),
                "api_key_values_in_source": literal_values,
                "resource_policy": plain(policy) if isinstance(policy, list) else None,
            },
            locations=locations,
        )

    def _logging(self, logs: LDict | None, key: str) -> bool | None:
        if logs is None or key not in logs:
            return None
        value = self.val(logs, key)
        if isinstance(value, dict):
            flag = _bool(self.val(value, "accessLogging"))
            return True if flag is None else flag
        return _bool(value)

    def _deployment_bucket(self) -> None:
        bucket = self.val(self.provider, "deploymentBucket")
        if not isinstance(bucket, dict):
            return
        where = self.at(self.provider, "deploymentBucket")
        settings: dict[str, Any] = {}
        locations: dict[str, Location] = {}
        encryption = self.text(bucket, "serverSideEncryption")
        settings["encryption"] = encryption
        settings["kms_key"] = self.text(bucket, "sseKMSKeyId")
        block = _bool(self.val(bucket, "blockPublicAccess"))
        settings["public_access_block"] = (
            dict.fromkeys(
                (
                    "BlockPublicAcls",
                    "IgnorePublicAcls",
                    "BlockPublicPolicy",
                    "RestrictPublicBuckets",
                ),
                block,
            )
            if block is not None
            else None
        )
        settings["versioning"] = _bool(self.val(bucket, "versioning"))
        for field, key in (
            ("encryption", "serverSideEncryption"),
            ("kms_key", "sseKMSKeyId"),
            ("public_access_block", "blockPublicAccess"),
            ("versioning", "versioning"),
        ):
            if key in bucket:
                locations[field] = self.at(bucket, key)
        self.result.resources.append(
            Resource(
                "s3-bucket",
                "ServerlessDeploymentBucket",
                where,
                type="AWS::S3::Bucket",
                physical_name=self.text(bucket, "name"),
                settings=settings,
                locations=locations,
            )
        )

    def _layer_resources(self) -> None:
        layers = self.mapping(self.doc, "layers", "layers")
        for name, config in (layers or {}).items():
            where = self.at(layers, name)
            config = self.vars.value(config, loc=where)
            if not isinstance(config, dict):
                self.result.error(
                    "invalid", f"layer '{name}' must be a mapping, not {_kind(config)}", where
                )
                continue
            accounts = _texts(self.val(config, "allowedAccounts"))
            locations = (
                {"allowed_accounts": self.at(config, "allowedAccounts")}
                if ("allowedAccounts" in config)
                else {}
            )
            self.result.resources.append(
                Resource(
                    "layer",
                    logical_name(str(name)) + "LambdaLayer",
                    where,
                    type="AWS::Lambda::LayerVersion",
                    physical_name=self.text(config, "name") or str(name),
                    settings={
                        "path": self.text(config, "path"),
                        "compatible_runtimes": _texts(self.val(config, "compatibleRuntimes")),
                        "allowed_accounts": accounts,
                        "public": "*" in accounts,
                    },
                    locations=locations,
                )
            )

    # -- other providers ------------------------------------------------------------------------

    def _load_other(self, name: str, entries: list[tuple[str, Location, LDict]]) -> None:
        provider = Provider.AZURE if name == "azure" else Provider.GCP
        for fn_name, loc, config in entries:
            locs: dict[str, Location] = {}
            handler = self.text(config, "handler")
            if handler:
                locs["handler"] = self.at(config, "handler")
            runtime, _ = self._inherit(config, "runtime", "runtime", locs)
            self.result.functions.append(
                Function(
                    name=fn_name,
                    provider=provider,
                    source_format=SourceFormat.SERVERLESS,
                    location=loc,
                    runtime=to_text(runtime) if isinstance(runtime, str) else None,
                    handler=handler,
                    code_path=self._code_path(handler, config, None, locs),
                    timeout=self._inherited_number(config, "timeout", "timeout", locs),
                    memory=self._inherited_number(config, "memorySize", "memory", locs),
                    environment=self._environment(config, locs),
                    triggers=tuple(self._other_triggers(provider, config)),
                    locations=locs,
                )
            )

    def _other_triggers(self, provider: Provider, config: LDict) -> Iterator[Trigger]:
        events = self.val(config, "events")
        for index, item in enumerate(events if isinstance(events, list) else []):
            item = self.vars.value(item)
            if not isinstance(item, dict) or not item:
                continue
            kind = str(next(iter(item)))
            loc = self.at(item, kind) if isinstance(item, LDict) else self.at(events, index)
            if kind == "http" and provider == Provider.AZURE:
                settings = self.val(item, "x-azure-settings")
                settings = settings if isinstance(settings, dict) else item
                level = (self.text(settings, "authLevel") or "function").lower()
                yield Trigger(
                    TriggerKind.AZURE_HTTP,
                    loc,
                    auth=AuthKind.NONE if level == "anonymous" else AuthKind.FUNCTION_KEY,
                    public=True,
                    method=",".join(m.upper() for m in _texts(self.val(settings, "methods")))
                    or None,
                    path=self.text(settings, "route"),
                    attributes={"auth_level": level},
                )
            elif kind == "http":
                yield Trigger(
                    TriggerKind.GCP_HTTP,
                    loc,
                    auth=AuthKind.UNKNOWN,
                    public=None,
                    path=self.text(item, "http"),
                )
            else:
                event = AuthKind.SERVICE
                source = self.val(item, kind)
                if isinstance(source, dict):
                    source = self.text(source, "resource") or self.text(source, "name")
                yield Trigger(
                    TriggerKind.AZURE_EVENT
                    if provider == Provider.AZURE
                    else TriggerKind.GCP_EVENT,
                    loc,
                    auth=event,
                    public=False,
                    source=to_text(source) if isinstance(source, str) else None,
                    attributes={"event": kind},
                )


EventReader = Callable[[Any, Location], Trigger | None]


def _event_readers() -> dict[str, Callable[[_Project, Any, Location], Trigger | None]]:
    def source(kind: TriggerKind, *keys: str) -> Callable[[_Project, Any, Location], Trigger]:
        return lambda project, value, loc: project._source_event(kind, keys)(value, loc)

    return {
        "http": _Project._http,
        "httpApi": _Project._http_api,
        "websocket": _Project._websocket,
        "alb": _Project._alb,
        "sqs": source(TriggerKind.SQS, "arn", "queueName"),
        "sns": source(TriggerKind.SNS, "arn", "topicName"),
        "s3": source(TriggerKind.S3, "bucket"),
        "schedule": source(TriggerKind.SCHEDULE, "rate", "name"),
        "eventBridge": source(TriggerKind.EVENTBRIDGE, "eventBus", "schedule"),
        "cloudwatchEvent": source(TriggerKind.EVENTBRIDGE, "name"),
        "stream": source(TriggerKind.STREAM, "arn"),
        "kafka": source(TriggerKind.STREAM, "topic"),
        "msk": source(TriggerKind.STREAM, "arn"),
        "activemq": source(TriggerKind.STREAM, "arn"),
        "rabbitmq": source(TriggerKind.STREAM, "arn"),
        "cognitoUserPool": source(TriggerKind.COGNITO, "pool"),
        "iot": source(TriggerKind.IOT, "sql", "name"),
        "iotFleetProvisioning": source(TriggerKind.IOT, "templateBody"),
        "cloudwatchLog": source(TriggerKind.CLOUDWATCH_LOGS, "logGroup"),
        "alexaSkill": source(TriggerKind.ALEXA, "appId"),
        "alexaSmartHome": source(TriggerKind.ALEXA, "appId"),
    }


_EVENT_READERS = _event_readers()


def _known_text(value: Any) -> str | None:
    """Text that was fully resolved (an unresolvable ``${...}`` stays unset, never guessed)."""
    return str(value) if isinstance(value, str) and "${" not in value else None


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _case_insensitive(item: dict[str, Any]) -> Callable[[str], str]:
    lowered = {str(k).lower(): k for k in item}

    def get(key: str) -> str:
        return lowered.get(key.lower(), key)

    return get


def _as_ldict(value: dict[str, Any], loc: Location) -> LDict:
    out = LDict(value)
    out.loc = loc
    return out


def _origin_of_tags(tags: frozenset[str]) -> ValueOrigin:
    if SECRETS_MANAGER in tags:
        return ValueOrigin.SECRETS_MANAGER
    if SSM in tags:
        return ValueOrigin.SSM
    return ValueOrigin.UNRESOLVED


def _secret_store(text: str) -> ValueOrigin | None:
    match = _DYNAMIC_REF.search(text)
    if match is None:
        return None
    return ValueOrigin.SECRETS_MANAGER if match.group(1) == "secretsmanager" else ValueOrigin.SSM


def _is_literal(res: Res) -> bool:
    return res.value is not None and not res.opaque and not res.tags


def _render(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(plain(value), default=str)
    return text if len(text) <= 160 else text[:157] + "..."


def _cors_dict(cors: Cors | None) -> dict[str, Any] | None:
    if cors is None:
        return None
    return {"origins": cors.origins, "allow_credentials": cors.allow_credentials}


def _locations_of(*settings: tuple[LDict | None, str, str]) -> dict[str, Location]:
    """setting name -> where its key is written, for the keys that are present."""
    return {
        field: holder.where(key)
        for holder, key, field in settings
        if holder is not None and key in holder
    }


__all__ = ["load_file", "logical_name"]
