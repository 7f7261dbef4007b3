"""Markdown corpus documents (explainers, guidelines, news, help) and their front matter.

The front matter is the provenance a reader and an evaluator need to trust a document: where it
came from, when, and which statute sections it relies on.
"""

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal

import frontmatter
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from assistant.citations import doc_cite, is_statute_cite

Kind = Literal["explainer", "guideline", "news", "help", "user"]
DOC_KINDS: tuple[str, ...] = ("explainer", "guideline", "news", "help")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    title: str | None = None
    publisher: str | None = None
    date: dt.date | None = None


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    title: str = Field(min_length=3)
    kind: Kind
    language: Literal["en", "zh-Hant"]
    source_url: HttpUrl | None = None
    sources: list[Source] = []
    published: dt.date | None = None
    retrieved: dt.date | None = None
    cites: list[str] = []
    questions: list[str] = []
    twin: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")

    @model_validator(mode="after")
    def _check(self) -> "FrontMatter":
        if not self.source_url and not self.sources:
            raise ValueError("needs source_url or a sources list")
        if not self.published and not self.retrieved:
            raise ValueError("needs a published or retrieved date")
        bad = [c for c in self.cites if not (is_statute_cite(c) or c.startswith("doc:"))]
        if bad:
            raise ValueError(f"cites are not citation ids: {bad}")
        return self

    @property
    def url(self) -> str:
        return str(self.source_url or self.sources[0].url)

    @property
    def date(self) -> dt.date:
        return self.published or self.retrieved  # type: ignore[return-value]


class Document(BaseModel):
    meta: FrontMatter
    body: str
    source_file: str
    sha256: str

    @property
    def cite(self) -> str:
        return doc_cite(self.meta.id)


class DocumentError(ValueError):
    """A corpus file that cannot be used; the message names the file and the reason."""


def load_document(path: Path) -> Document:
    raw = path.read_bytes()
    try:
        post = frontmatter.loads(raw.decode("utf-8"))
        meta = FrontMatter.model_validate(post.metadata)
    except Exception as exc:
        raise DocumentError(f"{path}: {exc}".splitlines()[0]) from exc
    if meta.id != path.stem:
        raise DocumentError(f"{path}: id {meta.id!r} must equal the file name {path.stem!r}")
    if not post.content.strip():
        raise DocumentError(f"{path}: the document has no text")
    return Document(
        meta=meta,
        body=post.content,
        source_file=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
