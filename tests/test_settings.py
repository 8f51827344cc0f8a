"""Settings come from SPLITBOARD_* variables, flags override them, bad values name the variable."""

from pathlib import Path

import pytest

from app.settings import Settings


def test_environment_fills_every_kind_of_field() -> None:
    settings = Settings.from_env(
        {
            "SPLITBOARD_KUBECONFIG": "/tmp/kc",
            "SPLITBOARD_READ_ONLY": "yes",
            "SPLITBOARD_PORT": "9000",
            "SPLITBOARD_IDLE_SECONDS": "1.5",
            "SPLITBOARD_NAMESPACES": "labs-1, labs-2,,",
            "SPLITBOARD_CONTEXT": "prod",
        }
    )
    assert settings.kubeconfig == Path("/tmp/kc")
    assert settings.read_only is True
    assert settings.port == 9000
    assert settings.idle_seconds == 1.5
    assert settings.namespaces == ("labs-1", "labs-2")
    assert settings.context == "prod"


def test_flags_override_environment_but_none_does_not() -> None:
    settings = Settings.from_env(
        {"SPLITBOARD_PORT": "9000", "SPLITBOARD_HOST": "0.0.0.0"}, port=8001, host=None
    )
    assert settings.port == 8001
    assert settings.host == "0.0.0.0"


@pytest.mark.parametrize(
    ("name", "value"), [("SPLITBOARD_READ_ONLY", "maybe"), ("SPLITBOARD_PORT", "eighty")]
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})
