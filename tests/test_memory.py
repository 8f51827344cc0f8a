"""The malloc arena limit the `splitboard` command sets (app.memory), in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.memory import limit_malloc_arenas

SET_LIMIT = "import os; from app.memory import limit_malloc_arenas as f; print(f(os.environ))"


def _limit(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SET_LIMIT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_limit_is_set_unless_the_environment_names_one() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert _limit(env) == "True"
    assert _limit({**env, "MALLOC_ARENA_MAX": "4"}) == "False"  # glibc took that one at start


def test_an_explicit_setting_is_left_alone() -> None:
    assert limit_malloc_arenas({"MALLOC_ARENA_MAX": "8"}) is False
