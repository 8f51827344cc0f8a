"""Fuzzing the traffic editor's write endpoints (JSON API and HTML form) with hypothesis: whatever is
posted, no invalid split reaches the API server, and every refusal says why in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.model.editing import revision_choices, validate_targets
from app.model.traffic import default_traffic, parse_traffic
from tests.fuzz.conftest import FuzzTarget, Write
from tests.support.forms import API, EDITOR, NS, csrf_client

CURRENT = "<current>"
"""Stands for the Service's resourceVersion (or generation) as the dashboard reads it before the post."""
REVISIONS = ("customer-v1", "customer-v3", "customer-v4", "preference-v1", "recommendation-v2", "missing-v9")
OWN = ("customer-v3", "customer-v4", "@latest")
"""The lab Service's own ready revisions (and the floating target)."""
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-200, 300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
names = st.one_of(st.sampled_from(REVISIONS), st.text(max_size=70))
tags = st.one_of(
    st.sampled_from(["current", "candidate", "latest", "", "Not_A_Tag", "a" * 70]), st.text(max_size=20)
)
target = st.fixed_dictionaries(
    {},
    optional={
        "tag": st.one_of(tags, scalars),
        "revisionName": st.one_of(names, scalars),
        "configurationName": st.one_of(st.sampled_from(["customer", "preference"]), scalars),
        "latestRevision": st.one_of(st.booleans(), scalars),
        "percent": st.one_of(st.integers(-10, 110), scalars),
        "url": st.one_of(st.just("http://x.example"), scalars),
        "unknownField": scalars,
    },
)


@st.composite
def plausible(draw: st.DrawFn, exact: bool = False) -> list[dict[str, Any]]:
    """Splits over real, missing and foreign revisions whose percents mostly sum to 100 (`exact`: over
    the Service's own revisions, summing to 100, with distinct tags: what the cluster accepts)."""
    pool = OWN if exact else draw(st.sampled_from([OWN, OWN, (*REVISIONS, "@latest")]))
    picked = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(picked) - 1, max_size=len(picked) - 1)))
    percents = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    percents[0] += 0 if exact else draw(st.sampled_from([0, 0, 0, -1, 5]))
    split = []
    for index, (revision, percent) in enumerate(zip(picked, percents, strict=True)):
        entry: dict[str, Any] = {"percent": percent}
        entry |= {"latestRevision": True} if revision == "@latest" else {"revisionName": revision}
        good_tag = st.one_of(st.none(), st.just(f"t{index}"))
        tag = draw(
            good_tag if exact else st.one_of(good_tag, st.sampled_from(["current", "candidate"]), tags)
        )
        if tag is not None:
            entry["tag"] = tag
        split.append(entry)
    return split


traffic = st.one_of(
    plausible(),
    plausible(),
    st.lists(target, max_size=5),
    scalars,
    st.dictionaries(st.text(max_size=8), scalars),
)
expressions = st.one_of(
    st.sampled_from(
        ["current=90,candidate=10", "@latest=100", "customer-v3=50,customer-v4=50", "x=", "=5", ""]
    ),
    st.text(max_size=40),
)
versions = st.one_of(st.just(CURRENT), st.text(max_size=12), st.integers(-5, 10**12), st.none())
well_formed = st.one_of(
    st.fixed_dictionaries(
        {"resourceVersion": st.just(CURRENT), "generation": st.just(CURRENT), "traffic": traffic}
    ),
    st.fixed_dictionaries({"resourceVersion": st.just(CURRENT), "expression": expressions}),
)
accepted = st.fixed_dictionaries(
    {"resourceVersion": st.just(CURRENT), "generation": st.just(CURRENT), "traffic": plausible(exact=True)}
)
bodies = st.one_of(
    accepted,
    well_formed,
    well_formed,
    st.fixed_dictionaries(
        {"resourceVersion": versions},
        optional={
            "generation": st.one_of(st.just(CURRENT), scalars),
            "traffic": traffic,
            "expression": expressions,
        },
    ),
    st.dictionaries(st.text(max_size=10), scalars, max_size=4),
    scalars,
)


@pytest.fixture(scope="module")
def client(fuzz_target: FuzzTarget) -> Iterator[httpx.Client]:
    """A browser-like client of the dashboard (its CSRF token sent with every post)."""
    with csrf_client(fuzz_target.dashboard.url) as http:
        yield http


def current(client: httpx.Client) -> dict[str, Any]:
    state = client.get(API)
    assert state.status_code == 200, state.text
    answer: dict[str, Any] = state.json()
    return answer


def resolve(value: object, state: dict[str, Any], key: str) -> object:
    return state[key] if value == CURRENT else value


def invalid_writes(fuzz_target: FuzzTarget, writes: list[Write]) -> list[str]:
    """The recorded writes whose split Knative's webhook, or the Route (a revision that is missing, not
    ready or another Service's), would refuse."""
    store = fuzz_target.cluster.store
    revisions, _ = store.list(store.registry.get("revisions.serving.knative.dev"), NS)
    choices = revision_choices(revisions)
    problems = []
    for write in writes:
        spec = write.new.get("spec") or {}
        targets, errors = parse_traffic(spec.get("traffic"))
        name = str(write.new["metadata"]["name"])
        validation = validate_targets(default_traffic(targets), name, choices, errors)
        if not validation.ok:
            problems.append(f"{write.operation} {name}: {validation.text}")
    return problems


def assert_said_why(answer: httpx.Response) -> None:
    """A refusal (4xx) with a message a person can read; never a server error."""
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code < 400:
        return
    body = answer.json()
    message = body.get("message") if isinstance(body, dict) else None
    if message is None and isinstance(body, dict):  # FastAPI's own check of the body's shape
        detail = body.get("detail")
        assert isinstance(detail, list) and detail, body
        message = "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in detail)
    assert isinstance(message, str) and message.strip(), body


@FUZZ
@given(body=bodies, verb=st.sampled_from(["apply", "dryrun", "preview"]))
def test_json_api_sends_only_valid_splits(
    fuzz_target: FuzzTarget, client: httpx.Client, body: object, verb: str
) -> None:
    state = current(client)
    if isinstance(body, dict):
        body = {
            **body,
            **{k: resolve(v, state, k) for k, v in body.items() if k in ("resourceVersion", "generation")},
        }
    fuzz_target.writes.take()
    answer = client.post(f"{API}/{verb}", json=body)
    assert_said_why(answer)
    writes = fuzz_target.writes.take()
    event(f"{verb} answered {answer.status_code}, {'wrote' if writes else 'sent nothing'}")
    assert invalid_writes(fuzz_target, writes) == []


def test_the_recorder_sees_what_an_apply_sends(fuzz_target: FuzzTarget, client: httpx.Client) -> None:
    """The fuzz tests' oracle is not blind: an accepted apply shows up as a recorded write."""
    state = current(client)
    percent = next(p for p in range(37, 99) if p not in [t.get("percent") for t in state["traffic"]])
    split = [
        {"revisionName": "customer-v3", "percent": percent},
        {"revisionName": "customer-v4", "percent": 100 - percent},
    ]
    fuzz_target.writes.take()
    body = {"resourceVersion": state["resourceVersion"], "generation": state["generation"], "traffic": split}
    answer = client.post(f"{API}/apply", json=body)
    assert answer.status_code == 200, answer.text
    writes = fuzz_target.writes.take()
    assert [w.new["spec"]["traffic"][0]["percent"] for w in writes if w.operation == "UPDATE"] == [percent]
    assert invalid_writes(fuzz_target, writes) == []


# --- The HTML form ------------------------------------------------------------------------------

ACTIONS = [
    "apply",
    "dryrun",
    "preview",
    "evenly",
    "remove:0",
    "all:1",
    "add",
    "rollback",
    "expression",
    "reload",
]
rows = st.one_of(
    plausible().map(
        lambda split: [
            (str(t.get("revisionName", "@latest")), str(t.get("tag", "")), str(t["percent"])) for t in split
        ]
    ),
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from([*REVISIONS, "@latest"]), st.text(max_size=20)),
            tags,
            st.one_of(st.integers(-10, 110).map(str), st.text(max_size=6)),
        ),
        max_size=6,
    ),
)
ERROR_SAID = re.compile(
    r'data-notice="error"[^>]*>\s*<strong>[^<\s][^<]*</strong>'
    r"|data-conflict[^>]*>\s*<strong>[^<\s]"
    r"|<h1>[^<\s][^<]*</h1>\s*<p>[^<\s]",
)


def form_fields(
    state: dict[str, Any], rv: object, action: str, table: list[tuple[str, str, str]]
) -> dict[str, str]:
    fields = {
        "rv": str(resolve(rv, state, "resourceVersion") or ""),
        "gen": str(state["generation"]),
        "action": action,
    }
    for i, (revision, tag, percent) in enumerate(table):
        fields |= {f"t{i}.target": revision, f"t{i}.tag": tag, f"t{i}.percent": percent}
    return fields


@FUZZ
@given(
    rv=st.one_of(st.just(CURRENT), st.just(CURRENT), st.text(max_size=8)),
    action=st.one_of(st.sampled_from(["apply", "dryrun", *ACTIONS]), st.text(max_size=12)),
    table=rows,
    expression=expressions,
    live=st.booleans(),
)
def test_editor_form_sends_only_valid_splits(
    fuzz_target: FuzzTarget,
    client: httpx.Client,
    rv: str,
    action: str,
    table: list[tuple[str, str, str]],
    expression: str,
    live: bool,
) -> None:
    fields = form_fields(current(client), rv, action, table) | {"expression": expression}
    fuzz_target.writes.take()
    if live:  # a slider released in live mode applies at once
        fields |= {"live": "on", "_event": "change"}
        headers = {"HX-Request": "true", "HX-Trigger-Name": "t0.slider", "HX-Trigger": "t0-slider"}
        answer = client.post(
            f"{EDITOR}/live", data=fields | {"t0.slider": fields.get("t0.percent", "0")}, headers=headers
        )
    else:
        answer = client.post(EDITOR, data=fields)
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code >= 400:
        assert ERROR_SAID.search(answer.text), answer.text[:3000]
    writes = fuzz_target.writes.take()
    event(f"answered {answer.status_code}, {'wrote' if writes else 'sent nothing'}")
    assert invalid_writes(fuzz_target, writes) == []
