"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion, one
result per section.

People ask in plain words and the law answers in its own: BM25 finds exact terms ("s.159AAE",
"intimate image"), the dense model finds paraphrases ("fake nudes"). Reciprocal rank fusion
needs no calibration between the two kinds of score. Results are sections (a statute section or
a whole document) because that is what a citation counts as; each carries its best chunk.
"""

from collections import defaultdict
from functools import cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from assistant.ingest.embed import load_embedder
from assistant.retrieve import expand
from assistant.retrieve.user_docs import UserDocs, user_docs
from assistant.store import Index, bm25_tokenize

RRF_K = 60
CANDIDATES = 50

Mode = Literal["hybrid", "bm25", "dense"]
Ranking = list[tuple[str, float]]


class Hit(BaseModel):
    """One section and its best-matching chunk."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float
    rank: int
    dense: float | None = None
    bm25: float | None = None
    via: str = "search"

    @property
    def section_cite(self) -> str:
        return str(self.metadata["section_cite"])

    @property
    def cite(self) -> str:
        return str(self.metadata["cite"])

    @property
    def kind(self) -> str:
        return str(self.metadata["kind"])


@cache
def load_index() -> Index:
    """The live index, opened once per process: opening loads the model and every chunk."""
    return Index()


def search(
    query: str,
    k: int = 8,
    mode: Mode = "hybrid",
    expand: bool = True,
    index: Index | None = None,
) -> list[Hit]:
    """The k best sections for query, best first; with expand, legal expansion adds the
    definitions and cited provisions right after the hit that needs them."""
    index = index or load_index()
    uploaded = user_docs(index)
    rankings = []
    if mode in ("hybrid", "dense"):
        rankings.append(("dense", _dense(query, index, uploaded)))
    if mode in ("hybrid", "bm25"):
        rankings.append(("bm25", _bm25(query, index, uploaded)))
    hits = _fuse(rankings, _Chunks(index, uploaded))
    if expand:
        hits = _expand(hits, index, k)
    for rank, hit in enumerate(hits[:k], start=1):
        hit.rank = rank
    return hits[:k]


def chunk(chunk_id: str, index: Index | None = None) -> tuple[str, dict[str, Any]] | None:
    """A chunk's text and metadata, from the corpus or the uploaded documents."""
    index = index or load_index()
    if chunk_id in index.texts:
        return index.texts[chunk_id], index.metadata[chunk_id]
    uploaded = user_docs(index)
    if uploaded and chunk_id in uploaded.texts:
        return uploaded.texts[chunk_id], uploaded.metadata[chunk_id]
    return None


class _Chunks:
    """Text and metadata by chunk id across the corpus and the uploaded documents."""

    def __init__(self, index: Index, uploaded: UserDocs | None) -> None:
        self.texts = index.texts | (uploaded.texts if uploaded else {})
        self.metadata = index.metadata | (uploaded.metadata if uploaded else {})


def _dense(query: str, index: Index, uploaded: UserDocs | None) -> Ranking:
    """Chunks by cosine similarity; both collections hold the same model's vectors, so their
    similarities are comparable and merge into one ranking."""
    vector = load_embedder().embed_query(query)
    ranking: Ranking = []
    for collection in (index.collection, uploaded.collection if uploaded else None):
        if collection is None:
            continue
        found = collection.query(
            query_embeddings=[vector],
            n_results=min(CANDIDATES, collection.count()),
            include=["distances"],
        )
        ranking += [
            (cid, 1.0 - distance)
            for cid, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]
    return sorted(ranking, key=lambda pair: pair[1], reverse=True)[:CANDIDATES]


def _bm25(query: str, index: Index, uploaded: UserDocs | None) -> Ranking:
    tokenized = bm25_tokenize([query])
    words = {number: word for word, number in tokenized.vocab.items()}
    tokens = [words[number] for number in tokenized.ids[0]]
    ranking: Ranking = []
    sources = [(index.bm25, index.bm25_ids)]
    if uploaded:
        sources.append((uploaded.bm25, uploaded.ids))
    for retriever, ids in sources:
        known = retriever.get_tokens_ids(tokens)
        if not known:
            continue
        scores = retriever.get_scores(known)
        best = np.argsort(-scores)[:CANDIDATES]
        ranking += [(ids[i], float(scores[i])) for i in best if scores[i] > 0]
    return sorted(ranking, key=lambda pair: pair[1], reverse=True)[:CANDIDATES]


def _fuse(rankings: list[tuple[str, Ranking]], chunks: _Chunks) -> list[Hit]:
    """Reciprocal rank fusion over section ranks; a section's chunk is the one that ranks best
    across the lists, and its raw scores are kept as evidence for abstaining."""
    section_score: dict[str, float] = defaultdict(float)
    chunk_score: dict[str, float] = defaultdict(float)
    raw: dict[str, dict[str, float]] = defaultdict(dict)
    for name, ranking in rankings:
        seen: list[str] = []
        for chunk_rank, (cid, score) in enumerate(ranking, start=1):
            section = str(chunks.metadata[cid]["section_cite"])
            chunk_score[cid] += 1.0 / (RRF_K + chunk_rank)
            raw[section][name] = max(raw[section].get(name, score), score)
            if section not in seen:
                seen.append(section)
                section_score[section] += 1.0 / (RRF_K + len(seen))
    best: dict[str, str] = {}
    for cid, score in chunk_score.items():
        section = str(chunks.metadata[cid]["section_cite"])
        if section not in best or score > chunk_score[best[section]]:
            best[section] = cid
    ordered = sorted(section_score, key=lambda section: section_score[section], reverse=True)
    return [
        Hit(
            chunk_id=best[section],
            text=chunks.texts[best[section]],
            metadata=chunks.metadata[best[section]],
            score=section_score[section],
            rank=rank,
            dense=raw[section].get("dense"),
            bm25=raw[section].get("bm25"),
        )
        for rank, section in enumerate(ordered, start=1)
    ]


def _expand(hits: list[Hit], index: Index, k: int) -> list[Hit]:
    """Each hit followed by what legal expansion adds for it; a section comes once, where it
    first appears."""
    placed: set[str] = set()
    result: list[Hit] = []
    for hit in hits:
        if len(result) >= k:
            break
        if hit.section_cite in placed:
            continue
        placed.add(hit.section_cite)
        result.append(hit)
        for cid, via in expand.additions(hit.chunk_id, hit.metadata, index):
            section = str(index.metadata[cid]["section_cite"])
            if section in placed:
                continue
            placed.add(section)
            result.append(
                Hit(
                    chunk_id=cid,
                    text=index.texts[cid],
                    metadata=index.metadata[cid],
                    score=hit.score,
                    rank=0,
                    via=via,
                )
            )
    return result
