"""The traffic editor's rendering: its templates and its view for the Service as loaded.

The view models themselves are pure (app.model.editor_view); this adds what only the web layer knows:
whether the user may write here, and the template's macros (which build the editor's URLs from its
route names).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.model.editor_view import EditorView, Loaded, build_view, fresh_form
from app.web.dashboard import Dashboard
from app.web.security import edit_refusal

TEMPLATE = "editor/editor.html"
PAGE = "editor/page.html"
ROOT_ID = "traffic-editor"


def render(dashboard: Dashboard, macro: str, *args: Any) -> str:
    """One macro of the editor's template (`editor`, `live_update`, `status_update`, ...) as HTML."""
    return dashboard.renderer.macro(TEMPLATE, macro, *args)


def initial_view(request: Request, loaded: Loaded) -> EditorView:
    """The editor for the Service as loaded, with no edits. Blocking (an access review may be sent):
    call from a worker thread."""
    return build_view(
        loaded, fresh_form(loaded), refusal=edit_refusal(request, loaded.namespace, loaded.name)
    )
