"""The app's speed as a person meets it: from `streamlit run` to the first complete answer in a
real browser, then later answers.

Prints figures; asserts nothing. Needs a built index, Debian's Chromium and Playwright:
    .venv/bin/python benchmarks/bench_app.py [--rounds N]
Aim on 2 cores: first answer complete within 10 s of starting the server; later answers as fast as
the CLI. Each round starts a fresh server, so every round pays for loading the model and index.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PLACEHOLDER = "Ask about fake or intimate images and Hong Kong law…"
DONE = "legal information, not legal advice"
FIRST_WORDS = """reply => [...reply.querySelectorAll('[data-testid="stMarkdownContainer"]')].some(
    text => !text.closest('[data-testid="stSpinner"]') && text.innerText.trim().length > 20)"""
QUESTIONS = [
    "Is creating AI porn of a classmate illegal in Hong Kong?",
    "My classmate made a fake nude of me and sent it to a group chat. What can I do?",
    "What is the penalty for sharing intimate images without consent?",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.05)


def one_round(feedback_db: Path) -> dict[str, float]:
    """Seconds from starting the server to: healthy, chat box shown; for each question, from
pressing Enter to its first words on screen and to the whole answer (the disclaimer under it is
the last part written)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = os.environ | {"HKLAW_FEEDBACK_DB": str(feedback_db)}
    start = time.monotonic()
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    times: dict[str, float] = {}
    try:
        _wait_healthy(url)
        times["healthy"] = time.monotonic() - start
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            box = page.get_by_placeholder(PLACEHOLDER)
            box.wait_for(timeout=60_000)
            times["chat box"] = time.monotonic() - start
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
                    times["first answer since start"] = time.monotonic() - start
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
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
