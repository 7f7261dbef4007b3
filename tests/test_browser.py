"""The app in a real browser: `streamlit run` on a free port, driven by headless Chromium.

AppTest checks what the script writes; this checks what a person sees: the disclaimer without
scrolling, the help button, an answer with its citation, and a Chinese page whose characters are
drawn as characters: without a CJK font, Chromium draws every one as the same empty box and the
page is unreadable while every text assertion still passes. Screenshots go to test-output/.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import app_server
import pytest

from assistant.answer.messages import DISCLAIMER
from assistant.ui.strings import ZH

OUTPUT = app_server.ROOT / "test-output"
SEED = "Is creating AI porn of a classmate illegal in Hong Kong?"
CANTONESE = "有人將我嘅AI裸照放上網，我可以點做？"
# Each character drawn alone in the element's own font, compared pixel for pixel with a code point
# no font has (U+10FFFD, private use): a character with no glyph is drawn as that same box.
BOXED = r"""(element, text) => {
  const style = getComputedStyle(element);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 96;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (character) => {
    context.clearRect(0, 0, 96, 96);
    context.font = `${style.fontSize} ${style.fontFamily}`;
    context.textBaseline = "top";
    context.fillText(character, 8, 8);
    return context.getImageData(0, 0, 96, 96).data.join();
  };
  const box = draw("\u{10FFFD}");
  return [...text].filter((character) => draw(character) === box);
}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not app_server.CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install it with `apt-get install -y chromium`",
    ),
]


@pytest.fixture
def server(built_index: Path, tmp_path: Path) -> Iterator[str]:
    """The app served on a free local port; stopped however the test ends."""
    port = app_server.free_port()
    env = os.environ | {
        "HKLAW_INDEX_DIR": str(built_index),
        "HKLAW_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    log = (tmp_path / "streamlit.log").open("wb")
    process = app_server.start(port, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        app_server.wait_healthy(url, process, 60)
        yield url
    finally:
        app_server.stop(process)
        log.close()


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    """A Chromium page open on the app, closed after the test."""
    sync_api = pytest.importorskip("playwright.sync_api")
    OUTPUT.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS
        )
        try:
            opened = browser.new_page(viewport={"width": 1280, "height": 800})
            opened.goto(server)
            yield opened
        finally:
            browser.close()


def test_seed_question_in_a_real_browser(page: Any) -> None:
    question_box = page.get_by_placeholder(app_server.PLACEHOLDER)
    question_box.wait_for(timeout=60_000)

    disclaimer = page.get_by_text("This is legal information, not legal advice").first
    box = disclaimer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, "disclaimer above the fold"
    help_button = page.get_by_role("button", name="Get help now")
    assert help_button.is_visible()
    page.screenshot(path=OUTPUT / "browser-first-screen.png")

    question_box.fill(SEED)
    question_box.press("Enter")
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.get_by_text("legal information, not legal advice").wait_for(timeout=120_000)
    assert "s.159AAE" in reply.inner_text()
    reply.get_by_role("heading", name="Cap. 200 s.159AAE").first.wait_for()
    reply.get_by_role("button", name="Was this helpful?").wait_for()
    assert "law as at 23 March 2024" in reply.inner_text()
    reply.scroll_into_view_if_needed()
    reply.evaluate("element => element.scrollIntoView()")
    page.screenshot(path=OUTPUT / "browser-answer.png")

    reply.get_by_role("link", name="[2]").first.click()
    target = reply.get_by_role("heading", name="[2]").first
    page.wait_for_function(
        "element => { const box = element.getBoundingClientRect();"
        " return box.top >= 0 && box.bottom <= window.innerHeight; }",
        arg=target.element_handle(),
        timeout=10_000,
    )
    page.screenshot(path=OUTPUT / "browser-sources.png")

    help_button.click()
    page.get_by_text("RainLily sexual violence helpline").last.wait_for(timeout=10_000)
    page.screenshot(path=OUTPUT / "browser-help.png")


def test_chinese_interface_draws_chinese_characters(page: Any) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    page.get_by_placeholder(app_server.PLACEHOLDER).wait_for(timeout=60_000)
    page.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
    question_box = page.get_by_placeholder(ZH["placeholder"])
    question_box.wait_for(timeout=30_000)
    answer_language = (
        page.get_by_test_id("stSelectbox").filter(has_text=ZH["answer-language"]).locator("input")
    )
    sync_api.expect(answer_language).to_have_value(ZH["answer-same"])
    assert page.get_by_role("link", name=ZH["nav-coverage"]).is_visible()
    assert page.get_by_role("button", name=ZH["get-help"]).is_visible()
    disclaimer = page.get_by_text(DISCLAIMER["zh"]).first
    box = disclaimer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, "disclaimer above the fold"
    page.screenshot(path=OUTPUT / "browser-zh-first-screen.png")

    question_box.fill(CANTONESE)
    question_box.press("Enter")
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.get_by_text("並非法律意見").wait_for(timeout=120_000)
    reply.get_by_role("button", name=ZH["feedback-open"]).wait_for()
    reply.scroll_into_view_if_needed()
    reply.evaluate("element => element.scrollIntoView()")
    page.screenshot(path=OUTPUT / "browser-zh-answer.png")

    boxed = reply.locator("p").first.evaluate(BOXED, "風雨蘭" + CANTONESE)
    assert boxed == [], f"drawn as empty boxes, no CJK font (fonts-noto-cjk): {boxed}"
    unassigned = "\U0010fffc"
    assert reply.evaluate(BOXED, unassigned) == [unassigned], "the check can see a box"

    page.get_by_role("button", name=ZH["get-help"]).click()
    popover = page.get_by_test_id("stPopoverBody")
    popover.get_by_text("風雨蘭（RainLily）形容自己").wait_for(timeout=10_000)
    page.screenshot(path=OUTPUT / "browser-zh-help.png")


SESSIONS = [
    (SEED, "s.159AAE"),
    ("What is the penalty for doxxing in Hong Kong?", "s.64"),
    ("My ex wants money or he will post our sex video. Is that blackmail?", "s.23"),
    (CANTONESE, "s.159AAE"),
]


def test_several_sessions_at_once_each_get_their_own_answer(server: str) -> None:
    """Four people, each in their own browser session, ask at the same moment."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS
        )
        try:
            pages = [browser.new_context().new_page() for _ in SESSIONS]
            for opened in pages:
                opened.goto(server)
                opened.get_by_placeholder(app_server.PLACEHOLDER).wait_for(timeout=60_000)
            for opened, (question, _) in zip(pages, SESSIONS, strict=True):
                box = opened.get_by_placeholder(app_server.PLACEHOLDER)
                box.fill(question)
                box.press("Enter")
            for opened, (question, cite) in zip(pages, SESSIONS, strict=True):
                reply = opened.get_by_test_id("stChatMessage").nth(1)
                reply.get_by_role("button", name="Was this helpful?").wait_for(timeout=180_000)
                assert cite in reply.inner_text(), question
                assert opened.get_by_test_id("stChatMessage").count() == 2
        finally:
            browser.close()
