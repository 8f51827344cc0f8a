"""Label and field selectors, parsed as the API server parses `labelSelector` and `fieldSelector`.

The label grammar, its tokens and its error texts follow k8s.io/apimachinery/pkg/labels/selector.go
(a lexer, then a recursive descent over the tokens, then NewRequirement's checks); key and value
rules follow pkg/api/validate/content/kube.go. Field selectors follow pkg/fields/selector.go, and
the fields each kind can be selected on the field label conversions of k8s.io/kubernetes
pkg/apis/core/v1/conversion.go (others: apimachinery runtime/conversion.go's default).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.sim.storage.errors import bad_request

_Match = Callable[[Mapping[str, str]], bool]

# --- label keys and values -------------------------------------------------------------------------

_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE_FMT = f"({_KEY_FMT})?"
_DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _DNS_LABEL_FMT + "(\\." + _DNS_LABEL_FMT + ")*"
_KEY_MESSAGE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_INT64 = re.compile(r"[+-]?\d+")


def _regex_error(message: str, regex: str, *examples: str) -> str:
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{regex}')"


def _key_problems(key: str) -> list[str]:
    """What is wrong with a label key (content.IsLabelKey): empty when valid."""
    problems: list[str] = []
    parts = key.split("/")
    if len(parts) > 2:
        rule = _regex_error(_KEY_MESSAGE, _KEY_FMT, "MyName", "my.name", "123-abc")
        prefixed = "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        return [f"a valid label key {rule} {prefixed}"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            problems.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                problems.append("prefix part must be no more than 253 bytes")
            if re.fullmatch(_SUBDOMAIN_FMT, prefix) is None:
                problems.append(
                    "prefix part " + _regex_error(_SUBDOMAIN_MESSAGE, _SUBDOMAIN_FMT, "example.com")
                )
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > 63:
        problems.append("name part must be no more than 63 bytes")
    if re.fullmatch(_KEY_FMT, name) is None:
        problems.append("name part " + _regex_error(_KEY_MESSAGE, _KEY_FMT, "MyName", "my.name", "123-abc"))
    return problems


def _value_problems(value: str) -> list[str]:
    problems = []
    if len(value) > 63:
        problems.append("must be no more than 63 bytes")
    if re.fullmatch(_VALUE_FMT, value) is None:
        problems.append(_regex_error(_VALUE_MESSAGE, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return problems


def _quote(text: str) -> str:
    """A string as Go's %q writes it (for the characters a selector can hold)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for char, code in (("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r")):
        escaped = escaped.replace(char, code)
    return f'"{escaped}"'


def _invalid(path: str, value: str, detail: str) -> str:
    """A field.Invalid error's text."""
    return f"{path}: Invalid value: {_quote(value)}: {detail}"


def _aggregate(messages: list[str]) -> str:
    """An aggregated error list's text: one message alone, several (duplicates dropped) in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


# --- tokens --------------------------------------------------------------------------------------

_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_SYMBOLS = {")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", "<": "<", "!=": "!=", "(": "("}
IDENTIFIER, END = "identifier", "end"
# The binary operators in the order the parser's error names them (selection.Operator values).
_BINARY = ("in", "notin", "=", "==", "!=", "gt", "lt")


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, literal) pairs; kind is a symbol, "in", "notin", IDENTIFIER or END (last)."""
    found: list[tuple[str, str]] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and text[pos] in _SPACE:
            pos += 1
        if pos >= size:
            found.append((END, ""))
            return found
        if text[pos] in _SPECIAL:
            # The longest run of symbols that still spells an operator.
            end, best = pos, None
            while end < size and text[end] in _SPECIAL:
                candidate = text[pos : end + 1]
                if candidate in _SYMBOLS:
                    best = candidate
                elif best is not None:
                    break
                end += 1
            assert best is not None  # every single symbol is a token
            found.append((_SYMBOLS[best], best))
            pos += len(best)
            continue
        start = pos
        while pos < size and text[pos] not in _SPECIAL and text[pos] not in _SPACE:
            pos += 1
        word = text[start:pos]
        found.append((word if word in ("in", "notin") else IDENTIFIER, word))


class _SelectorError(Exception):
    """A parse failure, in the parser's words."""


@dataclass(frozen=True)
class Requirement:
    """One `key op values` term of a label selector."""

    key: str
    operator: str  # "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"
    values: tuple[str, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        op, present = self.operator, self.key in labels
        if op in ("in", "=", "=="):
            return present and labels[self.key] in self.values
        if op in ("notin", "!="):
            return not present or labels[self.key] not in self.values
        if op == "exists":
            return present
        if op == "!":
            return not present
        if not present or _INT64.fullmatch(labels[self.key]) is None:
            return False
        have, bound = int(labels[self.key]), int(self.values[0])
        return have > bound if op == "gt" else have < bound


def _requirement(key: str, operator: str, values: list[str]) -> Requirement:
    """NewRequirement: the operator's rules and every value checked, all problems reported together."""
    problems: list[str] = []
    if operator in ("gt", "lt"):
        for index, value in enumerate(values):
            if _INT64.fullmatch(value) is None:
                detail = "for 'Gt', 'Lt' operators, the value must be an integer"
                problems.append(_invalid(f"values[{index}]", value, detail))
    for index, value in enumerate(values):
        wrong = _value_problems(value)
        if wrong:
            problems.append(_invalid(f"values[{index}][{key}]", value, "; ".join(wrong)))
    if problems:
        raise _SelectorError(_aggregate(problems))
    return Requirement(key, operator, tuple(values))


class _Parser:
    def __init__(self, text: str) -> None:
        self._items = _tokens(text)
        self._at = 0

    def _peek(self) -> tuple[str, str]:
        # Inside values, "in" and "notin" are plain words.
        kind, literal = self._items[self._at]
        return (IDENTIFIER if kind in ("in", "notin") else kind), literal

    def _take(self, values: bool = True) -> tuple[str, str]:
        kind, literal = self._items[self._at]
        self._at += 1
        if values and kind in ("in", "notin"):
            kind = IDENTIFIER
        return kind, literal

    def parse(self) -> list[Requirement]:
        found: list[Requirement] = []
        while True:
            kind, literal = self._peek()
            if kind == END:
                return found
            if kind not in (IDENTIFIER, "!"):
                raise _SelectorError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                found.append(self._requirement())
            except _SelectorError as error:
                raise _SelectorError(f"unable to parse requirement: {error}") from None
            kind, literal = self._take()
            if kind == END:
                return found
            if kind != ",":
                raise _SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            kind, literal = self._peek()
            if kind not in (IDENTIFIER, "!"):
                raise _SelectorError(f"found '{literal}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        negated = False
        kind, key = self._take()
        if kind == "!":
            negated = True
            kind, key = self._take()
        if kind != IDENTIFIER:
            raise _SelectorError(f"found '{key}', expected: identifier")
        wrong = _key_problems(key)
        if wrong:
            raise _SelectorError(_invalid("<nil>", key, "; ".join(wrong)))
        # A negated key stands alone: whatever follows it is the selector's next token.
        if negated:
            return _requirement(key, "!", [])
        if self._peek()[0] in (END, ","):
            return _requirement(key, "exists", [])
        kind, literal = self._take(values=False)
        operators = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt"}
        if kind not in operators:
            raise _SelectorError(f"found '{literal}', expected: {', '.join(_BINARY)}")
        operator = operators[kind]
        values = self._set() if operator in ("in", "notin") else self._exact()
        return _requirement(key, operator, sorted(values))

    def _set(self) -> set[str]:
        kind, literal = self._take()
        if kind != "(":
            raise _SelectorError(f"found '{literal}' expected: '('")
        kind, literal = self._peek()
        if kind == ")":
            self._take()
            return {""}
        if kind not in (IDENTIFIER, ","):
            raise _SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self._list()
        if self._take()[0] != ")":
            raise _SelectorError(f"found '{literal}', expected: ')'")
        return values

    def _list(self) -> set[str]:
        values: set[str] = set()
        while True:
            kind, literal = self._take()
            if kind == IDENTIFIER:
                values.add(literal)
                after, text = self._peek()
                if after == ")":
                    return values
                if after != ",":
                    raise _SelectorError(f"found '{text}', expected: ',' or ')'")
            elif kind == ",":
                # Empty entries, as in "(,a)", "(a,)" or "(a,,b)", stand for the empty value.
                if not values:
                    values.add("")
                after, _ = self._peek()
                if after == ")":
                    values.add("")
                    return values
                if after == ",":
                    values.add("")
            else:
                raise _SelectorError(f"found '{literal}', expected: ',', or identifier")

    def _exact(self) -> set[str]:
        if self._peek()[0] in (END, ","):
            return {""}
        kind, literal = self._take()
        if kind == IDENTIFIER:
            return {literal}
        raise _SelectorError(f"found '{literal}', expected: identifier")


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector; the empty selector matches everything."""

    text: str
    requirements: tuple[Requirement, ...]

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """Parse `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3`; BadRequest in labels.Parse's words."""
        try:
            found = _Parser(text).parse()
        except _SelectorError as error:
            raise bad_request(str(error)) from None
        return cls(text, tuple(sorted(found, key=lambda requirement: requirement.key)))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """True when every requirement holds for these labels."""
        found = labels or {}
        return all(requirement.matches(found) for requirement in self.requirements)


# --- field selectors -----------------------------------------------------------------------------

_METADATA = ("metadata.name", "metadata.namespace")
# Kinds with a field label conversion of their own: the fields they can be selected on. Others take
# metadata.name and metadata.namespace only, and say so when asked for anything else.
_CONVERTED_FIELDS: dict[str, tuple[str, ...]] = {
    "pods": (
        *_METADATA,
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    ),
    "events": (
        *_METADATA,
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "secrets": (*_METADATA, "type"),
    "services": (*_METADATA, "spec.clusterIP", "spec.type"),
    "namespaces": ("metadata.name", "status.phase"),
}
_OPERATORS = ("!=", "==", "=")


def _split_terms(text: str) -> list[str]:
    """Split on commas not escaped by a backslash."""
    if not text:
        return []
    terms, start, escaped = [], 0, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:index])
            start = index + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for index in range(len(term)):
        for operator in _OPERATORS:
            if term.startswith(operator, index):
                return term[:index], operator, term[index + len(operator) :]
    return None


def _unescape(value: str) -> str:
    out, escaped = [], False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise bad_request(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise bad_request(f"invalid field selector: unescaped character in value: {ord(char)}")
        else:
            out.append(char)
    if escaped:
        raise bad_request("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _check_field(field: str, resource_key: str, custom: bool) -> None:
    allowed = _CONVERTED_FIELDS.get(resource_key)
    if custom or allowed is not None:
        if field not in (allowed or _METADATA):
            raise bad_request(f"field label not supported: {field}")
    elif field not in _METADATA:
        raise bad_request(
            f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'
        )


@dataclass(frozen=True)
class FieldSelector:
    """A parsed field selector: `field=value`, `field==value`, `field!=value`, comma-joined."""

    text: str
    _terms: tuple[tuple[tuple[str, ...], bool, str], ...]

    @classmethod
    def parse(cls, text: str, resource_key: str, *, custom: bool = False) -> FieldSelector:
        """Parse a selector for objects of `resource_key` (`custom`: a CRD's); BadRequest in the real
        server's words."""
        terms = []
        for part in sorted(_split_terms(text)):
            if not part:
                continue
            split = _split_term(part)
            if split is None:
                raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
            field, operator, value = split
            terms.append((field, operator != "!=", _unescape(value)))
        for field, _, _ in terms:
            _check_field(field, resource_key, custom)
        return cls(text, tuple((tuple(field.split(".")), equal, value) for field, equal, value in terms))

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """True when every term holds for this object."""
        return all((_field(obj, path) == value) == equal for path, equal, value in self._terms)


def _field(obj: Mapping[str, Any], path: tuple[str, ...]) -> str:
    node: Any = obj
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) else None
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return node if isinstance(node, str) else str(node)
