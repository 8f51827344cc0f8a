"""The history key: from a setting or a file (a mounted Secret), else one per process; history another
key signed reads as outside change."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from kubernetes.client import ApiClient

from app.kube.config import load_api_client
from app.settings import Settings
from app.web.history_signing import history_key
from tests.support.forms import API, csrf_client
from tests.support.serving import serve


def test_the_key_comes_from_the_file_then_the_setting_else_chance(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-secret\n")
    assert history_key(Settings(history_key_file=secret, history_key="ignored")) == b"from-a-secret"
    assert history_key(Settings(history_key="set")) == b"set"
    assert history_key(Settings()) != history_key(Settings())


@pytest.mark.parametrize("content", [None, " \n"])
def test_an_unusable_key_file_stops_the_start(tmp_path: Path, content: str | None) -> None:
    secret = tmp_path / "key"
    if content is not None:
        secret.write_text(content)
    with pytest.raises(ValueError, match="history key file"):
        history_key(Settings(history_key_file=secret))


def apply_canary(http: httpx.Client) -> str:
    state = http.get(API).json()
    traffic = [{"revisionName": "customer-v3", "percent": 80}, {"revisionName": "customer-v4", "percent": 20}]
    answer = http.post(f"{API}/apply", json={"resourceVersion": state["resourceVersion"], "traffic": traffic})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["event"])


def trusted_in(http: httpx.Client, event: str) -> bool | None:
    entries = {e["event"]: e["trusted"] for e in http.get(f"{API}/history").json()}
    return entries.get(event)


def read_by(api: ApiClient, settings: Settings, event: str) -> bool | None:
    """Whether a second dashboard with `settings` trusts `event` (None: it never saw it)."""
    with serve(api, settings) as other, csrf_client(other.url) as http:
        deadline = time.monotonic() + 5  # its cache lists the Events within milliseconds
        while (seen := trusted_in(http, event)) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return seen


@pytest.mark.parametrize("shared", [True, False])
def test_history_is_trusted_across_processes_only_with_the_same_key(
    knative_kubeconfig: Path, shared: bool
) -> None:
    one = Settings(history_key="shared-key") if shared else Settings()
    two = Settings(history_key="shared-key") if shared else Settings()
    with load_api_client(knative_kubeconfig) as api:
        with serve(api, one) as first, csrf_client(first.url) as http:
            event = apply_canary(http)
        assert read_by(api, two, event) is shared
