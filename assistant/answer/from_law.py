"""Answers composed from the law itself, for questions no explainer answers as well as a
provision does: a question naming a provision (assistant/answer/named.py), one in the statute's
own terms ("what does 'specified harm' mean"), or one no explainer is related to. The provision
is named by its official heading and quoted, with the definition of the first term it uses and
the subsection setting its penalty.
"""

from typing import Protocol

from assistant.answer import blocks
from assistant.answer.abstain import related
from assistant.answer.backends import ComposeRequest
from assistant.answer.messages import Language
from assistant.retrieve.catalog import Catalog, cite_key
from assistant.retrieve.hybrid import Hit

# A provision is quoted as the short answer, in place of an explainer's lead, when it is this
# much closer in meaning to the question (on the gold sets only questions in the statute's own
# terms cleared it, and each got the right section).
LAW_MARGIN = 0.2


class Closeness(Protocol):
    """What this needs of the question's meaning: its similarity to corpus chunks."""

    def similarity(self, chunk_ids: list[str]) -> dict[str, float]: ...


def provision_to_quote(
    request: ComposeRequest, ranked: list[Hit], meaning: Closeness
) -> str | None:
    """The in-force provision found by the search that is closest to the question, when no
    document is related or it is closer than the best document's lead by LAW_MARGIN. A
    follow-up goes on from the answer it follows, so the caller does not ask for one."""
    provisions = [
        hit.chunk_id
        for hit in request.hits
        if hit.kind == "statute"
        and hit.via == "search"
        and related(hit)
        and hit.metadata.get("status") == "operational"
    ]
    if not provisions:
        return None
    closeness = meaning.similarity(provisions)
    best = max(provisions, key=lambda cid: closeness.get(cid, -1.0))
    if not ranked:
        return best
    lead = ranked[0].dense or 0.0
    return best if closeness.get(best, -1.0) >= lead + LAW_MARGIN else None


def lines(
    book: blocks.CitationBook, key: str, found: Catalog, language: Language
) -> tuple[list[str], list[str]]:
    """(short answer, what the law says): the provision named and its opening quoted, then the
    provision whole, its definition and the first penalty subsection after it (else before)."""
    short = [blocks.provision_named(book, key, found, language)]
    law = blocks.provision(book, key, found, language) + blocks.definition(
        book, key, found, language
    )
    section = str(found.metadata[key]["section_cite"])
    penalties = [cid for cid in found.penalty_provisions(section) if cid != key]
    later = [
        cid
        for cid in penalties
        if cite_key(found.metadata[cid]["cite"]) > cite_key(found.metadata[key]["cite"])
    ]
    for cid in (later or penalties)[:1]:
        law += ["", *blocks.provision(book, cid, found, language)]
    return short, law
