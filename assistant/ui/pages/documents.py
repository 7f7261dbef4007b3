"""Staff documents: add a leaflet, guidance note or policy so answers can cite it, or remove it.

They go into their own collection, beside the corpus index and untouched by rebuilds; a file
that cannot be read is refused with the reason and changes nothing.
"""

import datetime as dt

import streamlit as st

from assistant.ingest import upload
from assistant.ui import resources
from assistant.ui.strings import format_date, t
from assistant.ui.text import escape

st.title(t("documents-title"))
st.markdown(t("documents-intro"))

resources.wait_ready()
with st.form("add-document", clear_on_submit=True):
    file = st.file_uploader(
        t("field-document"), type=[suffix.lstrip(".") for suffix in upload.FORMATS]
    )
    st.caption(
        t(
            "upload-limits",
            mb=upload.MAX_BYTES // (1024 * 1024),
            pages=f"{upload.MAX_PDF_PAGES:,}",
            chars=f"{upload.MAX_TEXT_CHARS:,}",
        )
    )
    title = st.text_input(t("field-title"), placeholder=t("title-example"))
    source = st.text_input(t("field-source"), placeholder=t("source-example"))
    date = st.date_input(t("field-date"), value=dt.date.today(), format="YYYY-MM-DD")
    submitted = st.form_submit_button(t("add-document"), type="primary")

if submitted:
    if file is None:
        st.error(t("choose-file"))
    else:
        try:
            with st.spinner(t("indexing")):
                added = upload.add_document(file.name, file.getvalue(), title, source, date)
        except upload.UploadError as exc:
            st.error(str(exc))
        else:
            st.success(t("added", title=escape(added.title), chunks=added.chunks))

removed = st.session_state.pop("removed", None)
if removed:
    st.success(t("removed", title=escape(removed)))
documents = upload.list_documents()
st.subheader(t("added-documents", n=len(documents)))
if not documents:
    st.caption(t("none-yet"))
for document in documents:
    with st.container(border=True):
        details, action = st.columns([5, 1], vertical_alignment="center")
        details.markdown(f"**{escape(document.title)}**")
        details.caption(
            t(
                "document-line",
                source=escape(document.source),
                date=escape(format_date(document.date)),
                filename=escape(document.filename),
                chunks=document.chunks,
                cite=escape(document.cite),
            )
        )
        if action.button(t("remove"), key=f"remove-{document.doc_id}"):
            upload.remove_document(document.doc_id)
            st.session_state.removed = document.title
            st.rerun()
