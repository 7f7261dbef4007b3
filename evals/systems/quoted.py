"""The answer every baseline gives: its top passages, quoted whole, one citation each."""

from dataclasses import dataclass

from assistant.answer.schema import Answer, Citation, Timings
from evals.dataset import Example

TOP_K = 4


@dataclass(frozen=True)
class Passage:
    """A retrieved text and the citation id it came with."""

    cite: str
    text: str
    chunk_id: str = ""
    doc_id: str = ""
    title: str = ""
    url: str = ""
    version_date: str = ""


def quoted_answer(example: Example, passages: list[Passage], retrieved: list[str]) -> Answer:
    """The first TOP_K passages as the answer, each followed by its marker; `retrieved` is the
    system's whole ranking of sources, best first, for the retrieval metrics."""
    citations = [
        Citation(
            n=n,
            cite=passage.cite,
            doc_id=passage.doc_id,
            title=passage.title,
            url=passage.url,
            version_date=passage.version_date,
            quote=passage.text,
            chunk_id=passage.chunk_id,
        )
        for n, passage in enumerate(passages[:TOP_K], start=1)
    ]
    return Answer(
        question=example.question,
        language=example.lang,
        status="answered",
        answer="\n\n".join(f"{c.quote} [{c.n}]" for c in citations),
        citations=citations,
        disclaimer="",
        timings_ms=Timings(),
        retrieved=retrieved,
        backend="",
    )
