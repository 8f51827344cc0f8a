"""What runs a revision: the autoscaler (Knative's KPA) and its Deployment's pods (ReplicaSet + kubelet)."""
