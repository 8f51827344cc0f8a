"""Faults on demand: a Revision annotation that makes the simulated gateway fail or slow its answers.

A rollout gate is only shown working when a candidate misbehaves, and in the demo nothing does. So the
misbehaviour is data on the cluster: the annotation `sim.splitboard.dev/faults` on a Revision holds JSON
such as `{"errorRate": 0.5, "delayMs": 800}`, which the simulator's gateway reads each time it answers
for that revision (a fraction of answers become `status` errors carrying the revision's headers, every
answer waits `delayMs` first). The dashboard sets it through the Kubernetes API like any other patch, so
it needs no way into the simulator; on a real cluster the annotation is inert (nothing reads it).

Pure: parsing, validation and encoding only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FAULTS_ANNOTATION = "sim.splitboard.dev/faults"
MAX_DELAY_MS = 30_000
"""A minute-long answer would only hit every client's timeout; 30 s already does."""
ERROR_STATUSES = frozenset({500, 502, 503, 504})


class FaultsError(ValueError):
    """An annotation or form value that cannot be used; the message says which field and why."""


@dataclass(frozen=True)
class Faults:
    """What a revision's answers suffer: a fraction failing with `status`, and a delay before each."""

    error_rate: float = 0.0
    delay_ms: float = 0.0
    status: int = 503

    def __post_init__(self) -> None:
        rate = self.error_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
            raise FaultsError(f"errorRate must be a fraction from 0 to 1 (50% is 0.5), got {rate!r}")
        delay = self.delay_ms
        if (
            isinstance(delay, bool)
            or not isinstance(delay, (int, float))
            or not math.isfinite(delay)
            or not 0 <= delay <= MAX_DELAY_MS
        ):
            raise FaultsError(
                f"delayMs must be a number of milliseconds from 0 to {MAX_DELAY_MS}, got {delay!r}"
            )
        if isinstance(self.status, bool) or self.status not in ERROR_STATUSES:
            allowed = ", ".join(str(s) for s in sorted(ERROR_STATUSES))
            raise FaultsError(f"status must be one of {allowed}, got {self.status!r}")

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or self.delay_ms > 0

    def to_dict(self) -> dict[str, Any]:
        """The annotation's JSON object (the status only when not the default 503)."""
        out: dict[str, Any] = {"errorRate": self.error_rate, "delayMs": self.delay_ms}
        if self.status != 503:
            out["status"] = self.status
        return out

    def describe(self) -> str:
        """One line for the page: "50% of answers fail with 503, every answer waits 800 ms"."""
        parts = []
        if self.error_rate > 0:
            parts.append(f"{self.error_rate * 100:g}% of answers fail with {self.status}")
        if self.delay_ms > 0:
            parts.append(f"every answer waits {self.delay_ms:g} ms")
        return ", ".join(parts) if parts else "no faults"


NO_FAULTS = Faults()


def parse_faults(raw: str) -> Faults:
    """The faults an annotation value asks for; FaultsError names the first bad field."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise FaultsError(f"{FAULTS_ANNOTATION} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FaultsError(
            f'{FAULTS_ANNOTATION} must be a JSON object like {{"errorRate": 0.5, "delayMs": 800}}'
        )
    unknown = sorted(set(data) - {"errorRate", "delayMs", "status"})
    if unknown:
        raise FaultsError(f"{FAULTS_ANNOTATION} has unknown fields: {', '.join(unknown)}")
    return Faults(data.get("errorRate", 0.0), data.get("delayMs", 0.0), data.get("status", 503))


def faults_of(revision: Mapping[str, Any]) -> Faults:
    """The faults a Revision's annotation asks for; none when it has none or it cannot be read (the
    gateway keeps answering normally rather than failing on a typo)."""
    annotations = (revision.get("metadata") or {}).get("annotations") or {}
    raw = annotations.get(FAULTS_ANNOTATION)
    if not isinstance(raw, str) or not raw.strip():
        return NO_FAULTS
    try:
        return parse_faults(raw)
    except FaultsError:
        return NO_FAULTS


def encode_faults(faults: Faults) -> str | None:
    """The annotation value for `faults`; None (remove the annotation) when they do nothing."""
    return json.dumps(faults.to_dict(), separators=(",", ":")) if faults.active else None


def faults_from_form(fields: Mapping[str, str]) -> Faults:
    """Faults from the demo page's form: `errorPercent` (0..100) and `delayMs`; FaultsError when bad."""
    values: dict[str, float] = {}
    for key, label in (("errorPercent", "the error percent"), ("delayMs", "the delay")):
        raw = str(fields.get(key) or "").strip() or "0"
        try:
            values[key] = float(raw)
        except ValueError:
            raise FaultsError(f"{label} must be a number, got {raw!r}") from None
    percent = values["errorPercent"]
    if not math.isfinite(percent) or not 0 <= percent <= 100:
        raise FaultsError(f"the error percent must be from 0 to 100, got {fields.get('errorPercent')}")
    return Faults(percent / 100, values["delayMs"])
