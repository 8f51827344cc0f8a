"""The web layer: FastAPI routers, pages, fragments, SSE."""
