"""The fixed words of every answer, in English and Chinese.

These are the only sentences not quoted from the corpus, so they make no claim about the law:
they say what the assistant is, what it covers and where its limits are.
"""

from typing import Literal

Language = Literal["en", "zh"]

HEADINGS: dict[str, dict[Language, str]] = {
    "short": {"en": "Short answer", "zh": "簡短回答"},
    "law": {"en": "What the law says", "zh": "法律怎樣說"},
    "help": {"en": "What you can do", "zh": "你可以怎樣做"},
    "sources": {"en": "Sources", "zh": "資料來源"},
}

DISCLAIMER: dict[Language, str] = {
    "en": (
        "This is legal information, not legal advice. It gives the law as at the version date "
        "shown for each provision, and the law may have changed since. For advice on your own "
        "situation, speak to a lawyer or a free legal advice service; if you are in danger, "
        "call the police on 999."
    ),
    "zh": (
        "以上是法律資訊，並非法律意見。內容只反映每項條文所示版本日期的法律，其後法律或已修訂。"
        "如需就你的情況取得意見，請諮詢律師或免費法律諮詢服務；如有危險，請致電999報警。"
    ),
}

ABSTAIN: dict[Language, str] = {
    "en": (
        "I can't answer that from the sources I have, so I won't guess. I cover Hong Kong law on "
        "intimate images, including AI-made and deepfake images: what is an offence, what counts "
        "as an intimate image, consent, penalties, images of children, privacy and doxxing, and "
        "where to get help."
    ),
    "zh": (
        "我手上的資料未能回答這個問題，所以不作猜測。我涵蓋香港有關私密影像（包括AI製作及深偽影像）的法律："
        "甚麼屬於罪行、甚麼算是私密影像、同意、刑罰、兒童影像、私隱及起底，以及求助途徑。"
    ),
}

REFUSE: dict[Language, str] = {
    "en": (
        "I can't help with making, finding, getting or spreading intimate images of someone, or "
        "with identifying the people shown in them. Doing so can harm them and can be a crime."
    ),
    "zh": (
        "我不能協助製作、尋找、取得或散播他人的私密影像，亦不能協助辨認影像中的人。"
        "這樣做會傷害他們，亦可能構成罪行。"
    ),
}

ENGLISH_SOURCES = "*以下內容引自英文原文。*"
LAW_AS_AT: dict[Language, str] = {"en": "law as at {date}", "zh": "法律版本日期 {date}"}
NOT_IN_FORCE: dict[Language, str] = {
    "en": "**not in operation** ({status}): this provision is not law in force; text as at {date}",
    "zh": "**尚未實施**（{status}）：此條文並非現行法律；文本日期 {date}",
}
NOT_IN_OPERATION: dict[Language, str] = {
    "en": "not in operation ({status})",
    "zh": "尚未實施（{status}）",
}
DEFINITION: dict[Language, str] = {"en": "definition of “{term}”", "zh": "「{term}」的定義"}
EMPTY_QUESTION = "the question is empty: ask about Hong Kong law on intimate or deepfake images"
LONG_QUESTION = "the question is {length:,} characters long; the limit is {limit:,}: shorten it"
