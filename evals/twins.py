"""Translated twins: `doc:X-zh` and `doc:X` are one source in two languages.

A Chinese explainer says what its English twin says, so an answer to a Chinese question that
cites the Chinese twin meets a gold group naming the English one, and the other way round. The
pairs come from the corpus front matter (`twin:`), read once per run, never from the `-zh`
suffix: a file name is a convention, the front matter is what the author declared.
"""

from collections.abc import Mapping
from pathlib import Path

from assistant.citations import doc_cite, section_of
from assistant.ingest.build import corpus_files
from assistant.ingest.documents import load_document

Twins = Mapping[str, str]
NO_TWINS: Twins = {}


def twin_pairs(corpus: Path) -> list[tuple[str, str]]:
    """(doc id, its declared twin) for every corpus document with a `twin` field."""
    pairs = []
    for path in corpus_files(corpus):
        if path.suffix != ".md":
            continue
        meta = load_document(path).meta
        if meta.twin:
            pairs.append((doc_cite(meta.id), doc_cite(meta.twin)))
    return pairs


def representatives(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Every id of a twin set mapped to one id of the set (the alphabetically first, so the
    English `doc:X` before `doc:X-zh`). A set may be declared from either side, or both."""
    parent: dict[str, str] = {}

    def root(cite: str) -> str:
        while parent.setdefault(cite, cite) != cite:
            cite = parent[cite]
        return cite

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {cite: root(cite) for cite in parent}


def load_twins(corpus: Path) -> dict[str, str]:
    """The twin map of this corpus: `doc:` id to the id it counts as when matching."""
    return representatives(twin_pairs(corpus))


def match_key(cite: str, twins: Twins = NO_TWINS) -> str:
    """What a citation id counts as when matched: its section, and for a document with a
    translated twin, the one id the pair shares."""
    section = section_of(cite)
    return twins.get(section, section)
