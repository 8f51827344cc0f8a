"""The traffic block: Knative's defaulting and webhook messages, exactly as a real cluster words them."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.traffic import (
    FieldError,
    TrafficTarget,
    admit_traffic,
    default_traffic,
    format_errors,
    go_quote,
    merge_errors,
    parse_traffic,
    validate_template_name,
    validate_traffic,
    webhook_message,
)

DNS1035 = (
    "invalid value: not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric "
    "characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. "
    "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]"
)


def errors_of(traffic: object, *, in_service: bool = True) -> str:
    return format_errors(admit_traffic(traffic, in_service=in_service)[1])


def test_the_lab_block_is_valid(lab_traffic: list[dict[str, object]]) -> None:
    targets, errors = admit_traffic(lab_traffic)
    assert errors == []
    assert [t.latest_revision for t in targets] == [False, False, True]


def test_round_trip_keeps_knative_names_and_omits_unset(lab_traffic: list[dict[str, object]]) -> None:
    targets, _ = parse_traffic(lab_traffic)
    assert [t.to_dict() for t in targets] == lab_traffic
    full = {
        "tag": "a",
        "revisionName": "r",
        "configurationName": "c",
        "latestRevision": False,
        "percent": 5,
        "url": "u",
    }
    target, errors = TrafficTarget.from_dict(full)
    assert errors == [] and target.to_dict() == full


def test_defaulting_of_an_empty_or_missing_block() -> None:
    assert default_traffic([]) == [TrafficTarget(latest_revision=True, percent=100)]
    assert admit_traffic(None) == ([TrafficTarget(latest_revision=True, percent=100)], [])
    assert default_traffic([], in_service=False) == []


def test_defaulting_of_latest_revision() -> None:
    targets = default_traffic(
        [TrafficTarget(revision_name="customer-v3", percent=50), TrafficTarget(percent=50)]
    )
    assert [t.latest_revision for t in targets] == [False, True]
    kept = TrafficTarget(revision_name="customer-v3", latest_revision=True, percent=100)
    assert default_traffic([kept]) == [kept]


@pytest.mark.parametrize(
    ("traffic", "message"),
    [
        (
            [{"revisionName": "customer-v3", "percent": 90}],
            "Traffic targets sum to 90, want 100: spec.traffic",
        ),
        (
            [{"revisionName": "customer-v3", "percent": 101}],
            "Traffic targets sum to 101, want 100: spec.traffic\n"
            "expected 0 <= 101 <= 100: spec.traffic[0].percent",
        ),
        (
            [{"revisionName": "customer-v3", "percent": -1}, {"latestRevision": True, "percent": 101}],
            "expected 0 <= -1 <= 100: spec.traffic[0].percent\n"
            "expected 0 <= 101 <= 100: spec.traffic[1].percent",
        ),
        (
            [{"revisionName": "customer-v1", "latestRevision": True, "percent": 100}],
            'may not set revisionName "customer-v1" when latestRevision is true: '
            "spec.traffic[0].latestRevision",
        ),
        (
            [{"latestRevision": False, "percent": 100}],
            'may not set revisionName "" when latestRevision is false: spec.traffic[0].latestRevision',
        ),
        (
            [
                {"tag": "current", "revisionName": "customer-v3", "percent": 50},
                {"tag": "current", "revisionName": "customer-v4", "percent": 50},
            ],
            'Multiple definitions for "current": spec.traffic[0].tag, spec.traffic[1].tag',
        ),
        (
            [{"tag": "Current", "revisionName": "customer-v3", "percent": 100}],
            f"{DNS1035}: spec.traffic.tag[0]",
        ),
        (
            [{"configurationName": "customer", "percent": 100}],
            "must not set the field(s): spec.traffic[0].configurationName",
        ),
        (
            [{"revisionName": "customer-v3", "configurationName": "customer", "percent": 100}],
            "must not set the field(s): spec.traffic[0].configurationName",
        ),
        (
            [{"tag": "t", "revisionName": "customer-v3", "percent": 100, "url": "http://t-customer"}],
            "must not set the field(s): spec.traffic[0].url",
        ),
    ],
)
def test_each_webhook_message(traffic: object, message: str) -> None:
    assert errors_of(traffic) == message


def test_latest_is_a_valid_tag_and_long_tags_are_not() -> None:
    assert errors_of([{"tag": "latest", "latestRevision": True, "percent": 100}]) == ""
    long_tag = "a" * 64
    assert errors_of([{"tag": long_tag, "latestRevision": True, "percent": 100}]) == (
        "invalid value: not a DNS 1035 label: [must be no more than 63 characters]: spec.traffic.tag[0]"
    )
    assert errors_of([{"tag": "a" * 63, "latestRevision": True, "percent": 100}]) == ""
    # Go's `$` does not match before a trailing newline, unlike Python's.
    assert errors_of([{"tag": "ok\n", "latestRevision": True, "percent": 100}]).startswith("invalid value")


def test_outside_a_service_configuration_names_are_checked_instead() -> None:
    both = [{"revisionName": "customer-v3", "configurationName": "customer", "percent": 100}]
    assert errors_of(both, in_service=False) == (
        "expected exactly one, got both: spec.traffic[0].configurationName, spec.traffic[0].revisionName"
    )
    neither = [{"percent": 100, "latestRevision": True}]
    assert errors_of(neither, in_service=False) == (
        "expected exactly one, got neither: spec.traffic[0].configurationName, spec.traffic[0].revisionName"
    )
    assert errors_of([{"configurationName": "customer", "percent": 100}], in_service=False) == ""
    assert errors_of([], in_service=False) == "Traffic targets sum to 0, want 100: spec.traffic"


def test_invalid_revision_name_carries_details() -> None:
    assert errors_of([{"revisionName": "bad name!", "percent": 100}]) == (
        'invalid key name "bad name!": spec.traffic[0].revisionName\n'
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )


def test_several_errors_are_merged_and_sorted_by_message() -> None:
    traffic = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 50},
        {"tag": "current", "revisionName": "customer-v4", "percent": 30},
        {"tag": "current", "latestRevision": False, "percent": 0},
        {"tag": "x", "configurationName": "customer", "url": "http://x", "percent": 110},
    ]
    assert errors_of(traffic) == "\n".join(
        [
            'Multiple definitions for "current": '
            "spec.traffic[0].tag, spec.traffic[1].tag, spec.traffic[2].tag",
            "Traffic targets sum to 190, want 100: spec.traffic",
            "expected 0 <= 110 <= 100: spec.traffic[3].percent",
            'may not set revisionName "" when latestRevision is false: spec.traffic[2].latestRevision',
            "must not set the field(s): spec.traffic[3].configurationName, spec.traffic[3].url",
        ]
    )


def test_paths_sort_as_strings_like_go() -> None:
    merged = merge_errors(
        [
            FieldError("m", ("spec.traffic[2].tag",)),
            FieldError("m", ("spec.traffic[10].tag", "spec.traffic[2].tag")),
        ]
    )
    assert [str(e) for e in merged] == ["m: spec.traffic[10].tag, spec.traffic[2].tag"]


def test_webhook_message_wraps_the_errors() -> None:
    _, errors = admit_traffic([{"revisionName": "customer-v3", "percent": 90}])
    assert webhook_message(errors) == (
        'admission webhook "validation.webhook.serving.knative.dev" denied the request: '
        "validation failed: Traffic targets sum to 90, want 100: spec.traffic"
    )


def test_go_quote_escapes_like_go() -> None:
    assert go_quote('a"b\\c\nd\x01é') == '"a\\"b\\\\c\\nd\\x01é"'


@pytest.mark.parametrize(
    ("traffic", "message"),
    [
        ("abc", "expected array, got string: spec.traffic"),
        ([7], "expected object, got integer: spec.traffic[0]"),
        (
            [{"percent": "abc", "latestRevision": True}],
            "expected integer, got string: spec.traffic[0].percent",
        ),
        (
            [{"percent": True, "latestRevision": True}],
            "expected integer, got boolean: spec.traffic[0].percent",
        ),
        (
            [{"percent": 50.5, "latestRevision": True}],
            "expected integer, got number: spec.traffic[0].percent",
        ),
        ([{"tag": 5, "percent": 100}], "expected string, got integer: spec.traffic[0].tag"),
        (
            [{"latestRevision": "yes", "percent": 100}],
            "expected boolean, got string: spec.traffic[0].latestRevision",
        ),
    ],
)
def test_hostile_json_gives_field_errors(traffic: object, message: str) -> None:
    assert errors_of(traffic) == message


def test_integral_floats_and_nulls_are_accepted() -> None:
    target, errors = TrafficTarget.from_dict(
        {"percent": 100.0, "tag": None, "revisionName": "", "extra": [1]}
    )
    assert errors == [] and target == TrafficTarget(percent=100)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
target_like = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            key: json_values | st.text(max_size=70) | st.integers(-200, 200)
            for key in ("tag", "revisionName", "configurationName", "latestRevision", "percent", "url")
        },
    ),
    max_size=5,
)


@given(json_values | target_like)
def test_admission_is_total_on_any_json(value: object) -> None:
    targets, errors = admit_traffic(value)
    for error in errors:
        assert str(error).startswith(error.message)
    if not errors:
        assert sum(t.percent or 0 for t in targets) == 100
        json.dumps([t.to_dict() for t in targets])


def test_validate_traffic_accepts_targets_directly(lab_targets: list[TrafficTarget]) -> None:
    assert validate_traffic(default_traffic(lab_targets)) == []


TEMPLATE_V4 = {"metadata": {"name": "customer-v4"}, "spec": {"containers": [{"image": "quay.io/x:v4"}]}}


def test_byo_name_needs_the_service_prefix() -> None:
    assert format_errors(validate_template_name("customer", None, {"metadata": {"name": "v4"}})) == (
        'invalid value: "v4" must have prefix "customer-": spec.template.metadata.name'
    )
    assert validate_template_name("customer", None, TEMPLATE_V4) == []
    assert validate_template_name("customer", None, {"spec": {}}) == []


def test_byo_name_must_be_a_dns_label() -> None:
    assert format_errors(validate_template_name("customer", None, {"metadata": {"name": "customer_v4"}})) == (
        f"{DNS1035}: spec.template.metadata.name"
    )


def test_template_change_without_a_name_change_is_refused_with_a_diff() -> None:
    changed = {"metadata": {"name": "customer-v4"}, "spec": {"containers": [{"image": "quay.io/x:v5"}]}}
    assert format_errors(validate_template_name("customer", TEMPLATE_V4, changed)) == (
        "Saw the following changes without a name change (-old +new): spec.template.metadata.name\n"
        "{*v1.RevisionTemplateSpec}.Spec.PodSpec.Containers[0].Image:\n"
        '\t-: "quay.io/x:v4"\n'
        '\t+: "quay.io/x:v5"\n'
    )
    renamed = {**changed, "metadata": {"name": "customer-v5"}}
    assert validate_template_name("customer", TEMPLATE_V4, renamed) == []
    assert validate_template_name("customer", TEMPLATE_V4, TEMPLATE_V4) == []


def test_template_diff_names_metadata_maps_and_missing_sides() -> None:
    old = {"metadata": {"name": "customer-v4", "annotations": {"a": "1"}}, "spec": {"timeoutSeconds": 300}}
    new = {"metadata": {"name": "customer-v4", "annotations": {"a": "2"}}, "spec": {}}
    assert validate_template_name("customer", old, new)[0].details == (
        '{*v1.RevisionTemplateSpec}.ObjectMeta.Annotations["a"]:\n\t-: "1"\n\t+: "2"\n'
        '{*v1.RevisionTemplateSpec}.Spec.TimeoutSeconds:\n\t-: "300"\n'
    )
