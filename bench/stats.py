"""Summaries of timing samples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by the nearest-rank method; ValueError when there are no samples."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timing:
    """Seconds measured n times; reported in milliseconds."""

    samples: tuple[float, ...]

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "n": len(self.samples),
            "p50_ms": round(self.p50 * 1000, 2),
            "p99_ms": round(self.p99 * 1000, 2),
            "min_ms": round(min(self.samples) * 1000, 2),
            "max_ms": round(max(self.samples) * 1000, 2),
        }
