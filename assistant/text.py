"""Sentences, reading time and Chinese words: the text rules every layer shares.

A quote must be a whole sentence of the source (never stitched), and the short answer must be
readable aloud on a call, so both rules are measured here in one way. Chinese is written without
spaces and in two scripts, so the index and the questions are cut into words, and Simplified
input read as Traditional, by the same functions here.
"""

import logging
import re
from functools import cache
from pathlib import Path
from typing import Any

from assistant.citations import CITATION_GROUP, DOC_RE, SECTION_RE

READING_WORDS_PER_SECOND = 165 / 60
READING_CJK_PER_SECOND = 4.5

_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])|(?<=[。！？])")
_ABBREVIATIONS = ("Cap.", "s.", "ss.", "Sch.", "No.", "e.g.", "i.e.", "etc.", "para.")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ZH_TERMS = Path(__file__).with_name("zh_terms.txt")
# Hong Kong forms where OpenCC's Traditional differs from the corpus's usage.
_VARIANTS = str.maketrans({"佈": "布", "裏": "裡", "綫": "線"})
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


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


@cache
def _converter() -> Any:
    from opencc import OpenCC

    return OpenCC("s2t")


def traditional(text: str) -> str:
    """Simplified characters read as the Traditional ones the corpus is written in; text that is
    already Traditional, or has no Chinese, comes back unchanged."""
    if not has_cjk(text):
        return text
    return _converter().convert(text).translate(_VARIANTS)


@cache
def _segmenter() -> Any:
    """jieba's dictionary with the legal and Cantonese words of zh_terms.txt added, so that
    私密影像 or 犯唔犯法 stay one word instead of being cut at random."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.load_userdict(str(ZH_TERMS))
    return segmenter


def zh_words(text: str) -> list[str]:
    """Chinese words and the shorter words inside long ones (jieba's search mode), so a
    question's 私密影像 matches a passage's 影像 too; punctuation and spaces dropped."""
    words = _segmenter().lcut_for_search(text)
    return [word for word in words if word.strip() and _CJK.search(word)]
