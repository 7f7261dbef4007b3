"""The app in a real browser: `streamlit run` on a free port, driven by headless Chromium.

AppTest checks what the script writes; this checks what a person sees: the disclaimer without
scrolling, the help button, and an answer with its citation. Screenshots go to test-output/.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output"
SEED = "Is creating AI porn of a classmate illegal in Hong Kong?"
PLACEHOLDER = "Ask about fake or intimate images and Hong Kong law…"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install it with `apt-get install -y chromium`",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy within {seconds:.0f} s")


@pytest.fixture
def server(built_index: Path, tmp_path: Path) -> Iterator[str]:
    """The app served on a free local port; stopped however the test ends."""
    port = _free_port()
    env = os.environ | {
        "HKLAW_INDEX_DIR": str(built_index),
        "HKLAW_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log = (tmp_path / "streamlit.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, 60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_seed_question_in_a_real_browser(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    OUTPUT.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server)
            question_box = page.get_by_placeholder(PLACEHOLDER)
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
        finally:
            browser.close()
