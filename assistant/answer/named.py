"""Provisions a question names itself: "what does section 159AAE(3) of the Crimes Ordinance
say", "s.64 PDPO", "Cap. 486 Sch. 1", "《個人資料(私隱)條例》第64條". Search ranks by meaning and
words, so a question naming a section could be answered from a neighbouring one; a named
provision is looked up by its id instead.

An ordinance is recognised by its chapter number, its short title, the initials of its title
(PDPO, SDO, COIAO) or its Chinese title, all read from the index, so a chapter added to the corpus
is recognised without a list.
"""

import re

from assistant.answer.messages import ORDINANCE_ZH
from assistant.citations import pinpoint, schedule_cite, section_cite
from assistant.retrieve.catalog import Catalog

_SECTION = re.compile(
    r"(?:\b(?:section|sec\.?|s\.)\s*(?P<number>\d+[A-Z]*)|第\s*(?P<zh>\d+[A-Z]*)\s*條)"
    r"(?P<pinpoint>(?:\([0-9A-Za-z]+\))*)",
    re.IGNORECASE,
)
_SCHEDULE = re.compile(r"\b(?:Schedule|Sch\.)\s*(?P<schedule>\d+)\b|附表\s*(?P<zh>\d+)", re.I)
_CHAPTER = re.compile(r"\bCap(?:\.|ter)?\s*(?P<chapter>\d+)\b|第\s*(?P<zh>\d+)\s*章", re.I)


def named_provisions(question: str, found: Catalog) -> list[str]:
    """Chunk ids of the provisions the question names, in the order named: the exact pinpoint
    when the corpus holds it, else the section's chunks. A section number given without an
    ordinance counts only when one ordinance in the corpus has that section."""
    if not (_SECTION.search(question) or _SCHEDULE.search(question)):
        return []
    names = ordinance_names(found)
    chapters = _chapters(question, names)
    ids: list[str] = []
    for match in _SECTION.finditer(question):
        number = match["number"] or match["zh"]
        labels = re.findall(r"\(([0-9A-Za-z]+)\)", match["pinpoint"] or "")
        candidates = [
            chapter
            for chapter in chapters or list(names)
            if section_cite(chapter, number) in found.by_section
        ]
        if len(candidates) != 1:
            continue
        section = section_cite(candidates[0], number)
        ids += found.chunks_for(pinpoint(section, *labels), section)
    for match in _SCHEDULE.finditer(question):
        for chapter in chapters:
            schedule = schedule_cite(chapter, match["schedule"] or match["zh"])
            inside = [
                cid
                for cite, chunks in found.by_section.items()
                if cite.startswith(schedule + " ")
                for cid in chunks
            ]
            ids += inside[:1]
    return list(
        dict.fromkeys(cid for cid in ids if found.metadata[cid].get("unit") != "definition")
    )


def _chapters(question: str, names: dict[str, tuple[str, ...]]) -> list[str]:
    named = [m["chapter"] or m["zh"] for m in _CHAPTER.finditer(question)]
    lowered = question.lower()
    for chapter, titles in names.items():
        if any(_mentions(lowered, title) for title in titles):
            named.append(chapter)
    return [chapter for chapter in dict.fromkeys(named) if chapter in names]


def _mentions(lowered: str, name: str) -> bool:
    if name.isupper():
        return re.search(rf"\b{re.escape(name.lower())}\b", lowered) is not None
    return name.lower() in lowered


def ordinance_names(found: Catalog) -> dict[str, tuple[str, ...]]:
    """For each chapter: its titles (English and Chinese) and the initials of its English title."""
    names: dict[str, set[str]] = {}
    for meta in found.metadata.values():
        if meta.get("kind") != "statute":
            continue
        chapter = str(meta["section_cite"]).split()[1]
        title = str(meta.get("title", ""))
        given = names.setdefault(chapter, set())
        given.add(title)
        given.add(ORDINANCE_ZH.get(title, title).strip("《》"))
        initials = "".join(word[0] for word in re.findall(r"[A-Z][a-z]+", title))
        if len(initials) >= 3:
            given.add(initials)
    return {chapter: tuple(sorted(given)) for chapter, given in names.items()}
