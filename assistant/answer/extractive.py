"""The built-in backend: an answer made only of whole sentences and provisions quoted from the
corpus, so it needs no LLM and cannot say anything the sources do not.

The short answer is the lead of the best-matching document (explainers are written so that their
lead answers the title question), cut to what can be read aloud in 20 seconds; the lead's other
sentences open "what the law says" (or, for a person something happened to, "what you can do"
when they name no provision), so nothing the author put in the lead is lost. A question about
one fact (a penalty, a time limit, a follow-up to an earlier answer) is often answered in a body
passage rather than the lead: when a passage is much closer to the question than the lead, its
sentence that answers it opens the short answer. Each sentence also cites the provisions it
names. The key provision is, of those the short answer names in the ordinance it leads with, the
one closest in meaning to what is asked, quoted whole with its defined term.
"""

from collections import ChainMap
from dataclasses import dataclass, field

import numpy as np

from assistant.answer import blocks, definitions, from_law
from assistant.answer.abstain import related
from assistant.answer.backends import ComposeRequest, Draft
from assistant.answer.messages import HEADINGS, Language
from assistant.citations import find_cites, section_of
from assistant.retrieve.catalog import Catalog, Term, catalog, words
from assistant.retrieve.hybrid import Hit, bm25_scores, query_vector
from assistant.store import Index, Space
from assistant.text import reading_seconds, sentences

SHORT_ANSWER_SECONDS = 20.0
SHORT_ANSWER_SENTENCES = 3
LEAD_SENTENCES = 3
# By embedding model: the multilingual model's similarities are spread differently, and on the
# Chinese gold set a margin of 0.04 gave the best must-say and citation recall (0.08: 0.72 and
# 0.77; 0.04: 0.75 and 0.79).
PASSAGE_MARGIN = {"english": 0.08, "multilingual": 0.04}
RESTATES = 0.7
PASSAGES_READ = 3
TOP_DOCUMENTS = 5
HELP_DOCUMENTS = 3
HELP_AT_LEAST = 2
LEAD_WORDS_WEIGHT = 0.3
# A follow-up's sentence is read against its own words and, at this weight, the topic it follows.
TOPIC_WEIGHT = 0.5
SENTENCE_WORDS_WEIGHT = {"english": 0.2, "multilingual": 0.0}
DOCUMENT_KINDS = ("explainer", "guideline", "help", "news", "user")
# Another explainer's offence joins the short answer when its lead is within this much of the
# chosen lead's closeness in meaning to the question, by the model that reads the question
# (the multilingual model's similarities are closer together).
ALSO_MARGIN = {"english": 0.06, "multilingual": 0.03}
ALSO_MAX = 2

_SENTENCE_VECTORS: dict[str, dict[str, np.ndarray]] = {}


class ExtractiveBackend:
    name = "extractive"

    def compose(self, request: ComposeRequest) -> Draft:
        found = catalog(request.index)
        book = blocks.CitationBook()
        space = "multilingual" if request.language == "zh" else "english"
        meaning = _Meaning(request.question, request.index, space)
        asked = _Meaning(request.asked, request.index, space) if request.asked else meaning
        if not (request.named or request.asked):
            term = definitions.asked_term(request.wording or request.question, found)
            if term is not None:
                return _defined(book, request, term, found, asked)
        ranked = _ranked_leads(request.hits, found, meaning, request.language)
        if request.discussed:
            ranked.sort(key=lambda lead: not _lead_names(lead, request.discussed, found))
        source = ranked[0] if ranked else None
        focus = _focus(request, source, found, asked, meaning) if source else None
        bare = request.named[0] if request.named else None
        if bare is None and focus is None and not request.asked:
            bare = from_law.provision_to_quote(request, ranked, meaning)
        if bare is not None:
            short, law = from_law.lines(book, bare, found, request.language)
            sections = [(HEADINGS["short"], short), (HEADINGS["law"], law)]
            if request.victim:
                sections.append((HEADINGS["help"], help_for(book, request, None, found)))
            body = blocks.sections(sections, request.language)
            return Draft(short_answer="\n".join(short), body=body, citations=book.citations)
        also = [] if request.discussed else _also(ranked, found, meaning)
        lead = (
            _split_lead(book, source, focus, also, found, asked, request.victim)
            if source
            else _Lead()
        )
        law = lead.law
        key = _key_provision(request, lead.named or lead.named_later, found, asked)
        if key is not None:
            quoted = blocks.provision(book, key, found, request.language)
            if not request.victim:
                quoted += blocks.definition(book, key, found, request.language)
            law += ["", *quoted] if law else quoted
        sections = [(HEADINGS["short"], lead.short), (HEADINGS["law"], law)]
        if request.victim:
            helps = lead.advice + help_for(book, request, source, found)
            sections.append((HEADINGS["help"], helps))
        body = blocks.sections(sections, request.language)
        return Draft(short_answer="\n".join(lead.short), body=body, citations=book.citations)


def _defined(
    book: blocks.CitationBook,
    request: ComposeRequest,
    term: Term,
    found: Catalog,
    asked: "_Meaning",
) -> Draft:
    """A question asking what a defined term means: the short answer is the explainer sentence
    that puts the definition in plain words closest to what is asked (else the definition's own
    opening, named by its heading), then the definition quoted with the terms it uses."""
    plain = definitions.explained(term, found, request.language)
    if plain:
        fit = asked.sentence_fit([sentence for _, sentence in plain])
        cid, sentence = plain[int(np.argmax(fit))]
        short = [blocks.cited_sentence(book, cid, sentence, found.metadata[cid], found)[0]]
    else:
        short = [blocks.provision_named(book, term.chunk_id, found, request.language)]
    law = definitions.law_lines(book, term, found, request.language)
    sections = [(HEADINGS["short"], short), (HEADINGS["law"], law)]
    if request.victim:
        sections.append((HEADINGS["help"], help_for(book, request, None, found)))
    body = blocks.sections(sections, request.language)
    return Draft(short_answer="\n".join(short), body=body, citations=book.citations)


@dataclass(frozen=True)
class _Focus:
    """The sentence of a body passage that answers the question better than the lead."""

    chunk_id: str
    sentence: str


@dataclass(frozen=True)
class _Also:
    """The opening sentence of another explainer that names another offence the facts fit,
    with the longest prison term among the offences it names."""

    hit: Hit
    sentence: str
    penalty: float


@dataclass
class _Lead:
    """The source's lead sentences with their markers, sorted into the answer's sections, and
    the provisions they name; the passage sentence that opens the short answer counts as one."""

    short: list[str] = field(default_factory=list)
    law: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    named_later: list[str] = field(default_factory=list)


def _split_lead(
    book: blocks.CitationBook,
    source: Hit,
    focus: _Focus | None,
    also: list[_Also],
    found: Catalog,
    asked: "_Meaning",
    victim: bool,
) -> _Lead:
    """The short answer is the first sentences that can be read aloud in 20 seconds, three at
    most (the first always): the passage sentence that answers the question, if any; then the
    lead's sentence closest to what is asked (each lead sentence is written to stand alone, and
    "what counts as specified harm" is answered by the one that defines it, not the one that
    names the offence), with any other offence the facts fit placed before it when that
    offence is more serious and after it when not, most serious first (these are always in it);
    then the lead's other sentences while they fit. What does not fit goes under what the law
    says, or, for a person something happened to, under what you can do when it names no
    provision."""
    lead = _Lead()
    seconds = 0.0
    if focus is not None:
        meta = found.metadata[focus.chunk_id]
        line, lead.named = blocks.cited_sentence(book, focus.chunk_id, focus.sentence, meta, found)
        lead.short.append(line)
        seconds = reading_seconds(focus.sentence)
    said = sentences(source.text)[:LEAD_SENTENCES]
    closest = int(np.argmax(asked.sentence_fit(said)))
    opening = said[closest]
    rest = [sentence for i, sentence in enumerate(said) if i != closest]
    own = _penalty(opening, found)
    ordered = sorted(also, key=lambda item: item.penalty, reverse=True)
    queue = [(item.hit, item.sentence, True) for item in ordered if item.penalty > own]
    queue.append((source, opening, True))
    queue += [(item.hit, item.sentence, True) for item in ordered if item.penalty <= own]
    queue += [(source, sentence, False) for sentence in rest]
    for hit, sentence, needed in queue:
        if focus is not None and sentence == focus.sentence:
            continue
        seconds += reading_seconds(sentence)
        line, named = blocks.cited_sentence(book, hit.chunk_id, sentence, hit.metadata, found)
        fits = seconds <= SHORT_ANSWER_SECONDS and len(lead.short) < SHORT_ANSWER_SENTENCES
        if needed or (len(lead.law) + len(lead.advice) == 0 and fits):
            lead.short.append(line)
            lead.named += named
        else:
            (lead.law if named or not victim else lead.advice).append(line)
            lead.named_later += named
    return lead


class _Meaning:
    """Closeness in meaning to the question, from the vectors stored in the index for chunks,
    by the model that reads the question's language (the multilingual one for Chinese)."""

    def __init__(self, question: str, index: Index, space: str) -> None:
        self.question = question
        self.space = index.space(space)
        self.vector = np.asarray(query_vector(question, space))
        self.index = index

    def similarity(self, chunk_ids: list[str]) -> dict[str, float]:
        if not chunk_ids:
            return {}
        known = [cid for cid in chunk_ids if cid in self.index.rows]
        if not known:
            return {}
        scores = self.space.vectors_of(known, self.index.rows) @ self.vector
        return dict(zip(known, scores.tolist(), strict=True))

    def sentence_fit(self, texts: list[str]) -> np.ndarray:
        """How well each sentence answers the question: closeness in meaning plus, weighted by
        SENTENCE_WORDS_WEIGHT, the share of the question's words it uses. Meaning alone let a
        sentence on a neighbouring topic win ("a single incident" is answered by the sentence
        that says "a single incident", not by one about complaints)."""
        if not texts:
            return np.zeros(0)
        closeness = _sentence_vectors(texts, self.space) @ self.vector
        asked = words(self.question)
        shared = [len(asked & words(text)) / max(len(asked), 1) for text in texts]
        return closeness + SENTENCE_WORDS_WEIGHT[self.space.name] * np.asarray(shared)

    def closest(self, chunk_ids: list[str]) -> str | None:
        if len(chunk_ids) < 2:
            return chunk_ids[0] if chunk_ids else None
        scores = self.similarity(chunk_ids)
        return max(chunk_ids, key=lambda cid: scores.get(cid, -1.0))


def _ranked_leads(
    hits: list[Hit], found: Catalog, meaning: "_Meaning", language: Language
) -> list[Hit]:
    """The leads of the best related documents, best first by how well each fits the
    question: closeness in meaning (a lead is embedded with its title and the questions it
    answers, and the closeness is kept as the hit's `dense`) plus its BM25 score relative to the
    best lead's, weighted 0.3. On the English gold questions the best picked a right document
    for 80 of 83, meaning alone 75. An uploaded document has no lead, so its best passage
    stands in. A document is read in the question's language: its twin's lead stands for it,
    and a document written in that language comes before one that is not (an English-only news
    report led Chinese answers to questions Chinese explainers answer)."""
    documents = [
        hit for hit in hits if hit.via == "search" and hit.kind in DOCUMENT_KINDS and related(hit)
    ][:TOP_DOCUMENTS]
    leads: dict[str, Hit] = {}
    for hit in documents:
        doc_id = found.in_language(str(hit.metadata["doc_id"]), language)
        lead = found.lead(doc_id) if hit.kind != "user" else None
        leads.setdefault(lead or hit.chunk_id, hit)
    if not leads:
        return []
    closeness = meaning.similarity([cid for cid in leads if cid in found.texts])
    closeness |= {cid: hit.dense or 0.0 for cid, hit in leads.items() if cid not in found.texts}
    words = bm25_scores(meaning.question, list(leads), meaning.index)
    most = max(words.values(), default=0.0) or 1.0
    fits = {
        cid: closeness.get(cid, -1.0) + LEAD_WORDS_WEIGHT * words.get(cid, 0.0) / most
        for cid in leads
    }

    def order(cid: str) -> tuple[bool, float]:
        written = found.metadata.get(cid, leads[cid].metadata).get("language", "")
        return str(written).startswith(language), fits[cid]

    ranked = []
    for cid in sorted(leads, key=order, reverse=True):
        hit = leads[cid]
        if cid in found.texts:
            hit = Hit(
                chunk_id=cid,
                text=found.texts[cid],
                metadata=found.metadata[cid],
                score=hit.score,
                rank=hit.rank,
                dense=closeness.get(cid),
            )
        ranked.append(hit)
    return ranked


def _also(ranked: list[Hit], found: Catalog, meaning: "_Meaning") -> list[_Also]:
    """Other offences the facts may fit: the opening sentence of each other explainer whose
    lead is almost as close in meaning to the question as the chosen one and names only
    offences (provisions that state a prison term) the short answer does not name yet. Facts
    often fit several offences (a threat with a demand is both a threat to publish and
    blackmail), and a short answer that names only the nearest one leaves out the most serious.
    A sentence that also names an offence already named is a summary of the same law, not
    another offence; and the sentence itself must be at least as close to the question as the
    chosen lead's opening, so an explainer merely near in topic does not bring in an offence
    the facts lack. When the chosen lead opens with no offence (the question is about help, a
    remedy or a definition), no other offence is added."""
    if not ranked:
        return []
    source = ranked[0]
    best = source.dense or 0.0
    named = {found.metadata[cid]["section_cite"] for _, cid in _lead_pinpoints(source, found)}
    openings = [sentences(hit.text)[0] for hit in ranked]
    if _penalty(openings[0], found) == 0:
        return []
    said = _sentence_vectors(openings, meaning.space) @ meaning.vector
    also = []
    for hit, opening, says in zip(ranked[1:], openings[1:], said[1:], strict=True):
        close = (hit.dense or 0.0) >= best - ALSO_MARGIN[meaning.space.name] and says >= said[0]
        if not close or hit.kind != "explainer" or len(also) == ALSO_MAX:
            continue
        sections = {
            found.metadata[cid]["section_cite"] for _, cid in blocks.pinpoints(opening, found)
        }
        offences = {cite for cite in sections if found.penalty_years(cite) > 0}
        if offences and not offences & named:
            also.append(_Also(hit, opening, max(map(found.penalty_years, offences))))
            named |= sections
    return also


def _lead_pinpoints(source: Hit, found: Catalog) -> list[tuple[str, str]]:
    return [
        pair for s in sentences(source.text)[:LEAD_SENTENCES] for pair in blocks.pinpoints(s, found)
    ]


def _penalty(sentence: str, found: Catalog) -> float:
    """The longest prison term among the offences a sentence names."""
    return max(
        (
            found.penalty_years(str(found.metadata[cid]["section_cite"]))
            for _, cid in blocks.pinpoints(sentence, found)
        ),
        default=0.0,
    )


def _focus(
    request: ComposeRequest, source: Hit, found: Catalog, asked: "_Meaning", meaning: "_Meaning"
) -> _Focus | None:
    """The sentence of a body passage that answers the question much better than the lead:
    closer to what is asked than every sentence of the lead by PASSAGE_MARGIN (for the model that
    reads the question). Sentences are
    compared, not passages, since a passage makes two to four claims and only one is asked about.

    The source's own passages are read first: it was chosen for this question, or for the topic
    a follow-up asks about. Only if none of its sentences will do are the other related
    explainers retrieved read, the few passages of theirs closest to both what is asked and its
    topic."""
    said = sentences(source.text)[:LEAD_SENTENCES]
    lead = _sentence_vectors(said, asked.space)
    bar = float(np.max(asked.sentence_fit(said))) + PASSAGE_MARGIN[asked.space.name]
    source_doc = str(source.metadata["doc_id"])
    if request.discussed:
        return _on_discussed(request, source_doc, found, asked, meaning)
    focus = _best_sentence(_passages([source_doc], found), lead, bar, asked, found)
    if focus is None:
        others = [
            found.in_language(str(hit.metadata["doc_id"]), request.language)
            for hit in request.hits
            if hit.via == "search" and hit.kind == "explainer" and related(hit)
        ]
        passages = _passages([doc_id for doc_id in others if doc_id != source_doc], found)
        on_asked, on_topic = asked.similarity(passages), meaning.similarity(passages)
        passages.sort(key=lambda cid: on_asked.get(cid, -1) + on_topic.get(cid, -1), reverse=True)
        focus = _best_sentence(passages[:PASSAGES_READ], lead, bar, asked, found)
    return focus


def _on_discussed(
    request: ComposeRequest,
    source_doc: str,
    found: Catalog,
    asked: "_Meaning",
    topic: "_Meaning",
) -> _Focus | None:
    """A follow-up ("the maximum penalty for that?", "and if someone shares them?") asks about
    the offence the previous answer discussed, or one the law ties to it (publishing images from
    upskirting goes with upskirting): its answer is the sentence naming one of those that is
    closest to both its own words and the topic it follows, in a lead or a passage of the source
    or another related explainer. Its own words alone are closest to any sentence about
    penalties, whatever the offence."""
    others = [
        found.in_language(str(hit.metadata["doc_id"]), request.language)
        for hit in request.hits
        if hit.via == "search" and hit.kind == "explainer" and related(hit)
    ]
    chunks = [
        cid
        for doc_id in dict.fromkeys([source_doc, *others])
        for cid in found.by_doc.get(doc_id, [])
    ]
    about = {s for cite in request.discussed for s in (cite, *found.mentioning(cite))}
    candidates = [
        (cid, sentence)
        for cid in chunks
        if found.metadata[cid].get("unit") in ("lead", "passage")
        for sentence in sentences(found.texts[cid])
        if not _points_elsewhere(sentence, found) and _names_any(sentence, tuple(about))
    ]
    if not candidates:
        return None
    texts = [sentence for _, sentence in candidates]
    closeness = asked.sentence_fit(texts) + TOPIC_WEIGHT * topic.sentence_fit(texts)
    return _Focus(*candidates[int(np.argmax(closeness))])


def _lead_names(source: Hit, sections: tuple[str, ...], found: Catalog) -> bool:
    return any(
        found.metadata[cid]["section_cite"] in sections for _, cid in _lead_pinpoints(source, found)
    )


def _best_sentence(
    passages: list[str], lead: np.ndarray, bar: float, asked: "_Meaning", found: Catalog
) -> _Focus | None:
    """The passages' sentence closest to what is asked, if it clears the bar. A sentence that
    says what the lead says (closer to one of its sentences than RESTATES) or only points to
    another explainer ("more detail is in ...") adds nothing, so it is passed over."""
    candidates = [
        (cid, sentence)
        for cid in passages
        for sentence in sentences(found.texts[cid])
        if not _points_elsewhere(sentence, found)
    ]
    if not candidates:
        return None
    texts = [sentence for _, sentence in candidates]
    vectors = _sentence_vectors(texts, asked.space)
    new = np.max(vectors @ lead.T, axis=1) < RESTATES
    closeness = np.where(new, asked.sentence_fit(texts), -1.0)
    best = int(np.argmax(closeness))
    return _Focus(*candidates[best]) if closeness[best] >= bar else None


def _names_any(sentence: str, sections: tuple[str, ...]) -> bool:
    return not sections or any(section_of(cite) in sections for cite in find_cites(sentence))


def _passages(doc_ids: list[str], found: Catalog) -> list[str]:
    return [
        cid
        for doc_id in dict.fromkeys(doc_ids)
        for cid in found.by_doc.get(doc_id, [])
        if found.metadata[cid].get("unit") == "passage"
    ]


def _points_elsewhere(sentence: str, found: Catalog) -> bool:
    """The sentence cites only other explainers: a cross-reference, not a claim."""
    cites = find_cites(sentence)
    return bool(cites) and all(_kind(cite, found) == "explainer" for cite in cites)


def _kind(cite: str, found: Catalog) -> str:
    lead = found.lead(cite.removeprefix("doc:")) if cite.startswith("doc:") else None
    return str(found.metadata[lead]["kind"]) if lead else "statute"


def _sentence_vectors(texts: list[str], space: Space) -> np.ndarray:
    """The build stores the vectors of every corpus sentence; others (an uploaded document's,
    or a corpus sentence split differently since the build) are embedded on first use and kept
    for the process."""
    kept = _SENTENCE_VECTORS.setdefault(space.name, {})
    stored = ChainMap(space.sentences, kept)
    missing = list(dict.fromkeys(text for text in texts if text not in stored))
    if missing:
        vectors = space.embedder().embed_documents(missing)
        kept.update(zip(missing, np.asarray(vectors), strict=True))
    return np.asarray([stored[text] for text in texts])


def _key_provision(
    request: ComposeRequest, cited: list[str], found: Catalog, meaning: _Meaning
) -> str | None:
    """The provision to quote: of those the short answer names in the ordinance it names first
    (the law the answer leads with), one in operation if any, closest in meaning to what is
    asked; else the related statute hit closest in meaning."""
    named = list(dict.fromkeys(cited))
    if named:
        leading = _ordinance(named[0], found)
        candidates = [cid for cid in named if _ordinance(cid, found) == leading]
    else:
        candidates = [
            hit.chunk_id
            for hit in request.hits
            if hit.kind == "statute" and hit.via == "search" and related(hit)
        ]
    in_force = [cid for cid in candidates if found.metadata[cid].get("status") == "operational"]
    return meaning.closest(in_force or candidates)


def _ordinance(chunk_id: str, found: Catalog) -> str:
    return str(found.metadata[chunk_id]["doc_id"])


def help_for(
    book: blocks.CitationBook, request: ComposeRequest, source: Hit | None, found: Catalog
) -> list[str]:
    """The help documents the source points to (its author chose them for this situation),
    then the ones closest to the question, so that there are at least two."""
    cited = str(source.metadata.get("doc_cites", "")).split("; ") if source else []
    pointed = [cite.removeprefix("doc:") for cite in cited if cite.startswith("doc:")]
    helpful = [doc_id for doc_id in pointed if _is_help(doc_id, found)][:HELP_DOCUMENTS]
    for hit in request.help:
        doc_id = found.in_language(str(hit.metadata["doc_id"]), request.language)
        if len(helpful) < HELP_AT_LEAST and doc_id not in helpful and _is_help(doc_id, found):
            helpful.append(doc_id)
    return blocks.help_lines(book, helpful, found, request.language)


def _is_help(doc_id: str, found: Catalog) -> bool:
    lead = found.lead(doc_id)
    return lead is not None and found.metadata[lead]["kind"] == "help"
