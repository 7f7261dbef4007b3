"""The last check before an answer leaves: a wrong citation is worse than none.

Every citation's quote must occur verbatim (whitespace aside) in the chunk it names, and that
chunk must belong to the cited section or document. Whatever fails is dropped, and so is every
sentence left without a marker; the survivors are renumbered in order of appearance.
"""

import re

from assistant.answer.backends import Draft
from assistant.answer.schema import Citation
from assistant.citations import is_statute_cite, section_of
from assistant.retrieve import hybrid
from assistant.retrieve.catalog import catalog, is_within
from assistant.store import Index
from assistant.text import normalise

MARKER = re.compile(r"\[(\d+)\]")
_HEADING = re.compile(r"^\*\*[^*]+\*\*$")
_CLAIM = re.compile(r".*?(?:\s*\[\d+\])+|.+$")
_PREFIX = re.compile(r"^(?:> |- |\d+\. )")


def holds(citation: Citation, index: Index) -> bool:
    """The quote is in the chunk, and the chunk is the cited section or document."""
    found = hybrid.chunk(citation.chunk_id, index) if citation.chunk_id else None
    if found is None:
        return False
    text, meta = found
    if normalise(citation.quote) not in normalise(text) or not citation.quote.strip():
        return False
    if is_statute_cite(citation.cite):
        chunk_cite = str(meta["cite"])
        return section_of(citation.cite) == meta["section_cite"] and (
            is_within(citation.cite, chunk_cite) or is_within(chunk_cite, citation.cite)
        )
    return citation.cite == meta["cite"] and citation.doc_id == meta["doc_id"]


def locate(citation: Citation, index: Index) -> Citation:
    """A citation without a chunk id (as an LLM backend may give) gets the chunk of its
    section that holds the quote, if any."""
    if citation.chunk_id:
        return citation
    quote = normalise(citation.quote)
    for chunk_id in catalog(index).by_section.get(section_of(citation.cite), []):
        if quote and quote in normalise(index.texts[chunk_id]):
            return citation.model_copy(update={"chunk_id": chunk_id})
    return citation


def verify(draft: Draft, index: Index) -> Draft:
    citations = [locate(citation, index) for citation in draft.citations]
    good = {c.n: c for c in citations if holds(c, index)}
    body = _tidy(_keep_cited(draft.body, good))
    order = list(dict.fromkeys(int(n) for n in MARKER.findall(body)))
    number = {old: new for new, old in enumerate(order, start=1)}

    def renumber(text: str) -> str:
        return MARKER.sub(lambda m: f"[{number[int(m.group(1))]}]", text)

    return Draft(
        short_answer=renumber(_keep_cited(draft.short_answer, good)),
        body=renumber(body),
        citations=[good[old].model_copy(update={"n": number[old]}) for old in order],
    )


def _keep_cited(text: str, good: dict[int, Citation]) -> str:
    """Each claim keeps its valid markers; a claim left with none is removed."""
    lines = []
    for line in text.splitlines():
        if not line.strip() or _HEADING.match(line) or line.strip() == ">":
            lines.append(line)
            continue
        prefix = _PREFIX.match(line)
        start = prefix.end() if prefix else 0
        claims = []
        for claim in _CLAIM.findall(line[start:]):
            numbers = [n for n in MARKER.findall(claim) if int(n) in good]
            words = MARKER.sub("", claim).strip()
            if numbers and words:
                claims.append(f"{words} " + " ".join(f"[{n}]" for n in dict.fromkeys(numbers)))
        if claims:
            lines.append(line[:start] + " ".join(claims))
    return "\n".join(lines)


def _tidy(text: str) -> str:
    """No heading without content under it, no empty quote lines at the edge of a quote."""
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", text)]
    blocks = [_trim_quote(block) for block in blocks]
    blocks = [block for block in blocks if block]
    kept = []
    for i, block in enumerate(blocks):
        lines = block.splitlines()
        alone = len(lines) == 1 and _HEADING.match(lines[0])
        next_is_heading = i + 1 >= len(blocks) or _HEADING.match(blocks[i + 1].splitlines()[0])
        if alone and next_is_heading:
            continue
        kept.append(block)
    return "\n\n".join(kept)


def _trim_quote(block: str) -> str:
    lines = block.splitlines()
    while lines and lines[0].strip() == ">":
        lines.pop(0)
    while lines and lines[-1].strip() == ">":
        lines.pop()
    return "\n".join(lines)
