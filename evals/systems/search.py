"""BM25 alone and the dense model alone, over the index the assistant answers from.

Both call `assistant.retrieve.hybrid.search` with one ranking and no legal expansion, on the
question as asked: no history, no Chinese glossary, no classifier. Uploaded documents are left
out, so every system is measured on the same corpus.
"""

from collections.abc import Callable

from assistant.answer.schema import Answer
from assistant.retrieve.hybrid import Hit, search
from assistant.store import Index
from evals.dataset import Example
from evals.systems.quoted import Passage, quoted_answer

MODES = ("bm25", "dense")
DEPTH = 10


def answerer(mode: str, index: Index) -> Callable[[Example], Answer]:
    kinds = tuple(sorted({str(meta["kind"]) for meta in index.metadata.values()}))
    search("law", k=1, mode=mode, expand=False, index=index, kinds=kinds)

    def ask(example: Example) -> Answer:
        hits = search(example.question, k=DEPTH, mode=mode, expand=False, index=index, kinds=kinds)
        return quoted_answer(
            example, [_passage(hit) for hit in hits], [hit.section_cite for hit in hits]
        )

    return ask


def _passage(hit: Hit) -> Passage:
    """The section's best chunk, cited by the chunk's own id (a pinpoint where it is one)."""
    meta = hit.metadata
    return Passage(
        cite=hit.cite,
        text=hit.text,
        chunk_id=hit.chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        url=str(meta.get("url", "")),
        version_date=str(meta.get("version_date", "")),
    )
