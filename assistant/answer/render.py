"""The finished Markdown: notice, verified body, sources list and disclaimer, in that order."""

from assistant.answer.messages import (
    HEADINGS,
    LAW_AS_AT,
    NOT_IN_OPERATION,
    ORDINANCE_ZH,
    Language,
    shown_date,
)
from assistant.answer.schema import Citation


def section(heading: str, lines: list[str]) -> str:
    """A bold heading and its lines, a blank line between them: after a single newline,
    Markdown renderers run the heading into the first sentence."""
    return f"**{heading}**\n\n" + "\n".join(lines)


def source_lines(citations: list[Citation], language: Language) -> list[str]:
    """One line per cited provision or document; sentences quoted from the same document share
    its line."""
    by_cite: dict[str, list[Citation]] = {}
    for citation in citations:
        by_cite.setdefault(citation.cite, []).append(citation)
    lines = []
    for cite, group in by_cite.items():
        first = group[0]
        title = ORDINANCE_ZH.get(first.title, first.title) if language == "zh" else first.title
        parts = [" ".join(f"[{c.n}]" for c in group) + f" `{cite}`", title]
        if first.kind == "statute" and first.status != "operational":
            parts.append(NOT_IN_OPERATION[language].format(status=first.status))
        elif first.kind == "statute" and first.version_date:
            date = shown_date(first.version_date, language)
            parts.append(LAW_AS_AT[language].format(date=date))
        if first.url:
            parts.append(first.url)
        lines.append("- " + " — ".join(part for part in parts if part))
    return lines


def markdown(
    notice: str, body: str, citations: list[Citation], disclaimer: str, language: Language
) -> str:
    parts = [text for text in (notice, body) if text]
    if citations:
        lines = source_lines(citations, language)
        parts.append(section(HEADINGS["sources"][language], lines))
    parts.append(f"---\n*{disclaimer}*")
    return "\n\n".join(parts)
