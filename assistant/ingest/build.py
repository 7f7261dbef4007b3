"""Build or update the index from corpus/: incremental, and safe to interrupt.

Chunk ids are content hashes, so an unchanged chunk keeps its embedding and only new or changed
text is embedded. Every build fills a fresh collection and BM25 folder and goes live by replacing
the manifest, so a crash mid-way leaves the previous build serving.
"""

import hashlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from chromadb.errors import ChromaError
from pydantic import BaseModel

from assistant import classifier, config, store
from assistant.embed import (
    ChromaEmbedding,
    export_onnx,
    load_embedder,
    load_multilingual,
    model_identity,
    multilingual_identity,
    query_model_file,
)
from assistant.ingest import chunk, documents, statutes
from assistant.ingest.chunk import Chunk
from assistant.text import sentences

DOC_FOLDERS = ("explainers", "guidelines", "news", "help")
ADD_BATCH = 500
PIPELINE_FILES = (chunk.__file__, documents.__file__, statutes.__file__, store.__file__)


class BuildError(RuntimeError):
    """The build could not finish writing; the message says so in one line."""


class BuildSummary(BaseModel):
    documents: int
    chunks: int
    added: int
    kept: int
    removed: int
    seconds: float
    embed_seconds: float = 0.0
    skipped: list[str]
    notes: list[str] = []
    up_to_date: bool = False

    def line(self) -> str:
        if self.up_to_date:
            return (
                f"index is up to date: {self.documents} documents, {self.chunks} chunks "
                f"({self.seconds:.2f} s)"
            )
        rate = f", embedding {self.added / self.embed_seconds:.0f} chunks/s" if self.added else ""
        return (
            f"indexed {self.documents} documents: {self.chunks} chunks "
            f"({self.added} added, {self.kept} kept, {self.removed} removed) "
            f"in {self.seconds:.1f} s{rate}"
        )


def pipeline_fingerprint() -> str:
    """Changes whenever the code that shapes chunks changes, so their ids are recomputed."""
    digest = hashlib.sha256()
    for path in PIPELINE_FILES:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def corpus_files(corpus: Path) -> list[Path]:
    statute_files = sorted((corpus / "statutes").glob("*.xml"))
    doc_files = sorted(
        path
        for folder in DOC_FOLDERS
        for path in (corpus / folder).glob("**/*.md")
        if path.name != "README.md"
    )
    return statute_files + doc_files


def shown_path(path: Path) -> str:
    """Paths inside the project are recorded relative to it, so a manifest or a citation's
    source file reads the same on every machine."""
    resolved = path.resolve()
    return (
        str(resolved.relative_to(config.ROOT))
        if resolved.is_relative_to(config.ROOT)
        else str(path)
    )


def corpus_inputs(corpus: Path) -> dict[str, str]:
    """sha256 of every corpus file by its shown path: what a build is built from."""
    files = corpus_files(corpus)
    return {shown_path(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def is_current(manifest: store.Manifest | None, inputs: dict[str, str], index_dir: Path) -> bool:
    """True when a build would change nothing: same files, same model, same chunking code, and
    the model's ONNX copy in place."""
    return (
        manifest is not None
        and manifest.inputs == inputs
        and manifest.model == model_identity()
        and manifest.pipeline == pipeline_fingerprint()
        and _kept_query_model(manifest, index_dir) is not None
        and manifest.sentences is not None
        and (index_dir / manifest.sentences).is_file()
        and manifest.multilingual is not None
        and manifest.multilingual.model == multilingual_identity()
        and all(
            (index_dir / name).is_file()
            for name in (manifest.multilingual.chunks, manifest.multilingual.sentences)
        )
        and classifier.is_current(index_dir, manifest.classifier)
        and manifest.search.mode == _search_mode(manifest.chunks)
    )


def _search_mode(chunks: int) -> Literal["exact", "hnsw"]:
    return "hnsw" if chunks > config.exact_limit() else "exact"


def _kept_query_model(manifest: store.Manifest | None, index_dir: Path) -> store.QueryModel | None:
    model = manifest.query_model if manifest else None
    target = query_model_file(index_dir)
    return model if model and model.file == target.name and target.exists() else None


def _query_model(
    index_dir: Path, manifest: store.Manifest | None, chunks: list[Chunk], vectors: dict[str, Any]
) -> store.QueryModel:
    """The last build's ONNX copy when it was exported from the same weights, else a new one,
    checked on the shortest and longest chunks (the longest are cut at the model's limit)."""
    kept = _kept_query_model(manifest, index_dir)
    if kept:
        return kept
    by_length = sorted(chunks, key=lambda c: len(c.embed_text))
    samples = by_length[:4] + by_length[-4:]
    target = query_model_file(index_dir)
    sha256 = export_onnx(
        load_embedder(),
        target,
        [c.embed_text for c in samples],
        [list(vectors[c.id]) for c in samples],
    )
    return store.QueryModel(file=target.name, sha256=sha256)


def load_chunks(files: list[Path]) -> tuple[list[Chunk], list[store.SourceRecord], list[str]]:
    """Chunks for every readable file; a file that cannot be read is reported and skipped."""
    embedder = load_embedder()
    count, limit = embedder.count_tokens, embedder.max_tokens
    chunks: list[Chunk] = []
    records: list[store.SourceRecord] = []
    skipped: list[str] = []
    for path in files:
        try:
            if path.suffix == ".xml":
                ordinance = statutes.load_statute(path)
                ordinance.source_file = shown_path(path)
                found = chunk.chunk_statute(ordinance, count, limit)
                doc_id, kind, digest = chunk.statute_doc_id(ordinance), "statute", ordinance.sha256
            else:
                doc = documents.load_document(path)
                doc.source_file = shown_path(path)
                found = chunk.chunk_document(doc, count, limit)
                doc_id, kind, digest = doc.meta.id, doc.meta.kind, doc.sha256
        except (statutes.StatuteError, documents.DocumentError, OSError) as exc:
            skipped.append(f"{path}: {str(exc).removeprefix(f'{path}: ')}")
            continue
        chunks += found
        records.append(
            store.SourceRecord(
                source_file=shown_path(path),
                sha256=digest,
                doc_id=doc_id,
                kind=kind,
                chunks=len(found),
            )
        )
    unique = {c.id: c for c in chunks}
    return list(unique.values()), records, skipped


def _old_embeddings(client: Any, manifest: store.Manifest | None, ids: list[str]) -> dict[str, Any]:
    if manifest is None or manifest.model != model_identity():
        return {}
    try:
        old = client.get_collection(manifest.collection)
    except Exception:
        return {}
    found = old.get(ids=ids, include=["embeddings"])
    return {
        cid: list(vector) for cid, vector in zip(found["ids"], found["embeddings"], strict=True)
    }


def document_sentences(chunks: list[Chunk]) -> list[str]:
    return sorted(
        {text for c in chunks if c.metadata["kind"] != "statute" for text in sentences(c.text)}
    )


def _reuse_or_embed(
    texts: dict[str, str], old: dict[str, Any], embed_documents: Callable[[list[str]], Any]
) -> dict[str, Any]:
    """Vectors by key: the last build's where it has one, the rest embedded now in one call."""
    missing = [key for key in texts if key not in old]
    fresh = dict(zip(missing, embed_documents([texts[key] for key in missing]), strict=True))
    return {key: old.get(key, fresh.get(key)) for key in texts}


def _sentences(
    index_dir: Path, manifest: store.Manifest | None, chunks: list[Chunk], name: str
) -> None:
    """Embed every sentence of the documents (statutes are quoted whole, never by sentence):
    answering compares them with the question to pick the short answer, and embedding them
    then made the first question on each document slow. The last build's vectors are reused
    when the model is the same."""
    texts = document_sentences(chunks)
    same_model = manifest and manifest.model == model_identity() and manifest.sentences
    old = store.load_vectors(index_dir / manifest.sentences) if same_model else {}
    vectors = _reuse_or_embed({t: t for t in texts}, old, load_embedder().embed_documents)
    store.save_vectors(vectors, index_dir / name)


def _multilingual(
    index_dir: Path, manifest: store.Manifest | None, chunks: list[Chunk], stamp: str
) -> store.Multilingual:
    """The multilingual model's vectors of every chunk and document sentence, the last build's
    reused where the model and the text are the same."""
    model = multilingual_identity()
    old = manifest.multilingual if manifest else None
    if old is not None and old.model != model:
        old = None
    embedder = load_multilingual(os.cpu_count() or 1)
    stored = store.Multilingual(
        model=model, chunks=f"multilingual-{stamp}.npz", sentences=f"msentences-{stamp}.npz"
    )
    for name, texts in (
        ("chunks", {c.id: c.embed_text for c in chunks}),
        ("sentences", {t: t for t in document_sentences(chunks)}),
    ):
        reused = store.load_vectors(index_dir / getattr(old, name)) if old else {}
        vectors = _reuse_or_embed(texts, reused, embedder.embed_documents)
        store.save_vectors(vectors, index_dir / getattr(stored, name))
    return stored


def _multilingual_collection(client: Any, name: str, chunks: list[Chunk], vectors: Path) -> str:
    """A large build's multilingual vectors in a Chroma collection of their own, searched by
    HNSW like the English ones; the kind and language are there to filter on."""
    collection = client.create_collection(name, configuration={"hnsw": store.HNSW})
    by_id = store.load_vectors(vectors)
    for start in range(0, len(chunks), ADD_BATCH):
        batch = chunks[start : start + ADD_BATCH]
        collection.add(
            ids=[c.id for c in batch],
            metadatas=[
                {"kind": c.metadata["kind"], "language": c.metadata["language"]} for c in batch
            ],
            embeddings=[by_id[c.id] for c in batch],
        )
    return name


def _drop_stale(
    client: Any, index_dir: Path, live: store.Manifest, previous: store.Manifest | None
) -> None:
    """Remove collections and BM25 folders of earlier or interrupted builds. A large build's
    readers go back to Chroma for every question, so the build they may still be answering from
    (the one just replaced) keeps its collections until the next build."""
    kept_collections = {live.collection, live.search.multilingual_collection}
    if previous is not None and live.search.mode == "hnsw":
        kept_collections |= {previous.collection, previous.search.multilingual_collection}
    for collection in client.list_collections():
        name = getattr(collection, "name", collection)
        if name.startswith(store.COLLECTION_PREFIX) and name not in kept_collections:
            client.delete_collection(name)
    for folder in index_dir.glob("bm25-*"):
        if folder.name != live.bm25_dir:
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
    kept = {live.sentences}
    if live.multilingual:
        kept |= {live.multilingual.chunks, live.multilingual.sentences}
    if live.classifier:
        kept.add(live.classifier["file"])
    for pattern in ("sentences-*.npz", "multilingual-*.npz", "msentences-*.npz", "classifier-*"):
        for file in index_dir.glob(pattern):
            if file.name not in kept:
                file.unlink()
    for model in index_dir.glob("query-model-*.onnx"):
        if live.query_model is None or model.name != live.query_model.file:
            model.unlink()


def build(corpus: Path | None = None, index_dir: Path | None = None) -> BuildSummary:
    """Build or update the index; returns what was done. Raises nothing for a bad corpus file,
    and BuildError, one line, when the index cannot be written (a full disk, a file size
    limit): the previous build then still serves, since its manifest was never replaced."""
    index_dir = index_dir or config.index_dir()
    try:
        return _build(corpus or config.corpus_dir(), index_dir)
    except OSError as exc:
        reason = f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else exc
        raise BuildError(_failed(index_dir, reason)) from exc
    except ChromaError as exc:
        raise BuildError(_failed(index_dir, " ".join(str(exc).split()))) from exc


def _failed(index_dir: Path, reason: object) -> str:
    return (
        f"the index build in {index_dir} failed ({reason}); the previous build still serves. "
        "Free disk space (or fix the cause) and run `python -m assistant index` again"
    )


def _build(corpus: Path, index_dir: Path) -> BuildSummary:
    started = time.perf_counter()
    index_dir.mkdir(parents=True, exist_ok=True)
    inputs = corpus_inputs(corpus)
    manifest = store.read_manifest(index_dir)
    if is_current(manifest, inputs, index_dir):
        return BuildSummary(
            documents=len(manifest.sources),
            chunks=manifest.chunks,
            added=0,
            kept=manifest.chunks,
            removed=0,
            seconds=time.perf_counter() - started,
            skipped=manifest.skipped,
            up_to_date=True,
        )

    chunks, records, skipped = load_chunks(corpus_files(corpus))
    if not chunks:
        return BuildSummary(
            documents=0,
            chunks=0,
            added=0,
            kept=0,
            removed=0,
            seconds=time.perf_counter() - started,
            skipped=skipped,
        )
    client = store.client(index_dir)
    ids = [c.id for c in chunks]
    reused = _old_embeddings(client, manifest, ids)
    previous = manifest.chunks if manifest else 0
    fresh = [c for c in chunks if c.id not in reused]

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{store.COLLECTION_PREFIX}{stamp}"
    collection = client.create_collection(
        name,
        embedding_function=ChromaEmbedding(),
        configuration={"hnsw": store.HNSW},
        metadata={"model": model_identity()},
    )
    embedding_started = time.perf_counter()
    fresh_vectors = load_embedder().embed_documents(
        [c.embed_text for c in fresh], progress=bool(fresh)
    )
    embedded = {c.id: v for c, v in zip(fresh, fresh_vectors, strict=True)}
    embed_seconds = time.perf_counter() - embedding_started
    vectors = reused | embedded
    for start in range(0, len(chunks), ADD_BATCH):
        batch = chunks[start : start + ADD_BATCH]
        collection.add(
            ids=[c.id for c in batch],
            documents=[c.text for c in batch],
            metadatas=[c.metadata for c in batch],
            embeddings=[vectors[c.id] for c in batch],
        )

    bm25_dir = f"bm25-{stamp}"
    store.save_bm25([c.embed_text for c in chunks], ids, index_dir / bm25_dir)
    notes = []
    try:
        query_model = _query_model(index_dir, manifest, chunks, vectors)
    except Exception as exc:
        # The copy only makes answering start faster; without it answering uses the full model.
        query_model = None
        notes.append(
            f"could not export the model for fast answering ({exc}); answers will use the full "
            "model and start more slowly, and the next build will try again"
        )
    sentences_file = f"sentences-{stamp}.npz"
    _sentences(index_dir, manifest, chunks, sentences_file)
    multilingual = _multilingual(index_dir, manifest, chunks, stamp)
    search = store.Search(mode=_search_mode(len(chunks)), hnsw=store.HNSW)
    if search.mode == "hnsw":
        search.multilingual_collection = _multilingual_collection(
            client, f"{name}-multilingual", chunks, index_dir / multilingual.chunks
        )
    trained = classifier.train_or_keep(index_dir, manifest.classifier if manifest else None)
    live = store.Manifest(
        collection=name,
        bm25_dir=bm25_dir,
        model=model_identity(),
        pipeline=pipeline_fingerprint(),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        chunks=len(chunks),
        inputs=inputs,
        sources=records,
        skipped=skipped,
        query_model=query_model,
        sentences=sentences_file,
        multilingual=multilingual,
        classifier=trained,
        search=search,
    )
    store.write_manifest(live, index_dir)
    _drop_stale(client, index_dir, live, manifest)
    kept = len(chunks) - len(fresh)
    return BuildSummary(
        documents=len(records),
        chunks=len(chunks),
        added=len(fresh),
        kept=kept,
        removed=max(previous - kept, 0),
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
        skipped=skipped,
        notes=notes,
    )
