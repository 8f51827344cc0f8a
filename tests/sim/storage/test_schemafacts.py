"""The simulator's schema facts against the real CRDs, read at test time from the Go module cache.

Every fact the simulator states (types, formats, required fields, enums, nullability, list and map
types, preserve-unknown markers, descriptions) must be the real CRD's; below a node marked open the real
schema may say more. A node that is not open must list exactly the real properties, since pruning drops
whatever it does not list. A new Knative or Istio release that changes a schema fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.sim.storage import resources
from app.sim.storage.schemafacts import RULED_KINDS, SCHEMAS
from app.sim.storage.structural import Schema


def _real_schemas() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    from tests.realcluster.crds import istio_crds, serving_crds

    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for crd in [*serving_crds(), *istio_crds()]:
        key = f"{crd['spec']['names']['plural']}.{crd['spec']['group']}"
        for version in crd["spec"]["versions"]:
            found.setdefault(key, []).append((version["name"], version["schema"]["openAPIV3Schema"]))
    return found


def differences(fact: Schema, real: dict[str, Any], path: str) -> list[str]:
    """Where `fact` says something the real schema node does not."""
    found: list[str] = []

    def differs(name: str, mine: Any, theirs: Any) -> None:
        if mine != theirs:
            found.append(f"{path or '.'}: {name} {mine!r} != real {theirs!r}")

    differs("type", fact.type, real.get("type", ""))
    if fact.description:
        differs("description", fact.description, real.get("description", ""))
    stated = not fact.open
    for name, mine, theirs in (
        ("format", fact.format, real.get("format", "")),
        ("required", fact.required, tuple(real.get("required", ()))),
        ("enum", fact.enum, tuple(real.get("enum", ()))),
        ("nullable", fact.nullable, bool(real.get("nullable"))),
        ("preserve", fact.preserve, bool(real.get("x-kubernetes-preserve-unknown-fields"))),
        ("int-or-string", fact.int_or_string, bool(real.get("x-kubernetes-int-or-string"))),
        ("list type", fact.list_type, real.get("x-kubernetes-list-type", "")),
        ("list keys", fact.list_keys, tuple(real.get("x-kubernetes-list-map-keys", ()))),
        ("map type", fact.map_type, real.get("x-kubernetes-map-type", "")),
    ):
        if stated or mine:
            differs(name, mine, theirs)
    if fact.open:
        return found
    properties = real.get("properties") or {}
    differs("properties", sorted(fact.properties), sorted(properties))
    for name, child in fact.properties.items():
        if name in properties:
            found += differences(child, properties[name], f"{path}.{name}")
    if fact.items is not None or "items" in real:
        if fact.items is None or "items" not in real:
            differs("items", fact.items is not None, "items" in real)
        else:
            found += differences(fact.items, real["items"], f"{path}[]")
    additional = real.get("additionalProperties")
    if fact.additional is not None or isinstance(additional, dict):
        if fact.additional is None or not isinstance(additional, dict):
            differs("additionalProperties", fact.additional is not None, isinstance(additional, dict))
        else:
            found += differences(fact.additional, additional, f"{path}{{}}")
    return found


@pytest.fixture(scope="module")
def real_schemas() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    return _real_schemas()


@pytest.mark.real
@pytest.mark.parametrize("key", sorted(SCHEMAS))
def test_the_facts_are_the_real_crds(
    key: str, real_schemas: dict[str, list[tuple[str, dict[str, Any]]]]
) -> None:
    assert key in real_schemas, f"no real CRD for {key}"
    for version, real in real_schemas[key]:
        assert differences(SCHEMAS[key], real, "") == [], f"{key} {version}"


@pytest.mark.real
def test_every_published_crd_the_simulator_serves_has_facts(
    real_schemas: dict[str, list[tuple[str, dict[str, Any]]]],
) -> None:
    served = {rt.key for rt in resources.default_registry().all()}
    assert {key for key in real_schemas if key in served} == set(SCHEMAS)


def _has_rules(node: Any) -> bool:
    if isinstance(node, dict):
        return bool(node.get("x-kubernetes-validations")) or any(_has_rules(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_rules(v) for v in node)
    return False


@pytest.mark.real
def test_the_kinds_with_cel_rules_are_the_real_ones(
    real_schemas: dict[str, list[tuple[str, dict[str, Any]]]],
) -> None:
    ruled = {key for key in SCHEMAS if any(_has_rules(schema) for _, schema in real_schemas[key])}
    assert ruled == RULED_KINDS


def test_the_comparison_notices_a_changed_fact() -> None:
    real = {"type": "object", "properties": {"percent": {"type": "integer", "format": "int64"}}}
    same = Schema("object", properties={"percent": Schema("integer", format="int64")})
    changed = Schema("object", properties={"percent": Schema("string")})
    assert differences(same, real, "") == []
    assert differences(changed, real, "") == [
        ".percent: type 'string' != real 'integer'",
        ".percent: format '' != real 'int64'",
    ]
