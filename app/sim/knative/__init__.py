"""The simulated Knative Serving control plane with its ingress (net-istio or Kourier), shaped by the
KnativeProfile it is given (app.model.profiles: `current` or the seed's).

- admission: the webhook (defaulting, then app.model.traffic's validation) for Services and Routes.
- reconciling: KnativeController, one watch of every kind feeding a work queue (queueing) of
  (kind, namespace, name) keys, reconciled by services, configurations, revisions (with their
  PodAutoscaler, ServerlessService, Services and Endpoints) and routes (KIngress, VirtualServices); the
  shapes of what they write come from app.model.routing and app.model.naming.
- writing: the shared Context (the cluster through its Client and Lister) and compare-before-write
  helpers; conditions: Knative condition sets.

Hook for pods and autoscaling: a revision's Deployment `<revision>-deployment` is created with its
initial scale and its `spec.replicas` is never overwritten afterwards, so an autoscaler scales the
Deployment and the Revision's `desiredReplicas` follows; with `SimSettings.simulate_pods` the
Revision's `actualReplicas` is the Deployment's `status.readyReplicas`.
"""
