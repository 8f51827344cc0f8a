"""The partials render cluster data as text: hostile names and values come out escaped."""

from __future__ import annotations

import copy
from dataclasses import replace

from app.model.objects import NamespaceObjects
from app.model.views import ConnectionView, namespace_overview, service_view
from app.settings import Settings
from app.web.sections import NAMESPACE_SECTIONS, SERVICE_SECTIONS, namespace_section, service_section
from app.web.templating import Renderer, breakable, make_environment, yaml_html
from tests.web.test_views import NOW, lab_objects

HOSTILE = '<img src=x onerror="alert(1)">'


def hostile_objects() -> NamespaceObjects:
    objects = lab_objects()
    revision = copy.deepcopy(objects.revisions[-1])
    revision["spec"]["containers"][0]["env"] = [{"name": "VERSION", "value": HOSTILE}]
    revision["status"]["conditions"][0]["message"] = HOSTILE
    pod = copy.deepcopy(objects.pods[0])
    pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": HOSTILE}}
    return replace(objects, revisions=(*objects.revisions[:-1], revision), pods=(pod,))


def renderer() -> Renderer:
    return Renderer(make_environment(Settings().templates_dir))


def test_every_section_escapes_cluster_text() -> None:
    objects = hostile_objects()
    overview = namespace_overview(objects, NOW)
    view = service_view(objects, "customer", NOW)
    assert view is not None
    shared = renderer()
    html = [namespace_section(shared, name, overview) for name in NAMESPACE_SECTIONS]
    html += [service_section(shared, name, view) for name in SERVICE_SECTIONS]
    html.append(shared.partial("connection", ConnectionView(connected=False, error=HOSTILE)))
    text = "".join(html)
    assert HOSTILE not in text and "<img" not in text
    assert text.count("&lt;img src=x onerror=") >= 4  # env value, condition message, pod status, banner


def test_yaml_and_breakable_escape_too() -> None:
    assert "<img" not in yaml_html({"metadata": {"name": HOSTILE}})
    assert "<img" not in breakable(HOSTILE) and "&lt;img" in breakable(HOSTILE)
    assert str(breakable("customer-v3.labs-1")).count("<wbr>") == 1


def test_an_incomplete_snapshot_says_so() -> None:
    overview = namespace_overview(replace(lab_objects(), complete=False), NOW)
    assert 'data-incomplete="true"' in namespace_section(renderer(), "summary", overview)
