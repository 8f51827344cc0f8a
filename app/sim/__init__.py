"""A simulated Kubernetes cluster with Knative Serving and net-istio, on loopback."""
