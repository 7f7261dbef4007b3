"""report.html: one self-contained page an evaluator can open and read question by question.

Dataset text and answers are untrusted (an outside dataset may hold markup, by accident or on
purpose), so every string taken from the report is passed through `html.escape` on its way into
the page, and the page loads nothing: its style is inline and its charts are data URIs.
"""

import html
from typing import Any
from urllib.parse import quote

from evals.report import CONTRACT_KEYS, EXTRA_KEYS, fmt

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section.item { border-top: 1px solid #ccc; padding: 0.5rem 0; }
.fail { color: #a40000; }
.answer { white-space: pre-wrap; background: #f6f6f6; padding: 0.6rem; }
blockquote { margin: 0.2rem 0 0.6rem 1rem; padding-left: 0.6rem; border-left: 3px solid #bbb;
             white-space: pre-wrap; }
img { max-width: 100%; }
"""


def render(report: dict[str, Any], images: dict[str, str]) -> str:
    """The whole page; `images` maps each chart's file name to its PNG in base64."""
    dataset = report["dataset"]
    failing = [item for item in report["items"] if item["failed"]]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Citation-accuracy report: {_e(dataset['path'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Citation-accuracy report</h1>",
        "<ul>",
        f"<li>dataset <code>{_e(dataset['path'])}</code>, {_e(dataset['n'])} questions, "
        f"sha256 <code>{_e(dataset['sha256'][:12])}</code></li>",
        f"<li>backend <code>{_e(report['backend'])}</code>; created {_e(report['created'])}</li>",
        "</ul>",
        *_metrics(report),
        *(
            f'<p><img alt="{_e(name)}" src="data:image/png;base64,{data}"></p>'
            for name, data in images.items()
        ),
        *_warnings(report.get("warnings", [])),
        f"<h2>Questions ({len(failing)} of {len(report['items'])} with a failed check)</h2>",
        *_index(failing),
        *(_item(item) for item in report["items"]),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _anchor(item_id: str) -> str:
    return "q-" + quote(item_id, safe="")


def _metrics(report: dict[str, Any]) -> list[str]:
    langs = list(report["by_language"])
    head = "".join(f"<th>{_e(lang)}</th>" for lang in langs)
    rows = [
        "<h2>Metrics</h2>",
        f"<table><tr><th>metric</th><th>all</th>{head}</tr>",
    ]
    for key in (*CONTRACT_KEYS, *EXTRA_KEYS):
        if key in report["metrics"]:
            values = [report["metrics"][key]]
            values += [report["by_language"][lang].get(key) for lang in langs]
            cells = "".join(f'<td class="num">{_e(fmt(value))}</td>' for value in values)
            rows.append(f"<tr><td><code>{_e(key)}</code></td>{cells}</tr>")
    return [*rows, "</table>"]


def _warnings(warnings: list[str]) -> list[str]:
    if not warnings:
        return []
    return ["<h2>Warnings</h2>", "<ul>", *(f"<li>{_e(w)}</li>" for w in warnings), "</ul>"]


def _index(failing: list[dict[str, Any]]) -> list[str]:
    """Links to the questions that failed a check, so a long report is read from its faults."""
    if not failing:
        return []
    links = ", ".join(
        f'<a href="#{_e(_anchor(item["id"]))}">{_e(item["id"])}</a>' for item in failing
    )
    return [f"<p>Failed: {links}</p>"]


def _item(item: dict[str, Any]) -> str:
    verdict = '<span class="fail">failed</span>' if item["failed"] else "passed"
    turns = item["history_turns"]
    after = f" (after {_e(turns)} earlier turns)" if turns else ""
    lines = [
        f'<section class="item" id="{_e(_anchor(item["id"]))}">',
        f"<h3><code>{_e(item['id'])}</code> ({_e(item['lang'])}): expected "
        f"{_e(item['expect'])}, got {_e(item['status'])}, {verdict}</h3>",
        f"<p><strong>Question</strong>{after}: {_e(item['question'])}</p>",
    ]
    if item["cite"]:
        groups = "; ".join(" or ".join(_e(cite) for cite in group) for group in item["cite"])
        lines.append(f"<p><strong>Must cite</strong> one of each group: {groups}</p>")
    if item["failed"]:
        reasons = "".join(f"<li>{_e(check)}</li>" for check in item["failed"])
        lines.append(f'<p><strong>Failed checks</strong></p><ul class="fail">{reasons}</ul>')
    lines.append(f'<div class="answer">{_e(item["answer"])}</div>')
    if item.get("citations"):
        lines.append("<p><strong>Citations</strong></p><ol>")
        lines += [
            f'<li value="{_e(c["n"])}"><code>{_e(c["cite"])}</code>'
            f"<blockquote>{_e(c['quote'])}</blockquote></li>"
            for c in item["citations"]
        ]
        lines.append("</ol>")
    lines.append(f"<p>latency {_e(item['latency_ms'])} ms</p></section>")
    return "\n".join(lines)
