"""Whether the corpus can answer a question, and which retrieved passages are related to it.

Retrieval always returns something, so an unrelated question would otherwise be answered from an
unrelated chunk. Two signals decide, calibrated on the gold questions (evals/datasets/gold.jsonl):

- the dense similarity of the best passage: off-topic questions scored at most 0.41 (trademark
  registration), answerable ones at least 0.42, most above 0.55;
- the question naming the assistant's subject (images, consent, doxxing, harassment, threats,
  the help services ...): "penalty for drink driving" (0.52) and "file for divorce" (0.59) are
  close in meaning to the penalty and legal-advice documents but name nothing the corpus is
  about. A very close passage (0.70) is trusted without it.

The English model cannot read Chinese (off-topic Chinese questions scored 0.78), so a Chinese
question is answered only when it names the subject. A question about another place that the
corpus never mentions ("in Japan") is not answered from Hong Kong law.
"""

import re

from assistant.retrieve.hybrid import Hit
from assistant.store import Index, bm25_tokenize

DENSE_MIN = 0.40
DENSE_SURE = 0.70

_SUBJECT_EN = re.compile(
    r"\b(?:nud\w*|naked|porn\w*|deep\s?-?fakes?|intimate|sex\w*|explicit|indecent|obscen\w*"
    r"|upskirt\w*|voyeur\w*|cameras?|film\w*|record\w*|photo\w*|pics?|pictures?|images?"
    r"|videos?|selfies?|underwear|consent\w*|doxx\w*|personal\s+data|privacy|harass\w*"
    r"|blackmail\w*|sextort\w*|extort\w*|intimidat\w*|threat\w*|disposal\s+orders?"
    r"|cessation|child\s+pornograph\w*|rainlily|eoc|equal\s+opportunities|pcpd|police"
    r"|lawyers?|legal\s+advice|take\s+it\s+down|ai|crimes\s+ordinance|cap\.?\s*\d+)\b",
    re.IGNORECASE,
)
_SUBJECT_ZH = re.compile(
    r"裸|色情|深偽|私密|性|偷拍|裙底|影像|相片|照片|同意|起底|個人資料|私隱|騷擾|勒索|威脅|恐嚇"
    r"|兒童色情|停止披露|平等機會|風雨蘭|報警|deepfake|AI",
    re.IGNORECASE,
)
_PLACES = re.compile(
    r"\b(?:japan|china|mainland|taiwan|macau|macao|singapore|malaysia|thailand|philippines"
    r"|india|australia|new\s+zealand|canada|america|usa|us|uk|britain|england|scotland"
    r"|ireland|france|germany|italy|spain|europe|eu|korea|south\s+korea)\b",
    re.IGNORECASE,
)


def related(hit: Hit) -> bool:
    """A retrieved passage close enough to the question to be quoted in answer to it."""
    return (hit.dense or 0.0) >= DENSE_MIN


def can_answer(question: str, hits: list[Hit], language: str, index: Index) -> bool:
    best = max((hit.dense or 0.0 for hit in hits if hit.via == "search"), default=0.0)
    if best < DENSE_MIN or _elsewhere(question, index):
        return False
    if language == "zh":
        return _SUBJECT_ZH.search(question) is not None
    return best >= DENSE_SURE or _SUBJECT_EN.search(question) is not None


def _elsewhere(question: str, index: Index) -> bool:
    """The question names a place outside Hong Kong that no corpus text mentions."""
    for match in _PLACES.finditer(question):
        tokens = bm25_tokenize([match.group(0)])
        if not all(word in index.bm25.vocab_dict for word in tokens.vocab):
            return True
    return False
