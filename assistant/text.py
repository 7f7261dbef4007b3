"""Sentences and reading time, for quoting corpus text whole and keeping answers short.

A quote must be a whole sentence of the source (never stitched), and the short answer must be
readable aloud on a call, so both rules are measured here in one way.
"""

import re

from assistant.citations import CITATION_GROUP, DOC_RE, SECTION_RE

READING_WORDS_PER_SECOND = 165 / 60
READING_CJK_PER_SECOND = 4.5

_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])|(?<=[。！？])")
_ABBREVIATIONS = ("Cap.", "s.", "ss.", "Sch.", "No.", "e.g.", "i.e.", "etc.", "para.")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EMPTY_BRACKETS = re.compile(r"\(\s*(?:[;,]|and|\s)*\)")
_CITATION_GROUP = re.compile(rf"\s*{CITATION_GROUP.pattern}")


def normalise(text: str) -> str:
    """Whitespace collapsed: the only difference allowed between a quote and its source."""
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """Whole sentences, split where a sentence ends and not after "Cap." or "s."."""
    text = normalise(text)
    found, start = [], 0
    for match in _END.finditer(text):
        before = text[start : match.start()].rsplit(" ", 1)[-1].lstrip('("“‘')
        if before in _ABBREVIATIONS:
            continue
        piece = text[start : match.start()].strip()
        if piece:
            found.append(piece)
        start = match.end()
    tail = text[start:].strip()
    return found + [tail] if tail else found


def without_citations(sentence: str) -> str:
    """A corpus sentence as shown in an answer: its parenthesised citation groups, e.g.
    "(Cap. 200 s.159AAE(1); doc:help-police)", give way to the answer's markers, which cite the
    same provisions and documents. Brackets that say anything else stay."""
    return _CITATION_GROUP.sub("", sentence)


def spoken(text: str) -> str:
    """What a person reads aloud: the text without its citation brackets."""
    text = DOC_RE.sub("", SECTION_RE.sub("", text))
    return normalise(_EMPTY_BRACKETS.sub("", text))


def reading_seconds(text: str) -> float:
    said = spoken(text)
    cjk = len(_CJK.findall(said))
    words = len(re.findall(r"\w+", _CJK.sub(" ", said)))
    return words / READING_WORDS_PER_SECOND + cjk / READING_CJK_PER_SECOND
