"""Helpful / not-helpful ratings, kept in a local SQLite file and only when someone clicks.

The people asking may be in distress and writing about themselves, so a rating keeps only what
is needed to find weak answers: the rating, an optional comment, the time, the answer's status
and the ids it cited. The question itself is kept only when the person ticks a box to include it.
"""

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant import config

Rating = Literal["helpful", "not helpful"]
MAX_COMMENT = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT NOT NULL,
    status TEXT NOT NULL,
    cited TEXT NOT NULL,
    question TEXT
)
"""


class Feedback(BaseModel):
    rating: Rating
    status: str
    cited: list[str] = []
    comment: str = Field("", max_length=MAX_COMMENT)
    question: str | None = None
    created_at: str = ""


def db_path() -> Path:
    """HKLAW_FEEDBACK_DB, else beside the index, so one setting moves all local data."""
    configured = os.environ.get("HKLAW_FEEDBACK_DB")
    return Path(configured) if configured else config.index_dir() / "feedback.sqlite3"


def _connect(path: Path | None) -> sqlite3.Connection:
    path = path or db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(_SCHEMA)
    return connection


def save(feedback: Feedback, path: Path | None = None) -> int:
    """Store one rating; returns its row id."""
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    with _connect(path) as connection:
        cursor = connection.execute(
            "INSERT INTO feedback (created_at, rating, comment, status, cited, question) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                created_at,
                feedback.rating,
                feedback.comment.strip(),
                feedback.status,
                json.dumps(feedback.cited),
                feedback.question,
            ),
        )
    connection.close()
    return int(cursor.lastrowid or 0)


def load_all(path: Path | None = None) -> list[Feedback]:
    """Every stored rating, oldest first: for review and for tests."""
    with _connect(path) as connection:
        rows = connection.execute(
            "SELECT rating, status, cited, comment, question, created_at FROM feedback ORDER BY id"
        ).fetchall()
    connection.close()
    return [
        Feedback(
            rating=rating,
            status=status,
            cited=json.loads(cited),
            comment=comment,
            question=question,
            created_at=created_at,
        )
        for rating, status, cited, comment, question, created_at in rows
    ]
