"""kr8s (its asyncio API) against the cluster through a kubeconfig file.

Knative Services are a class made with `new_class`, core objects kr8s's own classes. Each flow runs on
both backends, the watch across reconnects on the simulator alone.

Client-side facts the flows work around, the same on a real server:
- kr8s has no apply (an open feature request upstream): server-side apply goes through `call_api`, its
  documented way to any endpoint, with the apply content type and a fieldManager.
- Its Api offers no close: the httpx session it opened is closed by hand, or it leaks a socket.
- A kind given as a short string ("services") resolves to "service/v1", and kr8s's class lookup then
  matches any class of kind Service at version v1 in any group, the Knative class below included: the
  flows pass classes, or kinds with their group ("services.serving.knative.dev").
- `api.watch` ends when the server ends the stream; the caller watches again from the last
  resourceVersion it saw (`since`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from typing import Any

import kr8s.asyncio
import pytest
from kr8s.asyncio.objects import APIObject, ConfigMap, Pod, Service, new_class

from tests.sim.clients.flows import (
    CORE_FLOW_SEEN,
    GROUP,
    KSVC_API_VERSION,
    MANAGER,
    PLURAL,
    Target,
    config_map_body,
    ksvc_body,
    pod_body,
    run,
    service_body,
    traffic_tags,
)

# kr8s 0.20.15 supports Kubernetes 1.28 to 1.35 and warns when it meets any other server, as it does the
# tests' real API server (1.37): a word about the client's support window, not about the server.
pytestmark = pytest.mark.filterwarnings("ignore:Kubernetes version .* is not supported:UserWarning")

KService = new_class("Service", KSVC_API_VERSION, namespaced=True, plural=PLURAL)
APPLY = "application/apply-patch+yaml"


@asynccontextmanager
async def connect(target: Target) -> AsyncIterator[kr8s.asyncio.Api]:
    """An Api as a user makes one, from the kubeconfig file; its session closed at the end."""
    api = await kr8s.asyncio.api(kubeconfig=str(target.kubeconfig), namespace=target.namespace)
    try:
        yield api
    finally:
        if api._session is not None:
            await api._session.aclose()


async def apply(api: kr8s.asyncio.Api, cls: type[APIObject], body: dict[str, Any], ns: str) -> dict[str, Any]:
    """Server-side apply of `body` through kr8s's raw call."""
    async with api.call_api(
        "PATCH",
        version=cls.version,
        namespace=ns,
        url=f"{cls.endpoint}/{body['metadata']['name']}",
        params={"fieldManager": MANAGER},
        headers={"Content-Type": APPLY},
        content=json.dumps(body),
    ) as response:
        answer: dict[str, Any] = response.json()
        return answer


async def make(api: kr8s.asyncio.Api, cls: type[APIObject], body: dict[str, Any], ns: str) -> APIObject:
    obj = cls(body, namespace=ns, api=api)
    await obj.create()
    return obj


async def names(api: kr8s.asyncio.Api, cls: type[APIObject], ns: str, labels: dict[str, str]) -> list[str]:
    found = [o async for o in api.get(cls, namespace=ns, label_selector=labels)]
    return sorted(o.name for o in found if isinstance(o, APIObject))


def test_knative_service_get_list_patch_and_apply(target: Target) -> None:
    ns = target.namespace

    async def flow() -> dict[str, Any]:
        async with connect(target) as api:
            await make(api, KService, ksvc_body("customer", {"app": "shop"}), ns)
            await make(api, KService, ksvc_body("other", {"app": "blog"}), ns)
            got = await KService.get("customer", namespace=ns, api=api)
            listed = await names(api, KService, ns, {"app": "shop"})
            missing = await KService(ksvc_body("nobody"), namespace=ns, api=api).exists()
            traffic = [{"percent": 100, "latestRevision": True, "tag": "current"}]
            await got.patch({"spec": {"traffic": traffic}})
            created = await apply(api, KService, ksvc_body("applied", tag="first"), ns)
            changed = await apply(api, KService, ksvc_body("applied", tag="second"), ns)
            stored = await KService.get("applied", namespace=ns, api=api)
            return {
                "labels": dict(got.labels),
                "listed": listed,
                "missing": missing,
                "patched": got.raw,
                "created": created,
                "changed": changed,
                "stored": stored.raw,
            }

    seen = run(flow)
    assert seen["labels"] == {"app": "shop"}
    assert seen["listed"] == ["customer"]
    assert seen["missing"] is False
    assert traffic_tags(seen["patched"]) == ["current"]
    assert traffic_tags(seen["created"]) == ["first"]
    assert traffic_tags(seen["changed"]) == ["second"]
    assert seen["stored"]["metadata"]["resourceVersion"] == seen["changed"]["metadata"]["resourceVersion"]


def test_core_objects(target: Target) -> None:
    ns = target.namespace

    async def flow() -> dict[str, Any]:
        async with connect(target) as api:
            settings = await make(api, ConfigMap, config_map_body("settings", {"app": "shop"}, mode="a"), ns)
            await make(api, ConfigMap, config_map_body("unrelated", mode="b"), ns)
            await make(api, Service, service_body("front", {"app": "shop"}), ns)
            for name in ("shop-1", "shop-2", "blog-1"):
                await make(api, Pod, pod_body(name, {"app": name.split("-")[0]}), ns)
            await settings.patch({"data": {"mode": "c"}})
            applied = await apply(api, ConfigMap, config_map_body("applied", level="1"), ns)
            got = await ConfigMap.get("settings", namespace=ns, api=api)
            service = await Service.get("front", namespace=ns, api=api)
            return {
                "configmap": got.raw["data"],
                "labelled": await names(api, ConfigMap, ns, {"app": "shop"}),
                "patched": settings.raw["data"],
                "applied": applied["data"],
                "service": service.raw["spec"]["ports"][0]["port"],
                "services": await names(api, Service, ns, {"app": "shop"}),
                "pods": await names(api, Pod, ns, {"app": "shop"}),
            }

    seen = run(flow)
    assert seen == CORE_FLOW_SEEN


def test_watch_resumes_after_the_server_ends_it(sim_target: Target) -> None:
    """A kr8s watch ends with its stream; watching again from the last resourceVersion seen brings the
    change made in between, and nothing before it."""
    ns = sim_target.namespace

    async def flow() -> list[tuple[str, str, str | None]]:
        seen: list[tuple[str, str, str | None]] = []
        async with connect(sim_target) as api:
            customer = await make(api, KService, ksvc_body("customer"), ns)
            settings = await make(api, ConfigMap, config_map_body("settings", mode="a"), ns)

            async def retag(tag: str) -> None:
                await customer.patch(
                    {"spec": {"traffic": [{"percent": 100, "latestRevision": True, "tag": tag}]}}
                )

            async def remode(mode: str) -> None:
                await settings.patch({"data": {"mode": mode}})

            def tag_of(obj: APIObject) -> str | None:
                return traffic_tags(obj.raw)[0]

            def mode_of(obj: APIObject) -> str | None:
                mode: str = obj.raw["data"]["mode"]
                return mode

            # Watches name their kind as a string, the way kr8s annotates them.
            cases: list[tuple[str, APIObject, Callable[[str], Awaitable[None]], Any]] = [
                (f"{PLURAL}.{GROUP}", customer, retag, tag_of),
                ("configmaps", settings, remode, mode_of),
            ]
            for kind, obj, change, mark in cases:
                since = obj.metadata.resourceVersion
                await change("one")
                async with aclosing(api.watch(kind, namespace=ns, since=since)) as events:
                    async for kind_of_event, got in events:
                        seen.append((kind_of_event, got.name, mark(got)))
                        since = got.metadata.resourceVersion
                        sim_target.end_watches()
                await change("two")
                async with aclosing(api.watch(kind, namespace=ns, since=since)) as events:
                    async for kind_of_event, got in events:
                        seen.append((kind_of_event, got.name, mark(got)))
                        break
        return seen

    assert run(flow) == [
        ("MODIFIED", "customer", "one"),
        ("MODIFIED", "customer", "two"),
        ("MODIFIED", "settings", "one"),
        ("MODIFIED", "settings", "two"),
    ]
