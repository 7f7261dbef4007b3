"""Hybrid retrieval, legal expansion, uploaded documents and the LangChain retriever, on the real
index built once per session."""

from pathlib import Path

import pytest

from assistant import store
from assistant.embed import ChromaEmbedding
from assistant.retrieve import expand, hybrid
from assistant.retrieve.catalog import catalog, cite_key, is_within
from assistant.retrieve.retriever import HybridRetriever
from assistant.retrieve.user_docs import USER_COLLECTION

pytestmark = pytest.mark.slow

THREAT = "Is it an offence to threaten to post a deepfake nude of someone?"


@pytest.fixture(scope="module")
def index(built_index: Path) -> store.Index:
    return hybrid.load_index()


def sections(hits: list[hybrid.Hit]) -> list[str]:
    return [hit.section_cite for hit in hits]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_search_returns_ranked_sections_with_their_chunk(index, mode):
    hits = hybrid.search(THREAT, k=8, mode=mode, expand=False, index=index)
    assert 0 < len(hits) <= 8
    assert len(set(sections(hits))) == len(hits)
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    for hit in hits:
        assert hit.text == index.texts[hit.chunk_id]
        assert hit.metadata == index.metadata[hit.chunk_id]


def test_hybrid_finds_the_threat_offence(index):
    hits = hybrid.search(THREAT, k=5, index=index)
    assert "Cap. 200 s.159AAE" in sections(hits)


def test_expansion_adds_the_definition_of_a_term_the_provision_uses(index):
    found = catalog(index)
    publishing = found.chunks_for("Cap. 200 s.159AAE(1)", "Cap. 200 s.159AAE")[0]
    added = expand.definitions(publishing, index.metadata[publishing], found)
    terms = [index.metadata[cid]["term"] for cid in added]
    assert terms[0] == "intimate image"
    assert index.metadata[added[0]]["section_cite"] == "Cap. 200 s.159AA"


def test_expansion_adds_the_provisions_an_explainer_cites(index):
    hits = hybrid.search("Is creating AI porn of a classmate illegal in Hong Kong?", index=index)
    cited = [hit for hit in hits if hit.via == "cited"]
    assert "Cap. 200 s.159AAE" in sections(cited)
    explainer = next(hit for hit in hits if hit.kind == "explainer")
    assert hits.index(explainer) < hits.index(cited[0])


def test_expansion_never_repeats_a_section(index):
    hits = hybrid.search("sharing an intimate image without consent", k=12, index=index)
    assert len(set(sections(hits))) == len(hits)


def test_kinds_limits_the_search(index):
    hits = hybrid.search("who can help me", k=3, expand=False, index=index, kinds=("help",))
    assert hits
    assert {hit.kind for hit in hits} == {"help"}


def test_pinpoints_resolve_to_the_chunk_that_holds_them(index):
    found = catalog(index)
    exact = found.chunks_for("Cap. 200 s.159AAE(2)", "Cap. 200 s.159AAE")
    assert [index.metadata[cid]["cite"] for cid in exact] == ["Cap. 200 s.159AAE(2)"]
    deeper = found.chunks_for("Cap. 200 s.159AAE(2)(a)", "Cap. 200 s.159AAE")
    assert deeper == exact
    whole = found.chunks_for("Cap. 200 s.159AAE", "Cap. 200 s.159AAE")
    assert exact[0] in whole and len(whole) > 1


def test_cite_helpers():
    assert is_within("Cap. 200 s.159AAE(2)", "Cap. 200 s.159AAE")
    assert not is_within("Cap. 200 s.159AAE", "Cap. 200 s.159AA")
    assert cite_key("Cap. 200 s.159AAE(2)") < cite_key("Cap. 200 s.159AAE(10)")


def test_uploaded_documents_are_searched_and_cited_like_the_corpus(index):
    text = "Our school handbook says students who share deepfake nudes of classmates are expelled."
    meta = {
        "doc_id": "school-handbook",
        "kind": "user",
        "cite": "doc:school-handbook",
        "section_cite": "doc:school-handbook",
        "title": "School handbook",
        "url": "",
        "version_date": "2026-11-26",
        "status": "published",
        "unit": "passage",
    }
    client = store.client(index.dir)
    collection = client.get_or_create_collection(
        USER_COLLECTION, embedding_function=ChromaEmbedding(), metadata={"hnsw:space": "cosine"}
    )
    try:
        collection.add(ids=["upload-1"], documents=[text], metadatas=[meta])
        hits = hybrid.search("Does the school handbook expel students for deepfakes?", index=index)
        assert "doc:school-handbook" in sections(hits)[:3]
        assert hybrid.chunk("upload-1", index) == (text, meta)
    finally:
        client.delete_collection(USER_COLLECTION)
    assert "doc:school-handbook" not in sections(hybrid.search("school handbook", index=index))


def test_bm25_scores_of_chosen_chunks(index):
    lead = catalog(index).lead("threatening-to-share-intimate-images")
    assert lead is not None
    scores = hybrid.bm25_scores("threaten to share a nude", [lead], index)
    assert scores[lead] > 0


def test_langchain_retriever_returns_documents(built_index):
    documents = HybridRetriever(k=4).invoke(THREAT)
    assert 0 < len(documents) <= 4
    assert all(doc.page_content and doc.metadata["cite"] for doc in documents)
    assert [doc.metadata["rank"] for doc in documents] == list(range(1, len(documents) + 1))
