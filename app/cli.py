"""The `splitboard` command: `demo`, `serve` and `sim`."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from app.settings import Settings, environ


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="splitboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="simulated cluster (lab scenario) plus the dashboard")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--kubeconfig", type=Path, help="also write the simulated cluster's kubeconfig here")
    demo.add_argument("--scenario", default="labs")
    demo.add_argument("--state-file", type=Path, help="keep the simulated cluster's objects in this file")

    serve = sub.add_parser("serve", help="the dashboard against a real cluster (flags override SPLITBOARD_*)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--kubeconfig", type=Path)
    serve.add_argument("--context")
    serve.add_argument(
        "--in-cluster", action="store_true", default=None, help="use the pod's service account"
    )
    serve.add_argument("--read-only", action="store_true", default=None, help="never write to the cluster")
    serve.add_argument("--namespaces", type=_namespace_list, help="comma-separated allow-list")

    sim = sub.add_parser("sim", help="the simulated cluster alone, until interrupted")
    sim.add_argument("--scenario", default="labs")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0)
    sim.add_argument("--kubeconfig", type=Path, default=Path("splitboard-sim.kubeconfig"))
    sim.add_argument("--state-file", type=Path)
    sim.add_argument("--ingress-port", type=int, default=0, help="port of the simulated ingress gateway")
    return parser


def _namespace_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _wait_for_signal() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def _serve(settings: Settings) -> None:
    import uvicorn

    from app.main import create_app
    from app.web.serving import Server

    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, timeout_graceful_shutdown=2, log_level="info"
    )
    Server(config, app).run()


def run_sim(args: argparse.Namespace) -> None:
    from app.sim.building import WorkloadSettings, build_cluster

    cluster = build_cluster(
        scenario=args.scenario,
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        workloads=WorkloadSettings(ingress_port=args.ingress_port),
    )
    cluster.start()
    try:
        cluster.wait_ready()
        cluster.write_kubeconfig(args.kubeconfig)
        print(f"simulated cluster at {cluster.url}; kubeconfig: {args.kubeconfig}", flush=True)
        print(
            f"ingress gateway at {cluster.ingress_url} (send a route's host as the Host header)", flush=True
        )
        _wait_for_signal()
    finally:
        cluster.stop()


def run_demo(args: argparse.Namespace) -> None:
    from app.sim.building import WorkloadSettings, build_cluster

    cluster = build_cluster(scenario=args.scenario, state_file=args.state_file, workloads=WorkloadSettings())
    cluster.start()
    try:
        cluster.wait_ready()
        with tempfile.TemporaryDirectory(prefix="splitboard-") as tmp:
            internal = cluster.write_kubeconfig(Path(tmp) / "kubeconfig")
            if args.kubeconfig is not None:
                cluster.write_kubeconfig(args.kubeconfig)
                print(f"kubectl --kubeconfig {args.kubeconfig} get ksvc -n labs-1", flush=True)
            print(f"Splitboard demo: http://{args.host}:{args.port}/", flush=True)
            _serve(
                Settings.from_env(
                    environ(),
                    kubeconfig=internal,
                    host=args.host,
                    port=args.port,
                    ingress_url=cluster.ingress_url,
                )
            )
    finally:
        cluster.stop()


def run_serve(args: argparse.Namespace) -> None:
    _serve(
        Settings.from_env(
            environ(),
            kubeconfig=args.kubeconfig,
            context=args.context,
            in_cluster=args.in_cluster,
            read_only=args.read_only,
            namespaces=args.namespaces,
            host=args.host,
            port=args.port,
        )
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        {"demo": run_demo, "serve": run_serve, "sim": run_sim}[args.command](args)
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        sys.exit(130)


if __name__ == "__main__":
    main(sys.argv[1:])
