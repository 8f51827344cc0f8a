"""Settings in one place: every knob the dashboard has, passed in, never read from globals.

Each field can be set by an environment variable `SPLITBOARD_<FIELD>` (upper case); command-line
flags override the environment. The README's settings table is generated from the same fields.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "SPLITBOARD_"


@dataclass(frozen=True)
class Settings:
    """How the dashboard reaches its cluster and how it serves browsers."""

    kubeconfig: Path | None = field(
        default=None, metadata={"help": "kubeconfig file (else KUBECONFIG, ~/.kube/config)"}
    )
    context: str | None = field(default=None, metadata={"help": "kubeconfig context to use"})
    in_cluster: bool = field(default=False, metadata={"help": "use the pod's service account"})
    host: str = field(default="127.0.0.1", metadata={"help": "address to listen on"})
    port: int = field(default=8000, metadata={"help": "port to listen on"})
    namespaces: tuple[str, ...] = field(
        default=(),
        metadata={"help": "comma-separated allow-list of namespaces; empty: all that may be listed"},
    )
    read_only: bool = field(default=False, metadata={"help": "never write to the cluster; no editor"})
    idle_seconds: float = field(
        default=300.0, metadata={"help": "a namespace's watches stop after this long without a viewer"}
    )
    templates_dir: Path = field(default=PROJECT_ROOT / "templates", metadata={"help": "Jinja2 templates"})
    static_dir: Path = field(default=PROJECT_ROOT / "static", metadata={"help": "CSS, JS and vendor files"})
    auth: str = field(
        default="auto",
        metadata={
            "help": "who may write: `token`, `proxy` (trusted user headers), or `auto`: the token when one is"
            " set, else open on a loopback address, else nobody"
        },
    )
    auth_token: str | None = field(
        default=None, repr=False, metadata={"help": "the token that allows writes (Bearer header or sign-in)"}
    )
    auth_token_file: Path | None = field(
        default=None, metadata={"help": "file holding the token, e.g. a mounted Secret (read at start)"}
    )
    proxy_user_header: str = field(
        default="X-Forwarded-User", metadata={"help": "header naming the user, set by the auth proxy"}
    )
    proxy_email_header: str = field(
        default="X-Forwarded-Email", metadata={"help": "header with the user's email, used when no name"}
    )
    trusted_proxies: tuple[str, ...] = field(
        default=("127.0.0.1/32", "::1/128"),
        metadata={"help": "comma-separated addresses/CIDRs whose user headers are believed"},
    )
    allowed_hosts: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Host headers served (DNS-rebinding guard): names, `*.example.com`, IPs or CIDRs, or `*`;"
            " empty: the localhost names on loopback; required when listening beyond loopback"
        },
    )
    allowed_origins: tuple[str, ...] = field(
        default=(),
        metadata={"help": "extra origins allowed to post, e.g. the public URL when a proxy rewrites Host"},
    )
    # Who may read, how long a sign-in lasts, and how many wrong tokens a client may try.
    read_auth: str = field(
        default="open",
        metadata={
            "help": "who may read: `open` (whoever reaches the dashboard), `token` (signed in or Bearer, as"
            " for writes) or `proxy` (the trusted proxy's user header); /healthz and /readyz stay open"
        },
    )
    secure_cookies: bool = field(
        default=False,
        metadata={
            "help": "mark cookies Secure even when no TLS is seen (else: https, or X-Forwarded-Proto"
            " from a trusted proxy)"
        },
    )
    session_seconds: int = field(
        default=8 * 3600, metadata={"help": "a sign-in ends this long after it was made, used or not"}
    )
    session_idle_seconds: int = field(
        default=3600, metadata={"help": "a sign-in ends after this long without a request"}
    )
    auth_failures: int = field(
        default=10,
        metadata={
            "help": "wrong tokens (sign-in or Bearer) a client address may send within"
            " AUTH_FAILURE_SECONDS before it gets 429"
        },
    )
    auth_failure_seconds: float = field(
        default=300.0, metadata={"help": "the window in which wrong tokens are counted"}
    )
    # Freshness: finding missed watch events, and noticing the API server's return.
    watch_check_seconds: float = field(
        default=30.0,
        metadata={
            "help": "how often each watch is compared with a fresh list to find changes it missed (pages "
            "say `stale` until read again); 0 turns the checks off"
        },
    )
    reconnect_seconds: float = field(
        default=2.0,
        metadata={"help": "while the cluster is unreachable, how often to ask whether it is back"},
    )
    access_review_seconds: float = field(
        default=10.0, metadata={"help": "how long a permission answer (SelfSubjectAccessReview) is kept"}
    )
    json_logs: bool = field(default=False, metadata={"help": "log one JSON object per line"})
    ingress_url: str | None = field(
        default=None,
        metadata={
            "help": "the cluster's ingress gateway (http://host:port): probes send a route's host there as "
            "the Host header; unset: probes request the route URLs themselves"
        },
    )
    prometheus_url: str | None = field(
        default=None,
        metadata={
            "help": "Prometheus scraping Knative's queue-proxies (http://host:port): rollout gates read a"
            " revision's error rate and p95 latency from it; unset: from a traffic probe of the route"
        },
    )
    fault_injection: bool = field(
        default=False,
        metadata={
            "help": "show the demo page's `inject faults` control, which annotates a Revision with"
            " `sim.splitboard.dev/faults` for the simulated gateway; `splitboard demo` turns it on"
        },
    )
    # Traffic probes: how often one client may start one, and how much of each answer is searched
    probe_starts_per_minute: int = field(
        default=10,
        metadata={"help": "probes one client (address, or proxy user) may start per minute; 0: no limit"},
    )
    probe_body_bytes: int = field(
        default=65536, metadata={"help": "bytes of each probed answer read and searched for a version token"}
    )

    # Traffic history and writes: who may be believed in the history, and how long a write may take.
    history_key: str | None = field(
        default=None,
        repr=False,
        metadata={
            "help": "secret that signs the traffic history (HMAC); unset: a new random key per process, so "
            "history another process signed reads as outside change"
        },
    )
    history_key_file: Path | None = field(
        default=None, metadata={"help": "file holding the history key, e.g. a mounted Secret (read at start)"}
    )
    write_timeout_seconds: float = field(
        default=30.0,
        metadata={
            "help": "how long a traffic patch may wait for the cluster's answer; then the Service is read "
            "back to tell whether it landed"
        },
    )
    plan_tick_seconds: float = field(
        default=1.0,
        metadata={"help": "how often the rollout-plan runner looks at the plans on the watched Services"},
    )
    plan_lease_seconds: float = field(
        default=15.0,
        metadata={
            "help": "a rollout plan's Lease lasts this long unrenewed: another dashboard takes over a plan "
            "whose runner stopped after it"
        },
    )

    # Server limits: what one client, a slow network or a heavy namespace may cost the server.
    header_timeout_seconds: float = field(
        default=10.0,
        metadata={"help": "a request's head must arrive within this long of its first byte or of connecting"},
    )
    idle_timeout_seconds: float = field(
        default=5.0, metadata={"help": "a kept-alive connection with no request is closed after this long"}
    )
    max_connections_per_client: int = field(
        default=64,
        metadata={
            "help": "open connections allowed from one address, more are refused (503); 0: no cap. Behind a"
            " reverse proxy every connection comes from its address: raise it to suit"
        },
    )
    max_body_bytes: int = field(
        default=1 << 20, metadata={"help": "largest request body (forms and JSON); larger ones get 413"}
    )
    render_concurrency: int = field(
        default=2,
        metadata={"help": "namespace and Service pages rendered at once; more wait their turn, off the loop"},
    )
    value_display_chars: int = field(
        default=2000,
        metadata={"help": "longest annotation or env value shown in tables; the YAML view has the rest"},
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from `SPLITBOARD_*` variables, then `overrides` (flags) that are not None."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                try:
                    values[f.name] = parse_value(str(f.type), raw)
                except ValueError as exc:
                    raise ValueError(f"{ENV_PREFIX}{f.name.upper()}={raw!r}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def settings_table() -> str:
    """The README's table of settings (Markdown), one row per Settings field."""
    rows = ["| variable | default | what it sets |", "|---|---|---|"]
    for f in dataclasses.fields(Settings):
        rows.append(f"| `{ENV_PREFIX}{f.name.upper()}` | {_shown(f.default)} | {f.metadata['help']} |")
    return "\n".join(rows)


def _shown(default: object) -> str:
    if default is None or default == ():
        return ""
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, Path):
        return f"`{default.relative_to(PROJECT_ROOT) if default.is_relative_to(PROJECT_ROOT) else default}`"
    if isinstance(default, tuple):
        return f"`{','.join(default)}`"
    return f"`{default}`"


def parse_value(type_name: str, raw: str) -> Any:
    """A setting's value from its text (an environment variable or a flag), by the field's type."""
    if type_name == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError("expected true or false")
    if type_name in ("int", "float"):
        try:
            return int(raw) if type_name == "int" else float(raw)
        except ValueError:
            raise ValueError(
                "expected a whole number" if type_name == "int" else "expected a number"
            ) from None
    if type_name.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if "Path" in type_name:
        return Path(raw) if raw else None
    return raw or None


def environ() -> Mapping[str, str]:
    """The process environment (the only place settings read it)."""
    return os.environ
