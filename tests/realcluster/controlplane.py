"""A throwaway, secure Kubernetes control plane for tests: etcd, kube-apiserver, kube-controller-manager.

Built by `scripts/build-realcluster` from the Go program beside this file. It is set up the way a real
cluster is, as envtest sets one up: TLS from a CA made at start, bearer tokens from a token file (an admin
in system:masters and a few limited users that tests grant roles to), RBAC authorization, service-account
signing keys, and a kubeconfig like a user's. No kubelet runs: pods stay Pending unless a test writes
their status. The CRDs are the real ones (tests/realcluster/crds.py).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "build-realcluster"
SERVICE_CIDR = "10.0.0.0/24"
CONTROLLERS = (
    "namespace-controller,garbage-collector-controller,deployment-controller,replicaset-controller,"
    "serviceaccount-controller"
)
"""What a dashboard's objects need from a controller manager: namespace deletion, owner-reference garbage
collection, Deployments making ReplicaSets making Pods, and each namespace's default ServiceAccount."""


@dataclass(frozen=True)
class User:
    """A user of the token file. Groups give the admin its powers; the others start with none."""

    name: str
    groups: tuple[str, ...] = ()


USERS = (
    User("admin", ("system:masters",)),
    User("viewer"),
    User("editor"),
    User("alice", ("team-a",)),
    User("bob", ("team-b",)),
)


def build_binary() -> Path:
    """The control-plane binary, built into its cache when missing (a cold build takes many minutes)."""
    result = subprocess.run([str(BUILD_SCRIPT)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"building the control plane failed:\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StartError(RuntimeError):
    """A piece of the control plane did not come up; the message ends with its log."""


class Process:
    """One piece of the control plane, logging to a file in the cluster's folder."""

    def __init__(self, name: str, command: list[str], log: Path) -> None:
        self.name = name
        self.command = command
        self.log = log
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self._popen = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    @property
    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        if self._popen is None:
            return
        if self._popen.poll() is None:
            self._popen.send_signal(signal.SIGTERM)
            try:
                self._popen.wait(grace)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait()
        self._popen = None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def fail(self, why: str) -> StartError:
        return StartError(f"{self.name}: {why}\n--- {self.log} ---\n{self.tail()}")


class RealCluster:
    """etcd + kube-apiserver + kube-controller-manager on loopback, in a folder of their own."""

    def __init__(self, binary: Path, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.tokens = {user.name: secrets.token_hex(16) for user in USERS}
        self.etcd_port = free_port()
        self.port = free_port()
        self.etcd: Process | None = None
        self.apiserver: Process | None = None
        self.controller_manager: Process | None = None
        self.startup_seconds: dict[str, float] = {}

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.crt"

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        begin = time.monotonic()
        self._make_credentials()
        self._start_etcd()
        self.startup_seconds["etcd"] = time.monotonic() - begin
        self.start_apiserver()
        self.startup_seconds["kube-apiserver"] = time.monotonic() - begin
        self.write_kubeconfig(self.folder / "admin.kubeconfig")
        self._start_controller_manager()
        self._install_crds()
        self.startup_seconds["ready"] = time.monotonic() - begin

    def stop(self) -> None:
        """Stop everything; the cluster is thrown away, so nobody waits for watches to drain."""
        for process in (self.controller_manager, self.apiserver, self.etcd):
            if process is not None:
                process.stop(grace=2.0)

    def start_apiserver(self) -> None:
        """Start (or start again) the API server; returns once /readyz answers ok."""
        log = self.folder / "kube-apiserver.log"
        self.apiserver = Process(
            "kube-apiserver", [str(self.binary), "kube-apiserver", *self._apiserver_flags()], log
        )
        self.apiserver.start()
        self._wait_ready(self.apiserver, "/readyz", timeout=120)

    def stop_apiserver(self, grace: float = 10.0) -> None:
        """Stop the API server: SIGTERM, then SIGKILL after `grace` seconds. It stops listening at once,
        but open watches (the controller manager's, a test's) keep it draining until it is killed."""
        if self.apiserver is not None:
            self.apiserver.stop(grace)

    def restart_apiserver(self, grace: float = 1.0) -> None:
        """Stop the API server and start it again on the same port, etcd and its data untouched. Its watch
        caches start afresh at etcd's current revision: a watch from an older resourceVersion gets 410."""
        self.stop_apiserver(grace)
        self.start_apiserver()

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # --- kubeconfigs ------------------------------------------------------------------------------

    def kubeconfig(self, user: str = "admin") -> dict[str, Any]:
        """A kubeconfig as a user would have it: the CA embedded, a bearer token, one context."""
        ca = base64.b64encode(self.ca_file.read_bytes()).decode()
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "real", "cluster": {"server": self.url, "certificate-authority-data": ca}}],
            "users": [{"name": user, "user": {"token": self.tokens[user]}}],
            "contexts": [{"name": f"{user}@real", "context": {"cluster": "real", "user": user}}],
            "current-context": f"{user}@real",
        }

    def write_kubeconfig(self, path: Path, user: str = "admin") -> Path:
        path.write_text(yaml.safe_dump(self.kubeconfig(user)))
        path.chmod(0o600)
        return path

    # --- pieces -----------------------------------------------------------------------------------

    def _make_credentials(self) -> None:
        """A CA, the API server's certificate signed by it, service-account keys and the token file."""
        f = self.folder
        openssl = shutil.which("openssl")
        if openssl is None:
            raise StartError("openssl is needed to make the test cluster's certificates")

        def run(*args: str) -> None:
            subprocess.run([openssl, *args], cwd=f, check=True, capture_output=True)

        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        run(
            "req",
            "-x509",
            *ec,
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=splitboard-test-ca",
        )
        run(
            "req",
            "-new",
            *ec,
            "-keyout",
            "apiserver.key",
            "-out",
            "apiserver.csr",
            "-subj",
            "/CN=kube-apiserver",
        )
        (f / "apiserver.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n"
        )
        run(
            "x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "apiserver.crt", "-days", "2", "-extfile", "apiserver.ext",
        )  # fmt: skip
        run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key")
        run("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub")
        lines = [
            f'{self.tokens[u.name]},{u.name},uid-{u.name},"{",".join(u.groups)}"' if u.groups
            else f"{self.tokens[u.name]},{u.name},uid-{u.name}"
            for u in USERS
        ]  # fmt: skip
        (f / "tokens.csv").write_text("\n".join(lines) + "\n")
        (f / "tokens.csv").chmod(0o600)

    def _start_etcd(self) -> None:
        client = f"http://127.0.0.1:{self.etcd_port}"
        self.etcd = Process(
            "etcd",
            [
                str(self.binary), "etcd",
                f"--data-dir={self.folder / 'etcd'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls=http://127.0.0.1:{free_port()}",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
            self.folder / "etcd.log",
        )  # fmt: skip
        self.etcd.start()
        self._wait_http(self.etcd, f"{client}/health", timeout=60)

    def _apiserver_flags(self) -> list[str]:
        f = self.folder
        return [
            f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--cert-dir={f / 'certs'}",
            f"--tls-cert-file={f / 'apiserver.crt'}",
            f"--tls-private-key-file={f / 'apiserver.key'}",
            f"--client-ca-file={f / 'ca.crt'}",
            f"--token-auth-file={f / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={f / 'sa.pub'}",
            f"--service-account-signing-key-file={f / 'sa.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--allow-privileged=true",
            # Pods need no mounted token: no kubelet reads one, and no token controller writes them.
            "--disable-admission-plugins=ServiceAccount",
            # The API server's own Endpoints would name a loopback address no pod can reach.
            "--endpoint-reconciler-type=none",
            "--profiling=false",
            "--v=0",
        ]

    def _start_controller_manager(self) -> None:
        self.controller_manager = Process(
            "kube-controller-manager",
            [
                str(self.binary), "kube-controller-manager",
                f"--kubeconfig={self.folder / 'admin.kubeconfig'}",
                "--leader-elect=false",
                f"--controllers={CONTROLLERS}",
                f"--service-account-private-key-file={self.folder / 'sa.key'}",
                f"--root-ca-file={self.ca_file}",
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                "--authentication-skip-lookup=true",
                "--concurrent-gc-syncs=5",
                "--v=0",
            ],
            self.folder / "kube-controller-manager.log",
        )  # fmt: skip
        self.controller_manager.start()
        # Nothing to poll that says "all controllers started": a moment's check that it did not exit.
        time.sleep(0.5)
        if not self.controller_manager.alive:
            raise self.controller_manager.fail("exited at start")

    def _install_crds(self) -> None:
        from kubernetes import client, config

        from tests.realcluster.crds import all_crds

        api = config.new_client_from_config_dict(self.kubeconfig())  # type: ignore[no-untyped-call]
        try:
            extensions: Any = client.ApiextensionsV1Api(api)
            crds = all_crds()
            for crd in crds:
                extensions.create_custom_resource_definition(crd)
            deadline = time.monotonic() + 60
            for crd in crds:
                name = crd["metadata"]["name"]
                while not _established(extensions.read_custom_resource_definition(name)):
                    if time.monotonic() > deadline:
                        raise StartError(f"CRD {name} was not Established within 60 s")
                    time.sleep(0.05)
        finally:
            api.close()

    # --- waiting ----------------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def _wait_ready(self, process: Process, path: str, timeout: float) -> None:
        headers = {"Authorization": f"Bearer {self.tokens['admin']}"}
        self._wait_http(process, f"{self.url}{path}", timeout, headers, self._ssl_context())

    def _wait_http(
        self,
        process: Process,
        url: str,
        timeout: float,
        headers: dict[str, str] | None = None,
        context: ssl.SSLContext | None = None,
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not process.alive:
                raise process.fail("exited before it was ready")
            request = urllib.request.Request(url, headers=headers or {})
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(request, timeout=2, context=context) as answer,
            ):
                if answer.status == 200:
                    return
            if time.monotonic() > deadline:
                raise process.fail(f"{url} did not answer ok within {timeout:.0f} s")
            time.sleep(0.1)


def _established(crd: Any) -> bool:
    conditions = (crd.status and crd.status.conditions) or []
    return any(c.type == "Established" and c.status == "True" for c in conditions)


@contextlib.contextmanager
def running(folder: Path, binary: Path | None = None) -> Iterator[RealCluster]:
    """A started cluster in `folder` (built first when needed), stopped at the end."""
    with RealCluster(binary or build_binary(), folder) as cluster:
        yield cluster
