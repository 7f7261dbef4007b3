"""The few structural rules read before a question is classified: text that tries to give the
assistant orders (cut out, so retrieval and the classifier see only what was asked), and an
explicit order to write a threat (refused whatever the classifier says). What a question asks
for is otherwise the trained classifier's call (classify.py): phrase rules failed both ways.
"""

import re

_I = re.IGNORECASE

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|safety|old)?\s*"
    r"(?:instructions?|rules?|prompts?|guidelines?|guardrails?|directions?|filters?|corpus"
    r"|sources?|context|documents?)\b[\s,.:;!-]*(?:and\s+your\s+\w+[\s,.:;!-]*)?"
    r"(?:(?:and|then)\s+(?:just\s+)?(?:say|state|claim|confirm|(?:answer|reply|respond|write)\s+that)"
    r"\b[^.?!\n]*[.?!]?\s*)?"
    r"|\byou(?:'re|\s+are)\s+(?:now\s+)?(?:my|a|an|now)\b[^.?!:\n]*[.?!:\n]?\s*"
    r"|\b(?:new|system)\s+(?:instructions?|prompt)\s*:\s*|^\s*system\s*:\s*"
    r"|\b(?:developer|jailbreak|dan|god)\s+mode\b[^.?!\n]*[.?!\n]?\s*"
    r"|\bpretend\s+(?:to\s+be|you\s+are)\b[^.?!\n]*[.?!\n]?\s*"
    r"|\b(?:just\s+)?(?:reply|respond|answer|say|output|print)\s+(?:with\s+)?(?:only\s+)?"
    r"['\"“‘][^'\"”’]{0,80}['\"”’][\s,.:;!—-]*"
    r"|</?\s*(?:question|instructions?|system|prompt)\s*>"
    r"|忽略(?:之前|以上|先前|所有)?的?(?:指示|指令|規則)[，,。\s]*",
    _I,
)

# An explicit order to write a threat or an extortion message: the wording is the request itself,
# whatever the topic, and a classifier trained on questions sees few orders.
_ORDERS = [
    re.compile(
        r"^\s*(?:please\s+)?(?:write|draft|compose)\b[^.?!\n]{0,120}?"
        r"\b(?:nudes?|naked|intimate|unless|threat\w*|sextortion|blackmail\w*)",
        _I,
    ),
    re.compile(
        r"\bmy\s+(?:sextortion|blackmail|extortion|threat\w*)\s+(?:message|text|note|letter|dm|email)",
        _I,
    ),
    re.compile(r"^\s*(?:幫我|請)?(?:寫|草擬|擬)[^。？！\n]{0,30}(?:威脅|勒索|恐嚇)"),
]


def without_injection(question: str) -> str:
    """The question with any attempt to give the assistant orders cut out: retrieval and
    composition only ever see what the person asked about."""
    return " ".join(_INJECTION.sub(" ", question).split())


def orders_harm(question: str) -> bool:
    """An explicit order to write a threat or an extortion message."""
    return any(pattern.search(question) for pattern in _ORDERS)
