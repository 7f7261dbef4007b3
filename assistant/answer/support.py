"""Is a generated sentence supported by the sources it cites? The check an LLM answer must pass
sentence by sentence before it is shown.

A model may cite a source it was not given, change a number, name an ordinance that does not
exist, or write something that merely sounds like the passage. So a sentence is kept only when,
in order: its markers name given sources; every figure (number, amount, duration, age, fine
level), section id and ordinance name it states occurs in a cited source; every key legal term
it uses (offence names and defined terms, read from the statutes in the index) occurs there too;
and one sentence or clause of a cited source is close enough to it in meaning. That clause,
verbatim, is the quote shown for the claim.

No entailment (NLI) model ships inside a PyPI package, so offline, meaning is measured by
embedding similarity, with thresholds calibrated on evals/datasets/support-pairs.jsonl
(`python -m evals support-pairs`). Similarity cannot see a changed number or a swapped
offence, which is why the exact checks come first.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.answer.named import ordinance_names
from assistant.citations import SECTION_RE, find_cites
from assistant.embed import load_multilingual
from assistant.retrieve import glossary, hybrid
from assistant.retrieve.catalog import catalog, language_of
from assistant.store import Index
from assistant.text import has_cjk, normalise, sentences, spoken

# The bars the closest clause's cosine must reach, by comparison, each the best-accuracy bar on
# the dev pairs of evals/datasets/support-pairs.jsonl (94 pairs), rounded to two places. With
# them, `python -m evals support-pairs` gave: dev accuracy 0.872, precision 0.927, recall
# 0.809; test (88 pairs, never tuned on) accuracy 0.795, precision 0.857, recall 0.698.
ENGLISH_THRESHOLD = 0.78
MULTILINGUAL_THRESHOLD = 0.61
CROSS_LINGUAL_THRESHOLD = 0.26
THRESHOLDS = {
    "english": ENGLISH_THRESHOLD,
    "multilingual": MULTILINGUAL_THRESHOLD,
    "cross-lingual": CROSS_LINGUAL_THRESHOLD,
}

MARKER = re.compile(r"\[(\d+)\]")
_WORD_NUMBERS = {
    word: n
    for n, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
        + ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen")
        + ("eighteen", "nineteen", "twenty")
    )
    if n >= 2
}
_WORD_NUMBER = re.compile(rf"\b({'|'.join(_WORD_NUMBERS)})\b", re.IGNORECASE)
_ZH_DIGITS = dict(zip("零一二兩三四五六七八九", [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9], strict=True))
_ZH_NUMERAL = re.compile(
    r"([零一二兩三四五六七八九十百千]+)(?=\s*(?:年|個月|月|星期|週|周|日|天|歲|級罰款|萬|元|倍))"
)
_NUMBER = re.compile(
    r"(?P<digits>\d(?:[\d,]*\d)?(?:\.\d+)?)(?:\s*(?P<scale>million|百萬|萬))?", re.IGNORECASE
)
_SCALES = {"million": 1e6, "百萬": 1e6, "萬": 1e4}
_UNITS = {  # unit: (pattern of what follows the number, pattern of what precedes it)
    "money": (r"\s*(?:元|dollars?\b)", r"\$\s*$"),
    "level": (r"\s*級", r"level\s*$"),
    "year": (r"[\s-]*(?:years?\b|年)", r"(?!)"),
    "month": (r"[\s-]*(?:months?\b|個月)", r"(?!)"),
    "day": (r"[\s-]*(?:days?\b|日|天)", r"(?!)"),
}
_PINPOINTS = r"(?:\s?\([0-9A-Za-z]+\))*"
_CHAPTER = re.compile(r"(?:Cap\.|Chapter)\s?(\d+[A-Z]*)|第\s?(\d+[A-Z]*)\s?章")
_SECTION = re.compile(
    rf"(?:\bsections?|\bss?\.)\s?(\d+[A-Z]*{_PINPOINTS})|第\s?(\d+[A-Z]*{_PINPOINTS})\s?條"
    rf"|(?<![(\w])(\d+[A-Z]+{_PINPOINTS})"
)
_LABEL = re.compile(r"\(\d+[A-Za-z]*\)")
_SUBSECTION = re.compile(r"\bsub-?sections?\s?(\([0-9A-Za-z]+\))|第\s?(\([0-9A-Za-z]+\))\s?款")
_ORDINANCE = re.compile(
    r"(?:[A-Z][\w’'-]*|\([A-Z][^()]*\))(?:\s+(?:[A-Z][\w’'-]*|\([A-Z][^()]*\)|of|and))*"
    r"\s+Ordinance(?:\s+\d{4})?"
)
_ORDINANCE_ZH = re.compile(r"《([^《》]+?)》|([\u4e00-\u9fff()]{2,16}?條例)")
_LEADING = re.compile(r"^(?:(?:The|A|An|Under|In|By|See)\s+)+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CLAUSE_END = re.compile(r"(?<=[;；:：,，])\s+|\s*(?:—|——|–)\s*")
_OFFENCE = re.compile(r"commits? (?:an offence|\w+ if)|guilty of an offence|即屬犯罪")
_DEFINITION_PAIR = re.compile(r"^[^()（）]+?\s?[(（](?P<other>[^()（）]*[^\W\d][^()（）]*)[)）]")
MIN_CLAUSE_CHARS = 12


@dataclass(frozen=True)
class Source:
    """One numbered source given to the model: its citation id, chunk and text."""

    n: int
    cite: str
    chunk_id: str
    text: str


@dataclass(frozen=True)
class Verdict:
    supported: bool
    reason: str
    quote: str
    cited: tuple[int, ...]


def check_sentence(sentence: str, sources: Mapping[int, Source], language: str) -> Verdict:
    """The verdict on one generated sentence: supported only when it passes every check."""
    numbers = tuple(dict.fromkeys(int(n) for n in MARKER.findall(sentence)))
    if not numbers:
        return Verdict(False, "no source marker", "", ())
    missing = [n for n in numbers if n not in sources]
    cited = tuple(n for n in numbers if n in sources)
    if missing:
        return Verdict(False, f"source [{missing[0]}] was not given", "", cited)
    claim = claim_text(sentence)
    if not claim:
        return Verdict(False, "no claim", "", cited)
    found = assess(claim, [sources[n] for n in cited], language)
    reason = found.reason
    if not reason and found.similarity < THRESHOLDS[found.space]:
        reason = f"no cited clause is close in meaning ({found.similarity:.2f})"
    return Verdict(not reason, reason, found.quote, cited)


@dataclass(frozen=True)
class Assessment:
    """What the checks found before the similarity bar is applied: why the claim fails the
    exact checks ("" when it passes), the closest clause, its similarity, and which
    comparison it was ("english", "multilingual" or "cross-lingual")."""

    reason: str
    quote: str
    similarity: float
    space: str


def assess(claim: str, given: list[Source], language: str) -> Assessment:
    """The claim against its cited sources. A claim that states figures is compared only with
    the sentences that state them all: a passage that gives 5 years for one offence and 14 for
    another does not support 5 years for the second."""
    reason = _unstated(claim, given) or _unknown_terms(claim, given)
    own = _figures(claim)
    candidates = [
        pair
        for source in given
        for pair in clauses(source.text)
        if all(_stated(figure, _figures(pair[1])) for figure in own)
    ]
    if not candidates:
        reason = reason or "no cited sentence states all its figures"
        candidates = [pair for source in given for pair in clauses(source.text)]
    quote, similarity, space = closest(claim, candidates, given, language)
    return Assessment(reason, quote, similarity, space)


def claim_text(sentence: str) -> str:
    """The sentence without its markers and written citation ids, which are checked apart."""
    return spoken(MARKER.sub(" ", sentence)).strip()


def figures(text: str) -> set[tuple[str, str]]:
    """Every number the text states, as (plain digits, unit), the unit one of "year", "month",
    "day", "level", "money" or "" when none is written: "fourteen years", "十四年" and "14 years"
    alike; "$1 million", "100萬元" and "$1,000,000" alike."""
    text = _WORD_NUMBER.sub(lambda m: str(_WORD_NUMBERS[m.group(1).lower()]), text)
    text = _ZH_NUMERAL.sub(lambda m: str(_zh_number(m.group(1))), text)
    found = set()
    for match in _NUMBER.finditer(text):
        value = float(match["digits"].replace(",", ""))
        value *= _SCALES.get((match["scale"] or "").lower(), 1)
        digits = f"{value:g}" if value != int(value) else str(int(value))
        before = text[max(0, match.start() - 8) : match.start()].lower()
        after = text[match.end() : match.end() + 10].lower()
        found.add((digits, _unit(before, after)))
    return found


def _unit(before: str, after: str) -> str:
    for unit, (ahead, behind) in _UNITS.items():
        if re.search(behind, before) or re.match(ahead, after):
            return unit
    return ""


def _stated(figure: tuple[str, str], stated: set[tuple[str, str]]) -> bool:
    """A figure is stated when the source gives the same number with the same unit, or the
    number with no unit at all; "5 years" is not stated by "a fine at level 5"."""
    value, unit = figure
    units = {other for number, other in stated if number == value}
    return bool(units) and (not unit or unit in units or "" in units)


def _zh_number(numeral: str) -> int:
    """Chinese numerals of everyday size: 七, 十四, 二十, 一百."""
    total, digit = 0, 0
    for char in numeral:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        else:
            total += (digit or 1) * {"十": 10, "百": 100, "千": 1000}[char]
            digit = 0
    return total + digit


def references(text: str) -> tuple[set[str], set[str], set[str]]:
    """(chapters, sections with pinpoints, bare subsections) the text names, lower case and
    without spaces: ({"200"}, {"159aae(1)"}, {"(5)"})."""
    chapters = {a or b for a, b in _CHAPTER.findall(text)}
    sections = {"".join(groups) for groups in _SECTION.findall(_CHAPTER.sub(" ", text))}
    subsections = {a or b for a, b in _SUBSECTION.findall(text)}
    return _squash(chapters), _squash(sections), _squash(subsections)


def _squash(items: set[str]) -> set[str]:
    return {re.sub(r"\s", "", item).lower() for item in items if item}


def _figures(text: str) -> set[tuple[str, str]]:
    return figures(_without_references(text))


def _without_references(text: str) -> str:
    """The text with its citations, section ids and (3A)-style labels taken out, so that the
    numbers left are the figures it states."""
    text = SECTION_RE.sub(" ", text)
    text = _LABEL.sub(" ", text)
    text = _CHAPTER.sub(" ", text)
    text = _SUBSECTION.sub(" ", text)
    return _SECTION.sub(" ", text)


def _unstated(claim: str, given: list[Source]) -> str:
    """The first figure, section id or ordinance name of the claim that no cited source states."""
    texts = [source.text for source in given]
    cites = [source.cite for source in given]
    chapters, sections, subsections = _cited_references(cites, texts)
    own_chapters, own_sections, own_subsections = references(claim)
    for chapter in sorted(own_chapters - chapters):
        return f"Cap. {chapter} is in no cited source"
    for section in sorted(own_sections):
        if not any(_within(section, other) or _within(other, section) for other in sections):
            return f"section {section} is in no cited source"
    for subsection in sorted(own_subsections - subsections):
        return f"subsection {subsection} is in no cited source"
    stated = set().union(*(_figures(text) for text in texts))
    for value, unit in sorted(_figures(claim)):
        if not _stated((value, unit), stated):
            return f"number {value} is in no cited source"
    titles = _titles(cites, texts)
    for name in _ordinances(claim):
        if not any(name == title or has_cjk(name) and name.endswith(title) for title in titles):
            return f"{name} is in no cited source"
    return ""


def _cited_references(cites: list[str], texts: list[str]) -> tuple[set[str], set[str], set[str]]:
    chapters, sections, subsections = set(), set(), set()
    for cite in cites + texts:
        found = references(cite)
        chapters |= found[0]
        sections |= found[1]
        subsections |= found[2]
    for cite in cites:
        for written in find_cites(cite):
            match = SECTION_RE.fullmatch(written)
            if match is None:
                continue
            chapters.add(match["chapter"].lower())
            section = match["section"] or match["sch_section"] or ""
            pinpoint = match["pinpoint"] or ""
            sections.add(f"{section}{pinpoint}".lower())
            subsections |= {label.lower() for label in re.findall(r"\([0-9A-Za-z]+\)", pinpoint)}
    for text in texts:
        subsections |= {label.lower() for label in re.findall(r"\([0-9A-Za-z]+\)", text)}
    return chapters, sections, subsections


def _within(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(outer + "(")


def _ordinances(text: str) -> list[str]:
    """Ordinance names as written, English ("the Crimes Ordinance" read as "Crimes Ordinance")
    and Chinese (《刑事罪行條例》 or 刑事罪行條例)."""
    names = []
    for match in _ORDINANCE.finditer(text):
        name = _LEADING.sub("", match.group(0))
        if name != "Ordinance" and not name.startswith("Ordinance"):
            names.append(_plain(name))
    for bracketed, bare in _ORDINANCE_ZH.findall(text):
        names.append(_plain(bracketed or bare))
    return names


def _plain(name: str) -> str:
    return normalise(name.replace("（", "(").replace("）", ")")).strip("《》 ").lower()


def _titles(cites: list[str], texts: list[str]) -> set[str]:
    """The ordinance names the cited sources support: the titles of their chapters (both
    languages) and every name their text mentions."""
    chapters = set()
    for cite in cites + texts:
        chapters |= references(cite)[0]
        chapters |= {m["chapter"].lower() for m in SECTION_RE.finditer(cite)}
    known = _chapter_titles(_index())
    titles = {title for chapter in chapters for title in known.get(chapter, ())}
    for text in texts:
        titles |= set(_ordinances(text))
    return titles


@lru_cache(maxsize=4)
def _chapter_titles(index: Index) -> dict[str, set[str]]:
    """Chapter number (lower case) to its names, as `named.py` reads them from the index."""
    return {
        chapter.lower(): {_plain(name) for name in names} - {""}
        for chapter, names in ordinance_names(catalog(index)).items()
    }


def _unknown_terms(claim: str, given: list[Source]) -> str:
    """The first key legal term of the claim that no cited source uses, in either language. A
    statute source counts with its section's heading: a penalty subsection is about the offence
    its heading names."""
    metadata = _index().metadata
    headings = [str(metadata.get(source.chunk_id, {}).get("heading", "")) for source in given]
    texts = " ".join([source.text for source in given] + headings).lower()
    lowered = claim.lower()
    for term, pattern, equivalents in _legal_terms(_index()):
        if pattern.search(lowered) and not any(
            re.search(_term_pattern(word), texts) for word in (term, *equivalents)
        ):
            return f'"{term}" is in no cited source'
    return ""


@lru_cache(maxsize=4)
def _legal_terms(index: Index) -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    """(term, pattern, equivalents in the other language), longest first: the statutes' defined
    terms of more than one word, and the headings of offence sections that name the offence in
    one or two words (Voyeurism, Blackmail); Chinese equivalents from the definitions' own
    bilingual labels ("intimate image (私密影像)") and the glossary. Kept per index, like the
    catalog, so a rebuilt index is read afresh."""
    found = catalog(index)
    terms: dict[str, set[str]] = {}
    for cid, meta in index.metadata.items():
        if meta.get("kind") != "statute":
            continue
        term = str(meta.get("term") or "").strip()
        if meta.get("unit") == "definition" and term:
            if _key_term(term):
                terms.setdefault(term.lower(), set())
            pair = _DEFINITION_PAIR.match(index.texts[cid])
            if pair and _key_term(term):
                terms[term.lower()].add(pair["other"].strip().lower())
        heading = str(meta.get("heading") or "").strip()
        if (
            language_of(meta) == "en"
            and 0 < len(heading.split()) <= 2
            and any(_OFFENCE.search(found.texts[c]) for c in found.by_section[meta["section_cite"]])
        ):
            terms.setdefault(heading.lower(), set())
    for chinese, english in glossary.ZH_EN.items():
        for term in list(terms):
            if not has_cjk(term) and re.search(_term_pattern(term), english.lower()):
                terms.setdefault(chinese, set()).update({term, *terms[term]})
                terms[term].add(chinese)
    ordered = sorted(terms, key=len, reverse=True)
    return [(term, re.compile(_term_pattern(term)), tuple(sorted(terms[term]))) for term in ordered]


def _key_term(term: str) -> bool:
    """A term specific enough to check: several English words or three or more Chinese
    characters, not a name of an Ordinance (checked as such)."""
    if has_cjk(term):
        return len(term) >= 3 and "條例" not in term
    return len(term.split()) >= 2 and term[0].islower()


def _term_pattern(term: str) -> str:
    if has_cjk(term):
        return re.escape(term.lower())
    return rf"(?<!\w){re.escape(term.lower())}(?:s|es)?(?!\w)"


def clauses(text: str) -> list[tuple[str, str]]:
    """(clause, the sentence holding it) for each sentence of the source and each of its
    clauses (split at semicolons, colons, commas and dashes), all verbatim: what a claim may be
    matched to and quoted as."""
    found = []
    for sentence in sentences(text):
        found.append((sentence, sentence))
        parts = [part.strip() for part in _CLAUSE_END.split(sentence)]
        if len(parts) > 1:
            found += [
                (part.rstrip(";；,，:："), sentence)
                for part in parts
                if len(part) >= MIN_CLAUSE_CHARS
            ]
    return list(dict.fromkeys(pair for pair in found if pair[0]))


def closest(
    claim: str, candidates: list[tuple[str, str]], given: list[Source], language: str
) -> tuple[str, float, str]:
    """(the closest of the candidate clauses, its cosine with the claim, the comparison it was).
    English claims on English sources are read by the English model; the rest by the
    multilingual one, whose similarities across languages run lower and so get a bar of their
    own."""
    if not candidates:
        return "", 0.0, "english"
    chinese = language == "zh" or is_chinese(claim)
    written = {is_chinese(source.text) for source in given}
    if not chinese and written == {False}:
        space = "english"
    elif written == {chinese}:
        space = "multilingual"
    else:
        space = "cross-lingual"
    model = "english" if space == "english" else "multilingual"
    vectors = np.asarray([_vector(model, text) for text, _ in candidates])
    scores = vectors @ np.asarray(_vector(model, claim))
    best = int(np.argmax(scores))
    return candidates[best][0], float(scores[best]), space


def is_chinese(text: str) -> bool:
    """Written mostly in Chinese: an English text may name a term or helpline in Chinese, and a
    Chinese one an English term, without changing which model reads it best."""
    return len(_CJK.findall(text)) >= len(re.findall(r"[A-Za-z]+", text))


@lru_cache(maxsize=8192)
def _vector(space: str, text: str) -> tuple[float, ...]:
    """Kept per text: the same cited clauses are compared with every sentence of an answer."""
    if space == "english":
        return tuple(_index().embedder().embed_query(text))
    return tuple(load_multilingual().embed_query(text))


def _index() -> Index:
    return hybrid.load_index()
