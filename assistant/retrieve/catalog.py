"""Lookups over the index by citation, section, document and defined term.

Legal expansion and the extractive answer ask for "the chunk of Cap. 200 s.159AAE(2)", "the lead
of this explainer" or "the definitions that apply in Part XIIAA"; the index stores chunks by id
only, so these tables are built once per opened index.
"""

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from assistant.store import Index, bm25_tokenize, read_ahead

# The words that open an interpretation provision say how far its definitions reach.
_SCOPE = re.compile(
    r"^(?:\(\w+\)\s*)?(?:In this (?P<en>Ordinance|Part|Division|Subdivision|section)"
    r"|在本(?P<zh>條例|部|分部|次分部|條)中)"
)
_LEVELS = {
    "Ordinance": 0, "條例": 0,
    "Part": 1, "部": 1,
    "Division": 2, "分部": 2,
    "Subdivision": 3, "次分部": 3,
}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff]")
_MENTION = re.compile(r"\bsections?\s+((?:\d+[A-Z]*(?:\(\w+\))*(?:,\s*|\s+(?:or|and|to)\s+)?)+)")
_NUMBER = re.compile(r"(?<![(\w])(\d+[A-Z]*)")
_BRACKETED = re.compile(r"^[^(]+\(([^)]+)\)")
_PRISON = re.compile(r"imprisonment for (?P<n>\d+)\s*(?P<unit>year|month)", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """A defined term and where its definition applies."""

    term: str
    chunk_id: str
    section_cite: str
    path: tuple[str, ...]
    only_section: bool
    pattern: re.Pattern[str]

    def applies_to(self, metadata: dict[str, Any]) -> bool:
        if self.only_section:
            return metadata["section_cite"] == self.section_cite
        return split_path(metadata)[: len(self.path)] == self.path


def split_path(metadata: dict[str, Any]) -> tuple[str, ...]:
    path = str(metadata.get("path") or "")
    return tuple(part for part in path.split(" / ") if part)


def cite_key(cite: str) -> tuple[tuple[int, int, str], ...]:
    """Sorts s.2 before s.10 and (2) before (10): the order the law is printed in."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|[A-Za-z]+", cite)
    )


def is_within(cite: str, outer: str) -> bool:
    """True when cite is outer itself or one of its pinpoints: s.159AAE(2) is within s.159AAE,
    s.159AAE is not within s.159AA."""
    return cite == outer or cite.startswith(outer + "(")


@dataclass
class Catalog:
    texts: Mapping[str, str]
    metadata: Mapping[str, Mapping[str, Any]]
    by_section: dict[str, list[str]]
    by_doc: dict[str, list[str]]
    terms: dict[str, list[Term]]
    twins: dict[str, dict[str, str]]
    _penalties: dict[str, float] = field(default_factory=dict)
    _mentions: dict[str, set[str]] = field(default_factory=dict)

    @cached_property
    def term_names(self) -> list[tuple[str, Term]]:
        """Every defined term under its name and under the Chinese name its English definition
        gives in brackets ("intimate image (私密影像), in relation to..."), read once."""
        named = []
        for terms in self.terms.values():
            for term in terms:
                named.append((term.term, term))
                bracketed = _BRACKETED.match(self.texts[term.chunk_id])
                if bracketed:
                    named.append((bracketed.group(1), term))
        return named

    def mentioning(self, section_cite: str) -> set[str]:
        """The sections whose text refers to this one ("an offence under section 159AAC(1)"):
        s.159AAD, publishing images from voyeurism or upskirting, goes with s.159AAB and
        s.159AAC. Read from the official English text, within the same ordinance."""
        if not self._mentions:
            for cid, meta in self.metadata.items():
                if meta.get("kind") != "statute" or language_of(meta) != "en":
                    continue
                own = str(meta["section_cite"])
                chapter = own.split(" s.")[0]
                for listed in _MENTION.findall(self.texts[cid]):
                    for number in _NUMBER.findall(listed):
                        cited = f"{chapter} s.{number}"
                        if cited != own:
                            self._mentions.setdefault(cited, set()).add(own)
        return self._mentions.get(section_cite, set())

    def penalty_years(self, section_cite: str) -> float:
        """The longest prison term the section's own text states, in years; 0 when it states
        none. Read from the official text, so "most serious first" needs no list of offences."""
        if section_cite not in self._penalties:
            read_ahead(self.texts, self.by_section.get(section_cite, []))
            terms = [
                int(match["n"]) / (1 if match["unit"].lower() == "year" else 12)
                for cid in self.by_section.get(section_cite, [])
                for match in _PRISON.finditer(self.texts[cid])
            ]
            self._penalties[section_cite] = max(terms, default=0.0)
        return self._penalties[section_cite]

    def penalty_provisions(self, section_cite: str) -> list[str]:
        """The chunks of a section that state a prison term, in the order the law prints them."""
        read_ahead(self.texts, self.by_section.get(section_cite, []))
        return [
            cid
            for cid in self.by_section.get(section_cite, [])
            if self.metadata[cid].get("unit") != "definition" and _PRISON.search(self.texts[cid])
        ]

    def lead(self, doc_id: str) -> str | None:
        """The chunk id of a document's lead paragraph, the answer it gives in brief."""
        ids = self.by_doc.get(doc_id, [])
        return next((cid for cid in ids if self.metadata[cid].get("unit") == "lead"), None)

    def in_language(self, doc_id: str, language: str) -> str:
        """The document's twin written in language ("en" or "zh"), or the document itself when
        it has none: a Chinese question is answered from the Chinese explainer even when the
        English one was retrieved, and the other way round."""
        return self.twins.get(doc_id, {}).get(language, doc_id)

    def translation(self, chunk_id: str, language: str) -> str:
        """The chunk of the same provision in language, when the corpus has that text."""
        meta = self.metadata[chunk_id]
        if language_of(meta) == language:
            return chunk_id
        same = [
            cid
            for cid in self.by_section.get(str(meta["section_cite"]), [])
            if self.metadata[cid]["cite"] == meta["cite"]
            and self.metadata[cid].get("unit") == meta.get("unit")
            and language_of(self.metadata[cid]) == language
        ]
        return same[0] if same else chunk_id

    def chunks_for(self, cite: str, section_cite: str, language: str | None = None) -> list[str]:
        """The chunks that hold a pinpoint: the chunk cited exactly, else the nearest enclosing
        one, else every chunk inside it (a section cited whole but stored by subsection). With
        a language, the text in that language when the corpus has it (Cap. 486 in Chinese)."""
        ids = self.by_section.get(section_cite, [])
        if language:
            own = [cid for cid in ids if language_of(self.metadata[cid]) == language]
            ids = own or ids
        exact = [cid for cid in ids if self.metadata[cid]["cite"] == cite]
        if exact:
            return exact
        enclosing = [cid for cid in ids if is_within(cite, str(self.metadata[cid]["cite"]))]
        if enclosing:
            longest = max(len(str(self.metadata[cid]["cite"])) for cid in enclosing)
            return [cid for cid in enclosing if len(str(self.metadata[cid]["cite"])) == longest]
        return [cid for cid in ids if is_within(str(self.metadata[cid]["cite"]), cite)]


@lru_cache(maxsize=4)
def catalog(index: Index) -> Catalog:
    """Kept for the few indexes a process opens: a rebuild opens a new one, and the old one is
    let go once it falls out."""
    by_section: dict[str, list[str]] = defaultdict(list)
    by_doc: dict[str, list[str]] = defaultdict(list)
    for cid, meta in index.metadata.items():
        by_section[str(meta["section_cite"])].append(cid)
        by_doc[str(meta["doc_id"])].append(cid)

    def order(cid: str) -> tuple[Any, ...]:
        meta = index.metadata[cid]
        return (meta.get("unit") == "definition", int(meta.get("ord", 0)), cite_key(meta["cite"]))

    for ids in (*by_section.values(), *by_doc.values()):
        ids.sort(key=order)
    found = Catalog(index.texts, index.metadata, dict(by_section), dict(by_doc), {}, _twins(index))
    found.terms = _terms(found)
    return found


def language_of(metadata: dict[str, Any]) -> str:
    return "zh" if str(metadata.get("language", "en")).startswith("zh") else "en"


def _twins(index: Index) -> dict[str, dict[str, str]]:
    """For every document with a twin, both documents by language, under either id."""
    twins: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in index.metadata.values():
        twin = str(meta.get("twin") or "")
        if twin and meta.get("unit") == "lead":
            doc_id = str(meta["doc_id"])
            pair = {language_of(meta): doc_id, "en" if language_of(meta) == "zh" else "zh": twin}
            twins[doc_id] |= pair
            twins[twin] |= pair
    return dict(twins)


def _terms(found: Catalog) -> dict[str, list[Term]]:
    terms: dict[str, list[Term]] = defaultdict(list)
    for cid, meta in found.metadata.items():
        if meta.get("unit") != "definition" or not meta.get("term"):
            continue
        term = str(meta["term"])
        level, only_section = _scope(found, meta)
        path = split_path(meta)
        word = re.escape(term) if _CJK.search(term) else rf"(?<!\w){re.escape(term)}s?(?!\w)"
        terms[str(meta["doc_id"])].append(
            Term(
                term=term,
                chunk_id=cid,
                section_cite=str(meta["section_cite"]),
                path=path[:level] if level is not None else path,
                only_section=only_section,
                pattern=re.compile(word, re.IGNORECASE),
            )
        )
    return dict(terms)


def _scope(found: Catalog, definition: dict[str, Any]) -> tuple[int | None, bool]:
    """(path depth the definition applies to, whether it applies to its own section only),
    read from the words that open the provision holding it."""
    holders = [
        cid
        for cid in found.chunks_for(str(definition["cite"]), str(definition["section_cite"]))
        if found.metadata[cid].get("unit") != "definition"
    ]
    for cid in holders:
        match = _SCOPE.match(found.texts[cid])
        if match:
            word = match.group("en") or match.group("zh")
            if word in ("section", "條"):
                return None, True
            return _LEVELS[word], False
    return None, False


@lru_cache(maxsize=4096)
def words(text: str) -> frozenset[str]:
    """Stemmed content words, the same ones BM25 matches on."""
    tokenized = bm25_tokenize([text])
    return frozenset(tokenized.vocab) - {""}


def best_match(ids: list[str], text: str, found: "Catalog") -> str | None:
    """The chunk among ids that a sentence is about when it cites a larger unit: the definition
    of the longest term the sentence uses, else the chunk sharing most words with it for its
    length."""
    wanted = words(text)
    lowered = text.lower()
    read_ahead(found.texts, ids)

    def fit(cid: str) -> tuple[int, float]:
        theirs = words(found.texts[cid])
        term = str(found.metadata[cid].get("term") or "").lower()
        named = len(term) if term and term in lowered else 0
        return named, len(wanted & theirs) / max(len(theirs), 1) ** 0.5

    return max(ids, key=fit, default=None)
