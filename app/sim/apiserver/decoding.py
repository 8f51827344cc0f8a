"""Request bodies: JSON, YAML or protobuf in, a dict out, checked against the URL."""

from __future__ import annotations

import json
from typing import Any

import yaml

from app.sim.apiserver import protobuf
from app.sim.apiserver.paths import ResourcePath
from app.sim.apiserver.representations import JSON
from app.sim.storage import errors


def parse(body: bytes, *, yaml_ok: bool) -> Any:
    """JSON (or YAML) text as data; BadRequest when it does not parse."""
    try:
        if yaml_ok:
            return yaml.safe_load(body.decode()) if body.strip() else None
        return json.loads(body) if body.strip() else None
    except (ValueError, yaml.YAMLError) as error:
        raise errors.bad_request(f"error decoding body: {error}") from None


def decode(content_type: str, data: bytes) -> dict[str, Any]:
    """A create/update body (JSON, YAML or kubectl's protobuf) as a dict."""
    media = content_type.split(";")[0].strip().lower()
    if media == protobuf.MEDIA_TYPE:
        return protobuf.decode_object(data)
    if media not in ("", JSON, "application/yaml", "*/*"):
        raise errors.unsupported_media_type((JSON, "application/yaml"))
    body = parse(data, yaml_ok=media == "application/yaml")
    if not isinstance(body, dict):
        raise errors.bad_request("Object 'Kind' is missing in the request body")
    return body


def check_kind(found: ResourcePath, body: Any) -> dict[str, Any]:
    """The body, once its apiVersion and kind (when given) match the URL's."""
    if not isinstance(body, dict):
        raise errors.bad_request("Object 'Kind' is missing in the request body")
    expected = found.rt.api_version(found.version)
    given = body.get("apiVersion")
    if given and given != expected:
        raise errors.bad_request(
            f"the API version in the data ({given}) does not match the expected API version ({expected})"
        )
    kind = body.get("kind")
    if kind and kind != found.rt.kind:
        raise errors.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({found.rt.kind})"
        )
    return body
