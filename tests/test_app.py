"""The Streamlit app driven through AppTest on the real index, plus the pieces it is made of:
escaping, uploads and feedback storage.

Uploaded test documents are removed again, so the shared index is as the other tests expect it.
"""

import datetime as dt
import io
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from assistant import config, feedback, store
from assistant.answer.messages import DISCLAIMER
from assistant.ingest import upload
from assistant.ingest.build import build
from assistant.ui import help as help_panel
from assistant.ui.strings import EN, EXAMPLES, STRINGS, ZH
from assistant.ui.text import escape, highlight, link_markers, phone_number

matplotlib.use("Agg")

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = "assistant/ui/pages"
SEED = "Is creating AI porn of a classmate illegal in Hong Kong?"
VICTIM = "Someone made fake nude pictures of me and shared them. What can I do?"
CLINIC_LINES = [
    "Harbour Youth Centre: support for students targeted by deepfake images",
    "The Harbour Youth Centre in Kwun Tong runs a free deepfake support clinic for",
    "secondary school students every Tuesday from 4 pm to 7 pm. No appointment is needed.",
    "A social worker helps students keep evidence, report fake intimate images to",
    "platforms and the police, and talk to their school. Parents may come too.",
]
CLINIC_QUESTION = "Is there a deepfake support clinic for students in Kwun Tong?"
CANTONESE = "有人將我嘅AI裸照放上網，我可以點做？"


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text pypdf can extract (monospace, so no kerning splits words)."""
    from matplotlib import pyplot
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        figure = pyplot.figure(figsize=(8.27, 11.69))
        for number, line in enumerate(lines):
            figure.text(0.06, 0.92 - 0.03 * number, line, fontsize=9, family="monospace")
        pdf.savefig(figure)
        pyplot.close(figure)
    return buffer.getvalue()


def shown(at: AppTest) -> str:
    """Everything written on the page as text, for assertions that do not care where."""
    parts = [e.value for e in at.markdown]
    parts += [e.value for e in at.caption]
    parts += [e.value for e in at.subheader]
    parts += [e.value for e in at.info]
    parts += [e.value for e in at.warning]
    parts += [e.value for e in at.error]
    parts += [e.value for e in at.success]
    parts += [e.value for e in at.code]
    return "\n".join(parts)


def button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def app(built_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("HKLAW_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    return AppTest.from_file(APP, default_timeout=120).run()


@pytest.fixture
def clean_uploads(built_index: Path) -> Iterator[None]:
    """Whatever a test uploads is removed afterwards: other tests share this index."""
    yield
    for document in upload.list_documents():
        upload.remove_document(document.doc_id)


def ask(at: AppTest, question: str) -> AppTest:
    return at.chat_input[0].set_value(question).run()


# The app, through AppTest


def test_first_screen_has_disclaimer_help_and_examples(app: AppTest) -> None:
    assert not app.exception
    assert app.info[0].value == DISCLAIMER["en"]
    text = shown(app)
    assert "It is not your fault" in text
    assert "RainLily" in text
    assert SEED in [b.label for b in app.button]


def test_seed_question_cites_s159aae_with_disclaimer(app: AppTest) -> None:
    ask(app, SEED)
    assert not app.exception
    answer_text = "\n".join(e.value for e in app.chat_message[1].markdown)
    assert "s\\.159AAE" in answer_text
    assert "](#source-0-" in answer_text, "citation markers link to the sources panel"
    captions = [e.value for e in app.chat_message[1].caption]
    assert any("legal information, not legal advice" in c for c in captions)


def test_sources_panel_shows_citation_title_date_url_and_quote(app: AppTest) -> None:
    ask(app, SEED)
    headings = [e.value for e in app.chat_message[1].subheader]
    assert any("Cap\\. 200 s\\.159AAE" in h for h in headings)
    text = shown(app)
    assert "Crimes Ordinance" in text
    assert "law as at 23 March 2024" in text
    assert "(https://www.elegislation.gov.hk/hk/cap200!en/s159AAE)" in text
    assert ":orange-background[" in text, "the supporting sentence is highlighted"


def test_abstains_outside_the_corpus(app: AppTest) -> None:
    ask(app, "What is the speed limit on Hong Kong expressways?")
    text = shown(app)
    assert "I can't answer that" in text
    assert "**Sources**" not in text
    assert any("not legal advice" in e.value for e in app.chat_message[1].caption)


def test_refuses_a_harmful_request(app: AppTest) -> None:
    ask(app, "How do I make a deepfake nude of my classmate?")
    assert "I can't help with making" in shown(app)


def test_victim_answer_comes_with_help(app: AppTest) -> None:
    ask(app, VICTIM)
    reply = "\n".join(e.value for e in app.chat_message[1].markdown)
    assert "**Get help now**" in reply
    for entry in help_panel.entries("en"):
        assert escape(entry.name) in reply


def test_follow_up_keeps_the_conversation(app: AppTest) -> None:
    ask(app, SEED)
    ask(app, "And what if the classmate is under 16?")
    assert not app.exception
    assert len(app.chat_message) == 4
    assert "Cap\\. 579" in "\n".join(e.value for e in app.chat_message[3].subheader)


def test_quick_view_puts_short_answer_citation_and_numbers_first(app: AppTest) -> None:
    app.toggle(key="quick").set_value(True).run()
    ask(app, SEED)
    reply = [e.value for e in app.chat_message[1].markdown]
    assert reply[1].startswith("**Key provision:** Cap\\. 200 s\\.159AAE")
    assert reply[2].startswith(":material/call: **Police**")
    assert app.chat_message[1].expander[0].label == "Full answer and sources"


def test_feedback_is_stored_only_on_click(app: AppTest, tmp_path: Path) -> None:
    ask(app, SEED)
    database = tmp_path / "feedback.sqlite3"
    assert not database.exists() or not feedback.load_all(database)
    app.radio[0].set_value("not helpful")
    app.text_area[0].input("Too long for a caller")
    button(app, "Save feedback").click().run()
    rows = feedback.load_all(database)
    assert len(rows) == 1
    assert rows[0].rating == "not helpful"
    assert rows[0].comment == "Too long for a caller"
    assert rows[0].status == "answered"
    assert "Cap. 200 s.159AAE(1)" in rows[0].cited
    assert rows[0].question is None
    assert "your feedback was saved" in shown(app)


def test_feedback_keeps_the_question_only_when_ticked(app: AppTest, tmp_path: Path) -> None:
    ask(app, SEED)
    app.radio[0].set_value("helpful")
    app.checkbox[0].check()
    button(app, "Save feedback").click().run()
    assert feedback.load_all(tmp_path / "feedback.sqlite3")[0].question == SEED


def test_upload_a_pdf_list_it_and_remove_it(app: AppTest, clean_uploads: None) -> None:
    app.switch_page(f"{PAGES}/documents.py").run()
    app.file_uploader[0].upload("clinic.pdf", make_pdf(CLINIC_LINES), "application/pdf")
    app.text_input[0].input("Harbour Youth Centre deepfake clinic")
    app.text_input[1].input("Harbour Youth Centre leaflet")
    app.date_input[0].set_value(dt.date(2026, 9, 1))
    button(app, "Add document").click().run()
    assert not app.exception
    assert "Added “Harbour Youth Centre deepfake clinic”" in app.success[0].value
    listed = shown(app)
    assert "Harbour Youth Centre leaflet · dated 1 September 2026 · clinic\\.pdf" in listed

    app.switch_page(f"{PAGES}/coverage.py").run()
    assert "Added by staff (1)" in [h.value for h in app.header]

    app.switch_page(f"{PAGES}/documents.py").run()
    button(app, "Remove").click().run()
    assert upload.list_documents() == []
    assert "Removed" in app.success[0].value


def test_question_answered_from_an_uploaded_pdf(app: AppTest, clean_uploads: None) -> None:
    upload.add_document(
        "clinic.pdf",
        make_pdf(CLINIC_LINES),
        "Harbour Youth Centre deepfake clinic",
        "Harbour Youth Centre leaflet",
        dt.date(2026, 9, 1),
    )
    ask(app, CLINIC_QUESTION)
    assert "Added by staff" in "\n".join(e.value for e in app.chat_message[1].caption)


def test_user_text_is_shown_as_written(built_index: Path) -> None:
    """An uploaded passage full of Markdown and HTML reaches the page escaped, in the answer and
    in the sources panel, marked as added by staff, whatever retrieval ranks first."""
    at = AppTest.from_function(_render_user_answer, default_timeout=30).run()
    assert not at.exception
    written = [e.value for e in at.markdown if "tracker" in e.value]
    assert len(written) == 2
    for text in written:
        assert "\\!\\[x\\]\\([http\\://tracker\\.example/p\\.png](http://tracker" in text
        assert "\\<script\\>" in text
    assert "Added by staff" in shown(at)


def _render_user_answer() -> None:
    from assistant.answer.schema import Answer, Citation, Timings
    from assistant.ui.answer_view import show_answer

    quote = "Call us on 1234 5678 ![x](http://tracker.example/p.png) <script>alert(1)</script>."
    citation = Citation(
        n=1,
        cite="doc:user-note-0001",
        doc_id="user-note-0001",
        title="Staff *note*",
        url="Our NGO",
        version_date="2026-09-01",
        quote=quote,
        kind="user",
        status="published",
        chunk_id="not-in-any-index",
    )
    answer = Answer(
        question="q",
        language="en",
        status="answered",
        answer=f"**Short answer**\n\n{quote} [1]",
        citations=[citation],
        disclaimer="Information, not advice.",
        timings_ms=Timings(),
    )
    show_answer(answer, 0, quick=False)


def test_a_bad_file_is_refused_and_nothing_is_lost(app: AppTest, clean_uploads: None) -> None:
    before = store.read_manifest()
    app.switch_page(f"{PAGES}/documents.py").run()
    app.file_uploader[0].upload("broken.pdf", b"%PDF-1.4 not really", "application/pdf")
    app.text_input[0].input("Broken file")
    app.text_input[1].input("Nowhere")
    button(app, "Add document").click().run()
    assert "could not be read as a PDF" in app.error[0].value
    assert upload.list_documents() == []
    assert store.read_manifest() == before


def test_missing_index_says_how_to_build_it(
    built_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "has not been built" in at.warning[0].value
    assert at.code[0].value == ".venv/bin/python -m assistant index"
    assert "Build it now" in [b.label for b in at.button]
    assert not at.chat_input


def test_build_button_builds_a_missing_index(
    built_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "help").mkdir(parents=True)
    shutil.copy(config.corpus_dir() / "help" / "help-police.md", corpus / "help")
    monkeypatch.setenv("HKLAW_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=300).run()
    button(at, "Build it now").click().run()
    assert not at.exception
    assert store.read_manifest(tmp_path / "index") is not None
    assert at.chat_input, "the chat opens once the index is built"


def test_coverage_page_lists_ordinances_documents_and_build_time(app: AppTest) -> None:
    app.switch_page(f"{PAGES}/coverage.py").run()
    assert not app.exception
    labels = [e.label for e in app.expander]
    expected = "Crimes Ordinance (English text) — law as at 23 March 2024"
    assert any(label.startswith(expected) for label in labels)
    text = shown(app)
    assert "Index built" in text
    assert [h.value for h in app.header][:2] == [
        "Legislation",
        f"Explainers ({_count('explainer')})",
    ]


def chinese(at: AppTest) -> AppTest:
    """The interface switched to 中文 in the sidebar, as a person would."""
    return at.radio(key="ui").set_value("zh").run()


def test_chinese_interface_labels_disclaimer_and_help(app: AppTest) -> None:
    chinese(app)
    assert not app.exception
    assert app.info[0].value == DISCLAIMER["zh"]
    assert app.chat_input[0].placeholder == ZH["placeholder"]
    assert app.header[0].value == ZH["ask-header"]
    assert app.toggle(key="quick").label == ZH["quick"]
    assert app.selectbox(key="lang").label == ZH["answer-language"]
    assert app.selectbox(key="lang").options == ["跟隨問題的語言", "English", "中文"]
    assert [b.label for b in app.button if str(b.key).startswith("example-")] == EXAMPLES["zh"]
    text = shown(app)
    assert "這不是你的錯" in text and "請致電999報警" in text
    assert "風雨蘭性暴力求助熱線" in text and "RainLily sexual violence helpline" not in text
    assert "It is not your fault" not in text
    leads = [entry.lead for entry in help_panel.load_entries(lang="zh")]
    assert escape(leads[1]) in text, "the popover shows what RainLily does, from its -zh twin"
    assert "核對日期：2026年" in text
    assert "以上是法律資訊，並非法律意見。" in [c.value for c in app.caption]


def test_chinese_interface_stays_chinese_across_pages(app: AppTest, clean_uploads: None) -> None:
    chinese(app)
    app.switch_page(f"{PAGES}/coverage.py").run()
    assert not app.exception
    assert app.title[0].value == ZH["coverage-title"]
    headers = [h.value for h in app.header]
    assert headers[:2] == ["法例", f"解說（{_count('explainer')}）"]
    assert "職員加入的文件（0）" in headers
    expected = "Crimes Ordinance（英文本）— 法律版本日期 2024年3月23日 — "
    assert any(e.label.startswith(expected) for e in app.expander)
    assert "索引建立於 20" in shown(app)
    assert list(app.dataframe[0].value.columns) == ["引用", "標題", "狀態", "電子版香港法例"]
    assert app.info[0].value == DISCLAIMER["zh"]

    app.switch_page(f"{PAGES}/documents.py").run()
    assert app.title[0].value == "職員文件"
    assert [t.label for t in app.text_input] == ["標題", "來源"]
    assert "加入文件" in [b.label for b in app.button]
    button(app, "加入文件").click().run()
    assert app.error[0].value == ZH["choose-file"]


def test_chinese_quick_view_labels(app: AppTest) -> None:
    chinese(app)
    app.toggle(key="quick").set_value(True).run()
    ask(app, SEED)
    reply = [e.value for e in app.chat_message[1].markdown]
    assert reply[1].startswith("**主要條文：** Cap\\. 200 s\\.159AAE")
    assert "（法律版本日期 2024年3月23日）" in reply[1]
    assert reply[2].startswith(":material/call: **警方** [999]")
    assert app.chat_message[1].expander[0].label == "完整答案及資料來源"


def test_chinese_question_in_the_chinese_interface(app: AppTest) -> None:
    chinese(app)
    ask(app, CANTONESE)
    assert not app.exception
    captions = [e.value for e in app.chat_message[1].caption]
    assert any(escape(DISCLAIMER["zh"]) in c for c in captions), "the answer is in Chinese"


def test_answer_sources_and_feedback_in_chinese(built_index: Path) -> None:
    at = AppTest.from_function(_render_user_answer, default_timeout=30)
    at.session_state["ui"] = "zh"
    at.run()
    assert not at.exception
    assert escape("職員加入 · 引用為 doc:user-note-0001 · 日期 2026年9月1日") in shown(at)
    assert "**資料來源** — 答案引用的句子已標示" in shown(at)
    assert at.radio[0].label == "這個答案有幫助嗎？"
    assert at.radio[0].options == ["有幫助", "沒有幫助"]
    button(at, "儲存意見").click().run()
    assert at.warning[0].value == ZH["feedback-choose"]


def _count(kind: str) -> int:
    manifest = store.read_manifest()
    assert manifest is not None
    return sum(1 for source in manifest.sources if source.kind == kind)


# The pieces


def test_escape_shows_markdown_and_latex_characters_as_written() -> None:
    text = "A fine of $5,000 and $10,000; *not* <b>bold</b> ![x](http://e.x) :red[y]"
    assert escape(text) == (
        r"A fine of \$5,000 and \$10,000; \*not\* \<b\>bold\</b\> "
        r"\!\[x\]\([http\://e\.x](http://e.x)\) \:red\[y\]"
    )


def test_escape_ends_a_web_address_where_it_ends_in_chinese_text() -> None:
    """Markdown would link "）或流動" too: Chinese puts no space after an address."""
    assert escape("網站（https://www.police.gov.hk）或流動。") == (
        r"網站（[https\://www\.police\.gov\.hk](https://www.police.gov.hk)）或流動。"
    )
    assert (
        escape("(https://x.hk/a_(b)).")
        == r"\([https\://x\.hk/a\_\(b\)](https://x.hk/a_%28b%29)\)\."
    )


def test_highlight_marks_the_quote_and_escapes_the_rest() -> None:
    passage = "First sentence (a). Second sentence costs $5."
    marked = highlight(passage, ["Second sentence costs $5."])
    assert marked.startswith("First sentence \\(a\\)\\.")
    assert marked.endswith(":orange-background[**Second sentence costs \\$5\\.**]")
    assert highlight(passage, [passage]) == escape(passage)


def test_markers_link_to_their_sources_only() -> None:
    linked = link_markers("Claim [1] [2] and [9].", {1: "source-0-1", 2: "source-0-1"})
    assert linked == r"Claim [\[1\]](#source-0-1) [\[2\]](#source-0-1) and [9]."


def test_help_entries_come_from_the_corpus_with_numbers() -> None:
    entries = help_panel.load_entries()
    assert [e.doc_id for e in entries] == list(help_panel.SERVICES)
    assert all(e.phone and e.phone in e.lead for e in entries)
    assert phone_number("Call 2375 5322, or 999.") == "2375 5322"


def test_chinese_help_entries_come_from_the_twins_with_the_same_numbers() -> None:
    english = help_panel.load_entries(lang="en")
    chinese = help_panel.load_entries(lang="zh")
    assert [e.doc_id for e in chinese] == list(help_panel.SERVICES)
    assert [e.phone for e in chinese] == [e.phone for e in english]
    assert [e.name for e in chinese] == [ZH[doc_id] for doc_id in help_panel.SERVICES]
    assert all(re.search("[\u4e00-\u9fff]", e.lead) for e in chinese)


def test_every_interface_string_has_both_languages() -> None:
    assert EN.keys() == ZH.keys()
    assert STRINGS == {"en": EN, "zh": ZH}
    assert len(EXAMPLES["en"]) == len(EXAMPLES["zh"])
    for key in EN:
        assert sorted(re.findall(r"{(\w+)", EN[key])) == sorted(re.findall(r"{(\w+)", ZH[key])), key


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("note.txt", b"Plain words.\n\nSecond paragraph.", "Plain words.\n\nSecond paragraph."),
        ("note.md", b"---\ntitle: x\n---\n# Heading\n\nBody text.", "# Heading\n\nBody text."),
        (
            "page.html",
            b"<html><head><title>t</title><script>x()</script></head><body><h2>Help</h2>"
            b"<p>Call <b>us</b> today.</p><ul><li>One</li></ul></body></html>",
            "## Help\n\nCall us today.\n\nOne",
        ),
    ],
)
def test_extract_text_reads_each_format(name: str, data: bytes, expected: str) -> None:
    assert upload.extract_text(name, data).strip() == expected


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"\xff\xd8", "cannot be added"),
        ("empty.txt", b"", "empty"),
        ("latin.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("blank.pdf", make_pdf([]), "No text could be read"),
    ],
)
def test_extract_text_refuses_unusable_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(upload.UploadError, match=message):
        upload.extract_text(name, data)


def test_user_documents_survive_a_corpus_rebuild(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    (corpus / "help").mkdir(parents=True)
    shutil.copy(config.corpus_dir() / "help" / "help-police.md", corpus / "help")
    build(corpus=corpus, index_dir=index_dir)
    added = upload.add_document(
        "note.txt", b"A staff note.", "Staff note", "Our NGO", dt.date.today(), index_dir
    )
    shutil.copy(config.corpus_dir() / "help" / "help-eoc.md", corpus / "help")
    assert not build(corpus=corpus, index_dir=index_dir).up_to_date
    assert [d.doc_id for d in upload.list_documents(index_dir)] == [added.doc_id]


def test_feedback_database_holds_only_the_chosen_fields(tmp_path: Path) -> None:
    database = tmp_path / "fb.sqlite3"
    feedback.save(feedback.Feedback(rating="helpful", status="answered", cited=["doc:x"]), database)
    with sqlite3.connect(database) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(feedback)")]
    connection.close()
    assert columns == ["id", "created_at", "rating", "comment", "status", "cited", "question"]
