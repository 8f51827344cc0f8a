"""What the simulated API server answers: one request in, one response (or a watch plan) out.

HTTP plumbing lives in the server module beside this one; this module knows the API's rules: routes,
verbs, query parameters, authorization and status codes. Representations are the representations
module's, request bodies the bodies module's, continue tokens the paging module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.sim.apiserver import definitions, discovery, openapi, options, reviews, watch_window
from app.sim.apiserver.authorizing import Attributes, User, allowed, attributes_of
from app.sim.apiserver.decoding import apply_body, check_kind, decode, parse, patch_body
from app.sim.apiserver.deleting import delete_answer
from app.sim.apiserver.escalating import confirm_no_escalation
from app.sim.apiserver.paging import decode_continue, encode_continue, sort_key
from app.sim.apiserver.paths import ResourcePath, parse_resource_path
from app.sim.apiserver.representations import JSON, list_body, render, view, wanted, wire
from app.sim.apiserver.scaling import serve_scale
from app.sim.storage import errors
from app.sim.storage.admission import Requester
from app.sim.storage.errors import ApiError, Expired
from app.sim.storage.ownership import Writer, updated
from app.sim.storage.store import Store
from app.sim.storage.validation import STRICT, WARN, FieldChecks
from app.sim.storage.watching import Watcher

OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
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
    warnings: tuple[str, ...] = ()
    """Texts of the `Warning: 299 - "..."` headers sent with the answer."""

    @classmethod
    def json(cls, status: int, data: Any, warnings: list[str] | None = None) -> Response:
        return cls(status, wire(data), warnings=tuple(warnings or ()))

    @classmethod
    def error(cls, error: ApiError) -> Response:
        return cls.json(error.code, error.status(), error.warnings)


@dataclass(frozen=True)
class WatchPlan:
    """A watch to stream: the watcher (or the error to send as the only event) and its options."""

    path: ResourcePath
    watcher: Watcher | None
    error: ApiError | None
    timeout: float
    bookmarks: bool
    render: str  # "" for objects, else "Table:<includeObject>" or "PartialObjectMetadata"
    # For a WatchList request with bookmarks: how many initial events come before the bookmark that
    # ends them (k8s.io/initial-events-end), and its resourceVersion.
    initial_events: int | None = None
    initial_rv: int = 0

    def encode_object(self, obj: dict[str, Any], resource_version: int) -> dict[str, Any]:
        """An event's object in the form the client asked for."""
        return render(self.path, obj, self.render, {"resourceVersion": str(resource_version)}, single=True)


class Api:
    """The API's request handling over one store."""

    def __init__(self, store: Store, *, server_address: str, cache_start: int | None = None) -> None:
        """`cache_start`: the resourceVersion the watch caches begin at (default: the oldest the store
        keeps); a real API server fills them when it starts, so a restarted one refuses older ones."""
        self.store = store
        self.registry = store.registry
        self._server_address = server_address
        self._started = store.now()
        self._cache_start = store.oldest_resource_version if cache_start is None else cache_start

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
        user = request.user
        if user is not None and not allowed(
            self.store, user, Attributes(request.method.lower(), path=request.path)
        ):
            raise errors.forbidden_path(user.name, request.method.lower(), request.path)
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
        self._authorize(request, verb, found)
        if found.rt.key in reviews.KINDS:
            return self._review(request, found)
        if found.rt.key == definitions.CRDS and verb in ("get", "list"):
            return self._definitions(request, found)
        query, rt = request.query, found.rt
        if found.subresource == "scale":
            return self._scale(request, found, verb)
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
        dry_run = _dry_run(query, verb)
        if verb == "create":
            checks = FieldChecks.of(query.get("fieldValidation"), "CreateOptions")
            body = check_kind(found, decode(request.content_type, request.body, rt.kind, checks.duplicates))
            confirm_no_escalation(self.store, request.user, rt, found.namespace, body)
            created = self.store.create(
                rt,
                found.namespace,
                body,
                dry_run=dry_run,
                requester=request.requester,
                checks=checks,
                writer=_writer(request, found),
            )
            return Response.json(201, view(found, created), checks.warnings)
        name = found.name or ""
        if verb == "update":
            checks = FieldChecks.of(query.get("fieldValidation"), "UpdateOptions")
            body = check_kind(found, decode(request.content_type, request.body, rt.kind, checks.duplicates))
            options.check_update_resource_version(body)
            confirm_no_escalation(self.store, request.user, rt, found.namespace, body)
            updated = self.store.update(
                rt,
                found.namespace,
                name,
                body,
                subresource=found.subresource,
                dry_run=dry_run,
                requester=request.requester,
                checks=checks,
                writer=_writer(request, found),
            )
            return Response.json(200, view(found, updated), checks.warnings)
        if verb == "patch":
            return self._patch(request, found, dry_run)
        deleting = _delete_options(request)
        propagation = deleting["propagation"]
        dry_run = dry_run or deleting["dry_run"]
        if verb == "delete":
            current = self.store.get(rt, found.namespace, name, copy=False)
            options.check_preconditions(rt, current, deleting["preconditions"])
            gone = self.store.delete(
                rt,
                found.namespace,
                name,
                dry_run=dry_run,
                propagation=propagation,
                precondition_rv=deleting["preconditions"].get("resourceVersion"),
            )
            return Response.json(200, delete_answer(rt, gone, propagation) or view(found, gone))
        deleted = self.store.delete_collection(
            rt, found.namespace, dry_run=dry_run, propagation=propagation, **_selectors(query)
        )
        listing = {"resourceVersion": str(self.store.resource_version)}
        return Response.json(200, list_body(found, [view(found, obj) for obj in deleted], listing))

    def _scale(self, request: Request, found: ResourcePath, verb: str) -> Response:
        media = request.content_type.split(";")[0].strip().lower()
        scale = serve_scale(
            self.store,
            found,
            verb,
            body=request.body,
            content_type=request.content_type,
            patch_type=PATCH_TYPES.get(media),
            dry_run=_dry_run(request.query, verb),
            writer=_writer(request, found),
        )
        return Response.json(200, scale)

    def _authorize(self, request: Request, verb: str, found: ResourcePath) -> None:
        user = request.user
        attrs = attributes_of(verb, found.rt, found.namespace, found.name, found.subresource)
        if user is not None and not allowed(self.store, user, attrs):
            raise errors.forbidden(
                user.name, verb, found.rt, attrs.namespace, found.name or "", attrs.subresource
            )

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
        selected = any(_selectors(query).values())
        if selected and limit > 0 and len(items) >= limit:
            # A filtered page is read from storage a key range at a time: the server cannot count
            # what else would match, so it gives no remainingItemCount, and it hands out a continue
            # token whenever the page is full and any key follows, matching or not
            # (k8s.io/apiserver storage/etcd3/store.go, GetList).
            items = items[:limit]
            last = sort_key(items[-1])
            every, _ = self.store.list(found.rt, found.namespace, copy=False)
            if any(sort_key(obj) > last for obj in every):
                meta["continue"] = encode_continue(rv, last)
        elif limit > 0 and len(items) > limit:
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
            meta["continue"] = encode_continue(rv, sort_key(items[-1]))
        return render(found, items, _wanted(request), meta, single=False)

    def _watch(self, request: Request, found: ResourcePath) -> WatchPlan:
        query = request.query
        since = options.watch_resource_version(query.get("resourceVersion", ""))
        initial = watch_window.initial_events(query)
        watcher, error, rv = None, None, self.store.resource_version
        try:
            watch_window.check(since, self._cache_start)
            watcher = self.store.watch(
                found.rt,
                found.namespace,
                since=None if initial else since or None,
                copy=False,
                **_selectors(query),
            )
        except Expired as failure:
            error = failure
        if watcher is not None and found.rt.key == definitions.CRDS and (initial or not since):
            definitions.announce(self.registry, watcher, created=self._started)
        timeout = float(_int(query, "timeoutSeconds") or DEFAULT_WATCH_SECONDS)
        bookmarks = _flag(query, "allowWatchBookmarks")
        initial_events = watcher.queued() if initial and bookmarks and watcher is not None else None
        return WatchPlan(found, watcher, error, timeout, bookmarks, _wanted(request), initial_events, rv)

    def _patch(self, request: Request, found: ResourcePath, dry_run: bool) -> Response:
        media = request.content_type.split(";")[0].strip().lower()
        patch_type = PATCH_TYPES.get(media)
        if patch_type is None:
            # The patch handler's own refusal: a generic 415 with empty details (handlers/patch.go).
            raise ApiError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
        if patch_type == "apply" and not request.query.get("fieldManager"):
            message = "Required value: is required for apply patch"
            cause = {"reason": "FieldValueRequired", "message": message, "field": "fieldManager"}
            raise errors.Invalid(
                422,
                "Invalid",
                f'PatchOptions.meta.k8s.io "" is invalid: fieldManager: {message}',
                {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [cause]},
            )
        checks = FieldChecks.of(request.query.get("fieldValidation"), "PatchOptions")
        if patch_type == "apply":
            patch = apply_body(found, request.body)
        else:
            patch = patch_body(request.body, patch_type, strict=checks.directive in (STRICT, WARN))
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
            checks=checks,
            writer=_writer(request, found, apply=patch_type == "apply"),
        )
        return Response.json(200 if existed else 201, view(found, patched), checks.warnings)

    def _exists(self, found: ResourcePath) -> bool:
        try:
            self.store.get(found.rt, found.namespace, found.name or "", copy=False)
        except ApiError:
            return False
        return True

    def _definitions(self, request: Request, found: ResourcePath) -> Response:
        """CustomResourceDefinitions, made from the registry (the definitions module)."""
        if found.name is not None:
            obj = definitions.find(self.registry, found.name, created=self._started)
            return Response.json(200, render(found, obj, _wanted(request), {}, single=True))
        items = definitions.select(self.registry, created=self._started, **_selectors(request.query))
        meta = {"resourceVersion": str(self.store.resource_version)}
        return Response.json(200, render(found, items, _wanted(request), meta, single=False))

    def _review(self, request: Request, found: ResourcePath) -> Response:
        """A question about the caller (app.sim.apiserver.reviews); created, never stored."""
        review = check_kind(found, decode(request.content_type, request.body))
        user, key = request.user, found.rt.key
        if key == reviews.SELF:
            return Response.json(201, reviews.self_review(user or User("system:apiserver"), self.store.now()))
        if key == reviews.RULES:
            return Response.json(201, reviews.rules_review(self.store, user, review))
        # The access review goes back as it came, with managedFields as any create writes them.
        managed = updated(key, None, review, _writer(request, found), self.store.now(), has_status=True)
        review.setdefault("metadata", {})
        if managed:
            review["metadata"]["managedFields"] = managed
        return Response.json(201, reviews.access_review(self.store, user, review))


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


def _dry_run(query: dict[str, str], verb: str) -> bool:
    value = query.get("dryRun", "")
    return options.dry_run([value] if value else [], verb)


def _delete_options(request: Request) -> dict[str, Any]:
    body = parse(request.body, yaml_ok=False) if request.body.strip() else {}
    given = body if isinstance(body, dict) else {}
    propagation = request.query.get("propagationPolicy") or given.get("propagationPolicy")
    if propagation is None:
        orphan = given.get("orphanDependents", request.query.get("orphanDependents"))
        propagation = "Orphan" if orphan in (True, "true") else "Background"
    dry = given.get("dryRun") or []
    preconditions = given.get("preconditions")
    return {
        "propagation": options.propagation(str(propagation)),
        "dry_run": options.dry_run(
            [str(value) for value in dry] if isinstance(dry, list) else [str(dry)], "delete"
        ),
        "preconditions": preconditions if isinstance(preconditions, dict) else {},
    }


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
    return options.integer(query.get(name, ""))
