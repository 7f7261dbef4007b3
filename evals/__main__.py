"""The evaluation commands.

- `python -m evals run --dataset FILE --out DIR [--backend NAME] [--system NAME]
  [--fail-under KEY=VALUE ...] [--fail-over KEY=VALUE ...]`, as docs/contract.md section 4
  defines it; `--system` runs a baseline (bm25, dense, tutorial) in place of the assistant;
- `python -m evals score --dataset FILE --answers FILE --out DIR [--system NAME]`: another
  system's answers scored with the same metrics and report (docs/contract.md section 5);
- `python -m evals intents --dataset FILE --out DIR [--fail-under ...] [--fail-over ...]`: the
  question-intent classifier on a labelled JSONL set;
- `python -m evals parallel --zh RUN_DIR --en RUN_DIR`: two `run` reports compared on the
  questions asked in both languages;
- `python -m evals coverage [--out FILE]`: which explainers cite each statute section in scope
  (evals/coverage.toml); exit 1 when a section that must be explained is not.
- `python -m evals support-pairs [--dataset FILE]`: the sentence support check's similarity bars
  fitted on the dev pairs, and its accuracy, precision and recall on the test pairs.
- `python -m evals compare RUN_A RUN_B [--out DIR]`: two reports' metric deltas and the
  questions whose checks flipped, printed or written to DIR.

Exit status: 0 when the command completed, whatever the figures; 1 when a --fail-under or
--fail-over threshold is missed (one line per metric on stderr); 2 when the command itself failed
(bad dataset, no index or classifier, bad option, an error in the assistant), with a line saying
why and nothing written to --out.
"""

import argparse
import sys
import traceback
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from evals import intents
from evals.report import CONTRACT_KEYS, LOWER_IS_BETTER, METRIC_KEYS, fmt
from evals.systems import ASSISTANT, SYSTEMS

Threshold = tuple[str, float]


def threshold_of(known: Collection[str]) -> Callable[[str], Threshold]:
    """A KEY=NUMBER parser that knows the metrics of one command, so a typo in a CI gate is a
    usage error, never a gate that silently checks nothing."""

    def parse(text: str) -> Threshold:
        key, _, value = text.partition("=")
        try:
            limit = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected KEY=NUMBER, got {text!r}") from None
        if key.rsplit(".", 1)[-1] not in known:
            raise argparse.ArgumentTypeError(f"unknown metric {key!r}")
        return key, limit

    return parse


threshold = threshold_of(METRIC_KEYS)


def lookup(report: dict[str, Any], key: str) -> Any:
    """A metric by name, or by a dotted path into the report: by_language.en.citation_recall."""
    if key in report["metrics"]:
        return report["metrics"][key]
    node: Any = report
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def gate(report: dict[str, Any], args: argparse.Namespace) -> int:
    """Exit status 1, with one line per missed threshold on stderr, when the run fell short."""
    missed = shortfalls(report, args.fail_under, args.fail_over)
    for line in missed:
        print(line, file=sys.stderr)
    return 1 if missed else 0


def shortfalls(report: dict[str, Any], under: list[Threshold], over: list[Threshold]) -> list[str]:
    """One line per missed threshold; a metric with nothing to measure misses it too."""
    checks = [(key, limit, "under") for key, limit in under]
    checks += [(key, limit, "over") for key, limit in over]
    lines = []
    for key, limit, side in checks:
        value = lookup(report, key)
        if value is None:
            lines.append(f"{key} was not measured (no questions of that kind)")
        elif value < limit if side == "under" else value > limit:
            lines.append(f"{key} is {fmt(value)}, {side} the threshold {limit:g}")
    return lines


def _check_directions(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    lower = getattr(args, "lower_is_better", None)
    if lower is None:
        return
    for key, _ in args.fail_under:
        if key.rsplit(".", 1)[-1] in lower:
            parser.error(f"{key}: lower is better, so use --fail-over {key}=MAX")
    for key, _ in args.fail_over:
        if key.rsplit(".", 1)[-1] not in lower:
            parser.error(f"{key}: higher is better, so use --fail-under {key}=MIN")


def cmd_run(args: argparse.Namespace) -> int:
    from evals import runner

    if args.backend and args.system != ASSISTANT:
        print(f"error: --backend is for --system {ASSISTANT}, not {args.system}", file=sys.stderr)
        return 2
    return _report(
        args, lambda: runner.run(args.dataset, args.out, args.backend, args.strict, args.system)
    )


def cmd_score(args: argparse.Namespace) -> int:
    from evals import score

    return _report(
        args, lambda: score.score(args.dataset, args.answers, args.out, args.strict, args.system)
    )


def _report(args: argparse.Namespace, make: Callable[[], dict[str, Any]]) -> int:
    """A `run` or `score` report made, summed up in one line, and gated."""
    from assistant.answer.backends import UnknownBackend
    from assistant.store import IndexMissing
    from evals.dataset import DatasetError

    try:
        report = make()
    except (DatasetError, IndexMissing, UnknownBackend, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print(f"error: the run failed; nothing was written to {args.out}", file=sys.stderr)
        return 2
    summary = ", ".join(
        f"{key} {fmt(report['metrics'].get(key))}" for key in CONTRACT_KEYS if key != "n"
    )
    print(f"{args.out / 'report.md'}: {report['metrics']['n']} questions; {summary}")
    if report.get("warnings"):
        print(
            f"warning: {len(report['warnings'])} warnings (citation ids in the dataset that are "
            "not in this corpus, questions with no answer) are listed under Warnings in the "
            "report (--strict makes them errors)",
            file=sys.stderr,
        )
    if not report["index"]["current"]:
        print(
            "warning: the index is older than corpus/: run `python -m assistant index`",
            file=sys.stderr,
        )
    return gate(report, args)


def cmd_intents(args: argparse.Namespace) -> int:
    """The classifier on a labelled set; the console gets figures and ids, never question text."""
    from evals.dataset import DatasetError

    try:
        report = intents.run(args.dataset, args.out)
    except (DatasetError, FileExistsError, intents.NoClassifier) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: the intent classifier is not available ({exc})", file=sys.stderr)
        return 2
    except Exception as exc:
        # The classifier's own errors (no index, a stale model) say what to do; a traceback
        # could quote a question, so only the exception's type and message are shown.
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"error: the run failed; nothing was written to {args.out}", file=sys.stderr)
        return 2
    print(f"{args.out / 'report.md'}: {intents.summary(report)}")
    return gate(report, args)


def cmd_parallel(args: argparse.Namespace) -> int:
    from evals import parallel

    try:
        result = parallel.run(args.zh, args.en)
    except parallel.ParallelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(parallel.table(result))
    print(f"written: {args.zh / 'parallel.md'}, {args.zh / 'parallel.json'}")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from evals import coverage

    rows = coverage.current()
    text = coverage.markdown(rows)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"written: {args.out}")
    else:
        print(text)
    missing = [row.cite for row in rows if row.uncovered]
    for cite in missing:
        print(f"{cite} is explained by no explainer", file=sys.stderr)
    return 1 if missing else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Prints ids and figures only: the comparison holds no question text."""
    from evals import compare

    try:
        result = compare.run(args.run_a, args.run_b)
        if args.out:
            compare.write(result, args.out)
    except (compare.CompareError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not result["same_dataset"]:
        print(
            f"warning: the two runs used different datasets; questions are compared on the "
            f"{result['shared']} ids both hold",
            file=sys.stderr,
        )
    if args.out:
        print(f"written: {', '.join(str(args.out / name) for name in compare.OUTPUTS)}")
    else:
        print(compare.markdown(result), end="")
    return 0


def cmd_support_pairs(args: argparse.Namespace) -> int:
    from assistant.store import IndexMissing
    from evals import support_pairs

    try:
        result = support_pairs.run(args.dataset or support_pairs.DATASET)
    except (support_pairs.PairsError, IndexMissing, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(support_pairs.report(result))
    return 0


def _gates(command: argparse.ArgumentParser, known: Collection[str], over_help: str) -> None:
    parse = threshold_of(known)
    command.add_argument(
        "--fail-under",
        type=parse,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="exit 1 if the metric is below VALUE (metrics where higher is better)",
    )
    command.add_argument(
        "--fail-over",
        type=parse,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"exit 1 if the metric is above VALUE ({over_help})",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals", description="Citation-accuracy evaluation of the assistant."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="answer a JSONL dataset and write a report")
    run.add_argument("--dataset", type=Path, required=True, help="JSONL, one question a line")
    run.add_argument("--out", type=Path, required=True, help="folder for the report")
    run.add_argument("--backend", help="answer backend (default: the assistant's default)")
    run.add_argument(
        "--system",
        choices=SYSTEMS,
        default=ASSISTANT,
        help="who answers: the assistant, or a baseline (evals/systems)",
    )
    run.add_argument(
        "--strict", action="store_true", help="stop on a citation id the corpus does not hold"
    )
    _gates(run, METRIC_KEYS, "violations, false_abstain_rate, false_refusal_rate, latency")
    run.set_defaults(run=cmd_run, lower_is_better=LOWER_IS_BETTER)

    scored = commands.add_parser("score", help="score another system's answers (JSONL)")
    scored.add_argument("--dataset", type=Path, required=True, help="JSONL, one question a line")
    scored.add_argument("--answers", type=Path, required=True, help="JSONL, one answer a line")
    scored.add_argument("--out", type=Path, required=True, help="folder for the report")
    scored.add_argument("--system", help="name of the system in the report (default: file name)")
    scored.add_argument(
        "--strict",
        action="store_true",
        help="stop on a citation id the corpus does not hold or a question with no answer",
    )
    _gates(scored, METRIC_KEYS, "violations, false_abstain_rate, false_refusal_rate, latency")
    scored.set_defaults(run=cmd_score, lower_is_better=LOWER_IS_BETTER)

    intent = commands.add_parser("intents", help="score the question-intent classifier")
    intent.add_argument("--dataset", type=Path, required=True, help="intent JSONL")
    intent.add_argument("--out", type=Path, required=True, help="folder for the report")
    _gates(intent, intents.INTENT_KEYS, "false_refusal_rate, latency")
    intent.set_defaults(run=cmd_intents, lower_is_better=intents.LOWER_IS_BETTER)

    para = commands.add_parser("parallel", help="compare a zh run with an en run on paired ids")
    para.add_argument("--zh", type=Path, required=True, help="report folder of the zh run")
    para.add_argument("--en", type=Path, required=True, help="report folder of the en run")
    para.set_defaults(run=cmd_parallel)

    cover = commands.add_parser("coverage", help="which explainers cite each section in scope")
    cover.add_argument("--out", type=Path, help="write the Markdown table here")
    cover.set_defaults(run=cmd_coverage)

    comp = commands.add_parser("compare", help="metric deltas and flipped questions of two runs")
    comp.add_argument("run_a", type=Path, metavar="RUN_A", help="report folder of the first run")
    comp.add_argument("run_b", type=Path, metavar="RUN_B", help="report folder of the second run")
    comp.add_argument("--out", type=Path, help="write compare.md, .json and .png here")
    comp.set_defaults(run=cmd_compare)

    pairs = commands.add_parser(
        "support-pairs", help="calibrate and score the sentence support check on labelled pairs"
    )
    pairs.add_argument("--dataset", type=Path, help="pairs JSONL (default: support-pairs.jsonl)")
    pairs.set_defaults(run=cmd_support_pairs)
    args = parser.parse_args(argv)
    _check_directions(parser, args)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
