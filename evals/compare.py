"""`python -m evals compare RUN_A RUN_B [--out DIR]`: what changed between two reports.

Two report folders (of `evals run` or `evals score`) are read, never re-run: the metric deltas
come from the reports' own figures, and the questions that flipped from each question's status,
per-question `scores` and failed checks. Question text stays out of the comparison, since it is
printed to the console; the ids lead back to the reports, which hold the text.
"""

import json
from pathlib import Path
from typing import Any

from evals.report import (
    CHART_NOTE,
    LOWER_IS_BETTER,
    NOT_FRACTIONS,
    fmt,
    metrics_chart,
    write_atomically,
    write_json,
)

OUTPUTS = ("compare.md", "compare.json", "compare.png")
EXPECTED_STATUS = {"answer": "answered", "abstain": "abstained", "refuse": "refused"}
CHECKS = ("status", "retrieval_hit", "cite_groups", "must_say")
NEUTRAL = frozenset({"n", "retrieval_n"})


class CompareError(ValueError):
    """The two folders cannot be compared; the message says why in one line."""


def load(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "report.json"
    if not path.is_file():
        raise CompareError(
            f"{run_dir} holds no report.json: give a report folder of `evals run` or `evals score`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareError(f"{path}: cannot read the report ({exc})") from exc
    if not isinstance(data, dict) or not {"metrics", "items", "dataset"} <= data.keys():
        raise CompareError(f"{path}: not a report of `evals run` or `evals score`")
    return data


def checks(item: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    """Each check the question was scored on: (passed, what to show). A check the report did
    not score for it (no retrieval, no `cite` groups) is left out."""
    scores = item.get("scores", {})
    found = {"status": (item["status"] == EXPECTED_STATUS[item["expect"]], item["status"])}
    if scores.get("retrieval_hit") is not None:
        hit = bool(scores["retrieval_hit"])
        found["retrieval_hit"] = (hit, "hit" if hit else "miss")
    if scores.get("cite_groups"):
        met, groups = scores.get("cite_groups_met", 0), scores["cite_groups"]
        found["cite_groups"] = (met == groups, f"{met}/{groups} met")
    missed = any(check.startswith("must_say:") for check in item["failed"])
    found["must_say"] = (not missed, "missed" if missed else "met")
    return found


def flips(a_items: list[dict[str, Any]], b_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every check that passed in one run and failed in the other, on the ids both hold."""
    b_by_id = {item["id"]: item for item in b_items}
    found = []
    for a in a_items:
        b = b_by_id.get(a["id"])
        if b is None:
            continue
        a_checks, b_checks = checks(a), checks(b)
        for check in CHECKS:
            if check in a_checks and check in b_checks and a_checks[check][0] != b_checks[check][0]:
                found.append(
                    {
                        "id": a["id"],
                        "lang": a["lang"],
                        "check": check,
                        "a": a_checks[check][1],
                        "b": b_checks[check][1],
                        "change": "fixed" if b_checks[check][0] else "broken",
                    }
                )
    return found


def deltas(a: dict[str, Any], b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each metric both hold: its two values and B − A (None when either was not measured)."""
    rows = {}
    for key in a:
        if key not in b:
            continue
        delta = None
        if isinstance(a[key], int | float) and isinstance(b[key], int | float):
            delta = b[key] - a[key]
        rows[key] = {"a": a[key], "b": b[key], "delta": delta}
    return rows


def compare(a: dict[str, Any], b: dict[str, Any], paths: tuple[Path, Path]) -> dict[str, Any]:
    a_ids = {item["id"] for item in a["items"]}
    shared = [item["id"] for item in b["items"] if item["id"] in a_ids]
    if not shared:
        raise CompareError("the two reports share no question id: nothing to compare")
    langs = [lang for lang in a.get("by_language", {}) if lang in b.get("by_language", {})]
    return {
        "runs": [_run(report, path) for report, path in zip((a, b), paths, strict=True)],
        "same_dataset": a["dataset"]["sha256"] == b["dataset"]["sha256"],
        "shared": len(shared),
        "metrics": deltas(a["metrics"], b["metrics"]),
        "by_language": {
            lang: deltas(a["by_language"][lang], b["by_language"][lang]) for lang in langs
        },
        "flips": flips(a["items"], b["items"]),
    }


def _run(report: dict[str, Any], path: Path) -> dict[str, Any]:
    dataset = report["dataset"]
    return {
        "path": str(path),
        "dataset": {key: dataset.get(key) for key in ("path", "sha256", "n")},
        "backend": report.get("backend"),
        "created": report.get("created"),
    }


def _signed(key: str, delta: float | None) -> str:
    if delta is None:
        return "–"
    return f"{delta:+.0f}" if key in NOT_FRACTIONS or key in NEUTRAL else f"{delta:+.3f}"


def _verdict(key: str, delta: float | None) -> str:
    if not delta or key in NEUTRAL:
        return ""
    return "better" if (delta < 0) == (key in LOWER_IS_BETTER) else "worse"


def _table(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| metric | A | B | B − A | |", "|---|---:|---:|---:|---|"]
    for key, row in rows.items():
        cells = [
            fmt(row["a"]),
            fmt(row["b"]),
            _signed(key, row["delta"]),
            _verdict(key, row["delta"]),
        ]
        lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
    return lines


def markdown(result: dict[str, Any], chart: str | None = None) -> str:
    lines = ["# Comparison of two evaluation reports", ""]
    for name, run in zip("AB", result["runs"], strict=True):
        dataset = run["dataset"]
        lines.append(
            f"- {name}: `{run['path']}`: dataset `{dataset['path']}` ({dataset['n']} questions, "
            f"sha256 `{str(dataset['sha256'])[:12]}`), backend `{run['backend']}`, "
            f"created {run['created']}"
        )
    lines.append(f"- {result['shared']} questions in both; the flips below are counted on them.")
    if not result["same_dataset"]:
        lines.append(
            "- **The two runs used different datasets**: each run's metrics cover its own "
            "questions, so a delta mixes a change of system with a change of questions."
        )
    lines += ["", "## Metrics", "", *_table(result["metrics"]), ""]
    if chart:
        lines += [f"![metrics, A and B]({chart})", ""]
    for lang, rows in result["by_language"].items():
        lines += [f"### `{lang}`", "", *_table(rows), ""]
    flipped = result["flips"]
    lines += [f"## Questions that flipped ({len(flipped)})", ""]
    if flipped:
        lines += ["| id | lang | check | A | B | in B |", "|---|---|---|---|---|---|"]
        lines += [
            f"| `{f['id']}` | {f['lang']} | {f['check']} | {f['a']} | {f['b']} | {f['change']} |"
            for f in flipped
        ]
    else:
        lines.append("No check changed on the shared questions.")
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out: Path) -> None:
    """compare.md, compare.json and compare.png, replacing an earlier comparison in DIR whole."""
    series = {
        f"{side.upper()}: {Path(run['path']).name}": {
            key: row[side] for key, row in result["metrics"].items()
        }
        for side, run in zip("ab", result["runs"], strict=True)
    }

    def fill(tmp: Path) -> None:
        (tmp / "compare.md").write_text(markdown(result, chart="compare.png"), encoding="utf-8")
        write_json(result, tmp / "compare.json")
        metrics_chart(series, tmp / "compare.png", f"Metrics of A and B ({CHART_NOTE})")

    write_atomically(out, fill, marker="compare.json")


def run(run_a: Path, run_b: Path) -> dict[str, Any]:
    return compare(load(run_a), load(run_b), (run_a, run_b))
