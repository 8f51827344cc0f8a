"""Knative's own gradual rollout as the dashboard edits and shows it: the Service's
`serving.knative.dev/rollout-duration` (validated in Knative's words, sent in the editor's patch) and
a rollout in progress read from the Route's status and its KIngress (`app.model.rollouts` has the
stepping maths the simulator runs)."""

from __future__ import annotations

from app.model.gradual.duration import (
    ROLLOUT_PATH,
    DurationChange,
    annotation_changes,
    describe_duration,
    go_duration_ns,
    kn_annotation_flag,
    rollout_duration_of,
    validate_duration_text,
    validate_rollout_duration,
)
from app.model.gradual.progress import RolloutProgress, rollout_progress

__all__ = [
    "ROLLOUT_PATH",
    "DurationChange",
    "RolloutProgress",
    "annotation_changes",
    "describe_duration",
    "go_duration_ns",
    "kn_annotation_flag",
    "rollout_duration_of",
    "rollout_progress",
    "validate_duration_text",
    "validate_rollout_duration",
]
