"""kn's traffic syntax, rule by rule and error by error, on the lab's block."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model.expressions import (
    KnFlags,
    RevisionTag,
    TrafficShare,
    apply_traffic_expression,
    kn_update_command,
    parse_kn_flags,
    parse_tag_expression,
    parse_traffic_expression,
    parse_untag_expression,
    unknown_tag_revisions,
)
from app.model.traffic import TrafficTarget, validate_traffic


def split_of(targets: list[TrafficTarget]) -> list[tuple[str | None, str | None, int | None]]:
    return [(t.tag, t.revision_name if not t.latest_revision else "@latest", t.percent) for t in targets]


def test_parse_a_full_expression() -> None:
    assert parse_traffic_expression(" current=50, candidate=50% ,@latest=0") == (
        [TrafficShare("current", 50), TrafficShare("candidate", 50), TrafficShare("@latest", 0)],
        [],
    )
    assert parse_traffic_expression("100") == ([TrafficShare("@latest", 100)], [])
    assert parse_traffic_expression("  ") == ([], [])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("current=abc", "error converting given abc to integer value for traffic distribution"),
        ("current=5.5", "error converting given 5.5 to integer value for traffic distribution"),
        ("current= 5", "error converting given  5 to integer value for traffic distribution"),
        ("current=101", "invalid value for traffic percent 101, expected 0 <= percent <= 100"),
        ("current=-1", "invalid value for traffic percent -1, expected 0 <= percent <= 100"),
        ("a=b=c", "expecting the value format in value1=value2, given a=b=c"),
        ("=50", "expecting the value format in value1=value2, given =50"),
        ("current=", "expecting the value format in value1=value2, given current="),
        (
            "@latest=10,@latest=90",
            "repetition of identifier @latest is not allowed, use only once with --traffic flag",
        ),
        (
            "current=10,current=90",
            "repetition of revision reference current is not allowed, use only once with --traffic flag",
        ),
        ("current=50,,candidate=50", "empty entry at position 2 of the traffic expression"),
    ],
)
def test_parse_errors_use_kn_messages(text: str, error: str) -> None:
    assert parse_traffic_expression(text)[1] == [error]


def test_parse_tags_and_untags() -> None:
    assert parse_tag_expression("customer-v3=stable,@latest=next") == (
        [RevisionTag("customer-v3", "stable"), RevisionTag("@latest", "next")],
        [],
    )
    assert parse_tag_expression("@latest=a,@latest=b")[1] == [
        "repetition of identifier @latest is not allowed, use only once with --tag flag"
    ]
    assert parse_untag_expression("current, ,candidate") == ["current", "candidate"]


def test_refs_are_tags_revisions_or_latest(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(lab_targets, "current=20,customer-v4=30,@latest=50")
    assert errors == []
    assert split_of(result) == [
        ("current", "customer-v3", 20),
        ("candidate", "customer-v4", 30),
        ("latest", "@latest", 50),
    ]
    assert validate_traffic(result) == []


def test_a_tag_wins_over_a_revision_of_the_same_name() -> None:
    targets = [
        TrafficTarget(revision_name="x", percent=50),
        TrafficTarget(tag="x", revision_name="customer-v4", percent=50),
    ]
    result, _ = apply_traffic_expression(targets, "x=100")
    assert split_of(result) == [("x", "customer-v4", 100)]


def test_untagged_zero_targets_are_removed_tagged_ones_kept(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(lab_targets, "current=100", untags="candidate,latest")
    assert errors == []
    assert split_of(result) == [("current", "customer-v3", 100)]


def test_the_one_target_left_out_takes_the_rest(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(lab_targets, "current=70,candidate=20")
    assert errors == []
    assert split_of(result) == [
        ("current", "customer-v3", 70),
        ("candidate", "customer-v4", 20),
        ("latest", "@latest", 10),
    ]
    assert result[2].latest_revision is True and result[2].revision_name is None


def test_an_untagged_floating_target_left_out_stays_floating() -> None:
    targets = [TrafficTarget(revision_name="customer-v3", percent=50), TrafficTarget(percent=50)]
    result, errors = apply_traffic_expression(targets, "customer-v3=30")
    assert errors == []
    assert split_of(result) == [(None, "customer-v3", 30), (None, "@latest", 70)]


def test_the_rest_needs_exactly_one_target_left_out(lab_targets: list[TrafficTarget]) -> None:
    assert apply_traffic_expression(lab_targets, "current=70")[1] == [
        "unable to allocate the remaining traffic: 30%. "
        "Reason: incorrect number of revisions specified. Only 1 revision should be missing"
    ]
    # @latest covers the floating target and the latest ready revision customer-v4: nobody is left out.
    assert apply_traffic_expression(
        lab_targets, "current=70,@latest=10", latest_ready_revision="customer-v4"
    )[1] == ["unable to allocate the remaining traffic: 20%. Reason: cannot determine the missing revision"]


def test_sum_over_100_is_refused(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(lab_targets, "current=70,candidate=40")
    assert errors == ["given traffic percents sum to 110, want <=100"]
    assert result == lab_targets


def test_unknown_refs_become_pinned_targets_or_errors(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(lab_targets, "customer-v5=100")
    assert errors == []
    assert split_of(result) == [
        ("current", "customer-v3", 0),
        ("candidate", "customer-v4", 0),
        ("latest", "@latest", 0),
        (None, "customer-v5", 100),
    ]
    _, errors = apply_traffic_expression(lab_targets, "customer-v5=100", known_revisions={"customer-v3"})
    assert errors == ['"customer-v5" is neither a tag, a revision of this service, nor @latest']


def test_latest_gets_a_new_target_when_none_floats() -> None:
    targets = [TrafficTarget(revision_name="customer-v3", percent=100)]
    result, _ = apply_traffic_expression(targets, "customer-v3=60,@latest=40")
    assert split_of(result) == [(None, "customer-v3", 60), (None, "@latest", 40)]


def test_tagging_rules(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(lab_targets, tags="customer-v3=stable")
    assert errors == []
    assert split_of(result)[-1] == ("stable", "customer-v3", 0)
    assert apply_traffic_expression(lab_targets, tags="customer-v3=current") == (
        apply_traffic_expression(lab_targets)[0],
        [],
    )
    assert apply_traffic_expression(lab_targets, tags="customer-v9=current")[1] == [
        "refusing to overwrite existing tag in service, add flag '--untag current' in command to untag it"
    ]
    assert apply_traffic_expression(lab_targets, tags="@latest=next")[1] == [
        "tag 'latest' exists on latest ready revision of service, refusing to overwrite existing tag with "
        "'next', add flag '--untag latest' in command to untag it"
    ]
    result, errors = apply_traffic_expression(lab_targets, tags="@latest=next", untags="latest")
    assert errors == [] and split_of(result)[-1] == ("next", "@latest", 0)


def test_untag_applies_before_tag_and_unknown_tags_fail(lab_targets: list[TrafficTarget]) -> None:
    result, errors = apply_traffic_expression(
        lab_targets, tags="customer-v4=current", untags="current,candidate"
    )
    assert errors == []
    assert split_of(result) == [
        (None, "customer-v3", 50),
        ("current", "customer-v4", 50),
        ("latest", "@latest", 0),
    ]
    assert apply_traffic_expression(lab_targets, untags="nope,gone", service_name="customer")[1] == [
        "tag(s) nope, gone not present for any revisions of service customer"
    ]


@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=20))
def test_never_raises_on_user_input(traffic: str, tags: str, untags: str) -> None:
    lab = [
        TrafficTarget(tag="current", revision_name="customer-v3", percent=50),
        TrafficTarget(tag="latest", latest_revision=True, percent=50),
    ]
    result, errors = apply_traffic_expression(lab, traffic, tags=tags, untags=untags)
    assert all(isinstance(e, str) and e for e in errors)
    if errors:
        assert result == lab


# --- The editor's kn field and the command it shows ----------------------------------------------------
# kn service update takes --traffic, --tag and --untag as string-slice flags: each may be given many
# times and takes comma-separated values (knative/client pkg/commands/flags/traffic.go); it untags,
# then tags, then sets traffic (pkg/traffic/compute.go, Compute).


def test_kn_flags_as_typed() -> None:
    assert parse_kn_flags("current=90,candidate=10") == (KnFlags("current=90,candidate=10", "", ""), [])
    typed = "--tag customer-v4=preview --untag candidate --traffic=current=90 --traffic preview=10"
    assert parse_kn_flags(typed) == (KnFlags("current=90,preview=10", "customer-v4=preview", "candidate"), [])
    assert parse_kn_flags("--tag a=b --tag c=d") == (KnFlags("", "a=b,c=d", ""), [])
    _, errors = parse_kn_flags("--traffic --revision x")
    assert errors == [
        "flag needs an argument: --traffic",
        "unknown flag: --revision (the editor takes --traffic, --tag and --untag)",
    ]


def test_unknown_revisions_to_tag_get_a_clear_message() -> None:
    known = {"customer-v3", "customer-v4"}
    assert unknown_tag_revisions("customer-v4=preview,@latest=newest", known) == []
    assert unknown_tag_revisions("customer-v9=x", known) == [
        'cannot tag "customer-v9": it is neither a revision of this service nor @latest'
    ]


def test_the_kn_command_for_a_draft_makes_the_draft(lab_targets: list[TrafficTarget]) -> None:
    """The command shown is one kn would run to the same block: retag a revision (kn refuses to move a
    tag without --untag), shift traffic, leave the tag-only `latest` as it is."""
    draft = [
        TrafficTarget(tag="current", revision_name="customer-v3", percent=90),
        TrafficTarget(tag="preview", revision_name="customer-v4", percent=10),
        TrafficTarget(tag="latest", latest_revision=True, percent=0),
    ]
    command = kn_update_command("customer", "labs-1", lab_targets, draft)
    assert command == (
        "kn service update customer -n labs-1 --untag candidate --tag customer-v4=preview"
        " --traffic current=90,preview=10"
    )
    flags, errors = parse_kn_flags(command.split(" ", 6)[6])
    assert errors == []
    result, messages = apply_traffic_expression(
        lab_targets, flags.traffic, tags=flags.tags, untags=flags.untags, service_name="customer"
    )
    assert messages == [] and split_of(result) == split_of(draft)


@given(st.lists(st.integers(0, 100), min_size=3, max_size=3))
def test_the_kn_command_round_trips_any_split_of_the_lab(raw: list[int]) -> None:
    total = sum(raw) or 1
    percents = [p * 100 // total for p in raw]
    percents[0] += 100 - sum(percents)
    lab = [
        TrafficTarget(tag="current", revision_name="customer-v3", latest_revision=False, percent=50),
        TrafficTarget(tag="candidate", revision_name="customer-v4", latest_revision=False, percent=50),
        TrafficTarget(tag="latest", latest_revision=True, percent=0),
    ]
    draft = [
        TrafficTarget(t.tag, t.revision_name, None, t.latest_revision, p)
        for t, p in zip(lab, percents, strict=True)
    ]
    flags, _ = parse_kn_flags(kn_update_command("customer", "labs-1", lab, draft).split(" ", 6)[6])
    result, messages = apply_traffic_expression(lab, flags.traffic, tags=flags.tags, untags=flags.untags)
    assert messages == [] and split_of(result) == split_of(draft)
