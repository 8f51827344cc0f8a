"""What a differential case is made of: scripted steps, each run the same way on both sides.

Strings in paths, queries, bodies and kubectl arguments may hold `{ns}` (the side's fresh namespace)
and the names of values saved by earlier steps (`{rv}`, `{uid}`, `{continue}`...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

JSON = "application/json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


@dataclass(frozen=True)
class Call:
    """One HTTP request through the official client's connection pool.

    `view` is what of the answer is compared:
    - "object": the whole (normalized) body, error Status or object;
    - "names": a list's kind, item names, whether it continues and remainingItemCount;
    - "table": a Table's column definitions and the first cell of each row;
    - "code": the status code alone (setup steps, whose answers other cases compare);
    - "raw": the body's bytes as text and the Content-Type (key order, escapes, trailing newline).
    `body` is sent as JSON unless it is a str, which is sent verbatim (malformed bodies, YAML).
    `save` names values of the answer for later steps: {"rv": "metadata.resourceVersion"}.
    """

    method: str
    path: str
    body: Any = None
    query: Mapping[str, str] = field(default_factory=dict)
    content_type: str = JSON
    accept: str = JSON
    user: str = "admin"
    view: str = "object"
    save: Mapping[str, str] = field(default_factory=dict)
    token: str | None = None
    """Sent as the bearer token instead of the user's; "" sends no Authorization header (anonymous)."""


@dataclass(frozen=True)
class Watch:
    """A watch stream: the types and names of its first `events` events (the server ends it after
    `timeoutSeconds`, so a side that sends fewer events does not hang the case); with `objects`, each
    event's whole object (a bookmark's shape)."""

    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    events: int = 1
    user: str = "admin"
    objects: bool = False


@dataclass(frozen=True)
class Kubectl:
    """/usr/bin/kubectl with `user`'s kubeconfig (its bearer token, over HTTPS on both sides);
    `as_user` impersonates (`--as`), `token` replaces the kubeconfig's (`--token`).
    `output` "json" parses stdout as JSON and normalizes it as an object; "text" compares lines."""

    args: tuple[str, ...]
    input: str | None = None
    as_user: str | None = None
    output: str = "text"
    user: str = "admin"
    token: str | None = None


@dataclass(frozen=True)
class Grant:
    """The admin gives `user` a Role of `rules` in the namespace (a ClusterRole when `cluster`)."""

    user: str
    rules: tuple[Mapping[str, Any], ...]
    cluster: bool = False


@dataclass(frozen=True)
class Await:
    """Poll GET `path` until it answers `code` (the garbage collector works asynchronously on a real
    cluster), and, for a list with `items` set, until it holds that many items (the deployment
    controller's ReplicaSets); records whether it did within `timeout` seconds."""

    path: str
    code: int
    timeout: float = 8.0
    items: int | None = None


Step: TypeAlias = Call | Watch | Kubectl | Grant | Await


@dataclass(frozen=True)
class Case:
    """A scripted conversation with an API server; `category` groups cases in reports."""

    id: str
    category: str
    steps: tuple[Step, ...]
