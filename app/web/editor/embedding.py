"""The one door into the traffic editor for pages that embed it (the Service page, the demo page).

Other features import the editor only through this module (an import-linter contract in pyproject.toml
holds them to it), so what they may rely on is this one function.
"""

from __future__ import annotations

from fastapi import Request

from app.model.editor_view import EditorView
from app.web.dashboard import Dashboard
from app.web.editor.applying import load
from app.web.editor.views import PAGE, initial_view

__all__ = ["PAGE", "embedded_editor"]


def embedded_editor(request: Request, dashboard: Dashboard, namespace: str, name: str) -> EditorView:
    """The editor for the Service as it is now, to fill a page's `editor` block (LoadError 404 when
    there is no such Knative Service). Blocking: call from a worker thread."""
    return initial_view(request, load(dashboard, namespace, name))
