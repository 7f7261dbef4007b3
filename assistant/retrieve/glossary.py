"""Chinese words of the subject with their English equivalents, added to a Chinese question
before it is searched.

The embedding model reads English only and most of the corpus is English, so a question in
Chinese would otherwise reach only the Chinese text of Cap. 486. The English words come from the
statutes' own bilingual terms where there is one ("私密影像" is "intimate image" in Cap. 200
s.159AA) and from plain usage where there is not (Cantonese "整" is "make").
"""

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
    "起底": "doxxing disclose personal data",
    "個人資料": "personal data",
    "私隱專員": "Privacy Commissioner",
    "停止披露通知": "cessation notice",
    "指明傷害": "specified harm",
    "性騷擾": "sexual harassment",
    "偷拍": "voyeurism secretly record",
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


def with_english(question: str) -> str:
    """The question followed by the English of each subject word it uses, longest first so
    that "兒童色情物品" is not also read as "色情"."""
    found, rest = [], question
    for word in sorted(ZH_EN, key=len, reverse=True):
        if word in rest:
            found.append(ZH_EN[word])
            rest = rest.replace(word, " ")
    return " ".join([question, *found])
