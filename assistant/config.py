"""Where things live, overridable from the environment so the same code serves a laptop,
CI and a shared Chroma server."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    return Path(os.environ.get("HKLAW_CORPUS_DIR", ROOT / "corpus"))


def index_dir() -> Path:
    return Path(os.environ.get("HKLAW_INDEX_DIR", ROOT / "index"))


def intents_file() -> Path:
    """The question classifier's training examples, read at build time."""
    return Path(os.environ.get("HKLAW_INTENTS", ROOT / "evals" / "datasets" / "intents.jsonl"))


def chroma_server() -> tuple[str, int] | None:
    """(host, port) when CHROMA_HOST is set: the index then lives in a Chroma server."""
    host = os.environ.get("CHROMA_HOST")
    if not host:
        return None
    return host, int(os.environ.get("CHROMA_PORT", "8000"))


def exact_limit() -> int:
    """The largest build searched exactly in memory; a larger one is searched through Chroma's
    approximate (HNSW) index and read from Chroma as needed. Read when a build is made."""
    return int(os.environ.get("HKLAW_EXACT_LIMIT", "100000"))
