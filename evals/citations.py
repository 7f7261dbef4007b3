"""Citation recall, precision and validity: are the right sources cited, and do the quotes exist?

Validity is checked against the index the answers came from, never against what the answer says
about itself: the cited id must be a section of this corpus, the quoted chunk must belong to that
section (or document), and the quote must occur in the chunk's text character for character.

Recall and precision match ids as sections, and a document as its translated twin
(`evals.twins`): citing `doc:X-zh` meets a group naming `doc:X`, and the other way round. A gold
id is met by any cited id inside it: `Cap. 486 Sch. 1` by `Cap. 486 Sch. 1 s.3`.
Validity does not: the id actually cited must exist and hold the quote.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from assistant.answer.schema import Citation
from assistant.citations import is_statute_cite, section_of
from evals.base import (
    Evaluation,
    Evaluator,
    Record,
    answerable,
    keys,
    ratio,
    satisfied,
    targets,
)
from evals.twins import NO_TWINS, Twins


class CitationEvaluator(Evaluator):
    def __init__(
        self,
        known: frozenset[str],
        texts: Mapping[str, str],
        metadata: Mapping[str, Mapping[str, Any]],
        twins: Twins = NO_TWINS,
    ) -> None:
        self.known = known
        self.twins = twins
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
            cited = keys([c.cite for c in record.answer.citations], self.twins)
            groups = record.example.cite
            hits = [satisfied(group, cited, self.twins) for group in groups]
            met, total = met + sum(hits), total + len(groups)
            result.score(record.example.id, cite_groups=len(groups), cite_groups_met=sum(hits))
            for group, hit in zip(groups, hits, strict=True):
                if not hit:
                    result.fail(record.example.id, f"citation_recall: none of {group} cited")
        result.metrics["citation_recall"] = ratio(met, total)

    def _precision(self, records: list[Record], result: Evaluation) -> None:
        """Micro-averaged, overall and (contract section 4) over statute and `doc:` ids apart."""
        counts = {kind: [0, 0] for kind in ("all", "statute", "docs")}
        for record in records:
            allowed = targets(record.example.citation_ids(), self.twins)
            for citation in record.answer.citations:
                good = not keys([citation.cite], self.twins).isdisjoint(allowed)
                kind = "statute" if is_statute_cite(citation.cite) else "docs"
                for counted in (counts["all"], counts[kind]):
                    counted[0] += good
                    counted[1] += 1
                if not good:
                    result.fail(
                        record.example.id,
                        f"citation_precision: [{citation.n}] {citation.cite} is not expected",
                    )
        result.metrics |= {
            "citation_precision": ratio(*counts["all"]),
            "citation_precision_statute": ratio(*counts["statute"]),
            "citation_precision_docs": ratio(*counts["docs"]),
        }

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
