"""Controllers that run beside the simulated store, as kube-controller-manager's run beside etcd and
the API server: garbage collection of dependents and namespace termination."""
