"""Legal expansion: what a retrieved passage needs beside it to be read correctly.

A provision means what its defined terms mean ("intimate image" in s.159AAE is defined in
s.159AA to include altered images), and a document (explainer, guidance, help page or news
summary) is only as good as the provisions it rests on. Both are added right after the passage
that needs them; the evaluation measures whether each step helps.
"""

from typing import Any

from assistant.citations import cite_groups, find_cites, is_statute_cite, section_of
from assistant.retrieve.catalog import Catalog, best_match, catalog
from assistant.store import Index

MAX_DEFINITIONS = 2
MAX_CITED = 2
CITING_KINDS = ("explainer", "guideline", "help", "news")


def additions(chunk_id: str, metadata: dict[str, Any], index: Index) -> list[tuple[str, str]]:
    """(chunk id, why) pairs to add after this chunk: "definition" or "cited"."""
    found = catalog(index)
    if metadata.get("kind") == "statute" and metadata.get("unit") != "definition":
        return [(cid, "definition") for cid in definitions(chunk_id, metadata, found)]
    if metadata.get("kind") in CITING_KINDS:
        return [(cid, "cited") for cid in cited(chunk_id, metadata, found)]
    return []


def definitions(chunk_id: str, metadata: dict[str, Any], found: Catalog) -> list[str]:
    """Definitions of the terms the provision uses, in order of use; a term inside a longer
    defined term ("image" in "intimate image") is not looked up on its own."""
    text = found.texts[chunk_id]
    spans = []
    for term in found.terms.get(str(metadata["doc_id"]), []):
        if term.section_cite == metadata["section_cite"] or not term.applies_to(metadata):
            continue
        spans += [(m.start(), m.end(), term.chunk_id) for m in term.pattern.finditer(text)]
    spans.sort(key=lambda span: (span[0], span[0] - span[1]))
    chosen: list[str] = []
    covered_to = -1
    for start, end, cid in spans:
        if start < covered_to:
            continue
        covered_to = end
        if cid not in chosen:
            chosen.append(cid)
    return chosen[:MAX_DEFINITIONS]


def cited(chunk_id: str, metadata: dict[str, Any], found: Catalog) -> list[str]:
    """The provisions a document's passage cites, then those the document cites. Each claim's
    first provision comes before any claim's second, so that two additions back two claims
    rather than two pinpoints of the first one."""
    text = found.texts[chunk_id]
    cites = [group[0] for group in cite_groups(text)] + find_cites(text)
    cites += str(metadata.get("doc_cites", "")).split("; ")
    chosen: list[str] = []
    sections: set[str] = set()
    for cite in cites:
        if not is_statute_cite(cite) or section_of(cite) in sections:
            continue
        match = best_match(found.chunks_for(cite, section_of(cite)), found.texts[chunk_id], found)
        if match:
            sections.add(section_of(cite))
            chosen.append(match)
        if len(chosen) == MAX_CITED:
            break
    return chosen
