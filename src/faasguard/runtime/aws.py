"""Zero-code guard for AWS Lambda.

Set the function's handler to `faasguard.runtime.aws.handler` and FAASGUARD_HANDLER to the real
one (`module.function`, or a Lambda-style `src/app.handler`); configure with FAASGUARD_* variables
or a faasguard.toml next to the code (see faasguard.runtime._config). With the variable set, the
real handler and the guard load during the init phase, like a directly configured handler.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import import_module
from typing import Any

from ._config import ConfigError, guard_options, load

_guarded: Callable[[Any, Any], Any] | None = None


def resolve(spec: str) -> Callable[[Any, Any], Any]:
    """`package.module.function` or `dir/module.function` to the function itself."""
    module_name, _, function_name = spec.strip().rpartition(".")
    if not module_name or not function_name:
        raise ConfigError(f"FAASGUARD_HANDLER must look like module.function, not {spec!r}")
    module = import_module(module_name.replace("/", "."))
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(f"FAASGUARD_HANDLER: {module_name} has no function {function_name!r}")
    return function


def build(environ: dict[str, str] | None = None) -> Callable[[Any, Any], Any]:
    """The configured handler wrapped in a guard configured the same way."""
    from ._guard import Guard

    settings = load(environ)
    spec = settings.get("handler")
    if not spec:
        raise ConfigError(
            "faasguard.runtime.aws.handler needs FAASGUARD_HANDLER=module.function "
            "(or handler = ... in the [guard] table of faasguard.toml)"
        )
    return Guard(**guard_options(settings))(resolve(str(spec)))


def handler(event: Any, context: Any) -> Any:
    """The Lambda entry point: the real handler behind a guard, built once per instance."""
    global _guarded
    if _guarded is None:
        _guarded = build()
    return _guarded(event, context)


def reset() -> None:
    """Forget the built handler (tests, or after changing the environment)."""
    global _guarded
    _guarded = None


if os.environ.get("FAASGUARD_HANDLER") and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    _guarded = build()
