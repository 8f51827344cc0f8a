"""Field ownership: metadata.managedFields and server-side apply, as kube-apiserver keeps them.

The rules are structured-merge-diff's (sigs.k8s.io/structured-merge-diff/v6: merge/update.go,
typed/compare.go, typed/tofieldset.go, typed/merge.go) and apimachinery's field manager
(k8s.io/apimachinery/pkg/util/managedfields/internal: managedfieldsupdater.go, stripmeta.go,
skipnonapplied.go, managedfields.go, conflict.go):

- An Update (create, PUT, merge/JSON/strategic patch) owns the fields it added or changed, compared
  with the stored object (a create with the kind's empty object); they are taken from every other
  manager, and fields it removed leave every manager. One manager's updates merge into one entry.
- An Apply owns exactly the fields of its configuration. Fields it owned before and no longer sends
  are removed from the object unless another manager owns them. A field it changes that another
  manager owns is a conflict (409), unless forced, which takes the field over.
- Never owned: apiVersion, kind and the metadata the server sets; `status` when the kind has a
  status subresource (main resource writes), anything but `status` for status writes.

Field sets are kept in their managedFields encoding (FieldsV1): a tree of "f:<field>",
"k:<keys as JSON>" and "v:<value as JSON>" elements, where an empty tree is an owned leaf and "."
marks an owned node that has owned children too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.sim.storage import errors
from app.sim.storage.copying import clone
from app.sim.storage.fieldtypes import FieldType, kind_type

Tree = dict[str, Any]
MEMBER = "."
_MISSING: Any = object()
STRIPPED_META = (
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
)
# What the registry sets after the field manager has run (allocation, strategy): nobody's field.
SERVER_SET: dict[str, tuple[tuple[str, ...], ...]] = {
    "namespaces": (("spec", "finalizers"),),
    "services": (
        ("spec", "clusterIP"),
        ("spec", "clusterIPs"),
        ("spec", "ipFamilies"),
        ("spec", "ipFamilyPolicy"),
    ),
}
# Fields a kind's Go type writes even at their zero value: the field manager compares a create with
# the kind's zero object, which has them too, so a create that leaves them zero owns none of them.
ZERO_VALUED: dict[str, dict[str, Any]] = {
    "events": {
        "eventTime": None,
        "firstTimestamp": None,
        "lastTimestamp": None,
        "reportingComponent": "",
        "reportingInstance": "",
    },
}
BEFORE_FIRST_APPLY = "before-first-apply"
KUBECTL = "kubectl"  # `kubectl apply --server-side`'s manager, which may take over its client-side fields
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Writer:
    """Who writes and how: the field manager, the request's group/version, the subresource written
    ("" for the object itself), whether it is an apply and whether an apply forces conflicts."""

    manager: str
    api_version: str
    subresource: str = ""
    apply: bool = False
    force: bool = False

    @property
    def operation(self) -> str:
        return "Apply" if self.apply else "Update"


Identity = tuple[str, str, str, str]  # manager, operation, apiVersion ("" for Apply), subresource


@dataclass
class Entry:
    fields: Tree
    api_version: str
    time: str | None


def _identity(writer: Writer) -> Identity:
    return (writer.manager, writer.operation, "" if writer.apply else writer.api_version, writer.subresource)


# --- field sets ---------------------------------------------------------------------------------


def _member(node: Tree) -> bool:
    return not node or MEMBER in node


def _children(node: Tree) -> list[str]:
    return [key for key in node if key != MEMBER]


def _build(member: bool, children: Tree) -> Tree | None:
    if not children:
        return {} if member else None
    if member:
        return {MEMBER: {}, **children}
    return children


def union(a: Tree, b: Tree) -> Tree:
    """Every field in either set."""
    children: Tree = {}
    for key in _children(a):
        children[key] = union(a[key], b[key]) if key in b else a[key]
    for key in _children(b):
        if key not in a:
            children[key] = b[key]
    return _build(_member(a) or _member(b), children) or {}


def difference(a: Tree, b: Tree) -> Tree | None:
    """The fields of `a` that are not in `b` (exact paths: a field's children are not implied)."""
    children: Tree = {}
    for key in _children(a):
        if key in b:
            rest = difference(a[key], b[key])
            if rest is not None:
                children[key] = rest
        else:
            children[key] = a[key]
    return _build(_member(a) and not _member(b), children)


def intersection(a: Tree, b: Tree) -> Tree | None:
    """The fields in both sets."""
    children: Tree = {}
    for key in _children(a):
        if key in b:
            both = intersection(a[key], b[key])
            if both is not None:
                children[key] = both
    return _build(_member(a) and _member(b), children)


def _top(tree: Tree | None) -> Tree:
    """A whole object's set: its root is never a field of its own."""
    if not tree:
        return {}
    tree.pop(MEMBER, None)
    return tree


def paths(tree: Tree, prefix: str = "") -> list[str]:
    """The fields of a set as structured-merge-diff prints them (`.spec.replicas`), sorted."""
    found: list[str] = []
    if prefix and _member(tree):
        found.append(prefix)
    for key in sorted(_children(tree)):
        found.extend(paths(tree[key], prefix + _printed(key)))
    return found


def _printed(element: str) -> str:
    kind, text = element[:2], element[2:]
    if kind == "f:":
        return "." + text
    if kind == "k:":
        keys = json.loads(text)
        return "[" + ",".join(f"{name}={_go_string(value)}" for name, value in keys.items()) + "]"
    if kind == "v:":
        return f"[={_go_string(json.loads(text))}]"
    return f"[{text[2:] if kind == 'i:' else text}]"


def _go_string(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _item_element(item: Any, ft: FieldType) -> str:
    """The path element of a list item: its keys (`k:`) or, in a set, its value (`v:`)."""
    if ft.keys:
        keys = {}
        for name in sorted(ft.keys):
            if isinstance(item, dict) and name in item:
                keys[name] = item[name]
            elif name in ft.key_defaults:
                keys[name] = ft.key_defaults[name]
        return "k:" + json.dumps(keys, separators=(",", ":"), ensure_ascii=False)
    return "v:" + json.dumps(item, separators=(",", ":"), ensure_ascii=False)


def _indexed(items: list[Any], ft: FieldType) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        found.setdefault(_item_element(item, ft), item)
    return found


def _whole(value: Any, ft: FieldType) -> Tree:
    """Every field of a value that is entirely added (or entirely removed), the value included."""
    if isinstance(value, dict) and value and not ft.atomic:
        return {MEMBER: {}, **{"f:" + key: _whole(item, ft.child(key)) for key, item in value.items()}}
    if isinstance(value, list) and value and ft.granular_list and ft.items is not None:
        items = ft.items
        return {MEMBER: {}, **{element: _whole(item, items) for element, item in _indexed(value, ft).items()}}
    return {}


def compare(old: Any, new: Any, ft: FieldType) -> tuple[Tree | None, Tree | None]:
    """(added or changed fields, removed fields) from `old` to `new`; _MISSING for an absent value."""
    if old is _MISSING and new is _MISSING:
        return None, None
    if old is not _MISSING and new is not _MISSING and old == new:  # most of a write: unchanged
        return None, None
    if ft.zero:  # in every object of the kind: only its fields can come and go
        old = _empty_like(new) if old is _MISSING else old
        new = _empty_like(old) if new is _MISSING else new
    if old is _MISSING:
        return _whole(new, ft), None
    if new is _MISSING:
        return None, _whole(old, ft)
    if isinstance(old, dict) and isinstance(new, dict) and not ft.atomic and (old or new):
        return _compare_fields(old, new, ft)
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and ft.granular_list
        and ft.items is not None
        and (old or new)
    ):
        return _compare_children(_indexed(old, ft), _indexed(new, ft), ft)
    return ({} if old != new else None), None


def _empty_like(value: Any) -> Any:
    return [] if isinstance(value, list) else {}


def _compare_fields(
    old: dict[str, Any], new: dict[str, Any], ft: FieldType
) -> tuple[Tree | None, Tree | None]:
    changed: Tree = {}
    removed: Tree = {}
    for key in {**old, **new}:
        one, gone = compare(old.get(key, _MISSING), new.get(key, _MISSING), ft.child(key))
        if one is not None:
            changed["f:" + key] = one
        if gone is not None:
            removed["f:" + key] = gone
    return _build(False, changed), _build(False, removed)


def _compare_children(
    old: dict[str, Any], new: dict[str, Any], ft: FieldType
) -> tuple[Tree | None, Tree | None]:
    changed: Tree = {}
    removed: Tree = {}
    for element in {**old, **new}:
        one, gone = compare(old.get(element, _MISSING), new.get(element, _MISSING), ft.items or ft)
        if one is not None:
            changed[element] = one
        if gone is not None:
            removed[element] = gone
    return _build(False, changed), _build(False, removed)


def field_set(value: Any, ft: FieldType) -> Tree:
    """The fields an applied configuration sets: its leaves, its empty or null maps, its list items
    (a map that holds fields is not a field of its own here)."""
    if isinstance(value, dict) and not ft.atomic:
        children: Tree = {}
        for key, item in value.items():
            child = ft.child(key)
            granular = isinstance(item, list) and child.granular_list
            if (isinstance(item, dict) and item and not child.atomic) or granular:
                sub = field_set(item, child)
                if sub:
                    children["f:" + key] = sub
            else:
                children["f:" + key] = {}
        return children
    if isinstance(value, list) and ft.granular_list and ft.items is not None:
        items = ft.items
        out: Tree = {}
        for element, item in _indexed(value, ft).items():
            sub = field_set(item, items)
            out[element] = {MEMBER: {}, **sub} if sub else {}
        return out
    return {}


def _without_status(tree: Tree, writer: Writer, has_status: bool) -> Tree:
    """The fields a write may own: stripped of server metadata and of what its endpoint resets."""
    tree = dict(tree)
    tree.pop("f:apiVersion", None)
    tree.pop("f:kind", None)
    meta = tree.pop("f:metadata", None)
    if meta:
        meta = {k: v for k, v in meta.items() if k != MEMBER and k[2:] not in STRIPPED_META}
        if meta:
            tree["f:metadata"] = meta
    if writer.subresource == "status":
        return {"f:status": tree["f:status"]} if "f:status" in tree else {}
    if has_status:
        tree.pop("f:status", None)
    return tree


def _drop_server_set(tree: Tree, rt_key: str) -> Tree:
    for path in SERVER_SET.get(rt_key, ()):
        parent = tree.get("f:" + path[0])
        if isinstance(parent, dict) and "f:" + path[1] in parent:
            rest = {k: v for k, v in parent.items() if k != "f:" + path[1]}
            if rest and rest != {MEMBER: {}}:
                tree["f:" + path[0]] = rest
            elif MEMBER in parent:
                tree["f:" + path[0]] = {}
            else:
                del tree["f:" + path[0]]
    return tree


# --- managedFields ------------------------------------------------------------------------------


def decode(entries: Any) -> dict[Identity, Entry] | None:
    """The stored entries by manager identity; None when they are not valid managedFields."""
    managed: dict[Identity, Entry] = {}
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("operation") not in ("Apply", "Update"):
            return None
        if not entry.get("apiVersion") or entry.get("fieldsType") != "FieldsV1":
            return None
        operation = str(entry["operation"])
        identity = (
            str(entry.get("manager") or ""),
            operation,
            "" if operation == "Apply" else str(entry["apiVersion"]),
            str(entry.get("subresource") or ""),
        )
        fields = entry.get("fieldsV1")
        managed[identity] = Entry(
            fields if isinstance(fields, dict) else {}, str(entry["apiVersion"]), entry.get("time")
        )
    return managed


def encode(managed: dict[Identity, Entry]) -> list[dict[str, Any]]:
    """managedFields entries in the API server's order: operation, time (to the second), manager,
    apiVersion, subresource."""
    entries = []
    for (manager, operation, _, subresource), entry in managed.items():
        encoded: dict[str, Any] = {
            "manager": manager,
            "operation": operation,
            "apiVersion": entry.api_version,
        }
        if entry.time:
            encoded["time"] = entry.time
        encoded |= {"fieldsType": "FieldsV1", "fieldsV1": entry.fields}
        if subresource:
            encoded["subresource"] = subresource
        entries.append(encoded)
    entries.sort(
        key=lambda e: (
            e["operation"],
            e.get("time") or "",
            e["manager"],
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return entries


def _forget(
    managed: dict[Identity, Entry], skip: Identity | None, taken: Tree | None, removed: Tree | None
) -> None:
    """Take fields from every manager but `skip`; managers left with nothing go."""
    for identity in list(managed):
        if identity == skip:
            continue
        fields: Tree | None = managed[identity].fields
        for gone in (taken, removed):
            if gone and fields:
                fields = difference(fields, gone)
        if not fields:
            del managed[identity]
        else:
            managed[identity].fields = _top(fields)


def _owned(changed: Tree | None, rt_key: str, writer: Writer, has_status: bool) -> Tree:
    return _drop_server_set(_without_status(_top(changed), writer, has_status), rt_key)


def updated(
    rt_key: str,
    live: dict[str, Any] | None,
    new: dict[str, Any],
    writer: Writer,
    now: str,
    *,
    has_status: bool,
    sent: Any = None,
) -> list[dict[str, Any]] | None:
    """The managedFields of `new` after an Update by `writer` (live None: a create). `sent` is the
    managedFields the request itself carried, which replace the stored ones when valid ([] resets)."""
    managed = decode((live or {}).get("metadata", {}).get("managedFields") or [])
    if not writer.subresource and isinstance(sent, list):
        given = decode(sent)
        if sent == [] or sent == [{}]:
            managed = {}
        elif given:
            managed = given
    if managed is None:
        managed = {}
    if live is not None and not managed:
        return None  # an object nobody's fields are tracked on stays so (skipnonapplied.go)
    before, after = (
        _zero(rt_key) if live is None else _part(live, writer, has_status),
        _part(new, writer, has_status),
    )
    changed, removed = compare(before, after, kind_type(rt_key))
    owned = _owned(changed, rt_key, writer, has_status)
    gone = _without_status(_top(removed), writer, has_status)
    _forget(managed, None, owned, gone)
    if owned:
        identity = _identity(writer)
        previous = managed.get(identity)
        fields = union(previous.fields, owned) if previous else owned
        # The scale subresource maps its entries back to the parent's and gives each the time the
        # parent had for it: a first write through it has none (managedfields/scalehandler.go).
        when = (previous.time if previous else None) if writer.subresource == "scale" else now
        managed[identity] = Entry(fields, writer.api_version, when)
    return encode(managed) or None


def _part(obj: dict[str, Any], writer: Writer, has_status: bool) -> dict[str, Any]:
    """The part of an object a write may own (comparing only it keeps each write cheap)."""
    if writer.subresource == "status":
        return {"status": obj["status"]} if "status" in obj else {}
    if has_status:
        return {key: value for key, value in _body(obj).items() if key != "status"}
    return _body(obj)


def _zero(rt_key: str) -> Any:
    """What a create is compared with: the kind's zero object where its type writes zero fields."""
    zero = ZERO_VALUED.get(rt_key)
    return dict(zero) if zero is not None else _MISSING


def _body(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        return dict(obj, metadata={k: v for k, v in meta.items() if k != "managedFields"})
    return obj


def applied(
    rt_key: str,
    live: dict[str, Any] | None,
    config: dict[str, Any],
    writer: Writer,
    now: str,
    *,
    has_status: bool,
) -> dict[str, Any]:
    """The object after `writer` applies `config` to `live` (None: no object yet), managedFields
    included; 409 Conflict when it would change fields other managers own and is not forced."""
    ft = kind_type(rt_key)
    if isinstance((config.get("metadata") or {}).get("managedFields"), list):
        raise errors.bad_request("metadata.managedFields must be nil")
    managed = decode((live or {}).get("metadata", {}).get("managedFields") or []) or {}
    if live is not None and not managed:
        changed, _ = compare(_MISSING, _body(live), ft)
        owned = _owned(changed, rt_key, Writer(BEFORE_FIRST_APPLY, writer.api_version), has_status)
        if owned:
            managed[(BEFORE_FIRST_APPLY, "Update", writer.api_version, "")] = Entry(
                owned, writer.api_version, now
            )
    base = _body(live) if live is not None else {}
    merged = merge(base, config, ft)
    identity = _identity(writer)
    last = managed.get(identity)
    mine = _owned(field_set(config, ft), rt_key, writer, has_status)
    previous_time = last.time if last else None
    managed[identity] = Entry(mine, writer.api_version, previous_time)
    if last is not None and last.fields:
        everyone: Tree = {}
        for entry in managed.values():
            everyone = union(everyone, entry.fields)
        dropped = difference(last.fields, everyone)
        if dropped:
            merged = _remove(merged, dropped, ft, custom=rt_key.count(".") >= 2)
    changed, removed = compare(_zero(rt_key) if live is None else base, merged, ft)
    owned = _owned(changed, rt_key, writer, has_status)
    gone = _without_status(_top(removed), writer, has_status)
    conflicts = _conflicts(managed, identity, owned)
    if conflicts and writer.manager == KUBECTL:
        allowed = _last_applied(live, ft)
        conflicts = [(who, path) for who, path in conflicts if path not in allowed]
    if conflicts and not writer.force:
        raise conflict_error(conflicts)
    _forget(managed, identity, owned, gone)
    if not mine:
        managed.pop(identity, None)
    elif live is None or merged != base:
        managed[identity].time = now
    result: dict[str, Any] = merged
    result.setdefault("metadata", {})["managedFields"] = encode(managed)
    return result


def _last_applied(live: dict[str, Any] | None, ft: FieldType) -> set[str]:
    """The fields kubectl's server-side apply may take over without a conflict: those of the
    client-side apply annotation that the object still holds as applied (lastappliedmanager.go)."""
    annotations = ((live or {}).get("metadata") or {}).get("annotations") or {}
    try:
        last = json.loads(annotations.get(LAST_APPLIED) or "")
    except ValueError:
        return set()
    if not isinstance(last, dict) or last.get("apiVersion") != (live or {}).get("apiVersion"):
        return set()
    changed, removed = compare(last, _body(live or {}), ft)
    allowed = difference(field_set(last, ft), union(_top(changed), _top(removed)))
    return set(paths(allowed or {}))


def _conflicts(managed: dict[Identity, Entry], identity: Identity, owned: Tree) -> list[tuple[Identity, str]]:
    found: list[tuple[Identity, str]] = []
    for other, entry in managed.items():
        if other != identity and owned:
            both = intersection(entry.fields, owned)
            if both:
                found.extend((other, path) for path in paths(both))
    return found


def conflict_error(conflicts: list[tuple[Identity, str]]) -> errors.ApiError:
    """409 Conflict naming each field and its manager, in the API server's words (conflict.go)."""
    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {_manager(who)}", "field": path}
        for who, path in conflicts
    ]
    if len(conflicts) == 1:
        who, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {_manager(who)}: {path}"
    else:
        lines = []
        for who in sorted({who for who, _ in conflicts}, key=_identity_json):
            lines.append(f"conflicts with {_manager(who)}:")
            lines.extend(f"- {path}" for other, path in conflicts if other == who)
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return errors.Conflict(409, "Conflict", message, {"causes": causes})


def _identity_json(identity: Identity) -> str:
    """How the API server names a manager internally (its sort order for conflict messages)."""
    manager, operation, api_version, subresource = identity
    fields: dict[str, str] = {"manager": manager, "operation": operation}
    if api_version:
        fields["apiVersion"] = api_version
    if subresource:
        fields["subresource"] = subresource
    return json.dumps(fields, separators=(",", ":"))


def _manager(identity: Identity) -> str:
    manager, operation, api_version, subresource = identity
    named = json.dumps(manager)
    if subresource:
        named += f" with subresource {json.dumps(subresource)}"
    if operation == "Update":
        named += f" using {api_version}"
    return named


# --- merging an applied configuration -----------------------------------------------------------


def merge(live: Any, config: Any, ft: FieldType) -> Any:
    """`config` merged into `live`: maps field by field, keyed lists item by item (in the order
    structured-merge-diff gives), anything else replaced."""
    if isinstance(config, dict) and isinstance(live, dict) and not ft.atomic:
        result = clone(live)
        for key, value in config.items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = merge(live.get(key, _MISSING), value, ft.child(key))
        return result
    if isinstance(config, list) and isinstance(live, list) and ft.granular_list and ft.items is not None:
        return _merge_items(live, config, ft, ft.items)
    if isinstance(config, dict) and not ft.atomic:
        return merge({}, config, ft)
    return clone(config)


def _merge_items(live: list[Any], config: list[Any], ft: FieldType, items: FieldType) -> list[Any]:
    lhs, rhs = _indexed(live, ft), _indexed(config, ft)
    lkeys, rkeys = list(lhs), list(rhs)
    shared = [key for key in rkeys if key in lhs]
    out: list[Any] = []
    done: set[str] = set()
    li = ri = 0
    next_shared = shared.pop(0) if shared else None
    while li < len(lkeys) or ri < len(rkeys):
        if li < len(lkeys) and ri < len(rkeys):
            key = lkeys[li]
            if key == rkeys[ri]:
                done.add(key)
                out.append(merge(lhs[key], rhs[key], items))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if key in rhs and next_shared is not None and next_shared != key:
                li += 1
                continue
        if li < len(lkeys):
            key = lkeys[li]
            if key not in rhs:
                out.append(clone(lhs[key]))
                li += 1
                continue
            if key in done:
                li += 1
        if ri < len(rkeys):
            key = rkeys[ri]
            done.add(key)
            out.append(merge(lhs[key], rhs[key], items) if key in lhs else merge({}, rhs[key], items))
            ri += 1
            if next_shared is not None and next_shared == key:
                next_shared = shared.pop(0) if shared else None
    return out


def _remove(value: Any, tree: Tree, ft: FieldType, *, custom: bool) -> Any:
    """`value` without the fields of `tree` (maps emptied by it are dropped for built-in kinds)."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            element = "f:" + key
            if element in tree and _member(tree[element]):
                continue
            if element in tree:
                item = _remove(item, tree[element], ft.child(key), custom=custom)
                if item == {} and not custom and value[key] != {}:
                    continue
            result[key] = item
        return result
    if isinstance(value, list) and ft.granular_list and ft.items is not None:
        kept = []
        for item in value:
            element = _item_element(item, ft)
            if element in tree and _member(tree[element]):
                continue
            kept.append(_remove(item, tree[element], ft.items, custom=custom) if element in tree else item)
        return kept
    return value
