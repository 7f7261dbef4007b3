"""What a question asks for, read before anything is retrieved: a harmful request, a person
something happened to, and text that tries to give the assistant orders.

Refusal protects the people in the images: the assistant never helps make, find, get or spread
an intimate image of someone, or identify the people in one. It must never turn away a person
asking what to do about an image of themselves, so a request is recognised by its form (a
how-to, a where-to, an order) together with what it is for, never by the topic alone; when a
question is about the asker's own image or about removing or reporting one, it is not refused.
A missed refusal costs little, since the answer only quotes the law; a refused victim is harm.
"""

import re

_I = re.IGNORECASE

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|safety|old)?\s*"
    r"(?:instructions?|rules?|prompts?|guidelines?|guardrails?|directions?|filters?|corpus"
    r"|sources?|context|documents?)\b[\s,.:;!-]*(?:and\s+your\s+\w+[\s,.:;!-]*)?"
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

_INTIMATE = (
    r"(?:nudes?|naked|nudity|porn\w*|deep\s?-?fakes?|intimate|explicit|sexual|sexy|lewd|topless"
    r"|nsfw|x-rated|sex\s?(?:tapes?|videos?|pics?|photos?)|undress\w*|nudif\w*)"
)
_PICTURES = r"(?:pics?|pictures?|photos?|images?|videos?|vids?|clips?|files?|folders?|album)"
_MAKE = r"(?:make|create|generate|produce|render|draw|photoshop|edit|turn|put|swap|fake)"
_GET = r"(?:find|get|obtain|buy|purchase|download|access|see|view|watch|look\s+at|grab|steal|hack)"
_SPREAD = r"(?:share|post|spread|send|upload|leak|distribute|circulate|publish|forward|sell|trade)"
_UNDRESS = (
    r"(?:undress\w*|nudif\w*|declothe|strip\s+(?:her|him|them)"
    r"|remove\s+(?:the\s+|her\s+|his\s+|their\s+)?cloth\w*|clothes?\s*(?:off|remov\w*)|x-?ray)"
)
_ASKING = (
    r"(?:how\s+(?:do|can|could|would|should|to|might)(?:\s+(?:i|we|you|one|someone))?"
    r"|where\s+(?:can|do|could|would|should|to|is|are)(?:\s+(?:i|we|you|one))?"
    r"|(?:which|what|any|best|good|free|an?)\s+(?:apps?|tools?|sites?|websites?|bots?|ai|"
    r"programs?|software|services?|links?|groups?|channels?)"
    r"|(?:can|could|will|would)\s+you|(?:help|teach|show|let)\s+me|tell\s+me\s+how"
    r"|please|give\s+me|send\s+me|looking\s+for|is\s+there\s+a\s+way\s+to)"
)
_GAP = r"[^.?!\n]{0,60}?"

_REQUESTS = [
    re.compile(rf"\b{_ASKING}\b{_GAP}\b(?:{_MAKE}|{_GET}|{_SPREAD})\b{_GAP}{_INTIMATE}", _I),
    re.compile(rf"\b{_ASKING}\b{_GAP}\b{_GET}\b{_GAP}\b{_PICTURES}\b", _I),
    re.compile(rf"\b{_ASKING}\b{_GAP}\b{_UNDRESS}", _I),
    re.compile(rf"^\s*(?:please\s+)?(?:{_MAKE}|{_GET}|{_SPREAD})\b{_GAP}{_INTIMATE}", _I),
    re.compile(rf"^\s*(?:please\s+)?{_UNDRESS}\b", _I),
    re.compile(
        r"\b(?:who\s+(?:are|is|were|was)|names?\s+of|identify|identities\s+of|reveal|dox+)\b"
        r"[^.?!\n]{0,40}?\b(?:girls?|women|woman|ladies|lady|victims?|people|persons?|"
        r"classmates?|students?\s+(?:shown|in\s+the\s+(?:pics?|photos?|images?|videos?)))\b",
        _I,
    ),
    re.compile(
        r"(?:幫我|教我|點樣|怎樣|如何|邊度|哪裡)[^。？！]{0,12}(?:整|做|製作|生成|搵|找|下載|睇|散播|發布)"
        r"[^。？！]{0,12}(?:裸照|裸體|色情|深偽|私密影像|脫衣)"
    ),
]

_CAMERA = (
    r"(?:(?:hide|install|plant|set\s+up|put|place)\b[^.?!\n]{0,20}\bcameras?"
    r"|(?:film|record|photograph|shoot|video)\w*\b[^.?!\n]{0,30}"
    r"\b(?:up\s+(?:her\s+|their\s+)?skirts?|upskirt\w*|changing\s+rooms?|toilets?|showers?"
    r"|secretly))"
)
_REQUESTS += [
    re.compile(rf"\b{_ASKING}\b{_GAP}{_CAMERA}", _I),
    re.compile(
        rf"(?:\b{_ASKING}\b|^\s*(?:please\s+)?give\s+me\b){_GAP}\b(?:find|get|track|look\s+up)\b"
        r"[^.?!\n]{0,40}?\b(?:home\s+address|address|phone\s+number|where\s+(?:she|he|they)\s+lives?"
        r"|real\s+name|identity)",
        _I,
    ),
]

# Never excused by the asker's own image or by a removal: evading the police, destroying
# evidence, drafting a threat.
_ALWAYS = [
    re.compile(
        rf"\b(?:{_MAKE}|{_SPREAD}|film|record|hide|install)\b[^.?!\n]{{0,80}}?"
        r"\b(?:without\s+(?:being|getting)\s+(?:caught|found|traced|noticed)"
        r"|so\s+(?:the\s+)?police\s+(?:can't|cannot|won't|don't)|untraceabl\w*)",
        _I,
    ),
    re.compile(
        r"\b(?:wipe|destroy|get\s+rid\s+of|delete|hide)\b[^.?!\n]{0,60}?\b(?:before|so)\b"
        r"[^.?!\n]{0,60}?\b(?:police|court|investigat\w*)\b[^.?!\n]{0,60}?"
        r"\b(?:i|we)\s+(?:made|created|posted|shared|took|filmed|sent)\b",
        _I,
    ),
    re.compile(
        r"^\s*(?:please\s+)?(?:write|draft|compose)\b[^.?!\n]{0,120}?"
        r"\b(?:nudes?|naked|intimate|unless|opinion|threat\w*)",
        _I,
    ),
    re.compile(
        r"\bmy\s+(?:sextortion|blackmail|extortion|threat\w*)\s+(?:message|text|note|letter|dm|email)"
        r"|\bso\s+(?:it|that\s+it)\s+(?:doesn't|does\s+not|won't|will\s+not)\s+count\s+as\b",
        _I,
    ),
]

_OWN_OR_REMOVAL = re.compile(
    r"\b(?:of\s+me|of\s+myself|me\s+naked|my\s+(?:own\s+)?(?:nudes?|photos?|pics?|pictures?|"
    r"images?|videos?|face|body|deep\s?-?fakes?)|remov\w*|take\s+(?:it|them|this|that)\s+down|"
    r"taken\s+down|takedown|delet\w*|report\w*|stop\s+(?:it|them|him|her|this)|get\s+help|"
    r"protect)\b"
    r"|刪除|移除|報警|舉報|求助|我的(?:相|照片|影像)",
    _I,
)

_VICTIM = re.compile(
    r"\b(?:of\s+me|of\s+myself|me\s+naked|my\s+(?:own\s+)?(?:nudes?|photos?|pics?|pictures?|"
    r"images?|videos?|face|body|deep\s?-?fakes?)|taken\s+down|who\s+can\s+help"
    r"|i\s+(?:found|saw|discovered|received|got|just\s+found|have\s+been|was|am\s+being)"
    r"|i'm\s+being|i've\s+been"
    r"|(?:threaten\w*|blackmail\w*|harass\w*|extort\w*|sent|showed|tagged)\s+me"
    r"|someone\s+(?:has\s+|is\s+|just\s+)?(?:made|posted|shared|sent|threat\w*|leaked|uploaded|"
    r"spread|created|edited|put|is\s+sharing|is\s+posting)"
    r"|(?:what|where|who)\s+(?:can|should|do)\s+(?:i|we|she|he|they)\s+(?:do|go|report|turn|"
    r"call|contact|tell|get\s+help)"
    r"|how\s+(?:do|can|should)\s+(?:i|we|she|he|they)\s+(?:report|remove|delete|stop|get\s+"
    r"(?:it|them|this|that|the\s+\w+)?\s*(?:removed|taken\s+down|deleted|help))"
    r"|help\s+me|a\s+caller|the\s+caller|victims?\s+of\s+this)\b"
    r"|\b(?:my|our)\s+(?:ex|ex-\w+|daughter|son|child|kid|friend|sister|brother|student|classmate|"
    r"girlfriend|boyfriend|wife|husband|partner|client|mum|mom|mother|niece|colleague)\b"
    r"[^.?!\n]{0,80}?\b(?:made|posted|shared|threat\w*|sent|leaked|uploaded|spread|circulat\w*|"
    r"found|is\s+being|was|were|blackmail\w*|created)"
    r"|有人|我的(?:相|照片|影像|裸照)|威脅我|點算|怎麼辦|點樣報警|如何求助",
    _I,
)


def without_injection(question: str) -> str:
    """The question with any attempt to give the assistant orders cut out: retrieval and
    composition only ever see what the person asked about."""
    return " ".join(_INJECTION.sub(" ", question).split())


def is_harmful(question: str) -> bool:
    """A request to make, find, get or spread an intimate image of someone, to undress a
    photo, or to identify the people shown."""
    if any(pattern.search(question) for pattern in _ALWAYS):
        return True
    if _OWN_OR_REMOVAL.search(question):
        return False
    return any(pattern.search(question) for pattern in _REQUESTS)


def is_victim(question: str) -> bool:
    """The question is about something done to the asker or someone close to them: the answer
    then says what they can do and where to get help."""
    return _VICTIM.search(question) is not None
