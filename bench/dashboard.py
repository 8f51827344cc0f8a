"""The dashboard as the benchmarks run it: a child process serving one port on 127.0.0.1.

`python -m bench.dashboard KUBECONFIG TOKEN` serves the app `build_app` makes (writes allowed with
`Authorization: Bearer TOKEN`), plus the uncached baseline page (bench.uncached) and
`/bench/cached`, the number of objects the cache holds. It prints `PORT <n>` once serving and
stops on SIGTERM or SIGINT. Its own process, so its RSS is the dashboard's alone.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kubernetes.client import ApiClient

from app.kube.caching import ClusterCache
from app.kube.config import close_api_client, load_api_client
from app.memory import limit_malloc_arenas
from app.settings import Settings
from app.web.app import build_app
from app.web.dashboard import Dashboard
from app.web.serving import Server
from bench.uncached import add_uncached_page


def cached_objects(dashboard: Dashboard) -> int:
    """How many objects the cache holds: every active namespace's kinds, plus the namespaces."""
    cache = dashboard.cache
    total = len(cache.namespaces())
    for namespace in cache.active_namespaces():
        objects = cache.objects(namespace)
        total += sum(
            len(value)
            for f in dataclasses.fields(objects)
            if isinstance(value := getattr(objects, f.name), tuple)
        )
    return total


def bench_app(settings: Settings, cache: ClusterCache, api_client: ApiClient) -> FastAPI:
    app = build_app(settings, cache, api_client)
    add_uncached_page(app)

    def cached(request: Request) -> JSONResponse:
        return JSONResponse({"objects": cached_objects(request.app.state.dashboard)})

    app.add_api_route("/bench/cached", cached, methods=["GET"], include_in_schema=False)
    return app


def main(argv: list[str]) -> None:
    limit_malloc_arenas(os.environ)  # as `splitboard serve` does
    kubeconfig, token = Path(argv[0]), argv[1]
    api_client = load_api_client(kubeconfig)
    cache = ClusterCache(api_client)
    cache.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        # The fan-out's 200 SSE clients all come from 127.0.0.1: no cap on connections per address.
        app = bench_app(Settings(auth_token=token, max_connections_per_client=0), cache, api_client)
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
        server = Server(config, app)
        print(f"PORT {sock.getsockname()[1]}", flush=True)
        server.run(sockets=[sock])
    finally:
        sock.close()
        cache.stop()
        close_api_client(api_client)


if __name__ == "__main__":
    main(sys.argv[1:])
