"""Rollout plans: a Service's traffic moved to a candidate revision in steps, paused and gated.

Pure: the plan, its progress and the annotation that holds both (`codec`), the presets, and what
happens next (`deciding`). The web layer (`app.web.plans`) reads, writes and runs them.
"""

from app.model.plans.codec import decode, encode, parse, to_json
from app.model.plans.deciding import (
    Decision,
    InvalidAction,
    abort,
    clearable,
    decide,
    first_progress,
    outside_reason,
    pause,
    promote,
    reading_of,
    record_reading,
    resume,
    skip,
)
from app.model.plans.plan import (
    ACTIVE,
    ANNOTATION,
    FINISHED,
    MAX_STEPS,
    Phase,
    Plan,
    PlanError,
    PlanStep,
    Progress,
    StepReading,
    new_plan,
    split_share,
    stamp,
    step_label,
    step_problems,
    step_split,
)
from app.model.plans.presets import PRESETS

__all__ = [
    "ACTIVE",
    "ANNOTATION",
    "FINISHED",
    "MAX_STEPS",
    "PRESETS",
    "Decision",
    "InvalidAction",
    "Phase",
    "Plan",
    "PlanError",
    "PlanStep",
    "Progress",
    "StepReading",
    "abort",
    "clearable",
    "decide",
    "decode",
    "encode",
    "first_progress",
    "new_plan",
    "outside_reason",
    "parse",
    "pause",
    "promote",
    "reading_of",
    "record_reading",
    "resume",
    "skip",
    "split_share",
    "stamp",
    "step_label",
    "step_problems",
    "step_split",
    "to_json",
]
