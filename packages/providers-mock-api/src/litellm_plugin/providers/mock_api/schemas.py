"""JSON values generated from a JSON Schema, deterministically, and checked with ``jsonschema``.

Tool-call arguments and structured-output replies come from here. Generation walks the schema (types, ``enum``,
``const``, bounds, ``pattern``, ``format``, nested objects and arrays, ``anyOf``/``oneOf``/``allOf``, local
``$ref``); a seed picks among the valid choices, so the same request always gets the same value. Every value is
then validated with ``jsonschema`` (Draft 2020-12); if a schema uses something the walk cannot satisfy, other
seeds are tried, and a :class:`SchemaError` says so when none validates.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as _JsonSchemaError

from .patterns import string_matching

__all__ = ["SchemaError", "check_schema", "check_tool_schema", "generate", "validate"]

_MAX_DEPTH = 6
_ATTEMPTS = 8
_WORDS = ("alpha", "bravo", "mock", "value", "delta", "echo", "sample", "tango", "paris", "blue", "seven", "north")
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00Z",
    "email": "mock@example.com",
    "idn-email": "mock@example.com",
    "uri": "https://example.com/mock",
    "iri": "https://example.com/mock",
    "uri-reference": "https://example.com/mock",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "duration": "P1D",
}


class SchemaError(ValueError):
    """The schema is not a valid JSON Schema, or no value satisfying it could be generated."""


def check_schema(schema: object) -> None:
    """Raise :class:`SchemaError` unless ``schema`` is a valid JSON Schema (Draft 2020-12)."""
    if not isinstance(schema, (Mapping, bool)):
        raise SchemaError("a schema must be a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except _JsonSchemaError as exc:
        raise SchemaError(f"invalid JSON Schema: {exc.message}") from None


def check_tool_schema(schema: object) -> None:
    """A tool's parameters: a valid JSON Schema whose root is an object (as OpenAI and Anthropic require)."""
    check_schema(schema)
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if kind is not None and kind != "object":
        raise SchemaError(f"a tool's parameters must be a JSON Schema of type 'object', got type {kind!r}")


def validate(value: object, schema: Mapping[str, Any] | bool) -> str | None:
    """The first validation error of ``value`` against ``schema`` as a message, or ``None`` if it is valid."""
    error = next(iter(Draft202012Validator(schema).iter_errors(value)), None)
    return None if error is None else error.message


class _Rng:
    """A tiny deterministic chooser fed by SHAKE-256 (no global random state, same on every platform)."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()
        self._counter = 0

    def below(self, bound: int) -> int:
        if bound <= 1:
            return 0
        self._counter += 1
        digest = hashlib.shake_256(self._seed + self._counter.to_bytes(8, "big")).digest(8)
        return int.from_bytes(digest, "big") % bound

    def pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        return items[self.below(len(items))]


class _Generator:
    def __init__(self, root: Mapping[str, Any] | bool, rng: _Rng, strict: bool) -> None:
        self.root = root
        self.rng = rng
        self.strict = strict

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | bool:
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        if not ref.startswith("#"):
            raise SchemaError(f"only local $ref are supported, got {ref!r}")
        target: Any = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and key in target:
                target = target[key]
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                raise SchemaError(f"$ref {ref!r} does not resolve")
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if isinstance(target, Mapping) and rest:
            return {**target, **rest}
        return target if isinstance(target, (Mapping, bool)) else {}

    def value(self, schema: Mapping[str, Any] | bool, depth: int = 0) -> Any:
        if schema is True or schema is False:
            return self.rng.pick(_WORDS) if schema else None
        if depth > 64:
            raise SchemaError("the schema nests too deeply (or its $ref never ends)")
        schema = self.resolve(schema)
        if isinstance(schema, bool):
            return self.value(schema, depth + 1)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.rng.pick(schema["enum"])
        if isinstance(schema.get("allOf"), list):
            merged = _merge([schema, *[self.resolve(part) for part in schema["allOf"] if isinstance(part, Mapping)]])
            return self.value({k: v for k, v in merged.items() if k != "allOf"}, depth + 1)
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                base = {k: v for k, v in schema.items() if k != key}
                choice = self._choose_option(options, depth)
                part = self.resolve(choice) if isinstance(choice, Mapping) else {}
                return self.value(_merge([base, part]) if isinstance(part, Mapping) else part, depth + 1)
        kind = self._type(schema, depth)
        if kind == "null":
            return None
        if kind == "boolean":
            return self.rng.below(2) == 1
        if kind in ("integer", "number"):
            return _number(schema, kind == "integer", self.rng)
        if kind == "string":
            return _string(schema, self.rng)
        if kind == "array":
            return self._array(schema, depth)
        return self._object(schema, depth)

    def _choose_option(self, options: list[Any], depth: int) -> Any:
        if depth >= _MAX_DEPTH:  # deep down, prefer an option that ends the recursion
            for option in options:
                resolved = self.resolve(option) if isinstance(option, Mapping) else option
                if isinstance(resolved, Mapping) and not _may_nest(resolved):
                    return option
        return self.rng.pick(options)

    def _type(self, schema: Mapping[str, Any], depth: int) -> str:
        declared = schema.get("type")
        if isinstance(declared, list) and declared:
            kinds = [str(kind) for kind in declared]
            if depth >= _MAX_DEPTH and "null" in kinds:
                return "null"
            non_null = [kind for kind in kinds if kind != "null"] or kinds
            return str(self.rng.pick(non_null))
        if isinstance(declared, str):
            return declared
        if any(key in schema for key in ("properties", "required", "additionalProperties")):
            return "object"
        if any(key in schema for key in ("items", "prefixItems", "minItems")):
            return "array"
        if any(key in schema for key in ("minLength", "maxLength", "pattern", "format")):
            return "string"
        if any(key in schema for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            return "number"
        return "object" if depth == 0 else "string"

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        raw_prefix = schema.get("prefixItems")
        prefix: list[Any] = raw_prefix if isinstance(raw_prefix, list) else []
        items = schema.get("items", True)
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, len(prefix), 3)))
        wanted = len(prefix) if items is False else max(low, min(high, len(prefix) + (1 if depth < _MAX_DEPTH else 0)))
        result: list[Any] = [self.value(part, depth + 1) for part in prefix[:wanted]]
        unique = bool(schema.get("uniqueItems"))
        tries = 0
        while len(result) < wanted and tries < wanted * 8 + 8:
            tries += 1
            item = self.value(items if isinstance(items, (Mapping, bool)) else True, depth + 1)
            if unique and item in result:
                continue
            result.append(item)
        return result

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        raw_properties = schema.get("properties")
        properties: Mapping[str, Any] = raw_properties if isinstance(raw_properties, Mapping) else {}
        required = [name for name in schema.get("required", []) if isinstance(name, str)]
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            if name in required or (self.strict and depth < _MAX_DEPTH) or depth < _MAX_DEPTH // 2:
                result[name] = self.value(sub, depth + 1)
        extra = schema.get("additionalProperties", not self.strict)
        for name in required:
            if name not in result:
                result[name] = self.value(extra if isinstance(extra, Mapping) else True, depth + 1)
        minimum = int(schema.get("minProperties", 0))
        counter = 0
        while len(result) < minimum and extra is not False:
            counter += 1
            result[f"extra_{counter}"] = self.value(extra if isinstance(extra, Mapping) else True, depth + 1)
        return result


def _may_nest(schema: Mapping[str, Any]) -> bool:
    """Whether a schema can hold further schemas (so choosing it might not end a recursion)."""
    if "const" in schema or "enum" in schema:
        return False
    nesting = ("$ref", "properties", "items", "prefixItems", "anyOf", "oneOf", "allOf", "additionalProperties")
    return any(key in schema for key in nesting) or schema.get("type") in ("object", "array", None)


def _merge(parts: list[Mapping[str, Any] | bool]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "properties" and isinstance(merged.get(key), Mapping) and isinstance(value, Mapping):
                merged[key] = {**merged[key], **value}
            elif key == "required" and isinstance(merged.get(key), list) and isinstance(value, list):
                merged[key] = [*merged[key], *[name for name in value if name not in merged[key]]]
            else:
                merged[key] = value
    return merged


def _number(schema: Mapping[str, Any], integer: bool, rng: _Rng) -> int | float:
    low = float(schema.get("minimum", -math.inf))
    high = float(schema.get("maximum", math.inf))
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, (int, float)) and not isinstance(exclusive_low, bool):
        low = max(low, float(exclusive_low) + (1 if integer else 1e-6))
    if isinstance(exclusive_high, (int, float)) and not isinstance(exclusive_high, bool):
        high = min(high, float(exclusive_high) - (1 if integer else 1e-6))
    if math.isinf(low) and math.isinf(high):
        low, high = 0.0, 100.0
    elif math.isinf(low):
        low = high - 100
    elif math.isinf(high):
        high = low + 100
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
        first, last = math.ceil(low / step), math.floor(high / step)
        start = first + rng.below(max(1, min(last - first + 1, 50)))
        for multiple in [start, *range(first, min(last, first + 50) + 1)]:
            value: int | float = multiple * step
            if integer and not float(value).is_integer():
                continue
            value = int(value) if integer or isinstance(step, int) else value
            if float(value / step).is_integer():  # jsonschema's own multipleOf test
                return value
        return int(low) if integer else low
    if integer:
        first, last = math.ceil(low), math.floor(high)
        return int(first + rng.below(max(1, last - first + 1)))
    span = high - low
    return round(low + span * rng.below(1001) / 1000, 6) if span > 0 else low


def _string(schema: Mapping[str, Any], rng: _Rng) -> str:
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 24)))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        return string_matching(pattern, low, high, rng.below)
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    text = " ".join(rng.pick(_WORDS) for _ in range(1 + rng.below(3)))
    while len(text) < low:
        text += " " + rng.pick(_WORDS)
    return text[:high].rstrip() if len(text[:high].rstrip()) >= low else text[:high]


def generate(schema: Mapping[str, Any] | bool, seed: str, *, strict: bool = False) -> Any:
    """A value valid against ``schema``, the same for the same ``seed``; :class:`SchemaError` if impossible.

    ``strict`` (OpenAI's strict mode) fills every declared property and never adds undeclared ones.
    """
    last_error = "no attempt"
    for attempt in range(_ATTEMPTS):
        try:
            value = _Generator(schema, _Rng(f"{seed}/{attempt}"), strict).value(schema)
        except (RecursionError, OverflowError, ValueError, TypeError, re.error) as exc:
            if isinstance(exc, SchemaError):
                raise
            last_error = str(exc)
            continue
        error = validate(value, schema)
        if error is None:
            return value
        last_error = error
    raise SchemaError(f"the mock could not generate a value valid against this schema ({last_error})")
