"""Citation recall, precision and validity: are the right sources cited, and do the quotes exist?

Validity is checked against the index the answers came from, never against what the answer says
about itself: the cited id must be a section of this corpus, the quoted chunk must belong to that
section (or document), and the quote must occur in the chunk's text character for character.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from assistant.answer.schema import Citation
from assistant.citations import section_of
from evals.base import Evaluation, Evaluator, Record, answerable, ratio, satisfied, sections


class CitationEvaluator(Evaluator):
    def __init__(
        self,
        known: frozenset[str],
        texts: Mapping[str, str],
        metadata: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.known = known
        self.texts = texts
        self.metadata = metadata
        self.by_section: dict[str, list[str]] = defaultdict(list)
        for chunk_id, meta in metadata.items():
            self.by_section[str(meta.get("section_cite", ""))].append(chunk_id)

    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        self._recall(answerable(records), result)
        self._precision(answerable(records), result)
        self._validity(records, result)
        return result

    def invalid(self, citation: Citation) -> str | None:
        """Why the citation cannot be trusted, or None when it checks out."""
        section = section_of(citation.cite)
        if section not in self.known:
            return f"{citation.cite} is not in this corpus"
        if not citation.quote.strip():
            return "the quote is empty"
        if not citation.chunk_id:
            chunks = self.by_section.get(section, [])
            if any(citation.quote in self.texts[chunk_id] for chunk_id in chunks):
                return None
            return f"the quote is not verbatim in any chunk of {section}"
        if citation.chunk_id not in self.texts:
            return f"chunk {citation.chunk_id} is not in the index"
        source = self.metadata[citation.chunk_id].get("section_cite")
        if source != section:
            return f"the quoted chunk is from {source}, not {section}"
        if citation.quote not in self.texts[citation.chunk_id]:
            return "the quote is not verbatim in its chunk"
        return None

    def _recall(self, records: list[Record], result: Evaluation) -> None:
        met = total = 0
        for record in records:
            cited = set(sections([c.cite for c in record.answer.citations]))
            for group in record.example.cite:
                total += 1
                if satisfied(group, cited):
                    met += 1
                else:
                    result.fail(record.example.id, f"citation_recall: none of {group} cited")
        result.metrics["citation_recall"] = ratio(met, total)

    def _precision(self, records: list[Record], result: Evaluation) -> None:
        good = total = 0
        for record in records:
            allowed = set(sections(record.example.citation_ids()))
            for citation in record.answer.citations:
                total += 1
                if section_of(citation.cite) in allowed:
                    good += 1
                else:
                    result.fail(
                        record.example.id,
                        f"citation_precision: [{citation.n}] {citation.cite} is not expected",
                    )
        result.metrics["citation_precision"] = ratio(good, total)

    def _validity(self, records: list[Record], result: Evaluation) -> None:
        good = total = 0
        for record in records:
            for citation in record.answer.citations:
                total += 1
                reason = self.invalid(citation)
                if reason is None:
                    good += 1
                else:
                    result.fail(record.example.id, f"citation_validity: [{citation.n}] {reason}")
        result.metrics["citation_validity"] = ratio(good, total)
