"""`python -m evals parallel --zh RUN_DIR --en RUN_DIR`: the same questions in two languages.

`gold-zh.jsonl` holds Chinese translations of gold questions, id `zhp-<id>` for the English
`<id>`. Comparing the two runs on those pairs alone shows what asking in Chinese costs, with the
questions held fixed: the overall figures of two runs differ in which questions they hold, too.
The figures are recomputed from each run's per-question `scores` (written by `evals run`), so
they follow the run's own definitions, twins included. A pair counts for a metric only when both
of its questions were scored for it (both expected an answer and had `cite` groups).
"""

import json
import os
from pathlib import Path
from typing import Any

from evals.base import ratio
from evals.report import fmt, write_json

PREFIX = "zhp-"
METRICS = ("retrieval_recall_at_5", "citation_recall")
OUTPUTS = ("parallel.json", "parallel.md")


class ParallelError(ValueError):
    """The two folders cannot be compared; the message says why."""


def load_items(run_dir: Path) -> dict[str, dict[str, Any]]:
    path = run_dir / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ParallelError(f"{path}: not a report of `python -m evals run` ({exc})") from exc
    items = {item["id"]: item for item in data.get("items", [])}
    if items and not any("scores" in item for item in items.values()):
        raise ParallelError(
            f"{path}: written before reports held per-question scores: run `evals run` again"
        )
    return items


def pairs(zh: dict[str, dict[str, Any]], en: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(zh id, en id) for every `zhp-<id>` whose `<id>` the English run holds, in zh order."""
    return [
        (zh_id, zh_id.removeprefix(PREFIX))
        for zh_id in zh
        if zh_id.startswith(PREFIX) and zh_id.removeprefix(PREFIX) in en
    ]


def _hits(item: dict[str, Any], metric: str) -> tuple[float, int] | None:
    """(met, out of) for one question, or None when it was not scored for the metric."""
    scores = item.get("scores", {})
    if metric == "retrieval_recall_at_5":
        hit = scores.get("retrieval_hit")
        return None if hit is None else (hit, 1)
    groups = scores.get("cite_groups")
    return None if not groups else (scores.get("cite_groups_met", 0), groups)


def compare(zh: dict[str, dict[str, Any]], en: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each metric for each language on the pairs scored in both, and zh − en in points."""
    matched = pairs(zh, en)
    if not matched:
        raise ParallelError(f"no `{PREFIX}<id>` item of the zh run has its <id> in the en run")
    result: dict[str, Any] = {"pairs": len(matched), "metrics": {}, "items": []}
    for zh_id, en_id in matched:
        row: dict[str, Any] = {"zh": zh_id, "en": en_id}
        for metric in METRICS:
            row[metric] = {"zh": _hits(zh[zh_id], metric), "en": _hits(en[en_id], metric)}
        result["items"].append(row)
    for metric in METRICS:
        both = [row[metric] for row in result["items"] if None not in row[metric].values()]
        figures = {
            lang: ratio(sum(h[lang][0] for h in both), sum(h[lang][1] for h in both))
            for lang in ("zh", "en")
        }
        diff = None
        if figures["zh"] is not None and figures["en"] is not None:
            diff = round((figures["zh"] - figures["en"]) * 100, 1)
        result["metrics"][metric] = {"n": len(both), **figures, "difference_points": diff}
    return result


def markdown(result: dict[str, Any], zh_dir: Path, en_dir: Path) -> str:
    lines = [
        "# Parallel questions: Chinese vs English",
        "",
        f"- zh run: `{zh_dir}`; en run: `{en_dir}`",
        f"- {result['pairs']} pairs (`{PREFIX}<id>` with `<id>`); each metric counts the pairs "
        "scored in both runs",
        "",
        "| metric | pairs | zh | en | zh − en (points) |",
        "|---|---:|---:|---:|---:|",
    ]
    for metric, figures in result["metrics"].items():
        diff = figures["difference_points"]
        lines.append(
            f"| `{metric}` | {figures['n']} | {fmt(figures['zh'])} | {fmt(figures['en'])} | "
            + ("–" if diff is None else f"{diff:+.1f}")
            + " |"
        )
    worse = [row["zh"] for row in result["items"] if any(_worse(row[metric]) for metric in METRICS)]
    lines += ["", f"## Pairs where the Chinese question did worse ({len(worse)})", ""]
    lines += [f"- `{zh_id}`" for zh_id in worse]
    return "\n".join(lines) + "\n"


def _worse(hits: dict[str, tuple[float, int] | None]) -> bool:
    zh, en = hits["zh"], hits["en"]
    return zh is not None and en is not None and zh[0] / zh[1] < en[0] / en[1]


def run(zh_dir: Path, en_dir: Path) -> dict[str, Any]:
    """Compare, then write parallel.json and parallel.md into the zh run folder; each file is
    written beside its name and renamed, so a reader never sees half a file."""
    result = compare(load_items(zh_dir), load_items(en_dir))
    result = {"zh_run": str(zh_dir), "en_run": str(en_dir), **result}
    texts = {"parallel.md": markdown(result, zh_dir, en_dir)}
    for name in OUTPUTS:
        tmp = zh_dir / f".{name}.tmp"
        if name in texts:
            tmp.write_text(texts[name], encoding="utf-8")
        else:
            write_json(result, tmp)
        os.replace(tmp, zh_dir / name)
    return result


def table(result: dict[str, Any]) -> str:
    """The console view: one line per metric."""
    lines = [f"{result['pairs']} parallel pairs"]
    for metric, figures in result["metrics"].items():
        diff = figures["difference_points"]
        lines.append(
            f"{metric} (n={figures['n']}): zh {fmt(figures['zh'])}, en {fmt(figures['en'])}, "
            f"zh − en {'–' if diff is None else f'{diff:+.1f}'} points"
        )
    return "\n".join(lines)
