"""Documents that staff add themselves (PDF, HTML, Markdown, plain text), cited like corpus
documents and marked as user-added.

They live in their own Chroma collection, "user-docs", in the same store as the corpus index (the
index folder, or the Chroma server). A corpus build only replaces collections named "chunks-…",
so rebuilding the index never removes them. The collection is also the registry: every chunk
carries its document's title, source, date and file name, so listing and removing need no second
record that could drift out of step.
"""

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frontmatter
from bs4 import BeautifulSoup
from pydantic import BaseModel
from pypdf import PdfReader

from assistant import store
from assistant.embed import ChromaEmbedding, model_identity
from assistant.ingest.chunk import chunk_document
from assistant.ingest.documents import Document, FrontMatter

COLLECTION = "user-docs"
KIND = "user"
MAX_BYTES = 10 * 1024 * 1024
FORMATS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "div"]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class UploadError(ValueError):
    """A file that cannot be added; the message says why in words a hotline worker can act on."""


class UserDocument(BaseModel):
    doc_id: str
    title: str
    source: str
    date: str
    filename: str
    added_at: str
    chunks: int

    @property
    def cite(self) -> str:
        return f"doc:{self.doc_id}"


def _pdf_text(data: bytes) -> str:
    """Any failure inside pypdf means the same thing to the person uploading: not a usable PDF."""
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:
        raise UploadError("This file could not be read as a PDF. It may be damaged.") from exc
    if locked:
        raise UploadError("This PDF is password-protected. Save an unprotected copy and add that.")
    return "\n\n".join(pages)


def _leaf_blocks(soup: BeautifulSoup) -> Iterator[str]:
    """Text of block elements that hold no other block, headings as Markdown headings, so a
    paragraph stays one paragraph however many links or bold words it contains."""
    for element in soup.find_all(_BLOCKS):
        if element.find(_BLOCKS):
            continue
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        name = element.name
        level = int(name[1]) if name[0] == "h" and name[1:].isdigit() else 0
        yield f"{'#' * min(level, 3)} {text}" if level else text


def _html_text(data: bytes) -> str:
    soup = BeautifulSoup(data, "html.parser")
    for element in soup(["script", "style", "noscript", "template", "head", "svg"]):
        element.decompose()
    blocks = list(_leaf_blocks(soup))
    return "\n\n".join(blocks) if blocks else soup.get_text("\n")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(
            "This file is not UTF-8 text. Save it as UTF-8 (or as PDF) and add it again."
        ) from exc


def _markdown_text(data: bytes) -> str:
    text = _decode(data)
    try:
        return frontmatter.loads(text).content
    except Exception:
        return text


def extract_text(filename: str, data: bytes) -> str:
    """The readable text of an upload, as Markdown paragraphs; raises UploadError when there is
    none, so a scanned PDF is refused instead of being added empty."""
    kind = FORMATS.get(Path(filename).suffix.lower())
    if kind is None:
        allowed = ", ".join(sorted(FORMATS))
        raise UploadError(f"Files of this type cannot be added. Use one of: {allowed}.")
    if not data:
        raise UploadError("This file is empty.")
    if len(data) > MAX_BYTES:
        raise UploadError(f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if kind == "pdf":
        text = _pdf_text(data)
    elif kind == "html":
        text = _html_text(data)
    elif kind == "markdown":
        text = _markdown_text(data)
    else:
        text = _decode(data)
    if not re.search(r"\w", text):
        hint = " A scanned PDF holds pictures of text, not text." if kind == "pdf" else ""
        raise UploadError(f"No text could be read from this file.{hint}")
    return text


def _doc_id(title: str, digest: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-")
    return f"user-{slug}-{digest[:8]}" if slug else f"user-{digest[:12]}"


def _language(text: str) -> str:
    letters = sum(ch.isalpha() for ch in text) or 1
    return "zh-Hant" if len(_CJK.findall(text)) / letters > 0.3 else "en"


def collection(index_dir: Path | None = None) -> Any:
    """The user collection, created empty on first use."""
    return store.client(index_dir).get_or_create_collection(
        COLLECTION,
        embedding_function=ChromaEmbedding(),
        metadata={"hnsw:space": "cosine", "model": model_identity()},
    )


def add_document(
    filename: str,
    data: bytes,
    title: str,
    source: str,
    date: dt.date,
    index_dir: Path | None = None,
) -> UserDocument:
    """Chunk, embed and store one upload; the same title and bytes again replace the earlier copy.

    Everything that can fail (reading, chunking, embedding) happens before the collection is
    touched, so a bad file leaves what is indexed as it was.
    """
    title, source = title.strip(), source.strip()
    if len(title) < 3:
        raise UploadError("Give the document a title of at least 3 characters.")
    if not source:
        raise UploadError("Say where the document comes from (a web address or a publisher).")
    text = extract_text(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    meta = FrontMatter.model_construct(
        id=_doc_id(title, digest),
        title=title,
        kind=KIND,
        language=_language(text),
        source_url=source,
        published=date,
    )
    document = Document(meta=meta, body=text, source_file=Path(filename).name, sha256=digest)
    embedder = store.query_embedder(index_dir)
    chunks = chunk_document(document, embedder.count_tokens, embedder.max_tokens)
    if not chunks:
        raise UploadError("No text could be read from this file.")
    vectors = embedder.embed_documents([c.embed_text for c in chunks])
    added_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    target = collection(index_dir)
    target.delete(where={"doc_id": meta.id})
    target.add(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        metadatas=[c.metadata | {"added_at": added_at} for c in chunks],
        embeddings=vectors,
    )
    return UserDocument(
        doc_id=meta.id,
        title=title,
        source=source,
        date=date.isoformat(),
        filename=document.source_file,
        added_at=added_at,
        chunks=len(chunks),
    )


def list_documents(index_dir: Path | None = None) -> list[UserDocument]:
    """Every added document, newest first."""
    stored = collection(index_dir).get(include=["metadatas"])
    found: dict[str, UserDocument] = {}
    for meta in stored["metadatas"] or []:
        doc_id = str(meta["doc_id"])
        if doc_id in found:
            found[doc_id].chunks += 1
            continue
        found[doc_id] = UserDocument(
            doc_id=doc_id,
            title=str(meta["title"]),
            source=str(meta["url"]),
            date=str(meta["version_date"]),
            filename=str(meta["source_file"]),
            added_at=str(meta.get("added_at", "")),
            chunks=1,
        )
    return sorted(found.values(), key=lambda d: d.added_at, reverse=True)


def remove_document(doc_id: str, index_dir: Path | None = None) -> int:
    """Remove one added document; returns how many chunks went (0 when it was not there)."""
    target = collection(index_dir)
    ids = target.get(where={"doc_id": doc_id}, include=[])["ids"]
    if ids:
        target.delete(ids=ids)
    return len(ids)
