"""Download official e-Legislation XML into corpus/statutes/, checked before anything changes.

The Department of Justice publishes the current law on DATA.GOV.HK as weekly ZIP archives, one
per chapter range and language (hkel_c_leg_cap_1_cap_300_en.zip, ...); each chapter is a member
named cap_<N>_<lang>_c\\cap_<N>_<version>_<lang>_c.xml. A run downloads each archive it needs to
a temporary folder beside the corpus, reads the chapters out, and checks every one with the
loader the index build uses (HKLM XML, the chapter and language asked for). Only when all of them
pass are the files renamed into place, and MANIFEST.md is rewritten last, atomically, with each
file's source URL, archive member, sha256 and the date it was fetched. A failed, partial or
wrong download therefore leaves the corpus as it was.

A file already in the corpus (a shipped whole chapter, or an excerpt of one) is never replaced
without `replace=True`: the evaluation datasets were checked against those exact texts.
"""

import hashlib
import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant import config
from assistant.ingest import statutes

DEFAULT_BASE_URL = "https://resource.data.one.gov.hk/doj/data/"
BASE_URL_ENV = "HKLAW_LEGISLATION_URL"
LANGUAGES = ("en", "zh-Hant")
# (first chapter, last chapter or None for "to the end", the archive's name for the range)
RANGES = ((1, 300, "cap_1_cap_300"), (301, 600, "cap_301_cap_600"), (601, None, "cap_601_cap_end"))
# The largest ordinances are a few MB of XML; anything far bigger is not a chapter (or is a
# decompression bomb), and reading it would only exhaust memory.
MAX_CHAPTER_BYTES = 64 * 1024 * 1024
# The whole-range archives are some hundreds of MB; a download past this is not one of them.
MAX_ARCHIVE_BYTES = 2 * 1024**3
TIMEOUT_SECONDS = 60
MANIFEST_HEADING = "## Fetched with `python -m assistant fetch-legislation`"
MANIFEST_COLUMNS = (
    "File",
    "Chapter",
    "Title",
    "Language",
    "Version date",
    "SHA-256",
    "Size (bytes)",
    "Source URL",
    "Archive member",
    "Fetched",
    "Replaced",
)
_MEMBER = re.compile(r"cap_(?P<chapter>\d+)_(?P<version>\d{14})_(?P<lang>[A-Za-z-]+)_c\.xml")


class FetchError(RuntimeError):
    """A download or check that failed; the message is one line saying what to do."""


class Fetched(BaseModel):
    """One chapter written (or found already current) in the corpus."""

    file: str
    chapter: str
    language: str
    title: str
    version_date: str
    sha256: str
    size: int
    url: str
    member: str
    replaced: str = ""


class Outcome(BaseModel):
    written: list[Fetched] = []
    unchanged: list[Fetched] = []
    skipped: list[str] = []


def base_url() -> str:
    return os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL)


def chapter_number(text: str) -> str:
    """ "200", "Cap. 200" or "cap200" → "200"; a subsidiary chapter (200A) is refused, since the
    loader reads ordinances only."""
    number = re.sub(r"(?i)^\s*cap\.?\s*", "", text).strip()
    if not number.isdigit() or int(number) == 0:
        raise FetchError(f"{text!r} is not an ordinance chapter number (e.g. 200)")
    return str(int(number))


def archive_name(chapter: str, language: str) -> str:
    number = int(chapter)
    for first, last, span in RANGES:
        if number >= first and (last is None or number <= last):
            return f"hkel_c_leg_{span}_{language}.zip"
    raise FetchError(f"Cap. {chapter} is outside every published chapter range")


def fetch(
    chapters: Iterable[str] | None,
    languages: Iterable[str] = LANGUAGES,
    corpus: Path | None = None,
    url: str | None = None,
    replace: bool = False,
) -> Outcome:
    """Fetch the given chapters (None: every ordinance in the archives) in each language."""
    folder = (corpus or config.corpus_dir()) / "statutes"
    if not folder.is_dir():
        raise FetchError(f"no statutes folder at {folder}")
    _remove_partial(folder)
    root = (url or base_url()).rstrip("/") + "/"
    wanted = None if chapters is None else sorted({chapter_number(c) for c in chapters}, key=int)
    languages = tuple(languages)
    for language in languages:
        if language not in LANGUAGES:
            raise FetchError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=folder) as work:
        staged: list[tuple[Path, Fetched]] = []
        for name, language in _archives(wanted, languages):
            archive = _download(root + name, Path(work) / name)
            chosen = (
                None if wanted is None else [c for c in wanted if archive_name(c, language) == name]
            )
            for found, data in _chapters(archive, root + name, language, chosen, outcome):
                staged += _stage(found, data, folder, Path(work), replace, outcome)
        _install(staged, folder)
    return outcome


def _archives(wanted: list[str] | None, languages: Iterable[str]) -> list[tuple[str, str]]:
    names = []
    for language in languages:
        spans = (
            [f"hkel_c_leg_{span}_{language}.zip" for _, _, span in RANGES]
            if wanted is None
            else [archive_name(chapter, language) for chapter in wanted]
        )
        names += [(name, language) for name in dict.fromkeys(spans)]
    return names


def _download(url: str, target: Path) -> Path:
    """The archive at url, streamed to target; a short read is an error, not a smaller file."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            expected = response.headers.get("Content-Length")
            received = 0
            with target.open("wb") as out:
                while block := response.read(1024 * 1024):
                    received += len(block)
                    if received > MAX_ARCHIVE_BYTES:
                        raise FetchError(f"{url} is larger than any legislation archive; stopped")
                    out.write(block)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: the server answered HTTP {exc.code}; check --base-url") from exc
    except http.client.HTTPException as exc:
        raise FetchError(f"{url}: the download stopped early ({exc!r}); try again") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise FetchError(f"cannot download {url} ({reason}); are you online?") from exc
    if expected is not None and received != int(expected):
        raise FetchError(f"{url}: the download stopped early ({received} of {expected} bytes)")
    return target


def _chapters(
    archive: Path, url: str, language: str, chosen: list[str] | None, outcome: Outcome
) -> Iterator[tuple[Fetched, bytes]]:
    """The chapters read out of one archive, one at a time, each checked; with chosen=None
    (every ordinance) a member that fails its check is reported and left out instead of
    stopping the run."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = _members(bundle, language)
            if chosen is not None:
                missing = [c for c in chosen if c not in members]
                if missing:
                    raise FetchError(
                        f"{url} holds no {language} file for "
                        + ", ".join(f"Cap. {c}" for c in missing)
                    )
            for chapter in chosen if chosen is not None else sorted(members, key=int):
                info = members[chapter]
                try:
                    yield _checked(bundle, info, chapter, language, url)
                except FetchError as exc:
                    if chosen is not None:
                        raise
                    outcome.skipped.append(str(exc))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FetchError(f"{url} is not a complete ZIP archive ({exc}); try again later") from exc


def _members(bundle: zipfile.ZipFile, language: str) -> dict[str, zipfile.ZipInfo]:
    """Archive members by chapter; names use "\\" or "/" between folder and file."""
    members = {}
    for info in bundle.infolist():
        match = _MEMBER.fullmatch(re.split(r"[\\/]", info.filename)[-1])
        if match and match["lang"] == language:
            members[str(int(match["chapter"]))] = info
    return members


def _checked(
    bundle: zipfile.ZipFile, info: zipfile.ZipInfo, chapter: str, language: str, url: str
) -> tuple[Fetched, bytes]:
    where = f"{url} → {info.filename}"
    if info.file_size > MAX_CHAPTER_BYTES:
        raise FetchError(f"{where} is {info.file_size} bytes, too large to be one chapter")
    with bundle.open(info) as member:
        data = member.read(MAX_CHAPTER_BYTES + 1)
    if len(data) > MAX_CHAPTER_BYTES:
        raise FetchError(f"{where} unpacks to more than {MAX_CHAPTER_BYTES} bytes")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"cap_{chapter}_{language}.xml"
        path.write_bytes(data)
        try:
            ordinance = statutes.load_statute(path)
        except statutes.StatuteError as exc:
            reason = str(exc).removeprefix(f"{path}: ")
            raise FetchError(f"{where} is not HKLM legislation XML ({reason})") from exc
    if ordinance.chapter != chapter or ordinance.language != language:
        raise FetchError(
            f"{where} holds Cap. {ordinance.chapter} ({ordinance.language}), "
            f"not Cap. {chapter} ({language}); the archive is not what it should be"
        )
    fetched = Fetched(
        file=path.name,
        chapter=chapter,
        language=language,
        title=ordinance.short_title,
        version_date=ordinance.version_date,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        url=url,
        member=info.filename,
    )
    return fetched, data


def _stage(
    fetched: Fetched, data: bytes, folder: Path, work: Path, replace: bool, outcome: Outcome
) -> list[tuple[Path, Fetched]]:
    """The file staged for installing, or nothing when the corpus already has it or holds a
    file for the chapter that may only be replaced on request."""
    target = folder / fetched.file
    excerpt = folder / fetched.file.replace(".xml", ".excerpt.xml")
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == fetched.sha256:
        outcome.unchanged.append(fetched)
        return []
    present = [path.name for path in (target, excerpt) if path.is_file()]
    if present and not replace:
        outcome.skipped.append(
            f"Cap. {fetched.chapter} ({fetched.language}): the corpus already holds "
            f"{', '.join(present)}; pass --replace to put the fetched chapter in its place"
        )
        return []
    staged = work / "staged" / fetched.file
    staged.parent.mkdir(exist_ok=True)
    staged.write_bytes(data)
    fetched = fetched.model_copy(update={"replaced": ", ".join(present)})
    outcome.written.append(fetched)
    return [(staged, fetched)]


def _install(staged: list[tuple[Path, Fetched]], folder: Path) -> None:
    """Files into place (a rename each, so no file is ever half-written), replaced excerpts
    removed, then the manifest."""
    if not staged:
        return
    for path, fetched in staged:
        os.replace(path, folder / fetched.file)
    for _, fetched in staged:
        excerpt = folder / fetched.file.replace(".xml", ".excerpt.xml")
        if excerpt.name in fetched.replaced:
            excerpt.unlink()
    write_manifest(folder, [fetched for _, fetched in staged])


def write_manifest(folder: Path, fetched: list[Fetched]) -> None:
    """MANIFEST.md with its fetched-files table updated (a row per file, newest wins), written
    to a temporary file and renamed over the old one."""
    manifest = folder / "MANIFEST.md"
    text = manifest.read_text(encoding="utf-8") if manifest.is_file() else ""
    head, _, rest = text.partition(MANIFEST_HEADING)
    table, tail = _split_table(rest)
    rows = {row["File"]: row for row in table}
    today = datetime.now(UTC).date().isoformat()
    for item in fetched:
        rows[f"`{item.file}`"] = {
            "File": f"`{item.file}`",
            "Chapter": f"Cap. {item.chapter}",
            "Title": item.title.replace("|", "/"),
            "Language": item.language,
            "Version date": item.version_date,
            "SHA-256": f"`{item.sha256}`",
            "Size (bytes)": str(item.size),
            "Source URL": item.url,
            "Archive member": f"`{item.member}`",
            "Fetched": today,
            "Replaced": f"`{item.replaced}`" if item.replaced else "",
        }
    lines = [
        MANIFEST_HEADING,
        "",
        "Whole chapters downloaded from the DATA.GOV.HK archives and checked (HKLM XML, chapter "
        "and language as asked) before they were put here, byte for byte as published.",
        "",
        "| " + " | ".join(MANIFEST_COLUMNS) + " |",
        "|" + "---|" * len(MANIFEST_COLUMNS),
        *(
            "| " + " | ".join(row.get(column, "") for column in MANIFEST_COLUMNS) + " |"
            for row in rows.values()
        ),
    ]
    body = head.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n" + tail
    tmp = folder / ".MANIFEST.md.tmp"
    tmp.write_text(body.lstrip("\n"), encoding="utf-8")
    os.replace(tmp, manifest)


def _split_table(section: str) -> tuple[list[dict[str, str]], str]:
    """The rows of the fetched-files table, and whatever follows the section."""
    lines = section.splitlines()
    rows, end = [], len(lines)
    for number, line in enumerate(lines):
        if line.startswith("## "):
            end = number
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == len(MANIFEST_COLUMNS) and cells[0].startswith("`"):
            rows.append(dict(zip(MANIFEST_COLUMNS, cells, strict=True)))
    tail = "\n".join(lines[end:])
    return rows, ("\n" + tail + "\n" if tail else "")


def _remove_partial(folder: Path) -> None:
    """Temporary folders left by a run that was killed mid-way (a build never reads them)."""
    for leftover in folder.glob(".fetch-*"):
        shutil.rmtree(leftover, ignore_errors=True)
