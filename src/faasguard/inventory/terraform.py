"""Terraform modules: AWS Lambda and friends, Azure function apps, GCP cloud functions.

A directory of .tf files is one module. Its files are parsed into located syntax trees
(:mod:`._hcl`), expressions are evaluated statically (:mod:`._tf_eval`), resource blocks are
expanded by static count/for_each, local child modules are loaded with their inputs bound, and the
resulting resource instances are read into Functions, Triggers, Roles and Resources.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard._located import LDict, LList
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
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
)


def load_module(directory: Path, files: list[Candidate], ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    from faasguard.inventory import _tf_eval

    if _tf_eval.called_elsewhere(directory, ctx.root):
        return result  # loaded, with its inputs bound, through the module that calls it
    program = _tf_eval.Program(ctx, result)
    if program.load_root(directory, files) is None:
        return result
    program.build()
    _Reader(program).read()
    return result


# ---------------------------------------------------------------------------------------------
# Reading instances into the model
# ---------------------------------------------------------------------------------------------

_ADMIN_POLICY = "AdministratorAccess"
_MANAGED_ARN = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)$")
_FUNCTION_ARN = re.compile(r":function:([A-Za-z0-9_-]+)")
_AZURE_APPS = frozenset(
    {
        "azurerm_function_app",
        "azurerm_linux_function_app",
        "azurerm_windows_function_app",
        "azurerm_function_app_slot",
        "azurerm_linux_function_app_slot",
        "azurerm_windows_function_app_slot",
        "azurerm_function_app_flex_consumption",
    }
)
_REST_AUTH = {
    "NONE": AuthKind.NONE,
    "AWS_IAM": AuthKind.IAM,
    "CUSTOM": AuthKind.LAMBDA_AUTHORIZER,
    "COGNITO_USER_POOLS": AuthKind.COGNITO,
}
_V2_AUTH = {
    "NONE": AuthKind.NONE,
    "AWS_IAM": AuthKind.IAM,
    "JWT": AuthKind.JWT,
    "CUSTOM": AuthKind.LAMBDA_AUTHORIZER,
}
_SERVICE_TRIGGER = {
    "s3.amazonaws.com": TriggerKind.S3,
    "sns.amazonaws.com": TriggerKind.SNS,
    "events.amazonaws.com": TriggerKind.EVENTBRIDGE,
    "sqs.amazonaws.com": TriggerKind.SQS,
    "logs.amazonaws.com": TriggerKind.CLOUDWATCH_LOGS,
    "iot.amazonaws.com": TriggerKind.IOT,
    "cognito-idp.amazonaws.com": TriggerKind.COGNITO,
    "alexa-appkit.amazon.com": TriggerKind.ALEXA,
}
_GCP_INVOKER_ROLES = frozenset({"roles/cloudfunctions.invoker", "roles/run.invoker"})
_PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})


def _type_of(address: str) -> str:
    """The resource type of an address: module.a.aws_s3_bucket.b[0] -> aws_s3_bucket."""
    parts = address.split(".")
    i = 0
    while i < len(parts) - 1 and parts[i] == "module":
        i += 2
    if i < len(parts) and parts[i] == "data":
        i += 1
    return parts[i] if i < len(parts) else ""


@dataclass(eq=False)
class _Fn:
    """A Function under construction."""

    inst: Any
    fields: dict[str, Any]
    locations: dict[str, Location] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.fields["name"])


@dataclass(eq=False)
class _Res:
    """A Resource under construction."""

    inst: Any
    kind: str
    provider: Provider = Provider.AWS
    physical_name: str | None = None
    arn: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)

    def set(self, key: str, value: Any, loc: Location | None) -> None:
        self.settings[key] = value
        if loc is not None:
            self.locations[key] = loc


class _Reader:
    def __init__(self, program: Any) -> None:
        self.program = program
        self.result: LoadResult = program.result
        self.by_type: dict[str, list[Any]] = {}
        for inst in program.instances:
            key = ("data." if inst.data else "") + inst.type
            self.by_type.setdefault(key, []).append(inst)
        self.fns: dict[str, _Fn] = {}
        self.fn_by_name: dict[str, _Fn] = {}
        self.res: dict[str, _Res] = {}
        self.roles: dict[str, Role] = {}
        self._warned: set[tuple[str, int, str]] = set()

    def of(self, *types: str) -> list[Any]:
        return [inst for t in types for inst in self.by_type.get(t, [])]

    # -- entry -----------------------------------------------------------------------------

    def read(self) -> None:
        for inst in self.of("aws_lambda_function"):
            self._lambda(inst)
        self._aws_resources()
        self._lambda_extras()
        self._aws_triggers()
        self._apis()
        self._azure()
        self._gcp()
        for builder in self.fns.values():
            self.result.functions.append(self._finish_fn(builder))
        for res in self.res.values():
            self.result.resources.append(
                Resource(
                    kind=res.kind,
                    name=res.inst.address,
                    location=res.inst.location,
                    provider=res.provider,
                    type=res.inst.type,
                    physical_name=res.physical_name,
                    arn=res.arn,
                    settings=res.settings,
                    locations=res.locations,
                    conditional=res.inst.conditional,
                )
            )
        self._variables()

    def _variables(self) -> None:
        """Variables with a literal text default (rules look for secrets written as defaults)."""
        seen: set[Location] = set()
        for module in self.program.modules:
            ev = self.program.evaluator(module)
            for name, block in module.variables.items():
                attr = block.body.attributes.get("default")
                where = Location(block.src.file, block.line, block.column)
                if attr is None or where in seen:
                    continue
                seen.add(where)
                default = ev.eval(attr.expr)
                if isinstance(default, bool) or not isinstance(default, str | int | float):
                    continue
                sensitive = block.body.attributes.get("sensitive")
                self.result.resources.append(
                    Resource(
                        kind="tf-variable",
                        name=f"{module.prefix}var.{name}",
                        location=where,
                        type="variable",
                        settings={
                            "default": str(default),
                            "sensitive": sensitive is not None and ev.eval(sensitive.expr) is True,
                        },
                        locations={"default": Location(block.src.file, attr.line, attr.column)},
                    )
                )

    def _finish_fn(self, b: _Fn) -> Function:
        return Function(
            **b.fields,
            triggers=tuple(b.triggers),
            locations=b.locations,
            attributes=b.attributes,
        )

    # -- shared helpers --------------------------------------------------------------------

    def warn_unresolved(self, what: str, trace: Any, loc: Location) -> None:
        texts = [t for t in trace.unknown if t][:3]
        if not texts:
            return
        key = (loc.file, loc.line, what)
        if key in self._warned:
            return
        self._warned.add(key)
        self.result.warning(
            "unresolved", f"{what}: cannot resolve {', '.join(texts)} statically", loc
        )

    def target(self, view: Any, attr: str, *types: str) -> Any | None:
        """The declared instance of one of ``types`` an attribute refers to."""
        _, trace = view.traced(attr)
        for ref in trace.refs:
            inst = self.program.by_address.get(ref)
            if inst is not None and (not types or inst.type in types):
                return inst
        return None

    def fn_for(self, view: Any, attr: str) -> _Fn | None:
        from faasguard.inventory import _tf_eval

        value, trace = view.traced(attr)
        for ref in trace.refs:
            inst = self.program.by_address.get(ref)
            if inst is None:
                continue
            if inst.address in self.fns:
                return self.fns[inst.address]
            if inst.type == "aws_lambda_alias":
                return self.fn_for(inst.view, "function_name")
        text = _tf_eval.text_of(value)
        if not isinstance(text, str) or isinstance(value, _tf_eval.Unknown):
            return None
        if text in self.fn_by_name:
            return self.fn_by_name[text]
        match = _FUNCTION_ARN.search(text)
        if match:
            return self.fn_by_name.get(match.group(1))
        return None

    def source_text(self, view: Any, attr: str) -> str | None:
        """A trigger source as written: a declared resource's address, else the value."""
        from faasguard.inventory import _tf_eval

        value, trace = view.traced(attr)
        for ref in trace.refs:
            if ref in self.program.by_address:
                return str(self.program.by_address[ref].address)
        return _tf_eval.text_of(value)

    def res_for(self, view: Any, attr: str, kind: str) -> _Res | None:
        """The resource builder of ``kind`` an attribute refers to (by address or name)."""
        from faasguard.inventory import _tf_eval

        value, trace = view.traced(attr)
        for ref in trace.refs:
            inst = self.program.by_address.get(ref)
            if inst is not None and inst.address in self.res:
                res = self.res[inst.address]
                if res.kind == kind:
                    return res
        text = _tf_eval.text_of(value)
        if isinstance(text, str) and not isinstance(value, _tf_eval.Unknown):
            for res in self.res.values():
                if res.kind == kind and text in (res.physical_name, res.arn):
                    return res
        return None

    # -- AWS Lambda ------------------------------------------------------------------------

    def _lambda(self, inst: Any) -> None:
        from faasguard.inventory import _tf_eval

        v = inst.view
        locs: dict[str, Location] = {}
        fields: dict[str, Any] = {
            "provider": Provider.AWS,
            "source_format": SourceFormat.TERRAFORM,
            "location": inst.location,
            "logical_id": inst.address,
            "conditional": inst.conditional,
        }
        name_value = v.value("function_name")
        fields["name"] = _tf_eval.text_of(name_value) or inst.address
        simple = {
            "runtime": "runtime",
            "handler": "handler",
            "kms_key": "kms_key_arn",
            "code_signing": "code_signing_config_arn",
        }
        for key, attr in simple.items():
            if v.has(attr):
                fields[key] = v.text(attr)
                locs[key] = v.loc(attr)
        for key, attr in (
            ("timeout", "timeout"),
            ("memory", "memory_size"),
            ("reserved_concurrency", "reserved_concurrent_executions"),
        ):
            if v.has(attr):
                number = v.int(attr)
                if key == "reserved_concurrency" and number == -1:
                    number = None  # Terraform's "no reservation"
                fields[key] = number
                locs[key] = v.loc(attr)
        if v.has("package_type"):
            fields["package_type"] = v.str("package_type")
        elif v.has("image_uri"):
            fields["package_type"] = "Image"
        if v.has("publish"):
            fields["versioned"] = v.bool("publish") is True
            locs["versioned"] = v.loc("publish")
        arch = v.strs("architectures")
        if arch:
            fields["architecture"] = arch[0]
            locs["architecture"] = v.loc("architectures")
        attributes: dict[str, Any] = {"address": inst.address}
        self._code_path(inst, fields, locs, attributes)
        self._environment(inst, v, fields, locs)
        self._layers(v, fields, locs)
        vpc = v.block("vpc_config")
        if vpc is not None:
            fields["vpc"] = Vpc(
                tuple(vpc.strs("subnet_ids")), tuple(vpc.strs("security_group_ids"))
            )
            locs["vpc"] = v.loc("vpc_config")
        tracing = v.block("tracing_config")
        if tracing is not None:
            fields["tracing"] = tracing.text("mode")
            locs["tracing"] = v.loc("tracing_config")
        dlq = v.block("dead_letter_config")
        if dlq is not None:
            fields["dead_letter"] = dlq.text("target_arn")
            locs["dead_letter"] = v.loc("dead_letter_config")
        logging = v.block("logging_config")
        if logging is not None and logging.has("log_group"):
            attributes["log_group_name"] = logging.text("log_group")
        if v.has("role"):
            locs["role"] = v.loc("role")
            fields["role"] = self._role_for(v, "role")
        builder = _Fn(inst, fields, locs, attributes)
        self.fns[inst.address] = builder
        if isinstance(name_value, str):
            self.fn_by_name.setdefault(name_value, builder)

    def _code_path(
        self, inst: Any, fields: dict[str, Any], locs: dict[str, Location], attrs: dict[str, Any]
    ) -> None:
        v = inst.view
        if v.has("image_uri"):
            attrs["image_uri"] = v.text("image_uri")
            locs["code_path"] = v.loc("image_uri")
            return
        if v.has("s3_bucket"):
            attrs["s3_code"] = f"s3://{v.text('s3_bucket')}/{v.text('s3_key') or ''}"
            locs["code_path"] = v.loc("s3_bucket")
            return
        if not v.has("filename"):
            return
        locs["code_path"] = v.loc("filename")
        archive = self.target(v, "filename", "archive_file")
        if archive is not None:
            for attr in ("source_dir", "source_file"):
                path = archive.view.str(attr)
                if path:
                    fields["code_path"] = self._rel_path(inst, path)
                    return
            return
        path = v.str("filename")
        if path:
            fields["code_path"] = os.path.dirname(self._rel_path(inst, path)) or "."

    def _rel_path(self, inst: Any, path: str) -> str:
        target = Path(path)
        if not target.is_absolute():
            target = inst.module.root_dir / target
        return str(self.program.ctx.rel(Path(os.path.normpath(target))))

    def _environment(
        self, inst: Any, v: Any, fields: dict[str, Any], locs: dict[str, Location]
    ) -> None:
        env = v.block("environment")
        if env is None:
            return
        locs["environment"] = v.loc("environment")
        if env.has("variables"):
            fields["environment"] = tuple(
                self.env_vars(env, "variables", f"environment of {fields['name']}")
            )

    def env_vars(self, view: Any, attr: str, what: str) -> list[EnvVar]:
        expr = view.expr(attr)
        if expr is None:
            return []
        items: dict[str, EnvVar] = {}
        for env in self._env_items(expr, view.ev, view.loc(attr), what, 0):
            items[env.name] = env
        return list(items.values())

    def _env_items(
        self, expr: Any, ev: Any, where: Location, what: str, depth: int
    ) -> Iterator[EnvVar]:
        from faasguard.inventory import _hcl, _tf_eval

        if isinstance(expr, _hcl.ObjectExpr):
            for item in expr.items:
                key = _tf_eval.text_of(ev.eval(item.key))
                if key is None:
                    continue
                trace = _tf_eval.Trace()
                value = ev.eval(item.value, trace)
                loc = Location(expr.src.file, item.line, item.column)
                yield self._env_var(key, value, trace, loc, item.value, what)
            return
        if isinstance(expr, _hcl.Call) and expr.name == "merge" and depth < 20:
            for arg in expr.args:
                yield from self._env_items(arg, ev, where, what, depth + 1)
            return
        local = _local_name(expr)
        if local is not None and local in ev.module.locals and depth < 20:
            inner = ev.module.locals[local].expr
            yield from self._env_items(
                inner, self.program.evaluator(ev.module), where, what, depth + 1
            )
            return
        trace = _tf_eval.Trace()
        value = ev.eval(expr, trace)
        if isinstance(value, dict):
            for key, item in value.items():
                loc = value.key_locs.get(key, where) if isinstance(value, LDict) else where
                yield self._env_var(str(key), item, trace, loc, expr, what)
            return
        self.warn_unresolved(what, trace if trace.unknown else _unknown_trace(expr), where)

    def _env_var(
        self, key: str, value: Any, trace: Any, loc: Location, expr: Any, what: str
    ) -> EnvVar:
        from faasguard.inventory import _hcl, _tf_eval

        origin = trace.origin()
        text: str | None
        if _tf_eval.contains_unknown(value) or origin is ValueOrigin.UNRESOLVED:
            origin = ValueOrigin.UNRESOLVED
            text = None
            self.warn_unresolved(
                f"{what}: {key}", trace if trace.unknown else _unknown_trace(expr), loc
            )
        elif isinstance(value, dict | list):
            text = json.dumps(_tf_eval.plain(value))
        else:
            text = _tf_eval.text_of(value)
        if text is not None and origin in (
            ValueOrigin.LITERAL,
            ValueOrigin.PARAMETER,
            ValueOrigin.REFERENCE,
        ):
            origin = _store_origin(text) or origin
        raw = expr.text
        plain_literal = isinstance(expr, _hcl.Literal) or (
            isinstance(expr, _hcl.Template) and all(isinstance(p, str) for p in expr.parts)
        )
        return EnvVar(key, text, origin, loc, None if plain_literal else raw)

    def _layers(self, v: Any, fields: dict[str, Any], locs: dict[str, Location]) -> None:
        from faasguard.inventory import _tf_eval

        if not v.has("layers"):
            return
        locs["layers"] = v.loc("layers")
        value = v.value("layers")
        default = v.loc("layers")
        if not isinstance(value, list):
            fields["layers"] = (
                Layer(_tf_eval.text_of(value) or v.expr("layers").text, default, False),
            )
            return
        out = []
        for i, item in enumerate(value):
            loc = value.where(i) if isinstance(value, LList) else default
            text = _tf_eval.text_of(item) or ""
            out.append(Layer(text, loc, not isinstance(item, _tf_eval.Unknown)))
        fields["layers"] = tuple(out)

    # -- IAM -------------------------------------------------------------------------------

    def _role_for(self, view: Any, attr: str) -> Role | None:
        from faasguard.inventory import _tf_eval

        inst = self.target(view, attr, "aws_iam_role")
        if inst is not None:
            return self.role(inst)
        value = view.value(attr)
        text = _tf_eval.text_of(value)
        if text is None:
            return None
        if isinstance(value, _tf_eval.Unknown):
            self.warn_unresolved("execution role", view.traced(attr)[1], view.loc(attr))
        for role_inst in self.of("aws_iam_role"):
            if text.endswith(f":role/{role_inst.view.str('name')}"):
                return self.role(role_inst)
        arn = text if text.startswith("arn:") else None
        return Role(name=text, location=view.loc(attr), arn=arn, external=True)

    def role(self, inst: Any) -> Role:
        if inst.address in self.roles:
            return self.roles[inst.address]
        v = inst.view
        policies: list[Policy] = []
        for block in v.blocks("inline_policy"):
            if not block.has("policy"):
                continue
            name = block.str("name") or f"{inst.address} inline policy"
            statements, expanded = self.policy_statements(block, "policy", name)
            policies.append(
                Policy(
                    name, PolicyKind.INLINE, block.location, tuple(statements), expanded=expanded
                )
            )
        for arn_view, attr in self._managed_arns(inst):
            policies.extend(self.managed_policies(arn_view, attr))
        for rp in self.of("aws_iam_role_policy"):
            if self._is_role(rp.view, "role", inst):
                name = rp.view.str("name") or rp.address
                statements, expanded = self.policy_statements(rp.view, "policy", name)
                policies.append(
                    Policy(
                        name, PolicyKind.INLINE, rp.location, tuple(statements), expanded=expanded
                    )
                )
        role = Role(
            name=inst.address,
            location=inst.location,
            policies=tuple(policies),
            permissions_boundary=v.text("permissions_boundary"),
        )
        self.roles[inst.address] = role
        self.result.roles.append(role)
        return role

    def _managed_arns(self, role_inst: Any) -> Iterator[tuple[Any, str]]:
        if role_inst.view.has("managed_policy_arns"):
            yield role_inst.view, "managed_policy_arns"
        for att in self.of("aws_iam_role_policy_attachment"):
            if self._is_role(att.view, "role", role_inst):
                yield att.view, "policy_arn"
        for att in self.of("aws_iam_policy_attachment"):
            if self._is_role(att.view, "roles", role_inst):
                yield att.view, "policy_arn"

    def _is_role(self, view: Any, attr: str, role_inst: Any) -> bool:
        value, trace = view.traced(attr)
        if role_inst.address in trace.refs:
            return True
        base = role_inst.address.split("[")[0]
        if base in trace.refs and self.program.by_address.get(base) is role_inst:
            return True
        name = role_inst.view.str("name")
        if not name:
            return False
        values = value if isinstance(value, list) else [value]
        return any(isinstance(x, str) and x in (name,) for x in values)

    def managed_policies(self, view: Any, attr: str) -> list[Policy]:
        from faasguard.inventory import _tf_eval

        value, trace = view.traced(attr)
        loc = view.loc(attr)
        items = value if isinstance(value, list) else [value]
        policy_insts = [
            self.program.by_address[r]
            for r in trace.refs
            if r in self.program.by_address and self.program.by_address[r].type == "aws_iam_policy"
        ]
        out: list[Policy] = []
        for i, item in enumerate(items):
            item_loc = items.where(i) if isinstance(items, LList) else loc
            text = _tf_eval.text_of(item)
            if isinstance(item, str) and _tf_eval.is_ref(item):
                target = _tf_eval.ref_target(item)
                inst = next((p for p in policy_insts if target.startswith(p.address + ".")), None)
                if inst is not None:
                    out.append(self._customer_policy(inst))
                    continue
            if text is None:
                continue
            match = _MANAGED_ARN.match(text)
            if match and match.group(1) == _ADMIN_POLICY:
                admin = Statement("Allow", item_loc, actions=("*",), resources=("*",))
                out.append(Policy(_ADMIN_POLICY, PolicyKind.MANAGED, item_loc, (admin,), arn=text))
            elif match:
                out.append(
                    Policy(match.group(1), PolicyKind.MANAGED, item_loc, arn=text, expanded=False)
                )
            else:
                if isinstance(item, _tf_eval.Unknown):
                    self.warn_unresolved("managed policy", trace, item_loc)
                name = text.rsplit("/", 1)[-1]
                arn = text if text.startswith("arn:") else None
                out.append(Policy(name, PolicyKind.MANAGED, item_loc, arn=arn, expanded=False))
        return out

    def _customer_policy(self, inst: Any) -> Policy:
        name = inst.view.str("name") or inst.address
        statements, expanded = self.policy_statements(inst.view, "policy", name)
        return Policy(name, PolicyKind.MANAGED, inst.location, tuple(statements), expanded=expanded)

    def policy_statements(self, view: Any, attr: str, what: str) -> tuple[list[Statement], bool]:
        """Statements of a policy attribute: jsonencode(), heredoc/quoted JSON, file(), or a
        data "aws_iam_policy_document"; (statements, expanded)."""
        doc, trace, loc = self._policy_doc(view, attr)
        self.warn_unresolved(f"policy {what}", trace, loc)
        if isinstance(doc, list):
            return doc, True
        if not isinstance(doc, dict):
            return [], False
        return _statements(doc, loc), True

    def _policy_doc(self, view: Any, attr: str) -> tuple[Any, Any, Location]:
        from faasguard.inventory import _hcl, _tf_eval

        expr = view.expr(attr)
        loc = view.loc(attr)
        trace = _tf_eval.Trace()
        if expr is None:
            return None, trace, loc
        if isinstance(expr, _hcl.Call) and expr.name == "jsonencode" and len(expr.args) == 1:
            return view.ev.eval(expr.args[0], trace), trace, loc
        value = view.ev.eval(expr, trace)
        doc_ref = self._doc_ref(value, trace)
        if doc_ref is not None:
            return self.document_statements(doc_ref, 0), trace, loc
        text = value.text if isinstance(value, _tf_eval.Unknown) else value
        if not isinstance(text, str):
            if isinstance(value, dict):
                return value, trace, loc
            return None, trace, loc
        if isinstance(value, _tf_eval.Unknown) and not text.lstrip().startswith("{"):
            return None, trace, loc
        shift: int | None = None
        file = loc.file
        if isinstance(expr, _hcl.Template):
            shift = expr.line if expr.text.startswith("<<") else None
        elif isinstance(expr, _hcl.Call) and expr.name == "file" and expr.args:
            path = view.ev.eval(expr.args[0])
            if isinstance(path, str):
                file = self._rel_path_any(view, path)
                shift = 0
        doc = _parse_policy_json(text, file, shift, loc)
        if doc is None:
            self.result.warning("invalid", "policy is not valid JSON; not read", loc)
            return None, trace, loc
        return doc, trace, loc

    def _rel_path_any(self, view: Any, path: str) -> str:
        target = Path(path)
        if not target.is_absolute():
            target = view.ev.module.root_dir / target
        return str(self.program.ctx.rel(Path(os.path.normpath(target))))

    def _doc_ref(self, value: Any, trace: Any) -> Any | None:
        from faasguard.inventory import _tf_eval

        if not (isinstance(value, str) and _tf_eval.is_ref(value)):
            return None
        for ref in trace.refs:
            inst = self.program.by_address.get(ref)
            if inst is not None and inst.data and inst.type == "aws_iam_policy_document":
                return inst
        return None

    def document_statements(self, inst: Any, depth: int) -> list[Statement]:
        """Statements of a data "aws_iam_policy_document" (with its source documents)."""
        from faasguard.inventory import _tf_eval

        out: list[Statement] = []
        v = inst.view
        if depth > 10:
            return out
        for attr in (
            "source_policy_documents",
            "source_json",
            "override_policy_documents",
            "override_json",
        ):
            if not v.has(attr):
                continue
            value, trace = v.traced(attr)
            items = value if isinstance(value, list) else [value]
            for item in items:
                doc_ref = self._doc_ref(item, trace) if _tf_eval.is_ref(item) else None
                if doc_ref is not None and doc_ref is not inst:
                    out.extend(self.document_statements(doc_ref, depth + 1))
                elif isinstance(item, str):
                    doc = _parse_policy_json(item, v.loc(attr).file, None, v.loc(attr))
                    if isinstance(doc, dict):
                        out.extend(_statements(doc, v.loc(attr)))
        for block in v.blocks("statement"):
            condition: dict[str, Any] = {}
            for cond in block.blocks("condition"):
                test, variable = cond.text("test"), cond.text("variable")
                if test and variable:
                    condition.setdefault(test, {})[variable] = cond.strs("values")
            for key in ("actions", "not_actions", "resources", "not_resources"):
                self.warn_unresolved(
                    f"policy document {inst.address}", block.traced(key)[1], block.loc(key)
                )
            out.append(
                Statement(
                    effect=block.str("effect") or "Allow",
                    location=block.location,
                    actions=tuple(block.strs("actions")),
                    not_actions=tuple(block.strs("not_actions")),
                    resources=tuple(block.strs("resources")),
                    not_resources=tuple(block.strs("not_resources")),
                    condition=condition,
                    sid=block.str("sid"),
                )
            )
        return out

    # -- AWS resources ---------------------------------------------------------------------

    def _aws_resources(self) -> None:
        for inst in self.of("aws_s3_bucket"):
            res = self._new_res(inst, "s3-bucket", "bucket")
            if res.physical_name:
                res.arn = f"arn:aws:s3:::{res.physical_name}"
            self._s3_inline(res, inst.view)
        self._s3_companions()
        for inst in self.of("aws_sqs_queue"):
            res = self._new_res(inst, "sqs-queue", "name")
            v = inst.view
            self._copy(res, v, "kms_key", "kms_master_key_id", "text")
            self._copy(res, v, "sqs_managed_sse", "sqs_managed_sse_enabled", "bool")
            self._copy(res, v, "visibility_timeout", "visibility_timeout_seconds", "int")
            if v.has("redrive_policy"):
                doc, _, _ = self._policy_doc(v, "redrive_policy")
                target = doc.get("deadLetterTargetArn") if isinstance(doc, dict) else None
                res.set("dead_letter", _text(target), v.loc("redrive_policy"))
        for inst in self.of("aws_sns_topic"):
            res = self._new_res(inst, "sns-topic", "name")
            self._copy(res, inst.view, "kms_key", "kms_master_key_id", "text")
        for inst in self.of("aws_dynamodb_table"):
            res = self._new_res(inst, "dynamodb-table", "name")
            sse = inst.view.block("server_side_encryption")
            if sse is not None:
                res.set("sse_enabled", sse.bool("enabled") is True, sse.location)
                if sse.has("kms_key_arn"):
                    res.set("kms_key", sse.text("kms_key_arn"), sse.loc("kms_key_arn"))
            pitr = inst.view.block("point_in_time_recovery")
            if pitr is not None:
                res.set("point_in_time_recovery", pitr.bool("enabled") is True, pitr.location)
        for inst in self.of("aws_kms_key"):
            res = self._new_res(inst, "kms-key", None)
            res.set(
                "rotation",
                inst.view.bool("enable_key_rotation") is True,
                inst.view.loc("enable_key_rotation"),
            )
        rotated = {
            r.view.traced("secret_id")[1].refs[0]
            for r in self.of("aws_secretsmanager_secret_rotation")
            if r.view.traced("secret_id")[1].refs
        }
        for inst in self.of("aws_secretsmanager_secret"):
            res = self._new_res(inst, "secret", "name")
            self._copy(res, inst.view, "kms_key", "kms_key_id", "text")
            base = inst.address.split("[")[0]
            res.set("rotation", inst.address in rotated or base in rotated, None)
        for inst in self.of("aws_cloudwatch_log_group"):
            res = self._new_res(inst, "log-group", "name")
            self._copy(res, inst.view, "retention_days", "retention_in_days", "int")
            self._copy(res, inst.view, "kms_key", "kms_key_id", "text")
        for inst in self.of("aws_ssm_parameter"):
            res = self._new_res(inst, "ssm-parameter", "name")
            self._copy(res, inst.view, "type", "type", "text")
            self._copy(res, inst.view, "kms_key", "key_id", "text")
        for inst in self.of("aws_kinesis_stream"):
            res = self._new_res(inst, "kinesis-stream", "name")
            self._copy(res, inst.view, "encryption", "encryption_type", "text")
            self._copy(res, inst.view, "kms_key", "kms_key_id", "text")
        for inst in self.of("aws_lambda_layer_version"):
            res = self._new_res(inst, "layer", "layer_name")
            self._copy(res, inst.view, "runtimes", "compatible_runtimes", "strs")
        for inst in self.of("aws_iam_role"):
            res = self._new_res(inst, "iam-role", "name")
            role = self.role(inst)
            res.settings["policies"] = [p.name for p in role.policies]

    def _new_res(self, inst: Any, kind: str, name_attr: str | None) -> _Res:
        res = _Res(inst, kind)
        if name_attr is not None:
            res.physical_name = inst.view.str(name_attr)
        self.res[inst.address] = res
        return res

    def _copy(self, res: _Res, view: Any, key: str, attr: str, how: str) -> None:
        if view.has(attr):
            res.set(key, getattr(view, how)(attr), view.loc(attr))

    def _s3_inline(self, res: _Res, v: Any) -> None:
        if v.has("acl"):
            res.set("acl", v.text("acl"), v.loc("acl"))
        versioning = v.block("versioning")
        if versioning is not None:
            res.set("versioning", versioning.bool("enabled") is True, versioning.location)
        sse = v.block("server_side_encryption_configuration")
        if sse is not None:
            self._s3_encryption(res, sse)
        if v.has("policy"):
            self._s3_policy(res, v, "policy")

    def _s3_encryption(self, res: _Res, view: Any) -> None:
        for rule in view.blocks("rule"):
            default = rule.block("apply_server_side_encryption_by_default")
            if default is None:
                continue
            res.set("encryption", default.text("sse_algorithm"), default.loc("sse_algorithm"))
            if default.has("kms_master_key_id"):
                res.set(
                    "kms_key", default.text("kms_master_key_id"), default.loc("kms_master_key_id")
                )

    def _s3_policy(self, res: _Res, view: Any, attr: str) -> None:
        statements, _ = self.policy_statements(view, attr, f"bucket policy of {res.inst.address}")
        res.settings["policy_statements"] = len(statements)
        res.locations["policy"] = view.loc(attr)
        enforced = any(_denies_insecure_transport(s) for s in statements)
        res.set("secure_transport_enforced", enforced, view.loc(attr))

    def _s3_companions(self) -> None:
        for inst in self.of("aws_s3_bucket_server_side_encryption_configuration"):
            res = self.res_for(inst.view, "bucket", "s3-bucket")
            if res is not None:
                self._s3_encryption(res, inst.view)
        for inst in self.of("aws_s3_bucket_public_access_block"):
            res = self.res_for(inst.view, "bucket", "s3-bucket")
            if res is None:
                continue
            block = {
                key: inst.view.bool(attr) is True
                for key, attr in (
                    ("BlockPublicAcls", "block_public_acls"),
                    ("IgnorePublicAcls", "ignore_public_acls"),
                    ("BlockPublicPolicy", "block_public_policy"),
                    ("RestrictPublicBuckets", "restrict_public_buckets"),
                )
            }
            res.set("public_access_block", block, inst.location)
        for inst in self.of("aws_s3_bucket_acl"):
            res = self.res_for(inst.view, "bucket", "s3-bucket")
            if res is not None and inst.view.has("acl"):
                res.set("acl", inst.view.text("acl"), inst.view.loc("acl"))
        for inst in self.of("aws_s3_bucket_versioning"):
            res = self.res_for(inst.view, "bucket", "s3-bucket")
            config = inst.view.block("versioning_configuration")
            if res is not None and config is not None:
                res.set("versioning", config.str("status") == "Enabled", config.loc("status"))
        for inst in self.of("aws_s3_bucket_policy"):
            res = self.res_for(inst.view, "bucket", "s3-bucket")
            if res is not None:
                self._s3_policy(res, inst.view, "policy")

    # -- Lambda companions: alias, concurrency, destinations, log groups --------------------

    def _lambda_extras(self) -> None:
        for inst in self.of("aws_lambda_alias"):
            fn = self.fn_for(inst.view, "function_name")
            if fn is not None:
                fn.fields["alias"] = inst.view.text("name")
        for inst in self.of("aws_lambda_provisioned_concurrency_config"):
            fn = self.fn_for(inst.view, "function_name")
            attr = "provisioned_concurrent_executions"
            if fn is not None and inst.view.has(attr):
                fn.fields["provisioned_concurrency"] = inst.view.int(attr)
                fn.locations["provisioned_concurrency"] = inst.view.loc(attr)
        for inst in self.of("aws_lambda_function_event_invoke_config"):
            fn = self.fn_for(inst.view, "function_name")
            config = inst.view.block("destination_config")
            if fn is None or config is None:
                continue
            on_failure = config.block("on_failure")
            on_success = config.block("on_success")
            fn.fields["destinations"] = Destinations(
                on_failure=on_failure.text("destination") if on_failure else None,
                on_success=on_success.text("destination") if on_success else None,
            )
            fn.locations["destinations"] = config.location
        for inst in self.of("aws_cloudwatch_log_group"):
            name = inst.view.str("name")
            if not name:
                continue
            for fn in self.fns.values():
                custom = fn.attributes.get("log_group_name")
                if name == custom or name == f"/aws/lambda/{fn.name}":
                    fn.attributes["log_group"] = inst.address
                    fn.fields["log_retention_days"] = inst.view.int("retention_in_days")
                    fn.locations["log_retention_days"] = inst.view.loc("retention_in_days")

    # -- AWS event sources and permissions -------------------------------------------------

    def _aws_triggers(self) -> None:
        for inst in self.of("aws_lambda_function_url"):
            self._function_url(inst)
        for inst in self.of("aws_lambda_event_source_mapping"):
            self._event_source(inst)
        for inst in self.of("aws_s3_bucket_notification"):
            source = self.source_text(inst.view, "bucket")
            for block in inst.view.blocks("lambda_function"):
                fn = self.fn_for(block, "lambda_function_arn")
                if fn is None:
                    continue
                attrs = {"events": block.strs("events")}
                for key in ("filter_prefix", "filter_suffix"):
                    if block.has(key):
                        attrs[key] = block.text(key)
                fn.triggers.append(
                    Trigger(
                        TriggerKind.S3,
                        block.location,
                        AuthKind.SERVICE,
                        False,
                        source=source,
                        attributes=attrs,
                    )
                )
        for inst in self.of("aws_sns_topic_subscription"):
            if inst.view.str("protocol") != "lambda":
                continue
            fn = self.fn_for(inst.view, "endpoint")
            if fn is not None:
                fn.triggers.append(
                    Trigger(
                        TriggerKind.SNS,
                        inst.location,
                        AuthKind.SERVICE,
                        False,
                        source=self.source_text(inst.view, "topic_arn"),
                    )
                )
        for inst in self.of("aws_cloudwatch_event_target"):
            self._event_target(inst)
        for inst in self.of("aws_lambda_permission"):
            self._permission(inst)
        self._alb()

    def _function_url(self, inst: Any) -> None:
        v = inst.view
        fn = self.fn_for(v, "function_name")
        if fn is None:
            return
        auth_type = v.str("authorization_type")
        auth = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM}.get(
            auth_type or "", AuthKind.UNKNOWN
        )
        cors_view = v.block("cors")
        cors = None
        if cors_view is not None:
            cors = Cors(
                tuple(cors_view.strs("allow_origins")),
                cors_view.bool("allow_credentials") is True,
                cors_view.location,
            )
        attrs: dict[str, Any] = {"address": inst.address}
        if v.has("invoke_mode"):
            attrs["invoke_mode"] = v.text("invoke_mode")
        fn.triggers.append(
            Trigger(
                TriggerKind.FUNCTION_URL, inst.location, auth, True, cors=cors, attributes=attrs
            )
        )

    def _event_source(self, inst: Any) -> None:
        v = inst.view
        fn = self.fn_for(v, "function_name")
        if fn is None:
            return
        source = self.source_text(v, "event_source_arn")
        target = self.target(v, "event_source_arn")
        target_type = target.type if target is not None else ""
        text = v.text("event_source_arn") or ""
        if target_type == "aws_sqs_queue" or ":sqs:" in text:
            kind = TriggerKind.SQS
        elif v.has("event_source_arn") or v.block("self_managed_event_source"):
            kind = TriggerKind.STREAM
        else:
            kind = TriggerKind.OTHER
        attrs: dict[str, Any] = {}
        for key in ("batch_size", "starting_position", "enabled"):
            if v.has(key):
                attrs[key] = v.text(key)
        fn.triggers.append(
            Trigger(kind, inst.location, AuthKind.SERVICE, False, source=source, attributes=attrs)
        )

    def _event_target(self, inst: Any) -> None:
        v = inst.view
        fn = self.fn_for(v, "arn")
        if fn is None:
            return
        rule = self.target(v, "rule", "aws_cloudwatch_event_rule")
        if rule is None:
            rule_name = v.str("rule")
            rule = next(
                (
                    r
                    for r in self.of("aws_cloudwatch_event_rule")
                    if rule_name and r.view.str("name") == rule_name
                ),
                None,
            )
        attrs: dict[str, Any] = {}
        kind = TriggerKind.EVENTBRIDGE
        source = self.source_text(v, "rule")
        if rule is not None:
            source = rule.address
            if rule.view.has("schedule_expression"):
                kind = TriggerKind.SCHEDULE
                attrs["schedule"] = rule.view.text("schedule_expression")
            if rule.view.has("event_pattern"):
                pattern, _, _ = self._policy_doc(rule.view, "event_pattern")
                attrs["pattern"] = _plain(pattern)
        fn.triggers.append(
            Trigger(kind, inst.location, AuthKind.SERVICE, False, source=source, attributes=attrs)
        )

    def _permission(self, inst: Any) -> None:
        from faasguard.inventory import _tf_eval

        v = inst.view
        fn = self.fn_for(v, "function_name")
        if fn is None:
            return
        principal = v.text("principal") or ""
        condition: dict[str, Any] = {}
        for key, attr in (
            ("SourceArn", "source_arn"),
            ("SourceAccount", "source_account"),
            ("PrincipalOrgID", "principal_org_id"),
            ("FunctionUrlAuthType", "function_url_auth_type"),
        ):
            if v.has(attr):
                condition[key] = v.text(attr)
        if principal == "*":
            auth = AuthKind.IAM if condition else AuthKind.NONE
            public: bool | None = not condition
        elif principal.endswith((".amazonaws.com", ".amazon.com")):
            auth, public = AuthKind.SERVICE, False
        elif isinstance(v.value("principal"), _tf_eval.Unknown):
            auth, public = AuthKind.UNKNOWN, None
        else:
            auth, public = AuthKind.IAM, False
        attrs = {"action": v.text("action"), "address": inst.address}
        if v.has("qualifier"):
            attrs["qualifier"] = v.text("qualifier")
        fn.triggers.append(
            Trigger(
                TriggerKind.INVOKE,
                inst.location,
                auth,
                public,
                source=principal,
                condition=condition,
                attributes=attrs,
            )
        )
        kind = _SERVICE_TRIGGER.get(principal)
        source = self.source_text(v, "source_arn") if v.has("source_arn") else None
        if kind is None or not source:
            return
        if kind is TriggerKind.EVENTBRIDGE:
            if any(
                t.kind in (TriggerKind.EVENTBRIDGE, TriggerKind.SCHEDULE) and t.source == source
                for t in fn.triggers
            ):
                return
        elif any(t.kind is kind and t.source == source for t in fn.triggers):
            return
        fn.triggers.append(
            Trigger(
                kind,
                inst.location,
                AuthKind.SERVICE,
                False,
                source=source,
                attributes={"from_permission": inst.address},
            )
        )

    def _alb(self) -> None:
        for att in self.of("aws_lb_target_group_attachment"):
            fn = self.fn_for(att.view, "target_id")
            group = self.target(
                att.view, "target_group_arn", "aws_lb_target_group", "aws_alb_target_group"
            )
            if fn is None:
                continue
            public: bool | None = None
            listeners = [
                lst
                for lst in self.of("aws_lb_listener", "aws_alb_listener")
                if group is not None and self._forwards_to(lst, group)
            ]
            forwarders = list(listeners)
            for rule in self.of("aws_lb_listener_rule", "aws_alb_listener_rule"):
                if group is not None and self._forwards_to(rule, group):
                    forwarders.append(rule)
                    listener = self.target(
                        rule.view, "listener_arn", "aws_lb_listener", "aws_alb_listener"
                    )
                    if listener is not None:
                        listeners.append(listener)
            for lst in listeners:
                lb = self.target(lst.view, "load_balancer_arn", "aws_lb", "aws_alb")
                if lb is not None:
                    internal = lb.view.bool("internal")
                    public = (internal is not True) if public is None else public or not internal
            fn.triggers.append(
                Trigger(
                    TriggerKind.ALB,
                    att.location,
                    self._alb_auth(forwarders),
                    public,
                    source=group.address if group is not None else None,
                )
            )

    def _alb_auth(self, forwarders: list[Any]) -> AuthKind:
        """COGNITO/JWT when every listener or rule forwarding to the group authenticates first."""
        kinds = set()
        for inst in forwarders:
            types = {
                (a.str("type") or "").lower()
                for a in inst.view.blocks("default_action") + inst.view.blocks("action")
            }
            if "authenticate-cognito" in types:
                kinds.add(AuthKind.COGNITO)
            elif "authenticate-oidc" in types:
                kinds.add(AuthKind.JWT)
            else:
                return AuthKind.NONE
        return kinds.pop() if len(kinds) == 1 else (AuthKind.JWT if kinds else AuthKind.NONE)

    def _forwards_to(self, inst: Any, group: Any) -> bool:
        for action in inst.view.blocks("default_action") + inst.view.blocks("action"):
            if group.address in action.traced("target_group_arn")[1].refs:
                return True
        return False

    # -- API Gateway -----------------------------------------------------------------------

    def _apis(self) -> None:
        for inst in self.of("aws_api_gateway_rest_api"):
            res = self._new_res(inst, "api", "name")
            res.set("api_type", "rest", None)
            endpoint = inst.view.block("endpoint_configuration")
            types = endpoint.strs("types") if endpoint is not None else []
            res.set("private", "PRIVATE" in types, endpoint.location if endpoint else None)
            if inst.view.has("body"):
                self.result.warning(
                    "unsupported",
                    f"{inst.address}: routes in an OpenAPI body are not read",
                    inst.view.loc("body"),
                )
        for inst in self.of("aws_apigatewayv2_api"):
            res = self._new_res(inst, "api", "name")
            protocol = (inst.view.str("protocol_type") or "HTTP").upper()
            res.set(
                "api_type",
                "websocket" if protocol == "WEBSOCKET" else "http",
                inst.view.loc("protocol_type"),
            )
            res.set("private", False, None)
            cors = inst.view.block("cors_configuration")
            if cors is not None:
                res.set(
                    "cors",
                    {
                        "allow_origins": cors.strs("allow_origins"),
                        "allow_credentials": cors.bool("allow_credentials") is True,
                    },
                    cors.location,
                )
        self._api_settings()
        for inst in self.of("aws_api_gateway_integration"):
            self._rest_route(inst)
        for inst in self.of("aws_apigatewayv2_route"):
            self._v2_route(inst)
        for inst in self.of("aws_apigatewayv2_api"):
            if inst.view.has("target"):
                self._v2_quick_create(inst)

    def _api_of(self, view: Any, attr: str) -> _Res | None:
        inst = self.target(view, attr, "aws_api_gateway_rest_api", "aws_apigatewayv2_api")
        return self.res.get(inst.address) if inst is not None else None

    def _api_settings(self) -> None:
        for inst in self.of("aws_api_gateway_stage", "aws_apigatewayv2_stage"):
            api = self._api_of(
                inst.view, "rest_api_id" if inst.type.startswith("aws_api_gateway") else "api_id"
            )
            if api is None:
                continue
            logs = inst.view.block("access_log_settings")
            api.set("access_logging", logs is not None, logs.location if logs else None)
            if inst.view.has("xray_tracing_enabled"):
                api.set(
                    "tracing",
                    inst.view.bool("xray_tracing_enabled"),
                    inst.view.loc("xray_tracing_enabled"),
                )
            route = inst.view.block("default_route_settings")
            if route is not None:
                self._throttle(api, route, "throttling_rate_limit", "throttling_burst_limit")
        for inst in self.of("aws_api_gateway_method_settings"):
            api = self._api_of(inst.view, "rest_api_id")
            settings = inst.view.block("settings")
            if api is not None and settings is not None:
                self._throttle(api, settings, "throttling_rate_limit", "throttling_burst_limit")
        for inst in self.of("aws_api_gateway_usage_plan"):
            quota = inst.view.block("quota_settings")
            throttle = inst.view.block("throttle_settings")
            for stage in inst.view.blocks("api_stages"):
                api = self._api_of(stage, "api_id")
                if api is None:
                    continue
                if throttle is not None:
                    self._throttle(api, throttle, "rate_limit", "burst_limit")
                if quota is not None:
                    current = dict(api.settings.get("throttling") or {})
                    current["quota"] = quota.int("limit")
                    api.set("throttling", current, quota.location)
        for inst in self.of("aws_api_gateway_domain_name", "aws_apigatewayv2_domain_name"):
            res = self._new_res(inst, "api-domain", "domain_name")
            config = inst.view.block("domain_name_configuration") or inst.view
            policy = config.str("security_policy")
            res.set("min_tls", policy, config.loc("security_policy"))
            for mapping in self.of(
                "aws_api_gateway_base_path_mapping", "aws_apigatewayv2_api_mapping"
            ):
                attr = "domain_name" if mapping.view.has("domain_name") else "domain_name_id"
                if inst.address not in mapping.view.traced(attr)[1].refs:
                    continue
                api = self._api_of(mapping.view, "api_id")
                if api is not None:
                    api.set("min_tls", policy, config.loc("security_policy"))

    def _throttle(self, api: _Res, view: Any, rate: str, burst: str) -> None:
        current = dict(api.settings.get("throttling") or {})
        if view.has(rate):
            value = view.value(rate)
            current["rate_limit"] = float(value) if isinstance(value, int | float) else None
        if view.has(burst):
            current["burst_limit"] = view.int(burst)
        api.set("throttling", current, view.location)

    def _throttling(self, api: _Res | None) -> Throttling | None:
        if api is None or not api.settings.get("throttling"):
            return None
        t = api.settings["throttling"]
        return Throttling(
            t.get("rate_limit"),
            t.get("burst_limit"),
            t.get("quota"),
            api.locations.get("throttling"),
        )

    def _rest_route(self, integration: Any) -> None:
        v = integration.view
        fn = self.fn_for(v, "uri")
        if fn is None:
            return
        api = self._api_of(v, "rest_api_id")
        method = self.target(v, "http_method", "aws_api_gateway_method")
        if method is None:
            resource_refs = v.traced("resource_id")[1].refs
            verb = v.str("http_method")
            method = next(
                (
                    m
                    for m in self.of("aws_api_gateway_method")
                    if m.view.str("http_method") == verb
                    and m.view.traced("resource_id")[1].refs == resource_refs
                ),
                None,
            )
        mv = method.view if method is not None else v
        auth = _REST_AUTH.get(mv.str("authorization") or "", AuthKind.UNKNOWN)
        private = bool(api and api.settings.get("private"))
        if private and auth is AuthKind.NONE:
            auth = AuthKind.PRIVATE
        authorizer = self.target(mv, "authorizer_id", "aws_api_gateway_authorizer")
        fn.triggers.append(
            Trigger(
                TriggerKind.HTTP_REST,
                method.location if method is not None else integration.location,
                auth,
                public=not private if api is not None else None,
                api_key_required=mv.bool("api_key_required") is True,
                method=(mv.str("http_method") or "").upper() or None,
                path=self._rest_path(mv),
                api=api.inst.address if api is not None else None,
                authorizer=authorizer.address if authorizer is not None else None,
                throttling=self._throttling(api),
            )
        )

    def _rest_path(self, view: Any, depth: int = 0) -> str | None:
        resource = self.target(view, "resource_id", "aws_api_gateway_resource")
        if resource is None:
            value = view.traced("resource_id")[0]
            return "/" if isinstance(value, str) and value.endswith(".root_resource_id") else None
        parts: list[str] = []
        while resource is not None and depth < 50:
            parts.append(resource.view.text("path_part") or "?")
            resource = self.target(resource.view, "parent_id", "aws_api_gateway_resource")
            depth += 1
        return "/" + "/".join(reversed(parts))

    def _v2_route(self, route: Any) -> None:
        from faasguard.inventory import _tf_eval

        v = route.view
        integration = self.target(v, "target", "aws_apigatewayv2_integration")
        if integration is None:
            return
        fn = self.fn_for(integration.view, "integration_uri")
        if fn is None:
            return
        api = self._api_of(v, "api_id")
        websocket = bool(api and api.settings.get("api_type") == "websocket")
        key = v.str("route_key") or ""
        if isinstance(v.value("route_key"), _tf_eval.Unknown):
            key = v.text("route_key") or ""
        method, _, path = key.partition(" ")
        if not path:
            method, path = "", key
        authorizer = self.target(v, "authorizer_id", "aws_apigatewayv2_authorizer")
        cors = None
        if api is not None and api.settings.get("cors"):
            c = api.settings["cors"]
            cors = Cors(
                tuple(c["allow_origins"]), c["allow_credentials"], api.locations.get("cors")
            )
        fn.triggers.append(
            Trigger(
                TriggerKind.WEBSOCKET if websocket else TriggerKind.HTTP_API,
                route.location,
                _V2_AUTH.get(v.str("authorization_type") or "NONE", AuthKind.UNKNOWN),
                public=True,
                api_key_required=v.bool("api_key_required") is True,
                method=method.upper() or None,
                path=path or None,
                api=api.inst.address if api is not None else None,
                authorizer=authorizer.address if authorizer is not None else None,
                cors=cors,
                throttling=self._throttling(api),
            )
        )

    def _v2_quick_create(self, inst: Any) -> None:
        fn = self.fn_for(inst.view, "target")
        if fn is None:
            return
        api = self.res.get(inst.address)
        fn.triggers.append(
            Trigger(
                TriggerKind.HTTP_API,
                inst.view.loc("target"),
                AuthKind.NONE,
                True,
                method="ANY",
                path="$default",
                api=inst.address,
                throttling=self._throttling(api),
            )
        )

    # -- Azure -----------------------------------------------------------------------------

    def _azure(self) -> None:
        for inst in self.of(*sorted(_AZURE_APPS)):
            self._azure_app(inst)

    def _azure_app(self, inst: Any) -> None:
        from faasguard.inventory import _tf_eval

        v = inst.view
        locs: dict[str, Location] = {}
        attrs: dict[str, Any] = {"address": inst.address}
        site = v.block("site_config")
        fields: dict[str, Any] = {
            "name": v.text("name") or inst.address,
            "provider": Provider.AZURE,
            "source_format": SourceFormat.TERRAFORM,
            "location": inst.location,
            "logical_id": inst.address,
            "conditional": inst.conditional,
        }
        if v.has("app_settings"):
            locs["environment"] = v.loc("app_settings")
            fields["environment"] = tuple(
                self.env_vars(v, "app_settings", f"app settings of {fields['name']}")
            )
        runtime, runtime_loc = self._azure_runtime(v, site, fields.get("environment", ()))
        if runtime:
            fields["runtime"] = runtime
            locs["runtime"] = runtime_loc or inst.location
        for key, attr in (
            ("https_only", "https_only"),
            ("public_network_access", "public_network_access_enabled"),
            ("client_certificate_enabled", "client_certificate_enabled"),
            ("builtin_logging", "builtin_logging_enabled"),
        ):
            if v.has(attr):
                attrs[key] = v.bool(attr)
                locs[key] = v.loc(attr)
        if site is not None:
            for key, attr in (
                ("min_tls_version", "minimum_tls_version"),
                ("min_tls_version", "min_tls_version"),
                ("ftps_state", "ftps_state"),
                ("http2_enabled", "http2_enabled"),
                ("remote_debugging", "remote_debugging_enabled"),
                ("cors", "cors"),
            ):
                if site.has(attr):
                    attrs[key] = _plain(site.value(attr))
                    locs[key] = site.loc(attr)
            cors = site.block("cors")
            if cors is not None:
                attrs["cors"] = {
                    "allowed_origins": cors.strs("allowed_origins"),
                    "support_credentials": cors.bool("support_credentials") is True,
                }
                locs["cors"] = cors.location
            if site.blocks("ip_restriction"):
                attrs["ip_restrictions"] = len(site.blocks("ip_restriction"))
        identity = v.block("identity")
        if identity is not None:
            attrs["identity"] = identity.text("type")
            locs["identity"] = identity.location
        auth, auth_loc = self._azure_auth(v)
        attrs["auth_enabled"] = auth is not AuthKind.NONE
        if auth_loc is not None:
            locs["auth"] = auth_loc
        public = attrs.get("public_network_access") is not False
        if not public:
            auth = AuthKind.PRIVATE if auth is AuthKind.NONE else auth
        cors_value = attrs.get("cors")
        cors = None
        if isinstance(cors_value, dict):
            cors = Cors(
                tuple(cors_value.get("allowed_origins") or ()),
                bool(cors_value.get("support_credentials")),
                locs.get("cors"),
            )
        if isinstance(v.value("name"), _tf_eval.Unknown):
            attrs["name_unresolved"] = True
        trigger = Trigger(
            TriggerKind.AZURE_HTTP, inst.location, auth, public, cors=cors, source=fields["name"]
        )
        self.fns[inst.address] = _Fn(inst, fields, locs, attrs, [trigger])

    def _azure_runtime(
        self, v: Any, site: Any, env: tuple[EnvVar, ...]
    ) -> tuple[str | None, Location | None]:
        stack = site.block("application_stack") if site is not None else None
        if stack is not None:
            for attr, prefix in (
                ("python_version", "python"),
                ("node_version", "node"),
                ("dotnet_version", "dotnet"),
                ("java_version", "java"),
                ("powershell_core_version", "powershell"),
            ):
                if stack.has(attr):
                    return f"{prefix}{stack.text(attr)}", stack.loc(attr)
            if stack.bool("use_custom_runtime"):
                return "custom", stack.loc("use_custom_runtime")
        if v.has("runtime_name"):
            return f"{v.text('runtime_name')}{v.text('runtime_version') or ''}", v.loc(
                "runtime_name"
            )
        for item in env:
            if item.name == "FUNCTIONS_WORKER_RUNTIME" and item.value:
                return item.value, item.location
        return None, None

    def _azure_auth(self, v: Any) -> tuple[AuthKind, Location | None]:
        v2 = v.block("auth_settings_v2")
        if v2 is not None:
            enabled = v2.bool("auth_enabled") is True
            required = v2.bool("require_authentication")
            action = v2.str("unauthenticated_action") or ""
            if enabled and required is not False and action != "AllowAnonymous":
                return AuthKind.JWT, v2.location
            return AuthKind.NONE, v2.location
        v1 = v.block("auth_settings")
        if v1 is not None:
            enabled = v1.bool("enabled") is True
            action = v1.str("unauthenticated_client_action") or ""
            if enabled and action != "AllowAnonymous":
                return AuthKind.JWT, v1.location
            return AuthKind.NONE, v1.location
        return AuthKind.NONE, None

    # -- GCP -------------------------------------------------------------------------------

    def _gcp(self) -> None:
        for inst in self.of("google_cloudfunctions_function"):
            self._gcp_function(inst, gen2=False)
        for inst in self.of("google_cloudfunctions2_function"):
            self._gcp_function(inst, gen2=True)
        invokers: dict[str, list[tuple[str, Location]]] = {}
        iam_types = (
            "google_cloudfunctions_function_iam_member",
            "google_cloudfunctions_function_iam_binding",
            "google_cloudfunctions2_function_iam_member",
            "google_cloudfunctions2_function_iam_binding",
            "google_cloud_run_service_iam_member",
            "google_cloud_run_service_iam_binding",
            "google_cloud_run_v2_service_iam_member",
            "google_cloud_run_v2_service_iam_binding",
        )
        for inst in self.of(*iam_types):
            v = inst.view
            if v.str("role") not in _GCP_INVOKER_ROLES:
                continue
            attr = next((a for a in ("cloud_function", "service", "name") if v.has(a)), None)
            fn = self._gcp_fn_for(v, attr) if attr else None
            if fn is None:
                continue
            members = v.strs("members") if v.has("members") else v.strs("member")
            for member in members:
                invokers.setdefault(fn.inst.address, []).append((member, inst.location))
        for address, members in invokers.items():
            self._gcp_apply_invokers(self.fns[address], members)

    def _gcp_fn_for(self, view: Any, attr: str) -> _Fn | None:
        fn = self.fn_for(view, attr)
        if fn is not None:
            return fn
        text = view.str(attr)
        if text:
            short = text.rsplit("/", 1)[-1]
            for candidate in self.fns.values():
                if candidate.fields["provider"] is Provider.GCP and candidate.name == short:
                    return candidate
        return None

    def _gcp_function(self, inst: Any, *, gen2: bool) -> None:
        v = inst.view
        locs: dict[str, Location] = {}
        attrs: dict[str, Any] = {"address": inst.address, "generation": 2 if gen2 else 1}
        fields: dict[str, Any] = {
            "name": v.text("name") or inst.address,
            "provider": Provider.GCP,
            "source_format": SourceFormat.TERRAFORM,
            "location": inst.location,
            "logical_id": inst.address,
            "conditional": inst.conditional,
        }
        build = v.block("build_config") if gen2 else v
        service = v.block("service_config") if gen2 else v
        if build is not None:
            for key, attr in (("runtime", "runtime"), ("handler", "entry_point")):
                if build.has(attr):
                    fields[key] = build.text(attr)
                    locs[key] = build.loc(attr)
        env: list[EnvVar] = []
        if service is not None:
            memory_attr = "available_memory" if gen2 else "available_memory_mb"
            if service.has(memory_attr):
                fields["memory"] = _memory_mb(service.value(memory_attr))
                locs["memory"] = service.loc(memory_attr)
            timeout_attr = "timeout_seconds" if gen2 else "timeout"
            if service.has(timeout_attr):
                fields["timeout"] = service.int(timeout_attr)
                locs["timeout"] = service.loc(timeout_attr)
            if service.has("environment_variables"):
                locs["environment"] = service.loc("environment_variables")
                env.extend(
                    self.env_vars(
                        service, "environment_variables", f"environment of {fields['name']}"
                    )
                )
            for block in service.blocks("secret_environment_variables"):
                secret = block.text("secret") or "?"
                version = block.text("version") or "latest"
                project = block.text("project_id")
                value = (
                    f"projects/{project}/secrets/{secret}/versions/{version}"
                    if project
                    else f"{secret}/versions/{version}"
                )
                env.append(
                    EnvVar(block.text("key") or "?", value, ValueOrigin.GCP_SECRET, block.location)
                )
                locs.setdefault("environment", block.location)
            for key, attr in (
                ("service_account", "service_account_email"),
                ("vpc_connector", "vpc_connector"),
                ("vpc_connector_egress", "vpc_connector_egress_settings"),
                ("max_instances", "max_instance_count"),
                ("max_instances", "max_instances"),
                ("all_traffic_on_latest_revision", "all_traffic_on_latest_revision"),
            ):
                if service.has(attr):
                    attrs[key] = _plain(service.value(attr))
                    locs[key] = service.loc(attr)
            if service.has("ingress_settings"):
                attrs["ingress"] = service.text("ingress_settings")
                locs["ingress"] = service.loc("ingress_settings")
            if not gen2 and v.has("https_trigger_security_level"):
                attrs["https_security_level"] = v.text("https_trigger_security_level")
                locs["https_security_level"] = v.loc("https_trigger_security_level")
            if "vpc_connector" in attrs:
                fields["vpc"] = Vpc(subnet_ids=(str(attrs["vpc_connector"]),))
                locs["vpc"] = locs["vpc_connector"]
        if env:
            fields["environment"] = tuple(env)
        if v.has("kms_key_name"):
            fields["kms_key"] = v.text("kms_key_name")
            locs["kms_key"] = v.loc("kms_key_name")
        attrs["invokers"] = []
        triggers: list[Trigger] = []
        event = v.block("event_trigger")
        if event is not None:
            source = (
                event.text("resource") or event.text("pubsub_topic") or event.text("event_type")
            )
            triggers.append(
                Trigger(
                    TriggerKind.GCP_EVENT,
                    event.location,
                    AuthKind.SERVICE,
                    False,
                    source=source,
                    attributes={"event_type": event.text("event_type")},
                )
            )
        http = v.bool("trigger_http") is True if not gen2 else event is None
        if http:
            triggers.append(self._gcp_http_trigger(inst, attrs, []))
        self.fns[inst.address] = _Fn(inst, fields, locs, attrs, triggers)

    def _gcp_http_trigger(
        self, inst: Any, attrs: dict[str, Any], members: list[tuple[str, Location]]
    ) -> Trigger:
        ingress = attrs.get("ingress")
        names = {m for m, _ in members}
        internal = ingress == "ALLOW_INTERNAL_ONLY"
        if "allUsers" in names:
            auth = AuthKind.NONE
        elif "allAuthenticatedUsers" in names:
            auth = AuthKind.IAM
        else:
            auth = AuthKind.IAM
        if internal and auth is AuthKind.NONE:
            auth = AuthKind.PRIVATE
        public = not internal
        location = next((loc for m, loc in members if m in _PUBLIC_MEMBERS), inst.location)
        return Trigger(
            TriggerKind.GCP_HTTP,
            location,
            auth,
            public,
            source=str(inst.view.text("name") or inst.address),
            attributes={"ingress": ingress, "invokers": sorted(names)},
        )

    def _gcp_apply_invokers(self, fn: _Fn, members: list[tuple[str, Location]]) -> None:
        fn.attributes["invokers"] = sorted({m for m, _ in members})
        fn.triggers = [
            self._gcp_http_trigger(fn.inst, fn.attributes, members)
            if t.kind is TriggerKind.GCP_HTTP
            else t
            for t in fn.triggers
        ]


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _local_name(expr: Any) -> str | None:
    from faasguard.inventory import _hcl

    if (
        isinstance(expr, _hcl.GetAttr)
        and isinstance(expr.source, _hcl.Variable)
        and expr.source.name == "local"
    ):
        return expr.name
    return None


def _unknown_trace(expr: Any) -> Any:
    from faasguard.inventory import _tf_eval

    return _tf_eval.Trace(unknown=[expr.text])


def _store_origin(text: str) -> ValueOrigin | None:
    if text.startswith("@Microsoft.KeyVault("):
        return ValueOrigin.KEY_VAULT
    if "{{resolve:ssm" in text:
        return ValueOrigin.SSM
    if "{{resolve:secretsmanager:" in text:
        return ValueOrigin.SECRETS_MANAGER
    return None


def _text(value: Any) -> str | None:
    from faasguard.inventory import _tf_eval

    if isinstance(value, dict | list):
        return json.dumps(_tf_eval.plain(value), sort_keys=True)
    return _tf_eval.text_of(value)


def _plain(value: Any) -> Any:
    from faasguard.inventory import _tf_eval

    return _tf_eval.plain(value)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(t for t in (_text(i) for i in items) if t is not None)


def _statements(doc: dict[str, Any], default: Location) -> list[Statement]:
    raw = doc.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    out: list[Statement] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        loc = getattr(item, "loc", None)
        if not isinstance(loc, Location) or loc.file == "?":
            loc = raw.where(i) if isinstance(raw, LList) else default
        condition = item.get("Condition")
        out.append(
            Statement(
                effect=_text(item.get("Effect")) or "Allow",
                location=loc,
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                condition=_plain(condition) if isinstance(condition, dict) else {},
                sid=_text(item.get("Sid")),
            )
        )
    return out


def _parse_policy_json(text: str, file: str, shift: int | None, loc: Location) -> Any:
    """Parse policy JSON. ``shift``: the JSON's first line is at line shift+1 of ``file``
    (a heredoc); None: no line mapping, every element is at ``loc``."""
    from faasguard._located import ParseError, parse_json

    try:
        doc = parse_json(text, file)
    except ParseError:
        return None
    if shift is None:
        return _relocate(doc, lambda _old: loc)
    if shift:
        return _relocate(doc, lambda old: Location(file, old.line + shift, old.column))
    return doc


def _relocate(value: Any, move: Any, depth: int = 0) -> Any:
    if depth > 100:
        return value
    if isinstance(value, LDict):
        value.loc = move(value.loc)
        value.key_locs = {k: move(v) for k, v in value.key_locs.items()}
        for v in value.values():
            _relocate(v, move, depth + 1)
    elif isinstance(value, LList):
        value.loc = move(value.loc)
        value.item_locs = [move(v) for v in value.item_locs]
        for v in value:
            _relocate(v, move, depth + 1)
    return value


def _denies_insecure_transport(statement: Statement) -> bool:
    if statement.allows:
        return False
    bool_cond = statement.condition.get("Bool") if isinstance(statement.condition, dict) else None
    if not isinstance(bool_cond, dict):
        return False
    value = bool_cond.get("aws:SecureTransport")
    values = value if isinstance(value, list) else [value]
    return any(str(v).lower() == "false" for v in values)


def _memory_mb(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?)?B?\s*", value)
    if not match:
        return None
    number = float(match.group(1))
    unit = match.group(2) or "M"
    factor = {"K": 1 / 1000, "Ki": 1 / 1024, "M": 1, "Mi": 1.048576, "G": 1000, "Gi": 1024}
    if unit == "M":
        return int(number)
    return int(number * factor.get(unit, 1))
