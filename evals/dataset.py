"""Evaluation datasets (docs/contract.md section 3): JSONL, one question a line.

The whole file is checked before the first question is answered, so a typo on line 80 costs a
second, not a run, and every error names its line. Citation ids are checked against this corpus:
statute files here are often excerpts, so an id that is absent may well exist in the law; the
message says "not in this corpus", never "does not exist".
"""

import json
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from assistant.answer.schema import Turn
from assistant.citations import DOC_RE, SECTION_RE, doc_cite, is_statute_cite, section_of
from assistant.ingest.build import corpus_files
from assistant.ingest.statutes import load_statutes

Row = TypeVar("Row", bound=BaseModel)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Group = Annotated[list[Text], Field(min_length=1)]


class DatasetError(ValueError):
    """A dataset that cannot be run; the message is one line naming the file and line."""


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text
    question: Text
    lang: Literal["en", "zh"]
    history: list[Turn] = []
    expect: Literal["answer", "abstain", "refuse"]
    cite: list[Group] = []
    may_cite: list[Text] = []
    must_say: list[Group] = []
    must_not_say: list[Text] = []
    notes: str = ""
    source: str = ""
    source_url: str = ""

    @model_validator(mode="after")
    def _answers_name_their_citations(self) -> "Example":
        """A question to be answered is scored on what it must cite; a refusal or abstention
        has nothing to cite, so an outside dataset may leave `cite` out there."""
        if self.expect == "answer" and not self.cite:
            raise ValueError("missing field 'cite' (needed where expect is answer)")
        return self

    def citation_ids(self) -> list[str]:
        return [cite for group in self.cite for cite in group] + self.may_cite


def enclosing(cite: str) -> list[str]:
    """The ids above a citation's section: a schedule section's schedule. A gold id names
    everything inside it (contract section 1), so `Cap. 486 Sch. 1` is met by a cited
    `Cap. 486 Sch. 1 s.3(a)`; a main-body section has nothing above it here, since a pinpoint
    already counts as its section and a whole chapter is not a citation id."""
    match = SECTION_RE.fullmatch(cite.strip())
    if not match or not match.group("sch_section"):
        return []
    return [cite.strip()[: match.end("schedule")]]


def resolvable(known: frozenset[str]) -> frozenset[str]:
    """The ids a dataset may name without a warning: the corpus's sections and every id above
    one (`Cap. 486 Sch. 1`, since Schedule 1's sections are here)."""
    return known | {above for cite in known for above in enclosing(cite)}


def known_ids(corpus: Path) -> frozenset[str]:
    """Section-level ids this corpus holds: statute sections (both languages) and doc ids."""
    ordinances, _ = load_statutes(corpus / "statutes")
    found = {section.cite for ordinance in ordinances for section in ordinance.sections}
    found |= {doc_cite(path.stem) for path in corpus_files(corpus) if path.suffix == ".md"}
    return frozenset(found)


def jsonl_lines(path: Path) -> list[tuple[str, str]]:
    """(where, line) for each non-blank line of a JSONL dataset, "where" naming the file and
    line for error messages; an unreadable file raises DatasetError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the dataset ({exc})") from exc
    return [(f"{path}, line {n}", line) for n, line in enumerate(lines, start=1) if line.strip()]


def load_dataset(path: Path, known: frozenset[str], strict: bool = False) -> list[Example]:
    """Every line parsed and checked; the first problem raises DatasetError. An id this corpus
    does not hold is a problem only when strict: otherwise one typo in an outside evaluator's
    dataset would throw away the whole run, so it is left to `unresolved` to list."""
    examples: list[Example] = []
    seen: set[str] = set()
    named = resolvable(known)
    for where, line in jsonl_lines(path):
        example = parse_line(line, where, Example)
        if example.id in seen:
            raise DatasetError(f"{where}: duplicate id {example.id!r}")
        seen.add(example.id)
        for cite in example.citation_ids():
            _check_form(cite, where)
            if strict and section_of(cite) not in named:
                raise DatasetError(f"{where}: {_unknown(cite)}")
        examples.append(example)
    if not examples:
        raise DatasetError(f"{path}: the dataset has no questions")
    return examples


def parse_line(line: str, where: str, model: type[Row]) -> Row:
    """One JSONL line as `model`, or DatasetError naming the line and what is wrong with it;
    datasets and answer files from other systems are read alike."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: bad JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DatasetError(f"{where}: {'; '.join(_describe(e) for e in exc.errors())}") from exc


def _describe(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "line"
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    if error["type"] == "missing":
        return f"missing field {field!r}"
    if error["type"] == "value_error" and not error["loc"]:
        return str(error["ctx"]["error"])
    return f"{field}: {error['msg']}"


def unresolved(examples: list[Example], known: frozenset[str]) -> list[str]:
    """One warning per citation id that resolves to nothing in this corpus, naming the row: the
    row is still run, and an answer can never meet a group made only of such ids."""
    named = resolvable(known)
    return [
        f"{example.id}: {_unknown(cite)}"
        for example in examples
        for cite in dict.fromkeys(example.citation_ids())
        if section_of(cite) not in named
    ]


def _check_form(cite: str, where: str) -> None:
    if not (is_statute_cite(cite) or DOC_RE.fullmatch(cite)):
        raise DatasetError(
            f"{where}: {cite!r} is not a citation id (e.g. 'Cap. 200 s.159AAE' or 'doc:<id>')"
        )


def _unknown(cite: str) -> str:
    return (
        f"unknown citation id {cite!r}: {section_of(cite)} is not in this corpus "
        "(statute files may hold only some sections of a chapter; see "
        "corpus/statutes/MANIFEST.md, and corpus/*/ for doc ids)"
    )
