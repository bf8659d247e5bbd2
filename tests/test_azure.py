"""The Azure Functions loader: function.json, host.json, local.settings.json, Python v2 model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faasguard.inventory import build_inventory
from faasguard.inventory.azure import parse_timespan
from faasguard.model import (
    AuthKind,
    Cors,
    DiagnosticLevel,
    Inventory,
    Location,
    Provider,
    SourceFormat,
    TriggerKind,
    ValueOrigin,
)

FIXTURES = Path(__file__).parent / "fixtures" / "azure"
EXAMPLE = Path(__file__).parent.parent / "examples" / "azure-invoices"
V1 = "invoices-app"
V2 = "orders-v2"


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return build_inventory(FIXTURES)


def _scan(tmp_path: Path, files: dict[str, str | bytes]) -> Inventory:
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return build_inventory(tmp_path)


def _codes(inv: Inventory) -> list[tuple[str, str, str, int]]:
    return [(d.level.value, d.code, d.location.file, d.location.line) for d in inv.diagnostics]


HOST = '{\n  "version": "2.0"\n}\n'
HTTP_FN = {
    "bindings": [
        {"authLevel": "anonymous", "type": "httpTrigger", "direction": "in", "name": "req"},
        {"type": "http", "direction": "out", "name": "$return"},
    ]
}


# --------------------------------------------------------------------------- function.json app


def test_fixture_loads_without_diagnostics(inv: Inventory) -> None:
    assert inv.diagnostics == ()
    v1 = sorted(f.name for f in inv.functions if f.location.file.startswith(V1))
    assert v1 == [
        "AdminReport",
        "CreateInvoice",
        "GetInvoice",
        "NightlyCleanup",
        "ProcessInvoiceQueue",
    ]
    for fn in inv.functions:
        assert fn.provider is Provider.AZURE
        assert fn.source_format is SourceFormat.AZURE_FUNCTIONS


def test_anonymous_http_trigger(inv: Inventory) -> None:
    fn = inv.function("GetInvoice")
    assert fn.location == Location(f"{V1}/GetInvoice/function.json", 1, 1, 20)
    (trigger,) = fn.triggers
    assert trigger.kind is TriggerKind.AZURE_HTTP
    assert trigger.auth is AuthKind.NONE
    assert not trigger.authenticated
    assert trigger.public is True
    assert trigger.method == "GET"
    assert trigger.path == "/billing/invoices/{id:int}"  # routePrefix "billing" from host.json
    assert trigger.api == V1
    # points at the authLevel line
    assert (trigger.location.file, trigger.location.line) == (f"{V1}/GetInvoice/function.json", 5)
    assert trigger.attributes["auth_level"] == "anonymous"
    assert trigger.attributes["auth_level_explicit"] is True
    assert fn.attributes["auth_level"] == "anonymous"
    assert fn.handler == "__init__.py"
    assert fn.code_path == f"{V1}/GetInvoice/__init__.py"
    assert fn.locations["code_path"].line == 2


def test_function_level_http_trigger_one_trigger_per_method(inv: Inventory) -> None:
    fn = inv.function("CreateInvoice")
    assert [(t.method, t.auth) for t in fn.triggers] == [
        ("POST", AuthKind.FUNCTION_KEY),
        ("OPTIONS", AuthKind.FUNCTION_KEY),
    ]
    assert {t.path for t in fn.triggers} == {"/billing/invoices"}
    assert {t.location.line for t in fn.triggers} == {6}
    assert fn.handler == "handler.py:create"
    assert fn.locations["handler"].line == 3  # entryPoint
    assert fn.code_path == f"{V1}/CreateInvoice/handler.py"
    assert fn.attributes["bindings"] == ["httpTrigger", "queue", "http"]


def test_admin_level_all_methods_default_route(inv: Inventory) -> None:
    fn = inv.function("AdminReport")
    (trigger,) = fn.triggers
    assert trigger.auth is AuthKind.FUNCTION_KEY
    assert trigger.attributes["auth_level"] == "admin"
    assert trigger.method is None
    assert trigger.path == "/billing/AdminReport"
    assert trigger.attributes["route"] is None
    assert fn.code_path == f"{V1}/shared/reports.py"  # "../shared/reports.py" normalized
    assert fn.handler == "../shared/reports.py:admin_report"
    assert fn.attributes["disabled"] is False


def test_queue_trigger_resolves_binding_expression(inv: Inventory) -> None:
    (trigger,) = inv.function("ProcessInvoiceQueue").triggers
    assert trigger.kind is TriggerKind.AZURE_EVENT
    assert trigger.auth is AuthKind.SERVICE
    assert trigger.public is False
    assert trigger.source == "invoices-incoming"
    assert trigger.attributes["source_expression"] == "%INVOICE_QUEUE%"
    assert trigger.attributes["connection"] == "AzureWebJobsStorage"
    assert trigger.attributes["connection_setting"] == "AzureWebJobsStorage"
    assert trigger.location.line == 6  # the "type" line


def test_timer_trigger(inv: Inventory) -> None:
    fn = inv.function("NightlyCleanup")
    (trigger,) = fn.triggers
    assert trigger.source == "0 0 2 * * *"
    assert trigger.attributes["schedule"] == "0 0 2 * * *"
    assert trigger.attributes["run_on_startup"] is True
    # AzureWebJobs.NightlyCleanup.Disabled = "false" in local.settings.json wins
    assert fn.attributes["disabled"] is False
    assert fn.locations["disabled"] == Location(f"{V1}/local.settings.json", 12, 5, 12)


def test_host_timeout_and_runtime(inv: Inventory) -> None:
    fn = inv.function("GetInvoice")
    assert fn.timeout == 600
    assert fn.attributes["function_timeout"] == 600
    assert fn.locations["timeout"] == Location(f"{V1}/host.json", 3, 3, 3)
    assert fn.runtime == "python"
    assert fn.locations["runtime"].line == 4
    assert fn.attributes["host_version"] == "2.0"
    assert fn.memory is None and fn.role is None  # unset stays unset


def test_local_settings_are_the_environment(inv: Inventory) -> None:
    fn = inv.function("GetInvoice")
    env = {e.name: e for e in fn.environment}
    storage = env["AzureWebJobsStorage"]
    assert storage.origin is ValueOrigin.LITERAL
    assert "AccountKey=q8Hc3t0" in (storage.value or "")
    assert storage.location == Location(f"{V1}/local.settings.json", 5, 5, 5)
    assert env["DB_PASSWORD"].origin is ValueOrigin.LITERAL
    assert env["DB_PASSWORD"].value == "Sup3rS3cret!2024"
    stripe = env["STRIPE_API_KEY"]
    assert stripe.origin is ValueOrigin.KEY_VAULT
    assert stripe.value is None
    assert stripe.expression is not None and stripe.expression.startswith("@Microsoft.KeyVault(")
    assert env["SENDGRID_KEY"].origin is ValueOrigin.KEY_VAULT
    conn = env["ConnectionStrings:InvoicesDb"]
    assert conn.origin is ValueOrigin.LITERAL and "Password=Pa55w0rd-prod" in (conn.value or "")
    assert conn.location.line == 15
    assert fn.locations["environment"].line == 3  # "Values"
    # every function of the app shares the app settings
    assert inv.function("NightlyCleanup").environment == fn.environment


def test_local_cors_wildcard_with_credentials(inv: Inventory) -> None:
    cors = Cors(("*",), True, Location(f"{V1}/local.settings.json", 19, 5, 19))
    for name in ("GetInvoice", "CreateInvoice", "AdminReport"):
        assert {t.cors for t in inv.function(name).triggers} == {cors}
    assert inv.function("NightlyCleanup").triggers[0].cors is None


def test_app_resource(inv: Inventory) -> None:
    app = inv.resource(V1)
    assert app.kind == "azure-function-app"
    assert app.provider is Provider.AZURE
    assert app.location.file == f"{V1}/host.json"
    assert app.settings["function_timeout"] == 600
    assert app.settings["route_prefix"] == "billing"
    assert app.where("route_prefix").line == 18
    assert app.settings["throttling"] == {
        "max_concurrent_requests": 100,
        "max_outstanding_requests": 200,
    }
    assert app.settings["extension_bundle"]["version"] == "[4.*, 5.0.0)"
    assert app.settings["logging"]["logLevel"]["default"] == "Information"
    assert app.settings["cors"] == {"origins": ["*"], "allow_credentials": True}
    assert app.settings["application_insights"] is True
    assert app.settings["worker_runtime"] == "python"
    assert "default_auth" not in app.settings  # mixed anonymous and key-protected routes
    assert inv.function("GetInvoice").triggers[0].throttling.burst_limit == 100


# --------------------------------------------------------------------------- Python v2 model


def test_v2_app_default_anonymous(inv: Inventory) -> None:
    fn = inv.function("get_order")
    assert fn.location == Location(f"{V2}/function_app.py", 13, 1)
    (trigger,) = fn.triggers
    assert trigger.auth is AuthKind.NONE  # FunctionApp(http_auth_level=ANONYMOUS)
    assert trigger.attributes["auth_level_explicit"] is False
    assert trigger.method == "GET"
    assert trigger.path == "/api/orders/{id}"
    assert trigger.location == Location(f"{V2}/function_app.py", 12, 1)
    assert fn.handler == "function_app.py:get_order"
    assert fn.code_path == f"{V2}/function_app.py"
    assert fn.timeout == -1  # functionTimeout "-1": unbounded
    assert fn.attributes["model"] == "python-v2"


def test_v2_function_name_and_explicit_level(inv: Inventory) -> None:
    fn = inv.function("CreateOrder")
    assert [(t.method, t.auth) for t in fn.triggers] == [
        ("POST", AuthKind.FUNCTION_KEY),
        ("OPTIONS", AuthKind.FUNCTION_KEY),
    ]
    assert {t.location.line for t in fn.triggers} == {18}


def test_v2_event_triggers(inv: Inventory) -> None:
    (queue,) = inv.function("process_order").triggers
    assert (queue.kind, queue.auth, queue.source) == (
        TriggerKind.AZURE_EVENT,
        AuthKind.SERVICE,
        "orders",
    )
    assert queue.attributes["source_expression"] == "%ORDERS_QUEUE%"
    (timer,) = inv.function("reconcile").triggers
    assert timer.source == "0 */5 * * * *"
    assert timer.attributes["run_on_startup"] is False
    (bus,) = inv.function("payment_events").triggers
    assert bus.source == "payments/orders"
    assert bus.attributes["connection_setting"] == "ServiceBusConnection__"  # identity-based
    assert bus.location.line == 33
    with pytest.raises(KeyError):
        inv.function("helper")


def test_v2_blueprint_functions(inv: Inventory) -> None:
    stats = inv.function("admin_stats")
    (trigger,) = stats.triggers
    # Blueprint() keeps its own default level (function), not the app's anonymous one
    assert trigger.auth is AuthKind.FUNCTION_KEY
    assert trigger.path == "/api/admin/stats"
    assert trigger.location == Location(f"{V2}/blueprints/admin.py", 6, 1)
    (purge,) = inv.function("admin_purge").triggers
    assert (purge.method, purge.attributes["auth_level"]) == ("DELETE", "admin")


def test_v2_environment(inv: Inventory) -> None:
    env = {e.name: e for e in inv.function("get_order").environment}
    assert env["JWT_SECRET"].origin is ValueOrigin.LITERAL
    assert env["JWT_SECRET"].location == Location(f"{V2}/local.settings.json", 9, 5, 9)


def test_v2_asgi_app_and_unresolved_level(tmp_path: Path) -> None:
    inv = _scan(
        tmp_path,
        {
            "api/host.json": HOST,
            "api/function_app.py": (
                "import azure.functions as func\n"
                "from web import fastapi_app\n"
                "LEVEL = func.AuthLevel.ANONYMOUS\n"
                "app = func.AsgiFunctionApp(app=fastapi_app, http_auth_level=LEVEL)\n"
            ),
        },
    )
    (fn,) = inv.functions
    (trigger,) = fn.triggers
    assert fn.name == "http_app_func"
    assert trigger.path == "/api/{*route}"
    assert trigger.auth is AuthKind.UNKNOWN
    assert trigger.location == Location("api/function_app.py", 4, 1)
    assert ("warning", "unresolved", "api/function_app.py", 4) in _codes(inv)


def test_v2_disabled_by_app_setting(tmp_path: Path) -> None:
    settings = {"Values": {"AzureWebJobs.nightly.Disabled": "true"}}
    inv = _scan(
        tmp_path,
        {
            "host.json": HOST,
            "local.settings.json": json.dumps(settings, indent=2),
            "function_app.py": (
                "import azure.functions as func\n"
                "app = func.FunctionApp()\n"
                "@app.schedule(schedule='0 0 * * * *', arg_name='t')\n"
                "def nightly(t):\n"
                "    pass\n"
            ),
        },
    )
    fn = inv.function("nightly")
    assert fn.attributes["disabled"] is True
    assert fn.locations["disabled"] == Location("local.settings.json", 3, 5, 3)
    assert fn.triggers[0].source == "0 0 * * * *"


def test_v2_missing_blueprint_and_syntax_error(tmp_path: Path) -> None:
    inv = _scan(
        tmp_path,
        {
            "a/host.json": HOST,
            "a/function_app.py": (
                "import azure.functions as func\n"
                "from missing_mod import bp\n"
                "app = func.FunctionApp()\n"
                "app.register_functions(bp)\n"
                "@app.route(route='x')\n"
                "def x(req):\n"
                "    return None\n"
            ),
            "b/host.json": HOST,
            "b/function_app.py": "import azure.functions as func\ndef broken(:\n",
        },
    )
    (fn,) = inv.functions
    assert fn.triggers[0].auth is AuthKind.FUNCTION_KEY  # FunctionApp() default level
    codes = _codes(inv)
    assert ("warning", "unresolved", "a/function_app.py", 4) in codes
    assert ("error", "parse-error", "b/function_app.py", 2) in codes


# --------------------------------------------------------------------------- bad and odd input


def test_function_json_without_host(tmp_path: Path) -> None:
    inv = _scan(tmp_path, {"Lonely/function.json": json.dumps(HTTP_FN, indent=2)})
    (fn,) = inv.functions
    assert fn.name == "Lonely"
    assert fn.triggers[0].path == "/api/Lonely"  # default routePrefix
    assert fn.timeout is None and fn.environment == ()
    assert inv.resources == ()
    assert inv.diagnostics == ()


def test_default_auth_level_is_function(tmp_path: Path) -> None:
    doc = {"bindings": [{"type": "httpTrigger", "name": "req", "methods": "get"}]}
    inv = _scan(tmp_path, {"host.json": HOST, "F/function.json": json.dumps(doc)})
    (trigger,) = inv.function("F").triggers
    assert trigger.auth is AuthKind.FUNCTION_KEY
    assert trigger.attributes["auth_level_explicit"] is False
    assert trigger.method == "GET"
    assert inv.resources[0].settings["default_auth"] == "function-key"


def test_broken_files_are_diagnostics(tmp_path: Path) -> None:
    inv = _scan(
        tmp_path,
        {
            "host.json": HOST,
            "local.settings.json": '{\n  "Values": {\n    "A": "1",\n  }\n}\n',
            "Broken/function.json": '{\n  "bindings": [\n    {"type": "httpTrigger",\n',
            "NoBindings/function.json": '{\n  "scriptFile": "index.js"\n}\n',
            "NotList/function.json": '{\n  "bindings": {"type": "httpTrigger"}\n}\n',
            "Latin1/function.json": b'{"bindings": [{"type": "httpTrigger", "name": "r\xe9q"}]}',
            "Empty/function.json": "",
            "Array/function.json": "[1, 2]",
            "NoTrigger/function.json": '{"bindings": [{"type": "blob", "direction": "in"}]}',
            "Odd/function.json": json.dumps(
                {
                    "bindings": [
                        None,
                        "queueTrigger",
                        {"type": 7},
                        {"type": "httpTrigger", "methods": 5, "route": ["x"], "authLevel": 3},
                    ]
                },
                indent=2,
            ),
            "Good/function.json": json.dumps(HTTP_FN, indent=2),
        },
    )
    assert [f.name for f in inv.functions] == ["Good", "Odd"]
    odd = inv.function("Odd")
    assert odd.triggers[0].auth is AuthKind.UNKNOWN
    assert odd.triggers[0].method is None and odd.triggers[0].path == "/api/Odd"
    codes = _codes(inv)
    assert ("error", "parse-error", "local.settings.json", 4) in codes
    assert ("error", "parse-error", "Broken/function.json", 4) in codes
    assert ("error", "invalid", "NoBindings/function.json", 1) in codes
    assert ("error", "invalid", "NotList/function.json", 2) in codes
    assert ("error", "unreadable", "Latin1/function.json", 1) in codes
    assert ("error", "invalid", "Empty/function.json", 1) in codes
    assert ("error", "invalid", "Array/function.json", 1) in codes
    assert ("error", "invalid", "NoTrigger/function.json", 1) in codes
    odd_errors = [c for c in codes if c[2] == "Odd/function.json"]
    assert len(odd_errors) == 5  # None, a string, type 7, methods 5, authLevel 3


def test_host_json_problems(tmp_path: Path) -> None:
    host = '{\n  "version": "2.0",\n  "functionTimeout": "5 minutes",\n  "functions": ["A"]\n}\n'
    inv = _scan(
        tmp_path,
        {
            "host.json": host,
            "A/function.json": json.dumps(HTTP_FN),
            "B/function.json": json.dumps(HTTP_FN),
        },
    )
    assert ("error", "invalid", "host.json", 3) in _codes(inv)
    assert inv.function("A").timeout is None
    assert "excluded_by_host" not in inv.function("A").attributes
    assert inv.function("B").attributes["excluded_by_host"] is True


def test_v1_host_http_route_prefix_and_empty_prefix(tmp_path: Path) -> None:
    inv = _scan(
        tmp_path,
        {
            "old/host.json": '{"http": {"routePrefix": "legacy"}, "functionTimeout": "00:02:30"}',
            "old/F/function.json": json.dumps(HTTP_FN),
            "new/host.json": '{"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}',
            "new/G/function.json": json.dumps(HTTP_FN),
        },
    )
    assert inv.function("F").triggers[0].path == "/legacy/F"
    assert inv.function("F").timeout == 150
    assert inv.function("G").triggers[0].path == "/G"


def test_encrypted_settings_and_odd_values(tmp_path: Path) -> None:
    inv = _scan(
        tmp_path,
        {
            "a/host.json": HOST,
            "a/local.settings.json": '{"IsEncrypted": true, "Values": {"K": "AQAAANCMnd8B"}}',
            "a/F/function.json": json.dumps(HTTP_FN),
            "b/host.json": HOST,
            "b/local.settings.json": json.dumps(
                {"Values": {"N": 5, "T": True, "X": None, "L": [1]}, "ConnectionStrings": "x"},
                indent=2,
            ),
            "b/G/function.json": json.dumps(HTTP_FN),
        },
    )
    assert inv.function("F").environment == ()
    assert ("warning", "unsupported", "a/local.settings.json", 1) in _codes(inv)
    env = {e.name: e.value for e in inv.function("G").environment}
    assert env == {"N": "5", "T": "true"}
    b_codes = [c[:2] for c in _codes(inv) if c[2] == "b/local.settings.json"]
    assert b_codes == [("warning", "invalid"), ("warning", "invalid"), ("error", "invalid")]


def test_host_without_functions_is_unsupported(tmp_path: Path) -> None:
    inv = _scan(tmp_path, {"host.json": HOST, "src/functions/hello.js": "app.http('hello', {})"})
    assert inv.functions == ()
    assert ("warning", "unsupported", "host.json", 1) in _codes(inv)
    assert inv.resources[0].kind == "azure-function-app"


def test_key_vault_and_app_config_references(tmp_path: Path) -> None:
    settings = {
        "Values": {
            "A": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/a)",
            "B": "@Microsoft.AppConfiguration(Endpoint=https://cfg.azconfig.io; Key=b)",
            "C": "plain",
        }
    }
    inv = _scan(
        tmp_path,
        {
            "host.json": HOST,
            "local.settings.json": json.dumps(settings, indent=2),
            "F/function.json": json.dumps(HTTP_FN),
        },
    )
    origins = {e.name: e.origin for e in inv.function("F").environment}
    assert origins == {
        "A": ValueOrigin.KEY_VAULT,
        "B": ValueOrigin.REFERENCE,
        "C": ValueOrigin.LITERAL,
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:05:00", 300),
        ("01:00:00", 3600),
        ("1.02:00:00", 93600),
        ("00:00:30.5", 30),
        ("-1", -1),
        (-1, -1),
        ("-00:00:01", -1),
        ("00:61:00", None),
        ("5m", None),
        (300, None),
        (None, None),
        (True, None),
    ],
)
def test_parse_timespan(text: object, seconds: int | None) -> None:
    assert parse_timespan(text) == seconds


def test_never_raises_on_mutated_function_json(tmp_path: Path) -> None:
    weird = [None, 1, "x", [], {}, [None], {"a": [1, {"b": None}]}, True, 1.5]
    doc = {
        "scriptFile": "__init__.py",
        "bindings": [
            {"authLevel": "anonymous", "type": "httpTrigger", "methods": ["get"], "route": "r"},
            {"type": "queueTrigger", "queueName": "q", "connection": "c"},
        ],
    }
    files: dict[str, str | bytes] = {"host.json": HOST}
    for i, value in enumerate(weird):
        for key in ("scriptFile", "entryPoint", "disabled", "bindings"):
            files[f"K{key}{i}/function.json"] = json.dumps({**doc, key: value})
        for field in ("authLevel", "type", "methods", "route", "queueName", "connection"):
            mutated = json.loads(json.dumps(doc))
            for binding in mutated["bindings"]:
                binding[field] = value
            files[f"B{field}{i}/function.json"] = json.dumps(mutated)
    inv = _scan(tmp_path, files)
    assert not [d for d in inv.diagnostics if d.code == "internal-error"]
    assert all(d.level in (DiagnosticLevel.ERROR, DiagnosticLevel.WARNING) for d in inv.diagnostics)
    assert len(inv.functions) > 50


# --------------------------------------------------------------------------- bundled example


def test_bundled_example() -> None:
    inv = build_inventory(EXAMPLE)
    assert inv.diagnostics == ()
    auths = {f.name: sorted({t.auth.value for t in f.triggers}) for f in inv.functions}
    assert auths["GetInvoicePdf"] == ["none"]
    assert auths["ApproveInvoice"] == ["function-key"]
    assert auths["ArchiveInvoices"] == ["service"]
    secrets = {
        e.name: e.origin for e in inv.function("GetInvoicePdf").environment if "KEY" in e.name
    }
    assert secrets["SIGNING_KEY"] is ValueOrigin.LITERAL
    assert secrets["PAYMENT_API_KEY"] is ValueOrigin.KEY_VAULT
