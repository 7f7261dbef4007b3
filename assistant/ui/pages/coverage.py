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

HEADERS = {
    "explainer": "Explainers",
    "guideline": "Official guidance (our summaries)",
    "news": "News reports (our summaries)",
    "help": "Help services",
}

st.title("What the assistant covers")
st.markdown(
    "Every answer is made of sentences quoted from the sources below, each with its citation. "
    'A question they cannot answer gets "I can\'t answer that" instead of a guess.'
)
try:
    index = resources.index()
except IndexMissing as exc:
    st.warning(f"There is no index to describe yet: {exc}")
    st.stop()

statutes: dict[str, list[dict[str, Any]]] = defaultdict(list)
documents: dict[str, dict[str, Any]] = {}
for meta in index.metadata.values():
    if meta["kind"] == "statute":
        statutes[str(meta["doc_id"])].append(meta)
    else:
        documents.setdefault(str(meta["doc_id"]), meta)

built = dt.datetime.fromisoformat(index.manifest.built_at).strftime("%-d %B %Y, %H:%M UTC")
st.caption(
    f"Index built {built} · {index.manifest.chunks:,} passages from "
    f"{len(index.manifest.sources)} sources"
)

st.header("Legislation")
for doc_id in sorted(statutes):
    chunks = statutes[doc_id]
    first = chunks[0]
    sections = {str(m["section_cite"]): m for m in chunks if m.get("unit") != "definition"}
    scope = "selected sections" if first.get("excerpt") else "whole Ordinance"
    label = (
        f"{first['title']} ({first['language']}) — law as at {first['version_date']} — "
        f"{len(sections)} section{'' if len(sections) == 1 else 's'}, {scope}"
    )
    with st.expander(label):
        st.dataframe(
            [
                {
                    "citation": cite,
                    "heading": meta.get("heading", ""),
                    "status": meta.get("status", ""),
                    "e-Legislation": meta.get("url", ""),
                }
                for cite, meta in sections.items()
            ],
            column_config={"e-Legislation": st.column_config.LinkColumn()},
            hide_index=True,
        )

for kind, header in HEADERS.items():
    found = sorted(
        (meta for meta in documents.values() if meta["kind"] == kind),
        key=lambda meta: str(meta["title"]),
    )
    st.header(f"{header} ({len(found)})")
    st.dataframe(
        [
            {
                "title": meta["title"],
                "citation": meta["cite"],
                "dated": meta["version_date"],
                "source": meta["url"],
            }
            for meta in found
        ],
        column_config={"source": st.column_config.LinkColumn()},
        hide_index=True,
    )

added = upload.list_documents()
st.header(f"Added by staff ({len(added)})")
if added:
    st.dataframe(
        [
            {"title": d.title, "citation": d.cite, "dated": d.date, "source": d.source}
            for d in added
        ],
        hide_index=True,
    )
else:
    st.caption("None. Staff can add documents on the Staff documents page.")
if index.manifest.skipped:
    st.header("Files skipped at the last build")
    for line in index.manifest.skipped:
        st.text(line)
