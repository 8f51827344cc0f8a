"""The JSONPath subset CRD printer columns use, evaluated against plain JSON objects.

Supported, as kubectl's JSONPath spells it: `.field`, `['key']` / `["key"]` (with `\\.` escapes
as in `.metadata.labels['serving\\.knative\\.dev/service']`), `[N]`, `[*]`, `[start:end]`,
and filters `[?(@.a.b == "x")]` with ==, !=, <, <=, >, >= or a bare existence test. An
optional surrounding `{...}` is accepted. Anything else is a ValueError, never an `eval`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Step = Callable[[Any], list[Any]]

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FILTER = re.compile(
    r"""@(?P<path>(?:\.[^.\s=!<>]+)*)\s*(?:(?P<op>==|!=|<=|>=|<|>)\s*(?P<literal>.+?))?\s*$""",
    re.DOTALL,
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


@dataclass(frozen=True)
class JSONPath:
    """A parsed path; `find(obj)` returns every match, in document order."""

    text: str
    steps: tuple[Step, ...]

    @classmethod
    def parse(cls, text: str) -> JSONPath:
        """Parse `text`; ValueError with the reason when it is outside the supported subset."""
        body = text.strip()
        if body.startswith("{") and body.endswith("}"):
            body = body[1:-1].strip()
        body = body.removeprefix("$")
        try:
            return cls(text, tuple(_parse_steps(body)))
        except ValueError as error:
            raise ValueError(f"invalid JSONPath {text!r}: {error}") from None

    def find(self, obj: Any) -> list[Any]:
        """All values the path selects in `obj` (empty when nothing matches)."""
        current = [obj]
        for step in self.steps:
            current = [found for value in current for found in step(value)]
        return current


def _parse_steps(body: str) -> list[Step]:
    steps: list[Step] = []
    i = 0
    while i < len(body):
        if body[i] == ".":
            name, i = _read_name(body, i + 1)
            steps.append(_field(name))
        elif body[i] == "[":
            end = _closing_bracket(body, i)
            steps.append(_bracket(body[i + 1 : end].strip()))
            i = end + 1
        else:
            raise ValueError(f"unexpected {body[i]!r} at position {i}")
    return steps


def _read_name(body: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    i = start
    while i < len(body) and body[i] not in ".[":
        if body[i] == "\\" and i + 1 < len(body):
            i += 1
        chars.append(body[i])
        i += 1
    if not chars:
        raise ValueError(f"empty field name at position {start}")
    return "".join(chars), i


def _closing_bracket(body: str, start: int) -> int:
    depth, quote = 0, ""
    for i in range(start, len(body)):
        char = body[i]
        if quote:
            quote = "" if char == quote and body[i - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unclosed '[' at position {start}")


def _bracket(inner: str) -> Step:
    if inner == "*":
        return _every
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        return _field(inner[1:-1].replace("\\", ""))
    if inner.startswith("?(") and inner.endswith(")"):
        return _filter(inner[2:-1])
    if re.fullmatch(r"-?\d+", inner):
        return _index(int(inner))
    match = re.fullmatch(r"(-?\d*):(-?\d*)", inner)
    if match:
        start, stop = (int(part) if part else None for part in match.groups())
        return lambda value: list(value[start:stop]) if isinstance(value, list) else []
    raise ValueError(f"unsupported subscript [{inner}]")


def _field(name: str) -> Step:
    return lambda value: [value[name]] if isinstance(value, dict) and name in value else []


def _index(index: int) -> Step:
    def step(value: Any) -> list[Any]:
        if isinstance(value, list) and -len(value) <= index < len(value):
            return [value[index]]
        return []

    return step


def _every(value: Any) -> list[Any]:
    if isinstance(value, list):
        return list(value)
    return list(value.values()) if isinstance(value, dict) else []


def _filter(expression: str) -> Step:
    match = _FILTER.fullmatch(expression.strip())
    if match is None:
        raise ValueError(f"unsupported filter ?({expression})")
    inner = JSONPath.parse(match["path"]) if match["path"] else None
    op = match["op"]
    literal = _literal(match["literal"]) if op else None

    def keep(item: Any) -> bool:
        found = inner.find(item) if inner else [item]
        if op is None:
            return bool(found)
        try:
            return any(_COMPARE[op](value, literal) for value in found if _comparable(value, literal))
        except TypeError:
            return False

    return lambda value: [item for item in value if keep(item)] if isinstance(value, list) else []


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    raise ValueError(f"unsupported literal {text!r}")


def _comparable(value: Any, literal: Any) -> bool:
    numeric = (int, float)
    if isinstance(literal, bool) or isinstance(value, bool):
        return isinstance(literal, bool) and isinstance(value, bool)
    return isinstance(value, numeric) == isinstance(literal, numeric)
