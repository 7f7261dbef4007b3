"""Documents a person uploaded, searched beside the corpus so they are cited like any source.

They live in a second Chroma collection that the app fills while it runs, so their BM25 index is
built in memory and rebuilt whenever the set of uploaded chunks changes.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from chromadb.errors import NotFoundError

from assistant import store
from assistant.embed import ChromaEmbedding

USER_COLLECTION = "user-docs"


@dataclass(frozen=True)
class UserDocs:
    collection: Any
    ids: list[str]
    texts: dict[str, str]
    metadata: dict[str, dict[str, Any]]
    vectors: np.ndarray
    bm25: bm25s.BM25


@cache
def _client(index_dir: Path) -> Any:
    return store.client(index_dir)


_loaded: dict[Path, UserDocs] = {}


def user_docs(index: store.Index) -> UserDocs | None:
    """The uploaded chunks, or None when nobody has uploaded anything."""
    try:
        collection = store.from_chroma(
            lambda: _client(index.dir).get_collection(
                USER_COLLECTION, embedding_function=ChromaEmbedding()
            )
        )
    except NotFoundError:
        return None
    ids = store.from_chroma(lambda: collection.get(include=[])["ids"])
    if not ids:
        return None
    loaded = _loaded.get(index.dir)
    if loaded is None or set(loaded.ids) != set(ids):
        loaded = store.from_chroma(lambda: _load(collection))
        _loaded[index.dir] = loaded
    return loaded


def _load(collection: Any) -> UserDocs:
    stored = collection.get(include=["documents", "metadatas", "embeddings"])
    ids, texts = stored["ids"], stored["documents"]
    retriever = bm25s.BM25()
    retriever.index(store.bm25_tokenize(texts), show_progress=False)
    return UserDocs(
        collection=collection,
        ids=ids,
        texts=dict(zip(ids, texts, strict=True)),
        metadata=dict(zip(ids, stored["metadatas"], strict=True)),
        vectors=np.asarray(stored["embeddings"]),
        bm25=retriever,
    )
