"""Command line: `python -m assistant index | ask | chat`.

Errors a person can fix (no index, bad input, unreachable server) end in one line on stderr
saying what to do, never a traceback.
"""

import argparse
import sys

from assistant.store import IndexMissing


def cmd_index(args: argparse.Namespace) -> int:
    from assistant.ingest.build import build

    summary = build()
    for line in summary.skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(summary.line())
    return 0 if summary.documents else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Hong Kong law on AI-made intimate images: cited information, not advice.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser("index", help="build or update the index from corpus/")
    index.set_defaults(run=cmd_index)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except IndexMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
