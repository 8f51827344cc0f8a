"""The `splitboard` command as a user runs it: `sim` beside kubectl and curl, `demo` in a browser's place."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.waiting import eventually

SPLITBOARD = [sys.executable, "-m", "app.cli"]
KUBECTL = "/usr/bin/kubectl"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _running(args: list[str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(
        [*SPLITBOARD, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def _get(url: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode(), dict(response.headers)


def test_sim_writes_a_kubeconfig_that_kubectl_and_curl_use(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "sim.kubeconfig"
    with _running(["sim", "--kubeconfig", str(kubeconfig)], tmp_path) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert kubeconfig.exists(), lines
        ingress = lines[1].split(" at ")[1].split()[0]
        out = subprocess.run(
            [KUBECTL, "--kubeconfig", str(kubeconfig), "get", "ksvc", "-n", "labs-1", "-o", "json"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        items = {item["metadata"]["name"]: item for item in json.loads(out)["items"]}
        assert set(items) == {"customer", "preference", "recommendation"}
        host = items["customer"]["status"]["url"].removeprefix("http://")
        status, body, headers = _get(ingress + "/", host=f"candidate-{host}")
        assert status == 200
        assert headers["Knative-Serving-Revision"] == "customer-v4"
        assert "v4" in body
    assert proc.returncode == 0


def test_demo_serves_the_dashboard_on_the_lab(tmp_path: Path) -> None:
    port = _free_port()
    kubeconfig = tmp_path / "demo.kubeconfig"
    args = ["demo", "--port", str(port), "--kubeconfig", str(kubeconfig)]
    with _running(args, tmp_path) as proc:

        def up() -> bool:
            assert proc.poll() is None, "the demo exited"
            try:
                return _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
            except OSError:
                return False

        eventually(up, timeout=20.0, message="timed out")
        status, body, _ = _get(f"http://127.0.0.1:{port}/namespaces/labs-1")
        assert status == 200
        assert "customer-v4" in body
        listed = subprocess.run(
            [KUBECTL, "--kubeconfig", str(kubeconfig), "get", "revisions", "-n", "labs-1", "-o", "name"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split()
        assert "revision.serving.knative.dev/customer-v3" in listed
        # The README's lab commands: kubectl sends the kubeconfig's token over HTTPS, as the admin.
        whoami = [
            KUBECTL,
            "--kubeconfig",
            str(kubeconfig),
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ]
        assert (
            subprocess.run(whoami, capture_output=True, text=True, check=True, timeout=30).stdout == "admin"
        )
    assert proc.returncode in (0, 130)  # uvicorn re-raises the Ctrl-C it shut down on


def test_serve_takes_a_flag_for_every_setting_over_the_environment() -> None:
    from app.cli import parser, serve_settings

    args = parser().parse_args(
        ["serve", "--read-only", "--port", "9001", "--namespaces", "labs-1,labs-2", "--json-logs"]
    )
    settings = serve_settings(args, {"SPLITBOARD_PORT": "9000", "SPLITBOARD_CONTEXT": "prod"})
    assert settings.read_only is True
    assert settings.json_logs is True
    assert settings.port == 9001
    assert settings.namespaces == ("labs-1", "labs-2")
    assert settings.context == "prod"


def test_serve_refuses_a_bad_flag_value_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import parser

    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--port", "eighty"])
    assert "--port: expected a whole number" in capsys.readouterr().err


def test_demo_and_sim_choose_the_knative_they_reproduce() -> None:
    from app.cli import parser

    args = parser().parse_args(["demo", "--knative", "current", "--ingress", "kourier"])
    assert (args.knative, args.ingress) == ("current", "kourier")
    args = parser().parse_args(["sim"])
    assert (args.knative, args.ingress) == (None, "istio")  # None: the scenario's (the lab: seed)


def test_sim_under_current_serves_net_istios_virtual_services(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "sim.kubeconfig"
    with _running(["sim", "--knative", "current", "--kubeconfig", str(kubeconfig)], tmp_path) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        assert "Knative: current, Knative Serving 1.23.0" in lines[2]
        # the simulated Prometheus answers at the URL printed, in Prometheus's own error shape
        prometheus = lines[3].split()[3]
        assert lines[3].startswith("Prometheus API at http://127.0.0.1:"), lines[3]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{prometheus}/api/v1/query?query=up", timeout=10)
        assert refused.value.code == 400
        assert json.loads(refused.value.read())["errorType"] == "bad_data"
        out = subprocess.run(
            [
                KUBECTL,
                "--kubeconfig",
                str(kubeconfig),
                "get",
                "vs",
                "customer-ingress",
                "-n",
                "labs-1",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        assert len(json.loads(out)["spec"]["http"]) == 16


def test_a_restarted_demo_carries_on_with_its_cluster_its_plan_and_its_history(tmp_path: Path) -> None:
    from tests.support.forms import csrf_client

    state = tmp_path / "demo" / "state.json"
    plan_url = "/api/namespaces/labs-1/services/customer/plan"

    def run_once(act: Callable[[httpx.Client], None]) -> None:
        port = _free_port()
        with _running(["demo", "--port", str(port), "--state-file", str(state)], tmp_path) as proc:

            def up() -> bool:
                assert proc.poll() is None, "the demo exited"
                try:
                    return _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
                except OSError:
                    return False

            eventually(up, timeout=40.0, message="the demo did not get ready")
            with csrf_client(f"http://127.0.0.1:{port}") as http:
                act(http)

    def start(http: httpx.Client) -> None:
        # One step to 60% that then waits for the presenter: the plan is mid-way when the demo stops.
        body = {"steps": [{"percent": 60, "pause": None}, {"percent": 100, "pause": 0}]}
        answer = http.post(plan_url, json=body)
        assert answer.status_code in (200, 201), answer.text

        def waiting() -> bool:
            return bool(http.get(plan_url).json()["progress"]["phase"] == "waiting")

        eventually(waiting, timeout=30.0, message="the plan's first step did not land")

    def resumed(http: httpx.Client) -> None:
        plan = http.get(plan_url).json()
        assert plan["progress"]["phase"] == "waiting"
        history = http.get("/api/namespaces/labs-1/services/customer/traffic/history").json()
        step = next(e for e in history if "plan step 1/2" in (e["user"] or ""))
        assert step["trusted"], step  # signed before the restart, verified after it

    run_once(start)
    assert state.exists()
    assert state.with_name("state.json.history-key").exists()
    run_once(resumed)
