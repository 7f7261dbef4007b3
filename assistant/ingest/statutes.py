"""HKLM XML from Hong Kong e-Legislation → ordinances, sections, subsections and defined terms.

Answers quote the texts built here and an evaluator checks every quote verbatim against its
chunk, so these rules are a contract:

- Text is the XML's own words and punctuation with whitespace normalised only: a run of
  whitespace (no-break spaces included) becomes one space, and whitespace between two CJK
  characters or CJK punctuation marks is removed: Chinese has no spaces, and the ones that the
  pretty-printed XML puts between its elements would split words and sentences. Block
  elements (<num>, <leadIn>, <content>, <paragraph>, table cells ...) are set apart by one space;
  inline ones (<ref>, <term>, <i>, <b>, <inline> ...) run on into their neighbours. Labels stay as
  the <num> text has them: "(1)", "(a)", "(i)".
- The rules act on neighbouring characters only, so a provision rendered on its own is always an
  exact substring of its section rendered whole: quotes taken from either match both.
- Editorial apparatus is not law and is left out: <sourceNote> (amendment history),
  <referenceNote> ("[cf. ...]"), <editorialNote> (e.g. "(Not yet in operation)") and <note>
  (a schedule's cross-references). <statutoryNote> ("Note—", "Example—") is enacted text and
  stays. A repealed or omitted section therefore has an empty text; its status says why.

Ids follow docs/contract.md section 1 through assistant.citations. Schedule sections take
"Cap. 486 Sch. 1 s.3", never a main-body id, and a schedule without sections is itself a Section
("Cap. 486 Sch. 4"). Pinpoints use the label inside the first brackets of <num> text, not the
value attribute: subparagraph values are "1", "2" where the law reads "(i)", "(ii)", and a
repealed range "(7)-(8)" is cited by its first label.

A section's status, reason and start period come from the nearest element (itself or an
ancestor) that has a status attribute; schedule sections inherit their schedule's. Where none
has one the status is "unknown": the loader never guesses that a provision is in force.

The short title is the file's <shortTitle> (Chinese 《》 removed); excerpt files do not hold
section 1, so it then comes from the Title column of MANIFEST.md beside the file, else <docName>.

A section's address is https://www.elegislation.gov.hk/hk/cap{chapter}!{en|zh-Hant-HK}/{name}
with the name attribute of the section (s159AAE) or schedule (sch1). A schedule section uses
its schedule's name, since its own ("s3") would address main-body section 3.
"""

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel

from assistant.citations import pinpoint, schedule_cite, section_cite

HKLM = "{http://www.xml.gov.hk/schemas/hklm/1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITE = "https://www.elegislation.gov.hk/hk"
LANGUAGES = {"en": "en", "zh-Hant-HK": "zh-Hant"}
EDITORIAL = frozenset({"sourceNote", "referenceNote", "editorialNote", "note"})
INLINE = frozenset({"ref", "term", "i", "b", "inline", "shortTitle", "fillIn", "span"})
HIERARCHY = frozenset({"part", "division", "subdivision"})
NUMBERED = frozenset({"subsection", "paragraph", "subparagraph"})
UNKNOWN_STATUS = "unknown"

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_LABEL = re.compile(r"\(([0-9A-Za-z]+)\)")


class StatuteError(ValueError):
    """A statute file that cannot be read as HKLM; the message is "PATH: reason" on one line."""


class _Malformed(Exception):
    """A structural problem, reported by load_statute with the file's path."""


class Provision(BaseModel):
    """An addressable unit inside a section: a subsection, a paragraph, or one defined term."""

    cite: str
    label: str
    text: str
    term: str | None = None
    paragraphs: list["Provision"] = []


class Section(BaseModel):
    """A numbered section, a schedule section, or a schedule that has no sections."""

    cite: str
    chapter: str
    number: str
    name: str
    heading: str
    path: list[str]
    status: str
    reason: str | None
    start_period: str | None
    text: str  # without the number and heading; empty for a repealed or omitted section
    subsections: list[Provision]
    paragraphs: list[Provision] = []  # paragraphs that sit directly in a section (Cap. 200 s.24)
    definitions: list[Provision]
    url: str
    schedule: str | None = None  # "1" for Cap. 486 Sch. 1 and each section in it


class Ordinance(BaseModel):
    """One XML file. An excerpt holds only some sections: an absent one may still exist."""

    chapter: str
    short_title: str
    language: str
    version_date: str
    source_file: str
    sha256: str
    excerpt: bool
    sections: list[Section]


@dataclass(frozen=True)
class _Context:
    """What a section inherits from the elements around it."""

    chapter: str
    url_base: str
    path: tuple[str, ...] = ()
    status: tuple[str, str | None, str | None] | None = None
    schedule: ET.Element | None = None

    def within(self, elem: ET.Element) -> "_Context":
        return replace(
            self,
            path=(*self.path, _title(elem)),
            status=_status(elem) or self.status,
            schedule=elem if _local(elem.tag) == "schedule" else self.schedule,
        )


def load_statute(path: Path) -> Ordinance:
    """One HKLM file; any problem becomes a StatuteError naming the file."""
    try:
        data = path.read_bytes()
        return _ordinance(ET.fromstring(data), path, data)
    except (OSError, ET.ParseError, _Malformed) as err:
        raise StatuteError(f"{path}: {' '.join(str(err).split())}") from err


def load_statutes(folder: Path) -> tuple[list[Ordinance], list[str]]:
    """Every *.xml in folder; a bad file is reported in the second list, never fatal."""
    ordinances, errors = [], []
    for path in sorted(folder.glob("*.xml")):
        try:
            ordinances.append(load_statute(path))
        except StatuteError as err:
            errors.append(str(err))
    return ordinances, errors


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Provenance rows of folder/MANIFEST.md by file name.

    A file appears in several tables (files, verification); its rows merge and the first value
    of a column wins, so the Title used is the one in the Files table.
    """
    manifest = folder / "MANIFEST.md"
    if not manifest.is_file():
        return {}
    rows: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif len(cells) == len(header) and "File" in header:
            row = dict(zip(header, cells, strict=True))
            name = row["File"].strip("`")
            rows[name] = row | rows.get(name, {})
    return rows


def _ordinance(root: ET.Element, path: Path, data: bytes) -> Ordinance:
    meta, main = root.find(f"{HKLM}meta"), root.find(f"{HKLM}main")
    if root.tag != f"{HKLM}ordinance" or meta is None or main is None:
        raise _Malformed(f"not an HKLM ordinance (root element <{root.tag}>)")
    chapter = _meta(meta, f"{HKLM}docNumber")
    xml_lang = _meta(meta, f"{DC}language")
    if xml_lang not in LANGUAGES:
        raise _Malformed(f"unsupported language {xml_lang!r}")
    context = _Context(chapter=chapter, url_base=f"{SITE}/cap{chapter}!{xml_lang}")
    return Ordinance(
        chapter=chapter,
        short_title=_short_title(root, path) or _meta(meta, f"{HKLM}docName"),
        language=LANGUAGES[xml_lang],
        version_date=_meta(meta, f"{DC}date"),
        source_file=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        excerpt=path.name.endswith(".excerpt.xml"),
        sections=list(_sections(main, context)),
    )


def _meta(meta: ET.Element, tag: str) -> str:
    value = meta.findtext(tag, "").strip()
    if not value:
        raise _Malformed(f"<meta> has no <{_local(tag)}>")
    return value


def _short_title(root: ET.Element, path: Path) -> str | None:
    element = root.find(f".//{HKLM}shortTitle")
    if element is not None:
        return _text(element).strip("《》")
    return read_manifest(path.parent).get(path.name, {}).get("Title") or None


def _sections(container: ET.Element, context: _Context) -> Iterator[Section]:
    for child in container:
        kind = _local(child.tag)
        if kind == "section":
            yield _section(child, context)
        elif kind == "schedule" and child.find(f".//{HKLM}section") is None:
            yield _section(child, replace(context, schedule=child))
        elif kind in HIERARCHY or kind == "schedule":
            yield from _sections(child, context.within(child))


def _section(elem: ET.Element, context: _Context) -> Section:
    cite, url_name = _address(elem, context)
    status, reason, start_period = _status(elem) or context.status or (UNKNOWN_STATUS, None, None)
    heading = elem.find(f"{HKLM}heading")
    return Section(
        cite=cite,
        chapter=context.chapter,
        number=_number(elem),
        name=elem.get("name", ""),
        heading=_text(heading) if heading is not None else "",
        path=list(context.path),
        status=status,
        reason=reason,
        start_period=start_period,
        text=_text(elem, EDITORIAL | {"num", "heading"}),
        subsections=[_provision(child, cite) for child in _children(elem, "subsection")],
        paragraphs=[_provision(child, cite) for child in _children(elem, "paragraph")],
        definitions=list(_definitions(elem, cite)),
        url=f"{context.url_base}/{url_name}",
        schedule=_number(context.schedule) if context.schedule is not None else None,
    )


def _address(elem: ET.Element, context: _Context) -> tuple[str, str]:
    """The citation id and the name that e-Legislation addresses the section by."""
    schedule = context.schedule
    if schedule is None:
        return section_cite(context.chapter, _number(elem)), elem.get("name", "")
    if schedule is elem:
        return schedule_cite(context.chapter, _number(elem)), elem.get("name", "")
    cite = schedule_cite(context.chapter, _number(schedule), _number(elem))
    return cite, schedule.get("name", "")


def _provision(elem: ET.Element, parent_cite: str) -> Provision:
    cite = pinpoint(parent_cite, _label(elem))
    return Provision(
        cite=cite,
        label=_text(_num(elem)),
        text=_text(elem),
        paragraphs=[
            _provision(child, cite) for child in _children(elem, "paragraph", "subparagraph")
        ],
    )


def _definitions(elem: ET.Element, cite: str) -> Iterator[Provision]:
    """Every <def> below elem, cited by the nearest subsection or paragraph holding it."""
    for child in elem:
        kind = _local(child.tag)
        if kind == "def":
            yield _definition(child, cite)
        elif kind in NUMBERED:
            yield from _definitions(child, pinpoint(cite, _label(child)))
        elif kind not in EDITORIAL:
            yield from _definitions(child, cite)


def _definition(elem: ET.Element, cite: str) -> Provision:
    """The defined term is the one in the file's own language: the other carries xml:lang."""
    term = next((t for t in elem.iter(f"{HKLM}term") if XML_LANG not in t.attrib), None)
    if term is None:
        raise _Malformed(f"definition {elem.get('name')!r} in {cite} has no term")
    name = _text(term)
    return Provision(cite=cite, label=name, text=_text(elem), term=name)


def _children(elem: ET.Element, *kinds: str) -> list[ET.Element]:
    return [child for child in elem if _local(child.tag) in kinds]


def _num(elem: ET.Element) -> ET.Element:
    num = elem.find(f"{HKLM}num")
    if num is None:
        raise _Malformed(f"<{_local(elem.tag)} name={elem.get('name')!r}> has no <num>")
    return num


def _number(elem: ET.Element) -> str:
    value = _num(elem).get("value", "").strip()
    if not value:
        raise _Malformed(f"<{_local(elem.tag)} name={elem.get('name')!r}> has no number")
    return value


def _label(elem: ET.Element) -> str:
    """The printed label, as readers cite it: the value of subparagraph (i) is "1"."""
    match = _LABEL.search(_text(_num(elem)))
    return match.group(1) if match else _number(elem)


def _title(elem: ET.Element) -> str:
    """A path entry reads as printed: number, then heading."""
    heading = elem.find(f"{HKLM}heading")
    return " ".join(_text(e) for e in (_num(elem), heading) if e is not None)


def _status(elem: ET.Element) -> tuple[str, str | None, str | None] | None:
    status = elem.get("status")
    return (status, elem.get("reason"), elem.get("startPeriod")) if status else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(elem: ET.Element, skip: frozenset[str] = EDITORIAL) -> str:
    """elem's text by the rules in the module docstring; children named in skip are left out."""
    text = " ".join("".join(_strings(elem, skip)).split())
    return _CJK_GAP.sub("", text)


def _strings(elem: ET.Element, skip: frozenset[str]) -> Iterator[str]:
    yield elem.text or ""
    for child in elem:
        kind = _local(child.tag)
        if kind not in skip:
            gap = "" if kind in INLINE else " "
            yield gap
            yield from _strings(child, EDITORIAL)
            yield gap
        yield child.tail or ""
