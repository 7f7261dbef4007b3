"""The correctness gate for corpus documents: every citation resolves, every document is sourced.

A citation that names a section the statute corpus does not hold could not be quoted, so it is
treated as wrong even where the section exists in the full ordinance.
"""

from pathlib import Path

import pytest

from assistant.citations import find_cites, is_statute_cite, section_of
from assistant.ingest.build import DOC_FOLDERS
from assistant.ingest.documents import Document, load_document
from assistant.ingest.statutes import load_statutes

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PATHS = sorted(p for folder in DOC_FOLDERS for p in (CORPUS / folder).glob("*.md"))


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    docs = [load_document(path) for path in PATHS]
    return {doc.meta.id: doc for doc in docs}


@pytest.fixture(scope="module")
def sections() -> set[str]:
    ordinances, errors = load_statutes(CORPUS / "statutes")
    assert errors == []
    return {s.cite for o in ordinances for s in o.sections}


def test_every_kind_is_present_in_quantity(documents: dict[str, Document]) -> None:
    kinds = [doc.meta.kind for doc in documents.values()]
    assert kinds.count("explainer") >= 15
    assert kinds.count("news") >= 6
    assert kinds.count("guideline") >= 3
    assert kinds.count("help") >= 5


def test_ids_are_unique_and_match_file_names(documents: dict[str, Document]) -> None:
    assert len(documents) == len(PATHS)


def test_documents_sit_in_the_folder_of_their_kind(documents: dict[str, Document]) -> None:
    for doc in documents.values():
        folder = Path(doc.source_file).parent.name
        assert doc.meta.kind == {"explainers": "explainer", "guidelines": "guideline"}.get(
            folder, folder
        ), doc.source_file


def test_every_document_has_a_source_and_a_date(documents: dict[str, Document]) -> None:
    for doc in documents.values():
        assert doc.meta.url.startswith(("https://", "http://")), doc.meta.id
        assert doc.meta.date, doc.meta.id


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_citation_resolves(
    path: Path, documents: dict[str, Document], sections: set[str]
) -> None:
    doc = documents[path.stem]
    cited = set(doc.meta.cites) | set(find_cites(doc.body))
    for cite in cited:
        if is_statute_cite(cite):
            assert section_of(cite) in sections, f"{path.name}: {cite} is not in the statutes"
        else:
            assert cite.removeprefix("doc:") in documents, f"{path.name}: {cite} names no document"


@pytest.mark.parametrize(
    "path", [p for p in PATHS if p.parent.name == "explainers"], ids=lambda p: p.stem
)
def test_explainer_leads_answer_with_citations(path: Path, documents: dict[str, Document]) -> None:
    """The lead paragraph is read out as the short answer, so it must carry its own citations."""
    doc = documents[path.stem]
    body = doc.body.split("\n# ", 1)[-1] if doc.body.lstrip().startswith("#") else doc.body
    lead = next(block for block in body.split("\n\n")[1:] if block.strip())
    assert not lead.lstrip().startswith("#"), f"{path.name}: no lead paragraph under the title"
    assert find_cites(lead), f"{path.name}: the lead paragraph cites nothing"
    assert doc.meta.questions, f"{path.name}: no plain questions in the front matter"


def test_every_provision_in_scope_is_explained() -> None:
    """Issue #11: a provision no explainer cites can only be answered by quoting the law bare."""
    from evals.coverage import current

    rows = current()
    assert len([row for row in rows if row.required]) >= 60
    assert [row.cite for row in rows if row.uncovered] == []
