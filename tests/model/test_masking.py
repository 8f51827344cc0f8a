"""Masking secret-like env values: by the variable's name, a URL's password, and kubectl's
last-applied-configuration copy of the object."""

from __future__ import annotations

from typing import Any

from app.model.views import masked, masked_value


def test_masking_keeps_the_object_and_hides_values_by_name_and_url_password() -> None:
    applied = '{"env":[{"name":"API_KEY","value":"k1"}]}'
    body: dict[str, Any] = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied}},
        "spec": {
            "containers": [{"env": [{"name": "api_key", "value": "k1"}, {"name": "MODE", "value": "x"}]}]
        },
    }
    shown, count = masked(body)
    assert count == 2 and "k1" not in str(shown)
    assert shown["spec"]["containers"][0]["env"][1] == {"name": "MODE", "value": "x"}
    assert body["spec"]["containers"][0]["env"][0]["value"] == "k1", "the cached object is not changed"
    assert masked_value("REDIS_URL", "redis://:pw@cache:6379") == "redis://:(hidden)@cache:6379"
    assert masked_value("HOME_URL", "https://example.com/a@b") == "https://example.com/a@b"
