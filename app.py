"""The Streamlit app: `streamlit run app.py` (scripts/run builds the index first).

Every page opens with the disclaimer, and a bar pinned to the bottom of every page holds the
"Get help now" button and the disclaimer's first sentence: Streamlit keeps a chat scrolled to its
latest message, so only the bottom of the page is sure to be on screen, on a phone as on a desk.
"""

import streamlit as st

from assistant.answer.messages import DISCLAIMER
from assistant.text import sentences
from assistant.ui import help as help_panel
from assistant.ui import resources

PAGES = "assistant/ui/pages"

st.set_page_config(
    page_title="Fake and intimate images: Hong Kong law",
    page_icon=":material/balance:",
    layout="centered",
)
resources.start_warm_up()
pages = st.navigation(
    [
        st.Page(f"{PAGES}/ask.py", title="Ask a question", icon=":material/forum:", default=True),
        st.Page(f"{PAGES}/coverage.py", title="What it covers", icon=":material/menu_book:"),
        st.Page(f"{PAGES}/documents.py", title="Staff documents", icon=":material/upload_file:"),
    ]
)

with st.sidebar:
    st.toggle(
        "Hotline quick view",
        key="quick",
        help="Short answer, key provision and help numbers first; full detail folded below.",
    )
    st.selectbox(
        "Answer language",
        ["auto", "en", "zh"],
        format_func={"auto": "Same as the question", "en": "English", "zh": "中文"}.get,
        key="lang",
    )
    st.divider()
    st.markdown("**Get help now**")
    help_panel.show_panel(leads=False)

language = "zh" if st.session_state.lang == "zh" else "en"
st.info(DISCLAIMER[language], icon=":material/gavel:")
with st.bottom, st.container(horizontal=True, vertical_alignment="center", wrap=False):
    with st.popover("Get help now", icon=":material/support:", type="primary"):
        help_panel.show_panel()
    st.caption(sentences(DISCLAIMER[language])[0])

pages.run()
