"""Chinese words of the subject with their written-Chinese and English equivalents, added to a
Chinese question before it is searched.

The corpus's Chinese is written Chinese, and the statutes other than Cap. 486 are in English
only, so a question in colloquial Cantonese would miss both. Cantonese words get their written
forms ("整" is "製作", "放上網" is "發布"), and subject words their English ones, from the
statutes' own bilingual terms where there is one ("私密影像" is "intimate image" in Cap. 200
s.159AA) and from plain usage where there is not.
"""

import re

COLLOQUIAL = {
    "係咪": "是否",
    "係唔係": "是否",
    "犯唔犯法": "是否犯法 違法",
    "犯唔犯": "是否觸犯",
    "點算": "怎麼辦 求助",
    "點樣": "怎樣",
    "點做": "怎樣做",
    "冇": "沒有",
    "唔": "不",
    "佢哋": "他們",
    "佢": "他 她",
    "畀": "給",
    "整咗": "製作了",
    "整": "製作",
    "影咗": "拍攝了",
    "偷影": "偷拍",
    "放上網": "發布 上載到網上",
    "post上網": "發布 上載到網上",
    "post": "發布",
    "send咗": "傳送了 發布",
    "send": "傳送 發布",
    "upload": "上載 發布",
    "share": "分享 發布",
    "forward": "轉發 發布",
    "張相": "照片",
    "啲相": "照片",
    "條片": "影片",
    "睇": "觀看",
    "攝像頭": "鏡頭 閉路電視",
    "監控": "閉路電視",
    "CCTV": "閉路電視",
    "敲詐": "勒索",
    "淫照": "裸照 色情照片",
    "搵": "尋找",
    "攞": "取得",
    "坐監": "監禁",
    "坐幾耐": "監禁多久 最高刑罰",
    "幾耐": "多久",
    "告佢": "起訴 提出申索",
    "報差": "報警",
    "老豆": "父親",
    "阿媽": "母親",
    "前度": "前伴侶",
    "ex": "前伴侶",
    "nudes": "裸照",
    "nude": "裸照",
    "deepfake": "深偽",
    "AI": "人工智能",
}

ZH_EN = {
    "私密影像": "intimate image",
    "私密部位": "intimate part",
    "私密": "intimate",
    "裸照": "nude photo",
    "裸體": "naked nude",
    "色情": "porn sexual",
    "性相": "sexual photo",
    "深偽": "deepfake",
    "兒童色情物品": "child pornography",
    "兒童色情": "child pornography",
    "威脅": "threaten threat",
    "恐嚇": "criminal intimidation",
    "勒索": "blackmail",
    "敲詐": "blackmail extortion",
    "起底": "doxxing disclose personal data",
    "個人資料": "personal data",
    "私隱專員": "Privacy Commissioner",
    "停止披露通知": "cessation notice",
    "指明傷害": "specified harm",
    "性騷擾": "sexual harassment",
    "偷拍": "voyeurism secretly record",
    "閉路電視": "CCTV camera",
    "鏡頭": "camera",
    "裙底": "upskirting",
    "同意": "consent",
    "分享": "share publish",
    "轉發": "forward publish",
    "放上網": "post online publish",
    "公開": "publish",
    "發布": "publish",
    "刑罰": "penalty",
    "坐幾耐": "prison years penalty",
    "犯法": "offence illegal",
    "投訴": "complaint",
    "未夠16歲": "under 16",
    "同學": "classmate",
    "整": "make",
    "刪除": "delete remove",
    "唔遵從": "fail to comply",
    "平等機會委員會": "Equal Opportunities Commission",
    "風雨蘭": "RainLily",
    "報警": "report to police",
    "警察": "police",
    "律師": "lawyer",
}


def with_written(question: str) -> str:
    """The question followed by the written Chinese of each Cantonese or English word it uses,
    longest first, as with_english does."""
    return _with(question, COLLOQUIAL)


def with_english(question: str) -> str:
    """The question followed by the English of each subject word it uses, longest first so
    that "兒童色情物品" is not also read as "色情"."""
    return _with(question, ZH_EN)


def _with(question: str, words: dict[str, str]) -> str:
    found, rest = [], question
    for word in sorted(words, key=len, reverse=True):
        edge = (r"(?<![A-Za-z])", r"(?![A-Za-z])") if word.isascii() else ("", "")
        pattern = re.compile(rf"{edge[0]}{re.escape(word)}{edge[1]}", re.IGNORECASE)
        if pattern.search(rest):
            found.append(words[word])
            rest = pattern.sub(" ", rest)
    return " ".join([question, *found])
