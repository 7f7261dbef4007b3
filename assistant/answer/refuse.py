"""The refusal: what the law says about spreading intimate images, and where to get help.

A refused request still gets the law, quoted and cited like any answer, because the person
asking may be about to commit an offence, or may be the one in the images.
"""

import re

from assistant.answer import blocks
from assistant.answer.backends import Draft
from assistant.answer.messages import HEADINGS, Language
from assistant.citations import section_of
from assistant.retrieve.catalog import best_match, catalog
from assistant.retrieve.hybrid import Hit
from assistant.store import Index

LAW = "Cap. 200 s.159AAE(1)"
CHILD_LAW = "Cap. 579 s.3(1)"
HELP_QUERY = "support and help for a person whose intimate images are made or shared"
_MINOR = re.compile(
    r"\b(?:under\s*-?\s*1[0-8]|child(?:ren)?|kids?|minors?|under-?age|teen\w*|"
    r"\d{1,2}\s*-?\s*(?:years?|yrs?)\s*-?\s*old|school\s*(?:girl|boy)s?|primary|secondary|"
    r"form\s+[1-6])\b|兒童|小朋友|未成年|中學|小學",
    re.IGNORECASE,
)


def refusal(question: str, language: Language, help_hits: list[Hit], index: Index) -> Draft:
    found = catalog(index)
    book = blocks.CitationBook()
    law: list[str] = []
    cites = [LAW, CHILD_LAW] if _MINOR.search(question) else [LAW]
    for cite in cites:
        chunk_id = best_match(found.chunks_for(cite, section_of(cite)), question, found)
        if chunk_id is not None:
            quoted = blocks.provision(book, chunk_id, found, language, cite)
            law += ["", *quoted] if law else quoted
    doc_ids = list(dict.fromkeys(str(hit.metadata["doc_id"]) for hit in help_hits))
    help_lines = blocks.help_lines(book, doc_ids, found)
    body = blocks.sections([(HEADINGS["law"], law), (HEADINGS["help"], help_lines)], language)
    return Draft(body=body, citations=book.citations)
