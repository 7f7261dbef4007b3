"""Turning corpus and user text into Markdown that Streamlit shows exactly as written.

Statute text and uploaded documents are data, not markup: every character Markdown (or
Streamlit's LaTeX and colour directives) would interpret is escaped, and HTML is never enabled.
"""

import re
from collections.abc import Iterator
from urllib.parse import quote as url_quote

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")
_URL = re.compile(r"https?://[!-~]+")
_URL_TAIL = ".,;:!?'\"*_~"
_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n{2,}")
_PHONE = re.compile(r"(?<!\d)(?:999|\d{4}[ -]\d{4}|\d{5})(?!\d)")


def _escape_characters(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _url_end(url: str) -> str:
    """The address without the punctuation after it: "(see https://x.hk)." ends at "hk"."""
    url = url.rstrip(_URL_TAIL)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(_URL_TAIL)
    return url


def link(url: str) -> str:
    """A Markdown link for http(s) addresses only; anything else is shown as plain text."""
    if not re.match(r"https?://", url):
        return _escape_characters(url)
    href = url_quote(url, safe=":/?#&=%!~*'@+,;$")
    return f"[{_escape_characters(url)}]({href.replace('(', '%28').replace(')', '%29')})"


def escape(text: str) -> str:
    """Markdown that renders as `text`, character for character. A web address becomes an
    explicit link that ends where the address does: Markdown's own autolinking runs on to the
    next space, and Chinese puts none after an address, so "（https://x.hk）或" would link "或"."""
    parts, position = [], 0
    for match in _URL.finditer(text):
        url = _url_end(match.group(0))
        parts.append(_escape_characters(text[position : match.start()]))
        parts.append(link(url))
        position = match.start() + len(url)
    parts.append(_escape_characters(text[position:]))
    return "".join(parts)


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
    passage is left plain: highlighting everything would point at nothing. The bold goes inside
    the highlight, where brackets border it: Chinese has no spaces around a sentence, and `**`
    between "]" and a character does not close bold in Markdown."""
    wanted = sorted({q for q in quotes if q and q != passage}, key=len, reverse=True)
    if not wanted:
        return escape(passage)
    spans = re.compile("|".join(re.escape(q) for q in wanted))
    parts, position = [], 0
    for match in spans.finditer(passage):
        parts.append(escape(passage[position : match.start()]))
        parts.append(f":orange-background[**{escape(match.group(0))}**]")
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
