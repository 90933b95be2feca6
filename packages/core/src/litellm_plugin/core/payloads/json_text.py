"""Text inside JSON (tool-call arguments, tool schemas): rewrite string values and keep the JSON valid."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from litellm_plugin.core.payloads.base import TextField, identifier_field, setter
from litellm_plugin.core.payloads.inline_files import data_url_field
from litellm_plugin.core.payloads.string_literals import decoded_view, encode_literal, map_string_literals

__all__ = ["entry_fields", "json_fields", "map_json_strings", "object_fields", "schema_fields"]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = {key for key, _ in pairs}
    if len(keys) < len(pairs):
        raise ValueError("a key appears twice")
    return dict(pairs)


def _loads(text: str) -> Any:
    """``json.loads``, except that an object naming a key twice is not JSON we read: ``json.loads`` keeps only
    the last value (``{"q": "spam", "q": "ok"}`` reads as ``{"q": "ok"}``), while a model, a tool and a person
    reading the text may see the first. Such text is read as almost-JSON: every quoted string of it."""
    return json.loads(text, object_pairs_hook=_unique_keys)


# A string of valid JSON: outside strings, JSON has no quote, and inside one every quote is escaped.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def map_json_strings(text: str, rewrite: Callable[[str], str]) -> str:
    """``text`` with ``rewrite`` applied to every string (keys included) of the JSON it holds, escapes decoded,
    so ``"\\u0073pam"`` is seen as ``spam``. Unchanged JSON comes back byte for byte; text that is not JSON is
    rewritten as plain text, its quoted strings decoded too (almost-JSON: cut short, JSON5, a Python literal,
    which a lenient parser reads), and so are the quoted strings inside a string (JSON in a JSON string)."""

    def deep(value: str) -> str:
        """A string whose own quoted strings hold escapes (JSON inside a JSON string) is read decoded too."""
        return rewrite(map_string_literals(value, deep))

    try:
        _loads(text)
    except ValueError:
        return deep(text)

    def one_string(found: re.Match[str]) -> str:
        value = json.loads(found.group(0))
        new = deep(value)
        if new == value:
            return found.group(0)
        # Encoded as almost-JSON strings are: a lone surrogate (valid JSON: ``"\ud800"``) stays an escape.
        return '"' + encode_literal(new, '"') + '"'

    # Valid JSON: each string is rewritten where it stands, and everything else (numbers as the model wrote
    # them, ``1e999`` and ``12345678901234567890.5`` included, spacing, key order) stays byte for byte.
    mapped = _JSON_STRING.sub(one_string, text)
    return text if mapped == text else mapped


def _leaves(value: Any, put: Callable[[Any], None], kind: str) -> Iterator[TextField]:
    """A field for every string inside ``value`` (keys included); ``put`` stores a changed copy of ``value``."""
    if isinstance(value, tuple):  # LiteLLM sends it as a JSON list: a list, which can be changed in place
        value = list(value)
        put(value)
    if isinstance(value, str):
        # A text file given inline is read decoded; JSON inside the string, its quoted strings decoded (each
        # written back so if the text is changed).
        yield data_url_field(value, put, kind) or TextField(kind, decoded_view(value), put)
    elif isinstance(value, list):
        for index, item in enumerate(value):

            def put_item(new: Any, index: int = index) -> None:
                value[index] = new

            yield from _leaves(item, put_item, kind)
    elif isinstance(value, dict):
        for key in list(value):
            yield from entry_fields(value, key, kind)


def entry_fields(mapping: dict[Any, Any], key: Any, kind: str, *, name: bool = True) -> Iterator[TextField]:
    """A field for every string inside ``mapping[key]``, and for ``key`` itself (``name``), renamed in place
    when changed."""

    def put_value(new: Any) -> None:
        mapping[key] = new

    yield from _leaves(mapping[key], put_value, kind)
    if name and isinstance(key, str):

        def put_key(new: str) -> None:
            mapping[new] = mapping.pop(key)

        yield TextField(kind, key, put_key)


def object_fields(owner: Any, name: str, kind: str) -> Iterator[TextField]:
    """Fields for the strings of a JSON-like value (dict, list, tuple) held in ``owner[name]``, changed in place
    (the engine hands interceptors a copy of the caller's request); a tuple becomes a list there."""
    value = owner.get(name) if isinstance(owner, dict) else None
    if not isinstance(value, (dict, list, tuple)):
        return

    def put_root(new: Any) -> None:
        owner[name] = new

    yield from _leaves(value, put_root, kind)


_SCHEMA_TEXT_KEYS = frozenset({"description", "title"})
# Sample values the model reads with the schema (prose as often as not): every string in them.
_SCHEMA_VALUE_KEYS = frozenset({"examples", "example", "default"})
# Keywords whose value maps names to schemas: there a key is a property name, never a keyword.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
# Values the model must produce as they are: read, never changed (see ``identifier_field``).
_SCHEMA_FIXED = {
    "enum": "schema enum value",
    "const": "schema const value",
    "required": "schema property name",
    "dependentRequired": "schema property name",
    "propertyOrdering": "schema property name",  # Gemini's
}
# String-valued keywords that say how the schema is built: read (a model shown the schema reads them, and a
# ``pattern`` or ``format`` constrains what it writes as an ``enum`` does), never changed: a changed pattern
# is a different schema. Their vocabulary is not read: the JSON types (in any case), the formats JSON Schema
# and OpenAPI define, JSON Schema's own dialect URIs, and pointers within the schema (``#/$defs/...``).
_SCHEMA_STRUCTURE = frozenset(
    {
        "type", "format", "pattern", "contentEncoding", "contentMediaType",
        "$ref", "$schema", "$id", "$anchor", "$dynamicRef", "$dynamicAnchor",
    }
)  # fmt: skip
_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
_DIALECTS = ("http://json-schema.org/", "https://json-schema.org/")
_POINTERS = frozenset({"$ref", "$dynamicRef"})
# The formats JSON Schema (2020-12, draft 7) and OpenAPI name: their vocabulary. A blocked "email" or "date"
# must not refuse every tool with such a field; a format of the author's own is read.
_FORMATS = frozenset(
    {
        "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4",
        "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer",
        "relative-json-pointer", "regex", "int32", "int64", "float", "double", "byte", "binary", "password",
        "enum",
    }
)  # fmt: skip


def _structure_field(kind: str, key: Any, value: str) -> Iterator[TextField]:
    if (key == "type" and value.lower() in _JSON_TYPES) or (key == "$schema" and value.startswith(_DIALECTS)):
        return  # ``"STRING"``: Gemini's and OpenAPI's spelling of the same types
    if key == "format" and value.lower() in _FORMATS:
        return
    if key in _POINTERS and value.startswith("#"):  # a pointer within the schema: to names read where they are
        return
    yield identifier_field(kind, value, f"schema {key}")


# Every keyword of JSON Schema (2020-12 and draft 7) and of the OpenAPI and Gemini dialects providers take. Any
# other key of a schema is a name the model reads in the schema (``"x-note": ...``): read, never changed.
_SCHEMA_KEYWORDS = (
    _SCHEMA_TEXT_KEYS
    | _SCHEMA_VALUE_KEYS
    | _SCHEMA_MAPS
    | _SCHEMA_FIXED.keys()
    | _SCHEMA_STRUCTURE
    | {
        "$comment", "$vocabulary", "$recursiveRef", "$recursiveAnchor", "items", "prefixItems", "additionalItems",
        "contains", "minContains", "maxContains", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties",
        "maxProperties", "additionalProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
        "dependencies", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "readOnly", "writeOnly",
        "deprecated", "contentSchema", "nullable", "discriminator", "xml", "externalDocs", "strict",
    }
)  # fmt: skip


def _schema_texts(schema: Any, kind: str, *, names: bool = False, structure: str | None = None) -> Iterator[TextField]:
    """The strings of a JSON Schema the model reads. Its prose (every ``description`` and ``title``, the strings
    of ``examples`` and ``default``, and of keywords we do not know) can be changed; its names (property names,
    ``enum``, ``const``, ``required``, keywords we do not know, and the values of ``pattern``, ``format`` and
    the other structure keywords) are read but never changed, so a changed schema is still the same schema.
    ``names``: ``schema`` maps property names to schemas. ``structure``: the structure keyword a list sits under
    (``"type": ["string", "null"]``), whose strings are read as that keyword's. A string where a schema belongs
    (``"anyOf": ["..."]``, a property given as a string) is read as prose: a provider sends the schema as it is."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if names:
                if isinstance(key, str):
                    yield identifier_field(kind, key, "schema property name")
                if isinstance(value, str):
                    yield TextField(kind, value, setter(schema, key))
                else:
                    yield from _schema_texts(value, kind)
                continue
            if isinstance(key, str) and key not in _SCHEMA_KEYWORDS:
                yield identifier_field(kind, key, "schema keyword")
            if key in _SCHEMA_TEXT_KEYS and isinstance(value, str):
                yield TextField(kind, value, setter(schema, key))
            elif key in _SCHEMA_VALUE_KEYS:
                yield from _leaves(value, setter(schema, key), kind)
            elif key in _SCHEMA_FIXED:
                yield from _fixed_strings(value, kind, _SCHEMA_FIXED[key])
            elif isinstance(value, str):
                if key in _SCHEMA_STRUCTURE:
                    yield from _structure_field(kind, key, value)
                else:  # ``$comment``, a provider's own keyword: read as prose
                    yield TextField(kind, value, setter(schema, key))
            else:
                structure_key = key if key in _SCHEMA_STRUCTURE else None
                yield from _schema_texts(value, kind, names=key in _SCHEMA_MAPS, structure=structure_key)
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            if isinstance(item, str):
                if structure is None:
                    yield TextField(kind, item, setter(schema, index))
                else:
                    yield from _structure_field(kind, structure, item)
            else:
                yield from _schema_texts(item, kind, structure=structure)


def _fixed_strings(value: Any, kind: str, what: str) -> Iterator[TextField]:
    """Every string inside a fixed value (an ``enum``'s options, which may be objects), as an identifier."""
    if isinstance(value, str):
        yield identifier_field(kind, value, what)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield identifier_field(kind, key, what)
            yield from _fixed_strings(item, kind, what)
    elif isinstance(value, list):
        for item in value:
            yield from _fixed_strings(item, kind, what)


def schema_fields(owner: Any, name: str, kind: str) -> Iterator[TextField]:
    """Fields for the prose of the JSON Schema held in ``owner[name]`` (a tool's parameters), changed in place.
    A string there is not a schema, but a provider sends it as it is: read as prose."""
    value = owner.get(name) if isinstance(owner, dict) else None
    if isinstance(value, str):
        yield TextField(kind, value, setter(owner, name))
    elif isinstance(value, (dict, list)):
        yield from _schema_texts(value, kind)


def json_fields(owner: dict[str, Any], name: str, kind: str) -> Iterator[TextField]:
    """Fields for the strings inside the JSON text ``owner[name]`` (tool-call arguments); each change
    re-serializes it. Text that is not JSON is one plain field."""
    raw = owner.get(name)
    if not isinstance(raw, str):
        return
    try:
        parsed = _loads(raw)
    except ValueError:  # almost JSON (cut short, JSON5...): its quoted strings are read decoded
        yield TextField(kind, decoded_view(raw), setter(owner, name))
        return
    holder = {"root": parsed}

    def store(_: Any = None) -> None:
        owner[name] = json.dumps(holder["root"], ensure_ascii=False)

    def put_root(new: Any) -> None:
        holder["root"] = new
        store()

    for field in _leaves(parsed, put_root, kind):
        original_set = field.set

        def set_and_store(new: str, original_set: Callable[[str], None] = original_set) -> None:
            original_set(new)
            store()

        yield TextField(kind, field.text, set_and_store)
