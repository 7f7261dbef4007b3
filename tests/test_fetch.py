"""fetch-legislation against a local HTTP server that serves archives laid out like the
DATA.GOV.HK ones, built from the corpus's own XML files. Nothing here reaches the real network."""

import hashlib
import shutil
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.__main__ import main
from assistant.ingest import statutes
from assistant.ingest.fetch import MANIFEST_COLUMNS, MANIFEST_HEADING, FetchError, fetch

STATUTES = Path(__file__).resolve().parent.parent / "corpus" / "statutes"
LOW = "hkel_c_leg_cap_1_cap_300_en.zip"
MID = "hkel_c_leg_cap_301_cap_600_en.zip"


def member(chapter: str, version: str) -> str:
    """An archive member name as published, with its literal backslash."""
    return f"cap_{chapter}_en_c\\cap_{chapter}_{version}_en_c.xml"


def make_archive(path: Path, members: dict[str, Path]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, source in members.items():
            bundle.writestr(name, source.read_bytes())


class Handler(SimpleHTTPRequestHandler):
    """Serves the archives folder; a name listed in `cut` is sent with its full length
    announced but only half its bytes, as when a connection drops mid-download."""

    cut: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        name = self.path.rsplit("/", 1)[-1]
        if name not in self.cut:
            super().do_GET()
            return
        data = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    folder = tmp_path / "archives"
    folder.mkdir()
    make_archive(
        folder / LOW,
        {
            member("200", "20240323000000"): STATUTES / "cap_200_en.excerpt.xml",
            member("210", "20210624000000"): STATUTES / "cap_210_en.excerpt.xml",
        },
    )
    make_archive(
        folder / MID,
        {
            member("486", "20221001000000"): STATUTES / "cap_486_en.xml",
            member("390", "20250523000000"): STATUTES / "cap_390_en.excerpt.xml",
        },
    )
    return folder


@pytest.fixture
def server(archives: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(archives)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    Handler.cut = set()


@pytest.fixture(autouse=True)
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A corpus holding the shipped statutes, less the whole Cap. 486 in English; made the
    corpus of every test here, so no test can write into the real one."""
    root = tmp_path / "corpus"
    shutil.copytree(STATUTES, root / "statutes")
    (root / "statutes" / "cap_486_en.xml").unlink()
    monkeypatch.setenv("HKLAW_CORPUS_DIR", str(root))
    return root


def fetched_row(folder: Path, name: str) -> dict[str, str]:
    """The row of the fetched-files table for one file (the shipped tables may name it too)."""
    section = (folder / "MANIFEST.md").read_text(encoding="utf-8").partition(MANIFEST_HEADING)[2]
    line = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return dict(zip(MANIFEST_COLUMNS, cells, strict=True))


def snapshot(corpus: Path) -> dict[str, bytes]:
    folder = corpus / "statutes"
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_fetches_a_chapter_with_its_provenance(corpus: Path, server: str) -> None:
    outcome = fetch(["Cap. 486"], ["en"], corpus, server)

    written = corpus / "statutes" / "cap_486_en.xml"
    assert written.read_bytes() == (STATUTES / "cap_486_en.xml").read_bytes()
    assert [item.file for item in outcome.written] == ["cap_486_en.xml"]
    row = fetched_row(corpus / "statutes", "cap_486_en.xml")
    assert row["Source URL"] == f"{server}/{MID}"
    assert row["SHA-256"].strip("`") == hashlib.sha256(written.read_bytes()).hexdigest()
    assert row["Version date"] == "2022-10-01"
    assert row["Archive member"].strip("`") == member("486", "20221001000000")
    assert statutes.load_statute(written).chapter == "486"
    assert not list((corpus / "statutes").glob(".*"))

    again = fetch(["486"], ["en"], corpus, server)
    assert not again.written and [item.file for item in again.unchanged] == ["cap_486_en.xml"]


def test_the_manifest_keeps_what_it_said_and_one_row_per_file(corpus: Path, server: str) -> None:
    before = (corpus / "statutes" / "MANIFEST.md").read_text(encoding="utf-8")
    fetch(["486"], ["en"], corpus, server)
    (corpus / "statutes" / "cap_486_en.xml").unlink()
    fetch(["486"], ["en"], corpus, server)

    after = (corpus / "statutes" / "MANIFEST.md").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    fetched = after.partition(MANIFEST_HEADING)[2]
    assert fetched.count("| `cap_486_en.xml` | Cap. 486 |") == 1


def test_an_excerpt_is_replaced_only_when_asked(corpus: Path, server: str) -> None:
    before = snapshot(corpus)
    outcome = fetch(["200"], ["en"], corpus, server)
    assert snapshot(corpus) == before
    assert "--replace" in outcome.skipped[0]

    outcome = fetch(["200"], ["en"], corpus, server, replace=True)
    folder = corpus / "statutes"
    assert (folder / "cap_200_en.xml").read_bytes() == before["cap_200_en.excerpt.xml"]
    assert not (folder / "cap_200_en.excerpt.xml").exists()
    row = fetched_row(folder, "cap_200_en.xml")
    assert row["Replaced"] == "`cap_200_en.excerpt.xml`"


def test_a_damaged_archive_changes_nothing(corpus: Path, server: str, archives: Path) -> None:
    data = (archives / MID).read_bytes()
    (archives / MID).write_bytes(data[: len(data) * 2 // 3])
    before = snapshot(corpus)
    with pytest.raises(FetchError, match="not a complete ZIP archive"):
        fetch(["486"], ["en"], corpus, server)
    assert snapshot(corpus) == before


def test_a_download_cut_short_changes_nothing(corpus: Path, server: str) -> None:
    Handler.cut = {MID}
    before = snapshot(corpus)
    with pytest.raises(FetchError, match="download"):
        fetch(["486"], ["en"], corpus, server)
    assert snapshot(corpus) == before


def test_a_member_holding_another_chapter_is_refused(corpus: Path, server: str) -> None:
    """Cap. 486 is good, but the member named Cap. 210 holds Cap. 200: neither is written."""
    before = snapshot(corpus)
    with zipfile.ZipFile(corpus.parent / "archives" / LOW, "w") as bundle:
        bundle.writestr(
            member("210", "20210624000000"), (STATUTES / "cap_200_en.excerpt.xml").read_bytes()
        )
    with pytest.raises(FetchError, match=r"holds Cap\. 200 \(en\), not Cap\. 210"):
        fetch(["486", "210"], ["en"], corpus, server, replace=True)
    assert snapshot(corpus) == before


def test_a_file_that_is_not_legislation_is_refused(corpus: Path, server: str) -> None:
    with zipfile.ZipFile(corpus.parent / "archives" / MID, "w") as bundle:
        bundle.writestr(member("486", "20221001000000"), b"<html><body>Not found</body></html>")
    before = snapshot(corpus)
    with pytest.raises(FetchError, match="not HKLM legislation XML"):
        fetch(["486"], ["en"], corpus, server)
    assert snapshot(corpus) == before


def test_a_missing_archive_is_one_clear_line(
    corpus: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(corpus)
    status = main(["fetch-legislation", "--cap", "700", "--lang", "en", "--base-url", server])
    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("error: ") and "HTTP 404" in error
    assert error.count("\n") == 1
    assert snapshot(corpus) == before


def test_no_network_is_one_clear_line(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A port nobody listens on refuses the connection, as a machine offline would."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HKLAW_LEGISLATION_URL", f"http://127.0.0.1:{port}")
    before = snapshot(corpus)
    status = main(["fetch-legislation", "--cap", "486", "--lang", "en"])
    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("error: cannot download") and "are you online?" in error
    assert error.count("\n") == 1
    assert snapshot(corpus) == before


def test_all_takes_every_chapter_and_reports_those_it_leaves(
    corpus: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archives = corpus.parent / "archives"
    make_archive(
        archives / "hkel_c_leg_cap_601_cap_end_en.zip",
        {member("999", "20250101000000"): STATUTES / "MANIFEST.md"},
    )
    status = main(["fetch-legislation", "--all", "--lang", "en", "--base-url", server, "--replace"])
    out, err = capsys.readouterr()
    assert status == 0
    folder = corpus / "statutes"
    for chapter in ("200", "210", "390", "486"):
        assert statutes.load_statute(folder / f"cap_{chapter}_en.xml").chapter == chapter
    assert not (folder / "cap_999_en.xml").exists()
    assert "skipped" in err and "Cap. 999" not in out


def test_a_chapter_number_is_checked_before_any_download(corpus: Path) -> None:
    with pytest.raises(FetchError, match="not an ordinance chapter number"):
        fetch(["200A"], ["en"], corpus, "http://127.0.0.1:9")
