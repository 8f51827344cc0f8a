"""Talking to a Kubernetes cluster through the official client: discovery, watch cache, writes."""
