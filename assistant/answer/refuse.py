"""The refusal: what the law says about the act asked for, and where to get help.

A refused request still gets the law, quoted and cited like any answer, because the person
asking may be about to commit an offence, or may be the one in the images. The provisions are
the statute passages closest to the request itself, so a request to hide a camera gets the
voyeurism offence and one to spread a video the publication offence; the publication offence
stands in when nothing close enough was found.
"""

import re

from assistant.answer import blocks
from assistant.answer.abstain import related
from assistant.answer.backends import Draft
from assistant.answer.messages import HEADINGS, Language
from assistant.citations import section_of
from assistant.retrieve.catalog import Catalog, best_match, catalog
from assistant.retrieve.hybrid import Hit
from assistant.store import Index

LAW = "Cap. 200 s.159AAE(1)"
CHILD_LAW = "Cap. 579 s.3(1)"
_MINOR = re.compile(
    r"\b(?:under\s*-?\s*1[0-8]|child(?:ren)?|kids?|minors?|under-?age|teen\w*|"
    r"\d{1,2}\s*-?\s*(?:years?|yrs?)\s*-?\s*old|school\s*(?:girl|boy)s?|primary|secondary|"
    r"form\s+[1-6])\b|兒童|小朋友|未成年|中學|小學",
    re.IGNORECASE,
)


def refusal(
    question: str, language: Language, law_hits: list[Hit], help_hits: list[Hit], index: Index
) -> Draft:
    found = catalog(index)
    book = blocks.CitationBook()
    law: list[str] = []
    chosen = [hit.chunk_id for hit in law_hits if related(hit)] or _chunks([LAW], question, found)
    if _MINOR.search(question):
        chosen += _chunks([CHILD_LAW], question, found)
    for chunk_id in dict.fromkeys(chosen):
        quoted = blocks.provision(book, chunk_id, found, language)
        law += ["", *quoted] if law else quoted
    doc_ids = list(dict.fromkeys(str(hit.metadata["doc_id"]) for hit in help_hits))
    help_lines = blocks.help_lines(book, doc_ids, found, language)
    body = blocks.sections([(HEADINGS["law"], law), (HEADINGS["help"], help_lines)], language)
    return Draft(body=body, citations=book.citations)


def _chunks(cites: list[str], question: str, found: Catalog) -> list[str]:
    found_ids = [found.chunks_for(cite, section_of(cite)) for cite in cites]
    chosen = [best_match(ids, question, found) for ids in found_ids]
    return [chunk_id for chunk_id in chosen if chunk_id is not None]
