"""Representations of API objects: the version view, lists, Tables and partial metadata, as JSON."""

from __future__ import annotations

import json
from typing import Any

from app.sim.apiserver.paths import ResourcePath
from app.sim.apiserver.tables import to_table
from app.sim.storage import errors

JSON = "application/json"


def encode(data: Any) -> bytes:
    """Compact JSON (continue tokens and the like)."""
    return json.dumps(data, separators=(",", ":")).encode()


# Go's encoding/json escapes these even in UTF-8 output; the API server's JSON serializer uses it.
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def wire(data: Any) -> bytes:
    """JSON as the API server writes a body or a watch event: compact UTF-8, HTML characters escaped,
    one trailing newline (k8s.io/apimachinery runtime/serializer/json encodes with a json.Encoder)."""
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=False).translate(_GO_ESCAPES) + "\n").encode(
        "utf-8", "replace"
    )


def wanted(accept: str, include_object: str | None) -> str:
    """The representation the Accept header asks for first among those served: "" (the objects),
    "Table:<includeObject>" or "PartialObjectMetadata"."""
    for entry in accept.split(","):
        media, *params = [part.strip() for part in entry.split(";")]
        options = dict(p.split("=", 1) for p in params if "=" in p)
        kind = options.get("as")
        if kind == "Table" and options.get("g") == "meta.k8s.io":
            include = include_object or "Metadata"
            if include not in ("None", "Metadata", "Object"):
                raise errors.bad_request(f"includeObject: Unsupported value: {include!r}")
            return f"Table:{include}"
        if (
            kind in ("PartialObjectMetadata", "PartialObjectMetadataList")
            and options.get("g") == "meta.k8s.io"
        ):
            return "PartialObjectMetadata"
        if kind is None and media in (JSON, "*/*", "application/*", ""):
            return ""
    return ""


def view(found: ResourcePath, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as read at the request's version."""
    return dict(obj, apiVersion=found.rt.api_version(found.version))


def list_body(found: ResourcePath, items: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """A <Kind>List of objects already viewed at the request's version. A built-in kind's items carry
    no apiVersion or kind: the server encodes the typed list, whose items' TypeMeta stays empty
    (custom resources are unstructured and keep theirs); clients fill them in from the list."""
    api_version = found.rt.api_version(found.version)
    if not found.rt.is_custom:
        items = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")} for item in items]
    return {"kind": f"{found.rt.kind}List", "apiVersion": api_version, "metadata": meta, "items": items}


def render(
    found: ResourcePath, data: Any, wanted: str, meta: dict[str, Any], *, single: bool
) -> dict[str, Any]:
    """One object (single) or a list of them in the representation `wanted` names."""
    objects = [data] if single else data
    views = [view(found, obj) for obj in objects]
    if wanted.startswith("Table:"):
        return to_table(found.rt, found.version, views, include_object=wanted[6:], list_meta=meta)
    if wanted == "PartialObjectMetadata":
        partial = [
            {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}
            for obj in views
        ]
        if single:
            return partial[0]
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": meta,
            "items": partial,
        }
    return views[0] if single else list_body(found, views, meta)
