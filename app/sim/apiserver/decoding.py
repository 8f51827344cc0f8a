"""Request bodies: JSON, YAML or protobuf in, a dict out, checked against the URL.

A body that does not decode is refused in the API server's words. Its JSON serializer first reads
apiVersion and kind with encoding/json (k8s.io/apimachinery runtime/serializer/json meta.go,
SimpleMetaFactory.Interpret); when that fails the create handler says the object is unrecognized,
quoting the start of the body (k8s.io/apiserver endpoints/handlers/rest.go, transformDecodeError and
summarizeData). A body of another built-in kind decodes into that kind's Go type, which the scheme
then cannot convert to the URL's (conversion/converter.go: "unknown conversion").
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from app.sim.apiserver import protobuf
from app.sim.apiserver.paths import ResourcePath
from app.sim.apiserver.representations import JSON
from app.sim.storage import errors
from app.sim.storage.patching import json_kind

# How reflect prints the anonymous struct Interpret decodes into.
_FIND_KIND = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
)


def parse(body: bytes, *, yaml_ok: bool) -> Any:
    """JSON (or YAML) text as data; BadRequest when it does not parse."""
    try:
        if yaml_ok:
            return yaml.safe_load(body.decode()) if body.strip() else None
        return json.loads(body) if body.strip() else None
    except (ValueError, yaml.YAMLError) as error:
        raise errors.bad_request(f"error decoding body: {error}") from None


def go_json_error(body: bytes, error: json.JSONDecodeError) -> str:
    """encoding/json's words for a syntax error Python's decoder found."""
    text = error.doc
    if error.pos >= len(text.rstrip()):
        return "unexpected end of JSON input"
    found = text[error.pos]
    context = {
        "Expecting value": "looking for beginning of value",
        "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
        "Expecting ':' delimiter": "after object key",
        "Expecting ',' delimiter": "after object key:value pair",
        "Extra data": "after top-level value",
    }.get(error.msg, "looking for beginning of value")
    return f"invalid character {_go_char(found)} {context}"


def _go_char(char: str) -> str:
    return "'\\''" if char == "'" else f"'{char}'"


def summarize(data: bytes, limit: int = 30) -> str:
    """The start of a body as the API server quotes it: text for an object, hex for anything else."""
    if not data:
        return "<empty>"
    shown = data[:limit]
    text = shown.decode(errors="replace") if data[:1] == b"{" else shown.hex()
    return text + " ..." if len(data) > limit else text


class _Merged(dict[str, Any]):
    """A JSON object as Go decodes it: a repeated key's objects merged, other values replaced."""

    repeated: list[str]


def _merging(pairs: list[tuple[str, Any]]) -> _Merged:
    merged = _Merged()
    merged.repeated = []
    for key, value in pairs:
        if key in merged:
            merged.repeated.append(key)
            if isinstance(merged[key], dict) and isinstance(value, dict):
                value = {**merged[key], **value}
        merged[key] = value
    return merged


def _plain(value: Any, path: str, repeated: list[str]) -> Any:
    """`value` with plain dicts, the paths of its repeated keys appended to `repeated`."""
    if isinstance(value, list):
        return [_plain(item, f"{path}[{index}]", repeated) for index, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if isinstance(value, _Merged):
        repeated.extend(f"{path}.{key}" if path else key for key in value.repeated)
    return {key: _plain(item, f"{path}.{key}" if path else key, repeated) for key, item in value.items()}


def decode(
    content_type: str, data: bytes, kind: str = "", duplicates: list[str] | None = None
) -> dict[str, Any]:
    """A create/update body (JSON, YAML or kubectl's protobuf) as a dict; `kind` is the URL's kind,
    named when a JSON body cannot be read; the paths of keys a JSON body repeats go to `duplicates`
    (the server's strict decoding reports them: sigs.k8s.io/json, `duplicate field "data"`)."""
    media = content_type.split(";")[0].strip().lower()
    if media == protobuf.MEDIA_TYPE:
        return protobuf.decode_object(data)
    if media not in ("", JSON, "application/yaml", "*/*"):
        raise errors.unsupported_media_type((JSON, "application/yaml"))
    if media == "application/yaml":
        body = parse(data, yaml_ok=True)
    else:
        try:
            repeated: list[str] = []
            body = _plain(json.loads(data, object_pairs_hook=_merging), "", repeated)
            if duplicates is not None:
                duplicates.extend(repeated)
        except json.JSONDecodeError as error:
            raise _unrecognized(kind, data, go_json_error(data, error)) from None
        except ValueError as error:
            raise _unrecognized(kind, data, str(error)) from None
        if body is not None and not isinstance(body, dict):
            problem = f"json: cannot unmarshal {json_kind(body)} into Go value of type {_FIND_KIND}"
            raise _unrecognized(kind, data, problem)
    if not isinstance(body, dict):
        raise errors.bad_request("Object 'Kind' is missing in the request body")
    return body


def _unrecognized(kind: str, data: bytes, problem: str) -> errors.ApiError:
    message = f"couldn't get version/kind; json parse error: {problem}"
    return errors.bad_request(
        f"the object provided is unrecognized (must be of type {kind}): {message} ({summarize(data)})"
    )


def check_kind(found: ResourcePath, body: Any) -> dict[str, Any]:
    """The body, once its apiVersion and kind (when given) match the URL's."""
    if not isinstance(body, dict):
        raise errors.bad_request("Object 'Kind' is missing in the request body")
    expected = found.rt.api_version(found.version)
    given = body.get("apiVersion")
    kind = body.get("kind")
    if kind and kind != found.rt.kind and given == expected and not found.rt.is_custom:
        # The body decodes as its own kind, which the scheme cannot convert to the URL's.
        version = expected.rsplit("/", 1)[-1]
        internal = (found.rt.group.split(".")[0] or "core") if found.rt.group else "core"
        raise errors.bad_request(
            f'{kind} in version "{version}" cannot be handled as a {found.rt.kind}: '
            f"converting ({version}.{kind}) to ({internal}.{found.rt.kind}): unknown conversion"
        )
    same_group = str(given or "").rpartition("/")[0] == found.rt.group
    if given and given != expected and same_group and not found.rt.is_custom:
        # No Go type is registered for that version: the scheme cannot make the object to decode into.
        version = str(given).rpartition("/")[2]
        named = kind or found.rt.kind
        raise errors.bad_request(
            f'{named} in version "{version}" cannot be handled as a {found.rt.kind}: no kind "{named}" '
            f'is registered for version "{given}" in scheme "pkg/runtime/scheme.go:111"'
        )
    if given and given != expected:
        raise errors.bad_request(
            f"the API version in the data ({given}) does not match the expected API version ({expected})"
        )
    if kind and kind != found.rt.kind:
        raise errors.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({found.rt.kind})"
        )
    return body


def apply_body(found: ResourcePath, data: bytes) -> Any:
    """A server-side apply body (YAML or JSON) as data, refused in the apply patcher's words
    (k8s.io/apiserver endpoints/handlers/patch.go, applyPatcher; sigs.k8s.io/yaml and go-yaml v2's
    parser errors) and the field manager's when it is of another kind
    (k8s.io/apimachinery util/managedfields/internal/versioncheck.go)."""
    try:
        body = yaml.safe_load(data.decode()) if data.strip() else None
    except yaml.YAMLError as error:
        raise errors.bad_request(f"error encoding patch: yaml: {go_yaml_error(error)}") from None
    if not isinstance(body, dict):
        return check_kind(found, body)
    expected = found.rt.api_version(found.version)
    given = (str(body.get("apiVersion") or ""), str(body.get("kind") or ""))
    if given != (expected, found.rt.kind):
        group_version = given[0] if "/" in given[0] else f"/{given[0]}"
        raise errors.bad_request(f"invalid object type: {group_version}, Kind={given[1]}")
    return body


def go_yaml_error(error: yaml.YAMLError) -> str:
    """go-yaml's words for a parse error PyYAML found: the line (counted from 1), the problem with
    "did not find" for what was expected."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return str(error)
    problem = error.problem or "unknown problem parsing YAML content"
    if problem.startswith("expected "):
        problem = "did not find " + problem.split(", but ", 1)[0]
    mark = error.problem_mark or error.context_mark
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def patch_body(data: bytes, patch_type: str, *, strict: bool) -> Any:
    """A JSON, merge or strategic merge patch as data. One that is not JSON is refused as the patch
    handler decodes it (patch.go, applyJSPatch): a merge patch as "invalid JSON patch", a JSON patch
    strictly first when fieldValidation is Warn or Strict ("error decoding patch: ...")."""
    try:
        return json.loads(data) if data.strip() else None
    except json.JSONDecodeError as error:
        problem = go_json_error(data, error)
    except ValueError as error:
        problem = str(error)
    if patch_type == "strategic":
        raise errors.bad_request(f"error decoding body: {problem}")
    if patch_type == "merge":
        raise errors.bad_request("invalid JSON patch")
    if strict:
        raise errors.bad_request(f"error decoding patch: {problem}")
    raise errors.bad_request(problem)
