"""The index on disk (or in a Chroma server): the active Chroma collection, the BM25 index
beside it, and the manifest that says which build is live.

A build never writes into the live collection: it writes a new one and then replaces the
manifest in one atomic rename, so readers always see one complete build.
"""

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import numpy as np
import Stemmer
from pydantic import BaseModel

from assistant import config, embed
from assistant.text import zh_words

MANIFEST = "manifest.json"
COLLECTION_PREFIX = "chunks-"
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_STEMMER = Stemmer.Stemmer("english")
_CLIENT_LOCK = threading.Lock()


class IndexMissing(RuntimeError):
    """There is no usable index yet; the message says how to build one."""


class SourceRecord(BaseModel):
    source_file: str
    sha256: str
    doc_id: str
    kind: str
    chunks: int


class QueryModel(BaseModel):
    """The ONNX copy of the model that answering embeds questions with (see assistant/embed.py)."""

    file: str
    sha256: str


class Multilingual(BaseModel):
    """The multilingual model's vectors of every chunk and document sentence (see embed.py)."""

    model: str
    chunks: str
    sentences: str


class Manifest(BaseModel):
    """What was built from what, with which model: the basis of incremental rebuilds."""

    collection: str
    bm25_dir: str
    model: str
    pipeline: str
    built_at: str
    chunks: int
    inputs: dict[str, str]
    sources: list[SourceRecord]
    skipped: list[str] = []
    query_model: QueryModel | None = None
    sentences: str | None = None
    multilingual: Multilingual | None = None
    classifier: dict[str, Any] | None = None


def _settings() -> chromadb.Settings:
    """New each time: Chroma's client constructors write into the settings they are given."""
    return chromadb.Settings(anonymized_telemetry=False)


def client(index_dir: Path | None = None) -> Any:
    """A Chroma client: a server when CHROMA_HOST is set, else the folder under the index dir.

    Made under a lock: Chroma shares one system per folder, and two threads creating it at once
    (the app warms up while the first question arrives) leave it half-started.
    """
    with _CLIENT_LOCK:
        return _client(index_dir)


def _client(index_dir: Path | None) -> Any:
    server = config.chroma_server()
    if server:
        host, port = server
        try:
            return chromadb.HttpClient(host=host, port=port, settings=_settings())
        except Exception as exc:
            raise IndexMissing(
                f"cannot reach the Chroma server at {host}:{port}: start it "
                "or unset CHROMA_HOST to use the index on disk"
            ) from exc
    folder = (index_dir or config.index_dir()) / "chroma"
    folder.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(folder), settings=_settings())


def read_manifest(index_dir: Path | None = None) -> Manifest | None:
    path = (index_dir or config.index_dir()) / MANIFEST
    if not path.exists():
        return None
    return Manifest.model_validate_json(path.read_text(encoding="utf-8"))


def write_manifest(manifest: Manifest, index_dir: Path | None = None) -> None:
    """Atomic: a reader sees the old manifest or the new one, never half of one."""
    folder = index_dir or config.index_dir()
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def bm25_tokenize(texts: list[str]) -> Any:
    """English words stemmed; Chinese runs cut into words by a segmenter that knows the legal
    and Cantonese terms (assistant/zh_terms.txt)."""

    def words(match: re.Match[str]) -> str:
        return " ".join(zh_words(match.group(0)))

    spaced = [_CJK_RUN.sub(lambda m: f" {words(m)} ", text) for text in texts]
    return bm25s.tokenize(
        spaced,
        stopwords="en",
        stemmer=_STEMMER.stemWords,
        token_pattern=r"(?u)\b\w+\b",
        show_progress=False,
    )


def save_bm25(texts: list[str], ids: list[str], folder: Path) -> None:
    retriever = bm25s.BM25()
    retriever.index(bm25_tokenize(texts), show_progress=False)
    retriever.save(str(folder), show_progress=False)
    (folder / "ids.json").write_text(json.dumps(ids), encoding="utf-8")


def save_vectors(vectors: dict[str, Any], path: Path) -> None:
    """Vectors by key (a sentence, or a chunk id), stored as two arrays: keys and vectors."""
    texts = list(vectors)
    matrix = np.asarray([vectors[text] for text in texts], dtype=np.float32).reshape(len(texts), -1)
    with path.open("wb") as handle:
        np.savez(handle, texts=np.asarray(texts, dtype=str), vectors=matrix)


def load_vectors(path: Path) -> dict[str, np.ndarray]:
    """{} when the build made none (an index from before they were stored)."""
    if not path.is_file():
        return {}
    with np.load(path) as stored:
        return dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))


def load_bm25(folder: Path) -> tuple[bm25s.BM25, list[str]]:
    retriever = bm25s.BM25.load(str(folder), show_progress=False)
    ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
    return retriever, ids


class Index:
    """One build, read whole into memory when opened: every chunk's text, metadata and vector,
    the BM25 index and the sentence vectors. Answering then never goes back to Chroma, so a
    process keeps answering from the build it opened even after a rebuild has dropped it."""

    def __init__(self, index_dir: Path | None = None) -> None:
        self.dir = index_dir or config.index_dir()
        manifest = read_manifest(self.dir)
        if manifest is None:
            raise IndexMissing(f"no index in {self.dir}: build it with `python -m assistant index`")
        self.manifest = manifest
        try:
            self.collection = client(self.dir).get_collection(
                manifest.collection, embedding_function=embed.ChromaEmbedding()
            )
        except IndexMissing:
            raise
        except Exception as exc:
            raise IndexMissing(
                f"the index in {self.dir} is incomplete ({exc}): rebuild it with "
                "`python -m assistant index`"
            ) from exc
        self.bm25, self.bm25_ids = load_bm25(self.dir / manifest.bm25_dir)
        self.sentences = load_vectors(self.dir / manifest.sentences) if manifest.sentences else {}
        stored = self.collection.get(include=["documents", "metadatas", "embeddings"])
        self.ids: list[str] = stored["ids"]
        self.rows = {cid: row for row, cid in enumerate(self.ids)}
        self.vectors = np.asarray(stored["embeddings"])
        self.texts: dict[str, str] = dict(zip(self.ids, stored["documents"], strict=True))
        self.metadata: dict[str, dict[str, Any]] = dict(
            zip(self.ids, stored["metadatas"], strict=True)
        )

        self.multilingual = _multilingual_space(self.dir, manifest.multilingual, self.ids)

    def embedder(self) -> embed.TextEmbedder:
        return query_embedder(self.dir, self.manifest)

    def space(self, name: str) -> "Space":
        """An embedding model's view of this build: "english", or "multilingual" (the English
        one for a build made before the multilingual model was added)."""
        if name == "multilingual" and self.multilingual is not None:
            return self.multilingual
        return Space("english", self.vectors, self.sentences, self.embedder)


@dataclass(frozen=True)
class Space:
    """One embedding model's view of a build: the chunk vectors (rows in index order), the
    document sentences' vectors, and the model that embeds a question the same way."""

    name: str
    vectors: np.ndarray
    sentences: dict[str, np.ndarray]
    embedder: Callable[[], Any]


def _multilingual_space(folder: Path, stored: Multilingual | None, ids: list[str]) -> Space | None:
    """None for a build made before the multilingual model was added: such a build answers
    Chinese through the English model, as it did."""
    if stored is None:
        return None
    by_id = load_vectors(folder / stored.chunks)
    if any(cid not in by_id for cid in ids):
        return None
    return Space(
        "multilingual",
        np.asarray([by_id[cid] for cid in ids]),
        load_vectors(folder / stored.sentences),
        embed.load_multilingual,
    )


def query_embedder(
    index_dir: Path | None = None, manifest: Manifest | None = None
) -> embed.TextEmbedder:
    """The model that embeds questions, sentences and uploads for this index: its ONNX copy when
    the build made one, else the full model."""
    folder = index_dir or config.index_dir()
    manifest = manifest or read_manifest(folder)
    model = manifest.query_model if manifest else None
    if model is None:
        return embed.query_embedder()
    return embed.query_embedder(folder / model.file, model.sha256)
