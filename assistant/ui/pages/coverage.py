"""What the assistant can answer from: every ordinance and section with its version date, every
explainer, guideline, news summary and help page, staff documents, and when the index was built.

Evaluators and staff need to know the limits before trusting an answer; a question outside this
list is answered with "I can't answer that", never a guess.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

import streamlit as st

from assistant.ingest import upload
from assistant.store import IndexMissing
from assistant.ui import resources
from assistant.ui.strings import STRINGS, format_date, language, t

KINDS = ("explainer", "guideline", "news", "help")


def _table(rows: list[tuple[str, str, str, str]], links: bool) -> None:
    """Documents as (title, citation, date, source) rows; `links` when every source is a web
    address, so it shows as a link."""
    names = [t("column-title"), t("column-citation"), t("column-dated"), t("column-source")]
    st.dataframe(
        [
            dict(zip(names, (title, cite, format_date(dated), source), strict=True))
            for title, cite, dated, source in rows
        ],
        column_config={names[3]: st.column_config.LinkColumn()} if links else None,
        hide_index=True,
    )


st.title(t("coverage-title"))
st.markdown(t("coverage-intro"))
try:
    index = resources.index()
except IndexMissing as exc:
    st.warning(t("no-index", error=exc))
    st.stop()

statutes: dict[str, list[dict[str, Any]]] = defaultdict(list)
documents: dict[str, dict[str, Any]] = {}
for meta in index.metadata.values():
    if meta["kind"] == "statute":
        statutes[str(meta["doc_id"])].append(meta)
    else:
        documents.setdefault(str(meta["doc_id"]), meta)

built = dt.datetime.fromisoformat(index.manifest.built_at)
st.caption(
    t(
        "index-built",
        date=format_date(built),
        time=f"{built:%H:%M}",
        chunks=index.manifest.chunks,
        sources=len(index.manifest.sources),
    )
)

words = STRINGS[language()]
citation, url = t("column-citation"), t("column-url")
st.header(t("legislation"))
for doc_id in sorted(statutes):
    chunks = statutes[doc_id]
    first = chunks[0]
    sections = {str(m["section_cite"]): m for m in chunks if m.get("unit") != "definition"}
    label = t(
        "ordinance",
        title=first["title"],
        language=words.get(f"text-{first['language']}", first["language"]),
        date=format_date(str(first["version_date"])),
        sections=t("one-section") if len(sections) == 1 else t("sections", n=len(sections)),
        scope=t("scope-selected") if first.get("excerpt") else t("scope-whole"),
    )
    with st.expander(label):
        st.dataframe(
            [
                {
                    citation: cite,
                    t("column-heading"): meta.get("heading", ""),
                    t("column-status"): meta.get("status", ""),
                    url: meta.get("url", ""),
                }
                for cite, meta in sections.items()
            ],
            column_config={url: st.column_config.LinkColumn()},
            hide_index=True,
        )


for kind in KINDS:
    found = sorted(
        (meta for meta in documents.values() if meta["kind"] == kind),
        key=lambda meta: str(meta["title"]),
    )
    st.header(t(f"header-{kind}", n=len(found)))
    _table([(m["title"], m["cite"], m["version_date"], m["url"]) for m in found], links=True)

added = upload.list_documents()
st.header(t("header-user", n=len(added)))
if added:
    _table([(d.title, d.cite, d.date, d.source) for d in added], links=False)
else:
    st.caption(t("none-added"))
if index.manifest.skipped:
    st.header(t("skipped"))
    for line in index.manifest.skipped:
        st.text(line)
