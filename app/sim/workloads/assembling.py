"""Workloads: the pods controller, the autoscaler and the request simulator as one Controller."""

from __future__ import annotations

from app.sim.client import Client
from app.sim.ingress.gateway import IngressServer
from app.sim.prometheus import PrometheusServer
from app.sim.workloads.autoscaling import Autoscaler
from app.sim.workloads.replicating import PodsController
from app.sim.workloads.settings import WorkloadSettings


class Workloads:
    """Runs revision pods and answers simulated requests while the cluster runs.

    Wire it with `cluster.add_controller(Workloads(settings))`; once the cluster is started,
    `ingress_url` is where to send `curl -H "Host: <route host>" <ingress_url>/`, and `prometheus_url`
    answers the rollout gates' queries over what the ingress served.
    """

    def __init__(self, settings: WorkloadSettings | None = None, *, host: str = "127.0.0.1") -> None:
        found = settings or WorkloadSettings()
        self.settings = found
        self.pods = PodsController(
            start_delay=found.cold_start_delay, stop_delay=found.pod_stop_delay, seed=found.seed
        )
        self.autoscaler = Autoscaler(
            grace=found.scale_to_zero_grace,
            window=found.autoscale_window,
            request_seconds=found.request_seconds,
            tick=found.autoscale_tick,
        )
        self.ingress = IngressServer(
            self.autoscaler,
            self.pods,
            host=host,
            port=found.ingress_port,
            seed=found.seed,
            timeout=found.request_timeout,
        )
        self.prometheus = PrometheusServer(self.ingress.metrics, host=host, port=found.prometheus_port)

    @property
    def ingress_url(self) -> str:
        """`http://host:port` of the request simulator (the port is known once started)."""
        return self.ingress.url

    @property
    def prometheus_url(self) -> str:
        """`http://host:port` of the simulated Prometheus API (the port is known once started)."""
        return self.prometheus.url

    def start(self, client: Client) -> None:
        """Start the pods controller, then the autoscaler, then the ingress."""
        self.pods.start(client)
        self.autoscaler.start(client)
        self.ingress.start(client)
        self.prometheus.start(client)

    def stop(self) -> None:
        """Stop in reverse order: no new requests, then no scaling, then no pod changes."""
        self.prometheus.stop()
        self.ingress.stop()
        self.autoscaler.stop()
        self.pods.stop()
