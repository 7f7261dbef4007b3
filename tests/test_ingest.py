"""The index build on the real corpus, the real model and a real Chroma, on disk and served."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, INTENTS, ChromaServer, free_port

from assistant import config, store
from assistant.ingest import build as build_module
from assistant.ingest.build import build

pytestmark = pytest.mark.slow

REQUIRED_METADATA = {
    "doc_id", "kind", "cite", "section_cite", "title", "heading", "path", "url",
    "version_date", "language", "status", "source_file", "sha256",
}  # fmt: skip


def chunks_where(index: store.Index, **wanted: object) -> list[tuple[str, dict]]:
    return [
        (index.texts[cid], meta)
        for cid, meta in index.metadata.items()
        if all(meta.get(key) == value for key, value in wanted.items())
    ]


@pytest.fixture(scope="module")
def index(offline_build) -> store.Index:
    index_dir, _ = offline_build
    return store.Index(index_dir)


def add_explainer(corpus: Path, name: str = "threatening-to-share-intimate-images.md") -> None:
    shutil.copy(CORPUS / "explainers" / name, corpus / "explainers")


def test_offline_build_indexes_every_corpus_file(offline_build) -> None:
    _, summary = offline_build
    files = build_module.corpus_files(CORPUS)
    assert summary.skipped == []
    assert summary.documents == len(files)
    assert summary.added == summary.chunks > 1000


def test_every_chunk_carries_full_provenance(index: store.Index) -> None:
    for meta in index.metadata.values():
        assert set(meta) >= REQUIRED_METADATA
        assert meta["url"].startswith(("https://", "http://"))


def test_publication_offence_is_chunked_by_subsection(index: store.Index) -> None:
    found = dict(
        (meta["cite"], (text, meta))
        for text, meta in chunks_where(index, section_cite="Cap. 200 s.159AAE")
    )
    assert {f"Cap. 200 s.159AAE({n})" for n in range(1, 6)} <= set(found)
    text, meta = found["Cap. 200 s.159AAE(2)"]
    assert text.startswith("(2) A person commits an offence if— (a) the person makes a threat")
    assert meta["version_date"] == "2024-03-23"
    assert (
        meta["heading"]
        == "Publication or threatened publication of intimate images without consent"
    )
    assert meta["status"] == "operational"
    assert "imprisonment for 5 years" in found["Cap. 200 s.159AAE(5)"][0]


def test_intimate_image_definition_is_its_own_chunk(index: store.Index) -> None:
    [(text, meta)] = chunks_where(index, term="intimate image", language="en")
    assert meta["cite"] == "Cap. 200 s.159AA(1)"
    assert meta["unit"] == "definition"
    assert "no reasonable person would believe" in text


def test_pending_section_keeps_its_status(index: store.Index) -> None:
    found = chunks_where(index, section_cite="Cap. 486 s.33", language="en")
    assert found
    assert {meta["status"] for _, meta in found} == {"pending"}


def test_chinese_ordinance_is_indexed_as_zh_hant(index: store.Index) -> None:
    found = chunks_where(index, section_cite="Cap. 486 s.64", language="zh-Hant")
    assert found
    assert all(meta["doc_id"] == "cap486-zh-hant" for _, meta in found)
    assert any("個人資料" in text for text, _ in found)


def test_chunks_fit_the_model_input(index: store.Index) -> None:
    from assistant.embed import load_embedder

    embedder = load_embedder()
    statute_units = [
        text for text, meta in chunks_where(index, kind="statute") if meta["unit"] != "definition"
    ]
    fitting = [t for t in statute_units if embedder.count_tokens(t) <= embedder.max_tokens]
    assert len(fitting) / len(statute_units) > 0.95


def test_second_build_embeds_nothing(offline_build, monkeypatch) -> None:
    index_dir, first = offline_build
    monkeypatch.setenv("HKLAW_INTENTS", str(INTENTS))
    again = build(index_dir=index_dir)
    assert again.up_to_date
    assert again.added == 0
    assert again.chunks == first.chunks


def test_build_adds_keeps_and_removes(small_corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = build(corpus=small_corpus, index_dir=index_dir)
    add_explainer(small_corpus)
    second = build(corpus=small_corpus, index_dir=index_dir)
    assert second.kept == first.chunks
    assert second.added == second.chunks - first.chunks > 0
    (small_corpus / "explainers" / "threatening-to-share-intimate-images.md").unlink()
    third = build(corpus=small_corpus, index_dir=index_dir)
    assert (third.added, third.removed, third.chunks) == (0, second.added, first.chunks)
    assert len(store.Index(index_dir).texts) == first.chunks


def test_another_model_forces_a_full_rebuild(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    first = build(corpus=small_corpus, index_dir=index_dir)
    monkeypatch.setattr(build_module, "model_identity", lambda: "another-model")
    again = build(corpus=small_corpus, index_dir=index_dir)
    assert (again.added, again.kept) == (first.chunks, 0)
    assert store.read_manifest(index_dir).model == "another-model"


def test_interrupted_build_leaves_the_old_index_serving(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "index"
    first = build(corpus=small_corpus, index_dir=index_dir)
    add_explainer(small_corpus)

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(build_module.store, "save_bm25", crash)
        with pytest.raises(KeyboardInterrupt):
            build(corpus=small_corpus, index_dir=index_dir)

    old = store.Index(index_dir)
    assert len(old.texts) == first.chunks
    hits = old.collection.query(query_texts=["blackmail"], n_results=1)
    assert hits["ids"][0][0] in old.texts

    resumed = build(corpus=small_corpus, index_dir=index_dir)
    assert resumed.kept == first.chunks
    names = {c.name for c in store.client(index_dir).list_collections()}
    assert names == {store.read_manifest(index_dir).collection}


def test_malformed_xml_is_reported_and_skipped(small_corpus: Path, tmp_path: Path) -> None:
    broken = small_corpus / "statutes" / "cap_999_en.xml"
    broken.write_text("<ordinance><section>never closed", encoding="utf-8")
    summary = build(corpus=small_corpus, index_dir=tmp_path / "index")
    assert summary.documents == 2
    assert len(summary.skipped) == 1
    assert summary.skipped[0].startswith(str(broken))


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.ROOT,
        timeout=300,
    )


def test_cli_index_summarises_and_fails_only_when_nothing_indexed(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"PATH": "/usr/bin:/bin", "HKLAW_CORPUS_DIR": str(small_corpus)}
    env["HKLAW_INDEX_DIR"] = str(tmp_path / "index")
    done = run_cli("index", env=env)
    assert done.returncode == 0, done.stderr
    assert "indexed 2 documents" in done.stdout
    assert "Traceback" not in done.stderr

    empty = tmp_path / "empty"
    (empty / "statutes").mkdir(parents=True)
    (empty / "statutes" / "cap_1_en.xml").write_text("not xml", encoding="utf-8")
    env |= {"HKLAW_CORPUS_DIR": str(empty), "HKLAW_INDEX_DIR": str(tmp_path / "index2")}
    failed = run_cli("index", env=env)
    assert failed.returncode == 1
    assert "cap_1_en.xml" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_same_build_works_against_a_chroma_server(
    chroma_server: ChromaServer,
    small_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chroma_server.use(monkeypatch)
    index_dir = tmp_path / "index"
    summary = build(corpus=small_corpus, index_dir=index_dir)
    assert summary.documents == 2
    assert not (index_dir / "chroma").exists()
    served = store.Index(index_dir)
    assert len(served.texts) == summary.chunks
    hits = served.collection.query(query_texts=["blackmail with menaces"], n_results=3)
    assert any(served.metadata[cid]["cite"].startswith("Cap. 210 s.23") for cid in hits["ids"][0])
    monkeypatch.delenv("CHROMA_HOST")
    assert store.client(tmp_path / "on-disk").list_collections() == []


def test_unreachable_server_gets_one_clear_line(small_corpus: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HKLAW_CORPUS_DIR": str(small_corpus)}
    env |= {"HKLAW_INDEX_DIR": str(tmp_path / "index"), "CHROMA_HOST": "127.0.0.1"}
    env["CHROMA_PORT"] = str(free_port())
    done = run_cli("index", env=env)
    assert done.returncode == 2
    assert "Chroma server" in done.stderr
    assert "Traceback" not in done.stderr


def test_other_weights_are_refused(tmp_path: Path) -> None:
    from assistant.embed import Embedder, ModelError

    (tmp_path / "model.safetensors").write_bytes(b"not the published weights")
    with pytest.raises(ModelError, match="sha256 mismatch"):
        Embedder(model_dir=tmp_path)


def test_onnx_copy_embeds_as_the_model_does(offline_build) -> None:
    from assistant.embed import OnnxEmbedder, load_embedder

    index_dir, _ = offline_build
    model = store.read_manifest(index_dir).query_model
    copy, full = OnnxEmbedder(index_dir / model.file), load_embedder()
    texts = [
        "Is creating AI porn of a classmate illegal in Hong Kong?",
        "製作深偽裸照是否違法？",
        "?",
        "intimate image " * 400,
    ]
    drift = np.abs(np.asarray(copy.embed_documents(texts)) - full.embed_documents(texts)).max()
    assert drift < 1e-5
    assert copy.count_tokens(texts[3]) == full.count_tokens(texts[3]) > copy.max_tokens


def test_build_exports_the_query_model_once(small_corpus: Path, tmp_path: Path) -> None:
    from assistant.embed import file_sha256

    index_dir = tmp_path / "index"
    build(corpus=small_corpus, index_dir=index_dir)
    model = store.read_manifest(index_dir).query_model
    exported = index_dir / model.file
    assert file_sha256(exported) == model.sha256
    written = exported.stat().st_mtime_ns

    add_explainer(small_corpus)
    build(corpus=small_corpus, index_dir=index_dir)
    assert store.read_manifest(index_dir).query_model == model
    assert exported.stat().st_mtime_ns == written

    exported.unlink()
    restored = build(corpus=small_corpus, index_dir=index_dir)
    assert not restored.up_to_date and restored.added == 0
    assert file_sha256(exported) == store.read_manifest(index_dir).query_model.sha256
    assert list(index_dir.glob("*.onnx")) == [exported]


def test_a_damaged_copy_falls_back_to_the_full_model(tmp_path: Path) -> None:
    from assistant.embed import Embedder, query_embedder

    damaged = tmp_path / "query-model.onnx"
    damaged.write_bytes(b"half a file")
    assert isinstance(query_embedder(damaged, "0" * 64), Embedder)
    assert isinstance(query_embedder(None, None), Embedder)


def test_answering_does_not_load_torch(built_index: Path) -> None:
    """Importing torch and sentence-transformers is most of a cold start; answering runs the
    ONNX copy instead. The seconds are printed, not asserted."""
    script = (
        "import sys, time; started = time.perf_counter()\n"
        "from assistant.answer.pipeline import answer\n"
        "reply = answer('Is creating AI porn of a classmate illegal in Hong Kong?')\n"
        "print(f'cold answer {time.perf_counter() - started:.1f} s', file=sys.stderr)\n"
        "print(any(c.cite.startswith('Cap. 200 s.159AAE') for c in reply.citations),"
        " 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=config.ROOT, timeout=120
    )
    print(done.stderr.strip().splitlines()[-1])
    assert done.stdout.split() == ["True", "False", "False"]


def test_build_stores_the_vectors_of_every_document_sentence(index: store.Index) -> None:
    from assistant.embed import load_embedder
    from assistant.text import sentences

    documents = {
        sentence
        for cid, meta in index.metadata.items()
        if meta["kind"] != "statute"
        for sentence in sentences(index.texts[cid])
    }
    assert set(index.sentences) == documents
    lead = chunks_where(index, doc_id="penalties-intimate-image-offences", unit="passage")[0][0]
    first = sentences(lead)[0]
    expected = load_embedder().embed_documents([first])[0]
    assert np.abs(index.sentences[first] - expected).max() < 1e-5


def test_a_failed_export_leaves_a_working_index(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.embed import Embedder, ModelError

    def drifted(*args: object, **kwargs: object) -> str:
        raise ModelError("the ONNX copy drifts")

    index_dir = tmp_path / "index"
    with monkeypatch.context() as patch:
        patch.setattr(build_module, "export_onnx", drifted)
        first = build(corpus=small_corpus, index_dir=index_dir)
    assert first.chunks and "the ONNX copy drifts" in first.notes[0]
    assert store.read_manifest(index_dir).query_model is None
    assert isinstance(store.query_embedder(index_dir), Embedder)
    assert not list(index_dir.glob("*.onnx*")) and not list(index_dir.glob(".*.partial"))

    again = build(corpus=small_corpus, index_dir=index_dir)
    assert not again.up_to_date and again.added == 0 and not again.notes
    assert store.read_manifest(index_dir).query_model is not None


def test_an_open_process_moves_to_each_new_build(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running app must keep answering while staff rebuild the index beside it."""
    from assistant.retrieve.hybrid import load_index, search

    index_dir = tmp_path / "index"
    build(corpus=small_corpus, index_dir=index_dir)
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(index_dir))
    first = load_index()
    assert load_index() is first

    add_explainer(small_corpus)
    build(corpus=small_corpus, index_dir=index_dir)
    assert search("blackmail", k=3, index=first), "the old build still answers from memory"
    hits = search("threaten to share an intimate image", k=3)
    assert load_index() is not first
    assert "threatening-to-share-intimate-images" in {hit.metadata["doc_id"] for hit in hits}
