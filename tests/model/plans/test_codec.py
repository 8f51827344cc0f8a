"""The annotation: what is written reads back the same, and a damaged one says what is wrong."""

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.gates import Gate
from app.model.plans import (
    ANNOTATION,
    PlanError,
    PlanStep,
    StepReading,
    decode,
    encode,
    first_progress,
    record_reading,
)

from .helpers import GATE, T0, lab_plan


def test_a_plan_reads_back_as_written() -> None:
    plan = lab_plan(PlanStep(10, 1.5, GATE), PlanStep(50, None), PlanStep(100, 0.0, Gate(max_p95_ms=250.0)))
    progress, _ = first_progress(plan, T0)
    progress = record_reading(progress, StepReading(0, 40, 1, 120.5, "passed"))
    text = encode(plan, progress)
    assert decode({ANNOTATION: text}) == (plan, progress)
    assert " " not in text.replace("Traffic ", "")  # compact
    assert json.loads(text)["v"] == 1


def test_no_annotation_is_no_plan() -> None:
    assert decode({}) is None
    assert decode(None) is None


def _damaged(change: str) -> dict[str, str]:
    plan = lab_plan()
    progress, _ = first_progress(plan, T0)
    data = json.loads(encode(plan, progress))
    exec(change, {"d": data})
    return {ANNOTATION: json.dumps(data)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("d['v'] = 2", "schema version 2 is not one this dashboard reads (1)"),
        ("d['plan']['steps'][0]['percent'] = '10'", 'plan.steps[0].percent must be a whole number, not "10"'),
        ("d['plan']['steps'][1]['percent'] = 5", "plan.steps: step 2: the candidate's percent must increase"),
        ("d['plan']['candidate'] = 3", "plan.candidate must be a string, not 3"),
        ("d['progress']['phase'] = 'flying'", "progress.phase must be one of running, paused"),
        ("d['progress']['step'] = 7", "progress.step 7 is not a step of the plan (it has 3)"),
        (
            "d['progress']['applied'] = [{'percent': 'x'}]",
            "expected integer, got string: progress.applied[0].percent",
        ),
        ("d['plan']['startedFrom'] = {}", "plan.startedFrom must be a list"),
        ("del d['progress']", "progress must be an object"),
        (
            "d['plan']['steps'][0]['gate'] = {'maxErrorRate': 'high'}",
            "plan.steps[0].gate.maxErrorRate must be",
        ),
    ],
)
def test_a_malformed_annotation_says_which_field(change: str, message: str) -> None:
    with pytest.raises(PlanError) as raised:
        decode(_damaged(change))
    assert str(raised.value).startswith(f"annotation {ANNOTATION} is malformed: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(("text", "message"), [("{", "it is not JSON"), ("[]", "must be an object")])
def test_not_json_or_not_an_object(text: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        decode({ANNOTATION: text})


@given(st.text(max_size=200))
def test_any_text_decodes_or_raises_plan_error(text: str) -> None:
    with contextlib.suppress(PlanError):
        decode({ANNOTATION: text})
