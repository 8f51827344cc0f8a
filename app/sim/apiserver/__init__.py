"""The simulated cluster's API server: HTTP, request handling, authentication and RBAC, discovery,
OpenAPI and the representations (lists, Tables) clients ask for."""
