"""Every seed source can be tagged end to end in the browser by keyboard alone."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from claims import roles
from claims.models import Forecast
from sources import services as source_services
from sources import suggest
from sources.anchoring import normalise_text
from tests import factories
from tests.browser.conftest import CHROMIUM, log_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LABELS = json.loads((SEEDS / "forecast_labels.json").read_text())["sources"]
MANIFEST = {e["file"]: e for e in json.loads((SEEDS / "manifest.json").read_text())["sources"]}


def first_forecast_sentence(file_name: str, text: str) -> str:
    """The first labelled forecast sentence that occurs once, is of a typical length and holds a
    likelihood phrase or a horizon (so that the form's prefill is exercised)."""
    usable = [
        sentence
        for sentence in LABELS[file_name]["forecasts"]
        if 40 <= len(sentence) <= 220 and text.count(sentence) == 1
    ]
    assert usable, f"no usable labelled sentence in {file_name}"
    with_cues = [s for s in usable if any(suggest.score_sentence(s)[2:])]
    return (with_cues or usable)[0]


PLACE_CARET = """([box, offset]) => {
    const element = document.querySelector(box);
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let node, seen = 0;
    while ((node = walker.nextNode())) {
        if (seen + node.length > offset) break;
        seen += node.length;
    }
    element.focus();
    const range = document.createRange();
    range.setStart(node, offset - seen);
    range.collapse(true);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    node.parentElement.scrollIntoView({block: "center"});
}"""


@pytest.mark.parametrize("file_name", sorted(MANIFEST))
def test_each_seed_source_is_tagged_by_keyboard_alone(live_server, browser_page, transactional_db, file_name):
    entry = MANIFEST[file_name]
    text = normalise_text((SEEDS / file_name).read_text(encoding="utf-8"))
    source = source_services.source_create(
        title=entry["title"], text=text, kind=entry["kind"], published_on=dt.date(2021, 1, 1)
    )
    sentence = first_forecast_sentence(file_name, source.text)
    annotator = factories.make_user("kim", role=roles.ANNOTATOR, is_staff=True)
    page = browser_page
    log_in(page, live_server, annotator.username)
    page.goto(f"{live_server.url}/admin/sources/source/{source.pk}/annotate/")
    page.wait_for_selector("#annotate-text")

    # The caret goes to the sentence's first character (as a search or arrow keys would put
    # it); the selection itself is made with Shift+ArrowRight, one character at a time.
    start_utf16 = len(source.text[: source.text.index(sentence)].encode("utf-16-le")) // 2
    page.evaluate(PLACE_CARET, ["#annotate-text", start_utf16])
    for _ in sentence:
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("window.getSelection().toString()") == sentence

    page.keyboard.press("f")
    page.wait_for_selector("#annotate-form:not([hidden])")
    page.keyboard.type("A forecast from this source.")
    # The form is prefilled with the phrase and horizon the server finds in the selection.
    _, _, phrase, horizon = suggest.score_sentence(sentence)
    expect(page.locator("#af-phrase")).to_have_value(phrase)
    expect(page.locator("#af-horizon")).to_have_value(horizon)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#annotate-text mark.hl-forecast")

    forecast = Forecast.objects.select_related("claim__passage").get()
    passage = forecast.claim.passage
    assert passage.exact == sentence
    assert forecast.claim.statement == "A forecast from this source."
    assert (forecast.likelihood_phrase, forecast.horizon_text) == (phrase, horizon)
    assert source.text[passage.start : passage.end] == sentence
    highlighted = page.eval_on_selector_all(
        "#annotate-text mark.hl-forecast", "marks => marks.map(m => m.textContent).join('')"
    )
    assert highlighted == sentence
