"""The `splitboard` command: `demo`, `serve` and `sim`."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import secrets
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.memory import limit_malloc_arenas
from app.settings import Settings, environ, parse_value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="splitboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="simulated cluster (lab scenario) plus the dashboard")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--kubeconfig", type=Path, help="also write the simulated cluster's kubeconfig here")
    demo.add_argument("--scenario", default="labs")
    demo.add_argument("--state-file", type=Path, help="keep the simulated cluster's objects in this file")
    _add_knative_flags(demo)

    serve = sub.add_parser(
        "serve", help="the dashboard against a real cluster (flags override SPLITBOARD_* variables)"
    )
    _add_settings_flags(serve)

    sim = sub.add_parser("sim", help="the simulated cluster alone, until interrupted")
    sim.add_argument("--scenario", default="labs")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0)
    sim.add_argument("--kubeconfig", type=Path, default=Path("splitboard-sim.kubeconfig"))
    sim.add_argument("--state-file", type=Path)
    sim.add_argument("--ingress-port", type=int, default=0, help="port of the simulated ingress gateway")
    sim.add_argument(
        "--prometheus-port", type=int, default=0, help="port of the simulated Prometheus API (rollout gates)"
    )
    _add_knative_flags(sim)
    return parser


def _add_knative_flags(parser: argparse.ArgumentParser) -> None:
    """The simulated cluster's Knative release and ingress (app.model.profiles)."""
    parser.add_argument(
        "--knative",
        choices=("current", "seed"),
        help="which Knative the simulated cluster reproduces: `current` (Knative Serving 1.23 with "
        "net-istio 1.22/1.23) or `seed` (what the lab text shows); default: the scenario's (the lab: seed)",
    )
    parser.add_argument(
        "--ingress",
        choices=("istio", "kourier"),
        default="istio",
        help="the ingress: net-istio (VirtualServices) or Kourier (no Istio: the KIngress alone)",
    )


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per Settings field (`--read-only` for `read_only`), with the README table's help."""
    for f in dataclasses.fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        type_name = str(f.type)
        if type_name == "bool":
            parser.add_argument(flag, action="store_true", default=None, help=f.metadata["help"])
        else:
            parser.add_argument(
                flag,
                type=functools.partial(_flag_value, type_name),
                metavar=f.name.upper(),
                help=f.metadata["help"],
            )


def _flag_value(type_name: str, raw: str) -> object:
    try:
        return parse_value(type_name, raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _wait_for_signal() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def _serve(settings: Settings) -> None:
    import uvicorn

    from app.main import create_app
    from app.web.observability import log_config
    from app.web.serving import Server

    try:
        app = create_app(settings)
    except ValueError as exc:  # settings that cannot work or would leave a hole: say which, start nothing
        sys.exit(f"splitboard: {exc}")
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=2,
        # The app judges forwarded headers itself (trusted_proxies); uvicorn must not rewrite the peer.
        proxy_headers=False,
        log_config=log_config(settings.json_logs),
    )
    Server(config, app).run()


def run_sim(args: argparse.Namespace) -> None:
    from app.sim.building import WorkloadSettings, build_cluster

    cluster = build_cluster(
        scenario=args.scenario,
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        workloads=WorkloadSettings(ingress_port=args.ingress_port, prometheus_port=args.prometheus_port),
        knative=args.knative,
        ingress=args.ingress,
    )
    cluster.start()
    try:
        cluster.wait_ready()
        cluster.write_kubeconfig(args.kubeconfig, others=True)
        print(f"simulated cluster at {cluster.url}; kubeconfig: {args.kubeconfig}", flush=True)
        print(
            f"ingress gateway at {cluster.ingress_url} (send a route's host as the Host header)", flush=True
        )
        print(f"Knative: {cluster.profile.name}, {cluster.profile.release}", flush=True)
        print(
            f"Prometheus API at {cluster.prometheus_url} (Knative's request metrics of what the gateway"
            " served: set SPLITBOARD_PROMETHEUS_URL to it for Prometheus rollout gates)",
            flush=True,
        )
        _wait_for_signal()
    finally:
        cluster.stop()


def run_demo(args: argparse.Namespace) -> None:
    from app.sim.building import WorkloadSettings, build_cluster

    cluster = build_cluster(
        scenario=args.scenario,
        state_file=args.state_file,
        workloads=WorkloadSettings(),
        knative=args.knative,
        ingress=args.ingress,
    )
    cluster.start()
    try:
        cluster.wait_ready()
        with tempfile.TemporaryDirectory(prefix="splitboard-") as tmp:
            internal = cluster.write_kubeconfig(Path(tmp) / "kubeconfig")
            if args.kubeconfig is not None:
                cluster.write_kubeconfig(args.kubeconfig, others=True)
                print(f"kubectl --kubeconfig {args.kubeconfig} get ksvc -n labs-1", flush=True)
            print(
                f"ingress gateway at {cluster.ingress_url} (send a route's host as the Host header)",
                flush=True,
            )
            print(f"Splitboard demo: http://{args.host}:{args.port}/", flush=True)
            _serve(
                Settings.from_env(
                    environ(),
                    kubeconfig=internal,
                    host=args.host,
                    port=args.port,
                    ingress_url=cluster.ingress_url,
                    fault_injection=True,
                    **_kept_history_key(args.state_file, environ()),
                )
            )
    finally:
        cluster.stop()


def _kept_history_key(state_file: Path | None, env: Mapping[str, str]) -> dict[str, Path]:
    """A demo that keeps its cluster in a file keeps its history key beside it (made once, unless one is
    configured): after a restart the history it wrote, a plan's steps included, still reads as its own."""
    if state_file is None or env.get("SPLITBOARD_HISTORY_KEY") or env.get("SPLITBOARD_HISTORY_KEY_FILE"):
        return {}
    key_file = state_file.with_name(state_file.name + ".history-key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return {"history_key_file": key_file}


def serve_settings(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    """`serve`'s settings: SPLITBOARD_* variables, overridden by the flags given."""
    return Settings.from_env(env, **{f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)})


def run_serve(args: argparse.Namespace) -> None:
    _serve(serve_settings(args, environ()))


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    limit_malloc_arenas(environ())
    try:
        {"demo": run_demo, "serve": run_serve, "sim": run_sim}[args.command](args)
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
        sys.exit(130)


if __name__ == "__main__":
    main(sys.argv[1:])
