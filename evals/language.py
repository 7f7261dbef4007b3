"""Is the answer in the language it was asked in? `answer_language_rate`.

The corpus statutes are mostly English only, so a Chinese answer may rightly quote English
provisions; what must be Chinese is the rest: the short answer, what the law says in plain
words, what to do. So the measure ignores what the answer shows as the sources' own text or as
references, and looks at the letters of what is left (the definition is in evals/README.md):

- the lines from the sources heading (`**Sources**`, `**資料來源**`) or the disclaimer rule
  (`---`) on, which list and qualify the sources rather than answer;
- block-quote lines (`> …`): quoted provisions and their citation lines (assistant/answer/
  blocks.py `provision`);
- heading and notice lines wholly in bold or italics (`**簡短回答**`, `*以下內容引自英文原文。*`):
  fixed words that are always in the asked language and would flatter an English body;
- in the remaining text, URLs and Markdown link targets, inline code, citation ids
  (`Cap. 200 s.159AAE(1)`, `doc:x`) and markers (`[1]`).

Of the letters left (`str.isalpha`), the share that are Han characters decides: at least
`CJK_SHARE` is Chinese, less is English, no letters at all is neither (counted as not in the
asked language: an answer that only quotes has said nothing in it).
"""

import re

from assistant.answer.messages import HEADINGS
from assistant.citations import DOC_RE, SECTION_RE
from evals.base import Evaluation, Evaluator, Record, ratio

CJK_SHARE = 0.5
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_STOP = {f"**{heading}**" for heading in HEADINGS["sources"].values()} | {"---"}
_WHOLE_EMPHASIS = re.compile(r"^\s*(\*\*[^*]+\*\*|\*[^*]+\*|_[^_]+_)\s*$")
_NOISE = [
    re.compile(r"\]\([^)\s]*\)"),  # a Markdown link's target; its text stays
    re.compile(r"https?://\S+|www\.\S+"),
    re.compile(r"`[^`]*`"),
    SECTION_RE,
    DOC_RE,
    re.compile(r"\[\d+\]"),
]


def own_words(answer: str) -> str:
    """The answer text without quoted provisions, the sources list, the disclaimer, fixed
    headings and notices, links, code, citation ids and markers."""
    kept = []
    for line in answer.splitlines():
        if line.strip() in _STOP:
            break
        if line.lstrip().startswith(">") or _WHOLE_EMPHASIS.match(line):
            continue
        kept.append(line)
    text = "\n".join(kept)
    for pattern in _NOISE:
        text = pattern.sub(" ", text)
    return text


def cjk_share(text: str) -> float | None:
    """Han characters over all letters; None when there are no letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    return sum(bool(_HAN.match(ch)) for ch in letters) / len(letters)


def language_of(share: float | None) -> str | None:
    """`zh`, `en`, or None for an answer with no words of its own outside quotes."""
    if share is None:
        return None
    return "zh" if share >= CJK_SHARE else "en"


class AnswerLanguageEvaluator(Evaluator):
    """answer_language_rate over answered questions: the body is in the question's `lang`."""

    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        answered = [r for r in records if r.answer.status == "answered"]
        matched = 0
        for record in answered:
            share = cjk_share(own_words(record.answer.answer))
            found = language_of(share)
            result.score(record.example.id, answer_cjk_share=share)
            if found == record.example.lang:
                matched += 1
            elif share is None:
                result.fail(record.example.id, "answer_language: no text outside quotes")
            else:
                result.fail(
                    record.example.id,
                    f"answer_language: {share:.0%} of the letters outside quotes are Chinese, "
                    f"so the answer is in {found}, not {record.example.lang}",
                )
        result.metrics["answer_language_rate"] = ratio(matched, len(answered))
        return result
