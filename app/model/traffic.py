"""A Service's traffic block: parsing, Knative's defaulting and its admission webhook's validation.

Mirrors knative/serving `pkg/apis/serving/v1/route_{defaults,validation}.go`, `revision_validation.go`
and knative.dev/pkg `apis/field_error.go`, message for message and path for path, so the simulated
webhook and the dashboard's editor give the same answers as a real cluster.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from app.model.validation import dns1035_label_errors, qualified_name_errors

WEBHOOK_NAME = "validation.webhook.serving.knative.dev"
TRAFFIC_PATH = "spec.traffic"
TEMPLATE_NAME_PATH = "spec.template.metadata.name"
NAME_CHANGE_MESSAGE = "Saw the following changes without a name change (-old +new)"


@dataclass(frozen=True)
class FieldError:
    """One Knative `apis.FieldError` leaf: a message about one or more field paths."""

    message: str
    paths: tuple[str, ...]
    details: str = ""

    def __str__(self) -> str:
        text = f"{self.message}: {', '.join(self.paths)}"
        return f"{text}\n{self.details}" if self.details else text


def merge_errors(errors: Iterable[FieldError]) -> list[FieldError]:
    """Knative's merge: one error per (message, details) with its paths de-duplicated and sorted,
    the errors sorted by message then details."""
    merged: dict[tuple[str, str], list[str]] = {}
    for error in errors:
        paths = merged.setdefault((error.message, error.details), [])
        paths.extend(p for p in error.paths if p not in paths)
    return [
        FieldError(message, tuple(sorted(paths)), details)
        for (message, details), paths in sorted(merged.items(), key=lambda item: item[0])
    ]


def format_errors(errors: Iterable[FieldError]) -> str:
    """The text of Knative's `FieldError.Error()`: merged errors, one per line."""
    return "\n".join(str(error) for error in merge_errors(errors))


def webhook_message(errors: Iterable[FieldError]) -> str:
    """What the API server answers when the Knative webhook rejects an object."""
    return (
        f'admission webhook "{WEBHOOK_NAME}" denied the request: validation failed: {format_errors(errors)}'
    )


# --- Go and Kubernetes formatting helpers ------------------------------------------------------------

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's `%q` for a string (strconv.Quote)."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _go_list(messages: Sequence[str]) -> str:
    """How Go's fmt prints a []string."""
    return "[" + " ".join(messages) + "]"


# --- Parsing untrusted JSON --------------------------------------------------------------------------


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _type_error(expected: str, value: object, path: str) -> FieldError:
    return FieldError(f"expected {expected}, got {_json_type(value)}", (path,))


def _string_field(data: Mapping[str, object], key: str, path: str, errors: list[FieldError]) -> str | None:
    raw = data.get(key)
    if raw is not None and not isinstance(raw, str):
        errors.append(_type_error("string", raw, f"{path}.{key}"))
        return None
    return raw or None


def _bool_field(data: Mapping[str, object], key: str, path: str, errors: list[FieldError]) -> bool | None:
    raw = data.get(key)
    if raw is not None and not isinstance(raw, bool):
        errors.append(_type_error("boolean", raw, f"{path}.{key}"))
        return None
    return raw


def _int_field(data: Mapping[str, object], key: str, path: str, errors: list[FieldError]) -> int | None:
    raw = data.get(key)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        return int(raw)
    if raw is not None:
        errors.append(_type_error("integer", raw, f"{path}.{key}"))
    return None


@dataclass(frozen=True)
class TrafficTarget:
    """One entry of `spec.traffic` (Knative's v1 TrafficTarget); None means unset."""

    tag: str | None = None
    revision_name: str | None = None
    configuration_name: str | None = None
    latest_revision: bool | None = None
    percent: int | None = None
    url: str | None = None

    @classmethod
    def from_dict(
        cls, data: object, path: str = f"{TRAFFIC_PATH}[0]"
    ) -> tuple[TrafficTarget, list[FieldError]]:
        """Parse untrusted JSON; never raises. Fields of the wrong type are left unset and reported.

        Like Go's JSON decoding, "" and null mean unset; unknown fields are dropped (as the API server
        prunes them)."""
        if not isinstance(data, Mapping):
            return cls(), [_type_error("object", data, path)]
        errors: list[FieldError] = []
        target = cls(
            tag=_string_field(data, "tag", path, errors),
            revision_name=_string_field(data, "revisionName", path, errors),
            configuration_name=_string_field(data, "configurationName", path, errors),
            latest_revision=_bool_field(data, "latestRevision", path, errors),
            percent=_int_field(data, "percent", path, errors),
            url=_string_field(data, "url", path, errors),
        )
        return target, errors

    def to_dict(self) -> dict[str, object]:
        """Knative's JSON, unset fields omitted, in Knative's field order."""
        pairs: list[tuple[str, object]] = [
            ("tag", self.tag),
            ("revisionName", self.revision_name),
            ("configurationName", self.configuration_name),
            ("latestRevision", self.latest_revision),
            ("percent", self.percent),
            ("url", self.url),
        ]
        return {key: value for key, value in pairs if value is not None}

    @property
    def floating(self) -> bool:
        """True when the target follows the latest ready revision (after defaulting)."""
        return self.latest_revision is True or (self.latest_revision is None and not self.revision_name)


def parse_traffic(value: object, path: str = TRAFFIC_PATH) -> tuple[list[TrafficTarget], list[FieldError]]:
    """Parse a whole `spec.traffic` value (None = missing); never raises."""
    if value is None:
        return [], []
    if not isinstance(value, list | tuple):
        return [], [_type_error("array", value, path)]
    targets: list[TrafficTarget] = []
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        target, item_errors = TrafficTarget.from_dict(item, f"{path}[{index}]")
        targets.append(target)
        errors.extend(item_errors)
    return targets, errors


# --- Defaulting and validation -----------------------------------------------------------------------


def default_traffic(targets: Sequence[TrafficTarget], *, in_service: bool = True) -> list[TrafficTarget]:
    """Knative's SetDefaults: inside a Service an empty block becomes 100% to the latest revision;
    a missing latestRevision becomes `revisionName == ""`."""
    if not targets and in_service:
        return [TrafficTarget(latest_revision=True, percent=100)]
    return [
        t if t.latest_revision is not None else replace(t, latest_revision=not t.revision_name)
        for t in targets
    ]


def _validate_target(target: TrafficTarget, path: str, in_service: bool) -> list[FieldError]:
    """TrafficTarget.Validate within a spec, paths prefixed with `path`."""
    errors: list[FieldError] = []
    revision = target.revision_name or ""
    if target.latest_revision is not None and bool(revision) == target.latest_revision:
        errors.append(
            FieldError(
                f"may not set revisionName {go_quote(revision)} when latestRevision is "
                f"{str(target.latest_revision).lower()}",
                (f"{path}.latestRevision",),
            )
        )
    if in_service and target.configuration_name:
        errors.append(FieldError("must not set the field(s)", (f"{path}.configurationName",)))
    elif target.revision_name and target.configuration_name:
        errors.append(
            FieldError(
                "expected exactly one, got both", (f"{path}.revisionName", f"{path}.configurationName")
            )
        )
    elif target.revision_name or target.configuration_name:
        field, name = (
            ("revisionName", target.revision_name)
            if target.revision_name
            else ("configurationName", target.configuration_name or "")
        )
        if details := qualified_name_errors(name):
            errors.append(
                FieldError(f"invalid key name {go_quote(name)}", (f"{path}.{field}",), ", ".join(details))
            )
    elif not in_service:
        errors.append(
            FieldError(
                "expected exactly one, got neither", (f"{path}.revisionName", f"{path}.configurationName")
            )
        )
    if target.percent is not None and not 0 <= target.percent <= 100:
        errors.append(FieldError(f"expected 0 <= {target.percent} <= 100", (f"{path}.percent",)))
    if target.url:
        errors.append(FieldError("must not set the field(s)", (f"{path}.url",)))
    return errors


def validate_traffic(
    targets: Sequence[TrafficTarget], *, in_service: bool = True, path: str = TRAFFIC_PATH
) -> list[FieldError]:
    """The webhook's validation of a (defaulted) traffic block: merged, sorted FieldErrors; [] = valid.

    `in_service` is True for a Service's block (configurationName forbidden, defaulted to the Service's),
    False for a Route's own."""
    errors: list[FieldError] = []
    first_index: dict[str, int] = {}
    total = 0
    for index, target in enumerate(targets):
        errors.extend(_validate_target(target, f"{path}[{index}]", in_service))
        total += target.percent or 0
        if not target.tag:
            continue
        if messages := dns1035_label_errors(target.tag):
            # Knative builds this path with ErrInvalidArrayValue(..., "tag", i): hence `traffic.tag[i]`.
            errors.append(
                FieldError(
                    f"invalid value: not a DNS 1035 label: {_go_list(messages)}", (f"{path}.tag[{index}]",)
                )
            )
        if target.tag in first_index:
            errors.append(
                FieldError(
                    f"Multiple definitions for {go_quote(target.tag)}",
                    (f"{path}[{index}].tag", f"{path}[{first_index[target.tag]}].tag"),
                )
            )
        else:
            first_index[target.tag] = index
    if total != 100:
        errors.append(FieldError(f"Traffic targets sum to {total}, want 100", (path,)))
    return merge_errors(errors)


def admit_traffic(value: object, *, in_service: bool = True) -> tuple[list[TrafficTarget], list[FieldError]]:
    """Parse, default and validate a raw `spec.traffic` value as the API server and webhook would."""
    targets, errors = parse_traffic(value)
    if errors:
        return targets, merge_errors(errors)
    targets = default_traffic(targets, in_service=in_service)
    return targets, validate_traffic(targets, in_service=in_service)


# --- Bring-your-own revision names -------------------------------------------------------------------


def _template_name(template: Mapping[str, object] | None) -> str:
    metadata = template.get("metadata") if template else None
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return name if isinstance(name, str) else ""


def validate_template_name(
    service_name: str, old_template: Mapping[str, object] | None, new_template: Mapping[str, object]
) -> list[FieldError]:
    """The webhook's checks of `spec.template.metadata.name` (old_template None on create).

    A BYO name must be a DNS-1035 label starting with "<service>-"; on update, a template that changed
    while keeping its BYO name is refused with Knative's message and a short diff as details (see
    `template_short_diff` for how closely the diff follows go-cmp)."""
    name = _template_name(new_template)
    if not name:
        return []
    if messages := dns1035_label_errors(name):
        return [
            FieldError(f"invalid value: not a DNS 1035 label: {_go_list(messages)}", (TEMPLATE_NAME_PATH,))
        ]
    errors: list[FieldError] = []
    prefix = f"{service_name}-"
    if not name.startswith(prefix):
        errors.append(
            FieldError(
                f"invalid value: {go_quote(name)} must have prefix {go_quote(prefix)}", (TEMPLATE_NAME_PATH,)
            )
        )
    if old_template is not None and name == _template_name(old_template):
        errors.extend(_name_change_errors(old_template, new_template))
    return merge_errors(errors)


def _name_change_errors(old: Mapping[str, object], new: Mapping[str, object]) -> list[FieldError]:
    """VerifyNameChange: a template that changed under the same BYO name."""
    diff = template_short_diff(old, new)
    return [FieldError(NAME_CHANGE_MESSAGE, (TEMPLATE_NAME_PATH,), diff)] if diff else []


# Fields of a Revision's spec that are not part of the embedded corev1.PodSpec.
_REVISION_SPEC_OWN = frozenset(
    {"containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds", "idleTimeoutSeconds"}
)
_MAP_FIELDS = frozenset({"labels", "annotations", "nodeSelector", "limits", "requests"})


def _go_field(key: str) -> str:
    return key[:1].upper() + key[1:]


def _go_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_MISSING = object()


def _diff(path: str, old: object, new: object, is_map: bool, out: list[str]) -> None:
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new), key=str):
            step = f"[{go_quote(str(key))}]" if is_map else f".{_go_field(str(key))}"
            _diff(path + step, old.get(key, _MISSING), new.get(key, _MISSING), key in _MAP_FIELDS, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            _diff(
                f"{path}[{index}]",
                old[index] if index < len(old) else _MISSING,
                new[index] if index < len(new) else _MISSING,
                False,
                out,
            )
        return
    lines = [f"{path}:\n"]
    if old is not _MISSING:
        lines.append(f'\t-: "{_go_value(old)}"\n')
    if new is not _MISSING:
        lines.append(f'\t+: "{_go_value(new)}"\n')
    out.append("".join(lines))


def template_short_diff(old: Mapping[str, object], new: Mapping[str, object]) -> str:
    """knative.dev/pkg kmp.ShortDiff of two revision templates, rebuilt from their JSON.

    Same shape as Knative's: one `<go path>:\\n\\t-: "<old>"\\n\\t+: "<new>"\\n` block per differing leaf,
    paths rooted at `{*v1.RevisionTemplateSpec}` with Go field names (`.ObjectMeta`, `.Spec.PodSpec...`).
    Approximations: Go names are the JSON names capitalised; leaves are visited in sorted key order
    (go-cmp follows struct declaration order); lists are compared index by index (go-cmp aligns them with
    an edit script); a missing side is omitted and a non-scalar value is shown as compact JSON."""
    out: list[str] = []
    root = "{*v1.RevisionTemplateSpec}"
    _diff(root + ".ObjectMeta", old.get("metadata", _MISSING), new.get("metadata", _MISSING), False, out)
    old_spec, new_spec = old.get("spec", {}), new.get("spec", {})
    old_spec = old_spec if isinstance(old_spec, Mapping) else {}
    new_spec = new_spec if isinstance(new_spec, Mapping) else {}
    for key in sorted(set(old_spec) | set(new_spec), key=str):
        field = _go_field(str(key))
        path = f"{root}.Spec.{field}" if key in _REVISION_SPEC_OWN else f"{root}.Spec.PodSpec.{field}"
        _diff(path, old_spec.get(key, _MISSING), new_spec.get(key, _MISSING), False, out)
    return "".join(out)
