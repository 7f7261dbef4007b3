"""The RAG a user would build from a tutorial: the corpus as plain text, cut into fixed-size
pieces, embedded with the same MiniLM model, stored in Chroma, the top pieces as the answer.

No statute structure, no BM25, no classifier: each statute becomes one text (its sections
one after another, each under its number and heading) and each document its Markdown body,
split by LangChain's `RecursiveCharacterTextSplitter`. A piece is cited by the section its
text starts in (a document's pieces by `doc:<id>`), and quotes itself whole, so
`citation_validity` shows how often such a piece is really text of the section it names.

The store is built on first use into `<index>/baselines/tutorial-<key>`, the key hashing the
corpus files, the splitter settings and the model, and reused while they stay the same.
"""

import bisect
import hashlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
from langchain_text_splitters import RecursiveCharacterTextSplitter
from tqdm import tqdm

from assistant import config
from assistant.answer.schema import Answer
from assistant.citations import doc_cite
from assistant.embed import ChromaEmbedding, load_embedder, model_identity
from assistant.ingest.build import corpus_files, corpus_inputs
from assistant.ingest.documents import DocumentError, load_document
from assistant.ingest.statutes import StatuteError, load_statute
from assistant.store import Index
from evals.dataset import Example
from evals.systems.quoted import Passage, quoted_answer

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 100
DEPTH = 10
BATCH = 64
COLLECTION = "tutorial"


@dataclass(frozen=True)
class Source:
    """One corpus file as plain text; `starts` maps character offsets to the citation id of
    the text from there on."""

    text: str
    starts: list[tuple[int, str]]
    meta: dict[str, str]

    def cite_at(self, offset: int) -> str:
        position = bisect.bisect_right([start for start, _ in self.starts], offset) - 1
        return self.starts[max(position, 0)][1]


def answerer(index: Index) -> Callable[[Example], Answer]:
    collection = open_store(config.corpus_dir(), index.dir / "baselines")
    embedder = index.embedder()
    embedder.embed_query("law")

    def ask(example: Example) -> Answer:
        found = collection.query(
            query_embeddings=[embedder.embed_query(example.question)],
            n_results=DEPTH,
            include=["documents", "metadatas"],
        )
        passages = [
            Passage(text=text, **meta)
            for text, meta in zip(found["documents"][0], found["metadatas"][0], strict=True)
        ]
        return quoted_answer(example, passages, [p.cite for p in passages])

    return ask


def open_store(corpus: Path, folder: Path) -> Any:
    """The collection for this corpus, built first if there is none."""
    store = folder / f"tutorial-{store_key(corpus)}"
    if not store.is_dir():
        _build(corpus, store)
    client = chromadb.PersistentClient(
        path=str(store), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    return client.get_collection(COLLECTION, embedding_function=ChromaEmbedding())


def store_key(corpus: Path) -> str:
    settings = {
        "inputs": corpus_inputs(corpus),
        "chunk_size": CHUNK_SIZE,
        "chunk_overlap": CHUNK_OVERLAP,
        "model": model_identity(),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def sources(corpus: Path) -> Iterator[Source]:
    """Every readable corpus file as plain text; one that cannot be read is skipped, as the
    index build skips it."""
    for path in corpus_files(corpus):
        try:
            yield _statute(path) if path.suffix == ".xml" else _document(path)
        except (StatuteError, DocumentError, OSError):
            continue


def pieces(source: Source) -> Iterator[tuple[str, dict[str, str]]]:
    """Fixed-size pieces of the text, each with the metadata a citation needs."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    for piece in splitter.create_documents([source.text]):
        cite = source.cite_at(piece.metadata["start_index"])
        yield piece.page_content, {"cite": cite, **source.meta}


def _statute(path: Path) -> Source:
    ordinance = load_statute(path)
    text = f"{ordinance.short_title} (Cap. {ordinance.chapter})"
    starts = []
    for section in ordinance.sections:
        text += "\n\n"
        starts.append((len(text), section.cite))
        text += f"{section.number}. {section.heading}\n{section.text}".strip()
    meta = {
        "doc_id": f"cap{ordinance.chapter}-{ordinance.language}".lower(),
        "title": ordinance.short_title,
        "url": "",
        "version_date": ordinance.version_date,
    }
    return Source(text, starts or [(0, f"Cap. {ordinance.chapter}")], meta)


def _document(path: Path) -> Source:
    doc = load_document(path)
    meta = {
        "doc_id": doc.meta.id,
        "title": doc.meta.title,
        "url": doc.meta.url,
        "version_date": doc.meta.date.isoformat(),
    }
    return Source(doc.body, [(0, doc_cite(doc.meta.id))], meta)


def _build(corpus: Path, store: Path) -> None:
    """Into a folder beside the store, renamed into place when whole: an interrupted build
    leaves nothing that a later run would take for a store."""
    texts, metadatas = [], []
    for source in sources(corpus):
        for text, meta in pieces(source):
            texts.append(text)
            metadatas.append(meta)
    store.parent.mkdir(parents=True, exist_ok=True)
    tmp = store.parent / f".{store.name}.{uuid.uuid4().hex}.tmp"
    try:
        client = chromadb.PersistentClient(
            path=str(tmp), settings=chromadb.Settings(anonymized_telemetry=False)
        )
        collection = client.create_collection(
            COLLECTION, embedding_function=ChromaEmbedding(), metadata={"hnsw:space": "cosine"}
        )
        embedder = load_embedder()
        bar = tqdm(total=len(texts), desc="tutorial store", unit="chunk", file=sys.stderr)
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            collection.add(
                ids=[str(n) for n in range(start, start + len(batch))],
                documents=batch,
                metadatas=metadatas[start : start + BATCH],
                embeddings=embedder.embed_documents(batch),
            )
            bar.update(len(batch))
        bar.close()
        _move(tmp, store)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move(tmp: Path, store: Path) -> None:
    """Into place; when another run has put the same store there first, that one is kept."""
    try:
        os.replace(tmp, store)
    except OSError:
        if not store.is_dir():
            raise
