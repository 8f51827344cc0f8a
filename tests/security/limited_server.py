"""`python -m tests.security.limited_server KUBECONFIG NOFILE`: the dashboard as `splitboard serve` runs it
(create_app, Server, the CLI's logging), in a process whose file descriptors are capped at NOFILE.

Settings come from SPLITBOARD_* variables. It prints its port on the first line of stdout once it
listens, and logs to stderr; stop it with SIGTERM.
"""

from __future__ import annotations

import logging.config
import resource
import socket
import sys
from pathlib import Path

import uvicorn

from app.main import create_app
from app.settings import Settings, environ
from app.web.observability import log_config
from app.web.serving import Server


def main(kubeconfig: Path, nofile: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    config_dict = log_config(json_logs=False)
    logging.config.dictConfig(config_dict)
    app = create_app(Settings.from_env(environ(), kubeconfig=kubeconfig))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections made before the server runs wait in the backlog
    config = uvicorn.Config(
        app, log_config=config_dict, timeout_graceful_shutdown=1, proxy_headers=False, lifespan="on"
    )
    server = Server(config, app)
    print(sock.getsockname()[1], flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
