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
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from pydantic import BaseModel
from pypdf import PdfReader

from assistant import store
from assistant.embed import ChromaEmbedding, model_identity
from assistant.ingest.chunk import chunk_document
from assistant.ingest.documents import Document, FrontMatter

COLLECTION = "user-docs"
KIND = "user"
# Leaflets, guidance notes and policies are well under this; the app's upload box
# (.streamlit/config.toml server.maxUploadSize) stops larger files before they reach here.
MAX_BYTES = 10 * 1024 * 1024
# Every page is read and every passage embedded while the page waits: past these, adding one
# file would keep it busy for minutes. A longer document can be added in parts.
MAX_PDF_PAGES = 1000
MAX_TEXT_CHARS = 1_000_000
# Python's HTML parser takes seconds per hundred thousand elements; a page with more is not a
# document someone wrote but generated markup (or an attempt to stall the app).
MAX_HTML_ELEMENTS = 100_000
FORMATS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
# Content that is certainly not text, whatever the file's name says: archives (a zip bomb
# renamed .html or .txt), compressed data, images and programs.
_BINARY_STARTS = (
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x7fELF",
    b"%PDF-",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "div"}
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
    """Any failure inside pypdf means the same thing to the person uploading: not a usable PDF.
    pypdf itself stops a compressed stream that would unpack past its own limit (a PDF
    decompression bomb), which lands here too."""
    if b"%PDF-" not in data[:1024]:
        raise UploadError("This file is not a PDF, although its name ends in .pdf.")
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        count = 0 if locked else len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise UploadError(
                f"This PDF has {count} pages; up to {MAX_PDF_PAGES} can be added at once. "
                "Split it into parts."
            )
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
    except UploadError:
        raise
    except Exception as exc:
        raise UploadError("This file could not be read as a PDF. It may be damaged.") from exc
    if locked:
        raise UploadError("This PDF is password-protected. Save an unprotected copy and add that.")
    return "\n\n".join(pages)


def _refuse_binary(data: bytes, kind: str) -> None:
    if b"\x00" in data or data.lstrip().startswith(_BINARY_STARTS):
        raise UploadError(
            f"This file is not {kind}: it holds binary data (an archive, image or program, "
            "for example). Add documents as PDF, HTML, Markdown or plain text."
        )


def _block_of(tag: Tag | None, known: dict[int, Tag | None]) -> Tag | None:
    """The nearest block element at or above `tag`, remembered for every element passed on
    the way up, so a page is walked once however deeply it nests."""
    passed = []
    while tag is not None and id(tag) not in known:
        if tag.name in _BLOCKS:
            known[id(tag)] = tag
            break
        passed.append(tag)
        tag = tag.parent
    found = None if tag is None else known[id(tag)]
    for element in passed:
        known[id(element)] = found
    return found


def _paragraphs(soup: BeautifulSoup) -> Iterator[str]:
    """The page's text as paragraphs, one for each run of text in the same block element,
    headings as Markdown headings: a paragraph stays one paragraph however many links or bold
    words it contains, and text beside a nested block (or in markup left unclosed) is kept."""
    known: dict[int, Tag | None] = {}
    block: Tag | None = None
    words: list[str] = []
    for item in soup.descendants:
        if not isinstance(item, NavigableString) or isinstance(item, PreformattedString):
            continue
        around = _block_of(item.parent, known)
        if around is not block and words:
            yield _paragraph(block, words)
            words = []
        block = around
        if item.strip():
            words.append(item.strip())
    if words:
        yield _paragraph(block, words)


def _paragraph(block: Tag | None, words: list[str]) -> str:
    name = block.name if block is not None else ""
    level = int(name[1]) if name[:1] == "h" and name[1:].isdigit() else 0
    text = " ".join(words)
    return f"{'#' * min(level, 3)} {text}" if level else text


def _html_text(data: bytes) -> str:
    if data.count(b"<") > MAX_HTML_ELEMENTS:
        raise UploadError(
            f"This web page has more than {MAX_HTML_ELEMENTS:,} elements, too many to read. "
            "Save it as PDF or plain text and add that."
        )
    soup = BeautifulSoup(data, "html.parser")
    for element in soup(["script", "style", "noscript", "template", "head", "svg"]):
        element.decompose()
    return "\n\n".join(_paragraphs(soup))


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
    if kind != "pdf":
        _refuse_binary(data, {"html": "a web page", "markdown": "Markdown", "text": "text"}[kind])
    if kind == "pdf":
        text = _pdf_text(data)
    elif kind == "html":
        text = _html_text(data)
    elif kind == "markdown":
        text = _markdown_text(data)
    else:
        text = _decode(data)
    text = _CONTROL.sub("", text)
    if not re.search(r"\w", text):
        hint = " A scanned PDF holds pictures of text, not text." if kind == "pdf" else ""
        raise UploadError(f"No text could be read from this file.{hint}")
    if len(text) > MAX_TEXT_CHARS:
        raise UploadError(
            f"This file holds {len(text):,} characters of text; up to {MAX_TEXT_CHARS:,} can be "
            "added at once. Split it into parts."
        )
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
    touched, so a bad file leaves what is indexed as it was; and the new copy is written before
    the old one's leftover passages go, so a crash at any point loses no document.
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
    ids = [c.id for c in chunks]
    stale = set(target.get(where={"doc_id": meta.id}, include=[])["ids"]) - set(ids)
    target.upsert(
        ids=ids,
        documents=[c.text for c in chunks],
        metadatas=[c.metadata | {"added_at": added_at} for c in chunks],
        embeddings=vectors,
    )
    if stale:
        target.delete(ids=sorted(stale))
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
