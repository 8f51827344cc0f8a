"""lightkube (async client, generic resources) against the cluster through a kubeconfig file.

Knative Services are a generic resource made with `create_namespaced_resource`, core objects come from
lightkube-models. Each flow runs on both backends, the watch across reconnects on the simulator alone.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, TypeVar, cast

import pytest
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube.generic_resource import (
    async_load_in_cluster_generic_resources,
    create_namespaced_resource,
    get_generic_resource,
)
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.core_v1 import ConfigMap, Pod, Service
from lightkube.types import PatchType

from tests.sim.clients.flows import (
    CORE_FLOW_SEEN,
    GROUP,
    MANAGER,
    PLURAL,
    VERSION,
    Target,
    config_map_body,
    ksvc_body,
    pod_body,
    run,
    service_body,
)

KService = create_namespaced_resource(GROUP, VERSION, "Service", PLURAL)
R = TypeVar("R")


def load(kind: type[R], body: dict[str, Any]) -> R:
    """An object of `kind` from JSON data (lightkube annotates from_dict as giving its mixin)."""
    return cast(R, kind.from_dict(body))  # type: ignore[attr-defined]


def connect(target: Target) -> AsyncClient:
    """A client as a user makes one: from the kubeconfig file, in the test's namespace."""
    config = KubeConfig.from_file(target.kubeconfig)
    return AsyncClient(config, namespace=target.namespace, field_manager=MANAGER)


def name_of(obj: Any) -> str:
    name: str = obj.metadata.name
    return name


def as_dict(obj: Any) -> dict[str, Any]:
    """A lightkube object (generic or typed) as plain JSON data."""
    data: dict[str, Any] = obj.to_dict()
    return data


def test_knative_service_get_list_patch_and_apply(target: Target) -> None:
    async def flow() -> dict[str, Any]:
        async with connect(target) as client:
            await client.create(load(KService, ksvc_body("customer", {"app": "shop"})))
            await client.create(load(KService, ksvc_body("other", {"app": "blog"})))
            got = await client.get(KService, "customer")
            listed = [name_of(o) async for o in client.list(KService, labels={"app": "shop"})]
            paged = [name_of(o) async for o in client.list(KService, chunk_size=1)]
            with pytest.raises(ApiError) as missing:
                await client.get(KService, "nobody")
            patched = await client.patch(
                KService,
                "customer",
                {"spec": {"traffic": [{"percent": 100, "latestRevision": True, "tag": "current"}]}},
                patch_type=PatchType.MERGE,
            )
            created = await client.apply(load(KService, ksvc_body("applied", tag="first")))
            changed = await client.apply(load(KService, ksvc_body("applied", tag="second")))
            return {
                "got": as_dict(got),
                "listed": listed,
                "paged": sorted(paged),
                "missing": missing.value.status.code,
                "patched": as_dict(patched),
                "created": as_dict(created),
                "changed": as_dict(changed),
                "stored": as_dict(await client.get(KService, "applied")),
            }

    seen = run(flow)
    assert seen["got"]["metadata"]["labels"] == {"app": "shop"}
    assert seen["got"]["spec"]["template"]["spec"]["containers"][0]["image"].endswith("customer:quarkus")
    assert seen["listed"] == ["customer"]
    assert seen["paged"] == ["customer", "other"]
    assert seen["missing"] == 404
    assert seen["patched"]["spec"]["traffic"][0]["tag"] == "current"
    assert seen["created"]["spec"]["traffic"][0]["tag"] == "first"
    assert seen["changed"]["spec"]["traffic"][0]["tag"] == "second"
    assert seen["stored"]["metadata"]["resourceVersion"] == seen["changed"]["metadata"]["resourceVersion"]


def test_core_objects(target: Target) -> None:
    async def flow() -> dict[str, Any]:
        async with connect(target) as client:
            await client.create(load(ConfigMap, config_map_body("settings", {"app": "shop"}, mode="a")))
            await client.create(load(ConfigMap, config_map_body("unrelated", mode="b")))
            await client.create(load(Service, service_body("front", {"app": "shop"})))
            for name in ("shop-1", "shop-2", "blog-1"):
                await client.create(load(Pod, pod_body(name, {"app": name.split("-")[0]})))
            patched = await client.patch(
                ConfigMap, "settings", {"data": {"mode": "c"}}, patch_type=PatchType.MERGE
            )
            applied = await client.apply(load(ConfigMap, config_map_body("applied", level="1")))
            return {
                "configmap": (await client.get(ConfigMap, "settings")).data,
                "labelled": [name_of(o) async for o in client.list(ConfigMap, labels={"app": "shop"})],
                "patched": patched.data,
                "applied": applied.data,
                "service": as_dict(await client.get(Service, "front"))["spec"]["ports"][0]["port"],
                "services": [name_of(o) async for o in client.list(Service, labels={"app": "shop"})],
                "pods": sorted([name_of(o) async for o in client.list(Pod, labels={"app": "shop"})]),
            }

    seen = run(flow)
    assert seen == CORE_FLOW_SEEN


def test_generic_resources_come_from_the_clusters_definitions(target: Target) -> None:
    """lightkube learns custom kinds from the cluster's CustomResourceDefinitions: listing them must
    work, and each must carry the group, names, scope and served versions the loader reads."""

    async def flow() -> dict[str, Any]:
        async with connect(target) as client:
            found = {name_of(crd): as_dict(crd) async for crd in client.list(CustomResourceDefinition)}
            await async_load_in_cluster_generic_resources(client)
            route = get_generic_resource(f"{GROUP}/{VERSION}", "Route")  # type: ignore[no-untyped-call]
            return {"ksvc": found[f"{PLURAL}.{GROUP}"], "route": route}

    seen = run(flow)
    spec = seen["ksvc"]["spec"]
    assert (spec["group"], spec["scope"]) == (GROUP, "Namespaced")
    assert (spec["names"]["kind"], spec["names"]["plural"]) == ("Service", PLURAL)
    assert any(v["name"] == VERSION and v["served"] and v["storage"] for v in spec["versions"])
    assert seen["route"] is not None and seen["route"].__name__ == "Route"


def test_watch_resumes_after_the_server_ends_it(sim_target: Target) -> None:
    """lightkube watches again from the last resourceVersion it saw when a stream ends without error:
    the change made after the end arrives once, and nothing before it comes again."""

    async def flow() -> list[tuple[str, str, str | None]]:
        async with connect(sim_target) as client:
            await client.create(load(KService, ksvc_body("customer")))
            await client.create(load(ConfigMap, config_map_body("settings", mode="a")))
            seen: list[tuple[str, str, str | None]] = []
            kinds: list[tuple[Any, Callable[[AsyncClient, str], Awaitable[None]]]] = [
                (KService, retag),
                (ConfigMap, remode),
            ]
            for kind, change in kinds:
                listing = client.list(kind)
                names = [name_of(o) async for o in listing]
                assert len(names) == 1
                since = listing.resourceVersion
                await change(client, "one")
                watching = cast(AsyncGenerator[Any], client.watch(kind, resource_version=since))
                async with aclosing(watching) as events:
                    async for kind_of_event, obj in events:
                        seen.append((kind_of_event, name_of(obj), mark(obj)))
                        if mark(obj) == "two":
                            break
                        sim_target.end_watches()
                        await change(client, "two")
            return seen

    assert run(flow) == [
        ("MODIFIED", "customer", "one"),
        ("MODIFIED", "customer", "two"),
        ("MODIFIED", "settings", "one"),
        ("MODIFIED", "settings", "two"),
    ]


async def retag(client: AsyncClient, tag: str) -> None:
    traffic = [{"percent": 100, "latestRevision": True, "tag": tag}]
    await client.patch(KService, "customer", {"spec": {"traffic": traffic}}, patch_type=PatchType.MERGE)


async def remode(client: AsyncClient, mode: str) -> None:
    await client.patch(ConfigMap, "settings", {"data": {"mode": mode}}, patch_type=PatchType.MERGE)


def mark(obj: Any) -> str | None:
    """What the last change wrote: a Knative Service's traffic tag, a ConfigMap's mode."""
    data = as_dict(obj)
    if data["kind"] == "ConfigMap":
        mode: str | None = data["data"]["mode"]
        return mode
    tag: str | None = data["spec"]["traffic"][0].get("tag")
    return tag
