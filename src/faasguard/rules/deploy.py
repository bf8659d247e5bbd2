"""FG6xx: deployment hygiene — runtimes, tracing, signing, failures, logs, layers, images."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from faasguard.model import (
    Category,
    Finding,
    Function,
    Inventory,
    Location,
    Provider,
    Severity,
    TriggerKind,
)
from faasguard.rules._registry import Docs, rule, shipped_json

UPCOMING_DAYS = 180


@cache
def runtime_table() -> dict[str, Any]:
    return shipped_json("runtimes.json")  # type: ignore[no-any-return]


def today() -> dt.date:
    return dt.date.today()


@rule(
    "FG601",
    "Runtime past or near its end of support",
    Severity.MEDIUM,
    Category.DEPLOYMENT,
    Docs(
        what="A Lambda function whose runtime has reached end of support (deprecated: no "
        "security patches) or reaches it within 180 days, from the dated table shipped in "
        "faasguard/data/runtimes.json (its source and date are in the file); and an Azure "
        "Functions host.json whose extension bundle range allows only deprecated bundles "
        "(1.x to 3.x; 4.x is the supported one).",
        why="A deprecated runtime no longer receives security patches for the language, its "
        "standard library or the operating system, and after the second phase functions "
        "cannot even be updated to fix a vulnerability.",
        fix={
            "all": "Move to a supported runtime (e.g. python3.13, nodejs22.x) and redeploy.",
            "azure": 'Use "extensionBundle": {"version": "[4.*, 5.0.0)"} in host.json.',
        },
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
            "https://learn.microsoft.com/azure/azure-functions/extension-bundles",
            "https://cwe.mitre.org/data/definitions/1104.html",
        ),
    ),
    cwe=1104,
)
def deprecated_runtime(inventory: Inventory) -> Iterator[Finding]:
    table = runtime_table()["aws"]
    now = today()
    # One finding per written runtime: a provider-level runtime is one line to change.
    users: dict[tuple[Location, str], list[Function]] = {}
    for fn in inventory.functions:
        if fn.provider is Provider.AWS and fn.runtime and table.get(fn.runtime):
            users.setdefault((fn.where("runtime"), fn.runtime), []).append(fn)
    for (location, runtime), functions in users.items():
        ends = dt.date.fromisoformat(table[runtime])
        days = (ends - now).days
        if days > UPCOMING_DAYS:
            continue
        names = ", ".join(fn.name for fn in functions)
        if days < 0:
            message = f"{runtime} is out of support since {ends.isoformat()} (used by {names})"
            severity = None
        else:
            message = (
                f"{runtime} reaches end of support on {ends} (in {days} days; used by {names})"
            )
            severity = Severity.LOW
        yield deprecated_runtime.finding(
            message,
            location,
            functions=functions,
            evidence={"runtime": runtime, "end_of_support": table[runtime]},
            key=runtime,
            severity=severity,
        )
    yield from _deprecated_extension_bundles(inventory)


# Microsoft.Azure.Functions.ExtensionBundle: 1.x, 2.x and 3.x are deprecated, 4.x is active
# (learn.microsoft.com/azure/azure-functions/extension-bundles, reviewed 2026-11).
_SUPPORTED_BUNDLE_MAJOR = 4
_BUNDLE_UPPER = re.compile(r",\s*(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?\s*([)\]])\s*$")


def _bundle_max_major(version: str) -> int | None:
    """The highest major version an extension bundle range like ``[2.*, 3.0.0)`` allows."""
    match = _BUNDLE_UPPER.search(version)
    if match is None:
        single = re.fullmatch(r"\[?\s*(\d+)[.\d*]*\s*\]?", version.strip())
        return int(single.group(1)) if single else None
    major, minor, patch, bracket = match.groups()
    at_zero = minor in (None, "0") and patch in (None, "0")
    return int(major) - 1 if bracket == ")" and at_zero else int(major)


def _deprecated_extension_bundles(inventory: Inventory) -> Iterator[Finding]:
    for res in inventory.resources:
        bundle = res.settings.get("extension_bundle") if res.kind == "azure-function-app" else None
        if not isinstance(bundle, dict):
            continue
        if str(bundle.get("id") or "") != "Microsoft.Azure.Functions.ExtensionBundle":
            continue  # the Preview and Experimental bundles have their own versioning
        version = str(bundle.get("version") or "")
        highest = _bundle_max_major(version)
        if highest is None or highest >= _SUPPORTED_BUNDLE_MAJOR:
            continue
        yield deprecated_runtime.finding(
            f"extension bundle {version} of app {res.name} allows only deprecated bundles "
            f"({highest}.x or older)",
            res.where("extension_bundle"),
            evidence={"extension_bundle": version, "app": res.name},
            key=f"extension-bundle:{res.name}",
        )


@rule(
    "FG602",
    "X-Ray tracing is not enabled",
    Severity.INFO,
    Category.DEPLOYMENT,
    Docs(
        what="A Lambda function without active tracing.",
        why="Without traces an incident responder cannot follow a malicious request across "
        "functions and services. This is hardening advice, not a vulnerability.",
        fix={
            "serverless": "provider.tracing.lambda: true",
            "sam": "Globals.Function.Tracing: Active",
            "terraform": 'tracing_config { mode = "Active" }',
        },
    ),
    advice=True,
)
def tracing_disabled(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        if fn.provider is Provider.AWS and (fn.tracing or "").lower() != "active":
            yield tracing_disabled.finding(
                f"{fn.name} has no active tracing", fn.where("tracing"), function=fn, key="tracing"
            )


# --------------------------------------------------------------------------- shared helpers

_ASYNC_KINDS = frozenset(
    {
        TriggerKind.S3,
        TriggerKind.SNS,
        TriggerKind.EVENTBRIDGE,
        TriggerKind.SCHEDULE,
        TriggerKind.IOT,
        TriggerKind.CLOUDWATCH_LOGS,
    }
)
_LAYER_ARN = re.compile(
    r"^arn:aws[\w-]*:lambda:(?P<region>[^:]*):(?P<account>[^:]*):layer:(?P<name>[^:]+)"
    r"(?::(?P<version>[^:]*))?$"
)
_ACCOUNT_IN_ARN = re.compile(r"^arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")
# Accounts that publish widely used public layers (AWS and observability vendors). Reviewed
# 2026-11: Powertools (Python, TypeScript), Lambda Insights, Parameters and Secrets extension and
# AppConfig (us-east-1), ADOT, AWS SDK for pandas, Lambda Web Adapter, Datadog, New Relic.
KNOWN_LAYER_PUBLISHERS = frozenset(
    {
        "017000801446",
        "094274105915",
        "580247275435",
        "177933569100",
        "027255383542",
        "901920570463",
        "336392948345",
        "753240598075",
        "464622532012",
        "451483290750",
    }
)


def _aws(inventory: Inventory) -> list[Function]:
    return [fn for fn in inventory.functions if fn.provider is Provider.AWS]


def _by_file(functions: list[Function]) -> dict[str, list[Function]]:
    groups: dict[str, list[Function]] = {}
    for fn in sorted(functions, key=lambda f: (f.location.file, f.location.line)):
        groups.setdefault(fn.location.file, []).append(fn)
    return groups


def _names(functions: list[Function]) -> str:
    return ", ".join(fn.name for fn in functions)


def _grouped(owner: Any, functions: list[Function], what: str, key: str) -> Iterator[Finding]:
    """One finding per file for a setting the functions of that file all lack."""
    for file, fns in _by_file(functions).items():
        yield owner.finding(
            f"{what}: {_names(fns)}",
            fns[0].location,
            functions=fns,
            key=f"{key}:{file}",
        )


# --------------------------------------------------------------------------- FG603 code signing


@rule(
    "FG603",
    "Lambda code signing is not enforced",
    Severity.INFO,
    Category.DEPLOYMENT,
    Docs(
        what="Zip-packaged Lambda functions with no code signing configuration. One finding per "
        "file, naming the functions.",
        why="With a code signing configuration set to Enforce, Lambda refuses code that was not "
        "signed by your signing profile, so a stolen deployment credential or a tampered "
        "artifact in the deployment bucket cannot replace the function's code. Hardening "
        "advice.",
        fix={
            "serverless": "Create an AWS::Lambda::CodeSigningConfig in resources: and set "
            "CodeSigningConfigArn through resources.extensions.<Function>LambdaFunction."
            "Properties; sign the package with AWS Signer.",
            "sam": "CodeSigningConfigArn on the function (Globals.Function) and "
            "`sam deploy --signing-profiles`.",
            "cloudformation": "CodeSigningConfigArn on AWS::Lambda::Function.",
            "terraform": "code_signing_config_arn = aws_lambda_code_signing_config.x.arn",
        },
        references=("https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html",),
    ),
    cwe=494,
    advice=True,
)
def no_code_signing(inventory: Inventory) -> Iterator[Finding]:
    unsigned = [fn for fn in _aws(inventory) if not fn.code_signing and fn.package_type != "Image"]
    yield from _grouped(no_code_signing, unsigned, "no code signing config", "code-signing")


# --------------------------------------------------------------------------- FG604 async DLQ


@rule(
    "FG604",
    "Asynchronously invoked function without a dead-letter queue or on-failure destination",
    Severity.LOW,
    Category.DEPLOYMENT,
    Docs(
        what="A Lambda function triggered asynchronously (S3, SNS, EventBridge, schedules, IoT, "
        "CloudWatch Logs) with neither a dead-letter queue nor an on-failure destination.",
        why="After two retries Lambda drops a failed asynchronous event silently: lost orders, "
        "unprocessed uploads, and no trace of an attacker's malformed events. Hardening advice.",
        fix={
            "serverless": "`destinations: {onFailure: <queue/topic ARN>}` or "
            "`onError: <SNS topic ARN>` on the function.",
            "sam": "EventInvokeConfig.DestinationConfig.OnFailure or DeadLetterQueue.",
            "cloudformation": "AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure, "
            "or DeadLetterConfig.TargetArn.",
            "terraform": "aws_lambda_function_event_invoke_config { destination_config { "
            "on_failure { destination = ... } } } or dead_letter_config.",
        },
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
        ),
    ),
    advice=True,
)
def async_without_dlq(inventory: Inventory) -> Iterator[Finding]:
    for fn in _aws(inventory):
        if fn.dead_letter or (fn.destinations and fn.destinations.on_failure):
            continue
        async_triggers = [t for t in fn.triggers if t.kind in _ASYNC_KINDS]
        if not async_triggers:
            continue
        kinds = sorted({t.kind.value for t in async_triggers})
        yield async_without_dlq.finding(
            f"{fn.name} is invoked asynchronously ({', '.join(kinds)}) and drops failed events "
            "(no DLQ, no on-failure destination)",
            fn.location,
            function=fn,
            evidence={"triggers": kinds},
            related=[("trigger", t.location) for t in async_triggers[:10]],
            key="async-dlq",
        )


# --------------------------------------------------------------------------- FG605 log retention


@rule(
    "FG605",
    "Log group without retention",
    Severity.LOW,
    Category.DEPLOYMENT,
    Docs(
        what="A CloudWatch log group declared without a retention period, and Lambda functions "
        "whose log group is created implicitly (never expiring) because neither a retention "
        "setting nor a log group is declared for them.",
        why="Logs kept forever accumulate cost and, worse, keep every token, e-mail or "
        "payload a function ever logged readable for years. Choose a retention that matches "
        "your investigation and compliance needs. Hardening advice.",
        fix={
            "serverless": "provider.logRetentionInDays: 30 (or per function).",
            "sam": "Declare AWS::Logs::LogGroup /aws/lambda/<function> with RetentionInDays.",
            "cloudformation": "AWS::Logs::LogGroup with RetentionInDays.",
            "terraform": "aws_cloudwatch_log_group with retention_in_days.",
        },
        references=(
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
        ),
    ),
    advice=True,
)
def log_retention(inventory: Inventory) -> Iterator[Finding]:
    for res in inventory.resources:
        if res.kind == "log-group" and not res.settings.get("retention_days"):
            yield log_retention.finding(
                f"log group {res.name} never expires",
                res.location,
                evidence={"log_group": res.name},
                key=f"log-group:{res.name}",
            )
    linked = ("log_group", "log_group_resource", "log_group_name")
    implicit = [
        fn
        for fn in _aws(inventory)
        if fn.log_retention_days is None and not any(k in fn.attributes for k in linked)
    ]
    yield from _grouped(
        log_retention, implicit, "log groups created with no retention for", "fn-log-retention"
    )


# --------------------------------------------------------------------------- FG606/FG607 layers


def _project_accounts(inventory: Inventory) -> set[str]:
    """Account ids the project's own ARNs name (roles, keys, queues, statements...)."""
    texts: list[str] = []
    for fn in inventory.functions:
        texts += [fn.kms_key or "", fn.dead_letter or "", fn.code_signing or ""]
        if fn.destinations:
            texts += [fn.destinations.on_failure or "", fn.destinations.on_success or ""]
    for role in inventory.roles:
        texts.append(role.arn or "")
        texts += [r for st in role.statements for r in st.resources]
    texts += [res.arn or "" for res in inventory.resources]
    found = (_ACCOUNT_IN_ARN.match(t) for t in texts)
    return {m.group(1) for m in found if m}


def _layer_uses(inventory: Inventory) -> dict[tuple[Location, str], list[Function]]:
    uses: dict[tuple[Location, str], list[Function]] = {}
    for fn in _aws(inventory):
        for layer in fn.layers:
            if layer.resolved and _LAYER_ARN.match(layer.ref):
                uses.setdefault((layer.location, layer.ref), []).append(fn)
    return uses


@rule(
    "FG606",
    "Lambda layer is not pinned to a version",
    Severity.LOW,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A layer referenced by an ARN without a version number or with `:latest`.",
        why="Whoever controls the layer decides what code runs in the function at the next "
        "deployment; an unpinned reference also makes deployments unreproducible.",
        fix={
            "serverless": "Use the full LayerVersionArn ending in :<version>.",
            "sam": "Use the full LayerVersionArn ending in :<version>.",
            "cloudformation": "Use the full LayerVersionArn ending in :<version>.",
            "terraform": "Use the full layer version ARN ending in :<version>.",
        },
        references=("https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html",),
    ),
    cwe=829,
)
def unpinned_layer(inventory: Inventory) -> Iterator[Finding]:
    for (location, ref), functions in _layer_uses(inventory).items():
        match = _LAYER_ARN.match(ref)
        version = match.group("version") if match else None
        if version and version.isdigit():
            continue
        yield unpinned_layer.finding(
            f"layer {ref} is not pinned to a version (used by {_names(functions)})",
            location,
            functions=functions,
            evidence={"layer": ref},
            key=f"layer-pin:{ref}",
        )


@rule(
    "FG607",
    "Lambda layer from another AWS account",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A layer whose ARN names an AWS account that none of the project's own ARNs "
        "(roles, keys, queues, policy resources...) name, and that is not a well-known layer "
        "publisher (AWS Powertools, Lambda Insights, ADOT, AWS extensions, Datadog, New "
        "Relic...). Only checked when the project's account is known from its ARNs.",
        why="A layer runs inside the function with its role: the other account's owner (or "
        "whoever compromises it) supplies code that can read every secret and call every API "
        "the function can.",
        fix={
            "serverless": "Vendor the dependency into your own layer, or publish the layer from "
            "an account you control after review.",
            "sam": "Build the layer from source in the template (AWS::Serverless::LayerVersion).",
            "cloudformation": "Publish the layer in your own account after review.",
            "terraform": "Publish the layer with aws_lambda_layer_version in your account.",
        },
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html",
            "https://cwe.mitre.org/data/definitions/829.html",
        ),
    ),
    cwe=829,
)
def cross_account_layer(inventory: Inventory) -> Iterator[Finding]:
    own = _project_accounts(inventory)
    if not own:
        return
    for (location, ref), functions in _layer_uses(inventory).items():
        match = _LAYER_ARN.match(ref)
        account = match.group("account") if match else ""
        if not re.fullmatch(r"\d{12}", account) or account in own:
            continue
        if account in KNOWN_LAYER_PUBLISHERS:
            continue
        yield cross_account_layer.finding(
            f"layer {ref} comes from account {account}, not this project's "
            f"({', '.join(sorted(own))}); used by {_names(functions)}",
            location,
            functions=functions,
            evidence={"layer": ref, "account": account, "project_accounts": sorted(own)},
            key=f"layer-account:{ref}",
        )


# --------------------------------------------------------------------------- FG608 versions


@rule(
    "FG608",
    "Functions are deployed without versions or aliases",
    Severity.INFO,
    Category.DEPLOYMENT,
    Docs(
        what="Lambda functions that publish no version and have no alias, so every deployment "
        "overwrites $LATEST in place. One finding per file.",
        why="Without immutable versions there is no way to roll back quickly to the code that "
        "ran before a bad (or malicious) deployment, nor to tell which code served a request. "
        "Hardening advice.",
        fix={
            "serverless": "Keep provider.versionFunctions true (the default).",
            "sam": "AutoPublishAlias: live (in Globals.Function).",
            "cloudformation": "Add AWS::Lambda::Version and AWS::Lambda::Alias resources.",
            "terraform": "publish = true and an aws_lambda_alias.",
        },
        references=("https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html",),
    ),
    advice=True,
)
def unversioned(inventory: Inventory) -> Iterator[Finding]:
    functions = [fn for fn in _aws(inventory) if not fn.versioned and not fn.alias]
    yield from _grouped(unversioned, functions, "no published versions or aliases", "versions")


# --------------------------------------------------------------------------- FG609 deploy bucket


@rule(
    "FG609",
    "Deployment bucket without explicit encryption",
    Severity.INFO,
    Category.DEPLOYMENT,
    Docs(
        what="serverless.yml `provider.deploymentBucket` settings without `serverSideEncryption`.",
        why="The deployment bucket holds every packaged version of the code and the compiled "
        "templates (with their environment values). S3 applies SSE-S3 by default, but SSE-KMS "
        "with a customer key lets the key policy decide who can read the artifacts. Hardening "
        "advice.",
        fix={
            "serverless": "provider.deploymentBucket.serverSideEncryption: aws:kms (and "
            "sseKMSKeyId).",
        },
        references=(
            "https://www.serverless.com/framework/docs/providers/aws/guide/serverless.yml#deployment-bucket",
        ),
    ),
    cwe=311,
    advice=True,
)
def deployment_bucket_encryption(inventory: Inventory) -> Iterator[Finding]:
    kinds = {f.path: f.kind for f in inventory.files}
    for res in inventory.resources:
        if res.kind != "s3-bucket" or res.name != "ServerlessDeploymentBucket":
            continue
        if kinds.get(res.location.file, "serverless") != "serverless":
            continue
        if not res.settings.get("encryption"):
            yield deployment_bucket_encryption.finding(
                "provider.deploymentBucket sets no serverSideEncryption",
                res.location,
                evidence={"bucket": res.physical_name},
                key="deployment-bucket",
            )


# --------------------------------------------------------------------------- FG610 images


def _image_of(fn: Function) -> tuple[str, Location] | None:
    for attr in ("image_uri", "image"):
        value = fn.attributes.get(attr)
        if isinstance(value, str) and value:
            return value, fn.where("code_path") if attr == "image_uri" else fn.location
    return None


def _image_tag(uri: str) -> str | None:
    """The tag of an image URI ('' when none), or None when it is pinned or not a URI."""
    if "@sha256:" in uri or uri.startswith("ref:") or "${" in uri or "{{" in uri:
        return None
    if "/" not in uri:
        return None  # a name (serverless provider.ecr.images entry built from source)
    last = uri.rsplit("/", 1)[1]
    return last.split(":", 1)[1] if ":" in last else ""


@rule(
    "FG610",
    "Container image referenced by a mutable tag",
    Severity.LOW,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A container-image function whose image URI has no digest: `:latest` or no tag "
        "(low), or another tag (info).",
        why="A tag can be moved to a different image: the next deployment (or a redeploy during "
        "an incident) silently runs whatever the tag points to then. A digest "
        "(`@sha256:...`) is immutable.",
        fix={
            "serverless": "image: <account>.dkr.ecr.<region>.amazonaws.com/repo@sha256:<digest>"
            " (or build from source with provider.ecr.images).",
            "sam": "ImageUri with @sha256:<digest>, or let `sam build` build the image.",
            "cloudformation": "Code.ImageUri with @sha256:<digest>.",
            "terraform": "image_uri with @sha256:<digest> (e.g. from data.aws_ecr_image).",
        },
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html",
            "https://cwe.mitre.org/data/definitions/829.html",
        ),
    ),
    cwe=829,
)
def mutable_image(inventory: Inventory) -> Iterator[Finding]:
    for fn in _aws(inventory):
        found = _image_of(fn)
        tag = _image_tag(found[0]) if found else None
        if found is None or tag is None:
            continue
        uri, location = found
        floating = tag in ("", "latest")
        yield mutable_image.finding(
            f"{fn.name} runs image {uri} by "
            + ("a floating reference" if floating else f"the mutable tag {tag!r}"),
            location,
            function=fn,
            evidence={"image": uri, "tag": tag or None},
            key="image",
            severity=None if floating else Severity.INFO,
        )
