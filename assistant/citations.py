"""Citation ids as defined in docs/contract.md section 1.

Outside evaluators match on these strings, so every module builds and parses them here and
nowhere else.
"""

import re

_PINPOINT = r"(?:\([0-9A-Za-z]+\))*"
SECTION_RE = re.compile(
    r"Cap\.\s?(?P<chapter>\d+[A-Z]*)\s+"
    r"(?:(?P<schedule>Sch\.\s?\d+[A-Z]*)(?:\s+s\.(?P<sch_section>\d+[A-Z]*))?"
    r"|s\.(?P<section>\d+[A-Z]*))"
    rf"(?P<pinpoint>{_PINPOINT})"
)
DOC_RE = re.compile(r"doc:(?P<id>[a-z0-9][a-z0-9-]*[a-z0-9])")
CITATION_GROUP = re.compile(
    rf"\((?:\s*(?:and\s+)?(?:{SECTION_RE.pattern}|{DOC_RE.pattern})\s*[;,]?)+\s*\)"
)


def section_cite(chapter: str, section: str) -> str:
    """`Cap. 200 s.159AAE` for a main-body section."""
    return f"Cap. {chapter} s.{section}"


def schedule_cite(chapter: str, schedule: str, section: str | None = None) -> str:
    """`Cap. 486 Sch. 1` or `Cap. 486 Sch. 1 s.3`: schedule sections never take main-body ids."""
    base = f"Cap. {chapter} Sch. {schedule}"
    return f"{base} s.{section}" if section else base


def pinpoint(cite: str, *labels: str) -> str:
    """Append subsection/paragraph labels: pinpoint('Cap. 200 s.159AAE', '2') -> '...(2)'."""
    return cite + "".join(f"({label})" for label in labels)


def section_of(cite: str) -> str:
    """The section a citation counts as for matching: pinpoints drop, doc ids stay."""
    cite = cite.strip()
    match = SECTION_RE.fullmatch(cite)
    if not match:
        return cite
    return cite[: match.start("pinpoint")]


def is_statute_cite(cite: str) -> bool:
    return SECTION_RE.fullmatch(cite.strip()) is not None


def doc_cite(doc_id: str) -> str:
    return f"doc:{doc_id}"


def find_cites(text: str) -> list[str]:
    """Every statute or doc citation written in free text, in order of appearance."""
    found = [(m.start(), m.group(0)) for m in SECTION_RE.finditer(text)]
    found += [(m.start(), m.group(0)) for m in DOC_RE.finditer(text)]
    return [cite for _, cite in sorted(found)]


def cite_groups(text: str) -> list[list[str]]:
    """The citations of each bracketed group, in order: a corpus document ends every claim with
    one, e.g. "(Cap. 200 s.159AAE(1); doc:help-police)"."""
    return [find_cites(match.group(0)) for match in CITATION_GROUP.finditer(text)]
