"""Label and field selectors, parsed as the API server parses `labelSelector` and `fieldSelector`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.sim.storage.errors import ApiError, bad_request

_KEY = r"(?:[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?"
_VALUE = r"(?:[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?"
_KEY_RE = re.compile(_KEY)
_VALUE_RE = re.compile(_VALUE)
_REQUIREMENT = re.compile(
    r"\s*(?P<neg>!)?\s*(?P<key>[^\s!=<>(),]+)\s*"
    r"(?:(?P<op>==|=|!=|<|>|\s+in\s+|\s+notin\s+)\s*(?P<rest>\([^)]*\)|[^,]*))?\s*$"
)

_Match = Callable[[Mapping[str, str]], bool]


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector; the empty selector matches everything."""

    text: str
    _tests: tuple[_Match, ...]

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """Parse `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3`; BadRequest when malformed."""
        return cls(text, tuple(_requirement(part) for part in _split(text)))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """True when every requirement holds for these labels."""
        found = labels or {}
        return all(test(found) for test in self._tests)


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses, dropping empty input."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    if len(parts) == 1 and not parts[0].strip():
        return []
    return parts


def _parse_error(part: str, detail: str) -> ApiError:
    return bad_request(f"unable to parse requirement: {detail} in {part.strip()!r}")


def _requirement(part: str) -> _Match:
    match = _REQUIREMENT.fullmatch(part)
    if match is None or not part.strip():
        raise _parse_error(part, "found '', expected: identifier")
    key, op, rest = match["key"], (match["op"] or "").strip(), (match["rest"] or "").strip()
    if _KEY_RE.fullmatch(key) is None:
        raise _parse_error(part, f"invalid label key {key!r}")
    if match["neg"]:
        if op:
            raise _parse_error(part, "'!' may only precede a key")
        return lambda labels: key not in labels
    if not op:
        return lambda labels: key in labels
    if op in ("in", "notin"):
        if not (rest.startswith("(") and rest.endswith(")")):
            raise _parse_error(part, "found '', expected: '('")
        values = frozenset(v.strip() for v in rest[1:-1].split(","))
        _check_values(part, values)
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if op in ("<", ">"):
        try:
            bound = int(rest)
        except ValueError:
            raise _parse_error(
                part, f"for 'Gt', 'Lt' operators, the value must be an integer: {rest}"
            ) from None
        return lambda labels: _compare(labels.get(key), bound, op)
    _check_values(part, frozenset([rest]))
    if op == "!=":
        return lambda labels: labels.get(key) != rest
    return lambda labels: labels.get(key) == rest


def _check_values(part: str, values: frozenset[str]) -> None:
    for value in values:
        if len(value) > 63 or _VALUE_RE.fullmatch(value) is None:
            raise _parse_error(part, f"invalid label value: {value!r}")


def _compare(value: str | None, bound: int, op: str) -> bool:
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return False
    if number is None:
        return False
    return number > bound if op == ">" else number < bound


# The fields each kind can be selected on besides metadata.name and metadata.namespace.
_EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "pods": (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
    ),
    "events": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "source",
        "type",
    ),
    "secrets": ("type",),
    "namespaces": ("status.phase",),
}


@dataclass(frozen=True)
class FieldSelector:
    """A parsed field selector: `field=value`, `field==value`, `field!=value`, comma-joined."""

    text: str
    _terms: tuple[tuple[tuple[str, ...], bool, str], ...]

    @classmethod
    def parse(cls, text: str, resource_key: str) -> FieldSelector:
        """Parse a selector for objects of `resource_key`; BadRequest on unknown fields."""
        allowed = {"metadata.name", "metadata.namespace", *_EXTRA_FIELDS.get(resource_key, ())}
        terms = []
        for part in _split(text):
            match = re.fullmatch(r"\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*", part)
            if match is None:
                raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
            field, op, value = match.groups()
            if field not in allowed:
                raise bad_request(f"field label not supported: {field}")
            terms.append((tuple(field.split(".")), op != "!=", value))
        return cls(text, tuple(terms))

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """True when every term holds for this object."""
        return all((_field(obj, path) == value) == equal for path, equal, value in self._terms)


def _field(obj: Mapping[str, Any], path: tuple[str, ...]) -> str:
    node: Any = obj
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) else None
    if node is None:
        return ""
    return node if isinstance(node, str) else str(node)
