"""Markdown chunking: paragraphs under their headings, long ones cut only at sentence ends."""

import re

import pytest

from assistant.embed import load_embedder
from assistant.ingest.chunk import chunk_document
from assistant.ingest.documents import Document, FrontMatter

ZH_SENTENCE = "未經同意發布他人的私密影像，可能屬於刑事罪行。"
EN_SENTENCE = (
    "Publishing an intimate image without consent can be an offence (Cap. 200 s.159AAE(1)). "
)


def document(body: str, language: str = "en") -> Document:
    meta = FrontMatter(
        id="sample-doc",
        title="Sample",
        kind="explainer",
        language=language,
        source_url="https://www.elegislation.gov.hk/hk/cap200!en",
        published="2026-11-26",
        questions=["Is sharing a fake nude a crime?"],
    )
    return Document(meta=meta, body=body, source_file="corpus/explainers/sample-doc.md", sha256="0")


@pytest.fixture(scope="module")
def count_tokens():
    return load_embedder().count_tokens


def test_paragraphs_become_chunks_under_their_headings(count_tokens) -> None:
    body = "# Sample\n\nLead sentence one. Lead sentence two.\n\n## Details\n\nFirst.\n\nSecond."
    chunks = chunk_document(document(body), count_tokens, 256)
    assert [c.text for c in chunks] == [
        "Lead sentence one. Lead sentence two.",
        "First.",
        "Second.",
    ]
    assert [c.metadata["unit"] for c in chunks] == ["lead", "passage", "passage"]
    assert chunks[1].metadata["heading"] == "Sample > Details"
    assert "Is sharing a fake nude a crime?" in chunks[0].embed_text
    assert chunks[0].metadata["cite"] == "doc:sample-doc"


def test_long_english_paragraph_is_cut_at_sentence_ends(count_tokens) -> None:
    body = "# Sample\n\n" + EN_SENTENCE * 30
    chunks = chunk_document(document(body), count_tokens, 128)
    assert len(chunks) > 1
    assert all(c.text.endswith(").") for c in chunks)
    assert all(count_tokens(c.embed_text) <= 128 for c in chunks)
    assert " ".join(c.text for c in chunks) == re.sub(r"\s+", " ", EN_SENTENCE * 30).strip()


def test_long_chinese_paragraph_is_cut_after_chinese_full_stops(count_tokens) -> None:
    body = "# 範例\n\n" + ZH_SENTENCE * 40
    chunks = chunk_document(document(body, language="zh-Hant"), count_tokens, 128)
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)
    assert "".join(c.text for c in chunks) == ZH_SENTENCE * 40


def test_chunk_ids_are_content_hashes(count_tokens) -> None:
    body = "# Sample\n\nOne paragraph.\n\nAnother paragraph."
    first = chunk_document(document(body), count_tokens, 256)
    again = chunk_document(document(body), count_tokens, 256)
    changed = chunk_document(document(body.replace("Another", "A changed")), count_tokens, 256)
    assert [c.id for c in first] == [c.id for c in again]
    assert first[0].id == changed[0].id
    assert first[1].id != changed[1].id
