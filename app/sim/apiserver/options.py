"""Request options refused in the real server's words: dryRun, propagationPolicy, integers and
resourceVersions that do not parse, and delete preconditions.

Options are validated as meta.k8s.io objects (CreateOptions, DeleteOptions...): a bad value is a 422
naming `<Kind>.meta.k8s.io ""` (k8s.io/apimachinery pkg/apis/meta/v1/validation). Numbers are parsed
by Go's strconv, whose errors reach the client as they are; delete preconditions are checked before
the delete by k8s.io/apiserver registry/rest/delete.go, BeforeDelete.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.sim.storage import errors
from app.sim.storage.errors import ApiError
from app.sim.storage.resources import ResourceType

_OPTIONS_KIND = {
    "create": "CreateOptions",
    "update": "UpdateOptions",
    "patch": "PatchOptions",
    "delete": "DeleteOptions",
    "deletecollection": "DeleteOptions",
}
_DIGITS = re.compile(r"[+-]?\d+")


def _go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _unsupported(kind: str, field: str, shown: str, supported: str) -> ApiError:
    body = f"Unsupported value: {shown}: supported values: {supported}"
    cause = {"reason": "FieldValueNotSupported", "message": body, "field": field}
    details = {"group": "meta.k8s.io", "kind": kind, "causes": [cause]}
    return errors.Invalid(422, "Invalid", f'{kind}.meta.k8s.io "" is invalid: {field}: {body}', details)


def dry_run(values: list[str], verb: str) -> bool:
    """Whether the request is a dry run; 422 for a value other than All."""
    if any(value != "All" for value in values):
        shown = json.dumps(values, separators=(",", ":"))
        raise _unsupported(_OPTIONS_KIND.get(verb, "CreateOptions"), "dryRun", shown, '"All"')
    return bool(values)


def propagation(policy: str) -> str:
    """A known propagationPolicy, or 422 as DeleteOptions validation words it."""
    if policy not in ("Foreground", "Background", "Orphan"):
        supported = '"Foreground", "Background", "Orphan", "nil"'
        raise _unsupported("DeleteOptions", "propagationPolicy", _go_quote(policy), supported)
    return policy


def integer(text: str) -> int:
    """A query integer as strconv.ParseInt reads it (0 when absent); 400 in its words otherwise."""
    if not text:
        return 0
    if _DIGITS.fullmatch(text) is None:
        raise errors.bad_request(f"strconv.ParseInt: parsing {_go_quote(text)}: invalid syntax")
    return int(text)


def _unparsable_version(text: str) -> str:
    return f"strconv.ParseUint: parsing {_go_quote(text)}: invalid syntax"


def watch_resource_version(text: str) -> int:
    """A watch's resourceVersion (0 when absent); a 500 without a reason when it is no number."""
    if text and not text.isdigit():
        message = f"resourceVersion: Invalid value: {_go_quote(text)}: {_unparsable_version(text)}"
        raise ApiError(500, "", message)
    return int(text or 0)


def check_update_resource_version(body: Any) -> None:
    """An update's metadata.resourceVersion must parse: the storage layer fails with a 500 otherwise."""
    meta = body.get("metadata") if isinstance(body, dict) else None
    given = meta.get("resourceVersion") if isinstance(meta, dict) else None
    if isinstance(given, str) and given and not given.isdigit():
        raise ApiError(500, "", _unparsable_version(given))


def check_preconditions(rt: ResourceType, current: dict[str, Any], preconditions: dict[str, Any]) -> None:
    """409 when a delete's uid or resourceVersion precondition does not hold; the conflict names the
    kind (BeforeDelete builds its GroupResource from the kind)."""
    meta = current.get("metadata") or {}
    name = str(meta.get("name", ""))
    uid, rv = preconditions.get("uid"), preconditions.get("resourceVersion")
    if uid is not None and uid != meta.get("uid"):
        reason = (
            f"the UID in the precondition ({uid}) does not match the UID in record ({meta.get('uid', '')}). "
            "The object might have been deleted and then recreated"
        )
    elif rv is not None and rv != meta.get("resourceVersion"):
        reason = (
            f"the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record "
            f"({meta.get('resourceVersion', '')}). The object might have been modified"
        )
    else:
        return
    qualified = f"{rt.kind}.{rt.group}" if rt.group else rt.kind
    details = {"name": name, "group": rt.group, "kind": rt.kind}
    message = f'Operation cannot be fulfilled on {qualified} "{name}": {reason}'
    raise errors.Conflict(409, "Conflict", message, details)
