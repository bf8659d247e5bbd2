"""Azure Functions projects: host.json, <function>/function.json, local.settings.json.

One call loads one function app (the directory holding host.json). What is read:

* ``<function>/function.json``: bindings. An ``httpTrigger`` becomes one :class:`Trigger` per
  HTTP method (``method=None`` when ``methods`` is absent or empty: every method is accepted).
  ``authLevel`` anonymous -> ``AuthKind.NONE``; function/admin/system -> ``FUNCTION_KEY``; when
  absent the platform default ``function`` applies and ``attributes["auth_level_explicit"]`` is
  False. The trigger points at the ``authLevel`` line when written, else at the ``type`` line.
  ``path`` is the URL path as served: ``/<routePrefix>/<route>`` (routePrefix from host.json,
  ``api`` when unset; route defaults to the function name). Every other ``*Trigger`` becomes an
  ``AZURE_EVENT`` trigger with ``auth=SERVICE`` and its queue/path/schedule/topic as ``source``
  (``%Setting%`` binding expressions are resolved from local.settings.json when possible).
* ``host.json``: version, functionTimeout (seconds, -1 for unbounded), the http extension
  (routePrefix, limits, custom headers), logging, extensionBundle: app-wide, they land on the
  ``azure-function-app`` :class:`Resource` and on each function (timeout, attributes).
* ``local.settings.json``: ``Values`` and ``ConnectionStrings`` are the environment of every
  function of the app (literal values are LITERAL, ``@Microsoft.KeyVault(...)`` is KEY_VAULT);
  ``Host.CORS``/``CORSCredentials`` become the HTTP triggers' :class:`Cors`.
* The Python v2 programming model: with host.json and no function.json, ``function_app.py`` (and
  the blueprint modules it registers) is read with :mod:`ast`, never executed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from faasguard._located import LDict, LList, location_of, plain
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._read import load_document, read_text
from faasguard.model import (
    AuthKind,
    Cors,
    EnvVar,
    Function,
    Location,
    Provider,
    Resource,
    SourceFormat,
    Throttling,
    Trigger,
    TriggerKind,
    ValueOrigin,
)

if TYPE_CHECKING:
    import ast

HOST, SETTINGS, FUNCTION = "azure-host", "azure-settings", "azure-function"
DEFAULT_ROUTE_PREFIX = "api"
UNBOUNDED = -1

_AUTH_LEVELS = {
    "anonymous": AuthKind.NONE,
    "function": AuthKind.FUNCTION_KEY,
    "admin": AuthKind.FUNCTION_KEY,
    "system": AuthKind.FUNCTION_KEY,
}
# Lower-cased trigger binding type -> binding properties naming what fires it, joined by "/".
_EVENT_SOURCES: dict[str, tuple[tuple[str, ...], ...]] = {
    "queuetrigger": (("queueName",),),
    "blobtrigger": (("path",), ("blobPath",)),
    "timertrigger": (("schedule",),),
    "servicebustrigger": (("queueName",), ("topicName", "subscriptionName"), ("topicName",)),
    "eventhubtrigger": (("eventHubName",), ("path",)),
    "cosmosdbtrigger": (("databaseName", "containerName"), ("databaseName", "collectionName")),
    "eventgridtrigger": (),
    "kafkatrigger": (("topic",),),
    "rabbitmqtrigger": (("queueName",),),
    "signalrtrigger": (("hubName", "category", "event"), ("hubName",)),
    "sqltrigger": (("tableName",),),
    "mysqltrigger": (("tableName",),),
    "redispubsubtrigger": (("channel",),),
    "redisliststrigger": (("key",),),
    "redisstreamtrigger": (("key",),),
}
_CONNECTION_KEYS = ("connection", "connectionStringSetting")
_TIMESPAN = re.compile(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?$")
_SETTING_EXPR = re.compile(r"%([^%\s]+)%")
_KEY_VAULT = "@microsoft.keyvault("
_APP_CONFIG = "@microsoft.appconfiguration("


@dataclass
class _Host:
    """What host.json says for the whole app."""

    file: str | None = None
    version: str | None = None
    timeout: int | None = None
    timeout_loc: Location | None = None
    route_prefix: str | None = None
    route_prefix_loc: Location | None = None
    http: dict[str, Any] = field(default_factory=dict)
    http_loc: Location | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    enabled_functions: tuple[str, ...] | None = None


@dataclass
class _Settings:
    """What local.settings.json says: app settings, connection strings, local host CORS."""

    file: str | None = None
    env: tuple[EnvVar, ...] = ()
    env_loc: Location | None = None
    values: dict[str, str] = field(default_factory=dict)
    value_locs: dict[str, Location] = field(default_factory=dict)
    cors: Cors | None = None
    encrypted: bool = False


@dataclass
class _App:
    name: str
    root: Path
    host: _Host
    settings: _Settings
    ctx: LoadContext
    result: LoadResult

    def resolve(self, text: str) -> str:
        """Replace %Setting% binding expressions with app setting values when known."""
        return _SETTING_EXPR.sub(lambda m: self.settings.values.get(m.group(1), m.group(0)), text)

    @property
    def prefix(self) -> str:
        prefix = self.host.route_prefix
        return DEFAULT_ROUTE_PREFIX if prefix is None else prefix

    def url_path(self, route: str) -> str:
        parts = [p.strip("/") for p in (self.prefix, route) if p and p.strip("/")]
        return "/" + "/".join(parts)


def load_app(app_root: Path, files: list[Candidate], ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    by_kind: dict[str, list[Candidate]] = {}
    for cand in files:
        by_kind.setdefault(cand.kind, []).append(cand)
    host_cand = (by_kind.get(HOST) or [None])[0]
    settings_cand = (by_kind.get(SETTINGS) or [None])[0]
    host = _read_host(host_cand, result) if host_cand else _Host()
    settings = _read_settings(settings_cand, result) if settings_cand else _Settings()
    app = _App(_app_name(app_root, ctx), app_root, host, settings, ctx, result)

    functions: list[Function] = []
    for cand in sorted(by_kind.get(FUNCTION, []), key=lambda c: c.rel):
        fn = _load_function_json(cand, app)
        if fn is not None:
            functions.append(fn)
    if host_cand is not None and not by_kind.get(FUNCTION):
        functions.extend(_load_python_v2(app))
        if not functions:
            result.warning(
                "unsupported",
                "no function.json and no Python function_app.py found: functions declared in "
                "code (Node.js v4, .NET, Java, PowerShell) are not read",
                Location(host_cand.rel),
            )
    result.functions.extend(functions)
    if host_cand is not None or settings_cand is not None:
        result.resources.append(_app_resource(app, functions, host_cand or settings_cand))
    return result


def _app_name(app_root: Path, ctx: LoadContext) -> str:
    rel = ctx.rel(app_root)
    return app_root.resolve().name if rel in ("", ".") else rel


# --------------------------------------------------------------------------- host.json


def _read_host(cand: Candidate, result: LoadResult) -> _Host:
    host = _Host(file=cand.rel)
    doc = load_document(cand, result)
    if doc is None:
        return host
    if not isinstance(doc, LDict):
        result.error("invalid", "host.json must be a JSON object", location_of(doc, _loc(cand)))
        return host
    version = doc.get("version")
    if version is not None:
        host.version = str(version)
        host.settings["version"] = host.version
        host.locations["version"] = doc.where("version")
    _read_timeout(doc, host, result)
    extensions = doc.get("extensions")
    http = extensions.get("http") if isinstance(extensions, LDict) else None
    if http is None and host.version is None:
        http = doc.get("http")  # Functions 1.x host.json keeps http at the top level
    if isinstance(http, LDict):
        _read_http(http, host, result)
    for key, name in (("logging", "logging"), ("extensionBundle", "extension_bundle")):
        value = doc.get(key)
        if isinstance(value, LDict):
            host.settings[name] = plain(value)
            host.locations[name] = doc.where(key)
    enabled = doc.get("functions")
    if isinstance(enabled, list):
        host.enabled_functions = tuple(str(f) for f in enabled if isinstance(f, str))
    return host


def _read_timeout(doc: LDict, host: _Host, result: LoadResult) -> None:
    if "functionTimeout" not in doc:
        return
    raw = doc["functionTimeout"]
    loc = doc.where("functionTimeout")
    seconds = parse_timespan(raw)
    if seconds is None:
        result.error("invalid", f"functionTimeout {raw!r} is not a time span (hh:mm:ss)", loc)
        return
    host.timeout, host.timeout_loc = seconds, loc
    host.settings["function_timeout"] = seconds
    host.locations["function_timeout"] = loc


def parse_timespan(value: Any) -> int | None:
    """Seconds of a .NET TimeSpan such as ``"00:05:00"`` or ``"1.00:00:00"``; -1 if unbounded."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return UNBOUNDED if value == -1 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text == "-1":
        return UNBOUNDED
    match = _TIMESPAN.match(text)
    if match is None:
        return None
    negative, days, hours, minutes, seconds = match.groups()
    if int(minutes) > 59 or (seconds is not None and int(seconds) > 59):
        return None
    if negative:
        return UNBOUNDED
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)


def _read_http(http: LDict, host: _Host, result: LoadResult) -> None:
    host.http = plain(http)
    host.http_loc = http.loc
    host.settings["http"] = host.http
    host.locations["http"] = http.loc
    if "routePrefix" in http:
        prefix = http["routePrefix"]
        if isinstance(prefix, str):
            host.route_prefix = prefix
            host.route_prefix_loc = http.where("routePrefix")
            host.settings["route_prefix"] = prefix
            host.locations["route_prefix"] = host.route_prefix_loc
        else:
            result.error("invalid", "routePrefix must be a string", http.where("routePrefix"))
    limits = {
        "max_concurrent_requests": http.get("maxConcurrentRequests"),
        "max_outstanding_requests": http.get("maxOutstandingRequests"),
        "dynamic_throttles": http.get("dynamicThrottlesEnabled"),
    }
    limits = {k: v for k, v in limits.items() if v is not None}
    if limits:
        host.settings["throttling"] = limits
    headers = http.get("customHeaders")
    if isinstance(headers, LDict):
        host.settings["custom_headers"] = plain(headers)
    hsts = http.get("hsts")
    if isinstance(hsts, LDict):
        host.settings["hsts"] = plain(hsts)


# --------------------------------------------------------------------------- local.settings.json


def _read_settings(cand: Candidate, result: LoadResult) -> _Settings:
    settings = _Settings(file=cand.rel)
    doc = load_document(cand, result)
    if doc is None:
        return settings
    if not isinstance(doc, LDict):
        result.error(
            "invalid", "local.settings.json must be a JSON object", location_of(doc, _loc(cand))
        )
        return settings
    if _truthy(doc.get("IsEncrypted")):
        settings.encrypted = True
        result.warning(
            "unsupported",
            "local.settings.json is encrypted (IsEncrypted: true); its values are not read",
            doc.where("IsEncrypted"),
        )
        return settings
    env: list[EnvVar] = []
    values = doc.get("Values")
    if isinstance(values, LDict):
        settings.env_loc = doc.where("Values")
        env.extend(_setting_vars(values, "", settings, result))
    elif values is not None:
        result.error("invalid", "Values must be a JSON object", doc.where("Values"))
    conns = doc.get("ConnectionStrings")
    if isinstance(conns, LDict):
        env.extend(_setting_vars(conns, "ConnectionStrings:", settings, result))
    elif conns is not None:
        result.error(
            "invalid", "ConnectionStrings must be a JSON object", doc.where("ConnectionStrings")
        )
    settings.env = tuple(env)
    host = doc.get("Host")
    if isinstance(host, LDict) and "CORS" in host:
        settings.cors = _local_cors(host)
    return settings


def _setting_vars(
    mapping: LDict, prefix: str, settings: _Settings, result: LoadResult
) -> list[EnvVar]:
    out: list[EnvVar] = []
    for key, raw in mapping.items():
        name = f"{prefix}{key}"
        loc = mapping.where(key)
        value = raw.get("ConnectionString") if prefix and isinstance(raw, LDict) else raw
        text = _scalar_text(value)
        if text is None:
            result.warning("invalid", f"setting {name} is not a string; ignored", loc)
            continue
        var = setting_var(name, text, loc)
        out.append(var)
        if not prefix:
            settings.values[name] = text
            settings.value_locs[name] = loc
    return out


def setting_var(name: str, text: str, loc: Location) -> EnvVar:
    """An app setting as an environment variable, with where its value comes from."""
    lowered = text.strip().lower()
    if lowered.startswith(_KEY_VAULT):
        return EnvVar(name, None, ValueOrigin.KEY_VAULT, loc, text)
    if lowered.startswith(_APP_CONFIG):
        return EnvVar(name, None, ValueOrigin.REFERENCE, loc, text)
    return EnvVar(name, text, ValueOrigin.LITERAL, loc)


def _local_cors(host: LDict) -> Cors:
    raw = host.get("CORS")
    origins = tuple(o.strip() for o in str(raw or "").split(",") if o.strip())
    return Cors(origins, _truthy(host.get("CORSCredentials")), host.where("CORS"))


# --------------------------------------------------------------------------- function.json


def _load_function_json(cand: Candidate, app: _App) -> Function | None:
    result = app.result
    doc = load_document(cand, result)
    if doc is None:
        return None
    if not isinstance(doc, LDict):
        result.error("invalid", "function.json must be a JSON object", location_of(doc, _loc(cand)))
        return None
    bindings = doc.get("bindings")
    if "bindings" not in doc:
        result.error("invalid", "function.json has no bindings", doc.loc)
        return None
    if not isinstance(bindings, LList):
        result.error("invalid", "bindings must be a list", doc.where("bindings"))
        return None
    name = cand.path.parent.name
    triggers: list[Trigger] = []
    types: list[str] = []
    for index, binding in enumerate(bindings):
        if not isinstance(binding, LDict):
            result.error("invalid", "a binding must be a JSON object", bindings.where(index))
            continue
        btype = binding.get("type")
        if not isinstance(btype, str) or not btype:
            result.error("invalid", "binding without a type", binding.loc)
            continue
        types.append(btype)
        if btype.lower().endswith("trigger"):
            triggers.extend(_binding_triggers(binding, btype, name, app))
    if not triggers:
        result.error("invalid", f"function {name} has no trigger binding", doc.where("bindings"))
        return None
    if sum(t.lower().endswith("trigger") for t in types) > 1:
        result.warning(
            "invalid", f"function {name} declares more than one trigger", doc.where("bindings")
        )
    locations: dict[str, Location] = {}
    attributes: dict[str, Any] = {"bindings": types, "model": "function.json"}
    handler, code_path = _script(doc, cand, app, locations)
    disabled = _disabled(doc, locations)
    if disabled is not None:
        attributes["disabled"] = disabled
    if doc.get("configurationSource") == "attributes" or "generatedBy" in doc:
        attributes["generated"] = True
    _add_auth_attribute(triggers, attributes)
    return _function(
        app,
        name=name,
        location=doc.loc,
        triggers=triggers,
        handler=handler,
        code_path=code_path,
        locations=locations,
        attributes=attributes,
    )


def _binding_triggers(binding: LDict, btype: str, fn_name: str, app: _App) -> list[Trigger]:
    lowered = btype.lower()
    if lowered == "httptrigger":
        return _http_triggers(binding, fn_name, app)
    source, expression = _event_source(binding, lowered, app)
    attrs: dict[str, Any] = {"binding": btype}
    if expression is not None:
        attrs["source_expression"] = expression
    for key in _CONNECTION_KEYS:
        conn = binding.get(key)
        if isinstance(conn, str):
            attrs["connection"] = conn
            setting = _connection_setting(conn, app)
            if setting:
                attrs["connection_setting"] = setting
    if lowered == "timertrigger":
        attrs["schedule"] = source
        for key, attr in (("runOnStartup", "run_on_startup"), ("useMonitor", "use_monitor")):
            if key in binding:
                attrs[attr] = _truthy(binding[key])
    return [
        Trigger(
            kind=TriggerKind.AZURE_EVENT,
            location=binding.where("type"),
            auth=AuthKind.SERVICE,
            public=False,
            source=source,
            attributes=attrs,
        )
    ]


def _event_source(binding: LDict, lowered: str, app: _App) -> tuple[str | None, str | None]:
    for keys in _EVENT_SOURCES.get(lowered, ()):
        parts = [binding.get(k) for k in keys]
        if all(isinstance(p, str) and p for p in parts):
            raw = "/".join(parts)  # type: ignore[arg-type]
            resolved = app.resolve(raw)
            return resolved, (raw if resolved != raw else None)
    return None, None


def _connection_setting(conn: str, app: _App) -> str | None:
    values = app.settings.values
    for candidate in (conn, f"AzureWebJobs{conn}"):
        if candidate in values:
            return candidate
    if any(k.startswith(conn + "__") for k in values):
        return conn + "__"  # identity-based connection (accountName / serviceUri settings)
    return None


def _http_triggers(binding: LDict, fn_name: str, app: _App) -> list[Trigger]:
    level, explicit = _auth_level(binding, app)
    auth = _AUTH_LEVELS.get(level or "", AuthKind.UNKNOWN)
    route_raw = binding.get("route")
    route = route_raw if isinstance(route_raw, str) and route_raw.strip() else fn_name
    attrs: dict[str, Any] = {
        "binding": binding.get("type"),
        "auth_level": level,
        "auth_level_explicit": explicit,
        "route": route_raw if isinstance(route_raw, str) else None,
        "route_prefix": app.prefix,
    }
    location = binding.where("authLevel") if explicit else binding.where("type")
    return _route_triggers(
        app, location, auth, route, _methods(binding.get("methods"), binding, app), attrs
    )


def _auth_level(binding: LDict, app: _App) -> tuple[str | None, bool]:
    if "authLevel" not in binding:
        return "function", False
    raw = binding["authLevel"]
    if not isinstance(raw, str):
        app.result.error("invalid", "authLevel must be a string", binding.where("authLevel"))
        return None, True
    level = app.resolve(raw).strip().lower()
    if level not in _AUTH_LEVELS:
        app.result.warning(
            "unresolved",
            f"authLevel {raw!r} is not one of anonymous/function/admin; auth unknown",
            binding.where("authLevel"),
        )
    return level, True


def _methods(raw: Any, binding: LDict, app: _App) -> list[str | None]:
    if raw is None:
        return [None]
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        app.result.error("invalid", "methods must be a list of strings", binding.where("methods"))
        return [None]
    methods = [m.strip().upper() for m in items if isinstance(m, str) and m.strip()]
    return list(dict.fromkeys(methods)) or [None]


def _route_triggers(
    app: _App,
    location: Location,
    auth: AuthKind,
    route: str,
    methods: Iterable[str | None],
    attrs: dict[str, Any],
) -> list[Trigger]:
    return [
        Trigger(
            kind=TriggerKind.AZURE_HTTP,
            location=location,
            auth=auth,
            public=True,
            method=method,
            path=app.url_path(route),
            api=app.name,
            cors=app.settings.cors,
            throttling=_throttling(app.host),
            attributes=dict(attrs),
        )
        for method in methods
    ]


def _throttling(host: _Host) -> Throttling | None:
    limits = host.settings.get("throttling") or {}
    concurrent = limits.get("max_concurrent_requests")
    if not isinstance(concurrent, int) or isinstance(concurrent, bool) or concurrent < 0:
        return None
    return Throttling(burst_limit=concurrent, location=host.http_loc)


def _script(
    doc: LDict, cand: Candidate, app: _App, locations: dict[str, Location]
) -> tuple[str | None, str | None]:
    script = doc.get("scriptFile")
    entry = doc.get("entryPoint")
    script = script if isinstance(script, str) and script.strip() else None
    entry = entry if isinstance(entry, str) and entry.strip() else None
    code_path = None
    if script is not None:
        function_dir = PurePosixPath(cand.rel).parent
        code_path = _normalize(function_dir / script.replace("\\", "/"))
        locations["code_path"] = doc.where("scriptFile")
    handler = ":".join(p for p in (script, entry) if p) or None
    if handler is not None:
        locations["handler"] = doc.where("entryPoint" if entry else "scriptFile")
    return handler, code_path


def _normalize(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts) or "."


def _disabled(doc: LDict, locations: dict[str, Location]) -> bool | str | None:
    if "disabled" not in doc:
        return None
    locations["disabled"] = doc.where("disabled")
    raw = doc["disabled"]
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    return str(raw)  # the name of an app setting that decides it


def _add_auth_attribute(triggers: list[Trigger], attributes: dict[str, Any]) -> None:
    for trigger in triggers:
        if trigger.kind == TriggerKind.AZURE_HTTP:
            attributes["auth_level"] = trigger.attributes.get("auth_level")
            return


def _function(
    app: _App,
    *,
    name: str,
    location: Location,
    triggers: list[Trigger],
    handler: str | None,
    code_path: str | None,
    locations: dict[str, Location],
    attributes: dict[str, Any],
    runtime: str | None = None,
) -> Function:
    host, settings = app.host, app.settings
    if host.timeout is not None and host.timeout_loc is not None:
        locations["timeout"] = host.timeout_loc
        attributes["function_timeout"] = host.timeout
    if host.version is not None:
        attributes["host_version"] = host.version
    if settings.env:
        locations["environment"] = settings.env_loc or settings.env[0].location
    worker = settings.values.get("FUNCTIONS_WORKER_RUNTIME")
    if worker:
        runtime = worker
        locations["runtime"] = settings.value_locs["FUNCTIONS_WORKER_RUNTIME"]
    disabled_setting = f"AzureWebJobs.{name}.Disabled"  # overrides function.json "disabled"
    if disabled_setting in settings.values:
        attributes["disabled"] = _truthy(settings.values[disabled_setting])
        locations["disabled"] = settings.value_locs[disabled_setting]
    if host.enabled_functions is not None and name not in host.enabled_functions:
        attributes["excluded_by_host"] = True
    return Function(
        name=name,
        provider=Provider.AZURE,
        source_format=SourceFormat.AZURE_FUNCTIONS,
        location=location,
        runtime=runtime,
        handler=handler,
        code_path=code_path,
        timeout=host.timeout,
        environment=settings.env,
        triggers=tuple(triggers),
        locations=dict(locations),
        attributes=attributes,
    )


# --------------------------------------------------------------------------- the app resource


def _app_resource(app: _App, functions: list[Function], first: Candidate) -> Resource:
    host, settings = app.host, app.settings
    values: dict[str, Any] = dict(host.settings)
    locations: dict[str, Location] = dict(host.locations)
    values["api_type"] = "http"
    values["functions"] = [f.name for f in functions]
    values["app_settings"] = settings.env
    worker = settings.values.get("FUNCTIONS_WORKER_RUNTIME")
    if worker:
        values["worker_runtime"] = worker
        locations["worker_runtime"] = settings.value_locs["FUNCTIONS_WORKER_RUNTIME"]
    values["application_insights"] = any(
        k in settings.values
        for k in ("APPLICATIONINSIGHTS_CONNECTION_STRING", "APPINSIGHTS_INSTRUMENTATIONKEY")
    )
    if settings.cors is not None:
        values["cors"] = {
            "origins": list(settings.cors.origins),
            "allow_credentials": settings.cors.allow_credentials,
        }
        if settings.cors.location is not None:
            locations["cors"] = settings.cors.location
    http_auth = [t.auth for f in functions for t in f.triggers if t.kind == TriggerKind.AZURE_HTTP]
    if http_auth and len(set(http_auth)) == 1:
        values["default_auth"] = http_auth[0].value
    return Resource(
        kind="azure-function-app",
        name=app.name,
        location=Location(host.file or settings.file or first.rel),
        provider=Provider.AZURE,
        type="host.json" if host.file else "local.settings.json",
        physical_name=None,
        settings=values,
        locations=locations,
    )


# --------------------------------------------------------------------------- Python v2 model

_V2_FILE = "function_app.py"
_REGISTERS = {"FunctionApp", "Blueprint", "AsgiFunctionApp", "WsgiFunctionApp"}
_ASGI = {"AsgiFunctionApp", "WsgiFunctionApp"}
_HTTP_METHODS = ("route",)
# decorator name -> (binding type, keyword groups naming the source)
_V2_EVENTS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "queue_trigger": ("queueTrigger", (("queue_name",),)),
    "blob_trigger": ("blobTrigger", (("path",),)),
    "timer_trigger": ("timerTrigger", (("schedule",),)),
    "schedule": ("timerTrigger", (("schedule",),)),
    "service_bus_queue_trigger": ("serviceBusTrigger", (("queue_name",),)),
    "service_bus_topic_trigger": ("serviceBusTrigger", (("topic_name", "subscription_name"),)),
    "event_hub_message_trigger": ("eventHubTrigger", (("event_hub_name",),)),
    "cosmos_db_trigger": (
        "cosmosDBTrigger",
        (("database_name", "container_name"), ("database_name", "collection_name")),
    ),
    "cosmos_db_trigger_v3": ("cosmosDBTrigger", (("database_name", "collection_name"),)),
    "event_grid_trigger": ("eventGridTrigger", ()),
    "kafka_trigger": ("kafkaTrigger", (("topic",),)),
    "sql_trigger": ("sqlTrigger", (("table_name",),)),
    "mysql_trigger": ("mysqlTrigger", (("table_name",),)),
    "warm_up_trigger": ("warmupTrigger", ()),
    "generic_trigger": ("generic", ()),
}


@dataclass
class _Register:
    """A FunctionApp/Blueprint object: its variable name, kind and default HTTP auth level."""

    kind: str
    level: str | None  # lower-case auth level, None when not statically known
    node: ast.AST


@dataclass
class _PyModule:
    rel: str
    tree: ast.Module
    registers: dict[str, _Register]


def _load_python_v2(app: _App) -> list[Function]:
    path = app.root / _V2_FILE
    if not path.is_file():
        return []
    module = _parse_python(path, app)
    if module is None:
        return []
    functions = _v2_functions(module, app, module.registers)
    for blueprint_path, var in _blueprints(module, app):
        bp_module = _parse_python(blueprint_path, app)
        if bp_module is None:
            continue
        registers = {k: v for k, v in bp_module.registers.items() if k == var}
        functions.extend(_v2_functions(bp_module, app, registers))
    return functions


def _parse_python(path: Path, app: _App) -> _PyModule | None:
    import ast

    rel = app.ctx.rel(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        app.result.error("unreadable", f"cannot read file: {exc.strerror or exc}", Location(rel))
        return None
    if size > app.ctx.max_file_size:
        app.result.error(
            "too-large",
            f"file is {size:,} bytes, over the {app.ctx.max_file_size:,}-byte limit; not scanned",
            Location(rel),
        )
        return None
    text = read_text(Candidate(path, rel, "azure-python", size), app.result)
    if text is None:
        return None
    try:
        tree = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        app.result.error(
            "parse-error",
            f"invalid Python: {exc.msg}",
            Location(rel, exc.lineno or 1, exc.offset or 1),
        )
        return None
    except (ValueError, RecursionError, MemoryError) as exc:
        app.result.error("parse-error", f"cannot parse Python: {exc}", Location(rel))
        return None
    return _PyModule(rel, tree, _registers(tree, rel, app))


def _registers(tree: ast.Module, rel: str, app: _App) -> dict[str, _Register]:
    import ast

    found: dict[str, _Register] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        call = node.value
        if not isinstance(call, ast.Call) or _callee_name(call.func) not in _REGISTERS:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        level_node = _kwarg(call, "http_auth_level")
        level = "function" if level_node is None else _level_of(level_node, rel, app)
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _Register(_callee_name(call.func) or "", level, node)
    return found


def _callee_name(node: ast.AST) -> str | None:
    import ast

    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _kwarg(call: ast.Call, name: str, position: int | None = None) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _const_str(node: ast.AST | None) -> str | None:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _level_of(node: ast.AST, rel: str, app: _App) -> str | None:
    """``func.AuthLevel.ANONYMOUS``, ``AuthLevel.ADMIN`` or ``"anonymous"`` -> lower-case."""
    import ast

    text = _const_str(node)
    if text is None and isinstance(node, ast.Attribute):
        text = node.attr
    if text is not None and text.lower() in _AUTH_LEVELS:
        return text.lower()
    app.result.warning(
        "unresolved",
        f"auth level {ast.unparse(node)!r} is not statically known",
        _node_loc(node, rel),
    )
    return None


def _node_loc(node: ast.AST, rel: str) -> Location:
    line = getattr(node, "lineno", 1) or 1
    column = getattr(node, "col_offset", 0) or 0
    end = getattr(node, "end_lineno", None)
    return Location(rel, line, column + 1, end if end and end > line else None)


def _decorator_loc(node: ast.AST, rel: str) -> Location:
    loc = _node_loc(node, rel)
    return Location(rel, loc.line, max(1, loc.column - 1), loc.end_line)  # the "@" column


def _v2_functions(
    module: _PyModule, app: _App, registers: Mapping[str, _Register]
) -> list[Function]:
    import ast

    out: list[Function] = []
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            fn = _v2_function(node, module, app, registers)
            if fn is not None:
                out.append(fn)
    for var, register in registers.items():
        if register.kind in _ASGI:
            out.append(_asgi_function(var, register, module, app))
    return out


def _v2_function(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    module: _PyModule,
    app: _App,
    registers: Mapping[str, _Register],
) -> Function | None:
    import ast

    name = node.name
    triggers: list[Trigger] = []
    types: list[str] = []
    pending_routes: list[tuple[ast.Call, _Register | None]] = []
    for deco in node.decorator_list:
        if not isinstance(deco, ast.Call) or not isinstance(deco.func, ast.Attribute):
            continue
        receiver = deco.func.value
        if not isinstance(receiver, ast.Name) or receiver.id not in registers:
            continue
        register = registers.get(receiver.id)
        method = deco.func.attr
        if method == "function_name":
            given = _const_str(_kwarg(deco, "name", 0))
            name = given or name
        elif method in _HTTP_METHODS:
            pending_routes.append((deco, register))
            types.append("httpTrigger")
        elif method in _V2_EVENTS or method.endswith("_trigger"):
            trigger = _v2_event(deco, method, module.rel, app)
            triggers.append(trigger)
            types.append(trigger.attributes["binding"])
        elif method == "http_type":
            continue
        else:
            types.append(method)
    for deco, register in pending_routes:
        triggers.extend(_v2_route(deco, register, name, module.rel, app))
    if not triggers:
        return None
    def_loc = Location(module.rel, node.lineno, node.col_offset + 1)
    attributes: dict[str, Any] = {"bindings": types, "model": "python-v2"}
    _add_auth_attribute(triggers, attributes)
    locations = {"handler": def_loc, "code_path": def_loc}
    handler = f"{PurePosixPath(module.rel).name}:{node.name}"
    return _function(
        app,
        name=name,
        location=def_loc,
        triggers=triggers,
        handler=handler,
        code_path=module.rel,
        locations=locations,
        attributes=attributes,
        runtime="python",
    )


def _v2_route(
    deco: ast.Call, register: _Register | None, fn_name: str, rel: str, app: _App
) -> list[Trigger]:
    level_node = _kwarg(deco, "auth_level")
    if level_node is not None:
        level, explicit = _level_of(level_node, rel, app), True
    else:
        level, explicit = (register.level if register else "function"), False
    route = _const_str(_kwarg(deco, "route", 0))
    route_node = _kwarg(deco, "route", 0)
    if route_node is not None and route is None:
        app.result.warning(
            "unresolved",
            f"route {_unparse(route_node)!r} is not statically known",
            _node_loc(route_node, rel),
        )
    attrs = {
        "binding": "httpTrigger",
        "auth_level": level,
        "auth_level_explicit": explicit,
        "route": route,
        "route_prefix": app.prefix,
    }
    auth = _AUTH_LEVELS.get(level or "", AuthKind.UNKNOWN)
    methods = _v2_methods(_kwarg(deco, "methods"))
    return _route_triggers(app, _decorator_loc(deco, rel), auth, route or fn_name, methods, attrs)


def _v2_methods(node: ast.AST | None) -> list[str | None]:
    import ast

    if node is None:
        return [None]
    items = node.elts if isinstance(node, ast.List | ast.Tuple | ast.Set) else [node]
    methods: list[str] = []
    for item in items:
        text = _const_str(item)
        if text is None and isinstance(item, ast.Attribute):
            text = item.attr
        if text:
            methods.append(text.upper())
    return list(dict.fromkeys(methods)) or [None]


def _v2_event(deco: ast.Call, method: str, rel: str, app: _App) -> Trigger:
    btype, groups = _V2_EVENTS.get(method, (method, ()))
    if method == "generic_trigger":
        btype = _const_str(_kwarg(deco, "type")) or "generic"
    source = expression = None
    for keys in groups:
        parts = [_const_str(_kwarg(deco, k)) for k in keys]
        if all(parts):
            raw = "/".join(parts)  # type: ignore[arg-type]
            source = app.resolve(raw)
            expression = raw if source != raw else None
            break
    attrs: dict[str, Any] = {"binding": btype}
    if expression:
        attrs["source_expression"] = expression
    conn = _const_str(_kwarg(deco, "connection")) or _const_str(
        _kwarg(deco, "connection_string_setting")
    )
    if conn:
        attrs["connection"] = conn
        setting = _connection_setting(conn, app)
        if setting:
            attrs["connection_setting"] = setting
    if btype == "timerTrigger":
        attrs["schedule"] = source
        for key, attr in (("run_on_startup", "run_on_startup"), ("use_monitor", "use_monitor")):
            value = _kwarg(deco, key)
            if value is not None:
                attrs[attr] = _literal_bool(value)
    return Trigger(
        kind=TriggerKind.AZURE_EVENT,
        location=_decorator_loc(deco, rel),
        auth=AuthKind.SERVICE,
        public=False,
        source=source,
        attributes=attrs,
    )


def _literal_bool(node: ast.AST) -> bool | None:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def _asgi_function(var: str, register: _Register, module: _PyModule, app: _App) -> Function:
    """AsgiFunctionApp/WsgiFunctionApp serve a whole web app through one catch-all route."""
    loc = _node_loc(register.node, module.rel)
    attrs = {
        "binding": "httpTrigger",
        "auth_level": register.level,
        "auth_level_explicit": _kwarg(register.node.value, "http_auth_level") is not None,  # type: ignore[attr-defined]
        "route": "/{*route}",
        "route_prefix": app.prefix,
        "framework": register.kind,
    }
    auth = _AUTH_LEVELS.get(register.level or "", AuthKind.UNKNOWN)
    triggers = _route_triggers(app, loc, auth, "{*route}", [None], attrs)
    attributes: dict[str, Any] = {"bindings": ["httpTrigger"], "model": "python-v2"}
    _add_auth_attribute(triggers, attributes)
    return _function(
        app,
        name="http_app_func",
        location=loc,
        triggers=triggers,
        handler=f"{PurePosixPath(module.rel).name}:{var}",
        code_path=module.rel,
        locations={"handler": loc, "code_path": loc},
        attributes=attributes,
        runtime="python",
    )


def _blueprints(module: _PyModule, app: _App) -> list[tuple[Path, str]]:
    """Modules of blueprints passed to ``app.register_functions``/``register_blueprint``."""
    import ast

    imports: dict[str, tuple[str, int, str | None]] = {}  # local name -> (module, level, attr)
    for node in module.tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imports[alias.asname or alias.name] = (node.module or "", node.level, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imports[alias.asname or alias.name.split(".")[0]] = (alias.name, 0, None)
    found: list[tuple[Path, str]] = []
    for node in ast.walk(module.tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("register_functions", "register_blueprint")
            and node.args
        ):
            continue
        arg = node.args[0]
        target = _blueprint_target(arg, imports)
        if target is None:
            continue
        mod_name, level, var = target
        path = _module_path(app.root, mod_name, level)
        if path is None:
            app.result.warning(
                "unresolved",
                f"blueprint {_unparse(arg)!r}: module {mod_name or '.'!r} not found in the app",
                _node_loc(node, module.rel),
            )
            continue
        if (path, var) not in found:
            found.append((path, var))
    return found


def _blueprint_target(
    arg: ast.AST, imports: Mapping[str, tuple[str, int, str | None]]
) -> tuple[str, int, str] | None:
    import ast

    if isinstance(arg, ast.Name) and arg.id in imports:
        mod_name, level, attr = imports[arg.id]
        if attr is None:
            return None
        return mod_name, level, attr
    if (
        isinstance(arg, ast.Attribute)
        and isinstance(arg.value, ast.Name)
        and arg.value.id in imports
    ):
        mod_name, level, attr = imports[arg.value.id]
        full = f"{mod_name}.{attr}" if attr else mod_name
        return full, level, arg.attr
    return None


def _module_path(root: Path, module: str, level: int) -> Path | None:
    base = root
    for _ in range(max(0, level - 1)):
        base = base.parent
    parts = [p for p in module.split(".") if p]
    if not parts:
        return None
    candidate = base.joinpath(*parts)
    for path in (candidate.with_suffix(".py"), candidate / "__init__.py"):
        if path.is_file():
            return path
    return None


def _unparse(node: ast.AST) -> str:
    import ast

    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - ast.unparse handles every parsed node
        return "?"


# --------------------------------------------------------------------------- small helpers


def _loc(cand: Candidate) -> Location:
    return Location(cand.rel)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if isinstance(value, int):
        return value != 0
    return False


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None
