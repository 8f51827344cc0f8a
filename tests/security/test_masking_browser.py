"""In a real browser: a Service's secret-like env values show masked; an anonymous visitor is told to
sign in, and once signed in, Show reveals them in place and Hide masks them again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.plugins.sim import Kubectl
from tests.security.test_reading import BEARER, PASSWORD, SERVICE_API, TOKEN, VAULT
from tests.support.guarded import MakeDashboard
from tests.support.waiting import wait_until

REVISION_YAML = "details.yaml[data-kind=Revision]"


@pytest.mark.browser
def test_masked_env_values_are_revealed_only_to_a_signed_in_person(
    make_dashboard: MakeDashboard, knative_kubectl: Kubectl, page: Page
) -> None:
    served = make_dashboard(auth_token=TOKEN)
    knative_kubectl("apply", "-f", "-", input=VAULT)
    assert wait_until(lambda: served.client.get(SERVICE_API, headers=BEARER).status_code == 200, 10)
    service = served.url + "/namespaces/labs-1/services/vault"

    page.goto(service)
    notice = page.locator("p.secrets")
    expect(notice).to_contain_text("sign in to show them")
    expect(notice.get_by_role("button", name="Show them")).to_have_count(0)
    assert PASSWORD not in page.content()

    page.goto(served.url + "/login?next=/namespaces/labs-1/services/vault")
    page.fill("input[name=token]", TOKEN)
    page.fill("input[name=name]", "alice")
    page.click("button[type=submit]")
    page.wait_for_url(service)
    assert PASSWORD not in page.content(), "signing in alone shows nothing more"
    page.get_by_role("button", name="Show them").click()
    expect(page.locator("p.secrets")).to_have_attribute("data-revealed", "true")
    assert PASSWORD in (page.locator(REVISION_YAML).text_content() or "")
    page.get_by_role("button", name="Hide them").click()
    expect(page.locator("p.secrets")).to_have_attribute("data-revealed", "false")
    assert PASSWORD not in page.content()
