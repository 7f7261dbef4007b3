"""Markdown blocks built only from quoted corpus text, each line with its citation markers.

Shared by the extractive backend and the refusal: a provision quoted with its pinpoint, version
date and e-Legislation link; a document's sentences quoted whole; help resources.
"""

import re
from typing import Any

from assistant.answer import render
from assistant.answer.messages import (
    DEFINITION,
    LAW_AS_AT,
    LEGISLATION,
    NO_CHINESE_TEXT,
    NOT_IN_FORCE,
    ORDINANCE_ZH,
    PROVISION_SAYS,
    SCHEDULE_WHERE,
    SECTION_WHERE,
    Language,
    shown_date,
)
from assistant.answer.schema import Citation
from assistant.citations import SECTION_RE, find_cites, is_statute_cite, section_of
from assistant.retrieve import expand
from assistant.retrieve.catalog import Catalog, best_match, language_of
from assistant.text import has_cjk, normalise, reading_seconds, sentences, without_citations

DEFINITION_SECONDS = 45.0
_CONTACT = re.compile(r"(?<!\d)(?:\d{3,4}\s?\d{4}|999)(?!\d)|https?://|www\.")


class CitationBook:
    """Numbers citations in order of first use; the same quote of the same chunk keeps its
    number, so a provision cited twice is listed once."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []

    def cite(
        self, chunk_id: str, quote: str, metadata: dict[str, Any], cite: str | None = None
    ) -> int:
        quote = normalise(quote)
        for citation in self.citations:
            if citation.chunk_id == chunk_id and citation.quote == quote:
                return citation.n
        n = len(self.citations) + 1
        self.citations.append(
            Citation(
                n=n,
                cite=cite or str(metadata["cite"]),
                doc_id=str(metadata["doc_id"]),
                title=str(metadata.get("title", "")),
                url=str(metadata.get("url", "")),
                version_date=str(metadata.get("version_date", "")),
                quote=quote,
                kind=str(metadata.get("kind", "")),
                status=str(metadata.get("status", "")),
                chunk_id=chunk_id,
            )
        )
        return n


def sections(parts: list[tuple[dict[Language, str], list[str]]], language: Language) -> str:
    """Headed sections in order; a section with no lines is left out."""
    return "\n\n".join(
        render.section(heading[language], lines) for heading, lines in parts if lines
    )


def markers(numbers: list[int]) -> str:
    return " ".join(f"[{n}]" for n in dict.fromkeys(numbers))


def provision(
    book: CitationBook, chunk_id: str, found: Catalog, language: Language, cite: str | None = None
) -> list[str]:
    """A statute chunk as a block quote, then its pinpoint, Ordinance, version date and link.
    A provision that is not in operation says so on the same line as its citation. In a Chinese
    answer the official Chinese text is quoted where the corpus has it; otherwise the English
    text, with a line saying so and a link to the section's Chinese page."""
    chunk_id = found.translation(chunk_id, language)
    meta = found.metadata[chunk_id]
    cite = cite or str(meta["cite"])
    n = book.cite(chunk_id, found.texts[chunk_id], meta, cite)
    date = shown_date(str(meta.get("version_date", "")), language)
    if meta.get("status") == "operational":
        when = LAW_AS_AT[language].format(date=date)
    else:
        when = NOT_IN_FORCE[language].format(status=meta.get("status"), date=date)
    label = str(meta.get("title", ""))
    if language == "zh":
        label = ORDINANCE_ZH.get(label, label)
    if meta.get("unit") == "definition":
        label = f"{DEFINITION[language].format(term=meta['term'])}, {label}"
    link = f", [{LEGISLATION[language]}]({meta['url']})" if meta.get("url") else ""
    lines = [
        f"> {found.texts[chunk_id]} [{n}]",
        ">",
        f"> — `{cite}`, {label}, {when}{link} [{n}]",
    ]
    if language == "zh" and language_of(meta) != "zh":
        chinese_page = str(meta.get("url", "")).replace("!en/", "!zh-Hant-HK/")
        lines += [">", f"> {NO_CHINESE_TEXT.format(url=chinese_page)} [{n}]"]
    return lines


def provision_named(book: CitationBook, chunk_id: str, found: Catalog, language: Language) -> str:
    """The provision that covers the question, named by its official heading, and its opening
    sentence quoted: the short answer composed from the law itself."""
    chunk_id = found.translation(chunk_id, language)
    meta = found.metadata[chunk_id]
    title = str(meta.get("title", ""))
    if language == "zh":
        title = ORDINANCE_ZH.get(title, f"《{title}》")
    match = SECTION_RE.fullmatch(str(meta["section_cite"]))
    if match is None:
        return ""
    if match["schedule"]:
        schedule = match["schedule"].removeprefix("Sch.").strip()
        where = SCHEDULE_WHERE[language].format(section=match["sch_section"], schedule=schedule)
    else:
        where = SECTION_WHERE[language].format(section=match["section"])
    heading = " ".join(str(meta.get("heading", "")).split())
    opening = sentences(found.texts[chunk_id])[0]
    line = PROVISION_SAYS[language].format(
        where=where, title=title, chapter=match["chapter"], heading=heading, text=opening
    )
    n = book.cite(chunk_id, found.texts[chunk_id], meta)
    return f"{line} [{n}]"


def definition(book: CitationBook, key: str, found: Catalog, language: Language) -> list[str]:
    """The definition of the first defined term a quoted provision uses, when it is short
    enough to read beside it."""
    meta = found.metadata[key]
    if meta.get("unit") == "definition":
        return []
    for cid in expand.definitions(key, meta, found)[:1]:
        if reading_seconds(found.texts[cid]) <= DEFINITION_SECONDS:
            return ["", *provision(book, cid, found, language)]
    return []


def pinpoints(sentence: str, found: Catalog) -> list[tuple[str, str]]:
    """(pinpoint as written, chunk holding it) for each provision a sentence names."""
    pairs = []
    language = "zh" if has_cjk(sentence) else "en"
    for cite in dict.fromkeys(find_cites(sentence)):
        if not is_statute_cite(cite):
            continue
        chunk_id = best_match(found.chunks_for(cite, section_of(cite), language), sentence, found)
        if chunk_id is not None:
            pairs.append((cite, chunk_id))
    return pairs


def cited_sentence(
    book: CitationBook, chunk_id: str, sentence: str, meta: dict[str, Any], found: Catalog
) -> tuple[str, list[str]]:
    """A quoted sentence with its marker and one for each provision it names, and the chunks of
    those provisions. The sentence is shown without its citation brackets, which the markers
    replace; its citation quotes it whole."""
    numbers = [book.cite(chunk_id, sentence, meta)]
    named = []
    for cite, cid in pinpoints(sentence, found):
        numbers.append(book.cite(cid, found.texts[cid], found.metadata[cid], cite))
        named.append(cid)
    return f"{without_citations(sentence)} {markers(numbers)}", named


def help_lines(
    book: CitationBook, doc_ids: list[str], found: Catalog, language: Language
) -> list[str]:
    """For each help document, in the answer's language, what it is (its first sentence) and
    how to reach it (its first sentence with a phone number or address), whole sentences in
    document order."""
    lines = []
    for doc_id in dict.fromkeys(found.in_language(doc_id, language) for doc_id in doc_ids):
        lead = found.lead(doc_id)
        if lead is None:
            continue
        said = sentences(found.texts[lead])
        contact = next((s for s in said if _CONTACT.search(s)), None)
        chosen = [s for s in said if s in (said[0], contact)]
        meta = found.metadata[lead]
        cited = [cited_sentence(book, lead, s, meta, found)[0] for s in chosen]
        lines.append("- " + " ".join(cited))
    return lines
