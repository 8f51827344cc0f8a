"""Kubernetes' name checks (k8s.io/apimachinery `pkg/util/validation`), with their error texts.

Shared by the traffic validation (tags, revision names) and the simulated API server (object names).
"""

from __future__ import annotations

import re


def _regex_error(message: str, pattern: str, *examples: str) -> str:
    """k8s.io/apimachinery validation.RegexError (its double space included)."""
    quoted = "".join(f"{' or ' if i else ''}'{example}', " for i, example in enumerate(examples))
    return f"{message} (e.g. {quoted}regex used for validation is '{pattern}')"


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)


def _byte_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def dns1035_label_errors(value: str) -> list[str]:
    """validation.IsDNS1035Label: [] when `value` is a valid DNS-1035 label."""
    errors = [_max_len_error(63)] if _byte_len(value) > 63 else []
    if not re.fullmatch(_DNS1035_FMT, value):
        errors.append(
            _regex_error(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character",
                _DNS1035_FMT,
                "my-name",
                "abc-123",
            )
        )
    return errors


def dns1123_label_errors(value: str) -> list[str]:
    """validation.IsDNS1123Label: [] when `value` is a valid DNS-1123 label."""
    errors = [_max_len_error(63)] if _byte_len(value) > 63 else []
    if not re.fullmatch(_DNS1123_LABEL_FMT, value):
        errors.append(
            _regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                "must start and end with an alphanumeric character",
                _DNS1123_LABEL_FMT,
                "my-name",
                "123-abc",
            )
        )
    return errors


def dns1123_subdomain_errors(value: str) -> list[str]:
    """validation.IsDNS1123Subdomain: [] when `value` is a valid DNS-1123 subdomain."""
    errors = [_max_len_error(253)] if _byte_len(value) > 253 else []
    if not re.fullmatch(_DNS1123_SUBDOMAIN_FMT, value):
        errors.append(
            _regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                "'.', and must start and end with an alphanumeric character",
                _DNS1123_SUBDOMAIN_FMT,
                "example.com",
            )
        )
    return errors


def qualified_name_errors(value: str) -> list[str]:
    """validation.IsQualifiedName: [] when `value` is `[dns-subdomain/]name`."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + msg for msg in dns1123_subdomain_errors(prefix))
    name = parts[-1]
    if not name:
        errors.append("name part must be non-empty")
    elif _byte_len(name) > 63:
        errors.append("name part " + _max_len_error(63))
    if not re.fullmatch(_QUALIFIED_NAME_FMT, name):
        errors.append(
            "name part "
            + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


def label_value_errors(value: str) -> list[str]:
    """validation.IsValidLabelValue (k8s.io/apimachinery pkg/api/validate/content/kube.go)."""
    errors: list[str] = []
    if _byte_len(value) > 63:
        errors.append(_max_len_error(63))
    if not re.fullmatch(_LABEL_VALUE_FMT, value):
        errors.append(_regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors
