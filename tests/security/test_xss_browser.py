"""Hostile text in object fields stays text in a real browser: nothing is parsed as markup, no dialog
opens, and each payload reads back literally. (The CSP would also stop a script that slipped
through, so these checks look at the DOM itself: escaping must hold on its own.)"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from playwright.sync_api import Dialog, Page

from app.sim.building import KnativeCluster
from tests.plugins.sim import Kubectl
from tests.support.guarded import MakeDashboard

PAYLOADS = {
    "p1": '<script>alert("xss-1")</script>',
    "p2": '"><img src=x id=pwned onerror=alert(2)>',
    "p3": "<svg id=pwned3 onload=alert(3)></svg>",
    "p4": "{{ 7*7 }} ${7*7} {% raw %}",
    "p5": "</textarea></code><b id=bolded>bold</b>",
}
IMAGE = "quay.io/example/hostile:<img src=x id=pwned4 onerror=alert(4)>"
"""Rendered by Jinja itself (the revisions table), not only inside the highlighted YAML."""
INJECTED = "#pwned, #pwned3, #pwned4, #bolded, [onerror], [onload], img[src='x']"


def hostile_service() -> dict[str, Any]:
    env = [{"name": f"HOSTILE_{key.upper()}", "value": value} for key, value in PAYLOADS.items()]
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {
            "name": "hostile",
            "namespace": "labs-1",
            "annotations": {f"x/{key}": value for key, value in PAYLOADS.items()},
        },
        "spec": {
            "template": {
                "metadata": {"annotations": {"x/p2": PAYLOADS["p2"]}},
                "spec": {"containers": [{"image": IMAGE, "env": env}]},
            }
        },
    }


@pytest.mark.browser
def test_hostile_fields_render_as_inert_text(
    knative_cluster: KnativeCluster,
    knative_kubectl: Kubectl,
    make_dashboard: MakeDashboard,
    page: Page,
) -> None:
    knative_kubectl("apply", "-f", "-", input=yaml.safe_dump(hostile_service()))
    knative_kubectl("wait", "--for=condition=Ready", "ksvc/hostile", "-n", "labs-1", "--timeout=10s")
    served = make_dashboard()
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    for path in ("/namespaces/labs-1", "/namespaces/labs-1/services/hostile"):
        page.goto(served.url + path)
        page.wait_for_selector("main[data-live=open]")  # SSE has delivered its first rendering too
        assert page.locator(INJECTED).count() == 0, path
        scripts = page.eval_on_selector_all("script", "nodes => nodes.map(n => n.getAttribute('src'))")
        assert None not in scripts, f"an inline script appeared on {path}"
    for details in page.locator("details.yaml").all():
        details.evaluate("node => { node.open = true; }")
    text = page.locator("body").text_content() or ""
    for key, value in PAYLOADS.items():
        assert value in text, key
    assert IMAGE in (page.locator("td", has_text="quay.io/example/hostile").first.text_content() or "")
    assert page.locator(INJECTED).count() == 0
    assert dialogs == []
