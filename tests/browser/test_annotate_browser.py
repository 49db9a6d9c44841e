"""The Annotate view in real headless Chromium (Debian's), driven by Playwright."""

import datetime as dt
import os
from pathlib import Path

import pytest

from claims import roles
from claims.models import Forecast
from sources import services as source_services
from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM, log_in

expect = pytest.importorskip("playwright.sync_api").expect

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SENTENCE = "Russia's full-scale military intervention in the Ukraine remains very unlikely"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def seed_source(transactional_db):
    text = (SEEDS / "001_bb36d65ce2a13ee2.txt").read_text(encoding="utf-8")
    return source_services.source_create(
        title="What To Expect From Russia-U.S. Relations In 2022",
        text=text,
        kind="brief",
        published_on=dt.date(2022, 1, 19),
    )


def _select_with_mouse(page, quote):
    """Drag the mouse from the quote's first character to its last, as a person would."""
    rects = page.evaluate(
        """(quote) => {
            const box = document.getElementById("annotate-text");
            const start = box.textContent.indexOf(quote), end = start + quote.length;
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            const at = (offset) => { let node, seen = 0;
                while ((node = walker.nextNode())) {
                    if (seen + node.length > offset) return [node, offset - seen];
                    seen += node.length; } };
            const rect = (offset) => { walker.currentNode = box; const [node, i] = at(offset);
                const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
                return range.getBoundingClientRect().toJSON(); };
            const first = rect(start); box.scrollTop = 0;
            return [rect(start), rect(end - 1)];
        }""",
        quote,
    )
    first, last = rects
    page.mouse.move(first["left"] + 1, first["top"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=8)
    page.mouse.up()


def test_annotator_tags_a_forecast_with_the_mouse_and_accepts_a_suggestion(
    live_server, browser_page, seed_source
):
    annotator = factories.make_user("annie", role=roles.ANNOTATOR, is_staff=True)
    page = browser_page
    log_in(page, live_server, annotator.username)
    page.goto(f"{live_server.url}/admin/sources/source/{seed_source.pk}/change/")
    page.click("text=Annotate")
    page.wait_for_selector("#annotate-text mark, #annotate-text .suggestion")

    page.locator(f"#annotate-text >> text={SENTENCE[:30]}").first.scroll_into_view_if_needed()
    _select_with_mouse(page, SENTENCE)
    page.keyboard.press("f")
    page.wait_for_selector("#annotate-form:not([hidden])")
    page.fill("#af-statement", "Russia will not launch a full-scale invasion of Ukraine.")
    page.fill("#af-phrase", "very unlikely")
    page.fill("#af-horizon", "in 2022")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#annotate-text mark.hl-forecast")

    forecast = Forecast.objects.select_related("claim__passage").get()
    assert forecast.claim.passage.exact == SENTENCE
    assert seed_source.text[forecast.claim.passage.start : forecast.claim.passage.end] == SENTENCE
    assert (forecast.likelihood_phrase, forecast.horizon_text, forecast.probability_high) == (
        "very unlikely",
        "in 2022",
        0.2,
    )
    highlighted = page.eval_on_selector_all(
        "#annotate-text mark.hl-forecast", "ms => ms.map(m => m.textContent).join('')"
    )
    assert highlighted == SENTENCE

    # Keyboard only: next suggestion, accept it with its phrase and horizon prefilled, save.
    page.locator("#annotate-text").focus()
    page.keyboard.press("n")
    page.keyboard.press("a")
    page.wait_for_selector("#annotate-form:not([hidden])")
    suggested = page.input_value("#af-statement")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#annotate-passages li")).to_have_count(2)
    accepted = Forecast.objects.select_related("claim__passage").exclude(pk=forecast.pk).get()
    assert accepted.claim.passage.exact == suggested
    assert page.text_content("#annotate-status").startswith("Saved forecast #")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "annotate-light.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(ARTIFACTS / "annotate-dark.png"))

    # Undo takes back the last creation, in the database and on the page.
    page.locator("#annotate-text").focus()
    page.keyboard.press("u")
    expect(page.locator("#annotate-passages li")).to_have_count(1)
    assert list(Forecast.objects.values_list("pk", flat=True)) == [forecast.pk]


def test_a_fact_checker_does_not_see_the_annotate_tool(live_server, browser_page, seed_source):
    checker = factories.make_user("fred", role=roles.FACT_CHECKER, is_staff=True)
    page = browser_page
    log_in(page, live_server, checker.username)
    page.goto(f"{live_server.url}/admin/sources/source/{seed_source.pk}/change/")
    assert page.locator("#content h1, #content h2").first.is_visible()
    assert page.locator("text=Annotate").count() == 0
    response = page.goto(f"{live_server.url}/admin/sources/source/{seed_source.pk}/annotate/")
    assert response.status == 403
