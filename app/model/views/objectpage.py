"""One object of any kind the pages list, as its YAML page shows it: which kinds there are (the word in
the page's URL, and where the dashboard finds them), the object fit to show (no managedFields, a
Secret's values and secret-like env values hidden) and the objects it names, each a link to its own page:
its owners, and the ConfigMaps and Secrets its pods mount or read env from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.model.bodies import Obj, as_text, maps, meta, name_of
from app.model.views.masking import masked
from app.model.views.overview import redacted


@dataclass(frozen=True)
class ShownKind:
    """A kind with a YAML page: `slug` is its word in the URL, `group` its API group ("" for core);
    `cached` names the NamespaceObjects field holding it (the watch cache), None when it is read."""

    slug: str
    kind: str
    group: str
    cached: str | None


SHOWN_KINDS = (
    ShownKind("services", "Service", "serving.knative.dev", "services"),
    ShownKind("configurations", "Configuration", "serving.knative.dev", "configurations"),
    ShownKind("revisions", "Revision", "serving.knative.dev", "revisions"),
    ShownKind("routes", "Route", "serving.knative.dev", "routes"),
    ShownKind("ingresses", "Ingress", "networking.internal.knative.dev", "ingresses"),
    ShownKind(
        "serverlessservices", "ServerlessService", "networking.internal.knative.dev", "serverlessservices"
    ),
    ShownKind("podautoscalers", "PodAutoscaler", "autoscaling.internal.knative.dev", "podautoscalers"),
    ShownKind("virtualservices", "VirtualService", "networking.istio.io", "virtualservices"),
    ShownKind("core_services", "Service", "", "core_services"),
    ShownKind("endpoints", "Endpoints", "", "endpoints"),
    ShownKind("pods", "Pod", "", "pods"),
    ShownKind("deployments", "Deployment", "apps", None),
    ShownKind("replicasets", "ReplicaSet", "apps", None),
    ShownKind("configmaps", "ConfigMap", "", None),
    ShownKind("secrets", "Secret", "", None),
)
_BY_SLUG = {k.slug: k for k in SHOWN_KINDS}
_BY_KIND = {(k.group, k.kind): k for k in SHOWN_KINDS}


def shown_kind(slug: str) -> ShownKind | None:
    return _BY_SLUG.get(slug)


def kind_of_reference(api_version: str, kind: str) -> ShownKind | None:
    """The shown kind an ownerReference's apiVersion and kind name, if it has a YAML page."""
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return _BY_KIND.get((group, kind))


@dataclass(frozen=True)
class Reference:
    """An object this one names: `relation` says how ("owner", "mounts", "env from")."""

    relation: str
    kind: str
    slug: str
    name: str


@dataclass(frozen=True)
class ObjectPage:
    """An object's YAML page: `body` is fit to show, `masked` counts the env values hidden in it."""

    namespace: str
    kind: ShownKind
    name: str
    body: dict[str, Any]
    masked: int
    references: tuple[Reference, ...]


def object_page(namespace: str, kind: ShownKind, obj: Obj) -> ObjectPage:
    body, hidden = masked(redacted(obj))
    return ObjectPage(namespace, kind, name_of(obj), body, hidden, tuple(dict.fromkeys(references(obj))))


def references(obj: Obj) -> Iterator[Reference]:
    """The owners, then the ConfigMaps and Secrets the object's pods use, in the object's order."""
    for ref in maps(meta(obj).get("ownerReferences")):
        kind = kind_of_reference(as_text(ref.get("apiVersion")), as_text(ref.get("kind")))
        if kind is not None and as_text(ref.get("name")):
            yield Reference("owner", kind.kind, kind.slug, as_text(ref.get("name")))
    pod = _pod_spec(obj)
    for volume in maps(pod.get("volumes")):
        yield from _volume_sources(volume)
    for container in (*maps(pod.get("initContainers")), *maps(pod.get("containers"))):
        for source in maps(container.get("envFrom")):
            yield from _named("env from", source, ("configMapRef", "secretRef"))
        for env in maps(container.get("env")):
            value_from = env.get("valueFrom")
            if isinstance(value_from, Mapping):
                yield from _named("env from", value_from, ("configMapKeyRef", "secretKeyRef"))


_SOURCE_KINDS = {
    "configMap": "configmaps",
    "configMapRef": "configmaps",
    "configMapKeyRef": "configmaps",
    "secret": "secrets",
    "secretRef": "secrets",
    "secretKeyRef": "secrets",
}


def _volume_sources(volume: Mapping[str, Any]) -> Iterator[Reference]:
    yield from _named("mounts", volume, ("configMap", "secret"))
    projected = volume.get("projected")
    if isinstance(projected, Mapping):
        for source in maps(projected.get("sources")):
            yield from _named("mounts", source, ("configMap", "secret"))


def _named(relation: str, holder: Mapping[str, Any], keys: tuple[str, ...]) -> Iterator[Reference]:
    for key in keys:
        source = holder.get(key)
        if not isinstance(source, Mapping):
            continue
        # A Secret volume names its Secret `secretName`; every other reference says `name`.
        name = as_text(source.get("secretName") if key == "secret" else source.get("name"))
        kind = _BY_SLUG[_SOURCE_KINDS[key]]
        if name:
            yield Reference(relation, kind.kind, kind.slug, name)


def _pod_spec(obj: Obj) -> Mapping[str, Any]:
    """The pod spec of a Pod, or of the template of a Deployment, ReplicaSet or Revision (whose spec
    is itself a pod spec); {} for other kinds."""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return {}
    template = spec.get("template")
    if isinstance(template, Mapping) and isinstance(template.get("spec"), Mapping):
        inner: Mapping[str, Any] = template["spec"]
        return inner
    return spec if "containers" in spec else {}
