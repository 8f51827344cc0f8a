"""Server-side printing: meta.k8s.io/v1 Table responses, as `kubectl get` asks for them.

Built-in kinds get the cells their printers compute (app.sim.apiserver.cells); custom resources get a Name
column followed by their additionalPrinterColumns, evaluated as the apiextensions server does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from app.model.timestamps import parse_time
from app.model.views import age
from app.sim.apiserver.cells import CELLS
from app.sim.apiserver.jsonpath import JSONPath
from app.sim.storage.resources import PrinterColumn, ResourceType

INCLUDE_OBJECT = ("None", "Metadata", "Object")
_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. "
    "More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)


def to_table(
    rt: ResourceType,
    version: str,
    objects: list[dict[str, Any]],
    *,
    include_object: str = "Metadata",
    list_meta: dict[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The Table for `objects` of `rt` read at `version`.

    include_object is the request's includeObject ("None", "Metadata" or "Object"); list_meta the
    list's metadata (resourceVersion, continue). `now` dates the age cells (defaults to the clock).
    """
    if version not in rt.versions:
        raise ValueError(f"{rt.key} is not served at version {version!r}")
    if include_object not in INCLUDE_OBJECT:
        raise ValueError(f"includeObject must be one of {', '.join(INCLUDE_OBJECT)}, not {include_object!r}")
    when = now or datetime.now(UTC)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {
            k: v for k, v in list_meta.items() if k in ("resourceVersion", "continue", "remainingItemCount")
        },
        "columnDefinitions": [_definition(column) for column in columns(rt)],
        "rows": [_row(rt, obj, include_object, when) for obj in objects],
    }


def columns(rt: ResourceType) -> tuple[PrinterColumn, ...]:
    """The Table columns of `rt`: a built-in kind's own, or Name plus a CRD's printer columns."""
    if rt.key in CELLS:
        return rt.printer_columns
    name = PrinterColumn("Name", "string", ".metadata.name", description=_NAME_DESCRIPTION, format="name")
    extra = rt.printer_columns or (PrinterColumn("Age", "date", ".metadata.creationTimestamp"),)
    return (name, *extra)


def _definition(column: PrinterColumn) -> dict[str, Any]:
    return {
        "name": column.name,
        "type": column.type,
        "format": column.format,
        "description": column.description,
        "priority": column.priority,
    }


def _row(rt: ResourceType, obj: dict[str, Any], include_object: str, now: datetime) -> dict[str, Any]:
    cell_function = CELLS.get(rt.key)
    if cell_function is not None:
        cells = cell_function(obj, now)
    else:
        cells = [custom_cell(column, obj, now) for column in columns(rt)]
    row: dict[str, Any] = {"cells": cells}
    if include_object == "Object":
        row["object"] = obj
    elif include_object == "Metadata":
        row["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {}),
        }
    return row


@cache
def _compiled(json_path: str) -> JSONPath:
    return JSONPath.parse(json_path)


def custom_cell(column: PrinterColumn, obj: Mapping[str, Any], now: datetime) -> Any:
    """One CRD cell: the first JSONPath match, shaped by the column type (None when absent)."""
    found = _compiled(column.json_path).find(obj)
    if not found or found[0] is None:
        return None
    value = found[0]
    if column.type == "string":
        return print_value(value)
    if column.type == "integer":
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if column.type == "number":
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if column.type == "boolean":
        return value if isinstance(value, bool) else None
    if column.type == "date":
        return age(value, now) if isinstance(value, str) and parse_time(value) else "<invalid>"
    return None


def print_value(value: Any) -> str:
    """A value as kubectl's JSONPath printer writes it: lists and maps as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return str(value)
