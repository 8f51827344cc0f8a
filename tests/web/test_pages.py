"""Pages, fragments and the JSON API over the lab, compared with what the cluster itself says through the
official client.

Tests taking `lab_dashboard` run on the simulator (labs scenario) and on the real API server, which holds
the lab's objects as data (and Pending pods its controllers made for the lab's Deployments); the rest are
about the app alone, or need the simulator's reconciler to make a new revision."""

from __future__ import annotations

import base64
import copy
import re
import time
from typing import Any

import httpx
from kubernetes.client import ApiClient, CoreV1Api, V1ObjectMeta, V1Secret

from tests.backends import Backend
from tests.support.serving import Dashboard
from tests.support.waiting import until_passes
from tests.web.cluster import (
    NS,
    core_service_names,
    kingress_names,
    knative,
    knative_service,
    names,
    patch_service,
    pod_names,
    virtualservice_names,
)
from tests.web.markup import attribute_values, row_names, section


def get(dashboard: Dashboard, path: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=dashboard.url, timeout=10) as client:
        return client.get(path, headers=headers)


BANNERS = {
    "lost connection": 'data-connection="lost"',
    "kinds still loading": "data-incomplete",
    "problems reading the cluster": '<ul class="notice plain">',
    "a kind not served": "This cluster does not serve",
}


def assert_no_banners(html: str) -> None:
    shown = [what for what, mark in BANNERS.items() if mark in html]
    assert shown == [], f"the page shows {shown}"


def test_namespaces_page_counts_each_kind(lab: Backend, lab_dashboard: Dashboard) -> None:
    api = lab.client()

    def check() -> None:
        response = get(lab_dashboard, "/")
        assert response.status_code == 200
        assert_no_banners(response.text)
        listing = section(response.text, "namespaces")
        assert NS in row_names(listing)
        row = re.search(rf'<tr data-name="{NS}"[^>]*>(.*?)</tr>', listing, re.S)
        assert row is not None
        counts = [int(n) for n in re.findall(r'<td class="num">(\d+)', row.group(1))]
        assert counts == [
            len(knative(api, "services")),
            len(knative(api, "revisions")),
            len(knative(api, "routes")),
            len(kingress_names(api)),
            len(virtualservice_names(api)),
            len(core_service_names(api)),
            len(pod_names(api)),
        ]

    until_passes(check)


def test_namespace_page_sections_show_the_clusters_objects(lab: Backend, lab_dashboard: Dashboard) -> None:
    api = lab.client()

    def check() -> None:
        response = get(lab_dashboard, f"/namespaces/{NS}")
        assert response.status_code == 200
        assert response.headers["vary"] == "HX-Request"
        page = response.text
        assert_no_banners(page)
        assert sorted(row_names(section(page, "services"))) == names(knative(api, "services"))
        assert sorted(row_names(section(page, "revisions"))) == names(knative(api, "revisions"))
        assert sorted(row_names(section(page, "routes"), "article")) == names(knative(api, "routes"))
        assert sorted(row_names(section(page, "virtualservices"), "article")) == virtualservice_names(api)
        assert sorted(row_names(section(page, "core_services"))) == core_service_names(api)
        assert sorted(row_names(section(page, "pods"))) == pod_names(api)

    until_passes(check)


def cells(html: str, name: str) -> list[str]:
    """The text of each cell of the row `name`."""
    row = re.search(rf'<tr data-name="{re.escape(name)}">(.*?)</tr>', html, re.S)
    assert row is not None, f"no row {name!r}"
    found = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).replace("<wbr>", "").split()) for c in found]


def test_generated_services_show_their_addresses_and_owner_chains(
    lab: Backend, lab_dashboard: Dashboard
) -> None:
    """The cluster's own cluster IPs (the real server allocates them from its range), and each generated
    Service's owners followed up to its Knative Service, every link found in the cache."""
    api = lab.client()
    core_services = section(get(lab_dashboard, f"/namespaces/{NS}").text, "core_services")
    assert 'class="unresolved"' not in core_services
    services = CoreV1Api(api).list_namespaced_service(NS).items
    assert services
    for service in services:
        name = str(service.metadata and service.metadata.name)
        spec: Any = service.spec
        owners = (service.metadata and service.metadata.owner_references) or []
        assert len(owners) == 1, name
        _, kind, address, _ports, _endpoints, chain, _age = cells(core_services, name)
        assert kind == spec.type
        wanted = spec.external_name if spec.type == "ExternalName" else spec.cluster_ip
        assert address.replace(" ", "") == wanted, name
        assert chain.startswith(f"{owners[0].kind} {owners[0].name}"), (name, chain)
        assert re.search(r"Service \S+$", chain), (name, chain)  # up to the Knative Service


def test_pods_show_the_status_the_cluster_gives_them(lab: Backend, lab_dashboard: Dashboard) -> None:
    """On the real server the lab's Deployments have pods, made by its controllers and left Pending (no
    scheduler or kubelet runs); the simulator's lab runs no workloads, so its revisions show none. The
    page shows what each pod's status says."""
    api = lab.client()

    def check() -> None:
        pods_html = section(get(lab_dashboard, f"/namespaces/{NS}").text, "pods")
        pods = CoreV1Api(api).list_namespaced_pod(NS).items
        assert sorted(row_names(pods_html)) == pod_names(api)
        for pod in pods:
            name = str(pod.metadata and pod.metadata.name)
            status: Any = pod.status
            ready = sum(1 for c in status.container_statuses or [] if c.ready)
            total = len(status.container_statuses or []) or len(pod.spec.containers if pod.spec else [])
            assert cells(pods_html, name)[1:3] == [status.phase, f"{ready}/{total}"], name
        if not pods:
            assert pods_html.count("no pods (scaled to zero)") == len(knative(api, "revisions"))

    until_passes(check)
    phases = [p.status.phase for p in CoreV1Api(api).list_namespaced_pod(NS).items if p.status]
    if lab.name == "real":
        assert len(phases) == len(knative(api, "revisions")) and set(phases) == {"Pending"}
    else:
        assert phases == []


def test_revision_rows_carry_the_served_split(lab: Backend, lab_dashboard: Dashboard) -> None:
    api = lab.client()
    customer = knative_service(api, "customer")
    revisions = section(get(lab_dashboard, f"/namespaces/{NS}").text, "revisions")
    served: dict[str, int] = {}
    for target in customer["status"]["traffic"]:
        served[target["revisionName"]] = served.get(target["revisionName"], 0) + target.get("percent", 0)
    for revision, percent in served.items():
        row = re.search(rf'<tr data-name="{revision}">.*?data-col="traffic">([^<]*)<', revisions, re.S)
        assert row is not None
        assert row.group(1) == (f"{percent}%" if percent else "")


def test_section_fragment_is_the_pages_partial(lab_dashboard: Dashboard) -> None:
    page = get(lab_dashboard, f"/namespaces/{NS}").text
    for name in ("routes", "virtualservices"):  # sections without ages, which may tick between requests
        fragment = get(lab_dashboard, f"/namespaces/{NS}/sections/{name}")
        assert fragment.status_code == 200
        assert fragment.text == section(page, name)


def test_htmx_request_gets_only_the_content(served_dashboard: Dashboard) -> None:
    response = get(served_dashboard, f"/namespaces/{NS}", **{"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    assert "<html" not in response.text and 'id="revisions"' in response.text


def test_service_page_shows_one_service_its_conditions_and_yaml(
    lab: Backend, lab_dashboard: Dashboard
) -> None:
    api = lab.client()
    customer = knative_service(api, "customer")
    response = get(lab_dashboard, f"/namespaces/{NS}/services/customer")
    assert response.status_code == 200
    page = response.text
    assert_no_banners(page)
    assert row_names(section(page, "services")) == ["customer"]
    own = [
        r
        for r in knative(api, "revisions")
        if r["metadata"]["labels"].get("serving.knative.dev/service") == "customer"
    ]
    assert sorted(row_names(section(page, "revisions"))) == names(own)
    conditions = section(page, "conditions")
    service_block = re.search(r'data-kind="Service" data-name="customer">(.*?)</tbody>', conditions, re.S)
    assert service_block is not None
    assert sorted(attribute_values(service_block.group(1), "data-type")) == sorted(
        c["type"] for c in customer["status"]["conditions"]
    )
    bar = re.findall(
        r'<rect class="c\d" [^>]*data-revision="([^"]*)" data-percent="(\d+)"', section(page, "services")
    )
    assert bar == [
        (t["revisionName"], str(t["percent"])) for t in customer["status"]["traffic"] if t.get("percent")
    ]
    yaml_kinds = set(attribute_values(section(page, "yaml"), "data-kind"))
    assert {"Service", "Configuration", "Route", "Revision"} <= yaml_kinds
    editor = re.search(r'<form id="traffic-editor"[^>]*data-resource-version="([^"]*)"', page)
    assert editor is not None, "the Service page offers the traffic editor"
    assert editor.group(1) == customer["metadata"]["resourceVersion"]


def test_service_and_namespace_pages_link_each_service_to_its_explain_and_demo_pages(
    served_dashboard: Dashboard,
) -> None:
    base = f"/namespaces/{NS}/services/customer"
    wanted = [f"{base}/explain", f"{base}/demo", f"{base}/demo?present=1"]
    service_page = get(served_dashboard, base).text
    head = re.search(r'<div class="page-head">(.*?)</div>', service_page, re.S)
    assert head is not None and attribute_values(head.group(1), "href") == wanted
    rows = section(get(served_dashboard, f"/namespaces/{NS}").text, "services")
    row = re.search(r'<tr data-name="customer">(.*?)</tr>', rows, re.S)
    yaml = f"/namespaces/{NS}/objects/services/customer"
    assert row is not None and [h for h in attribute_values(row.group(1), "href") if h != base] == [
        *wanted,
        yaml,
    ]
    for url in wanted:
        assert get(served_dashboard, url).status_code == 200, url


def test_unknown_things_answer_404_pages(lab_dashboard: Dashboard) -> None:
    assert get(lab_dashboard, "/namespaces/no-such-namespace").status_code == 404
    missing = get(lab_dashboard, f"/namespaces/{NS}/services/nope")
    assert missing.status_code == 404 and "has no Knative Service" in missing.text
    assert get(lab_dashboard, "/namespaces/Bad_Name").status_code == 404
    assert get(lab_dashboard, f"/namespaces/{NS}/sections/nope").status_code == 404
    assert get(lab_dashboard, "/api/namespaces/no-such-namespace").json()["detail"]
    assert get(lab_dashboard, "/namespaces/no-such-namespace/events").status_code == 404
    assert get(lab_dashboard, f"/namespaces/{NS}/services/nope/events").status_code == 404


def test_json_api_matches_the_cluster(lab: Backend, lab_dashboard: Dashboard) -> None:
    api = lab.client()
    overview = get(lab_dashboard, f"/api/namespaces/{NS}").json()
    assert sorted(r["name"] for r in overview["revisions"]) == names(knative(api, "revisions"))
    assert sorted(s["name"] for s in overview["services"]) == names(knative(api, "services"))
    assert sorted(r["name"] for r in overview["routes"]) == names(knative(api, "routes"))

    def counted() -> None:
        summaries = {s["namespace"]: s for s in get(lab_dashboard, "/api/namespaces").json()}
        assert summaries[NS]["virtualservices"] == len(virtualservice_names(api))
        assert summaries[NS]["core_services"] == len(core_service_names(api))
        assert summaries[NS]["pods"] == len(pod_names(api))

    until_passes(counted)
    service = get(lab_dashboard, f"/api/namespaces/{NS}/services/customer").json()
    customer = knative_service(api, "customer")
    assert [(t["revision"], t["percent"]) for t in service["sections"]["services"][0]["segments"]] == [
        (t["revisionName"], t.get("percent", 0)) for t in customer["status"]["traffic"]
    ]
    schema = get(lab_dashboard, "/openapi.json").json()
    assert {"NamespaceOverview", "ServiceView", "NamespaceSummary"} <= set(schema["components"]["schemas"])


def test_static_files_are_local(served_dashboard: Dashboard) -> None:
    page = get(served_dashboard, f"/namespaces/{NS}").text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert assets and all(a.startswith("/static/") for a in assets)
    for asset in assets:
        assert get(served_dashboard, asset).status_code == 200
    assert "<script>" not in page and " style=" not in page


def test_secret_values_never_reach_pages_or_api(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    value = "s3cr3t-only-in-the-secret"
    CoreV1Api(knative_api).create_namespaced_secret(
        NS, V1Secret(metadata=V1ObjectMeta(name="customer-db"), string_data={"version": value})
    )
    template = copy.deepcopy(knative_service(knative_api, "customer")["spec"]["template"])
    template["metadata"]["name"] = "customer-v5"
    ref = {"secretKeyRef": {"name": "customer-db", "key": "version"}}
    for container in template["spec"]["containers"]:
        container["env"] = [{"name": "DB_VERSION", "valueFrom": ref}]
    patch_service(knative_api, "customer", {"spec": {"template": template}})
    deadline = time.monotonic() + 5
    while "customer-v5" not in row_names(
        section(get(served_dashboard, f"/namespaces/{NS}").text, "revisions")
    ):
        assert time.monotonic() < deadline, "the new revision never showed"
        time.sleep(0.05)
    page = get(served_dashboard, f"/namespaces/{NS}/services/customer").text
    api = get(served_dashboard, f"/api/namespaces/{NS}/services/customer").text
    encoded = base64.b64encode(value.encode()).decode()
    for text in (page, api, get(served_dashboard, f"/namespaces/{NS}").text):
        assert value not in text and encoded not in text
    assert "DB_VERSION from secret customer-db/version" in section(page, "revisions")
    assert "secretKeyRef" in section(page, "yaml")
