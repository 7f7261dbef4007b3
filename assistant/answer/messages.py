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
        "I can't help with making, finding, getting, viewing or spreading intimate images of "
        "someone, with identifying the people shown in them, with threats, or with hiding "
        "evidence from the police. Doing so can harm them and can be a crime. What I can do "
        "is explain what the law says about this, below, and where to get help. If you are "
        "asking about the law or about something that happened to you, ask again in your own "
        "words and I will answer."
    ),
    "zh": (
        "我不能協助製作、尋找、取得、觀看或散播他人的私密影像，不能協助辨認影像中的人，"
        "亦不能協助作出威脅或向警方隱藏證據。這樣做會傷害他人，亦可能構成罪行。"
        "我可以說明法律對此的規定（見下文）及求助途徑。如果你想了解法律，或想知道自己遇到的事可以怎樣處理，"
        "請用你自己的說法再問一次，我會回答。"
    ),
}

HELP_QUERY: dict[Language, str] = {
    "en": "support and help for a person whose intimate images are made or shared",
    "zh": "私密影像被製作或發布的人可以向誰求助 support and help",
}
NO_CHINESE_TEXT = (
    "*此條文的官方中文本不在本資料庫內，以上為英文本；中文本見[電子版香港法例]({url})。*"
)
LEGISLATION: dict[Language, str] = {"en": "e-Legislation", "zh": "電子版香港法例"}
ORDINANCE_ZH = {
    "Crimes Ordinance": "《刑事罪行條例》",
    "Theft Ordinance": "《盜竊罪條例》",
    "Control of Obscene and Indecent Articles Ordinance": "《淫褻及不雅物品管制條例》",
    "Sex Discrimination Ordinance": "《性別歧視條例》",
    "Personal Data (Privacy) Ordinance": "《個人資料(私隱)條例》",
    "Prevention of Child Pornography Ordinance": "《防止兒童色情物品條例》",
}


def shown_date(date: str, language: Language) -> str:
    """An ISO date as a reader of the language writes it: 2024-03-23 or 2024年3月23日."""
    parts = date.split("-")
    if language != "zh" or len(parts) != 3 or not all(part.isdigit() for part in parts):
        return date
    year, month, day = (int(part) for part in parts)
    return f"{year}年{month}月{day}日"


LAW_AS_AT: dict[Language, str] = {"en": "law as at {date}", "zh": "法律版本日期 {date}"}
NOT_IN_FORCE: dict[Language, str] = {
    "en": "**not in operation** ({status}): this provision is not law in force; text as at {date}",
    "zh": "**尚未實施**（{status}）：此條文並非現行法律；文本日期 {date}",
}
NOT_IN_OPERATION: dict[Language, str] = {
    "en": "not in operation ({status})",
    "zh": "尚未實施（{status}）",
}
PROVISION_SAYS: dict[Language, str] = {
    "en": "{where} of the {title} (Cap. {chapter}), headed “{heading}”, says: “{text}”",
    "zh": "{title}（第{chapter}章）{where}「{heading}」規定：「{text}」",
}
SECTION_WHERE: dict[Language, str] = {"en": "Section {section}", "zh": "第{section}條"}
SCHEDULE_WHERE: dict[Language, str] = {
    "en": "Section {section} of Schedule {schedule}",
    "zh": "附表{schedule}第{section}條",
}
DEFINITION: dict[Language, str] = {"en": "definition of “{term}”", "zh": "「{term}」的定義"}
EMPTY_QUESTION = "the question is empty: ask about Hong Kong law on intimate or deepfake images"
LONG_QUESTION = "the question is {length:,} characters long; the limit is {limit:,}: shorten it"
