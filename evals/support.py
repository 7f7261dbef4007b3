"""Does each cited sentence say what its quotes say? A lexical proxy for an entailment check.

No NLI model ships offline, so a sentence counts as supported when enough of its content words
(English: stop words dropped and Snowball-stemmed; Chinese: overlapping character pairs, the
tokens the BM25 index uses) occur in the quotes its markers point to. Citation ids written in
the sentence are not content. The measure punishes paraphrase and cannot see a negation, so it
is a floor for extractive answers and a screen, not a verdict, for generated ones; the README
gives the definition and the threshold.
"""

import re
from collections.abc import Callable, Iterator

from assistant.citations import DOC_RE, SECTION_RE
from assistant.store import bm25_tokenize
from evals.base import Evaluation, Evaluator, Record, ratio

THRESHOLD = 0.5
MARKER = re.compile(r"\[(\d+)\]")
_END = re.compile(r"[.!?。！？](?:\s*\[\d+\])*(?=\s|$)|[。！？](?:\[\d+\])*")
_ABBREVIATIONS = frozenset({"cap", "s", "ss", "sch", "no", "e.g", "i.e", "etc", "vs"})

Embed = Callable[[list[str]], list[list[float]]]


def sentences(text: str) -> Iterator[str]:
    """Sentences of Markdown text; a marker after the full stop stays with its sentence, and
    "Cap. 200" does not end one."""
    for line in text.splitlines():
        start = 0
        for end in _END.finditer(line):
            words = line[start : end.start()].split()
            if words and words[-1].casefold().lstrip("(") in _ABBREVIATIONS:
                continue
            yield line[start : end.end()].strip()
            start = end.end()
        if line[start:].strip():
            yield line[start:].strip()


def claim_text(sentence: str) -> str:
    """The sentence without its markers and written citation ids, which no quote contains."""
    for pattern in (MARKER, SECTION_RE, DOC_RE):
        sentence = pattern.sub(" ", sentence)
    return sentence


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

    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        supported = judged = 0
        cosines: list[float] = []
        for record in records:
            quotes = {c.n: c.quote for c in record.answer.citations}
            for number, sentence in enumerate(sentences(record.answer.answer), start=1):
                markers = [int(n) for n in MARKER.findall(sentence)]
                if not markers:
                    continue
                claim = claim_text(sentence)
                cited = [quotes[n] for n in markers if n in quotes]
                share = overlap(claim, cited) if cited else 0.0
                if share is None:
                    continue
                judged += 1
                if share >= self.threshold:
                    supported += 1
                else:
                    result.fail(
                        record.example.id,
                        f"support: sentence {number} shares {share:.2f} of its words "
                        f"with quotes {markers}",
                    )
                if self.embed and cited:
                    cosines.append(self._cosine(claim, cited))
        result.metrics["support_rate"] = ratio(supported, judged)
        if self.embed:
            result.metrics["support_cosine_mean"] = ratio(sum(cosines), len(cosines))
        return result

    def _cosine(self, claim: str, quotes: list[str]) -> float:
        """Best cosine between the claim and any of its quotes (the vectors are normalised)."""
        claim_vector, *quote_vectors = self.embed([claim, *quotes])
        return max(sum(a * b for a, b in zip(claim_vector, v, strict=True)) for v in quote_vectors)
