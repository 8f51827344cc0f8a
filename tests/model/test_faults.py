"""The fault annotation the simulated gateway reads: its JSON, its bounds and the demo form's fields."""

import pytest

from app.model.faults import (
    FAULTS_ANNOTATION,
    Faults,
    FaultsError,
    encode_faults,
    faults_from_form,
    faults_of,
    parse_faults,
)


def test_round_trip_and_wording() -> None:
    faults = parse_faults('{"errorRate": 0.5, "delayMs": 800}')
    assert faults == Faults(0.5, 800)
    assert encode_faults(faults) == '{"errorRate":0.5,"delayMs":800}'
    assert parse_faults(encode_faults(Faults(1, 0, 500)) or "") == Faults(1, 0, 500)
    assert faults.describe() == "50% of answers fail with 503, every answer waits 800 ms"
    assert encode_faults(Faults()) is None  # nothing to do: the annotation is removed


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("nope", "is not JSON"),
        ("[1]", "must be a JSON object"),
        ('{"errorRate": 2}', "errorRate must be a fraction from 0 to 1 (50% is 0.5), got 2"),
        ('{"delayMs": -1}', "delayMs must be a number of milliseconds from 0 to 30000, got -1"),
        ('{"delayMs": true}', "delayMs must be"),
        ('{"status": 418}', "status must be one of 500, 502, 503, 504, got 418"),
        ('{"errorrate": 0.5}', "unknown fields: errorrate"),
    ],
)
def test_bad_annotations_are_refused_with_the_field_named(raw: str, message: str) -> None:
    with pytest.raises(FaultsError) as caught:
        parse_faults(raw)
    assert message in str(caught.value)


def test_a_revision_without_or_with_an_unreadable_annotation_has_no_faults() -> None:
    assert faults_of({"metadata": {}}) == Faults()
    assert faults_of({"metadata": {"annotations": {FAULTS_ANNOTATION: "{oops"}}}) == Faults()
    annotated = {"metadata": {"annotations": {FAULTS_ANNOTATION: '{"errorRate":0.25}'}}}
    assert faults_of(annotated) == Faults(0.25)


def test_the_demo_form() -> None:
    assert faults_from_form({"errorPercent": "50", "delayMs": "800"}) == Faults(0.5, 800)
    assert faults_from_form({}) == Faults()
    with pytest.raises(FaultsError, match="the error percent must be from 0 to 100, got 150"):
        faults_from_form({"errorPercent": "150"})
    with pytest.raises(FaultsError, match="the delay must be a number, got 'slow'"):
        faults_from_form({"delayMs": "slow"})
