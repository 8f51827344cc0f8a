"""Talking to a Kubernetes cluster through the official client: discovery, watch cache, writes.

config (ApiClient from kubeconfig/in-cluster) -> requesting (raw JSON calls) -> watching (ListWatch)
-> store/reflecting/informing (client-go's cache pattern) -> feeding/caching (ClusterCache, the
dashboard's one view of the cluster); resources (kinds, Discovery); writing (traffic patch, Events).
Objects are plain dicts, and those handed out by a cache are read-only.
"""
