"""kubernetes_asyncio against the cluster through a kubeconfig file.

Knative Services go through CustomObjectsApi, core objects through CoreV1Api. Each flow runs on both
backends, the watch across reconnects on the simulator alone.

Two habits of this client show in the flows, the same on a real server:
- Its generated CustomObjectsApi picks `application/json-patch+json` for a patch body that is a dict
  (the first content type it knows), which any server refuses; a merge patch names its content type.
- It declares only 200 for a custom object's PATCH, so the 201 that answers an apply creating the
  object comes back as None (apiserver's endpoints/handlers/patch.go answers 201 when the patch
  created the object; the simulator does the same).
"""

from __future__ import annotations

from typing import Any

from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client import ApiClient, ApiException

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
    traffic_tags,
)

MERGE: dict[str, Any] = {"_content_type": "application/merge-patch+json"}
APPLY: dict[str, Any] = {"_content_type": "application/apply-patch+yaml", "field_manager": MANAGER}
"""Keyword arguments the generated methods take at run time but leave out of their annotations."""


async def connect(target: Target) -> ApiClient:
    """A client as a user makes one: from the kubeconfig file (closed by `async with`)."""
    api: ApiClient = await config.new_client_from_config(config_file=str(target.kubeconfig))
    return api


def sent(body: dict[str, Any]) -> Any:
    """A body as the generated methods send it: they take plain dicts as well as their models."""
    return body


def names(listing: dict[str, Any]) -> list[str]:
    return sorted(item["metadata"]["name"] for item in listing["items"])


def test_knative_service_get_list_patch_and_apply(target: Target) -> None:
    ns = target.namespace

    async def flow() -> dict[str, Any]:
        async with await connect(target) as api:
            custom = client.CustomObjectsApi(api)
            for name, app in (("customer", "shop"), ("other", "blog")):
                await custom.create_namespaced_custom_object(
                    GROUP, VERSION, ns, PLURAL, ksvc_body(name, {"app": app})
                )
            got = await custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "customer")
            listed = await custom.list_namespaced_custom_object(
                GROUP, VERSION, ns, PLURAL, label_selector="app=shop"
            )
            try:
                await custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "nobody")
                missing = 0
            except ApiException as error:
                missing = error.status
            traffic = [{"percent": 100, "latestRevision": True, "tag": "current"}]
            patched = await custom.patch_namespaced_custom_object(
                GROUP, VERSION, ns, PLURAL, "customer", {"spec": {"traffic": traffic}}, **MERGE
            )
            created = await custom.patch_namespaced_custom_object(
                GROUP, VERSION, ns, PLURAL, "applied", ksvc_body("applied", tag="first"), **APPLY
            )
            first = await custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, "applied")
            changed = await custom.patch_namespaced_custom_object(
                GROUP, VERSION, ns, PLURAL, "applied", ksvc_body("applied", tag="second"), **APPLY
            )
            return {
                "got": got,
                "listed": listed,
                "missing": missing,
                "patched": patched,
                "created": created,
                "first": first,
                "changed": changed,
            }

    seen = run(flow)
    assert seen["got"]["metadata"]["labels"] == {"app": "shop"}
    assert seen["listed"]["kind"] == "ServiceList" and names(seen["listed"]) == ["customer"]
    assert seen["missing"] == 404
    assert traffic_tags(seen["patched"]) == ["current"]
    assert seen["created"] is None  # 201 Created, which the client does not expect for this call
    assert traffic_tags(seen["first"]) == ["first"]
    assert traffic_tags(seen["changed"]) == ["second"]


def test_core_objects(target: Target) -> None:
    ns = target.namespace

    async def flow() -> dict[str, Any]:
        async with await connect(target) as api:
            core = client.CoreV1Api(api)
            await core.create_namespaced_config_map(
                ns, sent(config_map_body("settings", {"app": "shop"}, mode="a"))
            )
            await core.create_namespaced_config_map(ns, sent(config_map_body("unrelated", mode="b")))
            await core.create_namespaced_service(ns, sent(service_body("front", {"app": "shop"})))
            for name in ("shop-1", "shop-2", "blog-1"):
                await core.create_namespaced_pod(ns, sent(pod_body(name, {"app": name.split("-")[0]})))
            patched = await core.patch_namespaced_config_map("settings", ns, {"data": {"mode": "c"}}, **MERGE)
            applied = await core.patch_namespaced_config_map(
                "applied",
                ns,
                config_map_body("applied", level="1"),
                **APPLY,
            )
            got = await core.read_namespaced_config_map("settings", ns)
            labelled = await core.list_namespaced_config_map(ns, label_selector="app=shop")
            service = await core.read_namespaced_service("front", ns)
            services = await core.list_namespaced_service(ns, label_selector="app=shop")
            pods = await core.list_namespaced_pod(ns, label_selector="app=shop")
            return {
                "configmap": got.data,
                "labelled": [i.metadata.name for i in labelled.items],
                "patched": patched.data,
                "applied": applied.data,
                "service": service.spec.ports[0].port,
                "services": [i.metadata.name for i in services.items],
                "pods": sorted(i.metadata.name for i in pods.items),
            }

    seen = run(flow)
    assert seen == CORE_FLOW_SEEN


def test_watch_resumes_after_the_server_ends_it(sim_target: Target) -> None:
    """Watch.stream without timeout_seconds watches again from the last resourceVersion it saw when a
    stream ends: the change made after the end arrives once, and nothing before it comes again."""
    ns = sim_target.namespace

    async def flow() -> list[tuple[str, str, str | None]]:
        seen: list[tuple[str, str, str | None]] = []
        async with await connect(sim_target) as api:
            custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
            await custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, ksvc_body("customer"))
            await core.create_namespaced_config_map(ns, sent(config_map_body("settings", mode="a")))

            async def retag(tag: str) -> None:
                traffic = [{"percent": 100, "latestRevision": True, "tag": tag}]
                await custom.patch_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    ns,
                    PLURAL,
                    "customer",
                    {"spec": {"traffic": traffic}},
                    **MERGE,
                )

            async def remode(mode: str) -> None:
                await core.patch_namespaced_config_map("settings", ns, {"data": {"mode": mode}}, **MERGE)

            listing = await custom.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL)
            await retag("one")
            async with watch.Watch() as w:
                stream = w.stream(
                    custom.list_namespaced_custom_object,
                    GROUP,
                    VERSION,
                    ns,
                    PLURAL,
                    resource_version=listing["metadata"]["resourceVersion"],
                )
                async for event in stream:
                    tag = traffic_tags(event["raw_object"])[0]
                    seen.append((event["type"], event["raw_object"]["metadata"]["name"], tag))
                    if tag == "two":
                        break
                    sim_target.end_watches()
                    await retag("two")

            maps = await core.list_namespaced_config_map(ns)
            await remode("one")
            async with watch.Watch() as w:
                stream = w.stream(
                    core.list_namespaced_config_map, ns, resource_version=maps.metadata.resource_version
                )
                async for event in stream:
                    mode = event["object"].data["mode"]
                    seen.append((event["type"], event["object"].metadata.name, mode))
                    if mode == "two":
                        break
                    sim_target.end_watches()
                    await remode("two")
        return seen

    assert run(flow) == [
        ("MODIFIED", "customer", "one"),
        ("MODIFIED", "customer", "two"),
        ("MODIFIED", "settings", "one"),
        ("MODIFIED", "settings", "two"),
    ]
