"""Command line: `python -m assistant index | ask | chat | classify | fetch-legislation`.

Errors a person can fix (no index, bad input, unreachable server) end in one line on stderr
saying what to do, never a traceback.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from assistant.answer.schema import Answer, Turn
from assistant.embed import ModelError
from assistant.store import IndexMissing, ServerUnavailable

CHAT_INTRO = (
    "Ask about Hong Kong law on intimate and deepfake images. "
    "Follow-up questions are understood. A blank line or Ctrl-D quits."
)


class UsageError(ValueError):
    """Bad input a person can fix: the message is the whole story."""


def cmd_index(args: argparse.Namespace) -> int:
    from assistant.ingest.build import BuildError, build

    try:
        summary = build()
    except BuildError as exc:
        raise UsageError(str(exc)) from exc
    for line in summary.skipped:
        print(f"skipped {line}", file=sys.stderr)
    for line in summary.notes:
        print(f"note: {line}", file=sys.stderr)
    print(summary.line())
    return 0 if summary.documents else 1


def read_history(path: Path) -> list[Turn]:
    """Earlier turns from a JSON list of {"role", "content"} objects."""
    try:
        return TypeAdapter(list[Turn]).validate_json(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"--history {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise UsageError(
            f'--history {path}: expected a JSON list of {{"role", "content"}} turns ({reason})'
        ) from exc


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.answer.backends import UnknownBackend
    from assistant.answer.pipeline import QuestionError, answer

    history = read_history(args.history) if args.history else None
    try:
        result = answer(args.question, history=history, lang=args.lang, backend=args.backend)
    except (QuestionError, UnknownBackend) as exc:
        raise UsageError(str(exc)) from exc
    note_fallback(result)
    if args.json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(result.answer)
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Official e-Legislation XML into corpus/statutes/: nothing changes unless every chapter
    asked for downloads whole and checks out."""
    from assistant.ingest.fetch import FetchError, fetch

    if not args.cap and not args.all:
        raise UsageError("name chapters with --cap N (repeatable) or ask for --all")
    try:
        outcome = fetch(
            None if args.all else args.cap,
            args.lang or ("en", "zh-Hant"),
            url=args.base_url,
            replace=args.replace,
        )
    except FetchError as exc:
        raise UsageError(str(exc)) from exc
    for line in outcome.skipped:
        print(f"skipped {line}", file=sys.stderr)
    for item in outcome.unchanged:
        print(f"unchanged {item.file} (Cap. {item.chapter}, {item.version_date})")
    for item in outcome.written:
        replaced = f", replacing {item.replaced}" if item.replaced else ""
        print(f"wrote {item.file} (Cap. {item.chapter}, {item.version_date}{replaced})")
    if outcome.written:
        print("run `python -m assistant index` to answer from them")
    return 0


def note_fallback(result: Answer) -> None:
    """One line on stderr when the chosen backend's answer was replaced by the extractive one,
    so a script reading stdout still gets a whole answer."""
    if result.fallback:
        print(f"note: {result.fallback_reason}; giving the extractive answer", file=sys.stderr)


def cmd_classify(args: argparse.Namespace) -> int:
    """What the question classifier reads a question as, with its probabilities: for staff
    wondering why a question was refused, and for debugging."""
    from assistant.answer.classify import classify
    from assistant.answer.pipeline import QuestionError, check_question

    try:
        intent = classify(check_question(args.question))
    except QuestionError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(intent.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    decision = "refused" if intent.refuse else "answered"
    print(f"{intent.label} ({decision})")
    for label, probability in sorted(intent.probabilities.items(), key=lambda pair: -pair[1]):
        print(f"  {label:<10} {probability:.3f}")
    if intent.injection:
        print("  (text giving the assistant orders was cut out before classifying)")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """A prompt for hotline staff: one question a line, with the conversation kept for
    follow-ups. Nothing said here is written anywhere."""
    from assistant.answer.backends import UnknownBackend, get_backend
    from assistant.answer.pipeline import QuestionError, answer
    from assistant.retrieve.hybrid import load_index

    try:
        get_backend(args.backend)
    except UnknownBackend as exc:
        raise UsageError(str(exc)) from exc
    print(CHAT_INTRO, file=sys.stderr)
    load_index()
    history: list[Turn] = []
    while True:
        try:
            question = input("\nquestion> ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        try:
            result = answer(question, history=history, lang=args.lang, backend=args.backend)
        except (QuestionError, ServerUnavailable) as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        note_fallback(result)
        print()
        print(result.answer)
        history += [
            Turn(role="user", content=question),
            Turn(role="assistant", content=result.answer),
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Hong Kong law on AI-made intimate images: cited information, not advice.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser("index", help="build or update the index from corpus/")
    index.set_defaults(run=cmd_index)

    ask = commands.add_parser("ask", help="answer one question, with citations")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    ask.add_argument("--history", type=Path, help="JSON list of earlier role/content turns")
    chat = commands.add_parser("chat", help="ask questions one after another, with follow-ups")
    for sub in (ask, chat):
        sub.add_argument(
            "--backend",
            default="extractive",
            help="answer backend: extractive (no model), openai, ollama or llamacpp; "
            "see README, Using an LLM (default: %(default)s)",
        )
        sub.add_argument(
            "--lang", choices=["en", "zh"], help="answer language (default: the question's)"
        )
    ask.set_defaults(run=cmd_ask)
    chat.set_defaults(run=cmd_chat)
    classify = commands.add_parser(
        "classify", help="show how the question classifier reads a question"
    )
    classify.add_argument("question", help="the question, in quotes")
    classify.add_argument("--json", action="store_true", help="print the result as JSON")
    classify.set_defaults(run=cmd_classify)
    fetch = commands.add_parser(
        "fetch-legislation", help="download official e-Legislation XML into corpus/statutes/"
    )
    fetch.add_argument("--cap", action="append", default=[], help="chapter number (repeatable)")
    fetch.add_argument("--all", action="store_true", help="every ordinance in the archives")
    fetch.add_argument("--lang", action="append", choices=["en", "zh-Hant"], help="default: both")
    fetch.add_argument(
        "--base-url",
        help="where the archives are (default: $HKLAW_LEGISLATION_URL, else DATA.GOV.HK)",
    )
    fetch.add_argument(
        "--replace",
        action="store_true",
        help="let a fetched chapter replace the corpus file (or excerpt) it already has",
    )
    fetch.set_defaults(run=cmd_fetch)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (IndexMissing, ModelError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`ask ... | head`): not an error to report. Python would print
        # one more traceback flushing stdout at exit, so stdout is pointed at nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
