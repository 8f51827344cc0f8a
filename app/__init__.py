"""Splitboard: a dashboard for seeing and steering Knative Serving traffic."""
