"""report.json, report.md, items.csv, report.html and charts, written so that a folder holds one
whole report or none.

Everything goes into a temporary folder beside the target and is renamed into place at the end:
a run that fails half-way leaves the previous report as it was.
"""

import base64
import csv
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from evals.base import Evaluation, Record  # noqa: E402
from evals.retrieval import CONFIGS, RANKING_METRICS  # noqa: E402

CONTRACT_KEYS = (
    "n",
    "retrieval_recall_at_5",
    "citation_recall",
    "citation_precision",
    "citation_precision_statute",
    "citation_precision_docs",
    "citation_validity",
    "must_say_rate",
    "must_not_say_violations",
    "disclaimer_rate",
    "abstain_accuracy",
    "refuse_accuracy",
    "false_abstain_rate",
    "false_refusal_rate",
    "latency_ms_p50",
    "latency_ms_p95",
)
EXTRA_KEYS = (
    "refusal_recall",
    "answer_language_rate",
    "support_rate",
    "support_cosine_mean",
    "fallback_rate",
    "removed_per_answer",
)
NOT_FRACTIONS = frozenset(
    {"n", "must_not_say_violations", "removed_per_answer", "latency_ms_p50", "latency_ms_p95"}
)
LOWER_IS_BETTER = frozenset(
    {
        "must_not_say_violations",
        "false_abstain_rate",
        "false_refusal_rate",
        "fallback_rate",
        "removed_per_answer",
        "latency_ms_p50",
        "latency_ms_p95",
    }
)
RETRIEVAL_KEYS = tuple(f"{c.name}_{m}" for c in CONFIGS for m in RANKING_METRICS)
METRIC_KEYS = (*CONTRACT_KEYS, *EXTRA_KEYS, "retrieval_n", *RETRIEVAL_KEYS)
CHARTS = ("metrics.png", "retrieval.png")
CHART_NOTE = "fractions; false_abstain_rate, false_refusal_rate: lower is better"
PAGES = ("report.md", "items.csv", "report.html")
ITEM_COLUMNS = (
    "id",
    "lang",
    "expect",
    "status",
    "passed",
    "failed",
    "cite",
    "may_cite",
    "cited",
    "retrieved",
    "latency_ms",
    "history_turns",
    "question",
)


def build(
    records: list[Record],
    overall: Evaluation,
    by_language: dict[str, Any],
    meta: dict[str, Any],
) -> dict[str, Any]:
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "metrics": overall.metrics,
        "by_language": by_language,
        "charts": list(CHARTS),
        "pages": list(PAGES),
        "items": [
            _item(record, overall.failures.get(record.example.id, []), overall.scores)
            for record in records
        ],
    }


def _item(record: Record, failed: list[str], scores: dict[str, dict[str, Any]]) -> dict[str, Any]:
    example, answer = record.example, record.answer
    return {
        "id": example.id,
        "lang": example.lang,
        "question": example.question,
        "history_turns": len(example.history),
        "expect": example.expect,
        "status": answer.status,
        "cite": example.cite,
        "may_cite": example.may_cite,
        "cited": [citation.cite for citation in answer.citations],
        "citations": [
            {"n": citation.n, "cite": citation.cite, "quote": citation.quote}
            for citation in answer.citations
        ],
        "retrieved": answer.retrieved[:10],
        "failed": failed,
        "scores": scores.get(example.id, {}),
        "latency_ms": round(record.seconds * 1000, 1),
        "answer": answer.answer,
    }


def check_out(out: Path, marker: str = "report.json") -> None:
    """DIR may be new, empty, or an earlier report (a folder holding `marker`), which is
    replaced whole; anything else is someone's folder, and a report must not delete it."""
    taken = out.is_dir() and any(out.iterdir()) and not (out / marker).is_file()
    if out.is_file() or taken:
        raise FileExistsError(f"{out} exists and does not hold a {marker}: choose another --out")


def write(report: dict[str, Any], out: Path) -> None:
    """All files, then one rename."""
    from evals import html_report  # it formats with this module's helpers

    def fill(tmp: Path) -> None:
        write_json(report, tmp / "report.json")
        (tmp / "report.md").write_text(markdown(report), encoding="utf-8")
        _metrics_chart(report, tmp / "metrics.png")
        _retrieval_chart(report, tmp / "retrieval.png")
        write_items_csv(report["items"], tmp / "items.csv")
        images = {name: base64.b64encode((tmp / name).read_bytes()).decode() for name in CHARTS}
        (tmp / "report.html").write_text(html_report.render(report, images), encoding="utf-8")

    write_atomically(out, fill)


def write_items_csv(items: list[dict[str, Any]], path: Path) -> None:
    """One row per question for a spreadsheet: lists joined with "; ", a `cite` group's
    alternatives with " / ", failed checks one a line, then every per-question score."""
    scores = list(dict.fromkeys(key for item in items for key in item["scores"]))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*ITEM_COLUMNS, *scores])
        for item in items:
            row = {
                **item,
                "passed": int(not item["failed"]),
                "failed": "\n".join(item["failed"]),
                "cite": "; ".join(" / ".join(group) for group in item["cite"]),
                **{key: "; ".join(item[key]) for key in ("may_cite", "cited", "retrieved")},
            }
            cells = [row[column] for column in ITEM_COLUMNS]
            cells += [item["scores"].get(key) for key in scores]
            writer.writerow([_inert(cell) for cell in cells])


def _inert(cell: Any) -> Any:
    """Dataset text is untrusted: a cell a spreadsheet would run as a formula gets a leading
    apostrophe, which spreadsheets show as plain text."""
    if isinstance(cell, str) and cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + cell
    return cell


def write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_atomically(out: Path, fill: Callable[[Path], None], marker: str = "report.json") -> None:
    """`fill` writes every file of a report into a temporary folder beside `out`, which then
    replaces `out` in one rename; if anything fails, `out` is left as it was. Every report kind
    (`run`, `intents`, `compare`) uses this, so none can leave half a folder; `marker` is the
    file that shows a folder holds an earlier report of the same kind."""
    out = out.resolve()
    check_out(out, marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir()
    try:
        fill(tmp)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(tmp, out)
    if old:
        shutil.rmtree(old)


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}" if value <= 1 else f"{value:.0f}"


def markdown(report: dict[str, Any]) -> str:
    langs = list(report["by_language"])
    lines = [
        "# Citation-accuracy report",
        "",
        f"- dataset: `{report['dataset']['path']}` ({report['dataset']['n']} questions, "
        f"sha256 `{report['dataset']['sha256'][:12]}`)",
        f"- backend: `{report['backend']}`; index built {report['index']['built_at']} "
        f"({report['index']['chunks']} chunks"
        + ("" if report["index"]["current"] else ", OLDER THAN corpus/: rebuild it")
        + ")",
        f"- created {report['created']}, run took {report['seconds']} s",
        "",
        "## Metrics",
        "",
        "| metric | all | " + " | ".join(langs) + " |",
        "|---|---:|" + "---:|" * len(langs),
    ]
    for key in (*CONTRACT_KEYS, *EXTRA_KEYS):
        if key in report["metrics"]:
            cells = [fmt(report["by_language"][lang].get(key)) for lang in langs]
            row = [f"`{key}`", fmt(report["metrics"][key]), *cells]
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "![metrics](metrics.png)", "", *_retrieval_table(report), ""]
    if report.get("warnings"):
        lines += ["## Warnings", "", *(f"- {warning}" for warning in report["warnings"]), ""]
    lines += _failures(report["items"])
    return "\n".join(lines) + "\n"


def _retrieval_table(report: dict[str, Any]) -> list[str]:
    metrics = report["metrics"]
    lines = [
        "## Retrieval configurations",
        "",
        f"Standalone answerable questions ({metrics.get('retrieval_n', 0)}), sections ranked "
        "by `assistant.retrieve.hybrid.search`; ★ marks the default.",
        "",
        "| configuration | " + " | ".join(RANKING_METRICS) + " |",
        "|---|" + "---:|" * len(RANKING_METRICS),
    ]
    for config in CONFIGS:
        label = config.label + (" ★" if config.name == report["retrieval_default"] else "")
        cells = [fmt(metrics.get(f"{config.name}_{m}")) for m in RANKING_METRICS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*lines, "", "![retrieval](retrieval.png)"]


def _failures(items: list[dict[str, Any]]) -> list[str]:
    failing = [item for item in items if item["failed"]]
    lines = [f"## Questions with failed checks ({len(failing)} of {len(items)})", ""]
    for item in failing:
        lines.append(
            f"- `{item['id']}` ({item['lang']}, expected {item['expect']}, got {item['status']})"
        )
        lines += [f"  - {check}" for check in item["failed"]]
    return lines


def _metrics_chart(report: dict[str, Any], path: Path) -> None:
    metrics_chart(
        {"all": report["metrics"]} | report["by_language"],
        path,
        f"Metrics ({CHART_NOTE})",
    )


def metrics_chart(series: dict[str, dict[str, Any]], path: Path, title: str) -> None:
    """Every fraction metric measured in some series as a group of bars, one bar per series
    (the whole set and each language of a run, or two runs side by side)."""
    keys = [
        k
        for k in (*CONTRACT_KEYS, *EXTRA_KEYS)
        if k not in NOT_FRACTIONS and any(m.get(k) is not None for m in series.values())
    ]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(keys) + 1.5))
    height = 0.8 / len(series)
    for i, (name, metrics) in enumerate(series.items()):
        values = [metrics.get(k) or 0.0 for k in keys]
        ax.barh([y + i * height for y in range(len(keys))], values, height, label=name)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(keys))], keys)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=len(series))
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def _retrieval_chart(report: dict[str, Any], path: Path) -> None:
    metrics = report["metrics"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(CONFIGS)
    for i, config in enumerate(CONFIGS):
        default = config.name == report["retrieval_default"]
        values = [metrics.get(f"{config.name}_{m}") or 0.0 for m in RANKING_METRICS]
        ax.bar(
            [x + i * width for x in range(len(RANKING_METRICS))],
            values,
            width,
            label=config.label + (" (default)" if default else ""),
            hatch="//" if default else None,
            edgecolor="black" if default else None,
        )
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(RANKING_METRICS))], RANKING_METRICS)
    ax.set_ylim(0, 1)
    ax.set_title(f"Retrieval by configuration ({metrics.get('retrieval_n', 0)} questions)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize="small")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
