"""View models: what the dashboard shows, built from one namespace's cached objects.

Pure functions over plain object dicts (read-only by contract); the caller passes `now`. Every field is
plain text or numbers, so templates, SSE payloads and the JSON API render the same rows. One module
per thing shown; this package re-exports their public names.
"""

from __future__ import annotations

from app.model.views.ages import age, human_duration
from app.model.views.backends import BackendView, EndpointAddress, service_backends
from app.model.views.clipping import Clipped, clip, size_text
from app.model.views.colours import (
    PALETTE_SIZE,
    colour_index,
    colour_of,
    revision_colours,
    revision_generation,
)
from app.model.views.conditions import ConditionView, ObjectConditions, Readiness, conditions_of, readiness
from app.model.views.core_services import (
    CoreServiceGroup,
    CoreServiceRow,
    CoreServicesView,
    core_service_groups,
    core_service_row,
    core_services_view,
    port_text,
)
from app.model.views.istio import (
    DestinationView,
    HttpRouteView,
    MatchView,
    VirtualServiceView,
    is_probe_route,
    virtual_service_view,
)
from app.model.views.kingress import (
    IngressRuleView,
    KIngressView,
    RolloutEntry,
    SplitView,
    kingress_view,
    rollout_entries,
)
from app.model.views.knative import (
    RevisionRow,
    RouteView,
    ServiceRow,
    env_text,
    is_version_var,
    revision_order,
    revision_row,
    route_view,
    service_row,
)
from app.model.views.masking import masked, masked_value, secret_like
from app.model.views.memo import RowMemo
from app.model.views.overview import (
    HIDDEN,
    OVERVIEW_PARTS,
    ConnectionView,
    NamespaceOverview,
    NamespaceSummary,
    RelatedObject,
    ServiceView,
    namespace_overview,
    namespace_summary,
    partial_overview,
    redacted,
    service_scope,
    service_view,
)
from app.model.views.owners import OwnerLink, controller_ref, index_by_uid, owner_chain, owner_steps
from app.model.views.pods import PodGroup, PodRow, pod_groups, pod_row, pod_status
from app.model.views.splits import (
    RevisionTraffic,
    TargetView,
    traffic_by_revision,
    traffic_differs,
    traffic_targets,
)

__all__ = [
    "HIDDEN",
    "OVERVIEW_PARTS",
    "PALETTE_SIZE",
    "BackendView",
    "Clipped",
    "ConditionView",
    "ConnectionView",
    "CoreServiceGroup",
    "CoreServiceRow",
    "CoreServicesView",
    "DestinationView",
    "EndpointAddress",
    "HttpRouteView",
    "IngressRuleView",
    "KIngressView",
    "MatchView",
    "NamespaceOverview",
    "NamespaceSummary",
    "ObjectConditions",
    "OwnerLink",
    "PodGroup",
    "PodRow",
    "Readiness",
    "RelatedObject",
    "RevisionRow",
    "RevisionTraffic",
    "RolloutEntry",
    "RouteView",
    "RowMemo",
    "ServiceRow",
    "ServiceView",
    "SplitView",
    "TargetView",
    "VirtualServiceView",
    "age",
    "clip",
    "colour_index",
    "colour_of",
    "conditions_of",
    "controller_ref",
    "core_service_groups",
    "core_service_row",
    "core_services_view",
    "env_text",
    "human_duration",
    "index_by_uid",
    "is_probe_route",
    "is_version_var",
    "kingress_view",
    "masked",
    "masked_value",
    "namespace_overview",
    "namespace_summary",
    "owner_chain",
    "owner_steps",
    "partial_overview",
    "pod_groups",
    "pod_row",
    "pod_status",
    "port_text",
    "readiness",
    "redacted",
    "revision_colours",
    "revision_generation",
    "revision_order",
    "revision_row",
    "rollout_entries",
    "route_view",
    "secret_like",
    "service_backends",
    "service_row",
    "service_scope",
    "service_view",
    "size_text",
    "traffic_by_revision",
    "traffic_differs",
    "traffic_targets",
    "virtual_service_view",
]
