"""Scale: the index at 100k and 1M chunks, in a Chroma server, searched as a large build is.

The corpora are synthetic, derived from the real index and labelled so in every chunk's
metadata (`synthetic: true`); they are written under --work and never shipped. Copy 0 is the
real corpus itself; copy k of a chunk gets chapter and document ids of its own, a random 70 % of
its words for BM25, and a vector moved away from the original (cosine about 0.6 to it) in each
model's space, so copies are related to their source as sections on a nearby subject are, not
duplicates of it.

Prints, per size: the write rate into Chroma and BM25 against the models' raw embedding rate (the
share of the raw rate a build of that size keeps); recall@10 of Chroma's HNSW search against
exact search, on the gold questions (with the HNSW parameters of assistant/store.py, fixed when a
collection is made: changing ef_search on a served collection did not change its results in
Chroma 1.5); then, from a separate answering process opened on that build the way the app opens
it: time to open, retrieval and end-to-end answer p50/p95, and its peak resident memory.
Asserts nothing.

Run (the real index must be built): .venv/bin/python benchmarks/bench_scale.py
  [--sizes 100000 1000000] [--work DIR] [--keep]
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import numpy as np

from assistant import store
from assistant.embed import ChromaEmbedding, load_embedder, load_multilingual

ROOT = Path(__file__).resolve().parent.parent
GOLD = [ROOT / "evals" / "datasets" / name for name in ("gold.jsonl", "gold-zh.jsonl")]
KEEP_WORDS = 0.7
COPY_COSINE = 0.6
BATCH = 5000
TIE = 1e-6
_CAP = re.compile(r"Cap\. (\d+)")
_DOC = re.compile(r"^doc:(.+)$")


def gold_questions() -> list[tuple[str, str]]:
    """(language, question) of every gold question with one."""
    asked = []
    for path in GOLD:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            turns = item.get("turns") or [{"question": item.get("question", "")}]
            question = str(turns[-1].get("question") or "")
            if question:
                asked.append((str(item.get("lang", "en"))[:2], question))
    return asked


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat"):
                return server, port
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the Chroma server did not start") from None
            time.sleep(0.3)


def raw_rate(texts: list[str]) -> float:
    """Chunks a second that the two models alone embed, one after the other, as a build does."""
    seconds = 0.0
    for model in (load_embedder(), load_multilingual(os.cpu_count() or 1)):
        started = time.perf_counter()
        model.embed_documents(texts)
        seconds += time.perf_counter() - started
    return len(texts) / seconds


def moved(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors at cosine COPY_COSINE to the given ones, in random directions."""
    noise = rng.standard_normal(vectors.shape).astype(np.float32)
    noise -= (noise * vectors).sum(axis=1, keepdims=True) * vectors
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    sine = np.sqrt(1 - COPY_COSINE**2)
    return (COPY_COSINE * vectors + sine * noise).astype(np.float32)


def renamed(meta: dict[str, Any], copy: int) -> dict[str, Any]:
    """The copy's own chapter numbers and document ids, so its sections are distinct."""
    if copy == 0:
        return meta
    out = dict(meta, synthetic=True)
    for key in ("cite", "section_cite", "doc_id", "twin"):
        value = str(out.get(key) or "")
        if not value:
            continue
        if key in ("doc_id", "twin"):
            out[key] = f"{value}-syn{copy}"
        else:
            value = _CAP.sub(lambda m: f"Cap. {m.group(1)}{copy:04d}", value)
            out[key] = _DOC.sub(lambda m: f"doc:{m.group(1)}-syn{copy}", value)
    return out


class Real:
    """The real build that the synthetic ones are derived from."""

    def __init__(self) -> None:
        index = store.Index()
        if index.approximate or index.multilingual is None:
            raise SystemExit("build the real index first (small, with the multilingual model)")
        self.index = index
        self.ids = index.ids
        self.texts = [index.texts[cid] for cid in self.ids]
        self.metadata = [dict(index.metadata[cid]) for cid in self.ids]
        self.english = np.asarray(index.vectors, dtype=np.float32)
        self.multilingual = np.asarray(index.multilingual.vectors, dtype=np.float32)
        self.tokens = store.bm25_tokenize(self.texts)


def synthetic_vectors(real: np.ndarray, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    copies = [real] + [moved(real, rng) for _ in range(1, -(-size // len(real)))]
    return np.concatenate(copies)[:size]


def write_build(real: Real, size: int, client: Any, folder: Path) -> dict[str, float]:
    """A complete large build of `size` chunks: two collections, BM25, manifest; returns seconds
    spent writing each part."""
    n = len(real.ids)
    english = synthetic_vectors(real.english, size, 1)
    multilingual = synthetic_vectors(real.multilingual, size, 2)
    ids = [f"{real.ids[i % n]}-{i // n}" if i >= n else real.ids[i] for i in range(size)]
    name = f"{store.COLLECTION_PREFIX}scale-{size}"
    seconds: dict[str, float] = {}
    for label, vectors, with_text in (
        ("english", english, True),
        ("multilingual", multilingual, False),
    ):
        started = time.perf_counter()
        collection = client.create_collection(
            name if label == "english" else f"{name}-multilingual",
            configuration={"hnsw": store.HNSW},
            embedding_function=ChromaEmbedding() if with_text else None,
        )
        for start in range(0, size, BATCH):
            rows = range(start, min(size, start + BATCH))
            metas = [renamed(real.metadata[i % n], i // n) for i in rows]
            collection.add(
                ids=[ids[i] for i in rows],
                embeddings=vectors[start : start + len(rows)],
                metadatas=metas
                if with_text
                else [{"kind": m["kind"], "language": m["language"]} for m in metas],
                documents=[real.texts[i % n] for i in rows] if with_text else None,
            )
        seconds[label] = time.perf_counter() - started
    started = time.perf_counter()
    rng = np.random.default_rng(3)
    source = [np.asarray(tokens, dtype=np.int64) for tokens in real.tokens.ids]
    token_ids = [
        (tokens if i < n else tokens[rng.random(len(tokens)) < KEEP_WORDS]).tolist()
        for i, tokens in ((i, source[i % n]) for i in range(size))
    ]
    bm25 = bm25s.BM25()
    bm25.index(
        bm25s.tokenization.Tokenized(ids=token_ids, vocab=real.tokens.vocab), show_progress=False
    )
    bm25_dir = folder / "bm25-scale"
    bm25.save(str(bm25_dir), show_progress=False)
    (bm25_dir / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
    seconds["bm25"] = time.perf_counter() - started

    manifest = real.index.manifest.model_copy(deep=True)
    for file in (
        manifest.sentences,
        manifest.multilingual.sentences,
        manifest.query_model.file,
        manifest.classifier["file"],
    ):
        shutil.copy(real.index.dir / file, folder / file)
    manifest.collection = name
    manifest.bm25_dir = bm25_dir.name
    manifest.chunks = size
    manifest.search = store.Search(
        mode="hnsw", hnsw=store.HNSW, multilingual_collection=f"{name}-multilingual"
    )
    store.write_manifest(manifest, folder)
    np.save(folder / "english.npy", english)
    np.save(folder / "multilingual.npy", multilingual)
    return seconds


def recall_at_10(client: Any, folder: Path, real: Real, asked: list[tuple[str, str]]) -> None:
    """Chroma's HNSW top 10 against exact top 10 on the same vectors: the share
    of its 10 that are at least as close as the exact 10th (chunks with equal vectors, such as
    a text in two documents, tie)."""
    manifest = store.read_manifest(folder)
    spaces = {
        "english": (real.index.space("english").embedder(), manifest.collection, "english.npy"),
        "multilingual": (
            load_multilingual(os.cpu_count() or 1),
            manifest.search.multilingual_collection,
            "multilingual.npy",
        ),
    }
    ids = json.loads((folder / manifest.bm25_dir / "ids.json").read_text(encoding="utf-8"))
    position = {cid: i for i, cid in enumerate(ids)}
    for name, (model, collection_name, matrix_file) in spaces.items():
        questions = [q for lang, q in asked if name == "multilingual" or lang == "en"]
        queries = np.asarray(model.embed_documents(questions), dtype=np.float32)
        matrix = np.load(folder / matrix_file, mmap_mode="r")
        scores = np.asarray(matrix @ queries.T)
        tenth = -np.partition(-scores, 9, axis=0)[9]
        collection = client.get_collection(collection_name)
        found, times = [], []
        for query in queries:
            started = time.perf_counter()
            got = collection.query(query_embeddings=[query.tolist()], n_results=10)
            times.append((time.perf_counter() - started) * 1000)
            found.append(got["ids"][0])
        recall = np.mean(
            [
                sum(scores[position[c], j] >= tenth[j] - TIE for c in got) / 10
                for j, got in enumerate(found)
            ]
        )
        print(
            f"  {name:12}: recall@10 vs exact {recall:.3f} ({len(questions)} gold questions), "
            f"query p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms"
        )


def answering_process() -> None:
    """Run inside the child: open the build as the app does, search and answer every gold
    question, print one JSON line."""
    from assistant.answer.pipeline import answer
    from assistant.retrieve.hybrid import load_index, search

    started = time.perf_counter()
    load_index()
    opened = time.perf_counter() - started
    asked = gold_questions()
    search(asked[0][1])
    answer(asked[0][1])
    searched, answered = [], []
    for lang, question in asked:
        spaces = ("english",) if lang == "en" else ("english", "multilingual")
        started = time.perf_counter()
        search(question, spaces=spaces)
        searched.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        answer(question)
        answered.append((time.perf_counter() - started) * 1000)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child started by this
    # (large) benchmark process would report the parent's size.
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    rss = int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024
    print(
        json.dumps(
            {
                "open_s": opened,
                "questions": len(asked),
                "search_p50": percentile(searched, 0.5),
                "search_p95": percentile(searched, 0.95),
                "answer_p50": percentile(answered, 0.5),
                "answer_p95": percentile(answered, 0.95),
                "peak_rss_mb": rss,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic builds")
    parser.add_argument("--answering-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.answering_process:
        answering_process()
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    real = Real()
    asked = gold_questions()
    rate = raw_rate(real.texts[:300])
    print(f"models' raw embedding rate (both models, 300 real chunks): {rate:.1f} chunks/s")
    print(f"HNSW: {store.HNSW}; synthetic copies at cosine {COPY_COSINE} to their source")
    server, port = start_server(work / "chroma")
    try:
        client = chromadb.HttpClient(
            host="127.0.0.1", port=port, settings=chromadb.Settings(anonymized_telemetry=False)
        )
        for size in args.sizes:
            folder = work / f"index-{size}"
            folder.mkdir(parents=True, exist_ok=True)
            seconds = write_build(real, size, client, folder)
            written = sum(seconds.values())
            kept = 1 / (1 + rate * written / size)
            print(
                f"{size:,} chunks: written in {written:.0f} s "
                f"({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items())}), "
                f"{size / written:.0f} chunks/s; a build embedding at the raw rate keeps "
                f"{kept:.1%} of it (aim >= 80 %)"
            )
            recall_at_10(client, folder, real, asked)
            env = dict(
                os.environ,
                HKLAW_INDEX_DIR=str(folder),
                CHROMA_HOST="127.0.0.1",
                CHROMA_PORT=str(port),
            )
            child = subprocess.run(
                [sys.executable, __file__, "--answering-process"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(f"  answering process failed: {child.stderr.strip().splitlines()[-1:]}")
                continue
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"  answering process: opened in {figures['open_s']:.1f} s; "
                f"{figures['questions']} gold questions: retrieval p50 "
                f"{figures['search_p50']:.0f} ms, "
                f"p95 {figures['search_p95']:.0f} ms (aim <= 100 ms); answer p50 "
                f"{figures['answer_p50']:.0f} ms, p95 {figures['answer_p95']:.0f} ms; "
                f"peak memory {figures['peak_rss_mb']:.0f} MB (aim <= 2048 MB)"
            )
    finally:
        server.terminate()
        server.wait(timeout=60)
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
