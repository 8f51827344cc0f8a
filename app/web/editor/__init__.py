"""The traffic editor: its HTML routes, JSON API, views and dealings with the cluster."""
