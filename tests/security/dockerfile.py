"""Read the Dockerfile and replay its steps without a Docker engine.

`python -m tests.security.dockerfile WORKDIR` (scripts/check-image-steps.sh) replays the build stage's
RUN literally in a clean venv (it downloads every dependency), lays the files out as the final stage
does, starts the ENTRYPOINT with the image's ENV against a simulated cluster, and runs the
HEALTHCHECK. The test suite replays the same with a wheel built from the same COPY'd files and the
dependencies it already has (seconds instead of minutes).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for args in self.all("ENV") for item in shlex.split(args))
        return {key: value for key, value in pairs}


def parse(text: str) -> list[Stage]:
    """Stages of a Dockerfile: comments dropped, continuation lines joined."""
    stages: list[Stage] = []
    logical = text.replace("\\\n", " ")
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            words = args.split()
            stages.append(Stage(words[0], words[2] if len(words) == 3 and words[1].upper() == "AS" else None))
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return stages


def dockerfile() -> list[Stage]:
    return parse((ROOT / "Dockerfile").read_text(encoding="utf-8"))


def copy_sources(stage: Stage, into: Path) -> None:
    """Do a stage's `COPY src... dest` lines from the repository (no --from) into `into`."""
    for args in stage.all("COPY"):
        *sources, dest = args.split()
        target = into / dest.removeprefix("/")
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(
                    path, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
                )
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name)


def link_declared_dependencies(into: Path) -> None:
    """Link into `into` the installed distributions that pyproject's dependencies pull in (their
    closure), and nothing else, so an import of an undeclared package fails as in the image."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(text) for text in project["dependencies"]]
    seen: set[str] = set()
    into.mkdir(parents=True, exist_ok=True)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (
            requirement.marker is not None and not requirement.marker.evaluate({"extra": ""})
        ):
            continue
        seen.add(name)
        dist = metadata.distribution(requirement.name)
        todo.extend(Requirement(text) for text in dist.requires or [])
        tops = {Path(str(file)).parts[0] for file in dist.files or [] if not str(file).startswith("..")}
        for top in tops - {"__pycache__"}:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (into / top).exists():
                (into / top).symlink_to(source)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Image:
    """The final stage laid out under `root` (for /opt/splitboard and /srv/splitboard)."""

    root: Path
    env: dict[str, str]
    entrypoint: list[str]
    healthcheck: list[str]

    def path(self, image_path: str) -> str:
        return image_path.replace("/opt/", f"{self.root}/opt/").replace("/srv/", f"{self.root}/srv/")


def lay_out(stages: list[Stage], root: Path, venv: Path) -> Image:
    """The final stage's files (venv from `venv`, templates, static, htmx's vendor files) and its
    ENV, ENTRYPOINT and HEALTHCHECK, with image paths under `root`."""
    final, htmx = stages[-1], stages[0]
    for args in final.all("COPY"):
        words = args.split()
        if words[0].startswith("--from="):
            continue
        source, dest = words
        shutil.copytree(ROOT / source, root / dest.removeprefix("/"), dirs_exist_ok=True)
    vendor = root / "srv/splitboard/static/vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for word in " ".join(htmx.all("RUN")).split():
        if word.startswith("node_modules/") and word.endswith(".js"):
            shutil.copy2(ROOT / word, vendor)
    (root / "opt").mkdir(exist_ok=True)
    if not (root / "opt/splitboard").exists():
        (root / "opt/splitboard").symlink_to(venv)
    health = final.all("HEALTHCHECK")[0]
    image = Image(root, {}, json.loads(final.all("ENTRYPOINT")[0]), json.loads(health.split(" CMD ", 1)[1]))
    env = {key: image.path(value.replace("$PATH", os.environ["PATH"])) for key, value in final.env().items()}
    return Image(root, env, image.entrypoint, image.healthcheck)


@contextmanager
def running(image: Image, kubeconfig: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The ENTRYPOINT with the image's ENV, pointed at `kubeconfig` instead of the pod's account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPLITBOARD_", "PYTHON", "VIRTUAL_ENV"))}
    env |= image.env | {
        "SPLITBOARD_IN_CLUSTER": "false",
        "SPLITBOARD_KUBECONFIG": str(kubeconfig),
        "SPLITBOARD_HOST": "127.0.0.1",
        "SPLITBOARD_PORT": str(port),
    }
    command = [
        shutil.which(image.entrypoint[0], path=env["PATH"]) or image.entrypoint[0],
        *image.entrypoint[1:],
    ]
    process = subprocess.Popen(
        command, env=env, cwd=image.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def healthy(image: Image, port: int, timeout: float = 20.0) -> bool:
    """Run the HEALTHCHECK (its port rewritten) until it passes or `timeout` ends."""
    command = [part.replace("8000", str(port)) for part in image.healthcheck]
    python = shutil.which(command[0], path=image.env["PATH"]) or command[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run([python, *command[1:]], capture_output=True, timeout=10).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def main(work: Path) -> int:
    """The literal replay: the build stage's RUN in a clean venv, then start and health-check."""
    from app.sim.building import build_cluster

    stages = dockerfile()
    build = next(s for s in stages if s.name == "build")
    src = work / "src"
    copy_sources(build, src)
    venv = work / "venv"
    for run in build.all("RUN"):
        subprocess.run(["bash", "-euc", run.replace("/opt/splitboard", str(venv))], cwd=src, check=True)
    image = lay_out(stages, work / "image", venv)
    port = free_port()
    cluster = build_cluster(scenario="labs")
    cluster.start()
    try:
        kubeconfig = cluster.write_kubeconfig(work / "kubeconfig")
        with running(image, kubeconfig, port) as process:
            ok = healthy(image, port)
            if not ok:
                process.terminate()
                print(process.communicate(timeout=10)[1].decode()[-5000:], file=sys.stderr)
    finally:
        cluster.stop()
    print("HEALTHCHECK passed" if ok else "HEALTHCHECK failed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
