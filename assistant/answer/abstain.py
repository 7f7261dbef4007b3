"""Whether the corpus can answer a question, and which retrieved passages are related to it.

Retrieval always returns something, so an unrelated question would otherwise be answered from an
unrelated chunk. Three signals decide:

- the question classifier (assistant/classifier.py) reading the question as off topic: outside
  the law the corpus covers ("penalty for drink driving", "file for divorce"), which earlier
  matched the penalty and legal-advice documents closely in meaning;
- the similarity of the best passage, by the English model (off-topic questions scored at most
  0.41 on the gold set, answerable ones at least 0.42) or by the multilingual one, which reads
  Chinese;
- a place outside Hong Kong that the corpus never mentions ("in Japan"), whose law it cannot give.
"""

import re

from assistant.answer.classify import Intent
from assistant.retrieve.hybrid import Hit
from assistant.store import Index, bm25_tokenize

DENSE_MIN = 0.40
MULTILINGUAL_MIN = 0.30

_PLACES = re.compile(
    r"\b(?:japan|china|mainland|taiwan|macau|macao|singapore|malaysia|thailand|philippines"
    r"|india|australia|new\s+zealand|canada|america|usa|us|uk|britain|england|scotland"
    r"|ireland|france|germany|italy|spain|europe|eu|korea|south\s+korea)\b"
    r"|日本|中國內地|內地|大陸|台灣|臺灣|澳門|新加坡|馬來西亞|泰國|英國|美國|加拿大|澳洲|韓國|南韓|歐洲",
    re.IGNORECASE,
)


def related(hit: Hit) -> bool:
    """A retrieved passage close enough to the question, by either model, to be quoted in
    answer to it."""
    return (hit.dense or 0.0) >= DENSE_MIN or (hit.dense_multilingual or 0.0) >= MULTILINGUAL_MIN


def can_answer(question: str, hits: list[Hit], intent: Intent, index: Index) -> bool:
    if intent.off_topic or _elsewhere(question, index):
        return False
    return any(related(hit) for hit in hits if hit.via == "search")


def _elsewhere(question: str, index: Index) -> bool:
    """The question names a place outside Hong Kong that no corpus text mentions."""
    for match in _PLACES.finditer(question):
        tokens = bm25_tokenize([match.group(0)])
        if not all(word in index.bm25.vocab_dict for word in tokens.vocab):
            return True
    return False
