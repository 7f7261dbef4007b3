"""The app's speed as a person meets it: from `streamlit run` to the first complete answer in a
real browser, then later answers.

Prints figures; asserts nothing. Needs a built index, Debian's Chromium and Playwright:
    .venv/bin/python benchmarks/bench_app.py [--rounds N]
Aim on 2 cores: first answer complete within 10 s of starting the server; later answers as fast as
the CLI. Each round starts a fresh server, so every round pays for loading the model and index.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import app_server  # noqa: E402

DONE = "legal information, not legal advice"
FIRST_WORDS = """reply => [...reply.querySelectorAll('[data-testid="stMarkdownContainer"]')].some(
    text => !text.closest('[data-testid="stSpinner"]') && text.innerText.trim().length > 20)"""
QUESTIONS = [
    "Is creating AI porn of a classmate illegal in Hong Kong?",
    "My classmate made a fake nude of me and sent it to a group chat. What can I do?",
    "What is the penalty for sharing intimate images without consent?",
]


def one_round(feedback_db: Path) -> dict[str, float]:
    """Seconds from starting the server to: healthy, chat box shown; for each question, from
    pressing Enter to its first words on screen and to the whole answer (the disclaimer under
    it is the last part written)."""
    port = app_server.free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    server = app_server.start(port, os.environ | {"HKLAW_FEEDBACK_DB": str(feedback_db)})
    times: dict[str, float] = {}
    try:
        app_server.wait_healthy(url, server, 60)
        times["healthy"] = time.monotonic() - started
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            box = page.get_by_placeholder(app_server.PLACEHOLDER)
            box.wait_for(timeout=60_000)
            times["chat box"] = time.monotonic() - started
            for number, question in enumerate(QUESTIONS, start=1):
                asked = time.monotonic()
                box.fill(question)
                box.press("Enter")
                reply = page.get_by_test_id("stChatMessage").nth(2 * number - 1)
                reply.wait_for(timeout=120_000)
                page.wait_for_function(FIRST_WORDS, arg=reply.element_handle(), timeout=120_000)
                times[f"answer {number} first words"] = time.monotonic() - asked
                reply.get_by_text(DONE).first.wait_for(timeout=120_000)
                times[f"answer {number} complete"] = time.monotonic() - asked
                if number == 1:
                    times["first answer since start"] = time.monotonic() - started
            browser.close()
    finally:
        app_server.stop(server)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(rounds):
            results.append(one_round(Path(folder) / f"feedback-{number}.sqlite3"))
            figures = ", ".join(f"{key} {value:.1f} s" for key, value in results[-1].items())
            print(f"round {number + 1}: {figures}")
    print("median over rounds:")
    for key in results[0]:
        print(f"  {key:<26} {statistics.median(r[key] for r in results):6.1f} s")


if __name__ == "__main__":
    main()
