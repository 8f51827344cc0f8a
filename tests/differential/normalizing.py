"""Making two servers' answers comparable: what must differ between any two clusters is replaced.

Replaced: uids, resourceVersions, continue tokens, timestamps (and kubectl's ages), generated name
suffixes, the namespace (each side has its own), server URLs, IP addresses. Dropped: managedFields
times, and what the real cluster's deployment controller writes into Deployments a moment after
they change: status and its revision annotation, in the object and in its managedFields (a bare
simulator runs no controllers, and its timing would make the real side flaky).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
SERVER = re.compile(r"https?://127\.0\.0\.1:\d+")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
# resourceVersions quoted inside messages (an object echoed as JSON, a precondition's numbers).
RV_IN_JSON = re.compile(r'(resourceVersion\\*"\s*:\s*\\*")\d+', re.IGNORECASE)
RV_IN_PRECONDITION = re.compile(r"(ResourceVersion in (?:the precondition|record) \()\d+")
# A watch from before the watch cache's start names both resourceVersions.
RV_TOO_OLD = re.compile(r"(too old resource version: )\d+ \(\d+\)")
# Names the cases ask the server to generate: the random suffix differs on every run.
GENERATED = re.compile(r"\b(gen-|Gen_)[a-z0-9]{5}\b")
# `kubectl diff` names its temporary folders and shows their files' times.
DIFF_FOLDER = re.compile(r"/tmp/(LIVE|MERGED)-\d+")
FILE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4}")
AGE = re.compile(r"(?<![\w.-])(?:\d+[smhd])+(?![\w.-])")
CONTROLLER_ANNOTATIONS = ("deployment.kubernetes.io/revision",)
CONTROLLER_MANAGERS = ("kube-controller-manager",)


class Normalizer:
    """Normalizes one side's answers: it knows that side's namespace."""

    def __init__(self, namespace: str) -> None:
        self._namespace = re.compile(re.escape(namespace) + r"(?![\w])")

    def text(self, value: str) -> str:
        value = SERVER.sub("<server>", value)
        value = self._namespace.sub("{ns}", value)
        value = UUID.sub("<uid>", value)
        value = TIME.sub("<time>", value)
        value = RV_IN_JSON.sub(r"\1<rv>", value)
        value = RV_IN_PRECONDITION.sub(r"\1<rv>", value)
        value = RV_TOO_OLD.sub(r"\1<rv> (<rv>)", value)
        value = GENERATED.sub(r"\1<suffix>", value)
        return IPV4.sub("<ip>", value)

    def lines(self, output: str) -> list[str]:
        """Command output as lines: runs of spaces collapsed (column widths follow the content) and
        ages replaced (they tick)."""
        lines = []
        for line in output.splitlines():
            line = FILE_TIME.sub("<time>", DIFF_FOLDER.sub(r"/tmp/\1-<n>", self.text(line)))
            lines.append(" ".join(AGE.sub("<age>", line).split()))
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return self._object(value)
        return value

    def _object(self, obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in obj.items():
            if key in ("resourceVersion", "uid", "continue") and isinstance(item, str) and item:
                out[key] = f"<{key}>"
            elif key == "managedFields" and isinstance(item, list):
                out[key] = [self._field_manager(entry) for entry in item if _by_client(entry)]
            else:
                out[key] = self.value(item)
        metadata = out.get("metadata")
        if isinstance(metadata, dict):
            generate = metadata.get("generateName")
            name = metadata.get("name")
            if isinstance(generate, str) and isinstance(name, str) and name.startswith(generate):
                metadata["name"] = generate + "<suffix>"
        if out.get("kind") == "Deployment":
            _drop_controller_writes(out)
        if out.get("kind") == "Scale" and isinstance(out.get("status"), dict):
            out["status"].pop("replicas", None)  # the Deployment's status, which its controller writes
        return out

    def _field_manager(self, entry: Any) -> Any:
        if not isinstance(entry, dict):
            return self.value(entry)
        return {key: self.value(item) for key, item in entry.items() if key != "time"}


def _by_client(entry: Any) -> bool:
    return not (isinstance(entry, dict) and entry.get("manager") in CONTROLLER_MANAGERS)


def _drop_controller_writes(deployment: dict[str, Any]) -> None:
    deployment.pop("status", None)
    metadata = deployment.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if isinstance(annotations, dict):
        for key in CONTROLLER_ANNOTATIONS:
            annotations.pop(key, None)
        if not annotations and isinstance(metadata, dict):
            metadata.pop("annotations")
    entries = metadata.get("managedFields") if isinstance(metadata, dict) else None
    if isinstance(metadata, dict) and isinstance(entries, list):
        # A client that writes back what it read (a status PUT) owns the controller's values too.
        kept = [entry for entry in map(_without_controller_fields, entries) if entry is not None]
        metadata["managedFields"] = kept


def _without_controller_fields(entry: Any) -> Any:
    fields = entry.get("fieldsV1") if isinstance(entry, dict) else None
    if not isinstance(fields, dict):
        return entry
    fields = {key: value for key, value in fields.items() if key != "f:status"}
    meta = fields.get("f:metadata")
    notes = meta.get("f:annotations") if isinstance(meta, dict) else None
    if isinstance(meta, dict) and isinstance(notes, dict):
        notes = {k: v for k, v in notes.items() if k[2:] not in CONTROLLER_ANNOTATIONS}
        meta = {k: v for k, v in meta.items() if k != "f:annotations"}
        if set(notes) - {"."}:
            meta["f:annotations"] = notes
        fields["f:metadata"] = meta
        if not meta:
            del fields["f:metadata"]
    return dict(entry, fieldsV1=fields) if fields else None


def dump(records: list[dict[str, Any]]) -> list[str]:
    text: str = yaml.safe_dump(records, sort_keys=True, width=100, allow_unicode=True)
    return text.splitlines()


def diff(sim: list[dict[str, Any]], real: list[dict[str, Any]]) -> str:
    """A unified diff of the two sides' records, the simulator's first."""
    lines = difflib.unified_diff(dump(sim), dump(real), "simulator", "real server", n=4, lineterm="")
    return "\n".join(lines)


def divergence(sim: list[dict[str, Any]], real: list[dict[str, Any]]) -> list[str]:
    """Where two sides' records differ, as sorted paths (`[step].field.sub`): the ledger's fingerprint.

    A step whose status or exit code differs, or whose answer is of another kind, counts once as
    `[i].status`, `[i].exit` or `[i].body.kind` (its body is then another thing altogether); otherwise
    every differing leaf is named, so a case already known to differ in one field still fails when it
    starts differing in another."""
    found: set[str] = set()
    for index in range(max(len(sim), len(real))):
        if index >= len(sim) or index >= len(real):
            found.add(f"[{index}]")
            continue
        a, b = sim[index], real[index]
        summary = next((f"[{index}].{key}" for key in ("status", "exit") if a.get(key) != b.get(key)), None)
        if summary is None and _kind(a.get("body")) != _kind(b.get("body")):
            summary = f"[{index}].body.kind"
        if summary is not None:
            found.add(summary)
        else:
            _walk(a, b, f"[{index}]", found)
    return sorted(found)


def _kind(body: Any) -> Any:
    return body.get("kind") if isinstance(body, dict) else None


def _walk(a: Any, b: Any, path: str, found: set[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                found.add(f"{path}.{key}")
            else:
                _walk(a[key], b[key], f"{path}.{key}", found)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}[{index}]", found)
    elif a != b:
        found.add(path)
