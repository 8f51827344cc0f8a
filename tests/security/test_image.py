"""The container image, checked without a Docker engine: its stages and user, then its steps replayed
(a wheel from exactly the files the build stage copies, the final stage's layout and ENV, the
ENTRYPOINT against the simulated cluster, the HEALTHCHECK). scripts/check-image-steps.sh replays the
build stage's RUN itself in a clean venv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.dockerfile import (
    ROOT,
    copy_sources,
    dockerfile,
    free_port,
    healthy,
    lay_out,
    link_declared_dependencies,
    running,
)

BUILD_TOOLS = ("apt-get", "apk", "gcc", "build-essential", "pip ", "npm ")


def test_three_stages_and_an_unprivileged_runtime_without_build_tools() -> None:
    htmx, build, final = dockerfile()
    assert (htmx.name, build.name, final.name) == ("htmx", "build", None)
    assert htmx.base.startswith("node:") and build.base == final.base == "python:3.11-slim"
    assert final.all("RUN") == [next(r for r in final.all("RUN") if r.startswith("useradd --system"))]
    assert not any(tool in run for run in final.all("RUN") for tool in BUILD_TOOLS)
    user = final.all("USER")[-1]
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0"
    assert final.all("HEALTHCHECK") and "/healthz" in final.all("HEALTHCHECK")[0]
    copied_from = {args.split()[0] for args in final.all("COPY") if args.startswith("--from=")}
    assert copied_from == {"--from=build", "--from=htmx"}


def test_htmx_comes_pinned_to_major_version_2_from_the_lock_file() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for package in ("htmx.org", "htmx-ext-sse"):
        assert lock["packages"][f"node_modules/{package}"]["version"].startswith("2."), package
    assert "npm ci" in dockerfile()[0].all("RUN")[0]


def test_the_installed_package_starts_with_the_images_env_and_passes_its_healthcheck(
    tmp_path: Path, knative_kubeconfig: Path
) -> None:
    stages = dockerfile()
    src = tmp_path / "src"
    copy_sources(stages[1], src)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(tmp_path / "wheels"), str(src)], check=True, timeout=240
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheel = next((tmp_path / "wheels").glob("splitboard-*.whl"))
    subprocess.run(
        [*pip, "--python", str(venv / "bin/python"), "install", "--no-deps", str(wheel)], check=True
    )
    # The declared dependencies (as this suite has them installed), and nothing else.
    site = venv / "lib/python3.11/site-packages"
    link_declared_dependencies(tmp_path / "deps")
    (site / "zz-dependencies.pth").write_text(f"{tmp_path / 'deps'}\n", encoding="utf-8")
    image = lay_out(stages, tmp_path / "image", venv)
    where = subprocess.run(
        [str(venv / "bin/python"), "-c", "import app; print(app.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site)), where
    port = free_port()
    with running(image, knative_kubeconfig, port) as process:
        if not healthy(image, port):
            process.terminate()
            pytest.fail(
                f"the HEALTHCHECK never passed:\n{process.communicate(timeout=10)[1].decode()[-3000:]}"
            )
