"""Hybrid retrieval: dense (the vectors stored in Chroma) and BM25 rankings fused by reciprocal
rank fusion, one result per section.

People ask in plain words and the law answers in its own: BM25 finds exact terms ("s.159AAE",
"intimate image"), the dense model finds paraphrases ("fake nudes"). Reciprocal rank fusion
needs no calibration between the two kinds of score. Results are sections (a statute section or
a whole document) because that is what a citation counts as; each carries its best chunk.
"""

import threading
from collections import ChainMap, defaultdict
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import bm25s
import numpy as np
from pydantic import BaseModel

from assistant import config
from assistant.retrieve import expand
from assistant.retrieve.catalog import catalog
from assistant.retrieve.user_docs import UserDocs, user_docs
from assistant.store import MANIFEST, Index, bm25_tokenize, read_ahead

RRF_K = 60
CANDIDATES = 50
PARTIAL_SORT = 100_000
TOP_BM25 = 5_000
RARE_SHARE = 0.05
MAX_NEAREST = 1_000

_OPEN: dict[Path, tuple[int | None, Index]] = {}
_OPENING = threading.Lock()

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
    dense_multilingual: float | None = None
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


def load_index() -> Index:
    """The live index: opened once per process, and again when a build has gone live since (its
    manifest was replaced), so a running app or chat answers from the new build without a
    restart. Opening is serialised: Chroma's client setup is not safe in two threads at once."""
    folder = config.index_dir()
    manifest = folder / MANIFEST
    stamp = manifest.stat().st_mtime_ns if manifest.exists() else None
    with _OPENING:
        opened = _OPEN.get(folder)
        if opened is None or opened[0] != stamp:
            opened = (stamp, Index(folder))
            _OPEN[folder] = opened
            query_vector.cache_clear()
        return opened[1]


def search(
    query: str,
    k: int = 8,
    mode: Mode = "hybrid",
    expand: bool = True,
    index: Index | None = None,
    kinds: tuple[str, ...] | None = None,
    spaces: tuple[str, ...] = ("english",),
    languages: tuple[str, ...] | None = None,
) -> list[Hit]:
    """The k best sections for query, best first; with expand, legal expansion adds the
    definitions and cited provisions right after the hit that needs them. kinds limits the
    search to some kinds of source, e.g. ("help",), and languages to texts in some languages
    ("en", "zh"). spaces are the embedding models whose rankings are fused (dense and hybrid
    modes)."""
    index = index or load_index()
    uploaded = user_docs(index) if kinds is None or "user" in kinds else None
    wanted = _wanted(kinds, languages)
    rankings = []
    if mode in ("hybrid", "dense"):
        for space in dict.fromkeys(index.space(name).name for name in spaces):
            name = "dense" if space == "english" else f"dense_{space}"
            rankings.append((name, _dense(query, index, uploaded, wanted, space, kinds)))
    if mode in ("hybrid", "bm25"):
        rankings.append(("bm25", _bm25(query, index.bm25, index.bm25_ids, index.metadata, wanted)))
    if mode in ("hybrid", "bm25") and uploaded:
        # A separate ranking: BM25 scores of indexes of different sizes are not comparable.
        rankings.append(
            ("bm25", _bm25(query, uploaded.bm25, uploaded.ids, uploaded.metadata, wanted))
        )
    read_ahead(index.texts, (cid for _, ranking in rankings for cid, _ in ranking))
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


@lru_cache(maxsize=64)
def query_vector(query: str, space: str = "english") -> tuple[float, ...]:
    """The query's embedding by one model, kept for a few queries: one answer classifies the
    question, searches the corpus and the help documents and ranks leads with it, and the
    model costs most of that."""
    return tuple(load_index().space(space).embedder().embed_query(query))


def bm25_scores(query: str, chunk_ids: list[str], index: Index | None = None) -> dict[str, float]:
    """BM25 scores of given corpus chunks for query, e.g. to compare documents' leads."""
    index = index or load_index()
    scores = _bm25_all(query, index.bm25)
    positions = _positions(index)
    return {cid: float(scores[positions[cid]]) for cid in chunk_ids if cid in positions}


@lru_cache(maxsize=4)
def _positions(index: Index) -> dict[str, int]:
    return {cid: i for i, cid in enumerate(index.bm25_ids)}


def _bm25_all(query: str, retriever: bm25s.BM25) -> np.ndarray:
    """Every chunk's score; zeros when no word of the query is in the index."""
    tokenized = bm25_tokenize([query])
    words = {number: word for word, number in tokenized.vocab.items()}
    known = retriever.get_tokens_ids([words[number] for number in tokenized.ids[0]])
    if not known:
        return np.zeros(retriever.scores["num_docs"])
    return retriever.get_scores(known)


Wanted = Callable[[Mapping[str, Any]], bool]


def _wanted(kinds: tuple[str, ...] | None, languages: tuple[str, ...] | None) -> Wanted:
    def wanted(metadata: Mapping[str, Any]) -> bool:
        language = str(metadata.get("language") or "en")[:2]
        return (not kinds or metadata["kind"] in kinds) and (not languages or language in languages)

    return wanted


class _Chunks:
    """Text and metadata by chunk id across the corpus and the uploaded documents, looked up
    in place: every search makes one, so copying the corpus dicts would cost each query."""

    def __init__(self, index: Index, uploaded: UserDocs | None) -> None:
        self.texts = ChainMap(index.texts, uploaded.texts if uploaded else {})
        self.metadata = ChainMap(index.metadata, uploaded.metadata if uploaded else {})


def _dense(
    query: str,
    index: Index,
    uploaded: UserDocs | None,
    wanted: "Wanted",
    space: str = "english",
    kinds: tuple[str, ...] | None = None,
) -> Ranking:
    """Chunks by cosine similarity. A small build is searched exactly over every stored
    vector: Chroma's approximate search left out a few of the true nearest chunks, different
    ones in each process, so the same question could be answered differently. A large build is
    searched by Chroma's HNSW index (its recall against exact search is measured by
    benchmarks/bench_scale.py), asking for more when a filter will drop some; a search limited
    to rare kinds compares their vectors here instead. The uploads hold the English model's
    normalised vectors, as the corpus does, so their similarities merge into that model's
    ranking."""
    vector = np.asarray(query_vector(query, space))
    view = index.space(space)
    if view.vectors is None and kinds and index.kind_share(kinds) < RARE_SHARE:
        ids, vectors = index.vectors_of_kinds(view, kinds)
        ranking = [
            (cid, float(score))
            for cid, score in zip(ids, vectors @ vector if ids else [], strict=True)
            if wanted(index.metadata[cid])
        ]
    elif view.vectors is None:
        share = index.kind_share(kinds) if kinds else 1.0
        asked = min(int(4 * CANDIDATES / share), MAX_NEAREST)
        ranking = [pair for pair in view.nearest(vector, asked) if wanted(index.metadata[pair[0]])]
    else:
        ranking = [
            (cid, float(score))
            for cid, score in zip(index.ids, view.vectors @ vector, strict=True)
            if wanted(index.metadata[cid])
        ]
    if uploaded and space == "english":
        ranking += [
            (cid, float(score))
            for cid, score in zip(uploaded.ids, uploaded.vectors @ vector, strict=True)
            if wanted(uploaded.metadata[cid])
        ]
    return sorted(ranking, key=lambda pair: pair[1], reverse=True)[:CANDIDATES]


def _bm25(
    query: str,
    retriever: bm25s.BM25,
    ids: list[str],
    metadata: Mapping[str, Mapping[str, Any]],
    wanted: "Wanted",
) -> Ranking:
    scores = _bm25_all(query, retriever)
    best = _first_wanted(_best_first(scores), ids, metadata, wanted)
    if len(best) < CANDIDATES and len(scores) > PARTIAL_SORT:
        best = _first_wanted(_best_first(scores, whole=True), ids, metadata, wanted)
    return [(ids[i], float(scores[i])) for i in best]


def _first_wanted(
    order: list[int], ids: list[str], metadata: Mapping[str, Mapping[str, Any]], wanted: "Wanted"
) -> list[int]:
    best: list[int] = []
    for i in order:
        if wanted(metadata[ids[i]]):
            best.append(i)
            if len(best) == CANDIDATES:
                break
    return best


def _best_first(scores: np.ndarray, whole: bool = False) -> list[int]:
    """Positions of positive scores, best first. Past PARTIAL_SORT chunks only the best
    TOP_BM25 are sorted, unless the whole order is asked for (a filter left too few): sorting a
    million scores costs more than the rest of the search."""
    if whole or len(scores) <= PARTIAL_SORT:
        order = np.argsort(-scores)
    else:
        top = np.argpartition(-scores, TOP_BM25)[:TOP_BM25]
        order = top[np.argsort(-scores[top])]
    return order[scores[order] > 0].tolist()


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
            dense_multilingual=raw[section].get("dense_multilingual"),
            bm25=raw[section].get("bm25"),
        )
        for rank, section in enumerate(ordered, start=1)
    ]


def _expand(hits: list[Hit], index: Index, k: int) -> list[Hit]:
    """Each hit followed by what legal expansion adds for it; a section comes once, where it
    first appears, and so does a document: its twin in the other language says the same, and
    the answer is read from the twin in the question's language whichever one was found."""
    found = catalog(index)
    placed: set[str] = set()
    result: list[Hit] = []
    for hit in hits:
        if len(result) >= k:
            break
        doc_id = str(hit.metadata.get("doc_id", ""))
        same = found.twins.get(doc_id, {}).get("en", doc_id) if hit.kind != "statute" else ""
        if hit.section_cite in placed or same in placed:
            continue
        placed.update(cite for cite in (hit.section_cite, same) if cite)
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
