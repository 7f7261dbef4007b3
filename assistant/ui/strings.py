"""Every word the app itself writes, in English and in Hong Kong written Chinese.

One dict per language with the same keys, so a missing translation is a test failure rather than
an English label in the middle of a Chinese page. Answers, disclaimers and refusals are the
pipeline's words (assistant/answer/messages.py); corpus text is shown as written.
"""

import datetime as dt

import streamlit as st

from assistant.answer.messages import Language

LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "zh": "中文"}

EN: dict[str, str] = {
    # app.py: the frame of every page
    "page-title": "Fake and intimate images: Hong Kong law",
    "nav-ask": "Ask a question",
    "nav-coverage": "What it covers",
    "nav-documents": "Staff documents",
    "interface-language": "Interface language · 介面語言",
    "quick": "Hotline quick view",
    "quick-help": "Short answer, key provision and help numbers first; full detail folded below.",
    "answer-language": "Answer language",
    "answer-same": "Same as the question",
    "backend": "Answer writer",
    "backend-help": (
        "extractive quotes the sources and needs no language model. The others write with a "
        "model set up as in the README (Using an LLM); each sentence they write is checked "
        "against its sources, and those not supported are removed."
    ),
    "get-help": "Get help now",
    # the help panel
    "help-police": "Police",
    "help-rainlily": "RainLily sexual violence helpline",
    "help-privacy-commissioner": "Privacy Commissioner (PCPD)",
    "help-eoc": "Equal Opportunities Commission",
    "help-legal-advice": "Free legal advice",
    "not-your-fault": "It is not your fault, and you do not have to deal with it alone.",
    "not-your-fault-danger": (
        "It is not your fault, and you do not have to deal with it alone. "
        "If you are in danger now, call the police on {phone}."
    ),
    "help-missing": "The help contacts could not be loaded from corpus/help.",
    "help-checked": (
        "Numbers as published by each service, checked {date}. "
        "Their websites have current details and opening hours."
    ),
    # one answer
    "status-pending": "Not yet in operation: this text is not law in force.",
    "status-repealed": "Repealed: this text is no longer law.",
    "status-omitted": "Omitted from the current version.",
    "kind-statute": "Legislation",
    "kind-explainer": "Explainer",
    "kind-guideline": "Official guidance (summary)",
    "kind-news": "News report (summary)",
    "kind-help": "Help service",
    "kind-user": "Added by staff",
    "law-as-at": "law as at {date}",
    "dated": "dated {date}",
    "cited-as": "cited as {cite}",
    "source": "Source: {link}",
    "sources": "**Sources** — the sentences the answer quotes are highlighted",
    "key-provision": "**Key provision:** {cite}, {title} (law as at {date})",
    "full-answer": "Full answer and sources",
    "feedback-saved": "Thank you — your feedback was saved.",
    "feedback-open": "Was this helpful?",
    "feedback-rating": "Was this answer helpful?",
    "helpful": "Helpful",
    "not helpful": "Not helpful",
    "feedback-comment": "Comment (optional)",
    "feedback-include": "Include my question with this feedback",
    "feedback-notice": (
        "Saved on this computer only, and only when you press Save: your rating, your comment, "
        "the time, whether the assistant answered, and which sources it cited. Your question is "
        "saved only if you tick the box."
    ),
    "feedback-save": "Save feedback",
    "feedback-choose": "Choose helpful or not helpful first.",
    # the chat page
    "ask-header": "Fake or intimate images: what Hong Kong law says",
    "placeholder": "Ask about fake or intimate images and Hong Kong law…",
    "welcome": (
        "Ask in your own words, in English or Chinese. You do not need to give your name. "
        "Questions are not saved: they stay in this browser tab until you close it."
    ),
    "thinking": "Looking up the law and the explainers…",
    "writing": "Writing and checking the answer… ({chars} characters not checked yet)",
    "llm-failed": "The language model could not be used ({reason}). The answer below quotes "
    "the sources instead.",
    "cannot-open": "The law library cannot be opened: {error}",
    "not-built": "The law library (the search index) has not been built on this computer yet.",
    "build-from-terminal": "Build it from a terminal in the project folder:",
    "build-now": "Build it now",
    "build-starting": "Starting…",
    "build-reading": "Reading the law and the explainers…",
    "build-embedding": "Preparing the search index…",
    "build-failed": "The build did not finish: {last}",
    # the coverage page
    "coverage-title": "What the assistant covers",
    "coverage-intro": (
        "Every answer is made of sentences quoted from the sources below, each with its "
        'citation. A question they cannot answer gets "I can\'t answer that" instead of a guess.'
    ),
    "no-index": "There is no index to describe yet: {error}",
    "index-built": "Index built {date}, {time} UTC · {chunks:,} passages from {sources} sources",
    "legislation": "Legislation",
    "ordinance": "{title} ({language}) — law as at {date} — {sections}, {scope}",
    "text-en": "English text",
    "text-zh-Hant": "Chinese text",
    "one-section": "1 section",
    "sections": "{n} sections",
    "scope-selected": "selected sections",
    "scope-whole": "whole Ordinance",
    "column-citation": "citation",
    "column-heading": "heading",
    "column-status": "status",
    "column-url": "e-Legislation",
    "column-title": "title",
    "column-dated": "dated",
    "column-source": "source",
    "header-explainer": "Explainers ({n})",
    "header-guideline": "Official guidance (our summaries) ({n})",
    "header-news": "News reports (our summaries) ({n})",
    "header-help": "Help services ({n})",
    "header-user": "Added by staff ({n})",
    "none-added": "None. Staff can add documents on the Staff documents page.",
    "skipped": "Files skipped at the last build",
    # the staff documents page
    "documents-title": "Staff documents",
    "documents-intro": (
        "Add your organisation's own documents (PDF, HTML, Markdown or plain text). Answers "
        "search them with the rest of the library and cite them, marked **Added by staff**. They "
        "are kept on this computer and are used for everyone who uses this copy of the assistant."
    ),
    "field-document": "Document",
    "upload-limits": (
        "Up to {mb} MB a file, {pages} pages for a PDF and {chars} characters of text. "
        "A scanned PDF holds pictures of text, which cannot be read."
    ),
    "field-title": "Title",
    "title-example": "e.g. School guidance on deepfake incidents",
    "field-source": "Source",
    "source-example": "A web address, or who published it (e.g. Our NGO, training pack)",
    "field-date": "Date of the document",
    "add-document": "Add document",
    "choose-file": "Choose a file to add.",
    "indexing": "Reading and indexing the document…",
    "added": "Added “{title}” ({chunks} passages). Questions can now be answered from it.",
    "removed": "Removed “{title}”. Answers no longer cite it.",
    "added-documents": "Added documents ({n})",
    "none-yet": "None yet.",
    "document-line": ("{source} · dated {date} · {filename} · {chunks} passages · cited as {cite}"),
    "remove": "Remove",
}

ZH: dict[str, str] = {
    "page-title": "偽造及私密影像：香港法律",
    "nav-ask": "提出問題",
    "nav-coverage": "涵蓋範圍",
    "nav-documents": "職員文件",
    "interface-language": "介面語言 · Interface language",
    "quick": "熱線快速檢視",
    "quick-help": "先顯示簡短回答、主要條文及求助電話；詳細內容摺疊於下方。",
    "answer-language": "回答語言",
    "answer-same": "跟隨問題的語言",
    "backend": "回答方式",
    "backend-help": (
        "extractive 只引用資料來源，毋須語言模型。其他方式以語言模型撰寫（設定見 README 的"
        "「Using an LLM」）；每句均會與其來源核對，未獲支持的句子會被刪除。"
    ),
    "get-help": "即時求助",
    "help-police": "警方",
    "help-rainlily": "風雨蘭性暴力求助熱線",
    "help-privacy-commissioner": "個人資料私隱專員公署",
    "help-eoc": "平等機會委員會",
    "help-legal-advice": "免費法律諮詢",
    "not-your-fault": "這不是你的錯，你不需要獨自面對。",
    "not-your-fault-danger": (
        "這不是你的錯，你不需要獨自面對。如你現在身處危險，請致電{phone}報警。"
    ),
    "help-missing": "未能從 corpus/help 載入求助聯絡資料。",
    "help-checked": (
        "電話號碼按各機構公布的資料列出，核對日期：{date}。最新詳情及服務時間請瀏覽其網站。"
    ),
    "status-pending": "尚未實施：此文本並非現行法律。",
    "status-repealed": "已廢除：此文本已不再是法律。",
    "status-omitted": "已從現行版本略去。",
    "kind-statute": "法例",
    "kind-explainer": "解說",
    "kind-guideline": "官方指引（摘要）",
    "kind-news": "新聞報道（摘要）",
    "kind-help": "求助服務",
    "kind-user": "職員加入",
    "law-as-at": "法律版本日期 {date}",
    "dated": "日期 {date}",
    "cited-as": "引用為 {cite}",
    "source": "來源：{link}",
    "sources": "**資料來源** — 答案引用的句子已標示",
    "key-provision": "**主要條文：** {cite}，{title}（法律版本日期 {date}）",
    "full-answer": "完整答案及資料來源",
    "feedback-saved": "謝謝，你的意見已儲存。",
    "feedback-open": "這個答案有幫助嗎？",
    "feedback-rating": "這個答案有幫助嗎？",
    "helpful": "有幫助",
    "not helpful": "沒有幫助",
    "feedback-comment": "意見（可選填）",
    "feedback-include": "連同我的問題一併儲存",
    "feedback-notice": (
        "只會在你按「儲存」時儲存在這部電腦：你的評分、意見、時間、助理有否回答，以及引用了哪些資料來源。"
        "只有在你剔選方格時，才會儲存你的問題。"
    ),
    "feedback-save": "儲存意見",
    "feedback-choose": "請先選擇「有幫助」或「沒有幫助」。",
    "ask-header": "偽造或私密影像：香港法律怎樣說",
    "placeholder": "請輸入有關偽造或私密影像及香港法律的問題…",
    "welcome": (
        "請用你自己的說話提問，中文或英文皆可，毋須提供姓名。"
        "問題不會被儲存：只會留在這個瀏覽器分頁，直至你關閉它。"
    ),
    "thinking": "正在查找法例及解說…",
    "writing": "正在撰寫及核對回答…（尚有 {chars} 個字元未核對）",
    "llm-failed": "未能使用語言模型（{reason}）。以下改為直接引用資料來源的回答。",
    "cannot-open": "未能開啟法律資料庫：{error}",
    "not-built": "這部電腦尚未建立法律資料庫（搜尋索引）。",
    "build-from-terminal": "請在專案資料夾的終端機執行：",
    "build-now": "立即建立",
    "build-starting": "開始中…",
    "build-reading": "正在讀取法例及解說…",
    "build-embedding": "正在準備搜尋索引…",
    "build-failed": "建立未能完成：{last}",
    "coverage-title": "助理涵蓋的內容",
    "coverage-intro": (
        "每個答案都由引自以下資料來源的句子組成，每句均附出處。"
        "這些資料未能回答的問題，助理會說明未能回答，而不會猜測。"
    ),
    "no-index": "尚未有索引可供說明：{error}",
    "index-built": (
        "索引建立於 {date} {time}（UTC）· 共 {chunks:,} 段內容，來自 {sources} 個資料來源"
    ),
    "legislation": "法例",
    "ordinance": "{title}（{language}）— 法律版本日期 {date} — {sections}，{scope}",
    "text-en": "英文本",
    "text-zh-Hant": "中文本",
    "one-section": "1 條條文",
    "sections": "{n} 條條文",
    "scope-selected": "部分條文",
    "scope-whole": "整條條例",
    "column-citation": "引用",
    "column-heading": "標題",
    "column-status": "狀態",
    "column-url": "電子版香港法例",
    "column-title": "標題",
    "column-dated": "日期",
    "column-source": "來源",
    "header-explainer": "解說（{n}）",
    "header-guideline": "官方指引（我們的摘要）（{n}）",
    "header-news": "新聞報道（我們的摘要）（{n}）",
    "header-help": "求助服務（{n}）",
    "header-user": "職員加入的文件（{n}）",
    "none-added": "沒有。職員可在「職員文件」頁加入文件。",
    "skipped": "上次建立索引時略過的檔案",
    "documents-title": "職員文件",
    "documents-intro": (
        "加入你機構自己的文件（PDF、HTML、Markdown 或純文字）。"
        "答案會連同資料庫其他內容一併搜尋並引用這些文件，並標示為**職員加入**。"
        "文件保存在這部電腦，所有使用這份助理的人都會用到。"
    ),
    "field-document": "文件",
    "upload-limits": (
        "每個檔案最多 {mb} MB；PDF 最多 {pages} 頁；文字最多 {chars} 字。"
        "掃描的 PDF 只有文字的圖片，無法讀取。"
    ),
    "field-title": "標題",
    "title-example": "例如：學校處理深偽影像事件指引",
    "field-source": "來源",
    "source-example": "網址，或發布者（例如：本機構、培訓資料）",
    "field-date": "文件日期",
    "add-document": "加入文件",
    "choose-file": "請選擇要加入的檔案。",
    "indexing": "正在讀取文件並建立索引…",
    "added": "已加入「{title}」（{chunks} 段內容），現在可以根據它回答問題。",
    "removed": "已移除「{title}」，答案不會再引用它。",
    "added-documents": "已加入的文件（{n}）",
    "none-yet": "暫時沒有。",
    "document-line": "{source} · 日期 {date} · {filename} · {chunks} 段內容 · 引用為 {cite}",
    "remove": "移除",
}

STRINGS: dict[Language, dict[str, str]] = {"en": EN, "zh": ZH}

EXAMPLES: dict[Language, list[str]] = {
    "en": [
        "Someone made fake nude pictures of me and shared them. What can I do?",
        "Is creating AI porn of a classmate illegal in Hong Kong?",
        "Is it an offence to threaten to post an intimate image of someone?",
        "How do I report a deepfake image to the police?",
    ],
    "zh": [
        "有人製作了我的偽造裸照並在網上分享，我可以怎樣做？",
        "在香港製作同學的AI色情影像是否違法？",
        "威脅發布他人的私密影像是否屬於罪行？",
        "我可以如何向警方舉報深偽影像？",
    ],
}


def language() -> Language:
    """The interface language picked in the sidebar (session key "ui"); English until then."""
    return "zh" if st.session_state.get("ui") == "zh" else "en"


def browser_language() -> Language:
    """Chinese for a browser set to any Chinese locale, so a first visit opens in the reader's
    language; English otherwise."""
    return "zh" if (st.context.locale or "").lower().startswith("zh") else "en"


def t(key: str, **values: object) -> str:
    """The interface's words for `key`, with `values` filled in."""
    return STRINGS[language()][key].format(**values)


def format_date(value: dt.date | str) -> str:
    """A date as the interface language writes it: 26 November 2026 or 2026年11月26日. Text that
    is not an ISO date (a staff document's free-form date, say) is returned as it is."""
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except ValueError:
        return str(value)
    if language() == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B %Y}"
