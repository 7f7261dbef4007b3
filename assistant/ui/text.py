"""Turning corpus and user text into Markdown that Streamlit shows exactly as written.

Statute text and uploaded documents are data, not markup: every character Markdown (or
Streamlit's LaTeX and colour directives) would interpret is escaped, and HTML is never enabled.
"""

import re
from collections.abc import Iterator

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")
_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n{2,}")
_PHONE = re.compile(r"(?<!\d)(?:999|\d{4}[ -]\d{4}|\d{5})(?!\d)")


def escape(text: str) -> str:
    """Markdown that renders as `text`, character for character."""
    return _SPECIAL.sub(r"\\\1", text)


def anchor(turn: int, n: int) -> str:
    """The in-page id of source `n` of answer `turn`, so each answer's markers find their own."""
    return f"source-{turn}-{n}"


def link_markers(markdown: str, anchors: dict[int, str]) -> str:
    """Citation markers [n] become links to their source; unknown numbers stay as written."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return rf"[\[{n}\]](#{anchors[n]})" if n in anchors else match.group(0)

    return _MARKER.sub(link, markdown)


def highlight(passage: str, quotes: list[str]) -> str:
    """The passage, escaped, with each quoted sentence highlighted. A quote that is the whole
    passage is left plain: highlighting everything would point at nothing."""
    wanted = sorted({q for q in quotes if q and q != passage}, key=len, reverse=True)
    if not wanted:
        return escape(passage)
    spans = re.compile("|".join(re.escape(q) for q in wanted))
    parts, position = [], 0
    for match in spans.finditer(passage):
        parts.append(escape(passage[position : match.start()]))
        parts.append(f"**:orange-background[{escape(match.group(0))}]**")
        position = match.end()
    parts.append(escape(passage[position:]))
    return "".join(parts)


def pieces(markdown: str) -> Iterator[str]:
    """The answer in sentence-sized pieces, separators kept, for streaming it as it is read."""
    position = 0
    for match in _SENTENCE_END.finditer(markdown):
        yield markdown[position : match.end()]
        position = match.end()
    if position < len(markdown):
        yield markdown[position:]


def phone_number(text: str) -> str | None:
    """The first Hong Kong phone number in a help paragraph (999, 8 digits, or a 5-digit line)."""
    match = _PHONE.search(text)
    return match.group(0) if match else None
