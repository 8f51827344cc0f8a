"""The namespace page, the Service page and the explain view on each cluster shape the dashboard must show
cleanly (tests/plugins/knative.py KNATIVE_SHAPES): the lab's own Knative (`seed`), Knative Serving 1.23
with net-istio 1.22 (`current`) and the same release with Kourier (`kourier`), each built by the
simulator from its profile (app/model/profiles.py), read through the official client as the truth."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
from kubernetes.client import ApiClient, CoreV1Api, CustomObjectsApi
from kubernetes.client.exceptions import ApiException

from app.kube.config import load_api_client
from app.model.explain import KINGRESS_COLUMN
from app.sim.building import build_cluster
from tests.plugins.knative import FAST_WORKLOADS, TEST_SETTINGS
from tests.plugins.sim import official_client
from tests.support.serving import Dashboard, serve
from tests.support.waiting import until_passes
from tests.web.cluster import NS, core_service_names, kingress_names, knative_service, patch_service
from tests.web.markup import row_names, section
from tests.web.test_events import EventReader
from tests.web.test_pages import assert_no_banners

INTERNAL = "networking.internal.knative.dev"


def get(dashboard: Dashboard, path: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=dashboard.url, timeout=20) as client:
        return client.get(path, headers=headers)


def virtual_services(api: ApiClient) -> list[dict[str, Any]]:
    """The VirtualServices the cluster holds; none where no version of the kind is served (Kourier)."""
    for version in ("v1", "v1beta1", "v1alpha3"):
        try:
            listing = CustomObjectsApi(api).list_namespaced_custom_object(
                "networking.istio.io", version, NS, "virtualservices"
            )
        except ApiException as exc:
            if exc.status == 404:
                continue
            raise
        return sorted(cast(dict[str, Any], listing)["items"], key=lambda o: str(o["metadata"]["name"]))
    return []


def is_probe(route: dict[str, Any]) -> bool:
    return any(m.get("headers", {}).get("K-Network-Hash") == {"exact": "override"} for m in route["match"])


def test_namespace_page_shows_the_shapes_networking(
    knative_shape: str, shaped_api: ApiClient, shaped_dashboard: Dashboard
) -> None:
    """Whatever the shape: no banner, the KIngress section lists the cluster's KIngresses, and the
    VirtualServices section lists the cluster's VirtualServices with their probe routes counted and put
    in a closed disclosure (net-istio `virtual_service.go`, networking `InsertProbe`: a probe route
    before each route since networking 0.18, none in the seed), or is absent where no Istio runs."""
    response = get(shaped_dashboard, f"/namespaces/{NS}")
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    page = response.text
    assert_no_banners(page)
    kingresses = section(page, "ingresses")
    assert row_names(kingresses, "article") == kingress_names(shaped_api)
    customer = re.search(r'<article class="kingress" data-name="customer".*?</article>', kingresses, re.S)
    assert customer is not None
    rules = len(re.findall(r"<tr data-rule=", customer.group(0)))
    # The lab has three target names plus the route's: seed one ExternalIP rule per name, today one per host.
    assert rules == 8
    vs_section = section(page, "virtualservices")
    truth = virtual_services(shaped_api)
    if knative_shape == "kourier":
        assert truth == [] and vs_section == ""
        assert 'data-no-istio="true"' in kingresses and "kourier.ingress.networking.knative.dev" in kingresses
        assert "<dt>VirtualServices</dt>" not in section(page, "summary")
        return
    assert 'data-no-istio="true"' not in kingresses
    assert row_names(vs_section, "article") == [str(v["metadata"]["name"]) for v in truth]
    for vs in truth:
        name = vs["metadata"]["name"]
        article = re.search(
            rf'<article class="vs" data-name="{name}" data-probes="(\d+)">(.*?)</article>', vs_section, re.S
        )
        assert article is not None, name
        probes = [r for r in vs["spec"]["http"] if is_probe(r)]
        assert int(article.group(1)) == len(probes), name
        normal, _, folded = article.group(2).partition('<details class="probes"')
        assert len(re.findall(r"<tr data-index=", normal)) == len(vs["spec"]["http"]) - len(probes), name
        assert len(re.findall(r'<tr data-index="\d+" data-probe="true">', folded)) == len(probes), name
    if knative_shape == "current":
        ingress = next(v for v in truth if v["metadata"]["name"] == "customer-ingress")
        assert (
            len(ingress["spec"]["http"]) == 16
        )  # tests/sim/knative/test_profiles.py checks the shape itself
        assert "8 routes + 8 probe routes" in vs_section
    else:
        assert '<details class="probes"' not in vs_section


def test_revision_services_show_their_owner_chain_and_endpoints(
    knative_shape: str, shaped_api: ApiClient, shaped_dashboard: Dashboard
) -> None:
    """knative/serving: a revision's Services are owned by its ServerlessService
    (`pkg/reconciler/serverlessservice/resources/services.go`), which its PodAutoscaler owns
    (`pkg/reconciler/autoscaling/kpa/resources/sks.go`), which the Revision owns
    (`pkg/reconciler/revision/resources/pa.go`); every link is found in the dashboard's cache, and each
    revision Service names its Endpoints. The lab runs no pods here, so the ServerlessService is in
    Proxy mode: its public Endpoints are the activator's (`pkg/reconciler/serverlessservice/
    serverlessservice.go`), the private Service has none ready."""
    core_services = section(get(shaped_dashboard, f"/namespaces/{NS}").text, "core_services")
    assert 'class="unresolved"' not in core_services
    assert sorted(row_names(core_services)) == core_service_names(shaped_api)
    core = CoreV1Api(shaped_api)
    for name, backed_by in (("customer-v3", "activator"), ("customer-v3-private", "none")):
        row = re.search(rf'<tr data-name="{name}">(.*?)</tr>', core_services, re.S)
        assert row is not None
        chain_list = re.search(r'<ol class="chain">(.*?)</ol>', row.group(1), re.S)
        assert chain_list is not None
        chain = re.findall(r"<li[^>]*>([^<]+)</li>", chain_list.group(1))
        assert chain[:4] == [
            "ServerlessService customer-v3",
            "PodAutoscaler customer-v3",
            "Revision customer-v3",
            "Configuration customer",
        ], knative_shape
        metadata: Any = core.read_namespaced_service(name, NS).metadata
        owner = (metadata.owner_references or [])[0]
        assert (owner.kind, owner.name) == ("ServerlessService", "customer-v3")
        assert f'data-backends="{backed_by}"' in row.group(1), (knative_shape, name)
        subsets = core.read_namespaced_endpoints(name, NS).subsets or []
        addresses = [a.ip for subset in subsets for a in subset.addresses or []]
        if backed_by == "activator":
            assert addresses and all(ip in row.group(1) for ip in addresses)
        else:
            assert addresses == []


def test_the_service_page_has_the_kingress_and_the_objects_between(
    knative_shape: str, shaped_dashboard: Dashboard
) -> None:
    page = get(shaped_dashboard, f"/namespaces/{NS}/services/customer")
    assert page.status_code == 200
    assert_no_banners(page.text)
    assert row_names(section(page.text, "ingresses"), "article") == ["customer"]
    yaml = section(page.text, "yaml")
    for anchor in (
        "yaml-ingress-customer",
        "yaml-podautoscaler-customer-v3",
        "yaml-serverlessservice-customer-v3",
        "yaml-endpoints-customer-v3-private",
    ):
        assert f'id="{anchor}"' in yaml, anchor
    virtualservices = section(page.text, "virtualservices")
    assert (virtualservices == "") is (knative_shape == "kourier")


def node_titles(svg: str, kind: str) -> list[str]:
    """The title of each explain node of `kind` (a long one is drawn in rows, the later ones indented)."""
    nodes = re.split(r'(?=<(?:a|g) class="node )', svg)[1:]
    return [
        "".join(
            row.removeprefix("  ") if i else row
            for i, row in enumerate(re.findall(r'<text class="title"[^>]*>([^<]*)</text>', node))
        )
        for node in nodes
        if node.startswith(f'<a class="node kind-{kind} ') or node.startswith(f'<g class="node kind-{kind} ')
    ]


def test_the_explain_view_draws_each_shape(knative_shape: str, shaped_dashboard: Dashboard) -> None:
    """The explain graph's ingress column: the seed's VirtualService `customer` (one route per target
    name), today's customer-ingress and customer-mesh with their probe routes folded into one line, or,
    without Istio, the KIngress and its rules."""
    path = f"/namespaces/{NS}/services/customer/explain"
    response = get(shaped_dashboard, path)
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    html = response.text
    assert '<p class="note">' not in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    columns = re.findall(r'<text class="column-title"[^>]*>([^<]*)</text>', svg)
    rules = node_titles(svg, "rule")
    if knative_shape == "kourier":
        assert columns[3] == KINGRESS_COLUMN and 'data-info="true"' in html and "Kourier" in html
        assert node_titles(svg, "kingress") == ["KIngress customer"]
        assert len(rules) == 8 and all(r.startswith("rules[") for r in rules)
        assert not node_titles(svg, "virtualservice")
    elif knative_shape == "current":
        assert columns[3] == "VirtualService routes"
        assert node_titles(svg, "virtualservice") == [
            "VirtualService customer-ingress",
            "VirtualService customer-mesh",
        ]
        # Only the odd routes (the real ones) are drawn; the eight and four probe routes are one line each.
        assert sorted(int(i) for i in re.findall(r"http\[(\d+)\]", " ".join(rules))) == sorted(
            [*range(1, 16, 2), *range(1, 8, 2)]
        )
        # (the line wraps after "routes": "(K-Network-Hash: override)" is the next row)
        assert ">+ 8 probe routes <" in svg and ">+ 4 probe routes <" in svg and "(K-Network-Hash: " in svg
    else:
        assert node_titles(svg, "virtualservice") == [
            "VirtualService customer",
            "VirtualService customer-mesh",
        ]
        assert "probe route" not in svg
    # Every revision Service says what its Endpoints hold: with no pods the public ones are the
    # activator's (the ServerlessService is in Proxy mode), the private ones have none ready.
    assert svg.count("endpoints: no ready ") == 2  # (the row wraps before its last word)
    assert svg.count("endpoints: activator") == 2
    fragment = get(shaped_dashboard, path, **{"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<svg" in fragment.text


def test_fragments_and_the_stream_carry_the_pages_own_sections(
    knative_shape: str, shaped_api: ApiClient, shaped_dashboard: Dashboard
) -> None:
    """One partial per section: the fragment endpoint and the SSE stream send exactly the page's markup
    (sections without ages, which may tick between two requests), and a traffic change reaches the
    KIngress section live."""
    page = get(shaped_dashboard, f"/namespaces/{NS}").text
    for name in ("ingresses", "virtualservices"):
        fragment = get(shaped_dashboard, f"/namespaces/{NS}/sections/{name}").text
        assert fragment == section(page, name), name
    traffic: list[dict[str, Any]] = knative_service(shaped_api, "customer")["spec"]["traffic"]
    first, second = [t for t in traffic if t.get("percent")][:2]
    first["percent"], second["percent"] = 80, 20
    with (
        httpx.Client(base_url=shaped_dashboard.url, timeout=httpx.Timeout(5.0)) as client,
        client.stream("GET", f"/namespaces/{NS}/events") as response,
    ):
        events = EventReader(response)
        first_batch = dict(events.until(lambda event, _: event == "pods"))
        for name in ("ingresses", "virtualservices"):
            assert first_batch[name] == section(page, name), name
        patch_service(shaped_api, "customer", {"spec": {"traffic": traffic}})
        wanted = f'data-revision="{first["revisionName"]}" data-percent="80"'
        events.until(lambda event, data: event == "ingresses" and wanted in data)


# --- what backs a revision Service, with simulated pods --------------------------------------------------


@contextmanager
def workload_dashboard(tmp_path: Path, grace: float) -> Iterator[tuple[Dashboard, ApiClient]]:
    workloads = dataclasses.replace(FAST_WORKLOADS, scale_to_zero_grace=grace)
    with (
        build_cluster(
            scenario="labs", settings=TEST_SETTINGS, knative="current", workloads=workloads
        ) as cluster,
        official_client(cluster.write_kubeconfig(tmp_path / "truth")) as truth,
        load_api_client(cluster.write_kubeconfig(tmp_path / "dashboard")) as api,
        serve(api) as dashboard,
    ):
        yield dashboard, truth


def endpoints_cell(dashboard: Dashboard, service: str) -> str:
    core_services = section(get(dashboard, f"/namespaces/{NS}").text, "core_services")
    row = re.search(rf'<tr data-name="{service}">.*?<td data-col="endpoints">(.*?)</td>', core_services, re.S)
    assert row is not None
    return row.group(1)


def test_a_small_serving_revision_shows_its_pods_behind_the_activator(tmp_path: Path) -> None:
    """With pods ready, the private Endpoints list them; the public ones stay the activator's, because
    Knative's default target-burst-capacity (200) is more than one pod can absorb, so the KPA keeps the
    ServerlessService in Proxy mode (knative/serving `pkg/reconciler/autoscaling/kpa/kpa.go`)."""
    with workload_dashboard(tmp_path, grace=30.0) as (dashboard, truth):

        def check() -> None:
            pods = CoreV1Api(truth).list_namespaced_pod(
                NS, label_selector="serving.knative.dev/revision=customer-v3"
            )
            items: list[Any] = pods.items
            names = sorted(str(p.metadata.name) for p in items if p.status.pod_ip)
            assert names
            private = endpoints_cell(dashboard, "customer-v3-private")
            assert 'data-backends="pods"' in private
            assert sorted(re.findall(r"<li[^>]*>(customer-v3-[^ <]+)", private)) == names
            public = endpoints_cell(dashboard, "customer-v3")
            assert 'data-backends="activator"' in public and "SKS in Proxy mode" in public

        until_passes(check, timeout=10)


def test_a_revision_scaled_to_zero_is_backed_by_the_activator(tmp_path: Path) -> None:
    """Proxy mode (knative/serving `serverlessservice.go`): at zero the SKS points the public Endpoints at
    the activator, which holds requests while a pod starts; the private Endpoints are empty."""
    with workload_dashboard(tmp_path, grace=0.3) as (dashboard, truth):

        def check() -> None:
            sks = CustomObjectsApi(truth).get_namespaced_custom_object(
                INTERNAL, "v1alpha1", NS, "serverlessservices", "customer-v3"
            )
            assert cast(dict[str, Any], sks)["spec"]["mode"] == "Proxy"
            cell = endpoints_cell(dashboard, "customer-v3")
            assert 'data-backends="activator"' in cell and "SKS in Proxy mode" in cell
            assert 'data-backends="none"' in endpoints_cell(dashboard, "customer-v3-private")

        until_passes(check, timeout=15)
