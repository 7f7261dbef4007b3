"""Turn statutes and documents into chunks: the unit that is embedded, retrieved and quoted.

A chunk's `text` is what people read and what citations quote, so it is always verbatim source
text (whitespace normalised only). Its `embed_text` adds the context the model needs to place a
bare subsection (ordinance, section, heading) and is never shown.
"""

import hashlib
import re
from collections.abc import Callable, Iterator

from langchain_text_splitters import RecursiveCharacterTextSplitter
from pydantic import BaseModel

from assistant.citations import find_cites
from assistant.ingest.documents import Document
from assistant.ingest.statutes import Ordinance, Provision, Section

Metadata = dict[str, str | int | float | bool]
TokenCounter = Callable[[str], int]

SENTENCE_SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", " "]
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


class Chunk(BaseModel):
    id: str
    text: str
    embed_text: str
    metadata: Metadata


def _chunk(text: str, embed_text: str, metadata: Metadata) -> Chunk:
    key = "\x1f".join([str(metadata["doc_id"]), str(metadata["cite"]), embed_text, text])
    return Chunk(
        id=hashlib.sha256(key.encode()).hexdigest()[:32],
        text=text,
        embed_text=embed_text,
        metadata=metadata,
    )


def statute_doc_id(ordinance: Ordinance) -> str:
    return f"cap{ordinance.chapter}-{ordinance.language}".lower()


def _statute_prefix(ordinance: Ordinance, section: Section) -> str:
    return f"{ordinance.short_title} (Cap. {ordinance.chapter}) {section.cite}: {section.heading}."


def _fitting(
    units: list[Provision], prefix: str, count_tokens: TokenCounter, limit: int
) -> Iterator[Provision]:
    """Units that fit the model whole; a unit that does not is replaced by its paragraphs."""
    for unit in units:
        if count_tokens(f"{prefix} {unit.text}") <= limit or not unit.paragraphs:
            yield unit
        else:
            yield from _fitting(unit.paragraphs, prefix, count_tokens, limit)


def chunk_statute(ordinance: Ordinance, count_tokens: TokenCounter, limit: int) -> list[Chunk]:
    """A section when it fits the model's input, else its subsections (or their paragraphs).

    A repealed or omitted section has no text to quote and makes no chunk; its absence from the
    index says nothing about the law.

    Every defined term is a chunk of its own as well, so a provision's definition can be brought
    in by retrieval even when the section holding it is long.
    """
    chunks = []
    for section in ordinance.sections:
        prefix = _statute_prefix(ordinance, section)
        base: Metadata = {
            "doc_id": statute_doc_id(ordinance),
            "kind": "statute",
            "section_cite": section.cite,
            "title": ordinance.short_title,
            "heading": section.heading,
            "path": " / ".join(section.path),
            "url": section.url,
            "version_date": ordinance.version_date,
            "language": ordinance.language,
            "status": section.status,
            "reason": section.reason or "",
            "source_file": ordinance.source_file,
            "sha256": ordinance.sha256,
            "excerpt": ordinance.excerpt,
            "term": "",
        }
        if not section.text:
            continue
        parts = section.subsections or section.paragraphs
        if count_tokens(f"{prefix} {section.text}") <= limit or not parts:
            units = [(section.cite, section.text, "section")]
        else:
            units = [
                (unit.cite, unit.text, "subsection")
                for unit in _fitting(parts, prefix, count_tokens, limit)
            ]
        for cite, text, unit_type in units:
            meta = base | {"cite": cite, "unit": unit_type}
            chunks.append(_chunk(text, f"{prefix} {text}", meta))
        for definition in section.definitions:
            meta = base | {"cite": definition.cite, "unit": "definition", "term": definition.term}
            embed = f"{prefix} Definition of “{definition.term}”: {definition.text}"
            chunks.append(_chunk(definition.text, embed, meta))
    return chunks


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _paragraphs(body: str) -> Iterator[tuple[str, str]]:
    """(heading path, paragraph) pairs; a paragraph is a block between blank lines, a list
    included. Written out because the Markdown header splitter drops the blank lines."""
    headings: list[str] = []
    block: list[str] = []
    for line in [*body.splitlines(), ""]:
        heading = _HEADING.match(line)
        if heading or not line.strip():
            if block:
                yield " > ".join(headings), "\n".join(block)
                block = []
            if heading:
                level = len(heading.group(1))
                headings = [*headings[: level - 1], heading.group(2).strip()]
        else:
            block.append(line)


def chunk_document(doc: Document, count_tokens: TokenCounter, limit: int) -> list[Chunk]:
    """One chunk a paragraph, so a quote is a whole paragraph or sentence, never a stitched one.

    A paragraph too long for the model is split at sentence ends (Chinese punctuation included).
    The first paragraph is the document's lead, the answer it gives in one to three sentences.
    """
    meta = doc.meta
    splitter = RecursiveCharacterTextSplitter(
        separators=SENTENCE_SEPARATORS,
        keep_separator="end",
        chunk_size=limit - 64,
        chunk_overlap=0,
        length_function=count_tokens,
    )
    base: Metadata = {
        "doc_id": meta.id,
        "kind": meta.kind,
        "cite": doc.cite,
        "section_cite": doc.cite,
        "title": meta.title,
        "url": meta.url,
        "version_date": meta.date.isoformat(),
        "language": meta.language,
        "status": "published",
        "reason": "",
        "source_file": doc.source_file,
        "sha256": doc.sha256,
        "excerpt": False,
        "term": "",
        "doc_cites": "; ".join(meta.cites),
        "twin": meta.twin or "",
    }
    chunks = []
    for heading, block in _paragraphs(doc.body):
        for piece in splitter.split_text(block):
            text = _normalise(piece)
            lead = not chunks
            context = [meta.title, heading]
            if lead:
                context += meta.questions
            embed = " ".join(c for c in context if c) + "\n" + text
            extra: Metadata = {
                "heading": heading,
                "path": heading,
                "unit": "lead" if lead else "passage",
                "ord": len(chunks),
                "text_cites": "; ".join(find_cites(text)),
            }
            chunks.append(_chunk(text, embed, base | extra))
    return chunks
