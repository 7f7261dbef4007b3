"""The question-intent evaluation: `python -m evals intents --dataset FILE --out DIR`.

The classifier in `assistant.answer.classify` decides, before anything is retrieved, whether a
question asks about the law, asks for help, asks for something harmful (refused) or is off
topic. Its two costly mistakes are not symmetric: refusing someone who asks about the law or for
help (`false_refusal_rate`) turns away the people the assistant is for, and answering a harmful
request (`1 - refusal_recall`) serves the people it must not. Both are reported overall and per
language, with the confusion matrix behind them, per-question rows (ids, never the text: the
dataset holds it) and classify latency.

`intents.jsonl` is what the classifier is trained on, so its figures are training-set figures;
`intents-holdout.jsonl` is the honest measure.
"""

import hashlib
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError
from tqdm import tqdm

from evals import report
from evals.base import ratio
from evals.dataset import DatasetError, Text, jsonl_lines
from evals.latency import percentile

LABELS = ("law", "help", "harmful", "off_topic")
CHART = "confusion.png"
INTENT_KEYS = (
    "n",
    "accuracy",
    "false_refusal_rate",
    "refusal_recall",
    "help_recall",
    "off_topic_recall",
    "law_recall",
    "harmful_recall",
    "pair_accuracy",
    "injection_rate",
    "latency_ms_p50",
    "latency_ms_p95",
)
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_ms_p50", "latency_ms_p95"})
NOT_FRACTIONS = frozenset({"n", "latency_ms_p50", "latency_ms_p95"})


class NoClassifier(RuntimeError):
    """classify answered without a trained model (its rule-only fallback); scoring that would
    report the rules' figures under the classifier's name."""


class IntentExample(BaseModel):
    """One line of an intent dataset; `pair` joins questions that differ in intent, not topic
    (the same app asked about as law, as help, as a request)."""

    model_config = ConfigDict(extra="forbid")

    id: Text
    text: Text
    label: Literal["law", "help", "harmful", "off_topic"]
    lang: Literal["en", "zh"]
    pair: str | None = None
    notes: str = ""


class IntentLike(Protocol):
    """What the evaluation reads of `assistant.answer.classify.Intent`."""

    label: str
    probabilities: Mapping[str, float]
    refuse: bool
    injection: bool


Classify = Callable[[str], IntentLike]


@dataclass
class IntentRecord:
    """One example as classified, and how long classify took."""

    example: IntentExample
    intent: IntentLike
    seconds: float


def load_intents(path: Path) -> list[IntentExample]:
    """Every line checked before anything is classified; the first problem raises DatasetError
    naming the file and line, as for the answer datasets."""
    examples: list[IntentExample] = []
    seen: set[str] = set()
    for where, line in jsonl_lines(path):
        try:
            example = IntentExample.model_validate_json(line)
        except ValidationError as exc:
            errors = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors()
            )
            raise DatasetError(f"{where}: {errors}") from exc
        if example.id in seen:
            raise DatasetError(f"{where}: duplicate id {example.id!r}")
        seen.add(example.id)
        examples.append(example)
    if not examples:
        raise DatasetError(f"{path}: the dataset has no examples")
    return examples


def collect(examples: list[IntentExample], classify: Classify) -> list[IntentRecord]:
    """Each example classified once and timed. The progress bar shows counts only."""
    records = []
    for example in tqdm(examples, desc="intents", unit="q", file=sys.stderr):
        started = time.perf_counter()
        intent = classify(example.text)
        records.append(IntentRecord(example, intent, time.perf_counter() - started))
    return records


def _recall(records: list[IntentRecord], labels: set[str], hit: Callable[[Any], bool]) -> Any:
    chosen = [r for r in records if r.example.label in labels]
    return ratio(sum(hit(r.intent) for r in chosen), len(chosen))


def metrics(records: list[IntentRecord]) -> dict[str, float | int | None]:
    """The figures of one set of records (the whole set, or one language)."""
    correct = [r.intent.label == r.example.label for r in records]
    pairs: dict[str, list[bool]] = {}
    for record, right in zip(records, correct, strict=True):
        if record.example.pair:
            pairs.setdefault(record.example.pair, []).append(right)
    millis = [r.seconds * 1000 for r in records]
    return {
        "n": len(records),
        "accuracy": ratio(sum(correct), len(records)),
        "false_refusal_rate": _recall(records, {"law", "help"}, lambda i: i.refuse),
        "refusal_recall": _recall(records, {"harmful"}, lambda i: i.refuse),
        "help_recall": _recall(records, {"help"}, lambda i: i.label == "help"),
        "off_topic_recall": _recall(records, {"off_topic"}, lambda i: i.label == "off_topic"),
        "law_recall": _recall(records, {"law"}, lambda i: i.label == "law"),
        "harmful_recall": _recall(records, {"harmful"}, lambda i: i.label == "harmful"),
        "pair_accuracy": ratio(sum(all(p) for p in pairs.values()), len(pairs)),
        "injection_rate": ratio(sum(r.intent.injection for r in records), len(records)),
        "latency_ms_p50": percentile(millis, 50),
        "latency_ms_p95": percentile(millis, 95),
    }


def confusion(records: list[IntentRecord]) -> dict[str, dict[str, int]]:
    """Rows: the dataset label; columns: the predicted label; every label present in both."""
    predicted = sorted({r.intent.label for r in records} - set(LABELS))
    matrix = {label: dict.fromkeys((*LABELS, *predicted), 0) for label in LABELS}
    for record in records:
        matrix[record.example.label][record.intent.label] += 1
    return matrix


def item(record: IntentRecord) -> dict[str, Any]:
    """A per-example row: ids and outcomes only, never the question text."""
    intent = record.intent
    return {
        "id": record.example.id,
        "lang": record.example.lang,
        "label": record.example.label,
        "predicted": intent.label,
        "probabilities": {k: round(float(v), 4) for k, v in intent.probabilities.items()},
        "refuse": bool(intent.refuse),
        "injection": bool(intent.injection),
        "correct": intent.label == record.example.label,
        "latency_ms": round(record.seconds * 1000, 2),
    }


def build(records: list[IntentRecord], meta: dict[str, Any]) -> dict[str, Any]:
    by_language = {}
    for lang in sorted({r.example.lang for r in records}):
        subset = [r for r in records if r.example.lang == lang]
        by_language[lang] = metrics(subset) | {"confusion": confusion(subset)}
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "metrics": metrics(records),
        "confusion": confusion(records),
        "by_language": by_language,
        "charts": [CHART],
        "items": [item(record) for record in records],
    }


def markdown(result: dict[str, Any]) -> str:
    langs = list(result["by_language"])
    lines = [
        "# Question-intent report",
        "",
        f"- dataset: `{result['dataset']['path']}` ({result['dataset']['n']} examples, "
        f"sha256 `{result['dataset']['sha256'][:12]}`)",
        f"- created {result['created']}, run took {result['seconds']} s",
        "",
        "## Metrics",
        "",
        "| metric | all | " + " | ".join(langs) + " |",
        "|---|---:|" + "---:|" * len(langs),
    ]
    for key in INTENT_KEYS:
        cells = [report.fmt(result["by_language"][lang].get(key)) for lang in langs]
        lines.append(
            f"| `{key}` | {report.fmt(result['metrics'].get(key))} | {' | '.join(cells)} |"
        )
    lines += ["", "## Confusion (rows: label, columns: predicted)", ""]
    for name, matrix in [("all", result["confusion"])] + [
        (lang, result["by_language"][lang]["confusion"]) for lang in langs
    ]:
        columns = list(next(iter(matrix.values())))
        lines += [f"**{name}**", "", "| label | " + " | ".join(columns) + " |"]
        lines.append("|---|" + "---:|" * len(columns))
        for label, row in matrix.items():
            lines.append(f"| {label} | " + " | ".join(str(row[c]) for c in columns) + " |")
        lines.append("")
    lines += [f"![confusion]({CHART})", ""]
    wrong = [row for row in result["items"] if not row["correct"] or _refused_wrongly(row)]
    lines += [f"## Misclassified or wrongly refused ({len(wrong)} of {len(result['items'])})", ""]
    for row in wrong:
        top = max(row["probabilities"].values(), default=0.0)
        lines.append(
            f"- `{row['id']}` ({row['lang']}): {row['label']} → {row['predicted']} "
            f"(p={top:.2f}{', refused' if row['refuse'] else ''})"
        )
    return "\n".join(lines) + "\n"


def _refused_wrongly(row: dict[str, Any]) -> bool:
    return bool(row["refuse"]) and row["label"] in ("law", "help")


def chart(result: dict[str, Any], path: Path) -> None:
    """The confusion matrix of each language side by side, rows normalised so that a small
    class's errors show as clearly as a large one's; cells give the counts."""
    import matplotlib.pyplot as plt

    panels = [("all", result["confusion"])] + [
        (lang, data["confusion"]) for lang, data in result["by_language"].items()
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
    for ax, (name, matrix) in zip(axes[0], panels, strict=True):
        labels = list(matrix)
        columns = list(next(iter(matrix.values())))
        counts = [[matrix[row][col] for col in columns] for row in labels]
        shares = [[c / (sum(row) or 1) for c in row] for row in counts]
        ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        for i, row in enumerate(counts):
            for j, count in enumerate(row):
                colour = "white" if shares[i][j] > 0.5 else "black"
                ax.text(j, i, str(count), ha="center", va="center", color=colour)
        ax.set_xticks(range(len(columns)), columns, rotation=30)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("label")
        ax.set_title(f"{name} (n={sum(map(sum, counts))})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(result: dict[str, Any], out: Path) -> None:
    """report.json, report.md and the chart, atomically like every report."""

    def fill(tmp: Path) -> None:
        report.write_json(result, tmp / "report.json")
        (tmp / "report.md").write_text(markdown(result), encoding="utf-8")
        chart(result, tmp / CHART)

    report.write_atomically(out, fill)


def load_classifier() -> Classify:
    """The live classifier, imported only when a run needs it (it loads the index)."""
    from assistant.answer.classify import classify

    return classify


def run(dataset: Path, out: Path, classify: Classify | None = None) -> dict[str, Any]:
    """Checks the output folder and dataset, loads the classifier and warms it on the first
    example (untimed, so loading the model is not counted as one question's latency; a result
    without probabilities means no trained model, and stops the run), then classifies every
    example and writes the report."""
    started = time.perf_counter()
    report.check_out(out)
    examples = load_intents(dataset)
    classify = classify or load_classifier()
    if not classify(examples[0].text).probabilities:
        raise NoClassifier(
            "the live index holds no usable question classifier (classify fell back to its "
            "rules): build the index with `python -m assistant index`, or set HKLAW_INDEX_DIR"
        )
    records = collect(examples, classify)
    result = build(
        records,
        {
            "dataset": {
                "path": str(dataset),
                "sha256": hashlib.sha256(dataset.read_bytes()).hexdigest(),
                "n": len(examples),
            },
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
    write(result, out)
    return result


def summary(result: dict[str, Any]) -> str:
    """One console line of figures; no example text."""
    keys = ("accuracy", "false_refusal_rate", "refusal_recall", "help_recall", "off_topic_recall")
    figures = ", ".join(f"{k} {report.fmt(result['metrics'].get(k))}" for k in keys)
    return f"{result['metrics']['n']} examples; {figures}"
