"""Which statute sections the explainers explain: a section no explainer sentence cites can only
be answered by quoting the law bare, so every provision in scope (evals/coverage.toml) that
creates an offence, a defence, a definition, a remedy or a power needs at least one.

The kind of a section is read from its official English text, so a section added to the corpus
is classified without anyone listing it.
"""

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from assistant.citations import find_cites, section_of
from assistant.config import corpus_dir
from assistant.ingest.build import DOC_FOLDERS
from assistant.ingest.documents import Document, load_document
from assistant.ingest.statutes import Ordinance, Section, load_statutes

SCOPE_FILE = Path(__file__).with_name("coverage.toml")
# A prohibition (an act made unlawful, the civil counterpart of an offence) and a duty (what a
# data user or the Commissioner must do) are read as provisions to explain too.
KINDS: dict[str, re.Pattern[str]] = {
    "offence": re.compile(r"commits an offence|guilty of an offence|liable on conviction", re.I),
    "prohibition": re.compile(r"\bunlawful\b", re.I),
    "defence": re.compile(r"\bdefence\b|\bexempt|\bimmun|not (?:civilly )?liable", re.I),
    "definition": re.compile(
        r"\bmeans\b|\bincludes\b|regarded as|disregard|^interpretation|^meaning of", re.I
    ),
    "remedy": re.compile(
        r"compensation|injunction|damages|forfeit|\border\b|\bclaim\b|remed", re.I
    ),
    "power": re.compile(r"\bmay\b(?! be cited)", re.I),
    "duty": re.compile(r"\bmust\b|\bshall\b(?! be cited)", re.I),
}


@dataclass(frozen=True)
class Row:
    cite: str
    heading: str
    kinds: tuple[str, ...]
    explainers: tuple[str, ...]

    @property
    def required(self) -> bool:
        return bool(self.kinds)

    @property
    def uncovered(self) -> bool:
        return self.required and not self.explainers


def in_scope(section: Section, scope: dict) -> bool:
    chapter = scope.get(section.chapter)
    if chapter is None or section.status != "operational" or not section.text.strip():
        return False
    if chapter.get("all"):
        return True
    if section.schedule is not None:
        return section.schedule in chapter.get("schedules", [])
    parts = {path.split(" ")[1] for path in section.path[:1] if path.startswith("Part ")}
    wanted = {part.removeprefix("Part ") for part in chapter.get("parts", [])}
    return bool(parts & wanted) or section.number in chapter.get("sections", [])


def kinds_of(section: Section) -> tuple[str, ...]:
    text = f"{section.heading}\n{section.text}"
    found = [kind for kind, pattern in KINDS.items() if pattern.search(text)]
    if section.definitions and "definition" not in found:
        found.append("definition")
    return tuple(found)


def table(ordinances: list[Ordinance], documents: list[Document]) -> list[Row]:
    """One row per in-scope section of the English statutes, with the English explainers that
    cite it (a schedule section counts its own id and the schedule's)."""
    scope = tomllib.loads(SCOPE_FILE.read_text(encoding="utf-8"))["chapters"]
    citing: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        if doc.meta.kind == "explainer" and doc.meta.language == "en":
            for cite in find_cites(doc.body):
                citing[section_of(cite)].add(doc.meta.id)
    rows = []
    for ordinance in ordinances:
        if ordinance.language != "en":
            continue
        for section in ordinance.sections:
            if in_scope(section, scope):
                rows.append(
                    Row(
                        section.cite,
                        " ".join(section.heading.split()),
                        kinds_of(section),
                        tuple(sorted(citing.get(section.cite, ()))),
                    )
                )
    return rows


def markdown(rows: list[Row]) -> str:
    required = [row for row in rows if row.required]
    covered = sum(not row.uncovered for row in required)
    lines = [
        f"# Explainer coverage: {covered} of {len(required)} provisions in scope",
        "",
        "| section | heading | kind | explainers citing it |",
        "|---|---|---|---|",
    ]
    for row in rows:
        kinds = ", ".join(row.kinds) or "(not required)"
        cited = ", ".join(row.explainers) or ("**none**" if row.required else "")
        lines.append(f"| `{row.cite}` | {row.heading} | {kinds} | {cited} |")
    return "\n".join(lines) + "\n"


def current() -> list[Row]:
    """The table for the corpus as it is on disk; needs no index."""
    ordinances, _ = load_statutes(corpus_dir() / "statutes")
    paths = sorted(p for folder in DOC_FOLDERS for p in (corpus_dir() / folder).glob("*.md"))
    return table(ordinances, [load_document(path) for path in paths])
