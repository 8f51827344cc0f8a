"""The simulator against a real kube-apiserver, case by case; known divergences are in divergences.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.backends import fresh_namespace_name
from tests.differential.cases import CASES
from tests.differential.normalizing import diff, divergence
from tests.differential.runner import Side, run_case, sim_side
from tests.differential.steps import Case

pytestmark = pytest.mark.real

LEDGER = Path(__file__).with_name("divergences.md")
ROW = re.compile(r"^\|\s*`?([\w.-]+)`?\s*\|(.*)\|(.*)\|(.*)\|\s*$")
PATH = re.compile(r"`([^`]+)`")


def known_divergences() -> dict[str, list[str]]:
    """Case id -> the paths where it differs ("differs at"), from divergences.md's table."""
    known: dict[str, list[str]] = {}
    for line in LEDGER.read_text(encoding="utf-8").splitlines():
        row = ROW.match(line.strip())
        if row is None or row.group(1) in ("case", "id") or set(row.group(1)) <= {"-"}:
            continue
        known[row.group(1)] = sorted(PATH.findall(row.group(3)))
    return known


KNOWN = known_divergences()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case: Case, real_side: Side, tmp_path: Path) -> None:
    namespace = fresh_namespace_name("diff")
    real = run_case(case, real_side, namespace)
    with sim_side(tmp_path) as side:
        sim = run_case(case, side, namespace)
    if sim == real:
        assert case.id not in KNOWN, f"{case.id} now agrees: fixed: remove it from divergences.md"
        return
    assert case.id in KNOWN, f"{case.id} diverges (not listed in divergences.md):\n{diff(sim, real)}"
    found = divergence(sim, real)
    assert found == KNOWN[case.id], (
        f"{case.id} now differs at {found}, divergences.md says {KNOWN[case.id]}: a new divergence "
        f"(or a fixed one) must be written there\n{diff(sim, real)}"
    )


def test_every_listed_divergence_is_a_case() -> None:
    ids = {case.id for case in CASES}
    assert len(ids) == len(CASES), "case ids must be unique"
    assert sorted(set(KNOWN) - ids) == []
