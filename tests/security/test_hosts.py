"""Host checks beyond loopback: the dashboard refuses to start without SPLITBOARD_ALLOWED_HOSTS there,
serves only those names (and addresses), and /metrics is behind the same check as every page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.guarded import MakeDashboard

ROOT = Path(__file__).resolve().parents[2]


def test_listening_beyond_loopback_without_allowed_hosts_is_refused_at_start(
    make_dashboard: MakeDashboard,
) -> None:
    with pytest.raises(ValueError, match="needs SPLITBOARD_ALLOWED_HOSTS"):
        make_dashboard(host="0.0.0.0")
    with pytest.raises(ValueError, match="needs SPLITBOARD_ALLOWED_HOSTS"):
        make_dashboard(host="192.0.2.10", auth_token="t")
    assert make_dashboard(host="0.0.0.0", allowed_hosts=("splitboard.example.com",))
    assert make_dashboard(host="::1")


def test_serve_says_why_it_will_not_start(knative_kubeconfig: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPLITBOARD_")}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT), "SPLITBOARD_KUBECONFIG": str(knative_kubeconfig)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "needs SPLITBOARD_ALLOWED_HOSTS" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_rebinding_host_is_refused_beyond_loopback(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(host="0.0.0.0", allowed_hosts=("splitboard.example.com", "10.0.0.0/8"))
    rebound = served.client.get("/api/namespaces/labs-1", headers={"Host": "attacker.example:8000"})
    assert rebound.status_code == 400 and "customer" not in rebound.text
    assert served.client.get("/", headers={"Host": "splitboard.example.com"}).status_code == 200
    assert served.client.get("/", headers={"Host": "10.244.0.7:8000"}).status_code == 200
    assert served.client.get("/", headers={"Host": "11.0.0.1:8000"}).status_code == 400


def test_metrics_answer_only_allowed_hosts(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(allowed_hosts=("splitboard.example.com",))
    foreign = served.client.get("/metrics", headers={"Host": "attacker.example"})
    assert foreign.status_code == 400 and "splitboard_" not in foreign.text
    own = served.client.get("/metrics", headers={"Host": "splitboard.example.com"})
    assert own.status_code == 200 and "splitboard_http_requests" in own.text
    assert served.client.get("/healthz", headers={"Host": "attacker.example"}).status_code == 200
