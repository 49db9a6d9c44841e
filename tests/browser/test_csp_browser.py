"""Every page works under the Content Security Policy, in a real browser: no violation is reported."""

import datetime as dt
import os

import pytest

from claims import roles
from claims.services import verification_create
from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI}`));
"""


@pytest.fixture
def world(transactional_db):
    forecast = factories.make_forecast(published=True, resolve_by=dt.date(2022, 12, 31))
    actor = factories.make_actor("Kremlin")
    checker = factories.make_user("checker", role=roles.FACT_CHECKER)
    verification_create(
        forecast=forecast,
        verdict="not_borne_out",
        rationale="Russia invaded.",
        evidence=factories.EVIDENCE,
        created_by=checker,
    )
    factories.make_forecast(resolve_by=dt.date(2023, 6, 30), outcome="A second forecast, due.")
    return {"forecast": forecast, "actor": actor, "source": forecast.claim.passage.source}


def visit(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def test_admin_pages_and_api_docs_raise_no_csp_violation(live_server, browser_page, world):
    page = browser_page
    page.add_init_script(WATCH_VIOLATIONS)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    superuser = factories.make_user("root", is_staff=True, is_superuser=True)
    log_in(page, live_server, superuser.username)
    base = live_server.url
    pages = {
        "admin index": "/admin/",
        "claim list": "/admin/claims/claim/",
        "claim form": f"/admin/claims/claim/{world['forecast'].claim_id}/change/",
        "forecast form": f"/admin/claims/forecast/{world['forecast'].pk}/change/",
        "source form": f"/admin/sources/source/{world['source'].pk}/change/",
        "annotate": f"/admin/sources/source/{world['source'].pk}/annotate/",
        "due queue": "/admin/claims/forecast/due/",
        "leaderboard": "/admin/claims/actor/leaderboard/",
        "history": f"/admin/claims/claim/{world['forecast'].claim_id}/history/",
        "API index": "/api/v1/",
        "API docs": "/api/v1/docs/",
    }
    violations = {name: visit(page, base + path) for name, path in pages.items()}
    assert violations == {name: [] for name in pages}
    assert [e for e in console_errors if "Content Security Policy" in e] == []

    # The docs really rendered: Swagger UI read the schema and drew the operations.
    page.goto(base + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Claimledger API" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 20
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))

    # The annotate view's script ran: the text and its highlighted passage are there.
    page.goto(f"{base}/admin/sources/source/{world['source'].pk}/annotate/")
    page.wait_for_selector("#annotate-text")
    assert page.locator("#annotate-text mark, #annotate-text .passage, [data-passage]").count() >= 1


def test_a_fact_checker_filters_the_due_queue_by_a_claimant_found_by_typing(live_server, browser_page, world):
    """The claimant filter is the admin's autocomplete (select2): its script runs under the
    policy, suggests the claimant from a few letters, and the queue narrows to their forecast."""
    factories.make_forecast(
        resolve_by=dt.date(2023, 1, 5),
        outcome="By the Kremlin, due.",
        claim_fields={"claimant": world["actor"]},
    )
    checker = factories.make_user("queue-checker", role=roles.FACT_CHECKER, is_staff=True)
    page = browser_page
    page.add_init_script(WATCH_VIOLATIONS)
    log_in(page, live_server, checker.username)
    page.goto(f"{live_server.url}/admin/claims/forecast/due/")
    page.click("#id_claimant + .select2")  # select2 draws its box right after the hidden select
    page.fill(".select2-search__field", "krem")
    page.click(".select2-results__option:has-text('Kremlin')")
    page.click("input[type=submit][value=Filter]")
    page.wait_for_load_state("networkidle")
    assert f"claimant={world['actor'].pk}" in page.url
    outcomes = page.locator("#result_list tbody th").all_inner_texts()
    assert outcomes == ["By the Kremlin, due."]
    assert page.evaluate("window.__cspViolations") == []


def test_an_editor_filters_claims_by_a_source_found_by_typing(live_server, browser_page, world):
    """The claims' source filter is one autocomplete box, not a link per source: choosing a
    source keeps the other filters and narrows the list; clearing it shows them all again."""
    chosen = factories.make_source(title="Valdai discussion report")
    factories.make_claim(passage=factories.make_passage(source=chosen), statement="From the Valdai report.")
    factories.make_claim(statement="From another source.")
    editor = factories.make_user("list-editor", role=roles.EDITOR, is_staff=True)
    page = browser_page
    page.add_init_script(WATCH_VIOLATIONS)
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server.url}/admin/claims/claim/?kind__exact=assertion")
    page.click("#passage__source__id__exact_filter + .select2")
    page.fill(".select2-search__field", "valdai")
    page.click(".select2-results__option:has-text('Valdai discussion report')")
    page.wait_for_url(f"**passage__source__id__exact={chosen.pk}**")
    assert "kind__exact=assertion" in page.url
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert len(rows) == 1 and "From the Valdai report." in rows[0]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "claims-source-filter.png"))
    page.click("#passage__source__id__exact_filter + .select2 .select2-selection__clear")
    page.wait_for_url(lambda url: "passage__source" not in url)
    assert "kind__exact=assertion" in page.url
    assert "From another source." in page.inner_text("#result_list")
    assert page.evaluate("window.__cspViolations") == []
