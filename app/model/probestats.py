r"""What a traffic probe saw, beside what the split asks for: tallies, 95% intervals and their wording.

A 50/50 split answering 6 and 4 out of 10 requests is chance, not a fault. For each revision this module
gives the observed share with its Wilson score interval, and the range of counts a binomial draw at the
configured percent lands in 95% of the time, so the dashboard can say "as expected" or "unexpected"
with the numbers behind it. It also attributes a response to a revision (a header, else a version token
in the body). Pure: no I/O, no clocks.

Body patterns come from whoever starts a probe and run over answers the probed app chose, so they are
compiled with RE2, whose matching time grows linearly with the body: a pattern such as `(\w+\s?)+$` that
backtracks for hours in Python's `re` is matched in one pass. Features that need backtracking
(backreferences, look-around) are refused with a message saying so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import re2

from app.model.gates import Readings, p95
from app.model.routing import REVISION_HEADER

Z95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""
DEFAULT_PATTERN = r"\bv\d+\b"
"""A version token like `v4`, matched against the revisions' VERSION environment variables."""
MAX_PATTERN_LENGTH = 200
PATTERN_MEMORY = 1 << 20
"""Bytes RE2 may spend on one compiled pattern (its default is 8 MiB; 200 characters need far less)."""
VERSION_VAR = "VERSION"

Verdict = Literal["expected", "unexpected", "waiting"]


# ----------------------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Interval:
    """A share's 95% interval, as fractions in [0, 1]."""

    low: float
    high: float

    def contains(self, share: float) -> bool:
        return self.low - 1e-12 <= share <= self.high + 1e-12


def wilson_interval(successes: int, trials: int, z: float = Z95) -> Interval:
    """The Wilson score interval for `successes` out of `trials` (the whole [0, 1] without trials).

    Unlike the normal approximation it stays inside [0, 1] and is sensible at 0 and n successes."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return Interval(0.0, 1.0)
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(low, high)


def _log_pmf(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def binomial_range(trials: int, p: float, coverage: float = 0.95) -> tuple[int, int]:
    """The central range of counts a Binomial(trials, p) draw falls in with at least `coverage`.

    Each tail outside the range holds at most (1 - coverage) / 2; e.g. 10 requests at 50% give 2..8."""
    if trials < 0:
        raise ValueError(f"trials must be >= 0, got {trials}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be within [0, 1], got {p}")
    if p == 0.0 or trials == 0:
        return 0, 0
    if p == 1.0:
        return trials, trials
    tail = (1.0 - coverage) / 2
    low, high = 0, trials
    cumulative = 0.0
    found_low = False
    for k in range(trials + 1):
        cumulative += math.exp(_log_pmf(k, trials, p))
        if not found_low and cumulative > tail + 1e-12:
            low, found_low = k, True
        if cumulative >= 1.0 - tail - 1e-12:
            high = k
            break
    return low, high


# --------------------------------------------------------------------------------------- attribution


class PatternError(ValueError):
    """A body pattern that cannot be used; the message says why and what to change."""


class BodyPattern:
    """A compiled body pattern: finds version tokens in an answer in time linear in its length."""

    def __init__(self, text: str, compiled: Any) -> None:
        self.text = text
        self._compiled = compiled
        self.groups: int = compiled.groups

    def tokens(self, body: str) -> Iterator[str]:
        """Each match's token (its group when the pattern has one, else the whole match), in order."""
        for match in self._compiled.finditer(body):
            token = match.group(1) if self.groups else match.group(0)
            if isinstance(token, str):
                yield token


def compile_pattern(text: str) -> BodyPattern:
    """A body pattern from user input; PatternError (a ValueError) with a clear message when unusable."""
    if not text:
        raise PatternError("the body pattern is empty")
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the body pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        # Python's parser names syntax errors plainly; compiling never matches, so this is safe.
        groups = re.compile(text).groups
    except re.error as exc:
        raise PatternError(f"the body pattern is not a valid regular expression: {exc}") from None
    if groups > 1:
        raise PatternError("the body pattern may have at most one group (the version token)")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = PATTERN_MEMORY
    try:
        compiled = re2.compile(text, options)
    except re2.error as exc:
        raise PatternError(
            "the body pattern needs backtracking (backreferences, look-around or the like), which could"
            f" take hours on a hostile answer; use plain groups, classes and repeats ({_re2_reason(exc)})"
        ) from None
    return BodyPattern(text, compiled)


def _re2_reason(exc: Exception) -> str:
    """RE2's own words for a refused pattern (its errors carry bytes)."""
    reason = exc.args[0] if exc.args else exc
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def env_value(revision: Mapping[str, Any], name: str) -> str | None:
    """The literal value of env var `name` in the revision's containers (the first found), or None."""
    for container in (revision.get("spec") or {}).get("containers") or ():
        for env in container.get("env") or ():
            if isinstance(env, Mapping) and env.get("name") == name and isinstance(env.get("value"), str):
                return str(env["value"])
    return None


def version_map(revisions: Iterable[Mapping[str, Any]], routed: Iterable[str] = ()) -> dict[str, str]:
    """Version token (a revision's VERSION env value) -> revision name.

    When revisions share a token, a routed one wins over an unrouted one, then the later in the input."""
    preferred = set(routed)
    tokens: dict[str, str] = {}
    for revision in sorted(revisions, key=lambda r: r.get("metadata", {}).get("name", "") in preferred):
        name = revision.get("metadata", {}).get("name")
        token = env_value(revision, VERSION_VAR)
        if isinstance(name, str) and token:
            tokens[token] = name
    return tokens


@dataclass(frozen=True)
class Attribution:
    """How a response names its revision: a header first, else a token of the body."""

    pattern: BodyPattern = field(default_factory=lambda: compile_pattern(DEFAULT_PATTERN))
    versions: Mapping[str, str] = field(default_factory=dict)
    """Version token -> revision (see `version_map`)."""
    revisions: frozenset[str] = frozenset()
    """Revision names a body may also mention directly."""
    header: str = REVISION_HEADER


def attribute(header_value: str | None, body: str, rule: Attribution) -> str | None:
    """The revision that answered: the header's value, else the first body token that names one."""
    return attribute_answer(header_value, body, rule)[0]


def attribute_answer(header_value: str | None, body: str, rule: Attribution) -> tuple[str | None, str | None]:
    """(revision, version token) of an answer: the revision as `attribute` finds it, and the first body
    token that names a revision (None when none does), which is what the lab's curl loop reads."""
    token = next((t for t in rule.pattern.tokens(body) if t in rule.versions or t in rule.revisions), None)
    if header_value and header_value.strip():
        return header_value.strip(), token
    if token is None:
        return None, None
    return rule.versions.get(token, token), token


# ---------------------------------------------------------------------------------------- answers

TICKER_TEXT = 80
"""Characters of an answer's first line kept for the ticker."""


@dataclass(frozen=True)
class Answer:
    """One request's outcome, as the lab's `curl` loop prints it: status, revision, version, text."""

    sent: float
    """When the request left (the probe's clock, seconds)."""
    status: str
    """The HTTP status code ("200"), or why there was none ("timed out after 5s")."""
    ok: bool
    revision: str | None = None
    version: str | None = None
    text: str = ""
    """The answer's first line, cut to TICKER_TEXT characters."""
    elapsed: float | None = None
    """The request's round trip in seconds, sent to the answer's last byte read (None: no answer came,
    as on a timeout or a refused connection)."""


def first_line(body: str, limit: int = TICKER_TEXT) -> str:
    """The first non-blank line of an answer, cut (with an ellipsis) to `limit` characters."""
    line = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def window_tally(answers: Iterable[Answer]) -> Tally:
    """The tally of a window of answers (the rolling window the probe compares with the split)."""
    counts: dict[str, int] = {}
    unattributed = errors = 0
    last_error = ""
    for answer in answers:
        if not answer.ok:
            errors, last_error = errors + 1, answer.status
        elif answer.revision is None:
            unattributed += 1
        else:
            counts[answer.revision] = counts.get(answer.revision, 0) + 1
    return Tally(counts, unattributed, errors, last_error)


def revision_readings(answers: Iterable[Answer], revision: str, since: float) -> Readings:
    """What a probe saw of one revision in the answers to requests sent at or after `since` (the probe's
    clock): its answers, the failed ones (an HTTP error status that still names the revision, as the
    gateway's headers do for a revision's own 5xx) and the 95th percentile of their round trips.

    An answer that names no revision (a timeout, a refused connection, an ingress 503 before any
    revision was chosen) counts for none: it cannot be held against the candidate."""
    requests = errors = 0
    latencies: list[float] = []
    for answer in answers:
        if answer.sent < since or answer.revision != revision:
            continue
        requests += 1
        errors += not answer.ok
        if answer.elapsed is not None:
            latencies.append(answer.elapsed * 1000)
    return Readings(requests, errors, p95(latencies), "probe")


# -------------------------------------------------------------------------------------------- tallies


@dataclass(frozen=True)
class Tally:
    """Responses so far: per revision, unattributed (answered, revision unknown) and failed."""

    counts: Mapping[str, int] = field(default_factory=dict)
    unattributed: int = 0
    errors: int = 0
    last_error: str = ""

    @property
    def attributed(self) -> int:
        return sum(self.counts.values())

    @property
    def sent(self) -> int:
        return self.attributed + self.unattributed + self.errors


def record(tally: Tally, revision: str | None) -> Tally:
    """The tally after one answered request (revision None: it could not be attributed)."""
    if revision is None:
        return replace(tally, unattributed=tally.unattributed + 1)
    counts = dict(tally.counts)
    counts[revision] = counts.get(revision, 0) + 1
    return replace(tally, counts=counts)


def record_error(tally: Tally, reason: str) -> Tally:
    """The tally after a request that failed (timeout, refused, HTTP error status)."""
    return replace(tally, errors=tally.errors + 1, last_error=reason)


def configured_split(status_traffic: Any, tag: str | None = None) -> list[tuple[str, int]]:
    """What a URL should serve, per revision, from a Route's `status.traffic`.

    The route URL (tag None) spreads over every entry (percents summed per revision, spec order); a tag
    URL sends everything to its tag's revision. Empty when the tag is unknown."""
    entries = [e for e in status_traffic or () if isinstance(e, Mapping) and e.get("revisionName")]
    if tag is not None:
        named = next((e for e in entries if e.get("tag") == tag), None)
        return [(str(named["revisionName"]), 100)] if named else []
    split: dict[str, int] = {}
    for entry in entries:
        name = str(entry["revisionName"])
        split[name] = split.get(name, 0) + int(entry.get("percent") or 0)
    return list(split.items())


# ------------------------------------------------------------------------------------------ comparison


@dataclass(frozen=True)
class ShareRow:
    """One revision: configured percent beside the observed count, share and intervals."""

    revision: str
    configured: int
    count: int
    observed: float
    """The observed share of attributed responses (0 when none yet)."""
    interval: Interval
    """95% Wilson interval of the observed share."""
    expected: tuple[int, int]
    """Counts a split at `configured` percent gives 95% of the time, for this many responses."""
    verdict: Verdict
    wording: str


@dataclass(frozen=True)
class Comparison:
    """The whole picture: rows in the split's order (then revisions the split does not name)."""

    rows: tuple[ShareRow, ...]
    total: int
    """Attributed responses (the denominator of every share)."""
    unattributed: int
    errors: int
    verdict: Verdict
    summary: str


def percent_text(share: float) -> str:
    """A share as a whole percent ("31%"); under 1% but above 0 as "<1%"."""
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 < share < 1:
        return ">99%"
    return f"{round(share * 100)}%"


def _row(revision: str, configured: int, count: int, total: int) -> ShareRow:
    interval = wilson_interval(count, total)
    expected = binomial_range(total, configured / 100)
    observed = count / total if total else 0.0
    if total == 0:
        verdict: Verdict = "waiting"
        wording = f"{configured}% configured; no answers yet."
    else:
        verdict = "expected" if expected[0] <= count <= expected[1] else "unexpected"
        span = f"{expected[0]}" if expected[0] == expected[1] else f"{expected[0]} to {expected[1]}"
        wording = (
            f"{count} of {total} ({percent_text(observed)}, 95% interval "
            f"{percent_text(interval.low)}-{percent_text(interval.high)}); "
            f"at {configured}% chance gives {span} of {total}: "
            + ("as expected." if verdict == "expected" else "not what the split predicts.")
        )
    return ShareRow(revision, configured, count, observed, interval, expected, verdict, wording)


def compare(configured: Sequence[tuple[str, int]], tally: Tally) -> Comparison:
    """Configured split vs observed tally, one row per revision in either."""
    total = tally.attributed
    percents = dict(configured)
    names = [name for name, _ in configured] + sorted(set(tally.counts) - set(percents))
    rows = tuple(_row(name, percents.get(name, 0), tally.counts.get(name, 0), total) for name in names)
    if total == 0:
        verdict: Verdict = "waiting"
        summary = "No answers yet." if not tally.sent else "No answer named its revision yet."
    elif all(r.verdict == "expected" for r in rows):
        verdict = "expected"
        summary = f"Every share is within what chance gives for {total} requests: the split is served."
    else:
        verdict = "unexpected"
        odd = ", ".join(r.revision for r in rows if r.verdict == "unexpected")
        summary = (
            f"{odd}: outside the 95% range for {total} requests; "
            "the split served may differ from the one configured."
        )
    return Comparison(rows, total, tally.unattributed, tally.errors, verdict, summary)
