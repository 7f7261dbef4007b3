"""Questions that ask what a term of the law means ("what is child pornography?",
"什麼是「個人資料」?"): answered from the term's statutory definition, not from whichever
explainer happens to be nearest in topic, which may only use the term.

A question asks for a meaning when it puts a defined term (Catalog.terms, read from the statutes,
with the Chinese term the English text gives in brackets) right after "what is", "meaning of",
"什麼是"... or right before "mean", "是甚麼", "的定義". Only the term's own position decides, so a
question that merely uses a defined term ("what is the penalty for sharing an intimate image")
is not one.
"""

import re

from assistant.answer import blocks
from assistant.answer.messages import Language
from assistant.citations import find_cites, section_of
from assistant.retrieve.catalog import Catalog, Term
from assistant.text import reading_seconds, sentences, traditional

_BEFORE = (
    r"(?:\bwhat\s+(?:is|are|counts\s+as|constitutes?)|\bmeaning\s+of|\bdefinition\s+of"
    r"|\bdefine|什麼是|甚麼是|咩係|乜嘢係|何謂|何為)\s*(?:(?:an?|the)\s+)?"
)
_AFTER = (
    r"\s*(?:\bmeans?\b|是什麼|是甚麼|是指什麼|是指甚麼|指什麼|指甚麼"
    r"|的定義|的意思|係咩|係乜|即係咩)"
)
_QUOTES = re.compile(r"[「」『』“”\"'‘’《》]")
_REFERS = re.compile(r"has the meaning given", re.IGNORECASE)
USED_TERMS = 2


def asked_term(question: str, found: Catalog) -> Term | None:
    """The defined term whose meaning the question asks for, the longest when several fit; a
    definition that only points to another ("has the meaning given by section 64(6)") gives way
    to the one it points to."""
    text = _QUOTES.sub("", traditional(question))
    lowered = text.lower()
    asked = []
    for name, term in found.term_names:
        if name.lower() not in lowered:
            continue
        word = re.escape(name) + (r"s?\b" if name.isascii() else "")
        pattern = rf"{_BEFORE}{word}|{word}{_AFTER}"
        if re.search(pattern, text, re.IGNORECASE):
            asked.append((len(name), not _REFERS.search(found.texts[term.chunk_id]), term))
    if not asked:
        return None
    return max(asked, key=lambda item: item[:2])[2]


def explained(term: Term, found: Catalog, language: Language) -> list[tuple[str, str]]:
    """(chunk id, sentence) of the explainer sentences, in the answer's language, that cite the
    definition's section and use the term: the definition in plain words."""
    names = [name.lower() for name, named in found.term_names if named is term]
    found_sentences = []
    for cid, meta in found.metadata.items():
        written = str(meta.get("language", ""))
        if meta.get("kind") != "explainer" or not written.startswith(language):
            continue
        for sentence in sentences(found.texts[cid]):
            lowered = sentence.lower()
            cites = {section_of(cite) for cite in find_cites(sentence)}
            if term.section_cite in cites and any(name in lowered for name in names):
                found_sentences.append((cid, sentence))
    return found_sentences


def law_lines(
    book: blocks.CitationBook, term: Term, found: Catalog, language: Language
) -> list[str]:
    """The definition quoted, then the definitions of the terms its wording uses, when short
    enough to read beside it: the terms the ordinance uses most first, since those carry its
    main ideas ("child pornography" is read with "child", a person under 16, before "film")."""
    lines = blocks.provision(book, term.chunk_id, found, language)
    doc_id = str(found.metadata[term.chunk_id]["doc_id"])
    wording = found.texts[term.chunk_id].split(" means", 1)[-1]
    used = []
    for other in found.terms.get(doc_id, []):
        definition = found.texts[other.chunk_id]
        short = reading_seconds(definition) <= blocks.DEFINITION_SECONDS
        if other.term == term.term or not short or _REFERS.search(definition):
            continue
        if other.pattern.search(wording):
            uses = sum(bool(other.pattern.search(found.texts[cid])) for cid in found.by_doc[doc_id])
            used.append((-uses, other.chunk_id))
    for _, cid in sorted(used)[:USED_TERMS]:
        lines += ["", *blocks.provision(book, cid, found, language)]
    return lines
