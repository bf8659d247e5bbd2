"""A fast JSON Schema validator for the common keywords, agreeing with fastjsonschema 2.22.3.

`compile_fast(schema)` turns a schema into one generated Python function (checks inlined, no
per-call set of keys) that accepts exactly what `fastjsonschema.compile(schema)` accepts and,
on the first violation, raises `SchemaViolation(path, rule)` naming the same field and keyword
fastjsonschema would name. Anything outside the supported subset, and any schema fastjsonschema
would refuse to compile, gives None: the caller then falls back to fastjsonschema, which keeps
its behaviour (including its own definition errors) unchanged.

Generated source never contains schema text except `repr()` of values whose type is exactly
str, int or float; patterns, sets and helpers are passed in as globals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._record import FrozenRecord

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from typing import Any

Check = Callable[[object], None]
Collect = Callable[[object, Callable[[object], None], Callable[[object], None]], None]

MAX_SCHEMA_DEPTH = 12  # nested subschemas; deeper schemas are left to fastjsonschema
MAX_VALUE_DEPTH = 16  # nesting of enum / const / annotation values

_TYPES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),  # plus decimal.Decimal, added when compiling
    "string": (str,),
    "array": (list, tuple),
    "object": (dict,),
}
_SCALAR_TYPES = frozenset({"null", "boolean", "integer", "number"})
_ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "readOnly", "writeOnly", "deprecated"}
)
_STRING_KEYWORDS = ("minLength", "maxLength", "pattern", "format")
_NUMBER_KEYWORDS = ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")
_ARRAY_KEYWORDS = ("minItems", "maxItems", "uniqueItems", "items")
_OBJECT_KEYWORDS = (
    "minProperties",
    "maxProperties",
    "required",
    "properties",
    "patternProperties",
    "additionalProperties",
)
_SUPPORTED = frozenset(
    {"type", "enum", "const", "$id", "$schema"}
    | set(_STRING_KEYWORDS + _NUMBER_KEYWORDS + _ARRAY_KEYWORDS + _OBJECT_KEYWORDS)
)
# Formats fastjsonschema checks for draft-07 (and, with no $schema, its draft 2019 generator).
# A known format we do not implement makes the schema unsupported; unknown formats are ignored
# by fastjsonschema, and so by us.
_FORMATS_DRAFT07 = frozenset(
    {
        "date-time", "email", "hostname", "ipv4", "ipv6", "uri", "json-pointer",
        "uri-reference", "uri-template", "date", "iri", "iri-reference", "idn-email",
        "idn-hostname", "relative-json-pointer", "time", "regex",
    }
)  # fmt: skip
_FORMATS_DRAFT2019 = _FORMATS_DRAFT07 | {"uuid", "duration"}
# fastjsonschema's `pattern` turns every `$` not preceded by a backslash into `\Z`.
_BARE_DOLLAR = re.compile(r"(?<!\\)\$")


class SchemaViolation(ValueError):
    """The first violation: `path` lists keys (str) and indexes (int) from the root; `rule` is
    the violated keyword (None for a `false` subschema, as fastjsonschema reports it)."""

    def __init__(self, path: list[str | int], rule: str | None) -> None:
        super().__init__(f"value violates the schema ({rule})")
        self.path = path
        self.rule = rule


class _Unsupported(Exception):
    """The schema is outside the subset (or invalid): leave it to fastjsonschema."""


def compile_fast(schema: dict[str, Any]) -> Check | None:
    """A validator for `schema`, or None when fastjsonschema must handle it."""
    return _compile_validator(schema, collect=False)  # type: ignore[return-value]


def compile_collecting(schema: dict[str, Any]) -> Collect | None:
    """`compile_fast(schema)` in collect mode, or None where compile_fast gives None.

    `check(value, a, r)` validates exactly as compile_fast's function does and, once `value`
    is valid, has handed on every string the value holds: a string where the schema pins one
    down goes to `a`; any part whose strings the schema does not pin down (no single type,
    keys beyond the declared properties, patternProperties, a declared key starting with "$")
    goes whole to `r`, for a generic walk. Declared keys that are not identifiers go to `a`.
    Meant for parsed JSON (exact str, dict and list types): the detectors then read a valid
    body's strings without walking it."""
    return _compile_validator(schema, collect=True)  # type: ignore[return-value]


def _compile_validator(schema: dict[str, Any], collect: bool) -> Check | Collect | None:
    if type(schema) is not dict:
        return None
    try:
        return _Compiler(_known_formats(schema), collect).compile(schema)
    except (_Unsupported, RecursionError):
        return None


def _known_formats(schema: dict[str, Any]) -> frozenset[str]:
    """fastjsonschema picks its generator from $schema: absent means its draft 2019 one."""
    if "$schema" not in schema:
        return _FORMATS_DRAFT2019
    version = schema["$schema"]
    if type(version) is not str or "draft-04" in version or "draft-06" in version:
        raise _Unsupported
    if "draft-07" in version:
        return _FORMATS_DRAFT07
    raise _Unsupported


# -- format checks, written to accept exactly what fastjsonschema's regular expressions accept --


def _is_email(value: str) -> bool:
    """One "@"; a non-empty local part not starting or ending with "."; a "." inside the domain
    (not its first or last character)."""
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain:
        return False
    if local[0] == "." or local[-1] == "." or "." not in domain[1:-1]:
        return False
    # fastjsonschema refuses ".." in the local part only when no newline precedes the "@".
    return "\n" in local or ".." not in local


def _is_ipv4(value: str) -> bool:
    parts = value.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not 0 < len(part) <= 3 or part.strip("0123456789"):
            return False
        if (part[0] == "0" and len(part) > 1) or int(part) > 255:
            return False
    return True


def _is_uuid(value: str) -> bool:
    if len(value) != 36:
        return False
    for index, char in enumerate(value):
        if index in (8, 13, 18, 23):
            if char != "-":
                return False
        elif char not in "0123456789abcdefABCDEF":
            return False
    return True


def _is_regex(value: str) -> bool:
    try:
        re.compile(value)
    except Exception:  # fastjsonschema treats any failure to compile as "not a regex"
        return False
    return True


_FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "email": _is_email,
    "ipv4": _is_ipv4,
    "uuid": _is_uuid,
    "regex": _is_regex,
}


# -- runtime helpers the generated code calls ---------------------------------------------------


def _same(value: object, expected: object) -> bool:
    """fastjsonschema's enum/const equality: bools only equal bools, 1 == 1.0, tuples are arrays."""
    if expected is True or expected is False:
        return value is expected
    if type(expected) is int or type(expected) is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value == expected
    if expected is None:
        return value is None
    if type(expected) is str:
        return isinstance(value, str) and value == expected
    if type(expected) is dict:
        return (
            isinstance(value, dict)
            and len(value) == len(expected)
            and all(key in value and _same(value[key], item) for key, item in expected.items())
        )
    if type(expected) is list:
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(expected)
            and all(_same(a, b) for a, b in zip(value, expected, strict=True))
        )
    return value == expected


def _in_enum(value: object, choices: tuple[object, ...]) -> bool:
    return any(_same(value, choice) for choice in choices)


def _unique_key(value: object) -> object:
    """The hashable form fastjsonschema compares items by (True is not 1; tuples kept as is)."""
    if hasattr(value, "items"):
        return frozenset({k: _unique_key(v) for k, v in value.items()}.items())
    if isinstance(value, (dict, list)):
        return tuple(_unique_key(v) for v in value)
    if isinstance(value, bool):
        return (bool, value)
    return value


def _all_unique(items: list[object] | tuple[object, ...]) -> bool:
    return len(items) <= len({_unique_key(item) for item in items})


def _multiple_checker(divisor: int | float, decimal: type) -> Callable[[Any], bool]:
    """The same arithmetic fastjsonschema performs (so the same results, and the same errors)."""
    divisor_is_int = type(divisor) is int
    exact = decimal(repr(divisor))

    def is_multiple(value: Any) -> bool:
        if isinstance(value, int) and divisor_is_int:
            return value % divisor == 0
        quotient = value / divisor if divisor_is_int else decimal(repr(value)) / exact
        if int(quotient) != quotient:
            return False
        return value / divisor != math.inf

    return is_multiple


def _first_extra_failure(
    obj: dict[object, object],
    declared: frozenset[str],
    patterns: tuple[re.Pattern[str], ...],
    check: Check,
    prefix: list[str | int],
) -> None:
    """Re-run an additionalProperties subschema in the order fastjsonschema visits extra keys
    (that of `set(obj.keys())`), so the reported violation, or the crash (its error
    propagates), is the one it gives."""
    for key in set(obj.keys()):
        if key in declared or any(pattern.search(key) for pattern in patterns):
            continue
        try:
            check(obj[key])
        except SchemaViolation as violation:
            violation.path[0:0] = [*prefix, key]
            raise
    raise AssertionError("faasguard: additionalProperties re-check found no violation")


# -- the compiler -----------------------------------------------------------------------------


class _Spot(FrozenRecord):
    """Where generated code stands: the variable holding the value, the source expressions of
    its path from the function's root, the schema depth and the indentation."""

    __slots__ = __match_args__ = ("var", "path", "depth", "ind")

    def __init__(
        self, var: str, path: tuple[str, ...] = (), depth: int = 0, ind: str = "    "
    ) -> None:
        object.__setattr__(self, "var", var)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "ind", ind)

    def fail(self, rule: str | None) -> str:
        return f"raise _V([{', '.join(self.path)}], {rule!r})"

    def child(self, var: str, step: str, ind: str) -> _Spot:
        return _Spot(var, (*self.path, step), self.depth + 1, ind)

    def within(self) -> _Spot:
        return _Spot(self.var, self.path, self.depth, self.ind + "    ")


class _Compiler:
    def __init__(self, known_formats: frozenset[str], collect: bool = False) -> None:
        self.known_formats = known_formats
        self.collect = collect  # see compile_collecting: the root function gets (x0, a, r)
        self.counters: dict[str, str] = {}  # collect mode: an object's variable -> its key count
        self.functions: list[list[str]] = []
        self.counter = 0
        self.pattern_regexes: dict[str, str] = {}  # pattern keyword text -> compiled text
        self.key_regexes: set[str] = set()  # patternProperties keys
        self.namespace: dict[str, Any] = {
            "__builtins__": {},
            **{f.__name__: f for f in (isinstance, len, enumerate, int, float, str, dict, list)},
            "bool": bool,
            "_V": SchemaViolation,
            "_ANY_ERROR": Exception,
            "_LIST": (list, tuple),
            "_first_extra_failure": _first_extra_failure,
            "_in_enum": _in_enum,
            "_same": _same,
            "_all_unique": _all_unique,
        }

    def compile(self, schema: dict[str, Any]) -> Check:
        self.function(schema, 0, "validate")
        self.check_regex_sharing()
        source = "\n".join(line for function in self.functions for line in function)
        exec(compile(source, "<faasguard.runtime schema>", "exec"), self.namespace)
        return self.namespace["validate"]

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, value: object, prefix: str = "_c") -> str:
        name = self.fresh(prefix)
        self.namespace[name] = value
        return name

    def decimal_type(self) -> type:
        if "_NUMBER" not in self.namespace:
            from decimal import Decimal

            self.namespace["_NUMBER"] = (int, float, Decimal)
        return self.namespace["_NUMBER"][2]

    def function(self, schema: object, depth: int, name: str | None = None) -> str:
        """A separate generated function for `schema`; its violations have paths relative to it."""
        root = name is not None and self.collect
        name = name or self.fresh("_f")
        lines = [f"def {name}(x0, a, r):" if root else f"def {name}(x0):"]
        self.functions.append(lines)
        body: list[str] = []
        self.node(schema, _Spot("x0", (), depth), body)
        lines.extend([*(body or ["    pass"]), ""])
        return name

    def node(self, schema: object, at: _Spot, out: list[str]) -> None:
        if schema is True:
            if self.collect:
                out.append(f"{at.ind}r({at.var})")
            return
        if schema is False:
            out.append(at.ind + at.fail(None))
            return
        if type(schema) is not dict or at.depth > MAX_SCHEMA_DEPTH:
            raise _Unsupported
        self.check_keywords(schema)
        known: frozenset[str] | None = None
        if "type" in schema:
            types = _type_names(schema["type"])
            _when(out, at, self.type_failure(at.var, types), "type")
            known = frozenset(types)
        if "enum" in schema:
            _when(out, at, self.enum_failure(at.var, schema["enum"]), "enum")
        self.guarded_groups(schema, at, out, known)
        if "const" in schema:
            _when(out, at, f"not {self.same(at.var, schema['const'])}", "const")
        if self.collect:
            self.collection(schema, at, out)

    def collection(self, schema: dict[str, Any], at: _Spot, out: list[str]) -> None:
        """Collect mode, after the node's checks: where the valid value's strings go."""
        types = frozenset(_type_names(schema["type"])) if "type" in schema else None
        if types == {"string"}:
            out.append(f"{at.ind}a({at.var})")
        elif types is not None and types <= _SCALAR_TYPES:
            pass  # no string inside
        elif types == {"array"} and schema.get("items", True) not in (True, {}):
            pass  # each item's own node collects (`items: false`: the array is empty)
        elif types == {"object"} and self.keys_known(schema):
            if self.counts_keys(schema):  # as many keys as declared ones present: no other key
                out.append(f"{at.ind}if len({at.var}) != {self.counters[at.var]}:")
                out.append(f"{at.ind}    r({at.var})")
        else:
            out.append(f"{at.ind}r({at.var})")

    def key_counter(
        self, schema: dict[str, Any], present: frozenset[str], at: _Spot, out: list[str]
    ) -> str | None:
        """Collect mode, for an object whose keys can all be declared but need not be: a
        variable counting the declared keys present (its required ones to start with), for
        collection() to compare with the object's size. None in check mode, and where
        `additionalProperties: false` already rules other keys out."""
        if not self.collect or not self.counts_keys(schema):
            return None
        properties = schema.get("properties", {})
        count = self.counters[at.var] = self.fresh("c")
        out.append(f"{at.ind}{count} = {len(present.intersection(properties))}")
        return count

    @classmethod
    def counts_keys(cls, schema: dict[str, Any]) -> bool:
        """keys_known, where keys beyond the declared ones are allowed (so must be counted)."""
        return cls.keys_known(schema) and schema.get("additionalProperties", True) is not False

    @staticmethod
    def keys_known(schema: dict[str, Any]) -> bool:
        """An object whose every key is a declared property (checked at run time) that is no
        operator key: its properties' nodes collect all of it."""
        if schema.get("patternProperties"):
            return False
        return not any(key[:1] == "$" for key in schema.get("properties", {}))

    def guarded_groups(
        self, schema: dict[str, Any], at: _Spot, out: list[str], known: frozenset[str] | None
    ) -> None:
        """Keywords that apply to one JSON type each; only one group can apply to a value, so
        their relative order cannot change which violation comes first."""
        groups = (
            ("string", self.string_checks),
            ("number", self.number_checks),
            ("array", self.array_checks),
            ("object", self.object_checks),
        )
        keyword = "if"
        for kind, emit in groups:
            guard = self.guard(kind, at.var, known)
            body: list[str] = []
            # Emitted even when the type rules the group out: fastjsonschema still checks
            # those keywords' definitions, so an invalid one must make the schema unsupported.
            emit(schema, at if guard is True else at.within(), body)
            if guard is False or not body:
                continue
            if guard is not True:
                out.append(f"{at.ind}{keyword} {guard}:")
                keyword = "elif"
            out.extend(body)

    def guard(self, kind: str, var: str, known: frozenset[str] | None) -> str | bool:
        """The runtime test fastjsonschema applies before a keyword, or True/False when the
        type keyword already decided it."""
        if kind == "number":
            if known is not None and not known & {"integer", "number"}:
                return False
            if known and known <= {"integer", "number"}:
                return True
            self.decimal_type()
            return f"isinstance({var}, _NUMBER) and not isinstance({var}, bool)"
        if known is not None and kind not in known:
            return False
        if known == {kind}:
            return True
        exact = {"string": "str", "array": "list", "object": "dict"}[kind]
        allowed = {"string": "str", "array": "_LIST", "object": "dict"}[kind]
        return f"({var}.__class__ is {exact} or isinstance({var}, {allowed}))"

    def type_failure(self, var: str, types: list[str]) -> str:
        # `x.__class__ is T` is a quick exact-type test; isinstance() decides the rest.
        if types == ["string"]:
            return f"{var}.__class__ is not str and not isinstance({var}, str)"
        if types == ["object"]:
            return f"{var}.__class__ is not dict and not isinstance({var}, dict)"
        if types == ["array"]:
            return f"{var}.__class__ is not list and not isinstance({var}, _LIST)"
        if types == ["null"]:
            return f"{var} is not None"
        if types == ["boolean"]:
            return f"{var} is not True and {var} is not False"
        python_types: list[type] = []
        for name in types:
            python_types.extend(_TYPES[name])
            if name == "number":
                python_types.append(self.decimal_type())
        failure = f"not isinstance({var}, {self.constant(tuple(python_types), '_t')})"
        if "integer" in types:
            failure += f" and not (isinstance({var}, float) and {var}.is_integer())"
        if ("integer" in types or "number" in types) and "boolean" not in types:
            failure = f"({failure}) or isinstance({var}, bool)"
        if types == ["integer"]:
            failure = f"{var}.__class__ is not int and ({failure})"
        elif types == ["number"]:
            failure = f"{var}.__class__ is not float and {var}.__class__ is not int and ({failure})"
        return failure

    def enum_failure(self, var: str, choices: object) -> str:
        if type(choices) is not list:
            raise _Unsupported
        for choice in choices:
            _check_value(choice, 0)
        if not choices:
            return "True"
        if all(type(choice) is str for choice in choices):
            return f"not (isinstance({var}, str) and {var} in {self.constant(frozenset(choices))})"
        return f"not _in_enum({var}, {self.constant(tuple(choices))})"

    def same(self, var: str, expected: object) -> str:
        _check_value(expected, 0)
        if type(expected) is str:
            return f"(isinstance({var}, str) and {var} == {expected!r})"
        return f"_same({var}, {self.constant(expected)})"

    # keyword groups, each in fastjsonschema's order

    def string_checks(self, schema: dict[str, Any], at: _Spot, out: list[str]) -> None:
        self.length_checks(schema, at, out, "minLength", "maxLength")
        if "pattern" in schema:
            _when(out, at, f"not {self.pattern(schema['pattern'])}({at.var})", "pattern")
        if "format" in schema:
            name = schema["format"]
            if type(name) is not str:
                raise _Unsupported
            if name in self.known_formats:
                if name not in _FORMAT_CHECKS:
                    raise _Unsupported
                checker = self.constant(_FORMAT_CHECKS[name], "_format")
                _when(out, at, f"not {checker}({at.var})", "format")

    def number_checks(self, schema: dict[str, Any], at: _Spot, out: list[str]) -> None:
        for keyword in _NUMBER_KEYWORDS:
            if keyword not in schema:
                continue
            bound = _number_literal(schema[keyword])
            if keyword == "multipleOf":
                if schema[keyword] <= 0:
                    raise _Unsupported
                checker = _multiple_checker(schema[keyword], self.decimal_type())
                _when(out, at, f"not {self.constant(checker, '_multiple')}({at.var})", keyword)
            else:
                op = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<="}.get(keyword, ">=")
                _when(out, at, f"{at.var} {op} {bound}", keyword)

    def array_checks(self, schema: dict[str, Any], at: _Spot, out: list[str]) -> None:
        self.length_checks(schema, at, out, "minItems", "maxItems")
        if "uniqueItems" in schema:
            if type(schema["uniqueItems"]) is not bool:
                raise _Unsupported
            if schema["uniqueItems"]:
                _when(out, at, f"not _all_unique({at.var})", "uniqueItems")
        items = schema.get("items", True)
        if items is False:
            _when(out, at, at.var, "items")
        elif items is not True and items != {}:
            if type(items) is not dict:
                raise _Unsupported
            index, item = self.fresh("i"), self.fresh("v")
            body: list[str] = []
            self.node(items, at.child(item, index, at.ind + "    "), body)
            if body:
                out.append(f"{at.ind}for {index}, {item} in enumerate({at.var}):")
                out.extend(body)

    def object_checks(self, schema: dict[str, Any], at: _Spot, out: list[str]) -> None:
        self.length_checks(schema, at, out, "minProperties", "maxProperties")
        properties = schema.get("properties", {})
        if type(properties) is not dict:
            raise _Unsupported
        patterns = self.pattern_properties(schema.get("patternProperties", {}))
        present: frozenset[str] = frozenset()  # keys the required check has just proved there
        if "required" in schema:
            present = self.required(schema, at, out)
        keys_known = self.collect and self.keys_known(schema)
        count = self.key_counter(schema, present, at, out)
        for key, subschema in properties.items():
            if type(key) is not str or not _is_subschema(subschema):
                raise _Unsupported
            value, body = self.fresh("v"), []
            inner = at.ind if key in present else at.ind + "    "
            self.node(subschema, at.child(value, repr(key), inner), body)
            if count is not None and key not in present:
                body.insert(0, f"{inner}{count} += 1")
            if keys_known and not key.isidentifier():  # hand on a key the walk would check
                body.append(f"{inner}a({key!r})")
            if not body:
                continue
            if key not in present:
                out.append(f"{at.ind}if {key!r} in {at.var}:")
            out.append(f"{inner}{value} = {at.var}[{key!r}]")
            out.extend(body)
        if patterns:
            key, value = self.fresh("k"), self.fresh("v")
            out.append(f"{at.ind}for {key}, {value} in {at.var}.items():")
            for search, subschema in patterns:
                body = []
                with self.checking_only():  # the object goes whole to r()
                    self.node(subschema, at.child(value, key, at.ind + "        "), body)
                out.append(f"{at.ind}    if {search}({key}):")
                out.extend(body or [f"{at.ind}        pass"])
        if "additionalProperties" in schema:
            declared = self.constant(frozenset(properties))
            self.additional(schema["additionalProperties"], declared, patterns, at, out)

    def length_checks(
        self, schema: dict[str, Any], at: _Spot, out: list[str], least: str, most: str
    ) -> None:
        if least in schema or most in schema:
            length = self.fresh("n")
            out.append(f"{at.ind}{length} = len({at.var})")
            for keyword, op in ((least, "<"), (most, ">")):
                if keyword in schema:
                    _when(out, at, f"{length} {op} {_number_literal(schema[keyword])}", keyword)

    def required(self, schema: dict[str, Any], at: _Spot, out: list[str]) -> frozenset[str]:
        required = schema["required"]
        if type(required) is not list or any(type(key) is not str for key in required):
            raise _Unsupported
        if len(set(required)) != len(required):
            raise _Unsupported  # fastjsonschema refuses duplicates
        if not schema.get("additionalProperties", True):  # `{}` counts here, as in fastjsonschema
            allowed = schema.get("properties", {})
            texts = schema.get("patternProperties", {})
            for key in required:
                if key not in allowed and not any(re.search(text, key) for text in texts):
                    raise _Unsupported  # fastjsonschema refuses required-but-forbidden keys
        if required:
            missing = " or ".join(f"{key!r} not in {at.var}" for key in required)
            _when(out, at, missing, "required")
        return frozenset(required)

    def pattern_properties(self, patterns: object) -> list[tuple[str, object]]:
        if type(patterns) is not dict:
            raise _Unsupported
        compiled = []
        for text, subschema in patterns.items():
            if type(text) is not str or not _is_subschema(subschema):
                raise _Unsupported
            self.key_regexes.add(text)
            compiled.append((self.constant(_compile(text).search, "_search"), subschema))
        return compiled

    def additional(
        self,
        extra: object,
        declared: str,
        patterns: list[tuple[str, object]],
        at: _Spot,
        out: list[str],
    ) -> None:
        if extra is True or extra == {}:
            return
        if not patterns and extra is False:
            _when(out, at, f"not {declared}.issuperset({at.var})", "additionalProperties")
            return
        key = self.fresh("k")
        is_extra = f"{key} not in {declared}"
        if patterns:
            is_extra += f" and not ({' or '.join(f'{s}({key})' for s, _ in patterns)})"
        out.append(f"{at.ind}for {key} in {at.var}:")
        out.append(f"{at.ind}    if {is_extra}:")
        if extra is False:
            out.append(f"{at.ind}        {at.fail('additionalProperties')}")
            return
        if type(extra) is not dict:
            raise _Unsupported
        with self.checking_only():  # an object with extra keys goes whole to r()
            check = self.function(extra, at.depth + 1)
        searches = "(" + "".join(f"{search}.__self__, " for search, _ in patterns) + ")"
        out.append(f"{at.ind}        try:")
        out.append(f"{at.ind}            {check}({at.var}[{key}])")
        # any failure, a crash too (uniqueItems on unhashable tuples): fastjsonschema visits
        # extra keys in set order, so the first failure in that order is the one to give
        out.append(f"{at.ind}        except _ANY_ERROR:")
        out.append(
            f"{at.ind}            _first_extra_failure({at.var}, {declared}, {searches}, "
            f"{check}, [{', '.join(at.path)}])"
        )

    @contextmanager
    def checking_only(self) -> Iterator[None]:
        """Generate code that validates without collecting (in either mode)."""
        saved, self.collect = self.collect, False
        try:
            yield
        finally:
            self.collect = saved

    def pattern(self, text: object) -> str:
        if type(text) is not str:
            raise _Unsupported
        anchored = _BARE_DOLLAR.sub(r"\\Z", text)
        self.pattern_regexes[text] = anchored
        return self.constant(_compile(anchored).search, "_search")

    def check_regex_sharing(self) -> None:
        """fastjsonschema keeps one compiled regex per pattern text (and per `<format>_re_pattern`
        name): a text used both as `pattern` (with `$` rewritten) and as a patternProperties key
        would share one regex there, depending on generation order."""
        for text in set(self.pattern_regexes) | self.key_regexes:
            if text.endswith("_re_pattern"):
                raise _Unsupported
            if text in self.key_regexes and self.pattern_regexes.get(text, text) != text:
                raise _Unsupported

    def check_keywords(self, schema: dict[str, Any]) -> None:
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                _check_value(value, 0)
            elif keyword not in _SUPPORTED:
                raise _Unsupported  # includes default, $ref, allOf, definitions, ...
        if "$id" in schema:
            _check_id(schema["$id"])
        if "$schema" in schema and type(schema["$schema"]) is not str:
            raise _Unsupported


def _when(out: list[str], at: _Spot, condition: str, rule: str) -> None:
    out.append(f"{at.ind}if {condition}:")
    out.append(f"{at.ind}    {at.fail(rule)}")


def _is_subschema(value: object) -> bool:
    return type(value) is dict or type(value) is bool


def _type_names(value: object) -> list[str]:
    names = value if type(value) is list else [value]
    if any(type(name) is not str or name not in _TYPES for name in names):
        raise _Unsupported
    return names


def _number_literal(value: object) -> str:
    if type(value) is int:
        try:
            return repr(value)
        except ValueError:  # more digits than int->str allows; fastjsonschema fails too
            raise _Unsupported from None
    if type(value) is float and math.isfinite(value):
        return repr(value)
    raise _Unsupported


def _compile(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except (re.error, RecursionError, OverflowError, ValueError):
        raise _Unsupported from None


def _check_id(value: object) -> None:
    if type(value) is not str:
        raise _Unsupported
    from urllib.parse import urldefrag, urlsplit  # only schemas with $id pay for the import

    try:
        urlsplit(value)
        fragment = urldefrag(value).fragment
    except ValueError:
        raise _Unsupported from None
    if fragment:
        raise _Unsupported


def _check_value(value: object, depth: int) -> None:
    """A plain JSON value that fastjsonschema's reference walker leaves alone."""
    if depth > MAX_VALUE_DEPTH:
        raise _Unsupported
    if value is None or type(value) in (bool, str, int):
        return
    if type(value) is float:
        if not math.isfinite(value):
            raise _Unsupported
        return
    if type(value) is list:
        for item in value:
            _check_value(item, depth + 1)
        return
    if type(value) is dict:
        if "$ref" in value or type(value.get("$id")) is str or type(value.get("id")) is str:
            raise _Unsupported
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported
            _check_value(item, depth + 1)
        return
    raise _Unsupported
