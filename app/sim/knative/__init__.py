"""The simulated Knative Serving + net-istio control plane: admission webhook and reconciler."""
