"""Names and hosts Knative Serving and net-istio derive from a Service, Route or Revision.

Pure functions shared by the simulated reconciler (which creates the objects) and the dashboard
(which predicts them): revision names, route and tag hosts from config-domain's templates, the URLs
in a Route's status, and the names of the Kubernetes objects that appear without anyone creating
them. Upstream: knative/serving `pkg/reconciler/{configuration,route}/resources/names`,
`pkg/reconciler/route/domains`, knative/networking `pkg/apis/networking` and net-istio `names`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CLUSTER_DOMAIN = "cluster.local"
LOCAL_DOMAIN = f"svc.{CLUSTER_DOMAIN}"
"""config-domain's default since Knative 1.8, and the domain of every cluster-local route."""
DEFAULT_DOMAIN_TEMPLATE = "{{.Name}}.{{.Namespace}}.{{.Domain}}"
DEFAULT_TAG_TEMPLATE = "{{.Tag}}-{{.Name}}"

VISIBILITY_LABEL = "networking.knative.dev/visibility"
CLUSTER_LOCAL = "cluster-local"


@dataclass(frozen=True)
class DomainConfig:
    """What config-domain and config-network say about hosts (Knative's defaults)."""

    domain: str = LOCAL_DOMAIN
    domain_template: str = DEFAULT_DOMAIN_TEMPLATE
    tag_template: str = DEFAULT_TAG_TEMPLATE


DEFAULT_DOMAIN_CONFIG = DomainConfig()


def revision_name(configuration: str, generation: int, byo_name: str | None = None) -> str:
    """A Revision's name: the template's own ("bring your own") or `<config>-<generation, 5 digits>`."""
    return byo_name or f"{configuration}-{generation:05d}"


def tag_host_name(route: str, tag: str | None, config: DomainConfig = DEFAULT_DOMAIN_CONFIG) -> str:
    """The host name part for a tag (`current-customer`), or the route's name for the default target."""
    if not tag:
        return route
    return config.tag_template.replace("{{.Tag}}", tag).replace("{{.Name}}", route)


def is_cluster_local(labels: Mapping[str, str] | None, config: DomainConfig | None = None) -> bool:
    """Whether a route is reachable only inside the cluster. Serving's visibility resolver takes the
    domain config-domain gives the route's labels: the visibility label picks the cluster's own domain,
    and so does a cluster whose only domain is that default `svc.cluster.local` (no domain set up), so
    such a route gets no ExternalIP rule either. Without `config` only the label is read."""
    if (labels or {}).get(VISIBILITY_LABEL) == CLUSTER_LOCAL:
        return True
    return config is not None and config.domain == LOCAL_DOMAIN


def marks_local(labels: Mapping[str, str] | None) -> bool:
    """Whether a route's or tag's placeholder Service makes that name cluster-local: serving reads the
    visibility label of a placeholder by presence (any non-empty value), while a Route's label must say
    `cluster-local`."""
    return bool((labels or {}).get(VISIBILITY_LABEL))


def external_host(
    route: str, namespace: str, tag: str | None = None, config: DomainConfig = DEFAULT_DOMAIN_CONFIG
) -> str:
    """The host the domain template gives, e.g. `current-customer.labs-1.<domain>`."""
    return (
        config.domain_template.replace("{{.Name}}", tag_host_name(route, tag, config))
        .replace("{{.Namespace}}", namespace)
        .replace("{{.Domain}}", config.domain)
    )


def local_host(
    route: str, namespace: str, tag: str | None = None, config: DomainConfig = DEFAULT_DOMAIN_CONFIG
) -> str:
    """The in-cluster host, e.g. `current-customer.labs-1.svc.cluster.local`."""
    return f"{tag_host_name(route, tag, config)}.{namespace}.{LOCAL_DOMAIN}"


def local_hosts(
    route: str, namespace: str, tag: str | None = None, config: DomainConfig = DEFAULT_DOMAIN_CONFIG
) -> list[str]:
    """The three in-cluster spellings: `<host>.<ns>`, `<host>.<ns>.svc`, `<host>.<ns>.svc.cluster.local`."""
    short = f"{tag_host_name(route, tag, config)}.{namespace}"
    return [short, f"{short}.svc", f"{short}.{LOCAL_DOMAIN}"]


def route_host(
    route: str,
    namespace: str,
    tag: str | None = None,
    config: DomainConfig = DEFAULT_DOMAIN_CONFIG,
    *,
    cluster_local: bool = False,
) -> str:
    """The host in a route's (or tag's) URL: external, or the local one for a cluster-local route (which
    serving renders with the default template and domain, whatever config-domain says)."""
    if cluster_local:
        return local_host(route, namespace, tag, config)
    return external_host(route, namespace, tag, config)


def route_url(
    route: str,
    namespace: str,
    tag: str | None = None,
    config: DomainConfig = DEFAULT_DOMAIN_CONFIG,
    *,
    cluster_local: bool = False,
) -> str:
    """`status.url` of a route, or `status.traffic[].url` of a tag."""
    return "http://" + route_host(route, namespace, tag, config, cluster_local=cluster_local)


def address_url(route: str, namespace: str) -> str:
    """`status.address.url`: always the in-cluster host."""
    return f"http://{local_host(route, namespace)}"


def ingress_virtual_service_name(ingress: str) -> str:
    """Today's net-istio VirtualService for the gateways (named just `<route>` before Knative 0.13:
    KnativeProfile.ingress_virtual_service_name knows which)."""
    return f"{ingress}-ingress"


def mesh_virtual_service_name(ingress: str) -> str:
    """net-istio's VirtualService for sidecars."""
    return f"{ingress}-mesh"


def route_service_name(
    route: str, tag: str | None = None, config: DomainConfig = DEFAULT_DOMAIN_CONFIG
) -> str:
    """The placeholder Service of a route (`customer`) or of one of its tags (`current-customer`)."""
    return tag_host_name(route, tag, config)


def revision_service_names(revision: str) -> tuple[str, str]:
    """The revision's public and private Kubernetes Services (`customer-v3`, `customer-v3-private`)."""
    return revision, f"{revision}-private"


def deployment_name(revision: str) -> str:
    """The Deployment that runs a revision's pods."""
    return f"{revision}-deployment"
