"""Rollout plans on the dashboard: the actions (`actions`), the runner that steps plans on
(`running`), and their JSON API (`api`). The plan itself and every decision are app.model.plans's."""
