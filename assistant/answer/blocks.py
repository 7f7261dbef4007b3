"""Markdown blocks built only from quoted corpus text, each line with its citation markers.

Shared by the extractive backend and the refusal: a provision quoted with its pinpoint, version
date and e-Legislation link; a document's sentences quoted whole; help resources.
"""

from typing import Any

from assistant.answer.messages import DEFINITION, LAW_AS_AT, NOT_IN_FORCE, Language
from assistant.answer.schema import Citation
from assistant.answer.text import normalise, reading_seconds, sentences
from assistant.retrieve.catalog import Catalog

HELP_SECONDS = 12.0


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


def markers(numbers: list[int]) -> str:
    return " ".join(f"[{n}]" for n in dict.fromkeys(numbers))


def provision(
    book: CitationBook, chunk_id: str, found: Catalog, language: Language, cite: str | None = None
) -> list[str]:
    """A statute chunk as a block quote, then its pinpoint, Ordinance, version date and link.
    A provision that is not in operation says so on the same line as its citation."""
    meta = found.metadata[chunk_id]
    cite = cite or str(meta["cite"])
    n = book.cite(chunk_id, found.texts[chunk_id], meta, cite)
    date = str(meta.get("version_date", ""))
    if meta.get("status") == "operational":
        when = LAW_AS_AT[language].format(date=date)
    else:
        when = NOT_IN_FORCE[language].format(status=meta.get("status"), date=date)
    label = str(meta.get("title", ""))
    if meta.get("unit") == "definition":
        label = f"{DEFINITION[language].format(term=meta['term'])}, {label}"
    link = f", [e-Legislation]({meta['url']})" if meta.get("url") else ""
    return [
        f"> {found.texts[chunk_id]} [{n}]",
        ">",
        f"> — `{cite}`, {label}, {when}{link} [{n}]",
    ]


def sentence_line(book: CitationBook, chunk_id: str, sentence: str, meta: dict[str, Any]) -> str:
    return f"{sentence} [{book.cite(chunk_id, sentence, meta)}]"


def help_lines(book: CitationBook, doc_ids: list[str], found: Catalog) -> list[str]:
    """Each help document's opening sentences, as many as can be read in a few seconds."""
    lines = []
    for doc_id in doc_ids:
        lead = found.lead(doc_id)
        if lead is None:
            continue
        meta, said, seconds = found.metadata[lead], [], 0.0
        for sentence in sentences(found.texts[lead]):
            seconds += reading_seconds(sentence)
            if said and seconds > HELP_SECONDS:
                break
            said.append(sentence_line(book, lead, sentence, meta))
        lines.append("- " + " ".join(said))
    return lines
