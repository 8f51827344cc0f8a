"""Structural schemas as a real API server keeps them for custom resources, and what it does with them.

A `Schema` is one node of a CRD's openAPIV3Schema reduced to the facts the server acts on: the type,
properties, items, additionalProperties, required fields, enums, nullability and
`x-kubernetes-preserve-unknown-fields`, plus the description `kubectl explain` prints. A node marked
`open` is one the simulator's facts do not go into: it keeps whatever it is given below it (the real
schema may say more there; the drift test in tests/sim/storage checks only what the facts state).

The algorithms follow k8s.io/apiextensions-apiserver: `prune` is pkg/apiserver/schema/pruning's (unknown
fields dropped and reported as sorted paths, a preserve-unknown node still pruning its known
properties), `check` the schema validation of pkg/apiserver/validation with kube-openapi's wording
(pkg/validation/errors/schema.go) for type errors, required fields and enums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OBJECT, ARRAY, STRING, INTEGER, NUMBER, BOOLEAN = "object", "array", "string", "integer", "number", "boolean"
# The root's own fields, which pruning leaves to the metadata decoding.
META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


@dataclass(frozen=True)
class Schema:
    """One node of a structural schema (see the module docstring)."""

    type: str = ""
    description: str = ""
    properties: Mapping[str, Schema] = field(default_factory=dict)
    items: Schema | None = None
    additional: Schema | None = None
    required: tuple[str, ...] = ()
    enum: tuple[Any, ...] = ()
    format: str = ""
    nullable: bool = False
    preserve: bool = False
    int_or_string: bool = False
    list_type: str = ""
    list_keys: tuple[str, ...] = ()
    map_type: str = ""
    open: bool = False
    """Not transcribed below this node: everything under it is kept and not checked."""


@dataclass(frozen=True)
class Cause:
    """One field error: its path, its message (`Invalid value: ...`) and the Status cause reason."""

    field: str
    message: str
    reason: str


def type_of(value: Any) -> str:
    """The JSON schema type name of a decoded value, as kube-openapi names it in type errors."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return ARRAY
    return OBJECT


# --- pruning ---------------------------------------------------------------------------------------


def prune(obj: dict[str, Any], root: Schema) -> list[str]:
    """Drop, in place, the fields of a whole object that `root` does not declare; their paths, sorted
    (apiVersion, kind and metadata at the root are the metadata decoding's, never pruned here)."""
    unknown: list[str] = []
    for key in list(obj):
        if key in META_FIELDS:
            continue
        child = root.properties.get(key)
        if child is not None:
            _prune(obj[key], child, key, unknown)
        elif not root.preserve and not root.open:
            unknown.append(key)
            del obj[key]
    return sorted(unknown)


def _prune(value: Any, schema: Schema, path: str, unknown: list[str]) -> None:
    if schema.open:
        return
    if isinstance(value, dict):
        for key in list(value):
            child = schema.properties.get(key) or schema.additional
            here = f"{path}.{key}"
            if child is not None:
                _prune(value[key], child, here, unknown)
            elif not schema.preserve:
                unknown.append(here)
                del value[key]
    elif isinstance(value, list) and schema.items is not None:
        for index, item in enumerate(value):
            _prune(item, schema.items, f"{path}[{index}]", unknown)


def drop_nulls(value: Any, schema: Schema) -> None:
    """Remove, in place, nulls in object fields the schema does not declare nullable (the server drops
    them before validation rather than refusing them)."""
    if schema.open or not isinstance(value, (dict, list)):
        return
    if isinstance(value, list):
        if schema.items is not None:
            for item in value:
                drop_nulls(item, schema.items)
        return
    for key in list(value):
        child = schema.properties.get(key) or schema.additional
        if child is None:
            continue
        if value[key] is None and not child.nullable:
            del value[key]
        else:
            drop_nulls(value[key], child)


# --- validation ------------------------------------------------------------------------------------


def check(obj: dict[str, Any], root: Schema) -> list[Cause]:
    """The schema's errors for a whole object (its metadata is checked elsewhere).

    kube-openapi's object validator reports an object's properties' errors before its own missing
    required fields; it walks the properties in Go map order, which is random, so the simulator's
    order among siblings (the facts' order) is one of the orders a real server may give."""
    causes: list[Cause] = []
    for key, child in root.properties.items():
        if key in obj and key != "metadata":
            _check(obj[key], child, key, causes)
    for name in root.required:
        if name not in obj:
            causes.append(Cause(name, "Required value", "FieldValueRequired"))
    return causes


def _check(value: Any, schema: Schema, path: str, causes: list[Cause]) -> None:
    if schema.int_or_string:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            causes.append(_type_error(path, "integer,string", value))
        return
    if schema.type and not _has_type(value, schema):
        causes.append(_type_error(path, schema.type, value))
        return
    if schema.enum and value not in schema.enum:
        supported = ", ".join(_quoted(option) for option in schema.enum)
        message = f"Unsupported value: {_quoted(value)}: supported values: {supported}"
        causes.append(Cause(path, message, "FieldValueNotSupported"))
    if schema.open:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            child = schema.properties.get(key) or schema.additional
            if child is not None:
                _check(item, child, f"{path}.{key}", causes)
        for name in schema.required:
            if name not in value:
                causes.append(Cause(f"{path}.{name}", "Required value", "FieldValueRequired"))
    elif isinstance(value, list) and schema.items is not None:
        for index, item in enumerate(value):
            _check(item, schema.items, f"{path}[{index}]", causes)


def _has_type(value: Any, schema: Schema) -> bool:
    if value is None:
        return schema.nullable
    found = type_of(value)
    if schema.type == INTEGER:
        return found == INTEGER or (found == NUMBER and float(value).is_integer())
    if schema.type == NUMBER:
        return found in (NUMBER, INTEGER)
    return found == schema.type


def _type_error(path: str, expected: str, value: Any) -> Cause:
    found = type_of(value)
    detail = f'{path} in body must be of type {expected}: "{found}"'
    return Cause(path, f'Invalid value: "{found}": {detail}', "FieldValueTypeInvalid")


def _quoted(value: Any) -> str:
    """A value as apimachinery's field errors print it: strings quoted, numbers and booleans bare."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
