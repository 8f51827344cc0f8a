"""The probe's statistics: binomial cases with known answers, attribution, tallies and wording."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.gates import Readings, p95
from app.model.probestats import (
    DEFAULT_PATTERN,
    Answer,
    Attribution,
    Interval,
    PatternError,
    Tally,
    attribute,
    attribute_answer,
    binomial_range,
    compare,
    compile_pattern,
    configured_split,
    first_line,
    percent_text,
    record,
    record_error,
    revision_readings,
    version_map,
    wilson_interval,
    window_tally,
)
from tests.support.builders import revision


def _exact_cdf(k: int, n: int, p: Fraction) -> Fraction:
    return sum((Fraction(math.comb(n, i)) * p**i * (1 - p) ** (n - i) for i in range(k + 1)), Fraction(0))


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (6, 10, 0.3127, 0.8318),  # the lab: ten curls against 50/50
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998, Table I, method 3
        (15, 148, 0.0624, 0.1605),
    ],
)
def test_wilson_interval_matches_published_values(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, trials)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_without_trials_is_everything_and_bad_input_is_refused() -> None:
    assert wilson_interval(0, 0) == Interval(0.0, 1.0)
    with pytest.raises(ValueError, match="0 <= successes <= trials"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(-1, 10)


@pytest.mark.parametrize(
    ("trials", "p"),
    [
        (10, Fraction(1, 2)),
        (100, Fraction(1, 2)),
        (20, Fraction(1, 10)),
        (50, Fraction(3, 4)),
        (1, Fraction(1, 2)),
    ],
)
def test_binomial_range_is_the_central_95_percent_of_exact_binomial_counts(trials: int, p: Fraction) -> None:
    low, high = binomial_range(trials, float(p))
    tail = Fraction(1, 40)
    # Below `low` at most 2.5%, and `low` is the first count where more than 2.5% has accumulated.
    assert low == 0 or _exact_cdf(low - 1, trials, p) <= tail
    assert _exact_cdf(low, trials, p) > tail
    assert 1 - _exact_cdf(high, trials, p) <= tail
    assert high == 0 or 1 - _exact_cdf(high - 1, trials, p) > tail


def test_binomial_range_known_cases() -> None:
    assert binomial_range(10, 0.5) == (2, 8)  # the lab's ten curls: anything from 2/8 to 8/2 is chance
    assert binomial_range(1000, 0.5) == (469, 531)
    assert binomial_range(1000, 0.0) == (0, 0)
    assert binomial_range(1000, 1.0) == (1000, 1000)
    assert binomial_range(0, 0.5) == (0, 0)
    with pytest.raises(ValueError, match="within"):
        binomial_range(10, 1.5)


def test_six_against_four_of_ten_reads_as_expected() -> None:
    tally = Tally({"customer-v3": 6, "customer-v4": 4})
    result = compare([("customer-v3", 50), ("customer-v4", 50)], tally)
    assert result.verdict == "expected"
    v3, v4 = result.rows
    assert (v3.revision, v3.count, v3.expected, v3.verdict) == ("customer-v3", 6, (2, 8), "expected")
    assert v3.wording == (
        "6 of 10 (60%, 95% interval 31%-83%); at 50% chance gives 2 to 8 of 10: as expected."
    )
    assert v4.observed == pytest.approx(0.4)
    assert "Every share is within" in result.summary


def test_a_revision_the_split_does_not_name_is_unexpected() -> None:
    tally = Tally({"customer-v3": 990, "customer-v4": 10})
    result = compare([("customer-v3", 100)], tally)
    assert [r.revision for r in result.rows] == ["customer-v3", "customer-v4"]
    assert result.rows[1].configured == 0
    assert result.rows[1].expected == (0, 0)
    assert result.verdict == "unexpected"
    assert result.summary.startswith("customer-v3, customer-v4: outside the 95% range for 1000 requests")


def test_no_answers_is_waiting_not_a_verdict() -> None:
    result = compare([("a", 50), ("b", 50)], record_error(Tally(), "timeout"))
    assert result.verdict == "waiting"
    assert {r.verdict for r in result.rows} == {"waiting"}
    assert result.summary == "No answer named its revision yet."
    assert compare([("a", 100)], Tally()).summary == "No answers yet."


def test_record_counts_without_changing_the_old_tally() -> None:
    first = Tally()
    second = record(record(record(first, "a"), "a"), None)
    third = record_error(second, "HTTP 503")
    assert first.counts == {}
    assert dict(second.counts) == {"a": 2}
    assert (third.attributed, third.unattributed, third.errors, third.sent) == (2, 1, 1, 4)
    assert third.last_error == "HTTP 503"


def test_attribution_prefers_the_header_then_a_version_token_of_the_body() -> None:
    versions = version_map(
        [revision("customer-v3", image="x", version="v3"), revision("customer-v4", image="x", version="v4")]
    )
    rule = Attribution(versions=versions, revisions=frozenset({"customer-v3", "customer-v4"}))
    body = "customer => preference => recommendation v4 from 'customer-v4-deployment-abc': 3"
    assert attribute("customer-v3", body, rule) == "customer-v3"
    assert attribute(None, body, rule) == "customer-v4"
    assert attribute("", "hello v9 and v3", rule) == "customer-v3"  # v9 names no revision: next token
    assert attribute(None, "no version here", rule) is None


def test_version_map_prefers_routed_revisions_on_shared_tokens() -> None:
    revisions = [
        revision("customer-v1", image="x", version="v1"),
        revision("customer-00001", image="x", version="v1"),
        revision("x", image="x", version=None),
    ]
    assert version_map(revisions, routed=["customer-v1"]) == {"v1": "customer-v1"}
    assert version_map(revisions) == {"v1": "customer-00001"}


def test_a_custom_pattern_group_selects_the_token() -> None:
    rule = Attribution(pattern=compile_pattern(r"version=(\w+)"), versions={"blue": "app-1"})
    assert attribute(None, "ok version=blue", rule) == "app-1"
    assert re.compile(DEFAULT_PATTERN).findall("customer-v4 v4 v45x") == ["v4", "v4"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("(", "not a valid regular expression"),
        ("(a)(b)", "at most one group"),
        ("a" * 201, "longer than 200"),
    ],
)
def test_bad_patterns_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_pattern(text)


@pytest.mark.parametrize(
    "text",
    [r"(v\d+)\1", r"(?P<v>v\d)(?P=v)", r"(?=v)\w+", r"(?!x)v\d", r"(?<=version )v\d+", r"v\d++"],
)
def test_patterns_that_need_backtracking_are_refused_naming_why(text: str) -> None:
    with pytest.raises(PatternError, match=r"^the body pattern needs backtracking .* \(.+\)$"):
        compile_pattern(text)


def test_a_backtracking_prone_pattern_is_accepted_and_finds_its_token() -> None:
    rule = Attribution(pattern=compile_pattern(r"(\w+\s?)+$"), versions={"v4": "customer-v4"})
    assert attribute(None, "hello from v4", rule) == "customer-v4"
    assert attribute(None, "a" * 20 + "!", rule) is None


def test_configured_split_of_route_and_tag_urls() -> None:
    traffic = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 50},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 50},
        {"tag": "latest", "revisionName": "customer-v4", "percent": 0, "latestRevision": True},
    ]
    assert configured_split(traffic) == [("customer-v3", 50), ("customer-v4", 50)]
    assert configured_split(traffic, "latest") == [("customer-v4", 100)]
    assert configured_split(traffic, "nope") == []
    assert configured_split(None) == []


def test_percent_text_never_rounds_a_nonzero_share_to_zero() -> None:
    assert [percent_text(x) for x in (0.0, 0.001, 0.3127, 0.999, 1.0)] == ["0%", "<1%", "31%", ">99%", "100%"]


def test_an_answer_reads_as_the_lab_s_curl_loop_prints_it() -> None:
    rule = Attribution(versions={"v3": "customer-v3", "v4": "customer-v4"}, revisions=frozenset())
    body = "customer => preference => recommendation v4 from 'customer-v4-deployment-abc': 3\n"
    assert attribute_answer(None, body, rule) == ("customer-v4", "v4")
    assert attribute_answer("customer-v3", body, rule) == ("customer-v3", "v4")  # the header wins
    assert attribute_answer(None, "hello v9", rule) == (None, None)
    assert first_line("\n  " + body) == body.strip()
    assert first_line("x" * 100) == "x" * 79 + "…"


def test_a_window_tallies_its_answers_errors_apart() -> None:
    answers = [
        Answer(0.0, "200", True, "customer-v3", "v3"),
        Answer(0.1, "200", True, "customer-v4", "v4"),
        Answer(0.2, "200", True, "customer-v4", "v4"),
        Answer(0.3, "200", True, None),
        Answer(0.4, "HTTP 503", False),
    ]
    tally = window_tally(answers)
    assert dict(tally.counts) == {"customer-v3": 1, "customer-v4": 2}
    assert (tally.unattributed, tally.errors, tally.last_error, tally.sent) == (1, 1, "HTTP 503", 5)


def test_revision_readings_count_one_revision_s_answers_since_a_time() -> None:
    answers = [
        Answer(0.0, "200", True, "v4", elapsed=0.5),  # before `since`: left out
        Answer(1.0, "200", True, "v4", elapsed=0.010),
        Answer(1.1, "HTTP 503", False, "v4", elapsed=0.020),  # the revision's own error
        Answer(1.2, "200", True, "v3", elapsed=0.9),  # another revision
        Answer(1.3, "timed out after 5s", False),  # names no revision: counts for none
        Answer(1.4, "200", True, "v4", elapsed=0.030),
    ]
    readings = revision_readings(answers, "v4", since=1.0)
    assert readings == Readings(requests=3, errors=1, p95_ms=30.0, source="probe")
    assert revision_readings(answers, "v2", since=0.0) == Readings(0, 0, None, "probe")


answers_strategy = st.lists(
    st.builds(
        Answer,
        sent=st.floats(min_value=0, max_value=100),
        status=st.sampled_from(["200", "HTTP 503", "timed out after 5s"]),
        ok=st.booleans(),
        revision=st.sampled_from([None, "v3", "v4"]),
        elapsed=st.none() | st.floats(min_value=0, max_value=10),
    ),
    max_size=60,
)


@given(answers_strategy, st.floats(min_value=0, max_value=100))
def test_revision_readings_count_exactly_the_revision_s_answers_since(
    answers: list[Answer], since: float
) -> None:
    mine = [a for a in answers if a.revision == "v4" and a.sent >= since]
    readings = revision_readings(answers, "v4", since)
    assert (readings.requests, readings.errors) == (len(mine), sum(not a.ok for a in mine))
    latencies = [a.elapsed * 1000 for a in mine if a.elapsed is not None]
    assert readings.p95_ms == (p95(latencies) if latencies else None)
