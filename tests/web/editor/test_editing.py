"""The editor's pure state: rows <-> traffic, the posted form, validation per row, moves and presets."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.editing import (
    LATEST,
    MAX_ROWS,
    PRESETS,
    ActionError,
    EditorForm,
    FormError,
    Row,
    add_row,
    all_to,
    apply_expression,
    distribute,
    error_rows,
    move,
    parse_form,
    remove_row,
    revision_choices,
    roles,
    rollback_rows,
    rows_from_traffic,
    rows_to_targets,
    service_traffic,
    split_preset,
    validate_rows,
    validate_targets,
)
from app.model.patches import splits_equal
from app.model.traffic import FieldError, TrafficTarget
from tests.support.builders import revision

LAB_ROWS = (
    Row("customer-v3", "current", "50"),
    Row("customer-v4", "candidate", "50"),
    Row(LATEST, "latest", "0"),
)


def weights(rows: tuple[Row, ...]) -> list[int | None]:
    return [r.weight for r in rows]


# --- rows <-> traffic --------------------------------------------------------------------------------


def test_rows_from_the_lab_block_keep_the_floating_target_floating(lab_service: dict[str, Any]) -> None:
    rows = rows_from_traffic(service_traffic(lab_service))
    assert rows == LAB_ROWS
    assert [r.floating for r in rows] == [False, False, True]


def test_rows_round_trip_to_the_stored_block(lab_service: dict[str, Any]) -> None:
    targets, errors = rows_to_targets(LAB_ROWS)
    assert errors == []
    assert targets[2] == TrafficTarget(tag="latest", latest_revision=True, percent=0)
    assert splits_equal(targets, service_traffic(lab_service))


def test_a_missing_traffic_block_is_knatives_default() -> None:
    assert rows_from_traffic([]) == (Row(LATEST, "", "100"),)


@pytest.mark.parametrize("text", ["abc", "12.5", "", " ", "1e2", "50%"])
def test_a_percent_that_is_not_a_whole_number_is_refused_beside_its_row(
    text: str, choices: list[Any]
) -> None:
    rows = (Row("customer-v3", "", text), Row("customer-v4", "", "50"))
    validation = validate_rows(rows, "customer", choices)
    assert not validation.ok
    assert validation.for_row(0) and "is not a whole number of percent" in validation.for_row(0)[0]
    assert validation.for_row(1) == []
    assert validation.general == []  # no sum over unreadable numbers


def test_whole_numbers_with_spaces_and_signs_parse() -> None:
    assert Row(percent=" 42 ").weight == 42
    assert Row(percent="-5").weight == -5
    assert Row(percent="+7").weight == 7


# --- the posted form ---------------------------------------------------------------------------------


def form_fields(rows: tuple[Row, ...], **extra: str) -> dict[str, str]:
    fields = {"rv": "41"}
    for i, row in enumerate(rows):
        fields |= {f"t{i}.target": row.target, f"t{i}.tag": row.tag, f"t{i}.percent": row.percent}
        fields |= {f"t{i}.slider": row.percent, f"t{i}.prev": row.percent}
        if row.locked:
            fields[f"t{i}.locked"] = "on"
    return fields | extra


def test_parse_form_reads_rows_in_index_order() -> None:
    form = parse_form(form_fields(LAB_ROWS, expression="current=90", live="on"))
    assert form.rows == LAB_ROWS
    assert form.resource_version == "41"
    assert form.expression == "current=90"
    assert form.live
    assert form.moved is None
    assert form.previous == (50, 50, 0)


def test_the_triggering_slider_wins_over_the_number_field() -> None:
    fields = form_fields(LAB_ROWS) | {"t0.slider": "70"}
    form = parse_form(fields, trigger="t0.slider")
    assert form.rows[0].percent == "70"
    assert form.moved == 0


def test_the_triggering_number_field_wins_over_the_slider() -> None:
    fields = form_fields(LAB_ROWS) | {"t1.percent": "20", "t1.slider": "50"}
    form = parse_form(fields, trigger="t1.percent")
    assert form.rows[1].percent == "20"
    assert form.moved == 1


def test_without_javascript_the_input_that_changed_wins() -> None:
    slider_moved = form_fields(LAB_ROWS) | {"t0.slider": "80"}
    assert parse_form(slider_moved).rows[0].percent == "80"
    number_typed = form_fields(LAB_ROWS) | {"t0.percent": "30", "t0.slider": "80"}
    assert parse_form(number_typed).rows[0].percent == "30"


def test_a_form_without_its_resource_version_is_refused() -> None:
    with pytest.raises(FormError, match="rv is missing"):
        parse_form({"t0.target": LATEST, "t0.percent": "100"})


def test_a_form_with_too_many_rows_is_refused() -> None:
    fields = {"rv": "1"} | {f"t{i}.percent": "0" for i in range(MAX_ROWS + 1)}
    with pytest.raises(FormError, match="at most"):
        parse_form(fields)


def test_malformed_anchors_and_drag_are_ignored() -> None:
    fields = form_fields(LAB_ROWS) | {"t0.anchor": "x", "t1.anchor": "50", "t2.anchor": "0", "drag": "9"}
    form = parse_form(fields)
    assert form.anchor == ()
    assert form.drag is None


# --- validation --------------------------------------------------------------------------------------


def test_the_lab_split_is_valid(choices: list[Any]) -> None:
    validation = validate_rows(LAB_ROWS, "customer", choices)
    assert validation.ok, validation.text
    assert validation.warnings == ()


def test_a_sum_other_than_100_is_knatives_message(choices: list[Any]) -> None:
    rows = (Row("customer-v3", "current", "50"), Row("customer-v4", "candidate", "40"))
    validation = validate_rows(rows, "customer", choices)
    assert validation.general == ["Traffic targets sum to 90, want 100: spec.traffic"]


def test_a_duplicate_tag_is_shown_beside_both_rows(choices: list[Any]) -> None:
    rows = (Row("customer-v3", "current", "50"), Row("customer-v4", "current", "50"))
    validation = validate_rows(rows, "customer", choices)
    assert validation.for_row(0) == ['Multiple definitions for "current"']
    assert validation.for_row(1) == ['Multiple definitions for "current"']
    assert validation.text == 'Multiple definitions for "current": spec.traffic[0].tag, spec.traffic[1].tag'


def test_a_tag_that_is_not_a_dns_label_is_shown_beside_its_row(choices: list[Any]) -> None:
    rows = (Row("customer-v3", "current", "50"), Row("customer-v4", "Cand_1", "50"))
    validation = validate_rows(rows, "customer", choices)
    assert validation.for_row(0) == []
    assert validation.for_row(1)[0].startswith("invalid value: not a DNS 1035 label: [a DNS-1035 label")
    assert "spec.traffic.tag[1]" in validation.text


def test_revision_name_with_latest_revision_is_knatives_message(choices: list[Any]) -> None:
    targets = [TrafficTarget(revision_name="customer-v3", latest_revision=True, percent=100)]
    validation = validate_targets(targets, "customer", choices)
    assert validation.text == (
        'may not set revisionName "customer-v3" when latestRevision is true: spec.traffic[0].latestRevision'
    )
    assert validation.for_row(0)


def test_an_unknown_revision_is_refused_with_the_route_reconcilers_message(choices: list[Any]) -> None:
    rows = (Row("customer-v9", "", "100"),)
    validation = validate_rows(rows, "customer", choices)
    assert validation.for_row(0) == ['Revision "customer-v9" referenced in traffic not found.']


def test_another_services_revision_is_refused(choices: list[Any]) -> None:
    validation = validate_rows((Row("preference-v1", "", "100"),), "customer", choices)
    assert validation.for_row(0) == [
        'Revision "preference-v1" belongs to Service "preference", not Service "customer".'
    ]


def test_a_failed_revision_is_refused_and_an_unready_one_warns() -> None:
    choices = revision_choices([revision("customer-v1", 1, "False"), revision("customer-v2", 2, "Unknown")])
    rows = (Row("customer-v1", "", "50"), Row("customer-v2", "", "50"))
    validation = validate_rows(rows, "customer", choices)
    assert validation.for_row(0) == ['Revision "customer-v1" failed to become ready.']
    assert validation.for_row(1) == []
    assert validation.warnings_for_row(1) == ['Revision "customer-v2" is not yet ready.']


def test_error_rows_reads_both_knative_path_shapes() -> None:
    assert error_rows(FieldError("m", ("spec.traffic[3].percent", "spec.traffic.tag[1]"))) == {1, 3}
    assert error_rows(FieldError("m", ("spec.traffic",))) == set()


def test_revision_choices_are_newest_first_with_their_state(lab_revisions: list[Any]) -> None:
    choices = revision_choices(lab_revisions)
    mine = [c.name for c in choices if c.service == "customer"]
    assert mine == ["customer-v4", "customer-v3", "customer-v2", "customer-v1"]
    assert choices[0].ready == "True"
    assert choices[0].service == "customer"


# --- moving sliders ----------------------------------------------------------------------------------


def moved_form(
    rows: tuple[Row, ...], index: int, value: int, previous: EditorForm | None = None
) -> EditorForm:
    """The form htmx posts when row `index` is set to `value` (carrying the last move's anchor)."""
    fields = form_fields(rows) | {f"t{index}.slider": str(value)}
    if previous is not None:
        moved_now = move(previous)
        assert moved_now is not None
        fields = form_fields(moved_now.rows) | {f"t{index}.slider": str(value), "drag": str(moved_now.drag)}
        fields |= {f"t{i}.anchor": str(a) for i, a in enumerate(moved_now.anchor)}
    return parse_form(fields, trigger=f"t{index}.slider")


def test_moving_a_slider_rebalances_the_unlocked_others() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "30"), Row("c", "", "20"))
    result = move(moved_form(rows, 0, 75))
    assert result is not None
    assert weights(result.rows) == [75, 15, 10]
    assert result.anchor == (50, 30, 20)
    assert not result.clamped


def test_dragging_away_and_back_restores_the_split_exactly() -> None:
    rows = (Row("a", "", "34"), Row("b", "", "33"), Row("c", "", "33"))
    first = moved_form(rows, 0, 97)
    result = move(first)
    assert result is not None
    back = moved_form(result.rows, 0, 34, previous=first)
    restored = move(back)
    assert restored is not None
    assert weights(restored.rows) == [34, 33, 33]


def test_a_locked_row_stays_and_bounds_the_move() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "30", locked=True), Row("c", "", "20"))
    result = move(moved_form(rows, 0, 90))
    assert result is not None
    assert weights(result.rows) == [70, 30, 0]
    assert result.clamped


def test_a_row_without_unlocked_partners_snaps_back() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "50", locked=True))
    result = move(moved_form(rows, 0, 80))
    assert result is not None
    assert weights(result.rows) == [50, 50]
    assert result.clamped


def test_no_rebalancing_over_unreadable_numbers() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "x"))
    assert move(moved_form(rows, 0, 60)) is None
    assert move(parse_form(form_fields(rows))) is None


@given(
    st.lists(st.integers(0, 100), min_size=2, max_size=6),
    st.data(),
)
def test_a_move_always_leaves_whole_percents_summing_to_100(raw: list[int], data: st.DataObject) -> None:
    total = sum(raw) or 1
    split = [p * 100 // total for p in raw]
    split[0] += 100 - sum(split)
    rows = tuple(Row(f"r{i}", "", str(p)) for i, p in enumerate(split))
    index = data.draw(st.integers(0, len(rows) - 1))
    value = data.draw(st.integers(-10, 110))
    result = move(moved_form(rows, index, value))
    assert result is not None
    new = [w for w in weights(result.rows) if w is not None]
    assert sum(new) == 100
    assert all(0 <= w <= 100 for w in new)
    # Rows at 0% are never handed traffic by another row's move ...
    assert all(new[j] == 0 for j, p in enumerate(split) if p == 0 and j != index)
    # ... so the moved row takes the value asked when some other row carries traffic, else stays.
    carriers = any(p > 0 for j, p in enumerate(split) if j != index)
    assert new[index] == (min(max(value, 0), 100) if carriers else split[index])


def test_the_labs_zero_row_stays_at_zero_through_a_drag() -> None:
    """The lab's current/candidate/latest at 50/50/0: dragging current takes from and gives to candidate
    only; `latest` (a tag-only target) keeps 0% all the way."""
    rows = (Row("customer-v3", "current", "50"), Row("customer-v4", "candidate", "50"), Row(tag="latest"))
    first = moved_form(rows, 0, 10)
    result = move(first)
    assert result is not None and weights(result.rows) == [10, 90, 0]
    further = move(moved_form(result.rows, 0, 100, previous=first))
    assert further is not None and weights(further.rows) == [100, 0, 0]


def typed_form(rows: tuple[Row, ...], index: int, text: str) -> EditorForm:
    """The form htmx posts when `text` is typed into row `index`'s number field."""
    fields = form_fields(rows) | {f"t{index}.percent": text}
    return parse_form(fields, trigger=f"t{index}.percent")


def test_a_typed_number_out_of_range_is_left_for_validation_not_clamped() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "50"))
    assert move(typed_form(rows, 0, "150"), typed=True) is None
    assert move(typed_form(rows, 0, "-5"), typed=True) is None
    assert move(typed_form(rows, 0, "7.5"), typed=True) is None


def test_a_typed_number_the_others_cannot_make_room_for_says_why() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "30", locked=True), Row("c", "", "20"))
    result = move(typed_form(rows, 0, "90"), typed=True)
    assert result is not None and result.problem is not None
    assert weights(result.rows) == [90, 30, 20]  # as typed: nothing moved behind the user's back
    assert "between 0% and 70%" in result.problem
    alone = (Row("a", "", "100"), Row("b", "", "0"))
    lonely = move(typed_form(alone, 0, "60"), typed=True)
    assert lonely is not None and lonely.problem is not None and "no other unlocked row" in lonely.problem
    fits = move(typed_form(rows, 0, "60"), typed=True)
    assert fits is not None and fits.problem is None and weights(fits.rows) == [60, 30, 10]


# --- whole-split actions -----------------------------------------------------------------------------


def test_evenly_distribute_shares_what_locked_rows_leave() -> None:
    rows = (Row("a", "", "40", locked=True), Row("b", "", "50"), Row("c", "", "10"), Row("d", "", "0"))
    assert weights(distribute(rows)) == [40, 30, 30, 0]  # `d` carries no traffic: it stays at 0%


def test_actions_refuse_unreadable_numbers() -> None:
    with pytest.raises(ActionError, match="row 2 has 'x'"):
        distribute((Row("a", "", "50"), Row("b", "", "x")))


def test_all_to_gives_one_row_everything_and_unlocks() -> None:
    locked = (LAB_ROWS[0], replace(LAB_ROWS[1], locked=True), LAB_ROWS[2])
    assert weights(all_to(locked, 2)) == [0, 0, 100]
    assert not any(r.locked for r in all_to(locked, 2))
    with pytest.raises(ActionError, match="no row 4"):
        all_to(LAB_ROWS, 3)


def test_add_a_zero_percent_tagged_target() -> None:
    rows = add_row(LAB_ROWS, "customer-v2", " preview ")
    assert rows[-1] == Row("customer-v2", "preview", "0")
    with pytest.raises(ActionError, match="choose a revision"):
        add_row(LAB_ROWS, " ")


def test_remove_a_target_hands_its_traffic_to_the_others() -> None:
    rows = (Row("a", "", "50"), Row("b", "", "30"), Row("c", "", "20"))
    assert remove_row(rows, 0) == (Row("b", "", "60"), Row("c", "", "40"))
    with pytest.raises(ActionError, match="at least one"):
        remove_row((Row("a", "", "100"),), 0)
    locked = (Row("a", "", "50"), Row("b", "", "50", locked=True))
    with pytest.raises(ActionError, match="unlock a row"):
        remove_row(locked, 0)


# --- presets -----------------------------------------------------------------------------------------


def test_roles_in_the_lab(choices: list[Any]) -> None:
    found = roles(LAB_ROWS, choices, "customer")
    assert (found.candidate, found.stable) == (1, 0)


@pytest.mark.parametrize(
    ("preset", "expected"), [("canary", [90, 10, 0]), ("half", [50, 50, 0]), ("promote", [0, 100, 0])]
)
def test_presets_on_the_lab_split_keep_every_tag(
    preset: str, expected: list[int], choices: list[Any]
) -> None:
    rows = split_preset(LAB_ROWS, choices, "customer", PRESETS[preset])
    assert weights(rows) == expected
    assert [r.tag for r in rows] == ["current", "candidate", "latest"]
    assert rows[2].floating


def test_a_candidate_without_a_row_gets_one(choices: list[Any]) -> None:
    rows = (Row("customer-v3", "current", "100"),)
    result = split_preset(rows, choices, "customer", 10)
    assert result == (Row("customer-v3", "current", "90"), Row("customer-v4", "", "10"))


def test_splitting_needs_two_revisions(choices: list[Any]) -> None:
    with pytest.raises(ActionError, match="nothing to split with"):
        split_preset((Row("customer-v4", "", "100"),), choices, "customer", 10)
    assert split_preset((Row("customer-v4", "", "100"),), choices, "customer", 100) == (
        Row("customer-v4", "", "100"),
    )


def test_rollback_rows_restore_a_split() -> None:
    previous = [TrafficTarget(tag="current", revision_name="customer-v3", percent=100)]
    assert rollback_rows(previous) == (Row("customer-v3", "current", "100"),)
    with pytest.raises(ActionError, match="no earlier split"):
        rollback_rows([])


# --- kn expressions ----------------------------------------------------------------------------------


def test_an_expression_sets_the_split(choices: list[Any]) -> None:
    rows = apply_expression(LAB_ROWS, "current=90,candidate=10,@latest=0", choices, "customer")
    assert weights(rows) == [90, 10, 0]
    assert rows[2].floating


def test_an_expression_uses_kns_remainder_rule(choices: list[Any]) -> None:
    rows = apply_expression(LAB_ROWS, "candidate=10,@latest=0", choices, "customer")
    assert weights(rows) == [90, 10, 0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("current=90,candidate=20", "given traffic percents sum to 110, want <=100"),
        ("@latest=10,@latest=20", "repetition of identifier @latest is not allowed"),
        ("customer-v9=100", '"customer-v9" is neither a tag, a revision of this service, nor @latest'),
        ("", "type a split"),
    ],
)
def test_a_bad_expression_is_refused_with_kns_message(text: str, message: str, choices: list[Any]) -> None:
    with pytest.raises(ActionError, match=message.replace("(", r"\(")):
        apply_expression(LAB_ROWS, text, choices, "customer")
