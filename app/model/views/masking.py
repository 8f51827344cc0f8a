"""Hiding environment values that look secret: by the variable's name (DB_PASSWORD, API_KEY, ...) or a
password inside a URL (postgres://user:pw@db). Pages and the YAML view show them masked; revealing them
is the web layer's decision (it needs an identity and is logged).

kubectl's last-applied-configuration annotation repeats the whole object as JSON, env included, so it
is masked the same way (or hidden whole when it cannot be read).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MASK = "(hidden)"
SECRET_WORDS = (
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PWD",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "PRIVATE",
    "AUTH",
    "CERT",
    "DSN",
    "SALT",
    "SIGNATURE",
    "COOKIE",
    "SESSION",
)
"""Parts of a variable name that make its value secret-like (matched anywhere, in any case)."""
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]{0,256}:)[^@/\s]{1,1024}@")


def secret_like(name: str) -> bool:
    """Whether an env var's name says its value is a secret."""
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS)


def masked_value(name: str, value: str) -> str:
    """`value` fit to show: all of it hidden for a secret-like name, else any URL password hidden."""
    if secret_like(name):
        return MASK
    if "://" in value and "@" in value:
        return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}@", value)
    return value


def masked(obj: Any) -> tuple[Any, int]:
    """A copy of `obj` with every env value masked (lists under an `env` key, at any depth, and the
    last-applied annotation), and how many values were hidden. `obj` itself is not changed."""
    if isinstance(obj, Mapping):
        count = 0
        copy: dict[str, Any] = {}
        for key, value in obj.items():
            if key == "env" and isinstance(value, list):
                copy[key], hidden = _masked_env(value)
            elif key == LAST_APPLIED and isinstance(value, str):
                copy[key], hidden = _masked_json(value)
            else:
                copy[key], hidden = masked(value)
            count += hidden
        return copy, count
    if isinstance(obj, list):
        items = [masked(item) for item in obj]
        return [item for item, _ in items], sum(hidden for _, hidden in items)
    return obj, 0


def _masked_env(env: list[Any]) -> tuple[list[Any], int]:
    shown: list[Any] = []
    count = 0
    for item in env:
        if isinstance(item, Mapping) and isinstance(item.get("value"), str):
            value = masked_value(str(item.get("name", "")), item["value"])
            count += value != item["value"]
            shown.append({**item, "value": value})
        else:
            shown.append(item)
    return shown, count


def _masked_json(text: str) -> tuple[str, int]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return MASK, 1
    shown, count = masked(parsed)
    return (json.dumps(shown, separators=(",", ":")), count) if count else (text, 0)
