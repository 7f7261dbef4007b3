"""The sentence support check with the real models on real statute chunks of the index."""

from pathlib import Path

import pytest

from assistant.answer.support import Source, check_sentence
from assistant.retrieve import hybrid
from assistant.text import normalise
from evals import support_pairs

pytestmark = pytest.mark.slow

# The test figures support.py records, less a margin for a rebuilt index or model drift.
TEST_ACCURACY_FLOOR = 0.795 - 0.05
TEST_PRECISION_FLOOR = 0.857 - 0.05


def source(n: int, cite: str, language: str = "en") -> Source:
    index = hybrid.load_index()
    chunk_id = next(
        cid
        for cid, meta in index.metadata.items()
        if meta["cite"] == cite
        and str(meta["language"]).startswith(language)
        and meta.get("unit") != "definition"
    )
    return Source(n, cite, chunk_id, index.texts[chunk_id])


@pytest.fixture(scope="module")
def sources(built_index: Path) -> dict[int, Source]:
    return {
        1: source(1, "Cap. 200 s.159AAE(1)"),
        2: source(2, "Cap. 200 s.159AAE(5)"),
        3: source(3, "Cap. 486 s.64(3A)", "zh"),
    }


def test_a_paraphrase_of_the_offence_is_supported_with_a_verbatim_quote(
    sources: dict[int, Source],
) -> None:
    verdict = check_sentence(
        "A person commits an offence if they publish an intimate image of an individual without "
        "the individual's consent, intending to cause the individual humiliation, alarm or "
        "distress [1].",
        sources,
        "en",
    )
    assert verdict.supported, verdict.reason
    assert verdict.cited == (1,)
    assert verdict.quote and normalise(verdict.quote) in normalise(sources[1].text)


def test_a_penalty_the_source_does_not_state_is_unsupported(sources: dict[int, Source]) -> None:
    verdict = check_sentence(
        "Publishing an intimate image without consent carries up to 10 years in prison [2].",
        sources,
        "en",
    )
    assert not verdict.supported
    assert "10" in verdict.reason


def test_the_penalty_the_source_states_is_supported(sources: dict[int, Source]) -> None:
    verdict = check_sentence(
        "Someone who commits the offence under subsection (1) can be imprisoned for five years "
        "on conviction on indictment [2].",
        sources,
        "en",
    )
    assert verdict.supported, verdict.reason


def test_a_made_up_ordinance_is_unsupported(sources: dict[int, Source]) -> None:
    verdict = check_sentence(
        "Under the Deepfake Prevention Ordinance, publishing an intimate image without consent "
        "is an offence [1].",
        sources,
        "en",
    )
    assert not verdict.supported
    assert "deepfake prevention ordinance" in verdict.reason


def test_a_marker_naming_no_given_source_is_unsupported(sources: dict[int, Source]) -> None:
    verdict = check_sentence("Publishing an intimate image is an offence [9].", sources, "en")
    assert not verdict.supported
    assert "[9]" in verdict.reason
    unmarked = check_sentence("Publishing an intimate image is an offence.", sources, "en")
    assert unmarked.reason == "no source marker"


def test_a_chinese_paraphrase_of_the_doxxing_offence_is_supported(
    sources: dict[int, Source],
) -> None:
    verdict = check_sentence(
        "在未獲資料當事人同意下披露其個人資料，意圖導致該當事人或其家人蒙受指明傷害，"
        "即屬犯罪 [3]。",
        sources,
        "zh",
    )
    assert verdict.supported, verdict.reason
    assert normalise(verdict.quote) in normalise(sources[3].text)


def test_the_calibration_command_holds_its_recorded_figures(built_index: Path) -> None:
    result = support_pairs.run()
    assert result.test.n >= 60 and result.dev.n >= 60
    assert result.test.accuracy >= TEST_ACCURACY_FLOOR
    assert result.test.precision >= TEST_PRECISION_FLOOR
    assert "test (bars in use)" in support_pairs.report(result)
