"""Each failure has its own type and its own page: a missing namespace or Service is a 404 with one
message, a stopped cache a 503, and any other exception a 500, never dressed up as a missing namespace."""

from __future__ import annotations

import json

import httpx
import pytest

from app.kube import caching
from app.kube import errors as kube_errors
from app.sim.storage import errors as sim_errors
from app.web.loading import CacheStopped, NoSuchKnativeService, NoSuchNamespace, reading_the_cluster
from tests.support.serving import Dashboard

NS = "labs-1"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (401, kube_errors.Unauthorized),
        (403, kube_errors.Forbidden),
        (404, kube_errors.NotFound),
        (409, kube_errors.Conflict),
        (410, kube_errors.Expired),
        (422, kube_errors.Invalid),
        (504, kube_errors.Timeout),
        (500, kube_errors.ApiError),
    ],
)
def test_a_status_from_the_server_becomes_its_error_type(code: int, kind: type[kube_errors.ApiError]) -> None:
    status = {"kind": "Status", "code": code, "reason": "Something", "message": "went wrong"}
    error = kube_errors.ApiError.from_response(code, "", json.dumps(status))
    assert type(error) is kind and error.code == code and error.message == "went wrong"
    assert type(kube_errors.ApiError.from_response(code, "Odd", b"not json")) is kind


def test_the_simulator_raises_typed_errors_too() -> None:
    assert isinstance(sim_errors.path_not_found(), sim_errors.NotFound)
    assert isinstance(sim_errors.expired("too old"), sim_errors.Expired)
    assert isinstance(sim_errors.namespace_terminating(NS), sim_errors.Forbidden)
    assert issubclass(sim_errors.AlreadyExists, sim_errors.Conflict)  # both are 409s


def test_only_the_cache_s_own_failures_become_load_errors() -> None:
    with pytest.raises(NoSuchNamespace, match="a namespace 'Bad_Name'"), reading_the_cluster():
        raise caching.InvalidNamespaceName("Bad_Name")
    with pytest.raises(NoSuchNamespace, match="a namespace 'elsewhere'"), reading_the_cluster():
        raise caching.NamespaceNotAllowed("elsewhere")
    with pytest.raises(CacheStopped) as stopped, reading_the_cluster():
        raise caching.CacheStopped("the cluster cache is stopped")
    assert stopped.value.status_code == 503
    for bug in (ValueError("a bug"), RuntimeError("another bug"), LookupError("and another")):
        with pytest.raises(type(bug)), reading_the_cluster():
            raise bug
    missing = NoSuchKnativeService(NS, "nope")
    assert (missing.status_code, missing.heading) == (404, "No such Knative Service")


def test_missing_things_are_404_pages_and_a_bug_is_a_500(
    served_dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = served_dashboard.url
    bad = httpx.get(f"{url}/namespaces/Bad_Name")
    assert bad.status_code == 404 and "No such namespace" in bad.text
    unknown = httpx.get(f"{url}/namespaces/{NS}/services/nope")
    assert unknown.status_code == 404 and "No such Knative Service" in unknown.text
    assert httpx.get(f"{url}/namespaces/{NS}/services/nope/traffic").status_code == 404

    def broken(namespace: str) -> object:
        raise ValueError(f"an unrelated bug while reading {namespace}")

    monkeypatch.setattr(served_dashboard.cache, "objects", broken)
    answer = httpx.get(f"{url}/namespaces/{NS}/services/customer")
    assert answer.status_code == 500
    assert "No such namespace" not in answer.text

    def stopped(namespace: str) -> object:
        raise caching.CacheStopped("the cluster cache is stopped")

    monkeypatch.setattr(served_dashboard.cache, "objects", stopped)
    answer = httpx.get(f"{url}/namespaces/{NS}/services/customer")
    assert answer.status_code == 503 and "stopped reading the cluster" in answer.text
