"""The traffic editor's rendering: its templates and its view for the Service as loaded.

The view models themselves are pure (app.model.editor_view); this adds what only the web layer knows:
whether the user may write here, and the template's macros (which build the editor's URLs from its
route names).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.model.editing import EditorForm
from app.model.editor_view import ConflictView, EditorView, Loaded, Notice, StaleView, build_view, fresh_form
from app.web.dashboard import Dashboard
from app.web.security import edit_refusal

TEMPLATE = "editor/editor.html"
PAGE = "editor/page.html"
ROOT_ID = "traffic-editor"


def editor_view(
    loaded: Loaded,
    form: EditorForm,
    *,
    refusal: str | None,
    notice: Notice | None = None,
    conflict: ConflictView | None = None,
    stale: StaleView | None = None,
) -> EditorView:
    """The editor of the Service as loaded (see build_view)."""
    return build_view(loaded, form, refusal=refusal, notice=notice, conflict=conflict, stale=stale)


def render(dashboard: Dashboard, macro: str, *args: Any) -> str:
    """One macro of the editor's template (`editor`, `live_update`, `status_update`, ...) as HTML."""
    return dashboard.renderer.macro(TEMPLATE, macro, *args)


def initial_view(request: Request, loaded: Loaded) -> EditorView:
    """The editor for the Service as loaded, with no edits. Blocking (an access review may be sent):
    call from a worker thread."""
    return editor_view(
        loaded, fresh_form(loaded), refusal=edit_refusal(request, loaded.namespace, loaded.name)
    )
