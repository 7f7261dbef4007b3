"""The hybrid search as a LangChain retriever, so the index plugs into other people's chains."""

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.retrieve.hybrid import Mode, search


class HybridRetriever(BaseRetriever):
    """Sections for a query, best first: each Document is a section's best chunk, its metadata
    the chunk's provenance plus chunk_id, score, rank and how it was found (via)."""

    k: int = 8
    mode: Mode = "hybrid"
    expand: bool = True

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.text,
                metadata=hit.metadata
                | {"chunk_id": hit.chunk_id, "score": hit.score, "rank": hit.rank, "via": hit.via},
            )
            for hit in search(query, k=self.k, mode=self.mode, expand=self.expand)
        ]
