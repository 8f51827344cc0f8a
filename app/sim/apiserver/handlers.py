"""What the simulated API server answers: one request in, one response (or a watch plan) out.

HTTP plumbing lives in the server module beside this one; this module knows the API's rules: routes,
verbs, query parameters, authorization and status codes. Representations are the representations
module's, request bodies the bodies module's, continue tokens the paging module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.sim.apiserver import discovery, openapi
from app.sim.apiserver.authorizing import Attributes, User, allowed, attributes_of
from app.sim.apiserver.decoding import check_kind, decode, parse
from app.sim.apiserver.paging import decode_continue, encode_continue, sort_key
from app.sim.apiserver.paths import ResourcePath, parse_resource_path
from app.sim.apiserver.representations import JSON, encode, list_body, render, view, wanted
from app.sim.storage import errors
from app.sim.storage.admission import Requester
from app.sim.storage.errors import ApiError, Expired
from app.sim.storage.ownership import Writer, updated
from app.sim.storage.store import Store
from app.sim.storage.watching import Watcher

OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
SSAR = "selfsubjectaccessreviews.authorization.k8s.io"
PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
DEFAULT_WATCH_SECONDS = 1800.0


@dataclass(frozen=True)
class Request:
    """An HTTP request as the API sees it (query: last value of each parameter)."""

    method: str
    path: str
    query: dict[str, str]
    accept: str = ""
    content_type: str = ""
    body: bytes = b""
    user: User | None = None
    user_agent: str = ""

    @property
    def requester(self) -> Requester | None:
        """Who writes, as admission webhooks are told."""
        return Requester(self.user.name, self.user.groups) if self.user is not None else None


@dataclass(frozen=True)
class Response:
    """A complete answer: status code, body, content type."""

    status: int
    body: bytes
    content_type: str = JSON

    @classmethod
    def json(cls, status: int, data: Any) -> Response:
        return cls(status, encode(data))

    @classmethod
    def error(cls, error: ApiError) -> Response:
        return cls.json(error.code, error.status())


@dataclass(frozen=True)
class WatchPlan:
    """A watch to stream: the watcher (or the error to send as the only event) and its options."""

    path: ResourcePath
    watcher: Watcher | None
    error: ApiError | None
    timeout: float
    bookmarks: bool
    render: str  # "" for objects, else "Table:<includeObject>" or "PartialObjectMetadata"

    def encode_object(self, obj: dict[str, Any], resource_version: int) -> dict[str, Any]:
        """An event's object in the form the client asked for."""
        return render(self.path, obj, self.render, {"resourceVersion": str(resource_version)}, single=True)


class Api:
    """The API's request handling over one store."""

    def __init__(self, store: Store, *, server_address: str) -> None:
        self.store = store
        self.registry = store.registry
        self._server_address = server_address

    def handle(self, request: Request) -> Response | WatchPlan:
        """Answer a request; API errors become Status responses."""
        try:
            found = parse_resource_path(self.registry, request.path)
            if found is None:
                return self._non_resource(request)
            return self._resource(request, found)
        except ApiError as error:
            return Response.error(error)

    # --- discovery, OpenAPI, health --------------------------------------------------------------

    def _non_resource(self, request: Request) -> Response:
        path = "/" + request.path.strip("/")
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/healthz/", "/livez/", "/readyz/")):
            return Response(200, b"ok", "text/plain; charset=utf-8")
        document = self._document(path, request.accept)
        if isinstance(document, Response):
            return document
        if document is None:
            raise errors.path_not_found()
        if request.method != "GET":
            raise errors.method_not_allowed()
        return Response.json(200, document)

    def _document(self, path: str, accept: str) -> dict[str, Any] | Response | None:
        reg, parts = self.registry, path.strip("/").split("/")
        if path == "/version":
            return discovery.version_info()
        if path == "/api":
            return discovery.core_api_versions(self._server_address)
        if path == "/api/v1":
            return discovery.core_resource_list(reg)
        if path == "/apis":
            return discovery.api_group_list(reg)
        if parts[0] == "apis" and len(parts) == 2:
            return discovery.api_group(reg, parts[1])
        if parts[0] == "apis" and len(parts) == 3:
            return discovery.api_resource_list(reg, parts[1], parts[2])
        if path == "/openapi/v2":
            if "protobuf" in accept:
                return Response(200, openapi.openapi_v2_protobuf(reg), OPENAPI_V2_PROTOBUF)
            return openapi.openapi_v2(reg)
        if path == "/openapi/v3":
            return openapi.openapi_v3_index(reg)
        if path.startswith("/openapi/v3/"):
            return openapi.openapi_v3_path(reg, path[len("/openapi/v3/") :])
        return None

    # --- resources -------------------------------------------------------------------------------

    def _resource(self, request: Request, found: ResourcePath) -> Response | WatchPlan:
        verb = _verb(request, found)
        if verb not in found.rt.verbs:
            raise errors.method_not_allowed()
        if found.rt.key == SSAR:
            return self._review(request, found)
        self._authorize(request, verb, found)
        query, rt = request.query, found.rt
        if verb == "get":
            obj = self.store.get(rt, found.namespace, found.name or "", copy=False)
            return Response.json(
                200,
                render(found, obj, _wanted(request), {}, single=True),
            )
        if verb == "list":
            return Response.json(200, self._list(request, found))
        if verb == "watch":
            return self._watch(request, found)
        dry_run = _dry_run(query)
        if verb == "create":
            body = check_kind(found, decode(request.content_type, request.body))
            created = self.store.create(
                rt,
                found.namespace,
                body,
                dry_run=dry_run,
                requester=request.requester,
                writer=_writer(request, found),
            )
            return Response.json(201, view(found, created))
        name = found.name or ""
        if verb == "update":
            body = check_kind(found, decode(request.content_type, request.body))
            updated = self.store.update(
                rt,
                found.namespace,
                name,
                body,
                subresource=found.subresource,
                dry_run=dry_run,
                requester=request.requester,
                writer=_writer(request, found),
            )
            return Response.json(200, view(found, updated))
        if verb == "patch":
            return self._patch(request, found, dry_run)
        options = _delete_options(request)
        propagation = options["propagation"]
        dry_run = dry_run or options["dry_run"]
        if verb == "delete":
            gone = self.store.delete(
                rt,
                found.namespace,
                name,
                dry_run=dry_run,
                propagation=propagation,
                precondition_rv=options["rv"],
            )
            return Response.json(200, view(found, gone))
        deleted = self.store.delete_collection(
            rt, found.namespace, dry_run=dry_run, propagation=propagation, **_selectors(query)
        )
        listing = {"resourceVersion": str(self.store.resource_version)}
        return Response.json(200, list_body(found, [view(found, obj) for obj in deleted], listing))

    def _authorize(self, request: Request, verb: str, found: ResourcePath) -> None:
        user = request.user
        attrs = attributes_of(verb, found.rt, found.namespace, found.name, found.subresource)
        if user is not None and not allowed(self.store, user, attrs):
            raise errors.forbidden(user.name, verb, found.rt, found.namespace, found.name or "")

    def _list(self, request: Request, found: ResourcePath) -> dict[str, Any]:
        query = request.query
        items, rv = self.store.list(
            found.rt,
            found.namespace,
            copy=False,
            **_selectors(query),
        )
        token = query.get("continue")
        if token:
            rv, after = decode_continue(token)
            if rv < self.store.oldest_resource_version:
                raise errors.expired(
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter."
                )
            items = [obj for obj in items if sort_key(obj) > after]
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        limit = _int(query, "limit")
        if limit > 0 and len(items) > limit:
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
            meta["continue"] = encode_continue(rv, sort_key(items[-1]))
        return render(found, items, _wanted(request), meta, single=False)

    def _watch(self, request: Request, found: ResourcePath) -> WatchPlan:
        query = request.query
        since_text = query.get("resourceVersion", "")
        if since_text and not since_text.isdigit():
            raise errors.bad_request(f"invalid resource version: {since_text!r}")
        watcher, error = None, None
        try:
            watcher = self.store.watch(
                found.rt,
                found.namespace,
                since=int(since_text or 0) or None,
                copy=False,
                **_selectors(query),
            )
        except Expired as failure:
            error = failure
        timeout = float(_int(query, "timeoutSeconds") or DEFAULT_WATCH_SECONDS)
        bookmarks = _flag(query, "allowWatchBookmarks")
        return WatchPlan(
            found,
            watcher,
            error,
            timeout,
            bookmarks,
            _wanted(request),
        )

    def _patch(self, request: Request, found: ResourcePath, dry_run: bool) -> Response:
        media = request.content_type.split(";")[0].strip().lower()
        patch_type = PATCH_TYPES.get(media)
        if patch_type is None:
            raise errors.unsupported_media_type(tuple(PATCH_TYPES))
        if patch_type == "apply" and not request.query.get("fieldManager"):
            raise errors.bad_request(
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                "is required for apply patch"
            )
        patch = parse(request.body, yaml_ok=patch_type == "apply")
        if patch_type == "apply":
            patch = check_kind(found, patch)
        existed = self._exists(found)
        patched = self.store.patch(
            found.rt,
            found.namespace,
            found.name or "",
            patch,
            patch_type,
            subresource=found.subresource,
            dry_run=dry_run,
            requester=request.requester,
            writer=_writer(request, found, apply=patch_type == "apply"),
        )
        return Response.json(200 if existed else 201, view(found, patched))

    def _exists(self, found: ResourcePath) -> bool:
        try:
            self.store.get(found.rt, found.namespace, found.name or "", copy=False)
        except ApiError:
            return False
        return True

    def _review(self, request: Request, found: ResourcePath) -> Response:
        review = decode(request.content_type, request.body)
        writer = _writer(request, found)
        managed = updated(SSAR, None, review, writer, self.store.now(), has_status=True)
        spec = review.get("spec") or {}
        attrs = spec.get("resourceAttributes") or {}
        user = request.user
        rt_like = Attributes(
            attrs.get("verb", ""),
            attrs.get("group", ""),
            attrs.get("resource", ""),
            attrs.get("namespace", ""),
            attrs.get("name", ""),
            attrs.get("subresource", ""),
        )
        verdict = user is None or allowed(self.store, user, rt_like)
        status: dict[str, Any] = {"allowed": verdict}
        if verdict and user is not None:
            status["reason"] = "RBAC: allowed"
        review.setdefault("metadata", {})
        if managed:
            review["metadata"]["managedFields"] = managed
        review |= {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "status": status,
        }
        return Response.json(201, review)


# --- helpers -------------------------------------------------------------------------------------


def _verb(request: Request, found: ResourcePath) -> str:
    method, named = request.method, found.name is not None
    if method == "GET":
        if named:
            return "get"
        watching = found.watch_prefix or _flag(request.query, "watch")
        return "watch" if watching else "list"
    verbs = {
        ("POST", False): "create",
        ("PUT", True): "update",
        ("PATCH", True): "patch",
        ("DELETE", True): "delete",
        ("DELETE", False): "deletecollection",
    }
    verb = verbs.get((method, named))
    if verb is None:
        raise errors.method_not_allowed()
    return verb


def _writer(request: Request, found: ResourcePath, *, apply: bool = False) -> Writer:
    """The field manager a write is recorded under: the fieldManager parameter, else the client's
    User-Agent up to its first "/" (as the API server's managerOrUserAgent does)."""
    manager = request.query.get("fieldManager") or request.user_agent.split("/")[0] or "unknown"
    return Writer(
        manager,
        found.rt.api_version(found.version),
        subresource=found.subresource or "",
        apply=apply,
        force=apply and _flag(request.query, "force"),
    )


def _dry_run(query: dict[str, str]) -> bool:
    value = query.get("dryRun", "")
    if value not in ("", "All"):
        raise errors.bad_request(f'dryRun: Unsupported value: "{value}": supported values: "All"')
    return value == "All"


def _delete_options(request: Request) -> dict[str, Any]:
    body = parse(request.body, yaml_ok=False) if request.body.strip() else {}
    options = body if isinstance(body, dict) else {}
    propagation = request.query.get("propagationPolicy") or options.get("propagationPolicy")
    if propagation is None:
        orphan = options.get("orphanDependents", request.query.get("orphanDependents"))
        propagation = "Orphan" if orphan in (True, "true") else "Background"
    dry = options.get("dryRun") or []
    if dry not in ([], ["All"]):
        raise errors.bad_request(f'dryRun: Unsupported value: "{dry}": supported values: "All"')
    preconditions = options.get("preconditions") or {}
    return {"propagation": propagation, "dry_run": dry == ["All"], "rv": preconditions.get("resourceVersion")}


def _selectors(query: dict[str, str]) -> dict[str, str]:
    """The label and field selectors of a list, watch or deletecollection request."""
    return {
        "label_selector": query.get("labelSelector", ""),
        "field_selector": query.get("fieldSelector", ""),
    }


def _wanted(request: Request) -> str:
    """How the client asked to see objects (Accept header and includeObject)."""
    return wanted(request.accept, request.query.get("includeObject"))


def _flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def _int(query: dict[str, str], name: str) -> int:
    text = query.get(name, "")
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise errors.bad_request(f"{name}: Invalid value: {text!r}: must be an integer") from None
