"""The three patch formats of the Kubernetes API, as pure functions on JSON values.

- JSON merge patch (RFC 7386): maps merge, `null` deletes, lists are replaced whole.
- JSON patch (RFC 6902): a list of add/remove/replace/move/copy/test operations.
- Strategic merge patch: like a merge patch, but lists of built-in kinds that have a merge key
  (containers, env, ports, ...) merge element by element, with the `$patch`,
  `$setElementOrder/` and `$deleteFromPrimitiveList/` directives kubectl sends.
Every function returns a new value and leaves its inputs untouched.
"""

from __future__ import annotations

from typing import Any

from app.sim.storage.copying import clone


class PatchError(ValueError):
    """A patch that cannot be applied; `malformed` when the patch itself is not valid."""

    def __init__(self, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.malformed = malformed


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- RFC 6902 -----------------------------------------------------------------------------------


def json_patch(target: Any, operations: Any) -> Any:
    """Apply an RFC 6902 JSON patch: every operation in order, all or nothing."""
    if not isinstance(operations, list):
        raise PatchError(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch", malformed=True
        )
    doc = clone(target)
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise PatchError("Unexpected kind: unknown", malformed=True)
        doc = _apply_operation(doc, operation)
    return doc


def _pointer(operation: dict[str, Any], field: str = "path") -> list[str]:
    path = operation.get(field)
    if not isinstance(path, str):
        raise PatchError(f"operation missing {field} field", malformed=True)
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}", malformed=True)
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _value(operation: dict[str, Any]) -> Any:
    if "value" not in operation:
        raise PatchError(f"missing value for {operation['op']} operation", malformed=True)
    return clone(operation["value"])


def _apply_operation(doc: Any, operation: dict[str, Any]) -> Any:
    op = operation["op"]
    path = _pointer(operation)
    if op == "add":
        return _add(doc, path, _value(operation))
    if op == "remove":
        return _remove(doc, path)[0]
    if op == "replace":
        doc = _remove(doc, path)[0] if path else doc
        return _add(doc, path, _value(operation)) if path else _value(operation)
    if op == "move":
        source = _pointer(operation, "from")
        doc, moved = _remove(doc, source)
        return _add(doc, path, moved)
    if op == "copy":
        return _add(doc, path, clone(_get(doc, _pointer(operation, "from"))))
    if op == "test":
        if _get(doc, path) != operation.get("value"):
            raise PatchError(f"testing value {operation['path']} failed: test failed")
        return doc
    raise PatchError(f"Unexpected kind: {op}", malformed=True)


def _get(doc: Any, path: list[str]) -> Any:
    node = doc
    for part in path:
        node = _child(node, part, path)
    return node


def _child(node: Any, part: str, path: list[str]) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list):
        index = _index(part, len(node) - 1, path)
        return node[index]
    raise PatchError(f"doc is missing path: /{'/'.join(path)}: missing value")


def _index(part: str, last: int, path: list[str]) -> int:
    if not part.isdigit() or int(part) > last or (part != "0" and part.startswith("0")):
        raise PatchError(f"Unable to access invalid index: {part}: /{'/'.join(path)}")
    return int(part)


def _add(doc: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    parent, last = _get(doc, path[:-1]), path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        index = len(parent) if last == "-" else _index(last, len(parent), path)
        parent.insert(index, value)
    else:
        raise PatchError(f"doc is missing path: /{'/'.join(path)}: missing value")
    return doc


def _remove(doc: Any, path: list[str]) -> tuple[Any, Any]:
    if not path:
        raise PatchError("unable to remove the whole document")
    parent, last = _get(doc, path[:-1]), path[-1]
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent) - 1, path))
    raise PatchError(f"Unable to remove nonexistent key: {last}: missing value")


# --- strategic merge patch ----------------------------------------------------------------------

# patchMergeKey of the built-in kinds' lists, by field name ("ports" is decided by its elements).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "conditions": "type",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
}
# Lists of scalars with patchStrategy "merge": the patch's values are added to the existing ones.
MERGED_SCALAR_LISTS = frozenset({"finalizers"})

_ORDER = "$setElementOrder/"
_DELETE_SCALARS = "$deleteFromPrimitiveList/"


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Apply a strategic merge patch to a built-in kind's object."""
    if not isinstance(patch, dict):
        raise PatchError("a strategic merge patch must be a JSON object", malformed=True)
    return _merge_map(target if isinstance(target, dict) else {}, patch)


def _merge_map(target: dict[str, Any], patch: dict[str, Any]) -> Any:
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    body = {key: value for key, value in patch.items() if key != "$patch"}
    if directive == "replace":
        return _strip_directives(body)
    if directive is not None:
        raise PatchError(f"Unknown patch type: {directive}", malformed=True)
    result = clone(target)
    for key, value in body.items():
        if key.startswith(_ORDER):
            continue
        if key.startswith(_DELETE_SCALARS):
            field = key[len(_DELETE_SCALARS) :]
            gone = set(map(repr, value or []))
            result[field] = [item for item in result.get(field) or [] if repr(item) not in gone]
            continue
        if value is None:
            result.pop(key, None)
            continue
        merged = _merge_value(key, result.get(key), value)
        if merged is None:
            result.pop(key, None)
        else:
            result[key] = merged
    for key, order in body.items():
        if key.startswith(_ORDER) and isinstance(result.get(key[len(_ORDER) :]), list):
            field = key[len(_ORDER) :]
            result[field] = _reorder(result[field], order, _merge_key(field, result[field]))
    return result


def _merge_value(field: str, current: Any, patch: Any) -> Any:
    if isinstance(patch, dict):
        return _merge_map(current if isinstance(current, dict) else {}, patch)
    if isinstance(patch, list):
        return _merge_list(field, current if isinstance(current, list) else [], patch)
    return patch


def _merge_key(field: str, items: list[Any]) -> str | None:
    if field == "ports":
        return "containerPort" if any(isinstance(i, dict) and "containerPort" in i for i in items) else "port"
    return MERGE_KEYS.get(field)


def _merge_list(field: str, current: list[Any], patch: list[Any]) -> list[Any]:
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [
            _strip_directives(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)
        ]
    if field in MERGED_SCALAR_LISTS:
        return clone(current) + [item for item in patch if item not in current]
    key = _merge_key(field, [*current, *patch])
    if key is None:
        return _strip_directives(patch)  # type: ignore[no-any-return]
    result = clone(current)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(f"map: {item} does not contain declared merge key: {key}")
        index = next(
            (i for i, old in enumerate(result) if isinstance(old, dict) and old.get(key) == item[key]), None
        )
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(_strip_directives(item))
        else:
            result[index] = _merge_map(result[index], item)
    return _normalized_order(result, current, patch, key)


def _normalized_order(merged: list[Any], current: list[Any], patch: list[Any], key: str) -> list[Any]:
    """The merged entries in the order strategicpatch gives them (k8s.io/apimachinery
    pkg/util/strategicpatch/patch.go, normalizeElementOrder and mergeSortedSlice): the patch's
    entries in the patch's order and the others in the live order, merged by their places in the
    live list; an entry the live list lacks goes before the live entry it is compared with."""

    def ident(item: Any) -> Any:
        return item.get(key) if isinstance(item, dict) else item

    in_patch = [ident(item) for item in patch]
    live = [ident(item) for item in current]
    ours = sorted((i for i in merged if ident(i) in in_patch), key=lambda i: in_patch.index(ident(i)))
    theirs = sorted((i for i in merged if ident(i) not in in_patch), key=lambda i: live.index(ident(i)))
    out: list[Any] = []
    while ours or theirs:
        if not theirs or (
            ours
            and not (ident(ours[0]) in live and live.index(ident(theirs[0])) < live.index(ident(ours[0])))
        ):
            out.append(ours.pop(0))
        else:
            out.append(theirs.pop(0))
    return out


def _reorder(items: list[Any], order: Any, key: str | None) -> list[Any]:
    if not isinstance(order, list):
        return items

    def identity(item: Any) -> Any:
        return item.get(key) if key is not None and isinstance(item, dict) else item

    wanted = [identity(entry) for entry in order]
    ranked = [item for w in wanted for item in items if identity(item) == w]
    return ranked + [item for item in items if identity(item) not in wanted]


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip_directives(item)
            for key, item in value.items()
            if not key.startswith(("$patch", _ORDER, _DELETE_SCALARS, "$retainKeys"))
        }
    if isinstance(value, list):
        return [_strip_directives(item) for item in value]
    return value


def json_patch_decode_error(operations: Any, *, strict: bool) -> str:
    """Why a JSON patch does not even decode ("" when it does), in the API server's words.

    With fieldValidation Warn or Strict (`strict`) the server first decodes the patch strictly into
    its own operation type, `[]handlers.jsonPatchOp` (k8s.io/apiserver endpoints/handlers/patch.go,
    applyJSPatch: "error decoding patch: ..."); json-patch.v4's DecodePatch then wants a list of
    objects (`jsonpatch.Patch`). Either refusal is a 400; an operation that fails to apply is not."""
    if strict:
        problem = _undecodable(operations, "[]handlers.jsonPatchOp", "handlers.jsonPatchOp", fields=True)
        if problem:
            return f"error decoding patch: {problem}"
    return _undecodable(operations, "jsonpatch.Patch", "jsonpatch.Operation", fields=False)


def _undecodable(operations: Any, list_type: str, item_type: str, *, fields: bool) -> str:
    if operations is not None and not isinstance(operations, list):
        return f"json: cannot unmarshal {json_kind(operations)} into Go value of type {list_type}"
    for operation in operations or []:
        if operation is not None and not isinstance(operation, dict):
            return f"json: cannot unmarshal {json_kind(operation)} into Go value of type {item_type}"
        for name in ("op", "path", "from") if fields else ():
            value = (operation or {}).get(name)
            if value is not None and not isinstance(value, str):
                where = f"Go struct field jsonPatchOp.{name}"
                return f"json: cannot unmarshal {json_kind(value)} into {where} of type string"
    return ""


def json_kind(value: Any) -> str:
    """The JSON kind of a value as Go's decoder names it in type errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
