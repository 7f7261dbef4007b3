"""`python -m evals compare`: metric deltas and flipped questions of two reports (issue #13).

The slow tests compare a real run of the smoke set with a copy of its report in which one
question was made to fail, so every flip is known in advance.
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from evals import __main__ as cli
from evals import compare

SMOKE = Path(__file__).resolve().parent.parent / "evals" / "datasets" / "gold-smoke.jsonl"
QUESTIONS = [
    json.loads(line)["question"] for line in SMOKE.read_text(encoding="utf-8").splitlines()
]


@pytest.fixture(scope="module")
def smoke_run(built_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "smoke"
    assert cli.main(["run", "--dataset", str(SMOKE), "--out", str(out)]) == 0
    return out


def read(run: Path) -> dict[str, Any]:
    return json.loads((run / "report.json").read_text(encoding="utf-8"))


def edited(run: Path, to: Path, change: Any) -> Path:
    shutil.copytree(run, to)
    data = read(to)
    change(data)
    (to / "report.json").write_text(json.dumps(data), encoding="utf-8")
    return to


def sound(item: dict[str, Any]) -> bool:
    """Answered as expected, found and cited everything, said what it must."""
    scores = item["scores"]
    return (
        item["status"] == "answered"
        and scores.get("retrieval_hit") == 1
        and scores.get("cite_groups_met") == scores.get("cite_groups")
        and not any(check.startswith("must_say") for check in item["failed"])
    )


def break_one(data: dict[str, Any]) -> None:
    """The first sound English question abstains, with everything that follows from it."""
    item = next(i for i in data["items"] if i["lang"] == "en" and sound(i))
    item["status"] = "abstained"
    item["scores"] |= {"retrieval_hit": 0, "cite_groups_met": 0}
    item["failed"].append("must_say: none of ['offence']")
    data["metrics"]["citation_recall"] -= 0.25
    data["by_language"]["en"]["citation_recall"] -= 0.25


def first_sound_id(run: Path) -> str:
    return next(i["id"] for i in read(run)["items"] if i["lang"] == "en" and sound(i))


@pytest.mark.slow
def test_compare_prints_deltas_and_flips_but_no_question(
    smoke_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_id = first_sound_id(smoke_run)
    worse = edited(smoke_run, tmp_path / "worse", break_one)
    capsys.readouterr()
    assert cli.main(["compare", str(smoke_run), str(worse)]) == 0
    out, err = capsys.readouterr()
    recall = read(smoke_run)["metrics"]["citation_recall"]
    row = f"| `citation_recall` | {recall:.3f} | {recall - 0.25:.3f} | -0.250 | worse |"
    assert out.count(row) == 2  # overall and English
    assert "## Questions that flipped (4)" in out
    assert f"| `{broken_id}` | en | status | answered | abstained | broken |" in out
    for check in ("retrieval_hit", "cite_groups", "must_say"):
        assert f"| `{broken_id}` | en | {check} |" in out
    assert not any(question in out + err for question in QUESTIONS)
    assert err == ""
    assert cli.main(["compare", str(worse), str(smoke_run)]) == 0
    assert (
        f"| `{broken_id}` | en | status | abstained | answered | fixed |" in capsys.readouterr().out
    )


@pytest.mark.slow
def test_compare_writes_its_files_atomically_and_never_over_a_run(
    smoke_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worse = edited(smoke_run, tmp_path / "worse", break_one)
    out = tmp_path / "cmp"
    for _ in range(2):  # the second run replaces the first comparison
        assert cli.main(["compare", str(smoke_run), str(worse), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(compare.OUTPUTS)
    result = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert result["same_dataset"] and result["shared"] == len(QUESTIONS)
    assert len(result["flips"]) == 4
    assert "![metrics, A and B](compare.png)" in (out / "compare.md").read_text(encoding="utf-8")
    assert (out / "compare.png").read_bytes().startswith(b"\x89PNG")
    assert not list(tmp_path.glob(".*"))
    capsys.readouterr()
    assert cli.main(["compare", str(smoke_run), str(worse), "--out", str(worse)]) == 2
    assert "does not hold a compare.json" in capsys.readouterr().err
    assert (worse / "report.json").is_file()


@pytest.mark.slow
def test_different_datasets_are_compared_on_shared_ids_with_a_warning(
    smoke_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def other_dataset(data: dict[str, Any]) -> None:
        data["dataset"]["sha256"] = "f" * 64
        data["items"] = data["items"][:5]

    other = edited(smoke_run, tmp_path / "other", other_dataset)
    capsys.readouterr()
    assert cli.main(["compare", str(smoke_run), str(other)]) == 0
    out, err = capsys.readouterr()
    assert "used different datasets; questions are compared on the 5 ids both hold" in err
    assert "- 5 questions in both" in out
    assert "## Questions that flipped (0)" in out


def test_compare_needs_two_report_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty, bad = tmp_path / "empty", tmp_path / "bad"
    empty.mkdir()
    bad.mkdir()
    (bad / "report.json").write_text("{not json", encoding="utf-8")
    assert cli.main(["compare", str(empty), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {empty} holds no report.json") and err.count("\n") == 1
    assert cli.main(["compare", str(bad), str(bad)]) == 2
    assert "cannot read the report" in capsys.readouterr().err
    assert not list(tmp_path.glob("cmp*"))
