"""Does each cited sentence say what its quotes say? A lexical proxy for an entailment check.

No NLI model ships offline, so a sentence counts as supported when enough of its content words
(English: stop words dropped and Snowball-stemmed; Chinese: words cut by jieba, the
tokens the BM25 index uses) occur in the quotes its markers point to. Citation ids written in
the sentence are not content. The measure punishes paraphrase and cannot see a negation, so it
is a floor for extractive answers and a screen, not a verdict, for generated ones; the README
gives the definition and the threshold.
"""

import re
from collections.abc import Callable, Iterator

from assistant.store import bm25_tokenize
from assistant.text import spoken
from evals.base import Evaluation, Evaluator, Record, ratio

THRESHOLD = 0.5
MARKER = re.compile(r"\[(\d+)\]")
_END = re.compile(r"[.!?。！？](?:\s*\[\d+\])*(?=\s|$)|[。！？](?:\[\d+\])*")
_ABBREVIATIONS = frozenset({"cap", "s", "ss", "sch", "no", "e.g", "i.e", "etc", "vs"})
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")

Embed = Callable[[list[str]], list[list[float]]]


def sentences(text: str) -> Iterator[str]:
    """Sentences of Markdown answer text, line by line; a marker after the full stop stays with
    its sentence, and "Cap. 200" does not end one. (assistant.text.sentences splits
    corpus prose, which has no markers.)"""
    for line in text.splitlines():
        start = 0
        for end in _END.finditer(line):
            words = line[start : end.start()].split()
            if words and words[-1].casefold().lstrip("(`'\"") in _ABBREVIATIONS:
                continue
            yield line[start : end.end()].strip()
            start = end.end()
        if line[start:].strip():
            yield line[start:].strip()


def claims(text: str) -> Iterator[tuple[str, list[int]]]:
    """(claim, marker numbers) for each sentence that cites. Block quotes are the sources' own
    words, and a line that opens with markers is an entry of the sources list, not a claim."""
    for line in text.splitlines():
        if line.lstrip().startswith(">"):
            continue
        for sentence in sentences(_BULLET.sub("", line)):
            markers = [int(n) for n in MARKER.findall(sentence)]
            if markers and not sentence.startswith("["):
                yield claim_text(sentence), markers


def claim_text(sentence: str) -> str:
    """The sentence without its markers and written citation ids, which no quote contains."""
    return spoken(MARKER.sub(" ", sentence))


def overlap(claim: str, quotes: list[str]) -> float | None:
    """Share of the claim's content words found in the quotes; None if it has none."""
    tokens = bm25_tokenize([claim, " ".join(quotes)])
    words, found = set(tokens.ids[0]), set(tokens.ids[1])
    return len(words & found) / len(words) if words else None


class SupportEvaluator(Evaluator):
    """support_rate; with an embedding function also support_cosine_mean, a diagnostic."""

    def __init__(self, threshold: float = THRESHOLD, embed: Embed | None = None) -> None:
        self.threshold = threshold
        self.embed = embed
        self.vectors: dict[str, list[float]] = {}

    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        pairs = []
        supported = 0
        for record in records:
            quotes = {c.n: c.quote for c in record.answer.citations}
            for claim, markers in claims(record.answer.answer):
                cited = [quotes[n] for n in markers if n in quotes]
                share = overlap(claim, cited) if cited else 0.0
                if share is None:
                    continue
                pairs.append((claim, cited))
                if share >= self.threshold:
                    supported += 1
                else:
                    words = " ".join(claim.split()[:6])
                    result.fail(
                        record.example.id,
                        f'support: "{words}…" shares {share:.2f} of its words with {markers}',
                    )
        result.metrics["support_rate"] = ratio(supported, len(pairs))
        if self.embed:
            cosines = self._cosines([(claim, cited) for claim, cited in pairs if cited])
            result.metrics["support_cosine_mean"] = ratio(sum(cosines), len(cosines))
        return result

    def _cosines(self, pairs: list[tuple[str, list[str]]]) -> list[float]:
        """Best cosine between each claim and any of its quotes (vectors are normalised). Vectors
        are kept, so scoring each language again costs no model time."""
        texts = {text for claim, quotes in pairs for text in (claim, *quotes)}
        missing = sorted(texts - self.vectors.keys())
        if missing and self.embed:
            self.vectors |= dict(zip(missing, self.embed(missing), strict=True))
        return [
            max(_dot(self.vectors[claim], self.vectors[quote]) for quote in quotes)
            for claim, quotes in pairs
        ]


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
