"""A simulated Kubernetes cluster with Knative Serving and net-istio, on loopback.

- storage: the object store (etcd plus the generic registry), the resource registry, watches.
- controllers: garbage collection and namespace termination, run by the store inside deletions.
- apiserver: the HTTP API server over the store: handlers, authentication and RBAC, discovery.
- client: the Client and Lister the Knative, ingress and workload controllers use, and nothing else.
- knative, ingress, workloads: those controllers; scenarios: what a cluster starts with.
- cluster and building: a SimCluster put together, and one built with Knative and a scenario.
"""
