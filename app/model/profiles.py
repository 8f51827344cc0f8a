"""Knative releases as data: what a cluster's Knative Serving and its ingress write, per release.

A profile is chosen once (the scenario's, or `--knative` on the command line) and passed to every
function whose output differs between releases; nothing else asks which release it runs.

- `current`: Knative Serving 1.23 (knative/serving tag knative-v1.23.0, module knative.dev/serving
  v0.50.0) with net-istio knative-v1.22.0, whose `pkg/` is unchanged on its 1.23 development head,
  and knative/networking of the same months. Every shape was read from those sources.
- `seed`: what the lab text in the seed shows (a Knative of the 0.1x era): the `<route>`
  VirtualService with route-level probe hash, 3 x 600s retries, a 600s timeout and websocket upgrade,
  `cluster-local-gateway`, and `serving.knative.dev/v1alpha1` served beside v1; everything the lab
  does not show is as `current`.
- `with_ingress(profile, KOURIER)`: the same release on a cluster without Istio (Kourier, as
  OpenShift Serverless ships it): no VirtualServices exist and the KIngress is the networking truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from app.model.naming import LOCAL_DOMAIN

ISTIO = "istio.ingress.networking.knative.dev"
KOURIER = "kourier.ingress.networking.knative.dev"
INGRESS_CLASSES = {"istio": ISTIO, "kourier": KOURIER}
"""The command line's short names for the ingress classes."""


@dataclass(frozen=True)
class IngressGateways:
    """Where an ingress class receives traffic: the Istio gateways its VirtualServices bind to (none
    for Kourier), and the in-cluster Services the KIngress status names as load balancers."""

    external: str
    """The gateway of external hosts (`<namespace>/<name>`; "" without Istio)."""
    local: str
    """The gateway of cluster-local hosts."""
    public_service: str
    """`status.publicLoadBalancer.ingress[0].domainInternal` of a ready KIngress."""
    private_service: str
    """`status.privateLoadBalancer...`: the placeholder Services point their ExternalName here."""


ISTIO_GATEWAYS = IngressGateways(
    external="knative-serving/knative-ingress-gateway",
    local="knative-serving/knative-local-gateway",
    public_service=f"istio-ingressgateway.istio-system.{LOCAL_DOMAIN}",
    private_service=f"knative-local-gateway.istio-system.{LOCAL_DOMAIN}",
)
SEED_ISTIO_GATEWAYS = replace(
    ISTIO_GATEWAYS,
    # Knative renamed the local gateway in 0.20; the seed's VirtualService still names the old one.
    local="knative-serving/cluster-local-gateway",
)
KOURIER_GATEWAYS = IngressGateways(
    external="",
    local="",
    public_service=f"kourier.kourier-system.{LOCAL_DOMAIN}",
    private_service=f"kourier-internal.kourier-system.{LOCAL_DOMAIN}",
)


@dataclass(frozen=True)
class KnativeProfile:
    """Everything that differs between the Knative releases the simulator reproduces."""

    name: str
    release: str
    """The upstream release(s) reproduced, for people and logs."""
    serving_versions: tuple[str, ...]
    """The versions `serving.knative.dev` is served at, storage version first."""
    ingress_class: str = ISTIO
    gateways: IngressGateways = ISTIO_GATEWAYS
    virtual_service_version: str = "v1beta1"
    """The version net-istio writes its VirtualServices at (it has used v1beta1 since 1.11)."""
    virtual_service_versions: tuple[str, ...] = ("v1", "v1beta1", "v1alpha3")
    """The versions Istio serves VirtualServices at, preferred first (v1 since Istio 1.22; the seed's
    Istio served v1alpha3 alone, which is why the lab's YAML reads `networking.istio.io/v1alpha3`)."""
    ingress_virtual_service_suffix: str = "-ingress"
    """`<route>-ingress` since Knative 0.13; before, the gateways' VirtualService was `<route>`."""
    probe_routes: bool = True
    """networking's InsertProbe (0.18+): every KIngress path gets a probe copy before it, matching
    `K-Network-Hash: override` and setting the hash; the normal route carries no hash. False: the
    hash header is added on every route, and one http route serves a name's external and local hosts."""
    route_per_visibility: bool = True
    """One http route per KIngress rule (cluster-local and external separately); False: one per name."""
    header_operation: str = "set"
    """The Istio header operation for the headers net-istio adds (`set`; the seed's era used `add`)."""
    retries: dict[str, Any] = field(default_factory=dict)
    """Each http route's `retries` (`{}` turns Istio's default retries off)."""
    timeout: str | None = None
    websocket_upgrade: bool = False
    hash_hex_digits: int = 64
    """Length of the probe hash: a whole sha256 now, 32 hex digits in the seed."""
    virtual_service_route_labels: bool = False
    """The seed's VirtualServices carry `serving.knative.dev/route` and `routeNamespace`; net-istio
    now copies the KIngress labels without those two and adds `networking.internal.knative.dev/ingress`."""
    rollout_annotation: bool = True
    """Gradual rollouts (`serving.knative.dev/rollout-duration`, 0.20+): the KIngress carries their state
    in `networking.internal.knative.dev/rollout`. False: no such annotation, and a new latest revision
    takes its target's traffic at once whatever the duration says."""
    tag_to_host_annotation: bool = True
    """The KIngress carries `networking.internal.knative.dev/tag-to-host` (1.22+)."""
    external_rule_per_host: bool = True
    """One ExternalIP KIngress rule per external host (1.21+)."""
    serverless_services: bool = True
    """Revisions get a PodAutoscaler and a ServerlessService, which owns their Services and the public
    Endpoints; False: the Revision owns its Services directly."""

    @property
    def istio(self) -> bool:
        """Whether net-istio programs VirtualServices (False: Kourier or another class)."""
        return self.ingress_class == ISTIO

    @property
    def served_virtual_service_versions(self) -> tuple[str, ...]:
        """The VirtualService versions this cluster serves (none without Istio)."""
        return self.virtual_service_versions if self.istio else ()

    @property
    def virtual_service_api_version(self) -> str:
        return f"networking.istio.io/{self.virtual_service_version}"

    def ingress_virtual_service_name(self, ingress: str) -> str:
        """The gateways' VirtualService of a KIngress."""
        return f"{ingress}{self.ingress_virtual_service_suffix}"

    def mesh_virtual_service_name(self, ingress: str) -> str:
        """The sidecars' VirtualService of a KIngress."""
        return f"{ingress}-mesh"


CURRENT = KnativeProfile(
    name="current",
    release="Knative Serving 1.23.0 (knative.dev/serving v0.50.0) with net-istio 1.22.0 (1.23 head)",
    serving_versions=("v1",),
)
SEED = replace(
    CURRENT,
    name="seed",
    release="the seed lab's Knative (serving.knative.dev/v1alpha1 era, VirtualService `<route>`)",
    serving_versions=("v1", "v1alpha1"),
    gateways=SEED_ISTIO_GATEWAYS,
    virtual_service_version="v1alpha3",
    virtual_service_versions=("v1alpha3",),
    ingress_virtual_service_suffix="",
    probe_routes=False,
    route_per_visibility=False,
    header_operation="add",
    retries={"attempts": 3, "perTryTimeout": "600s"},
    timeout="600s",
    websocket_upgrade=True,
    hash_hex_digits=32,
    virtual_service_route_labels=True,
    rollout_annotation=False,
    tag_to_host_annotation=False,
)
PROFILES = {profile.name: profile for profile in (CURRENT, SEED)}


def with_ingress(profile: KnativeProfile, ingress_class: str) -> KnativeProfile:
    """The same release with another ingress class (Kourier: no VirtualServices, its own gateways)."""
    if ingress_class == profile.ingress_class:
        return profile
    gateways = KOURIER_GATEWAYS if ingress_class == KOURIER else ISTIO_GATEWAYS
    return replace(profile, ingress_class=ingress_class, gateways=gateways)


def profile_named(name: str, ingress: str | None = None) -> KnativeProfile:
    """A profile by its command-line name (`current`, `seed`) and ingress (`istio`, `kourier`, or a
    class); ValueError naming the choices for an unknown one."""
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown Knative profile {name!r}: choose one of {', '.join(PROFILES)}") from None
    if ingress is None:
        return profile
    ingress_class = INGRESS_CLASSES.get(ingress, ingress)
    if ingress_class not in INGRESS_CLASSES.values():
        raise ValueError(f"unknown ingress {ingress!r}: choose one of {', '.join(INGRESS_CLASSES)}")
    return with_ingress(profile, ingress_class)
