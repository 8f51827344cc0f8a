"""Slider arithmetic for the traffic editor: whole percents that always add up to 100.

Moving one row hands the difference to its *partners*: the other unlocked rows that carried traffic
when the drag started (the *anchor*), in proportion to their share then. A row at 0% is never handed
traffic it was not asked to take (a tag-only target, such as the lab's `latest` at 0%, stays at 0%),
and a locked row never changes. Because every step is computed from the anchor, not from the previous
step, dragging a slider away and back restores the anchor exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

TOTAL = 100


def _check(percents: Sequence[int], locked: Sequence[bool]) -> None:
    if len(percents) != len(locked):
        raise ValueError(f"{len(percents)} percents but {len(locked)} lock flags")


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` (>= 0) into whole parts proportional to `weights` (largest-remainder method).

    Negative weights count as 0; all-zero weights share equally. Ties on the remainder go to the larger
    weight, then to the earlier row. Exact quotients are returned unchanged, which is what makes
    `rebalance` reversible."""
    if not weights:
        return []
    clean = [max(0, w) for w in weights]
    if sum(clean) == 0:
        clean = [1] * len(weights)
    whole = sum(clean)
    parts = [total * w // whole for w in clean]
    remainders = [total * w % whole for w in clean]
    order = sorted(range(len(clean)), key=lambda i: (-remainders[i], -clean[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def partners(
    base: Sequence[int], locked: Sequence[bool], index: int, *, into_zero: bool = False
) -> list[int]:
    """The rows that give and take when row `index` moves: unlocked, and carrying traffic in `base`
    (any unlocked row when `into_zero`: the caller asked for 0% rows to take traffic too)."""
    return [j for j in range(len(base)) if j != index and not locked[j] and (into_zero or base[j] > 0)]


def limits(
    percents: Sequence[int],
    locked: Sequence[bool],
    index: int,
    *,
    anchor: Sequence[int] | None = None,
    into_zero: bool = False,
) -> tuple[int, int]:
    """The lowest and highest percent row `index` can be moved to: what its partners can give or take
    (its own value only, when it is locked or has no partner)."""
    base = list(percents if anchor is None else anchor)
    others = partners(base, locked, index, into_zero=into_zero)
    if locked[index] or not others:
        return percents[index], percents[index]
    fixed = sum(p for j, p in enumerate(percents) if j != index and j not in others)
    return 0, max(0, TOTAL - fixed)


def rebalance(
    percents: Sequence[int],
    locked: Sequence[bool],
    index: int,
    value: int,
    *,
    anchor: Sequence[int] | None = None,
    into_zero: bool = False,
) -> list[int]:
    """Set row `index` to `value` and let its partners (see `partners`) absorb the difference.

    `anchor` is the split when the drag started (default: `percents`); the partners are redistributed
    in proportion to their anchor values. `value` is clamped to `limits`. Locked rows and rows that are
    not partners keep their value; a locked `index`, or one with no partner, leaves the split as it is.
    The result sums to 100 whenever the fixed rows leave room."""
    _check(percents, locked)
    base = list(percents if anchor is None else anchor)
    if len(base) != len(percents):
        raise ValueError(f"anchor has {len(base)} rows, percents {len(percents)}")
    if not 0 <= index < len(percents):
        raise ValueError(f"row {index} out of range 0..{len(percents) - 1}")
    others = partners(base, locked, index, into_zero=into_zero)
    if locked[index] or not others:
        return list(percents)
    low, high = limits(percents, locked, index, anchor=base, into_zero=into_zero)
    chosen = min(max(value, low), high)
    result = list(percents)
    result[index] = chosen
    for j, share in zip(others, apportion(high - chosen, [base[j] for j in others]), strict=True):
        result[j] = share
    return result


def distribute_evenly(percents: Sequence[int], locked: Sequence[bool]) -> list[int]:
    """Share what the fixed rows leave among the unlocked rows that carry traffic, as evenly as whole
    percents allow (earlier rows get the odd percents); 0% rows stay at 0%. When no unlocked row
    carries traffic, every unlocked row shares (pressing Evenly then asks for exactly that)."""
    _check(percents, locked)
    free = [j for j, is_locked in enumerate(locked) if not is_locked and percents[j] > 0]
    if not free:
        free = [j for j, is_locked in enumerate(locked) if not is_locked]
    if not free:
        return list(percents)
    budget = max(0, TOTAL - sum(p for j, p in enumerate(percents) if j not in free))
    result = list(percents)
    for j, share in zip(free, apportion(budget, [1] * len(free)), strict=True):
        result[j] = share
    return result
