"""The index on disk (or in a Chroma server): the active Chroma collection, the BM25 index
beside it, and the manifest that says which build is live.

A build never writes into the live collection: it writes a new one and then replaces the
manifest in one atomic rename, so readers always see one complete build.

A small build is read whole into memory and searched exactly. A large one (more chunks than
`HKLAW_EXACT_LIMIT` when it was built) is searched through Chroma's HNSW index, its texts are
fetched from Chroma when read, and its BM25 arrays are memory-mapped: the answering process then
holds only ids, compact metadata and what it recently read.
"""

import json
import os
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import bm25s
import chromadb
import httpx
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


# Chroma's HNSW parameters for large builds, chosen with benchmarks/bench_scale.py (recall@10
# of approximate against exact search on the gold questions) and recorded in each manifest.
HNSW = {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 500}
TEXT_CACHE = 20_000
VECTOR_CACHE = 50_000
METADATA_PAGE = 5_000


class IndexMissing(RuntimeError):
    """There is no usable index yet; the message says how to build one."""


class ServerUnavailable(IndexMissing):
    """The Chroma server a large build is read from stopped answering mid-session."""


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


class Search(BaseModel):
    """How a build is searched: "exact" in memory, or "hnsw" through Chroma, with the HNSW
    parameters its collections were made with and the collection of its multilingual vectors."""

    mode: Literal["exact", "hnsw"] = "exact"
    hnsw: dict[str, Any] = {}
    multilingual_collection: str | None = None


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
    search: Search = Search()


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
    """Memory-mapped: processes answering from the same build share one copy of its arrays."""
    retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
    ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
    return retriever, ids


class Index:
    """One build. A small one is read whole into memory when opened: every chunk's text,
    metadata and vector, the BM25 index and the sentence vectors; answering then never goes back
    to Chroma, so a process keeps answering from the build it opened even after a rebuild has
    dropped it. A large one ("hnsw" in its manifest) keeps only ids and metadata in memory and
    asks Chroma for nearest chunks and for texts."""

    def __init__(self, index_dir: Path | None = None) -> None:
        self.dir = index_dir or config.index_dir()
        manifest = read_manifest(self.dir)
        if manifest is None:
            raise IndexMissing(f"no index in {self.dir}: build it with `python -m assistant index`")
        self.manifest = manifest
        self.approximate = manifest.search.mode == "hnsw"
        try:
            chroma = client(self.dir)
            self.collection = chroma.get_collection(
                manifest.collection, embedding_function=embed.ChromaEmbedding()
            )
            self.bm25, self.bm25_ids = load_bm25(self.dir / manifest.bm25_dir)
            if self.approximate:
                self._open_large(chroma)
            else:
                self._open_small()
        except IndexMissing:
            raise
        except Exception as exc:
            raise IndexMissing(
                f"the index in {self.dir} is incomplete ({exc}): rebuild it with "
                "`python -m assistant index`"
            ) from exc
        self.sentences = load_vectors(self.dir / manifest.sentences) if manifest.sentences else {}
        self.rows = {cid: row for row, cid in enumerate(self.ids)}
        collection = self.collection if self.approximate else None
        self.english = Space("english", self.vectors, self.sentences, self.embedder, collection)
        self._rare: dict[tuple[str, tuple[str, ...]], tuple[list[str], np.ndarray]] = {}
        self._rare_lock = threading.Lock()

    def _open_small(self) -> None:
        stored = self.collection.get(include=["documents", "metadatas", "embeddings"])
        self.ids: list[str] = stored["ids"]
        self.vectors: np.ndarray | None = np.asarray(stored["embeddings"])
        self.texts: Mapping[str, str] = dict(zip(self.ids, stored["documents"], strict=True))
        self.metadata: Mapping[str, Mapping[str, Any]] = dict(
            zip(self.ids, stored["metadatas"], strict=True)
        )
        self.multilingual = _multilingual_space(self.dir, self.manifest.multilingual, self.ids)

    def _open_large(self, chroma: Any) -> None:
        self.ids = self.bm25_ids
        self.vectors = None
        self.metadata = _compact_metadata(self.collection, self.ids)
        self.texts = ChromaTexts(self.collection, self.metadata)
        name = self.manifest.search.multilingual_collection
        self.multilingual = None
        if name and self.manifest.multilingual:
            self.multilingual = Space(
                "multilingual",
                None,
                load_vectors(self.dir / self.manifest.multilingual.sentences),
                embed.load_multilingual,
                chroma.get_collection(name),
            )

    def embedder(self) -> embed.TextEmbedder:
        return query_embedder(self.dir, self.manifest)

    def space(self, name: str) -> "Space":
        """An embedding model's view of this build: "english", or "multilingual" (the English
        one for a build made before the multilingual model was added)."""
        if name == "multilingual" and self.multilingual is not None:
            return self.multilingual
        return self.english

    @cached_property
    def kind_counts(self) -> Counter[str]:
        return Counter(str(meta["kind"]) for meta in self.metadata.values())

    def kind_share(self, kinds: tuple[str, ...]) -> float:
        """The share of chunks of these kinds."""
        return sum(self.kind_counts[kind] for kind in kinds) / max(len(self.ids), 1)

    def vectors_of_kinds(
        self, space: "Space", kinds: tuple[str, ...]
    ) -> tuple[list[str], np.ndarray]:
        """The chunks of a few rare kinds (help pages among a statute book) and their vectors,
        read once: Chroma filters a search by scanning every chunk's metadata, which costs more
        than comparing a few thousand vectors here."""
        key = (space.name, kinds)
        with self._rare_lock:
            if key not in self._rare:
                ids = [cid for cid, meta in self.metadata.items() if meta["kind"] in kinds]
                self._rare[key] = (ids, space.vectors_of(ids, self.rows))
            return self._rare[key]


@dataclass(frozen=True)
class Space:
    """One embedding model's view of a build: the chunk vectors (rows in index order) or, for a
    large build, the Chroma collection that holds them; the document sentences' vectors; and
    the model that embeds a question the same way."""

    name: str
    vectors: np.ndarray | None
    sentences: dict[str, np.ndarray]
    embedder: Callable[[], Any]
    collection: Any = None
    read: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def nearest(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The n chunks closest to vector by Chroma's HNSW search, with cosine similarities."""
        found = from_chroma(
            lambda: self.collection.query(
                query_embeddings=[vector.tolist()], n_results=n, include=["distances"]
            )
        )
        return [
            (cid, 1.0 - float(distance))
            for cid, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]

    def vectors_of(self, chunk_ids: list[str], rows: dict[str, int]) -> np.ndarray:
        """The stored vectors of some chunks, in the order given."""
        if self.vectors is not None:
            return self.vectors[[rows[cid] for cid in chunk_ids]]
        have = {cid: self.read.get(cid) for cid in chunk_ids}
        missing = [cid for cid, vector in have.items() if vector is None]
        if missing:
            found = from_chroma(lambda: self.collection.get(ids=missing, include=["embeddings"]))
            fetched = dict(zip(found["ids"], found["embeddings"], strict=True))
            have |= fetched
            if len(self.read) > VECTOR_CACHE:
                self.read.clear()
            self.read.update(fetched)
        return np.asarray([have[cid] for cid in chunk_ids], dtype=np.float32)


def read_ahead(texts: Mapping[str, str], chunk_ids: Iterable[str]) -> None:
    """Texts about to be read one by one, fetched in one request when they live in Chroma (a
    large build); nothing to do when they are in memory."""
    if isinstance(texts, ChromaTexts):
        texts.prefetch(chunk_ids)


def from_chroma(call: Callable[[], Any]) -> Any:
    """A read from Chroma mid-answer (a large build's search and texts, the uploads); a server
    that has gone away is one clear line, and the next question tries again."""
    try:
        return call()
    except (httpx.TransportError, OSError) as exc:
        server = config.chroma_server()
        where = f"the Chroma server at {server[0]}:{server[1]}" if server else "the Chroma store"
        raise ServerUnavailable(
            f"lost {where} ({type(exc).__name__}); answering resumes when it is back"
        ) from exc


class Row(Mapping[str, Any]):
    """One chunk's metadata in a few dozen bytes: chunks with the same keys share one key table,
    and repeated values (titles, paths, dates) are stored once."""

    __slots__ = ("_keys", "_values")

    def __init__(self, keys: dict[str, int], values: tuple[Any, ...]) -> None:
        self._keys = keys
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[self._keys[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _compact_metadata(collection: Any, ids: list[str]) -> dict[str, Row]:
    """Read by pages of ids, in index order."""
    tables: dict[tuple[str, ...], dict[str, int]] = {}
    pool: dict[str, str] = {}
    read: dict[str, Row] = {}
    for start in range(0, len(ids), METADATA_PAGE):
        page = collection.get(ids=ids[start : start + METADATA_PAGE], include=["metadatas"])
        for cid, meta in zip(page["ids"], page["metadatas"], strict=True):
            names = tuple(meta)
            keys = tables.setdefault(names, {name: i for i, name in enumerate(names)})
            values = tuple(
                pool.setdefault(value, value) if isinstance(value, str) else value
                for value in meta.values()
            )
            read[cid] = Row(keys, values)
    return {cid: read[cid] for cid in ids}


class ChromaTexts(Mapping[str, str]):
    """Chunk texts of a large build, read from Chroma when first asked for; the TEXT_CACHE most
    recently used are kept."""

    def __init__(self, collection: Any, known: Mapping[str, Any]) -> None:
        self.collection = collection
        self.known = known
        self.cache: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def prefetch(self, chunk_ids: Iterable[str]) -> None:
        """Read in one request those not read yet."""
        with self.lock:
            wanted = dict.fromkeys(chunk_ids)
            missing = [cid for cid in wanted if cid in self.known and cid not in self.cache]
        if not missing:
            return
        found = from_chroma(lambda: self.collection.get(ids=missing, include=["documents"]))
        with self.lock:
            self.cache.update(zip(found["ids"], found["documents"], strict=True))
            while len(self.cache) > TEXT_CACHE:
                self.cache.popitem(last=False)

    def __getitem__(self, chunk_id: str) -> str:
        if chunk_id not in self.known:
            raise KeyError(chunk_id)
        with self.lock:
            text = self.cache.get(chunk_id)
            if text is not None:
                self.cache.move_to_end(chunk_id)
                return text
        self.prefetch([chunk_id])
        with self.lock:
            text = self.cache.get(chunk_id)
        if text is None:
            raise KeyError(chunk_id)
        return text

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self.known

    def __iter__(self) -> Iterator[str]:
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)


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
