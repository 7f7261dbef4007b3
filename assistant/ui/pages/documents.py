"""Staff documents: add a leaflet, guidance note or policy so answers can cite it, or remove it.

They go into their own collection, beside the corpus index and untouched by rebuilds; a file
that cannot be read is refused with the reason and changes nothing.
"""

import datetime as dt

import streamlit as st

from assistant.ingest import upload
from assistant.ui import resources
from assistant.ui.text import escape

st.title("Staff documents")
st.markdown(
    "Add your organisation's own documents (PDF, HTML, Markdown or plain text). Answers search "
    "them with the rest of the library and cite them, marked **Added by staff**. They are kept "
    "on this computer and are used for everyone who uses this copy of the assistant."
)

resources.wait_ready()
with st.form("add-document", clear_on_submit=True):
    file = st.file_uploader("Document", type=[suffix.lstrip(".") for suffix in upload.FORMATS])
    title = st.text_input("Title", placeholder="e.g. School guidance on deepfake incidents")
    source = st.text_input(
        "Source", placeholder="A web address, or who published it (e.g. Our NGO, training pack)"
    )
    date = st.date_input("Date of the document", value=dt.date.today(), format="YYYY-MM-DD")
    submitted = st.form_submit_button("Add document", type="primary")

if submitted:
    if file is None:
        st.error("Choose a file to add.")
    else:
        try:
            with st.spinner("Reading and indexing the document…"):
                added = upload.add_document(file.name, file.getvalue(), title, source, date)
        except upload.UploadError as exc:
            st.error(str(exc))
        else:
            st.success(
                f"Added “{escape(added.title)}” ({added.chunks} passages). "
                "Questions can now be answered from it."
            )

removed = st.session_state.pop("removed", None)
if removed:
    st.success(f"Removed “{escape(removed)}”. Answers no longer cite it.")
documents = upload.list_documents()
st.subheader(f"Added documents ({len(documents)})")
if not documents:
    st.caption("None yet.")
for document in documents:
    with st.container(border=True):
        details, action = st.columns([5, 1], vertical_alignment="center")
        details.markdown(f"**{escape(document.title)}**")
        details.caption(
            f"{escape(document.source)} · dated {escape(document.date)} · "
            f"{escape(document.filename)} · {document.chunks} passages · "
            f"cited as {escape(document.cite)}"
        )
        if action.button("Remove", key=f"remove-{document.doc_id}"):
            upload.remove_document(document.doc_id)
            st.session_state.removed = document.title
            st.rerun()
