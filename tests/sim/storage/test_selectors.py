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


VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
    "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app=(", "unable to parse requirement: found '(', expected: identifier"),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("=x", "found '=', expected: !, identifier, or 'end of string'"),
        ("app in x", "unable to parse requirement: found 'x' expected: '('"),
        ("app in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("app=-a-", f'unable to parse requirement: values[0][app]: Invalid value: "-a-": {VALUE_RULE}'),
        (
            "k>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, "
            "the value must be an integer",
        ),
    ],
)
def test_malformed_label_selector_is_refused_in_labels_parse_words(text: str, message: str) -> None:
    """The messages of k8s.io/apimachinery/pkg/labels/selector.go (Parser.parse, NewRequirement)."""
    with pytest.raises(ApiError) as caught:
        LabelSelector.parse(text)
    assert (caught.value.code, caught.value.reason, caught.value.message) == (400, "BadRequest", message)


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        (" app  in ( customer , x ) ", LABELS, True),
        ("app in ()", {"app": ""}, True),
        ("app in (,x)", {"app": ""}, True),
        ("tier=", {"tier": ""}, True),
        ("missing notin (a)", LABELS, True),
        ("!missing,app", LABELS, True),
        ("version<10", LABELS, True),
        ("app>1", LABELS, False),
    ],
)
def test_set_based_and_empty_values(text: str, labels: dict[str, str], expected: bool) -> None:
    assert LabelSelector.parse(text).matches(labels) is expected


def test_field_selector_on_name_and_namespace() -> None:
    obj = {"metadata": {"name": "customer", "namespace": "labs-1"}}
    assert FieldSelector.parse("metadata.name=customer", "pods").matches(obj)
    assert FieldSelector.parse("metadata.name==customer,metadata.namespace=labs-1", "pods").matches(obj)
    assert not FieldSelector.parse("metadata.name!=customer", "pods").matches(obj)
    assert FieldSelector.parse("metadata.namespace!=other", "pods").matches(obj)


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        FieldSelector.parse("spec.traffic=x", "services.serving.knative.dev", custom=True)
    assert (caught.value.code, caught.value.message) == (400, "field label not supported: spec.traffic")


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        # Kinds without a field label conversion of their own (apimachinery runtime/conversion.go).
        (
            "data.color=blue",
            "configmaps",
            '"data.color" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
        # Kinds with one (k8s.io/kubernetes pkg/apis/core/v1/conversion.go).
        ("data.x=1", "secrets", "field label not supported: data.x"),
        ("metadata.namespace=a", "namespaces", "field label not supported: metadata.namespace"),
        # fields.ParseSelector's own errors.
        ("name", "configmaps", "invalid selector: 'name'; can't understand 'name'"),
        ("metadata.name=a\\x", "configmaps", "invalid field selector: invalid escape sequence: \\x"),
        ("metadata.name=a=b", "configmaps", "invalid field selector: unescaped character in value: 61"),
    ],
)
def test_field_selector_errors_in_the_real_words(text: str, key: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        FieldSelector.parse(text, key)
    assert (caught.value.code, caught.value.message) == (400, message)


def test_escaped_comma_in_a_field_value() -> None:
    assert FieldSelector.parse("metadata.name=a\\,b", "configmaps").matches({"metadata": {"name": "a,b"}})
