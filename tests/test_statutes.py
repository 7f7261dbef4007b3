"""The HKLM loader on the real corpus files: citations quote its texts, so they must be exact."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.citations import is_statute_cite, section_of
from assistant.ingest.statutes import (
    Ordinance,
    Provision,
    Section,
    StatuteError,
    load_statute,
    load_statutes,
    read_manifest,
)

STATUTES = Path(__file__).resolve().parents[1] / "corpus" / "statutes"
FILES = sorted(path.name for path in STATUTES.glob("*.xml"))
CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
CJK_GAP = re.compile(rf"[{CJK}]\s+[{CJK}]")


@pytest.fixture(scope="module")
def loaded() -> dict[str, Ordinance]:
    ordinances, errors = load_statutes(STATUTES)
    assert errors == []
    return {ordinance.source_file: ordinance for ordinance in ordinances}


def section(ordinance: Ordinance, cite: str) -> Section:
    return next(s for s in ordinance.sections if s.cite == cite)


def units(provisions: list[Provision]) -> Iterator[tuple[Provision, Provision | None]]:
    """Every provision with the provision holding it, all the way down."""
    for provision in provisions:
        yield provision, None
        for child, parent in units(provision.paragraphs):
            yield child, parent or provision


def test_every_file_loads(loaded: dict[str, Ordinance]) -> None:
    assert sorted(loaded) == FILES
    assert all(ordinance.sections for ordinance in loaded.values())


def test_offence_of_publishing_intimate_images(loaded: dict[str, Ordinance]) -> None:
    crimes = loaded["cap_200_en.excerpt.xml"]
    offence = section(crimes, "Cap. 200 s.159AAE")
    assert crimes.version_date == "2024-03-23"
    assert crimes.short_title == "Crimes Ordinance"
    assert crimes.excerpt
    assert (
        offence.heading
        == "Publication or threatened publication of intimate images without consent"
    )
    assert offence.path[-1] == "Division 2 Offences"
    assert offence.path[0].startswith("Part XIIAA Voyeurism, Unlawful Recording")
    assert (offence.status, offence.reason, offence.start_period) == (
        "operational",
        "inEffect",
        "2021-10-08",
    )
    assert offence.url == "https://www.elegislation.gov.hk/hk/cap200!en/s159AAE"
    assert [s.cite for s in offence.subsections] == [f"Cap. 200 s.159AAE({n})" for n in "12345"]
    assert "imprisonment for 5 years" in offence.subsections[4].text
    threat = offence.subsections[1]
    assert threat.text.startswith(
        "(2) A person commits an offence if— (a) the person makes a threat"
    )
    assert threat.paragraphs[0].cite == "Cap. 200 s.159AAE(2)(a)"
    assert threat.paragraphs[1].paragraphs[0].cite == "Cap. 200 s.159AAE(2)(b)(i)"


def test_definitions(loaded: dict[str, Ordinance]) -> None:
    crimes = loaded["cap_200_en.excerpt.xml"]
    intimate = next(
        d for d in section(crimes, "Cap. 200 s.159AA").definitions if d.term == "intimate image"
    )
    assert intimate.cite == "Cap. 200 s.159AA(1)"
    assert intimate.label == "intimate image"
    assert intimate.text.startswith("intimate image (私密影像), in relation to an individual— (a)")
    assert "no reasonable person would believe" in intimate.text
    privacy = section(loaded["cap_486_en.xml"], "Cap. 486 s.2")
    assert "personal data" in {d.term for d in privacy.definitions if d.cite == "Cap. 486 s.2(1)"}
    child = section(loaded["cap_579_en.excerpt.xml"], "Cap. 579 s.2")
    assert "child pornography" in {d.term for d in child.definitions if d.cite == "Cap. 579 s.2(1)"}
    obscene = section(loaded["cap_390_en.excerpt.xml"], "Cap. 390 s.2")
    assert ("article", "Cap. 390 s.2(5)(a)") in {(d.term, d.cite) for d in obscene.definitions}
    no_subsections = section(crimes, "Cap. 200 s.159AAF")
    assert {d.cite for d in no_subsections.definitions} == {"Cap. 200 s.159AAF"}
    for ordinance in loaded.values():
        for definition in (d for s in ordinance.sections for d in s.definitions):
            assert definition.term and definition.label == definition.term
            assert definition.term in definition.text


def test_status_is_kept_and_inherited(loaded: dict[str, Ordinance]) -> None:
    privacy = loaded["cap_486_en.xml"]
    transfer = section(privacy, "Cap. 486 s.33")
    assert (transfer.status, transfer.reason) == ("pending", "notYetInOperation")
    assert transfer.subsections, "a pending section keeps its text"
    assert section(privacy, "Cap. 486 s.34").status == "repealed"
    assert section(privacy, "Cap. 486 s.72").status == "omitted"
    assert section(privacy, "Cap. 486 Sch. 1 s.3").start_period == "2018-04-20"
    spent = [s.cite for s in loaded["cap_579_en.excerpt.xml"].sections if s.status == "omitted"]
    assert spent == [f"Cap. 579 s.{n}" for n in range(14, 27)]


def test_doxxing_offence(loaded: dict[str, Ordinance]) -> None:
    for name in ("cap_486_en.xml", "cap_486_zh-Hant.xml"):
        doxxing = section(loaded[name], "Cap. 486 s.64")
        assert "Cap. 486 s.64(3A)" in [s.cite for s in doxxing.subsections]
    assert doxxing.path == ["第9部 罪行及補償"]
    assert section(loaded["cap_486_en.xml"], "Cap. 486 s.64").path == [
        "Part 9 Offences and Compensation"
    ]


def test_chinese_text(loaded: dict[str, Ordinance]) -> None:
    zh = loaded["cap_486_zh-Hant.xml"]
    doxxing = section(zh, "Cap. 486 s.64")
    assert zh.language == "zh-Hant"
    assert zh.short_title == "個人資料(私隱)條例"
    assert doxxing.heading == "在未獲同意下披露個人資料屬罪行"
    assert doxxing.url == "https://www.elegislation.gov.hk/hk/cap486!zh-Hant-HK/s64"
    assert section(zh, "Cap. 486 s.1").text.startswith("(1) 本條例可引稱為《個人資料(私隱)條例》。")
    for s in zh.sections:
        texts = [s.heading, s.text, *(p.text for p, _ in units(s.subsections + s.definitions))]
        assert not any(CJK_GAP.search(text) for text in texts), s.cite


def test_schedules_never_take_main_body_ids(loaded: dict[str, Ordinance]) -> None:
    privacy = loaded["cap_486_en.xml"]
    cites = [s.cite for s in privacy.sections]
    assert section(privacy, "Cap. 486 s.1").heading == "Short title and commencement"
    use = section(privacy, "Cap. 486 Sch. 1 s.3")
    assert use.heading == "Principle 3—use of personal data"
    assert use.path == ["Schedule 1 Data Protection Principles"]
    assert use.url == "https://www.elegislation.gov.hk/hk/cap486!en/sch1"
    assert use.subsections[0].cite == "Cap. 486 Sch. 1 s.3(1)"
    assert {"Cap. 486 Sch. 4", "Cap. 486 Sch. 6"} <= set(cites)
    for s in privacy.sections:
        schedule = f"Cap. 486 Sch. {s.schedule}"
        allowed = (
            {schedule, f"{schedule} s.{s.number}"} if s.schedule else {f"Cap. 486 s.{s.number}"}
        )
        assert s.cite in allowed
    assert len(cites) == len(set(cites))
    assert cites == [s.cite for s in loaded["cap_486_zh-Hant.xml"].sections]


def test_matches_manifest(loaded: dict[str, Ordinance]) -> None:
    manifest = read_manifest(STATUTES)
    for name, ordinance in loaded.items():
        row = manifest[name]
        language = row.get("Language", "en").replace("zh-Hant-HK", "zh-Hant")
        assert row["Chapter"] == f"Cap. {ordinance.chapter}"
        assert row["Version date"].startswith(ordinance.version_date)
        assert language == ordinance.language
        assert row["SHA-256"].strip("`") == ordinance.sha256
        assert ordinance.excerpt == name.endswith(".excerpt.xml")


@pytest.mark.parametrize("name", FILES)
def test_every_provision_is_verbatim_in_its_section(
    loaded: dict[str, Ordinance], name: str
) -> None:
    for s in loaded[name].sections:
        assert is_statute_cite(s.cite)
        for provision, parent in units(s.subsections + s.paragraphs + s.definitions):
            assert provision.text in s.text, provision.cite
            assert parent is None or provision.text in parent.text, provision.cite
            assert section_of(provision.cite) == s.cite
        for text in (s.heading, s.text, *s.path):
            assert text == " ".join(text.split())


def test_editorial_notes_are_left_out(loaded: dict[str, Ordinance]) -> None:
    intimidation = section(loaded["cap_200_en.excerpt.xml"], "Cap. 200 s.24")
    assert intimidation.text.endswith("shall be guilty of an offence.")
    assert "13 of 1920" not in intimidation.text
    assert "Indian Penal Code" not in intimidation.text
    assert [p.cite for p in intimidation.paragraphs][:3] == [f"Cap. 200 s.24({x})" for x in "abc"]
    transfer = section(loaded["cap_486_en.xml"], "Cap. 486 s.33")
    assert "Not yet in operation" not in transfer.text


def test_malformed_files_are_reported_and_skipped(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<ordinance><meta>\n</ordinance>", encoding="utf-8")
    foreign = tmp_path / "foreign.xml"
    foreign.write_text("<html><body>not legislation</body></html>", encoding="utf-8")
    (tmp_path / "cap_210_en.excerpt.xml").write_bytes(
        (STATUTES / "cap_210_en.excerpt.xml").read_bytes()
    )

    for path in (broken, foreign):
        with pytest.raises(StatuteError, match=re.escape(str(path))):
            load_statute(path)
    ordinances, errors = load_statutes(tmp_path)
    assert [o.chapter for o in ordinances] == ["210"]
    assert ordinances[0].short_title == "Cap. 210", "no MANIFEST.md: falls back to docName"
    assert [e.split(": ")[0] for e in errors] == [str(broken), str(foreign)]
    assert all("\n" not in e for e in errors)
