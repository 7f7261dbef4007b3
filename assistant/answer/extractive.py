"""The built-in backend: an answer made only of whole sentences and provisions quoted from the
corpus, so it needs no LLM and cannot say anything the sources do not.

The short answer is the lead of the best-matching document (explainers are written so that their
lead answers the title question), cut to what can be read aloud in 20 seconds; the lead's other
sentences open "what the law says", so nothing the author put in the lead is lost. Each sentence
also cites the provisions it names. The key provision is the one of those closest in meaning to
the question, quoted whole with its defined term.
"""

import numpy as np

from assistant.answer import blocks
from assistant.answer.abstain import related
from assistant.answer.backends import ComposeRequest, Draft
from assistant.answer.messages import HEADINGS, Language
from assistant.answer.text import reading_seconds, sentences
from assistant.citations import find_cites, is_statute_cite, section_of
from assistant.ingest.embed import load_embedder
from assistant.retrieve import expand
from assistant.retrieve.catalog import Catalog, best_match, catalog
from assistant.retrieve.hybrid import Hit
from assistant.store import Index

SHORT_ANSWER_SECONDS = 20.0
LEAD_SENTENCES = 3
TOP_DOCUMENTS = 5
DEFINITION_SECONDS = 40.0
HELP_DOCUMENTS = 3
DOCUMENT_KINDS = ("explainer", "guideline", "help", "news", "user")


class ExtractiveBackend:
    name = "extractive"

    def compose(self, request: ComposeRequest) -> Draft:
        found = catalog(request.index)
        book = blocks.CitationBook()
        source = _source(request.hits, request.language)
        short: list[str] = []
        more: list[str] = []
        provisions: list[str] = []
        if source is not None:
            chunk_id, text = _lead(source, found)
            seconds = 0.0
            for sentence in sentences(text)[:LEAD_SENTENCES]:
                numbers = [book.cite(chunk_id, sentence, source.metadata | _meta(found, chunk_id))]
                for cite, cid in _pinpoints(sentence, found):
                    numbers.append(book.cite(cid, found.texts[cid], found.metadata[cid], cite))
                    provisions.append(cid)
                seconds += reading_seconds(sentence)
                target = (
                    short if not short or (not more and seconds <= SHORT_ANSWER_SECONDS) else more
                )
                target.append(f"{sentence} {blocks.markers(numbers)}")
        key = _key_provision(request, provisions, found)
        law = more[:]
        if key is not None:
            law += blocks.provision(book, key, found, request.language)
            law += _definition(book, key, found, request.language)
        sections = [(HEADINGS["short"], short), (HEADINGS["law"], law)]
        if request.victim:
            sections.append((HEADINGS["help"], _help(book, request, source, found)))
        body = "\n\n".join(
            f"**{heading[request.language]}**\n" + "\n".join(lines)
            for heading, lines in sections
            if lines
        )
        return Draft(short_answer="\n".join(short), body=body, citations=book.citations)


def _source(hits: list[Hit], language: Language) -> Hit | None:
    """The document to take the short answer from: among the best related documents, the first
    whose lead matched (the question is the one the document answers), else the first."""
    documents = [
        hit
        for hit in hits
        if hit.via == "search" and hit.kind in DOCUMENT_KINDS and related(hit, language)
    ][:TOP_DOCUMENTS]
    leads = [hit for hit in documents if hit.metadata.get("unit") == "lead"]
    return (leads or documents or [None])[0]


def _lead(source: Hit, found: Catalog) -> tuple[str, str]:
    """The lead paragraph of a corpus document; an uploaded document has none, so its best
    passage stands in."""
    lead = found.lead(str(source.metadata["doc_id"])) if source.kind != "user" else None
    if lead is None:
        return source.chunk_id, source.text
    return lead, found.texts[lead]


def _meta(found: Catalog, chunk_id: str) -> dict:
    return found.metadata.get(chunk_id, {})


def _pinpoints(sentence: str, found: Catalog) -> list[tuple[str, str]]:
    """(pinpoint as written, chunk holding it) for each provision a sentence names."""
    pairs = []
    for cite in dict.fromkeys(find_cites(sentence)):
        if not is_statute_cite(cite):
            continue
        chunk_id = best_match(found.chunks_for(cite, section_of(cite)), sentence, found)
        if chunk_id is not None:
            pairs.append((cite, chunk_id))
    return pairs


def _key_provision(request: ComposeRequest, cited: list[str], found: Catalog) -> str | None:
    """The provision to quote: of those the short answer names (else the related statute hits),
    one in operation if any, closest in meaning to the question."""
    candidates = list(dict.fromkeys(cited)) or [
        hit.chunk_id
        for hit in request.hits
        if hit.kind == "statute" and hit.via == "search" and related(hit, request.language)
    ]
    in_force = [cid for cid in candidates if found.metadata[cid].get("status") == "operational"]
    return _closest(request.question, in_force or candidates, request.index)


def _closest(question: str, chunk_ids: list[str], index: Index) -> str | None:
    if len(chunk_ids) < 2:
        return chunk_ids[0] if chunk_ids else None
    vector = np.asarray(load_embedder().embed_query(question))
    stored = index.collection.get(ids=chunk_ids, include=["embeddings"])
    similarity = dict(zip(stored["ids"], np.asarray(stored["embeddings"]) @ vector, strict=True))
    return max(chunk_ids, key=lambda cid: similarity.get(cid, -1.0))


def _definition(
    book: blocks.CitationBook, key: str, found: Catalog, language: Language
) -> list[str]:
    """The definition of the first defined term the key provision uses, when it is short."""
    meta = found.metadata[key]
    if meta.get("unit") == "definition":
        return []
    for cid in expand.definitions(key, meta, found)[:1]:
        if reading_seconds(found.texts[cid]) <= DEFINITION_SECONDS:
            return ["", *blocks.provision(book, cid, found, language)]
    return []


def _help(
    book: blocks.CitationBook, request: ComposeRequest, source: Hit | None, found: Catalog
) -> list[str]:
    """Help documents the source itself points to, then those closest to the question."""
    cited = str(source.metadata.get("doc_cites", "")).split("; ") if source else []
    doc_ids = [cite.removeprefix("doc:") for cite in cited if cite.startswith("doc:")]
    doc_ids += [str(hit.metadata["doc_id"]) for hit in request.help]
    helpful = [
        doc_id
        for doc_id in dict.fromkeys(doc_ids)
        if (lead := found.lead(doc_id)) and found.metadata[lead]["kind"] == "help"
    ]
    return blocks.help_lines(book, helpful[:HELP_DOCUMENTS], found)
