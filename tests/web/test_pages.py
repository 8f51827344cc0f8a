"""Pages, fragments and the JSON API over the simulated Knative cluster (labs scenario), compared with
what the cluster itself says through the official client."""

from __future__ import annotations

import base64
import copy
import re
import time

import httpx
from kubernetes.client import ApiClient, CoreV1Api, V1ObjectMeta, V1Secret

from tests.serving import Dashboard
from tests.web.cluster import (
    NS,
    core_service_names,
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


def test_namespaces_page_counts_each_kind(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    response = get(served_dashboard, "/")
    assert response.status_code == 200
    listing = section(response.text, "namespaces")
    assert NS in row_names(listing)
    row = re.search(rf'<tr data-name="{NS}">(.*?)</tr>', listing, re.S)
    assert row is not None
    counts = [int(n) for n in re.findall(r'<td class="num">(\d+)', row.group(1))]
    assert counts == [
        len(knative(knative_api, "services")),
        len(knative(knative_api, "revisions")),
        len(knative(knative_api, "routes")),
        len(virtualservice_names(knative_api)),
        len(core_service_names(knative_api)),
        len(pod_names(knative_api)),
    ]


def test_namespace_page_sections_show_the_clusters_objects(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    response = get(served_dashboard, f"/namespaces/{NS}")
    assert response.status_code == 200
    assert response.headers["vary"] == "HX-Request"
    page = response.text
    assert sorted(row_names(section(page, "services"))) == names(knative(knative_api, "services"))
    assert sorted(row_names(section(page, "revisions"))) == names(knative(knative_api, "revisions"))
    assert sorted(row_names(section(page, "routes"), "article")) == names(knative(knative_api, "routes"))
    assert sorted(row_names(section(page, "virtualservices"), "article")) == virtualservice_names(knative_api)
    assert sorted(row_names(section(page, "kservices"))) == core_service_names(knative_api)
    assert sorted(row_names(section(page, "pods"))) == pod_names(knative_api)


def test_revision_rows_carry_the_served_split(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    customer = knative_service(knative_api, "customer")
    revisions = section(get(served_dashboard, f"/namespaces/{NS}").text, "revisions")
    served: dict[str, int] = {}
    for target in customer["status"]["traffic"]:
        served[target["revisionName"]] = served.get(target["revisionName"], 0) + target.get("percent", 0)
    for revision, percent in served.items():
        row = re.search(rf'<tr data-name="{revision}">.*?data-col="traffic">([^<]*)<', revisions, re.S)
        assert row is not None
        assert row.group(1) == (f"{percent}%" if percent else "")


def test_section_fragment_is_the_pages_partial(served_dashboard: Dashboard) -> None:
    page = get(served_dashboard, f"/namespaces/{NS}").text
    for name in ("routes", "virtualservices"):  # sections without ages, which may tick between requests
        fragment = get(served_dashboard, f"/namespaces/{NS}/sections/{name}")
        assert fragment.status_code == 200
        assert fragment.text == section(page, name)


def test_htmx_request_gets_only_the_content(served_dashboard: Dashboard) -> None:
    response = get(served_dashboard, f"/namespaces/{NS}", **{"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    assert "<html" not in response.text and 'id="revisions"' in response.text


def test_service_page_shows_one_service_its_conditions_and_yaml(
    served_dashboard: Dashboard, knative_api: ApiClient
) -> None:
    customer = knative_service(knative_api, "customer")
    page = get(served_dashboard, f"/namespaces/{NS}/services/customer").text
    assert row_names(section(page, "services")) == ["customer"]
    own = [
        r
        for r in knative(knative_api, "revisions")
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
    assert row is not None and [h for h in attribute_values(row.group(1), "href") if h != base] == wanted
    for url in wanted:
        assert get(served_dashboard, url).status_code == 200, url


def test_unknown_things_answer_404_pages(served_dashboard: Dashboard) -> None:
    assert get(served_dashboard, "/namespaces/no-such-namespace").status_code == 404
    missing = get(served_dashboard, f"/namespaces/{NS}/services/nope")
    assert missing.status_code == 404 and "has no Knative Service" in missing.text
    assert get(served_dashboard, "/namespaces/Bad_Name").status_code == 404
    assert get(served_dashboard, f"/namespaces/{NS}/sections/nope").status_code == 404
    assert get(served_dashboard, "/api/namespaces/no-such-namespace").json()["detail"]
    assert get(served_dashboard, "/namespaces/no-such-namespace/events").status_code == 404
    assert get(served_dashboard, f"/namespaces/{NS}/services/nope/events").status_code == 404


def test_json_api_matches_the_cluster(served_dashboard: Dashboard, knative_api: ApiClient) -> None:
    overview = get(served_dashboard, f"/api/namespaces/{NS}").json()
    assert sorted(r["name"] for r in overview["revisions"]) == names(knative(knative_api, "revisions"))
    assert sorted(s["name"] for s in overview["services"]) == names(knative(knative_api, "services"))
    summaries = {s["namespace"]: s for s in get(served_dashboard, "/api/namespaces").json()}
    assert summaries[NS]["pods"] == len(pod_names(knative_api))
    service = get(served_dashboard, f"/api/namespaces/{NS}/services/customer").json()
    customer = knative_service(knative_api, "customer")
    assert [(t["revision"], t["percent"]) for t in service["sections"]["services"][0]["segments"]] == [
        (t["revisionName"], t.get("percent", 0)) for t in customer["status"]["traffic"]
    ]
    schema = get(served_dashboard, "/openapi.json").json()
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
