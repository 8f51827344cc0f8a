"""The structural schemas of the custom resources the simulator serves, written down as facts.

Facts about Knative Serving 1.23's CRDs (knative.dev/serving's config/core/300-resources) and Istio's
networking CRDs (istio.io/api's kubernetes/customresourcedefinitions.gen.yaml): the types, required
fields, list types and preserve-unknown markers the real API server prunes and validates with, and
the descriptions `kubectl explain` shows for the fields people read. Deep parts nobody writes by
hand (probes, security contexts, Istio's match rules...) are marked open: kept as given, unchecked.
A real-marked test compares every fact here with the CRDs in the Go module cache, so a new release
that changes them is noticed; the simulator itself never reads the module cache.

Knative's internal networking kinds (Ingress, ServerlessService, Certificate) have no entry: their
CRDs are not published as a module, and the real test cluster serves them with schemas that keep
every field, as the simulator does.
"""

from __future__ import annotations

from typing import Any

from app.sim.storage import resources
from app.sim.storage.structural import ARRAY, BOOLEAN, INTEGER, OBJECT, STRING, Schema


def obj(
    description: str = "",
    *,
    required: tuple[str, ...] = (),
    preserve: bool = False,
    map_type: str = "",
    **properties: Schema,
) -> Schema:
    """An object with these properties (and, with `preserve`, any others kept as given)."""
    return Schema(
        OBJECT,
        description,
        properties=properties,
        required=required,
        preserve=preserve,
        map_type=map_type,
    )


def opened(description: str = "", *, preserve: bool = False, map_type: str = "") -> Schema:
    """An object the facts do not go into (see `Schema.open`)."""
    return Schema(OBJECT, description, preserve=preserve, map_type=map_type, open=True)


def arr(items: Schema, description: str = "", *, list_type: str = "", keys: tuple[str, ...] = ()) -> Schema:
    return Schema(ARRAY, description, items=items, list_type=list_type, list_keys=keys)


def text(description: str = "", **options: Any) -> Schema:
    return Schema(STRING, description, **options)


def integer(fmt: str, description: str = "", **options: Any) -> Schema:
    return Schema(INTEGER, description, format=fmt, **options)


def boolean(description: str = "") -> Schema:
    return Schema(BOOLEAN, description)


def string_map(description: str = "", *, map_type: str = "") -> Schema:
    return Schema(OBJECT, description, additional=text(), map_type=map_type)


def _root(description: str, spec: Schema, status: Schema) -> Schema:
    return obj(
        description,
        apiVersion=text(API_VERSION),
        kind=text(KIND),
        metadata=Schema(OBJECT),
        spec=spec,
        status=status,
    )


API_VERSION = (
    "APIVersion defines the versioned schema of this representation of an object.\n"
    "Servers should convert recognized schemas to the latest internal value, and\n"
    "may reject unrecognized values.\n"
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
)
KIND = (
    "Kind is a string value representing the REST resource this object represents.\n"
    "Servers may infer this from the endpoint the client submits requests to.\n"
    "Cannot be updated.\n"
    "In CamelCase.\n"
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)

# --- Knative Serving -------------------------------------------------------------------------------

_ENV = obj(
    required=("name",),
    name=text(),
    value=text(),
    valueFrom=opened(),
)
_CONTAINER = obj(
    args=arr(text(), list_type="atomic"),
    command=arr(text(), list_type="atomic"),
    env=arr(_ENV, list_type="map", keys=("name",)),
    envFrom=arr(opened(), list_type="atomic"),
    image=text(),
    imagePullPolicy=text(),
    livenessProbe=opened(),
    name=text(),
    ports=arr(obj(containerPort=integer("int32"), name=text(), protocol=text())),
    readinessProbe=opened(),
    resources=obj(limits=opened(), requests=opened()),
    securityContext=opened(),
    startupProbe=opened(),
    terminationMessagePath=text(),
    terminationMessagePolicy=text(),
    volumeMounts=arr(
        obj(
            required=("mountPath", "name"),
            mountPath=text(),
            mountPropagation=text(),
            name=text(),
            readOnly=boolean(),
            subPath=text(),
        ),
        list_type="map",
        keys=("mountPath",),
    ),
    workingDir=text(),
)
REVISION_SPEC = obj(
    "RevisionSpec holds the desired state of the Revision (from the client).",
    required=("containers",),
    affinity=opened(preserve=True),
    automountServiceAccountToken=boolean(),
    containerConcurrency=integer("int64"),
    containers=arr(_CONTAINER),
    dnsConfig=opened(preserve=True),
    dnsPolicy=text(),
    enableServiceLinks=boolean(),
    hostAliases=arr(opened(preserve=True)),
    hostIPC=boolean(),
    hostNetwork=boolean(),
    hostPID=boolean(),
    idleTimeoutSeconds=integer("int64"),
    imagePullSecrets=arr(opened(map_type="atomic"), list_type="map", keys=("name",)),
    initContainers=arr(opened(preserve=True)),
    nodeSelector=string_map(map_type="atomic"),
    priorityClassName=text(),
    responseStartTimeoutSeconds=integer("int64"),
    runtimeClassName=text(),
    schedulerName=text(),
    securityContext=opened(preserve=True),
    serviceAccountName=text(),
    shareProcessNamespace=boolean(),
    timeoutSeconds=integer("int64"),
    tolerations=arr(opened(preserve=True)),
    topologySpreadConstraints=arr(opened(preserve=True)),
    volumes=arr(Schema(OBJECT, required=("name",), open=True), list_type="map", keys=("name",)),
)
TEMPLATE_METADATA = obj(
    preserve=True,
    annotations=string_map(),
    finalizers=arr(text()),
    labels=string_map(),
    name=text(),
    namespace=text(),
)
TEMPLATE = obj(
    "Template holds the latest specification for the Revision to be stamped out.",
    metadata=TEMPLATE_METADATA,
    spec=REVISION_SPEC,
)
TRAFFIC_TARGET = obj(
    "TrafficTarget holds a single entry of the routing table for a Route.",
    configurationName=text(
        "ConfigurationName of a configuration to whose latest revision we will send\n"
        'this portion of traffic. When the "status.latestReadyRevisionName" of the\n'
        "referenced configuration changes, we will automatically migrate traffic\n"
        'from the prior "latest ready" revision to the new one.  This field is never\n'
        "set in Route's status, only its spec.  This is mutually exclusive with\n"
        "RevisionName."
    ),
    latestRevision=boolean(
        "LatestRevision may be optionally provided to indicate that the latest\n"
        "ready Revision of the Configuration should be used for this traffic\n"
        "target.  When provided LatestRevision must be true if RevisionName is\n"
        "empty; it must be false when RevisionName is non-empty."
    ),
    percent=integer(
        "int64",
        "Percent indicates that percentage based routing should be used and\n"
        "the value indicates the percent of traffic that is be routed to this\n"
        "Revision or Configuration. `0` (zero) mean no traffic, `100` means all\n"
        "traffic.\n"
        "When percentage based routing is being used the follow rules apply:\n"
        "- the sum of all percent values must equal 100\n"
        "- when not specified, the implied value for `percent` is zero for\n"
        "  that particular Revision or Configuration",
    ),
    revisionName=text(
        "RevisionName of a specific revision to which to send this portion of\n"
        "traffic.  This is mutually exclusive with ConfigurationName."
    ),
    tag=text("Tag is optionally used to expose a dedicated url for referencing\nthis target exclusively."),
    url=text(
        "URL displays the URL for accessing named traffic targets. URL is displayed in\n"
        "status, and is disallowed on spec. URL must contain a scheme (e.g. http://) and\n"
        "a hostname, but may not contain anything else (e.g. basic auth, url path, etc.)"
    ),
)
TRAFFIC = arr(
    TRAFFIC_TARGET,
    "Traffic specifies how to distribute traffic over a collection of\nrevisions and configurations.",
)

KNATIVE_SERVICE = _root(
    "Service acts as a top-level container that manages a Route and Configuration\n"
    "which implement a network service. Service exists to provide a singular\n"
    "abstraction which can be access controlled, reasoned about, and which\n"
    "encapsulates software lifecycle decisions such as rollout policy and\n"
    "team resource ownership. Service acts only as an orchestrator of the\n"
    "underlying Routes and Configurations (much as a kubernetes Deployment\n"
    "orchestrates ReplicaSets), and its usage is optional but recommended.\n"
    "\n"
    "The Service's controller will track the statuses of its owned Configuration\n"
    "and Route, reflecting their statuses and conditions as its own.\n"
    "\n"
    "See also: https://github.com/knative/serving/blob/main/docs/spec/overview.md#service",
    obj(
        "ServiceSpec represents the configuration for the Service object.\n"
        "A Service's specification is the union of the specifications for a Route\n"
        "and Configuration.  The Service restricts what can be expressed in these\n"
        "fields, e.g. the Route must reference the provided Configuration;\n"
        "however, these limitations also enable friendlier defaulting,\n"
        "e.g. Route never needs a Configuration name, and may be defaulted to\n"
        'the appropriate "run latest" spec.',
        template=TEMPLATE,
        traffic=TRAFFIC,
    ),
    opened("ServiceStatus represents the Status stanza of the Service resource."),
)
CONFIGURATION = _root(
    'Configuration represents the "floating HEAD" of a linear history of Revisions.\n'
    "Users create new Revisions by updating the Configuration's spec.\n"
    'The "latest created" revision\'s name is available under status, as is the\n'
    '"latest ready" revision\'s name.\n'
    "See also: https://github.com/knative/serving/blob/main/docs/spec/overview.md#configuration",
    obj(
        "ConfigurationSpec holds the desired state of the Configuration (from the client).",
        template=TEMPLATE,
    ),
    opened(),
)
REVISION = _root(
    "Revision is an immutable snapshot of code and configuration.  A revision\n"
    "references a container image. Revisions are created by updates to a\n"
    "Configuration.\n"
    "\n"
    "See also: https://github.com/knative/serving/blob/main/docs/spec/overview.md#revision",
    REVISION_SPEC,
    opened(),
)
ROUTE = _root(
    "Route is responsible for configuring ingress over a collection of Revisions.\n"
    "Some of the Revisions a Route distributes traffic over may be specified by\n"
    "referencing the Configuration responsible for creating them; in these cases\n"
    "the Route is additionally responsible for monitoring the Configuration for\n"
    '"latest ready revision" changes, and smoothly rolling out latest revisions.\n'
    "See also: https://github.com/knative/serving/blob/main/docs/spec/overview.md#route",
    obj("Spec holds the desired state of the Route (from the client).", traffic=TRAFFIC),
    opened("Status communicates the observed state of the Route (from the controller)."),
)
POD_AUTOSCALER = _root(
    "",
    obj(
        "Spec holds the desired state of the PodAutoscaler (from the client).",
        required=("protocolType", "scaleTargetRef"),
        containerConcurrency=integer("int64"),
        protocolType=text(),
        reachability=text(),
        scaleTargetRef=obj(map_type="atomic", apiVersion=text(), kind=text(), name=text()),
    ),
    opened(),
)

# --- Istio ----------------------------------------------------------------------------------------

_HTTP_ROUTE = obj(
    corsPolicy=opened(),
    delegate=opened(),
    directResponse=Schema(OBJECT, required=("status",), open=True),
    fault=opened(),
    headers=opened(),
    match=arr(opened()),
    mirror=Schema(OBJECT, required=("host",), open=True),
    mirror_percent=integer("", nullable=True),
    mirrorPercent=integer("", nullable=True),
    mirrorPercentage=opened(),
    mirrors=arr(opened()),
    name=text(),
    redirect=opened(),
    retries=opened(),
    rewrite=opened(),
    route=arr(opened()),
    timeout=text(),
)
VIRTUAL_SERVICE = obj(
    spec=obj(
        "Configuration affecting label/content routing, sni routing, etc. See more details at: "
        "https://istio.io/docs/reference/config/networking/virtual-service.html",
        exportTo=arr(text(), "A list of namespaces to which this virtual service is exported."),
        gateways=arr(text(), "The names of gateways and sidecars that should apply these routes."),
        hosts=arr(text(), "The destination hosts to which traffic is being sent."),
        http=arr(_HTTP_ROUTE, "An ordered list of route rules for HTTP traffic."),
        tcp=arr(
            obj(match=arr(opened()), route=arr(opened())),
            "An ordered list of route rules for opaque TCP traffic.",
        ),
        tls=arr(
            obj(required=("match",), match=arr(opened()), route=arr(opened())),
            "An ordered list of route rule for non-terminated TLS & HTTPS traffic.",
        ),
    ),
    status=opened(preserve=True),
)
"""Istio's networking CRDs publish only spec and status at the root (no apiVersion, kind, metadata)."""

RULED_KINDS = frozenset({resources.VIRTUAL_SERVICES})
"""Kinds whose schema holds CEL rules (x-kubernetes-validations) somewhere: Istio's timeouts and
durations. The simulator does not run them, but a real server says when errors kept it from it."""

SCHEMAS: dict[str, Schema] = {
    resources.KNATIVE_SERVICES: KNATIVE_SERVICE,
    resources.CONFIGURATIONS: CONFIGURATION,
    resources.REVISIONS: REVISION,
    resources.ROUTES: ROUTE,
    resources.POD_AUTOSCALERS: POD_AUTOSCALER,
    resources.VIRTUAL_SERVICES: VIRTUAL_SERVICE,
}
"""Schema of each custom resource the simulator validates, by registry key (every served version)."""


def schema_for(rt_key: str) -> Schema | None:
    """The structural schema of a kind, or None when the simulator keeps its objects as given."""
    return SCHEMAS.get(rt_key)
