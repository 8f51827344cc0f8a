"""Slider arithmetic for the traffic editor: whole percents that always add up to 100.

Moving one row hands the difference to the other unlocked rows in proportion to their share of the split
as it was when the drag started (the *anchor*). Because every step is computed from the anchor, not from
the previous step, dragging a slider away and back restores the anchor exactly.
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


def rebalance(
    percents: Sequence[int],
    locked: Sequence[bool],
    index: int,
    value: int,
    *,
    anchor: Sequence[int] | None = None,
) -> list[int]:
    """Set row `index` to `value` and let the other unlocked rows absorb the difference.

    `anchor` is the split when the drag started (default: `percents`); the others are redistributed in
    proportion to their anchor values (equally when those are all 0). `value` is clamped to what the
    unlocked others can give or take. Locked rows never change; a locked `index`, or one with no unlocked
    partner, leaves the split as it is. The result sums to 100 whenever the locked rows leave room."""
    _check(percents, locked)
    base = list(percents if anchor is None else anchor)
    if len(base) != len(percents):
        raise ValueError(f"anchor has {len(base)} rows, percents {len(percents)}")
    if not 0 <= index < len(percents):
        raise ValueError(f"row {index} out of range 0..{len(percents) - 1}")
    others = [j for j in range(len(base)) if j != index and not locked[j]]
    if locked[index] or not others:
        return list(percents)
    budget = max(0, TOTAL - sum(p for p, is_locked in zip(percents, locked, strict=True) if is_locked))
    chosen = min(max(value, 0), budget)
    result = [p if is_locked else 0 for p, is_locked in zip(percents, locked, strict=True)]
    result[index] = chosen
    for j, share in zip(others, apportion(budget - chosen, [base[j] for j in others]), strict=True):
        result[j] = share
    return result


def distribute_evenly(percents: Sequence[int], locked: Sequence[bool]) -> list[int]:
    """Share what the locked rows leave among the unlocked rows as evenly as whole percents allow
    (earlier rows get the odd percents)."""
    _check(percents, locked)
    free = [j for j, is_locked in enumerate(locked) if not is_locked]
    if not free:
        return list(percents)
    budget = max(0, TOTAL - sum(p for p, is_locked in zip(percents, locked, strict=True) if is_locked))
    result = list(percents)
    for j, share in zip(free, apportion(budget, [1] * len(free)), strict=True):
        result[j] = share
    return result
