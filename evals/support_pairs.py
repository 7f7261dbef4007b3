"""`python -m evals support-pairs`: how well the sentence support check
(assistant/answer/support.py) tells supported claims from unsupported ones, on hand-labelled
pairs of a claim and a verbatim corpus passage.

The similarity bars are fitted on the pairs marked `dev` and the figures that count are those on
the `test` pairs, which no bar was tuned on. The command prints both the bars that fit the dev
pairs best and the figures of the bars support.py uses, so a changed model, dataset or check
shows at once whether the constants still hold.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import support

DATASET = Path(__file__).parent / "datasets" / "support-pairs.jsonl"
FIELDS = ("id", "lang", "sentence", "cite", "passage", "label", "kind", "split")
LABELS = ("supported", "unsupported")
SPLITS = ("dev", "test")


class PairsError(ValueError):
    """The dataset cannot be read; the message names the line."""


@dataclass(frozen=True)
class Scored:
    """One pair as the check sees it: the exact checks' reason, and the closest clause's
    similarity and comparison ("english", "multilingual", "cross-lingual")."""

    id: str
    lang: str
    kind: str
    split: str
    supported: bool
    reason: str
    similarity: float
    space: str

    def predicted(self, thresholds: dict[str, float]) -> bool:
        return not self.reason and self.similarity >= thresholds[self.space]


@dataclass(frozen=True)
class Figures:
    n: int
    accuracy: float
    precision: float
    recall: float


def load(path: Path) -> list[dict[str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PairsError(f"{path}:{number}: not JSON ({exc.msg})") from None
        missing = [name for name in FIELDS if not row.get(name)]
        if missing:
            raise PairsError(f"{path}:{number}: missing {', '.join(missing)}")
        if row["label"] not in LABELS or row["split"] not in SPLITS:
            raise PairsError(f"{path}:{number}: label must be {LABELS}, split {SPLITS}")
        rows.append(row)
    if not rows:
        raise PairsError(f"{path}: no pairs")
    return rows


def score(row: dict[str, str]) -> Scored:
    """The pair checked as an answer sentence citing its passage as source [1]."""
    source = support.Source(1, row["cite"], row.get("chunk_id", ""), row["passage"])
    found = support.assess(support.claim_text(row["sentence"]), [source], row["lang"])
    return Scored(
        row["id"],
        row["lang"],
        row["kind"],
        row["split"],
        row["label"] == "supported",
        found.reason,
        found.similarity,
        found.space,
    )


def figures(scored: Iterable[Scored], thresholds: dict[str, float]) -> Figures:
    """Accuracy, and precision and recall of "supported": precision is the share of kept
    sentences that deserved it, the figure that matters most for an answer about the law."""
    pairs = [(item.predicted(thresholds), item.supported) for item in scored]
    kept = [truth for predicted, truth in pairs if predicted]
    deserved = [predicted for predicted, truth in pairs if truth]
    return Figures(
        n=len(pairs),
        accuracy=sum(p == t for p, t in pairs) / len(pairs) if pairs else 0.0,
        precision=sum(kept) / len(kept) if kept else 0.0,
        recall=sum(deserved) / len(deserved) if deserved else 0.0,
    )


def calibrate(dev: list[Scored]) -> dict[str, float]:
    """Per comparison, the bar with the best dev accuracy, halfway between the two similarities
    it falls between; ties go to the higher bar, which keeps fewer doubtful sentences."""
    by_space: dict[str, list[Scored]] = defaultdict(list)
    for item in dev:
        by_space[item.space].append(item)
    thresholds = dict(support.THRESHOLDS)
    for space, items in by_space.items():
        values = sorted({item.similarity for item in items})
        cuts = [values[0] - 0.01]
        cuts += [(low + high) / 2 for low, high in zip(values, values[1:], strict=False)]
        cuts.append(values[-1] + 0.01)

        def correct(cut: float, items: list[Scored] = items) -> int:
            return sum(
                (not item.reason and item.similarity >= cut) == item.supported for item in items
            )

        thresholds[space] = max(cuts, key=lambda cut: (correct(cut), cut))
    return thresholds


@dataclass(frozen=True)
class Result:
    in_use: dict[str, float]
    fitted: dict[str, float]
    dev: Figures
    test: Figures
    test_fitted: Figures
    test_by_language: dict[str, Figures]
    test_wrong: list[str]


def run(path: Path = DATASET) -> Result:
    """Every figure the command prints, for the dataset at path."""
    scored = [score(row) for row in load(path)]
    dev = [item for item in scored if item.split == "dev"]
    test = [item for item in scored if item.split == "test"]
    fitted = calibrate(dev)
    in_use = dict(support.THRESHOLDS)
    return Result(
        in_use=in_use,
        fitted=fitted,
        dev=figures(dev, in_use),
        test=figures(test, in_use),
        test_fitted=figures(test, fitted),
        test_by_language={
            lang: figures([item for item in test if item.lang == lang], in_use)
            for lang in sorted({item.lang for item in test})
        },
        test_wrong=[item.id for item in test if item.predicted(in_use) != item.supported],
    )


def report(result: Result) -> str:
    def bars(thresholds: dict[str, float]) -> str:
        return ", ".join(f"{space} {value:.3f}" for space, value in sorted(thresholds.items()))

    def line(name: str, found: Figures) -> str:
        return (
            f"{name}: n {found.n}, accuracy {found.accuracy:.3f}, "
            f"precision {found.precision:.3f}, recall {found.recall:.3f}"
        )

    lines = [
        f"bars in use (support.py): {bars(result.in_use)}",
        f"bars fitted on dev:       {bars(result.fitted)}",
        line("dev  (bars in use)", result.dev),
        line("test (bars in use)", result.test),
        line("test (bars fitted)", result.test_fitted),
    ]
    lines += [
        line(f"test {lang} (bars in use)", found) for lang, found in result.test_by_language.items()
    ]
    lines.append(f"test pairs misjudged: {', '.join(result.test_wrong) or 'none'}")
    return "\n".join(lines)
