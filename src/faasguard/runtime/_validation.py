"""Schema validation compiled once: JSON Schema, or a pydantic model.

A JSON Schema made of the common keywords compiles to faasguard's own validator (_schema: same
answers as fastjsonschema, several times faster); any other schema goes to fastjsonschema.
Errors are reduced to a field path and the violated keyword; validator messages (which may quote
the input, e.g. unexpected property names) are never passed on.
"""

from __future__ import annotations

from collections.abc import Callable

from ._problems import Rejection, join_path

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from typing import Any

Validator = Callable[[object], None]
# (value, a, r): validates like a Validator and hands on the value's strings (see
# _schema.compile_collecting)
Collector = Callable[[object, Callable[[object], None], Callable[[object], None]], None]
# how deep a value nests when its collector handed nothing to r(): a container per schema node,
# and schemas nest at most _schema.MAX_SCHEMA_DEPTH (12) deep below the root
COLLECTED_MAX_DEPTH = 13

MISSING_FASTJSONSCHEMA = (
    "faasguard.runtime: this JSON Schema uses keywords faasguard's built-in validator does not "
    "cover ($ref, anyOf/allOf/oneOf, default, date-time formats...): they need the "
    "'fastjsonschema' package, which is not installed. Install it (pip install fastjsonschema) "
    "or add it to your deployment package / layer (faasguard layer build --extra fastjsonschema)."
)


def compile_schema(schema: dict[str, Any], root: str) -> Validator:
    """Compile a JSON Schema once; the result raises a 400 Rejection naming `root`-based paths."""
    if not isinstance(schema, dict):
        raise TypeError("faasguard.runtime: a schema must be a JSON Schema object (a dict)")
    from ._schema import SchemaViolation, compile_fast

    fast = compile_fast(schema)
    if fast is not None:

        def validate_fast(value: object) -> None:
            try:
                fast(value)
            except SchemaViolation as error:
                raise _violation(root, error) from None

        return validate_fast
    try:
        import fastjsonschema
    except ImportError as error:
        raise ImportError(MISSING_FASTJSONSCHEMA) from error
    check = fastjsonschema.compile(schema)
    value_error = fastjsonschema.JsonSchemaValueException

    def validate(value: object) -> None:
        try:
            check(value)
        except value_error as error:
            field = _field(root, value, list(error.path or [])[1:])
            errors = [{"field": field, "rule": str(error.rule)}]
            raise Rejection(400, "validation", errors) from None

    return validate


def compile_collecting(schema: dict[str, Any], root: str) -> Collector | None:
    """compile_schema's validator in collect mode, raising the same Rejections; None when the
    schema needs fastjsonschema (which cannot collect)."""
    from ._schema import SchemaViolation
    from ._schema import compile_collecting as compile_

    fast = compile_(schema)
    if fast is None:
        return None

    def collect(value: object, a: Callable[[object], None], r: Callable[[object], None]) -> None:
        try:
            fast(value, a, r)
        except SchemaViolation as error:
            raise _violation(root, error) from None

    return collect


def _violation(root: str, error: Any) -> Rejection:
    """The 400 for a SchemaViolation: the field path and keyword, nothing of the value."""
    errors = [{"field": join_path(root, error.path), "rule": str(error.rule)}]
    return Rejection(400, "validation", errors)


def _field(root: str, value: object, path: list[object]) -> str:
    """Rebuild a field path, telling list indexes from numeric-looking keys by the instance."""
    segments: list[object] = []
    current = value
    for step in path:
        if isinstance(current, list):
            try:
                index = int(str(step))
            except ValueError:
                break
            segments.append(index)
            current = current[index] if 0 <= index < len(current) else None
        else:
            segments.append(step)
            current = current.get(step) if isinstance(current, dict) else None
    return join_path(root, segments)


def compile_model(model: type) -> Validator:
    """A pydantic v2 model (or anything with model_validate) as a body validator."""
    validate_model = getattr(model, "model_validate", None)
    if validate_model is None:
        raise TypeError("faasguard.runtime: model must be a pydantic v2 BaseModel subclass")

    def validate(value: object) -> None:
        try:
            validate_model(value)
        except ValueError as error:
            errors = getattr(error, "errors", None)
            if errors is None:
                raise
            raise Rejection(400, "validation", _pydantic_errors(errors())) from None

    return validate


def _pydantic_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"field": join_path("body", list(item.get("loc", ()))), "rule": str(item.get("type", ""))}
        for item in errors
    ]
