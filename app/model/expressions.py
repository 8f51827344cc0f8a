"""kn's traffic syntax (`--traffic ref=percent`, `--tag rev=tag`, `--untag tag`) applied to a traffic block.

Follows knative/client `pkg/kn/traffic/compute.go`: the same checks in the same order and the same
messages; untag, then tag, then traffic; targets left with no tag and 0% are dropped. Where kn works from
`status.traffic` and the revision list to find the target that takes the remaining percents, this works
from the (defaulted) spec block itself, and refers to that target by tag, revision name or `@latest` so
a floating latestRevision target stays floating (kn would pin it). Nothing here raises on user input.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import NamedTuple

from app.model.traffic import TrafficTarget, default_traffic

LATEST_REF = "@latest"
_GO_ATOI = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1


class TrafficShare(NamedTuple):
    """One `ref=percent` of a traffic expression; ref is a tag, a revision name or `@latest`."""

    ref: str
    percent: int


class RevisionTag(NamedTuple):
    """One `revision=tag` of a tag expression; revision may be `@latest`."""

    revision: str
    tag: str


def _items(text: str) -> list[str]:
    """A comma-separated flag value as kn's string-slice flags split it; blank text is no items."""
    return [] if not text.strip() else [item.strip() for item in text.split(",")]


def _split_pair(pair: str) -> tuple[str, str] | str:
    """kn's splitByEqualSign: `a=b` -> (a, b without a trailing %), `b` -> (@latest, b); or an error."""
    parts = pair.split("=")
    if len(parts) == 1:
        return LATEST_REF, parts[0].removesuffix("%")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return f"expecting the value format in value1=value2, given {pair}"
    return parts[0], parts[1].removesuffix("%")


def _repetition(flag: str, name: str) -> str:
    what = f"identifier {LATEST_REF}" if name == LATEST_REF else f"revision reference {name}"
    return f"repetition of {what} is not allowed, use only once with {flag} flag"


def parse_traffic_expression(text: str) -> tuple[list[TrafficShare], list[str]]:
    """Parse `current=50,candidate=50,@latest=0` (kn's --traffic); errors use kn's messages."""
    shares: list[TrafficShare] = []
    errors: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(_items(text), start=1):
        if not item:
            errors.append(f"empty entry at position {position} of the traffic expression")
            continue
        pair = _split_pair(item)
        if isinstance(pair, str):
            errors.append(pair)
            continue
        ref, raw = pair
        if ref in seen:
            errors.append(_repetition("--traffic", ref))
            continue
        seen.add(ref)
        if not _GO_ATOI.fullmatch(raw) or abs(int(raw)) > _INT64_MAX:
            errors.append(f"error converting given {raw} to integer value for traffic distribution")
            continue
        percent = int(raw)
        if not 0 <= percent <= 100:
            errors.append(f"invalid value for traffic percent {percent}, expected 0 <= percent <= 100")
            continue
        shares.append(TrafficShare(ref, percent))
    return shares, errors


def parse_tag_expression(text: str) -> tuple[list[RevisionTag], list[str]]:
    """Parse `customer-v3=current,@latest=latest` (kn's --tag)."""
    pairs: list[RevisionTag] = []
    errors: list[str] = []
    for position, item in enumerate(_items(text), start=1):
        if not item:
            errors.append(f"empty entry at position {position} of the tag expression")
            continue
        pair = _split_pair(item)
        if isinstance(pair, str):
            errors.append(pair)
        elif pair[0] == LATEST_REF and any(p.revision == LATEST_REF for p in pairs):
            errors.append(_repetition("--tag", LATEST_REF))
        else:
            pairs.append(RevisionTag(*pair))
    return pairs, errors


def parse_untag_expression(text: str) -> list[str]:
    """Parse `current,candidate` (kn's --untag); blank entries are ignored."""
    return [item for item in _items(text) if item]


def untag_targets(
    targets: Sequence[TrafficTarget], tags: Sequence[str], *, service_name: str = ""
) -> tuple[list[TrafficTarget], list[str]]:
    """kn --untag: clear each tag on the first target carrying it."""
    result = list(targets)
    missing: list[str] = []
    for tag in tags:
        index = next((i for i, t in enumerate(result) if t.tag == tag), None)
        if index is None:
            missing.append(tag)
        else:
            result[index] = replace(result[index], tag=None)
    if missing:
        return list(targets), [
            f"tag(s) {', '.join(missing)} not present for any revisions of service {service_name}"
        ]
    return result, []


def _overwrite_error(tag: str) -> str:
    return f"refusing to overwrite existing tag in service, add flag '--untag {tag}' in command to untag it"


def tag_targets(
    targets: Sequence[TrafficTarget], pairs: Sequence[RevisionTag]
) -> tuple[list[TrafficTarget], list[str]]:
    """kn --tag: tag a revision (or @latest), adding a 0% target when it has none or is already tagged."""
    result = default_traffic(targets)
    for revision, tag in pairs:
        present = any(t.tag == tag for t in result)
        if revision == LATEST_REF:
            latest = next((i for i, t in enumerate(result) if t.latest_revision), None)
            existing = result[latest].tag or "" if latest is not None else ""
            if existing == tag:
                continue
            if present:
                return list(targets), [_overwrite_error(tag)]
            if existing:
                return list(targets), [
                    f"tag '{existing}' exists on latest ready revision of service, "
                    f"refusing to overwrite existing tag with '{tag}', "
                    f"add flag '--untag {existing}' in command to untag it"
                ]
            if latest is None:
                result.append(TrafficTarget(tag=tag, latest_revision=True, percent=0))
            else:
                result[latest] = replace(result[latest], tag=tag)
            continue
        if any(t.tag == tag and t.revision_name == revision for t in result):
            continue
        if present:
            return list(targets), [_overwrite_error(tag)]
        index = next((i for i, t in enumerate(result) if t.revision_name == revision), None)
        if index is not None and not result[index].tag:
            result[index] = replace(result[index], tag=tag)
        else:
            result.append(TrafficTarget(tag=tag, revision_name=revision, latest_revision=False, percent=0))
    return result, []


def _refers_to(target: TrafficTarget, refs: Collection[str], latest_ready_revision: str | None) -> bool:
    if target.tag and target.tag in refs:
        return True
    if target.revision_name and target.revision_name in refs:
        return True
    if LATEST_REF in refs and (
        target.latest_revision or (latest_ready_revision and target.revision_name == latest_ready_revision)
    ):
        return True
    return bool(target.latest_revision and latest_ready_revision and latest_ready_revision in refs)


def complete_shares(
    targets: Sequence[TrafficTarget],
    shares: Sequence[TrafficShare],
    *,
    latest_ready_revision: str | None = None,
) -> tuple[list[TrafficShare], list[str]]:
    """kn's verification of a traffic expression against the current block: the sum must not pass 100; a
    sum under 100 goes to the one target left out, which must be exactly one."""
    total = sum(share.percent for share in shares)
    if total > 100:
        return [], [f"given traffic percents sum to {total}, want <=100"]
    if total == 100 or not shares:
        return list(shares), []
    rest = 100 - total
    if len(shares) != len(targets) - 1:
        return [], [
            f"unable to allocate the remaining traffic: {rest}%. "
            "Reason: incorrect number of revisions specified. Only 1 revision should be missing"
        ]
    refs = {share.ref for share in shares}
    for target in default_traffic(targets):
        if not _refers_to(target, refs, latest_ready_revision):
            ref = target.tag or target.revision_name or LATEST_REF
            return [*shares, TrafficShare(ref, rest)], []
    return [], [
        f"unable to allocate the remaining traffic: {rest}%. Reason: cannot determine the missing revision"
    ]


def set_traffic(
    targets: Sequence[TrafficTarget],
    shares: Sequence[TrafficShare],
    *,
    known_revisions: Collection[str] | None = None,
) -> tuple[list[TrafficTarget], list[str]]:
    """kn --traffic on a (complete) set of shares: every percent reset to 0, then each ref set by tag,
    revision name or @latest; an unknown ref becomes a new pinned target, or an error when
    `known_revisions` is given and does not hold it."""
    result = [replace(t, percent=0) for t in default_traffic(targets)]
    errors: list[str] = []
    for ref, percent in shares:
        if ref == LATEST_REF:
            index = next((i for i, t in enumerate(result) if t.latest_revision), None)
            if index is None:
                result.append(TrafficTarget(latest_revision=True, percent=percent))
            else:
                result[index] = replace(result[index], percent=percent)
            continue
        index = next((i for i, t in enumerate(result) if t.tag == ref), None)
        if index is None:
            index = next((i for i, t in enumerate(result) if t.revision_name == ref), None)
        if index is not None:
            result[index] = replace(result[index], percent=percent)
        elif known_revisions is not None and ref not in known_revisions:
            errors.append(f'"{ref}" is neither a tag, a revision of this service, nor {LATEST_REF}')
        else:
            result.append(TrafficTarget(revision_name=ref, latest_revision=False, percent=percent))
    return (list(targets), errors) if errors else (result, [])


def remove_null_targets(targets: Sequence[TrafficTarget]) -> list[TrafficTarget]:
    """kn drops targets that have neither a tag nor any traffic."""
    return [t for t in targets if t.tag or t.percent]


def apply_traffic_expression(
    targets: Sequence[TrafficTarget],
    traffic: str = "",
    *,
    tags: str = "",
    untags: str = "",
    service_name: str = "",
    known_revisions: Collection[str] | None = None,
    latest_ready_revision: str | None = None,
) -> tuple[list[TrafficTarget], list[str]]:
    """Apply kn's `--untag`, `--tag` and `--traffic` values to a Service's traffic block.

    Returns the new block and [] or the unchanged block and kn's error messages. Traffic is only reset
    and reassigned when `traffic` is not blank, as kn only does when --traffic is given."""
    tag_pairs, tag_errors = parse_tag_expression(tags)
    if tag_errors:
        return list(targets), tag_errors
    shares, errors = parse_traffic_expression(traffic)
    if errors:
        return list(targets), errors
    current = default_traffic(targets)
    shares, errors = complete_shares(current, shares, latest_ready_revision=latest_ready_revision)
    if errors:
        return list(targets), errors
    result, errors = untag_targets(current, parse_untag_expression(untags), service_name=service_name)
    if not errors:
        result, errors = tag_targets(result, tag_pairs)
    if not errors and shares:
        result, errors = set_traffic(result, shares, known_revisions=known_revisions)
    if errors:
        return list(targets), errors
    return remove_null_targets(result), []


# --- The kn field: flags as typed, and the command for a split ---------------------------------------

_FLAGS = ("traffic", "tag", "untag")


class KnFlags(NamedTuple):
    """The values of kn's traffic flags as typed in the editor (each flag's values comma-joined, as
    kn's string-slice flags join repeated flags; knative/client pkg/commands/flags/traffic.go)."""

    traffic: str
    tags: str
    untags: str


def parse_kn_flags(text: str) -> tuple[KnFlags, list[str]]:
    """`--traffic a=50,b=50 --tag rev=name --untag name` (also `--flag=value`, flags repeated, and a bare
    `a=50,b=50` meaning --traffic) as kn service update takes them; unknown flags and flags without a
    value are errors."""
    values: dict[str, list[str]] = {flag: [] for flag in _FLAGS}
    errors: list[str] = []
    words = text.split()
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        if not word.startswith("--"):
            values["traffic"].append(word)
            continue
        name, has_value, value = word[2:].partition("=")
        if name not in _FLAGS:
            errors.append(f"unknown flag: --{name} (the editor takes --traffic, --tag and --untag)")
            continue
        if not has_value:
            if position >= len(words) or words[position].startswith("--"):
                errors.append(f"flag needs an argument: --{name}")
                continue
            value = words[position]
            position += 1
        values[name].append(value)
    joined = {flag: ",".join(items) for flag, items in values.items()}
    return KnFlags(joined["traffic"], joined["tag"], joined["untag"]), errors


def unknown_tag_revisions(tags: str, known_revisions: Collection[str]) -> list[str]:
    """A clear message for each `--tag revision=name` whose revision this Service does not have (kn asks
    the cluster and fails; the editor says so before anything is built)."""
    pairs, _ = parse_tag_expression(tags)
    return [
        f'cannot tag "{pair.revision}": it is neither a revision of this service nor {LATEST_REF}'
        for pair in pairs
        if pair.revision != LATEST_REF and pair.revision not in known_revisions
    ]


def _ref(target: TrafficTarget) -> str:
    return LATEST_REF if target.latest_revision else target.revision_name or ""


def kn_update_command(
    service: str, namespace: str, before: Sequence[TrafficTarget], after: Sequence[TrafficTarget]
) -> str:
    """The `kn service update` that turns the traffic block `before` into `after`: kn untags, then tags,
    then sets traffic (knative/client pkg/traffic/compute.go), refusing to move a tag that is on another
    revision, so a moved tag is untagged first; each target is named by its tag when it has one, else by
    its revision or @latest. Targets left with neither tag nor traffic are dropped by kn."""
    old = default_traffic(before)
    new = default_traffic(after)
    old_tags = {(t.tag, _ref(t)) for t in old if t.tag}
    new_tags = {(t.tag, _ref(t)) for t in new if t.tag}
    untags = [tag for tag, ref in sorted(old_tags - new_tags)]
    tags = [f"{_ref(t)}={t.tag}" for t in new if t.tag and (t.tag, _ref(t)) not in old_tags]
    shares = [f"{t.tag or _ref(t)}={t.percent or 0}" for t in new if t.percent]
    words = ["kn", "service", "update", service, "-n", namespace]
    if untags:
        words += ["--untag", ",".join(untags)]
    if tags:
        words += ["--tag", ",".join(tags)]
    words += ["--traffic", ",".join(shares)]
    return " ".join(words)
