"""The inventory as JSON: the debugging view of what faasguard read."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from faasguard.model import Inventory, Location

INVENTORY_SCHEMA_VERSION = 1


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Location):
        return value._asdict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) else str(value)
    return str(value)


def inventory_dict(inv: Inventory) -> dict[str, Any]:
    body = to_jsonable(inv)
    return {"schema": "faasguard-inventory", "schema_version": INVENTORY_SCHEMA_VERSION, **body}
