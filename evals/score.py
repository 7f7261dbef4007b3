"""`python -m evals score`: answers written by any system, scored as `run` scores its own.

Each line of the answers file is one answer (docs/contract.md section 5); the `ask --json`
object with an added `id` is one such line. A line becomes the same record `run` makes, so the
figures come from the same evaluators and report. Every quote is checked verbatim against the
chunks of the section it cites in this project's index, never against what the line says about
itself (a `chunk_id` from another system's store would mean nothing here).

What a file cannot be scored with stops the command with one line naming it: unreadable or
malformed JSON, a line that is not an answer, an id twice, an id the dataset does not hold (the
answers were written for another dataset). A question of the dataset with no answer line is a
warning and is left out of the figures, so a system that failed on a few questions can still be
measured; `--strict` makes it an error.
"""

import time
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    StringConstraints,
    field_validator,
)

from assistant.answer.schema import Answer, Citation, Status, Timings
from evals.base import Record
from evals.dataset import DatasetError, Example, parse_line
from evals.runner import Checked, check, evaluators, report_on, sha256

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class QuotedCitation(BaseModel):
    """A citation as another system gives it: the id and the words it quotes."""

    model_config = ConfigDict(extra="ignore")

    cite: Text
    quote: str
    n: int | None = None
    doc_id: str = ""
    title: str = ""
    url: str = ""
    version_date: str = ""


class Reported(BaseModel):
    model_config = ConfigDict(extra="ignore")

    total: float


class AnswerLine(BaseModel):
    """One line of an answers file; fields it does not name (the rest of `ask --json`) are
    ignored."""

    model_config = ConfigDict(extra="ignore")

    id: Text
    status: Status = "answered"
    answer: str
    citations: list[QuotedCitation] = []
    retrieved: list[str] | None = None
    disclaimer: str = ""
    timings_ms: Reported | None = None
    backend: str = ""

    @field_validator("timings_ms", mode="before")
    @classmethod
    def _total_or_nothing(cls, value: Any) -> Any:
        """Timings without a total say nothing about the whole answer's time."""
        return value if isinstance(value, dict) and "total" in value else None


def score(
    dataset: Path, answers: Path, out: Path, strict: bool = False, system: str | None = None
) -> dict[str, Any]:
    """The report of `run`, for answers already written; `system` names who wrote them
    (default: the answers file's name)."""
    from assistant.retrieve.hybrid import load_index

    started = time.perf_counter()
    checked = check(dataset, out, strict)
    lines = load_answers(answers, checked, strict)
    index = load_index()
    records = [
        record(example, lines[example.id]) for example in checked.examples if example.id in lines
    ]
    ranked = {line.id for line in lines.values() if line.retrieved is not None}
    timed = {line.id for line in lines.values() if line.timings_ms is not None}
    backends = sorted({line.backend for line in lines.values() if line.backend})
    meta = {
        "system": system or answers.stem,
        "backend": ", ".join(backends) or None,
        "answers": {"path": str(answers), "sha256": sha256(answers), "n": len(lines)},
        "retrieval_default": None,
    }
    evaluator = evaluators(checked.known, index, checked.twins, ranked=ranked, timed=timed)
    return report_on(checked, records, evaluator, index, out, meta, started)


def load_answers(path: Path, checked: Checked, strict: bool = False) -> dict[str, AnswerLine]:
    """Answer lines by question id; a dataset question with no line is added to the
    checked dataset's warnings (an error when strict)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the answers ({exc})") from exc
    wanted = {example.id for example in checked.examples}
    lines: dict[str, AnswerLine] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path}, line {number}"
        line = parse_line(raw, where, AnswerLine)
        if line.id in lines:
            raise DatasetError(f"{where}: a second answer for {line.id!r}")
        if line.id not in wanted:
            raise DatasetError(f"{where}: {line.id!r} is not a question of {checked.path}")
        lines[line.id] = line
    if not lines:
        raise DatasetError(f"{path}: the answers file has no answers")
    missing = [example.id for example in checked.examples if example.id not in lines]
    if missing and strict:
        raise DatasetError(f"{path}: no answer for {len(missing)} questions, e.g. {missing[0]!r}")
    checked.warnings += [f"{example_id}: no answer in {path}" for example_id in missing]
    return lines


def record(example: Example, line: AnswerLine) -> Record:
    """The record `run` would have made had this system answered inside the harness; the
    time is the one the line reports (none: 0, and left out of the latency figures)."""
    citations = [
        Citation(
            n=quoted.n if quoted.n is not None else position,
            cite=quoted.cite,
            doc_id=quoted.doc_id,
            title=quoted.title,
            url=quoted.url,
            version_date=quoted.version_date,
            quote=quoted.quote,
        )
        for position, quoted in enumerate(line.citations, start=1)
    ]
    millis = line.timings_ms.total if line.timings_ms else 0.0
    answer = Answer(
        question=example.question,
        language=example.lang,
        status=line.status,
        answer=line.answer,
        citations=citations,
        disclaimer=line.disclaimer,
        timings_ms=Timings(total=millis),
        retrieved=line.retrieved or [],
        backend=line.backend,
    )
    return Record(example, answer, millis / 1000)
