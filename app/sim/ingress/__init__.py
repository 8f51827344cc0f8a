"""The request simulator: an HTTP port answering by Host header as Istio's gateways and the lab's apps do."""
