"""Label and field selectors parse and match as the API server's do."""

from __future__ import annotations

import pytest

from app.sim.storage.errors import ApiError
from app.sim.storage.selectors import FieldSelector, LabelSelector

LABELS = {"app": "customer", "tier": "web", "version": "3"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("app=customer", True),
        ("app==customer", True),
        ("app!=customer", False),
        ("app=other", False),
        ("tier in (web, api)", True),
        ("tier notin (web,api)", False),
        ("tier notin (db)", True),
        ("app", True),
        ("!app", False),
        ("!missing", True),
        ("missing", False),
        ("app=customer,tier=web", True),
        ("app=customer,tier=db", False),
        ("version>2", True),
        ("version<2", False),
        ("missing!=x", True),
    ],
)
def test_label_selector_matches_like_the_api_server(text: str, expected: bool) -> None:
    assert LabelSelector.parse(text).matches(LABELS) is expected


@pytest.mark.parametrize("text", ["app=(", "a b", "=x", "app in x", "app=bad value!", "!a=b"])
def test_malformed_label_selector_is_bad_request(text: str) -> None:
    with pytest.raises(ApiError) as caught:
        LabelSelector.parse(text)
    assert caught.value.code == 400
    assert caught.value.reason == "BadRequest"
    assert "unable to parse requirement" in caught.value.message


def test_field_selector_on_name_and_namespace() -> None:
    obj = {"metadata": {"name": "customer", "namespace": "labs-1"}}
    assert FieldSelector.parse("metadata.name=customer", "pods").matches(obj)
    assert FieldSelector.parse("metadata.name==customer,metadata.namespace=labs-1", "pods").matches(obj)
    assert not FieldSelector.parse("metadata.name!=customer", "pods").matches(obj)
    assert FieldSelector.parse("metadata.namespace!=other", "pods").matches(obj)


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        FieldSelector.parse("spec.traffic=x", "services.serving.knative.dev")
    assert (caught.value.code, caught.value.message) == (400, "field label not supported: spec.traffic")
