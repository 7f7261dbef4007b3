"""Index build speed: full build, the model's raw throughput on the same texts, no-op rebuild.

Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/bench_ingest.py
The build is within budget when its chunks/s reach 80 % of the raw throughput (chunking, Chroma
and BM25 cost the rest) and a rebuild with nothing changed takes under 2 s.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant import config
from assistant.ingest.build import build, corpus_files, load_chunks
from assistant.ingest.embed import load_embedder


def raw_throughput() -> tuple[int, float]:
    """Chunks per second of model.encode alone on exactly the texts a build embeds."""
    chunks, _, _ = load_chunks(corpus_files(config.corpus_dir()))
    texts = [c.embed_text for c in chunks]
    embedder = load_embedder()
    embedder.embed_documents(texts[:64])
    started = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts), len(texts) / (time.perf_counter() - started)


def noop_rebuild_seconds(index_dir: Path) -> float:
    """A fresh process, as a person runs it: imports and the up-to-date check included."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "index"],
        check=True,
        capture_output=True,
        env={"HKLAW_INDEX_DIR": str(index_dir), "PATH": "/usr/bin:/bin"},
        cwd=config.ROOT,
    )
    return time.perf_counter() - started


def main() -> None:
    count, raw = raw_throughput()
    print(f"raw embedding throughput: {raw:.1f} chunks/s over {count} chunks")
    with tempfile.TemporaryDirectory() as folder:
        index_dir = Path(folder)
        summary = build(index_dir=index_dir)
        rate = summary.chunks / summary.seconds
        print(f"full build: {summary.seconds:.1f} s, {summary.chunks} chunks, {rate:.1f} chunks/s")
        print(f"build throughput / raw throughput: {rate / raw:.0%} (aim: at least 80 %)")
        in_process = build(index_dir=index_dir)
        print(f"no-op rebuild in process: {in_process.seconds:.2f} s")
        print(f"no-op rebuild, new process: {noop_rebuild_seconds(index_dir):.2f} s (aim: < 2 s)")


if __name__ == "__main__":
    main()
