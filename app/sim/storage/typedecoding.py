"""Decoding a built-in kind's body into its Go types, as a real API server does before anything else.

The server unmarshals JSON into the kind's Go struct with sigs.k8s.io/json (a fork of Go's
encoding/json, internal/golang/encoding/json/decode.go): a value of the wrong JSON type is an
`UnmarshalTypeError` naming the innermost struct, the JSON field path (no list indexes) and the Go
type; only the first such error is reported, the decoding going on past it. Unknown fields of a
struct are strict errors (`unknown field "spec.template.spec.containers[0].bogus"`, paths with list
indexes), collected all, and the field is dropped. `[]byte` fields take base64 text. Every map
field of these kinds is `omitempty`, so an empty map is gone once the object is encoded again.

`decode` walks a dict as that decoding walks the JSON: it drops the unknown fields in place and
answers the first type error's text and the unknown fields' paths. The Go types are gostructs' facts.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from app.sim.storage.errors import ApiError
from app.sim.storage.gostructs import ROOTS, STRUCTS
from app.sim.storage.patching import json_kind
from app.sim.storage.resources import ResourceType

_BASE64 = re.compile(r"[A-Za-z0-9+/=\r\n]")
_INT_BITS = {"int32": 32, "int64": 64, "int": 64, "uint32": 32}


@dataclass(frozen=True)
class GoType:
    """One Go type: `kind` is struct, slice, map, bytes, string, bool, int or opaque; `text` how Go
    prints it (`v1.PodSpec`, `[]v1.Container`, `map[string]string`, `int32`)."""

    kind: str
    text: str
    name: str = ""  # a struct's own name (its key in STRUCTS)
    elem: GoType | None = None
    bits: int = 0


@dataclass
class Decoded:
    """What decoding a body found: the first type error's text ("" none) and the unknown fields."""

    error: str = ""
    unknown: list[str] = field(default_factory=list)


def describes(rt_key: str) -> bool:
    """Whether this kind is decoded into Go types here."""
    return rt_key in ROOTS


def decode(rt_key: str, obj: dict[str, Any]) -> Decoded:
    """Decode `obj` (a whole object) as the kind's Go struct: unknown fields are dropped in place."""
    found = Decoded()
    _Walk(found).struct(obj, _parse(ROOTS[rt_key]), "", [], "")
    return found


def root_type(rt_key: str) -> GoType:
    """The kind's root struct type."""
    return _parse(ROOTS[rt_key])


@cache
def fields_of(name: str) -> tuple[tuple[str, GoType], ...]:
    """A struct's JSON fields in declaration order, embedded structs' fields promoted in place."""
    out: list[tuple[str, GoType]] = []
    for spec in STRUCTS[name].split():
        if spec.startswith("..."):
            out.extend(fields_of(spec[3:]))
            continue
        json_name, type_text = spec.split(":", 1)
        out.append((json_name, _parse(type_text)))
    return tuple(out)


@cache
def _parse(text: str) -> GoType:
    if text == "[]byte":
        return GoType("bytes", "[]uint8")
    if text.startswith("[]"):
        elem = _parse(text[2:])
        return GoType("slice", "[]" + elem.text, elem=elem)
    if text.startswith("map[string]"):
        elem = _parse(text[len("map[string]") :])
        return GoType("map", "map[string]" + elem.text, elem=elem)
    if text.startswith("~"):
        return GoType("opaque", text[1:])
    if text in STRUCTS:
        return GoType("struct", "v1." + text.rsplit(".", 1)[1], name=text)
    if text in _INT_BITS:
        return GoType("int", text, bits=_INT_BITS[text])
    if text == "bool":
        return GoType("bool", text)
    return GoType("string", text)


def base64_error(text: str) -> str:
    """Go's base64.StdEncoding refusal of `text` ("" when it decodes)."""
    for index, char in enumerate(text):
        if not _BASE64.match(char):
            return f"illegal base64 data at input byte {index}"
    try:
        base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return f"illegal base64 data at input byte {len(text.rstrip('=')) // 4 * 4}"
    return ""


class _Walk:
    def __init__(self, found: Decoded) -> None:
        self.found = found

    def type_error(self, value: str, go: GoType, struct: str, stack: list[str]) -> None:
        if self.found.error:
            return
        where = f"Go struct field {struct}.{'.'.join(stack)}" if struct or stack else "Go value"
        self.found.error = f"json: cannot unmarshal {value} into {where} of type {go.text}"

    def value(self, value: Any, go: GoType, struct: str, stack: list[str], path: str) -> None:
        if value is None or go.kind == "opaque":
            return
        kind = json_kind(value)
        if go.kind == "struct":
            if kind != "object":
                self.type_error(kind, go, struct, stack)
            else:
                self.struct(value, go, struct, stack, path)
        elif go.kind == "bytes" and kind == "string":
            problem = base64_error(value)
            if problem and not self.found.error:
                self.found.error = problem
        elif go.kind == "slice":
            if kind != "array":
                self.type_error(kind, go, struct, stack)
                return
            assert go.elem is not None
            for index, item in enumerate(value):
                self.value(item, go.elem, struct, stack, f"{path}[{index}]")
        elif go.kind == "map":
            if kind != "object":
                self.type_error(kind, go, struct, stack)
                return
            assert go.elem is not None
            for key, item in value.items():
                self.value(item, go.elem, struct, stack, f"{path}[{key}]")
        elif go.kind == "bytes":
            self.type_error(kind, go, struct, stack)
        elif go.kind == "int":
            if kind != "number":
                self.type_error(kind, go, struct, stack)
            elif not isinstance(value, int) or not -(2 ** (go.bits - 1)) <= value < 2 ** (go.bits - 1):
                self.type_error(f"number {value}", go, struct, stack)
        elif go.kind == "bool":
            if kind != "bool":
                self.type_error(kind, go, struct, stack)
        elif kind != "string":
            self.type_error(kind, go, struct, stack)

    def struct(self, obj: dict[str, Any], go: GoType, struct: str, stack: list[str], path: str) -> None:
        known = dict(fields_of(go.name))
        own = go.name.rsplit(".", 1)[1]
        for key in list(obj):
            child = f"{path}.{key}" if path else key
            if key not in known:
                self.found.unknown.append(child)
                del obj[key]
                continue
            self.value(obj[key], known[key], own, [*stack, key], child)
            if known[key].kind == "map" and obj[key] == {}:
                del obj[key]  # every map field is omitempty: an empty one is not kept


# --- the patched object as the server quotes it ------------------------------------------------------

Path = tuple[str | int, ...]


def patched_text(rt_key: str, patched: dict[str, Any], patch: Any, patch_type: str) -> str:
    """The JSON text of a patched object as a real server quotes it when it cannot decode it.

    A built-in object is encoded from its Go struct (fields in declaration order, maps sorted) and
    patched by gopkg.in/evanphx/json-patch.v4, which re-encodes only the objects it opens: the root,
    every object a merge patch merges into (and the objects it adds, with their nulls pruned), every
    object on a JSON patch operation's path; it sorts their keys and copies the rest as encoded.
    Custom resources are unstructured maps throughout: all keys sorted."""
    if not describes(rt_key):
        return json.dumps(patched, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    opened: set[Path] = {()}
    if patch_type == "merge" and isinstance(patch, dict):
        _merge_opened(patch, (), patched, opened)
    elif patch_type == "json" and isinstance(patch, list):
        for operation in patch:
            for field_name in ("path", "from"):
                pointer = operation.get(field_name) if isinstance(operation, dict) else None
                if isinstance(pointer, str) and pointer.startswith("/"):
                    _json_opened(pointer, patched, opened)
    ordered = _go_ordered(patched, root_type(rt_key))
    return json.dumps(_sorted_at(ordered, (), opened), separators=(",", ":"), ensure_ascii=False)


def _merge_opened(patch: dict[str, Any], path: Path, patched: Any, opened: set[Path]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict):
            below = (*path, key)
            opened.add(below)
            _merge_opened(value, below, patched, opened)


def _json_opened(pointer: str, patched: Any, opened: set[Path]) -> None:
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]
    node: Any = patched
    path: Path = ()
    for part in parts[:-1]:
        step: str | int = part
        if isinstance(node, list) and part.isdigit():
            step = int(part)
            node = node[step] if step < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return
        path = (*path, step)
        opened.add(path)


def _go_ordered(value: Any, go: GoType | None) -> Any:
    """A decoded value with its keys in the order Go encodes them: struct fields as declared, map
    keys sorted; what the facts do not describe keeps its order."""
    if isinstance(value, dict):
        if go is not None and go.kind == "struct":
            known = dict(fields_of(go.name))
            order = [key for key, _ in fields_of(go.name) if key in value]
            order += [key for key in value if key not in known]
            return {key: _go_ordered(value[key], known.get(key)) for key in order}
        if go is not None and go.kind == "map":
            return {key: _go_ordered(value[key], go.elem) for key in sorted(value)}
        return value
    if isinstance(value, list) and go is not None and go.kind == "slice":
        return [_go_ordered(item, go.elem) for item in value]
    return value


def _sorted_at(value: Any, path: Path, opened: set[Path]) -> Any:
    if isinstance(value, dict):
        keys = sorted(value) if path in opened else list(value)
        return {key: _sorted_at(value[key], (*path, key), opened) for key in keys}
    if isinstance(value, list):
        return [_sorted_at(item, (*path, index), opened) for index, item in enumerate(value)]
    return value


def refuse_undeclared(rt: ResourceType, patch: Any) -> None:
    """A server-side apply of a built-in kind whose body has fields its schema does not declare: the
    field manager cannot type the patch and the server answers a plain error, a 500 with no reason
    (k8s.io/apimachinery util/managedfields/internal/structuredmerge.go, Apply; structured-merge-diff
    ValidationErrors: `.path: field not declared in schema`, one a line after "errors:")."""
    if not describes(rt.key) or not isinstance(patch, dict):
        return
    undeclared = decode(rt.key, copy.deepcopy(patch)).unknown
    if not undeclared:
        return
    texts = [f".{path}: field not declared in schema" for path in undeclared]
    problem = texts[0] if len(texts) == 1 else "\n".join(["errors:", *(f"  {t}" for t in texts)])
    meta: dict[str, Any] = patch["metadata"] if isinstance(patch.get("metadata"), dict) else {}
    api_version = str(patch.get("apiVersion") or "")
    group_version = api_version if "/" in api_version else f"/{api_version}"
    gvk = f"{group_version}, Kind={patch.get('kind') or ''}"
    where = f"{meta.get('namespace') or ''}/{meta.get('name') or ''}; {gvk}"
    raise ApiError(500, "", f"failed to create typed patch object ({where}): {problem}")
