"""The training job store: one SQLite database (jobs table) plus one folder of files per job.

Every process (the server and each training worker) opens its own connection; SQLite's
locking keeps them consistent. JSON columns hold the checks, settings, progress and report.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CREATED, QUEUED, RUNNING, FINISHED, FAILED, CANCELLED, INTERRUPTED = (
    "created",
    "queued",
    "running",
    "finished",
    "failed",
    "cancelled",
    "interrupted",
)
ACTIVE = (QUEUED, RUNNING)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    queued_at REAL,
    state TEXT NOT NULL,
    name TEXT,
    analysis TEXT,
    settings TEXT,
    progress TEXT,
    history TEXT NOT NULL DEFAULT '[]',
    report TEXT,
    error TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0
)
"""
_JSON_COLUMNS = ("analysis", "settings", "progress", "history", "report")


def data_dir() -> Path:
    """Where jobs live: ``$NAM_WEB_DATA`` or ``./var`` (git-ignored)."""
    return Path(os.environ.get("NAM_WEB_DATA", "var")).resolve()


@dataclass
class JobStore:
    """Jobs in ``root/training/jobs.sqlite3``; each job's files in ``root/training/jobs/<id>/``."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute(_SCHEMA)

    @property
    def path(self) -> Path:
        return self.root / "training" / "jobs.sqlite3"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "training" / "jobs"

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    def create(self, name: str | None = None) -> str:
        job_id = uuid.uuid4().hex[:16]
        now = time.time()
        with self.connect() as db:
            db.execute(
                "INSERT INTO jobs (id, created, updated, state, name) VALUES (?, ?, ?, ?, ?)",
                (job_id, now, now, CREATED, name),
            )
        self.job_dir(job_id).mkdir(parents=True, exist_ok=True)
        return job_id

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self.connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _decode(row) if row else None

    def list(self) -> list[dict[str, Any]]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM jobs ORDER BY created DESC").fetchall()
        return [_decode(r) for r in rows]

    def update(self, job_id: str, **fields: Any) -> None:
        """Set columns (JSON columns take Python objects)."""
        fields["updated"] = time.time()
        values = [json.dumps(v) if k in _JSON_COLUMNS and v is not None else v for k, v in fields.items()]
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.connect() as db:
            db.execute(f"UPDATE jobs SET {cols} WHERE id = ?", (*values, job_id))

    def append_history(self, job_id: str, entry: dict[str, Any]) -> None:
        """Record one epoch: the latest progress plus the growing history list."""
        with self.connect() as db:
            row = db.execute("SELECT history FROM jobs WHERE id = ?", (job_id,)).fetchone()
            history = json.loads(row["history"]) if row else []
            history.append(entry)
            db.execute(
                "UPDATE jobs SET history = ?, progress = ?, updated = ? WHERE id = ?",
                (json.dumps(history), json.dumps(entry), time.time(), job_id),
            )

    def queue(self, job_id: str) -> None:
        self.update(job_id, state=QUEUED, queued_at=time.time(), error=None, cancel_requested=0)

    def next_queued(self) -> str | None:
        """The oldest queued job (FIFO by the time it was queued)."""
        with self.connect() as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE state = ? ORDER BY queued_at, created LIMIT 1", (QUEUED,)
            ).fetchone()
        return row["id"] if row else None

    def claim(self, job_id: str) -> bool:
        """Move a queued job to running; False if it is no longer queued (e.g. cancelled meanwhile)."""
        with self.connect() as db:
            cur = db.execute(
                "UPDATE jobs SET state = ?, updated = ? WHERE id = ? AND state = ?",
                (RUNNING, time.time(), job_id, QUEUED),
            )
        return cur.rowcount == 1

    def in_state(self, *states: str) -> list[str]:
        marks = ", ".join("?" for _ in states)
        with self.connect() as db:
            rows = db.execute(f"SELECT id FROM jobs WHERE state IN ({marks})", states).fetchall()
        return [r["id"] for r in rows]

    def cancel_requested(self, job_id: str) -> bool:
        with self.connect() as db:
            row = db.execute("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row["cancel_requested"])

    def delete(self, job_id: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    job = dict(row)
    for key in _JSON_COLUMNS:
        if job.get(key) is not None:
            job[key] = json.loads(job[key])
    job["cancel_requested"] = bool(job["cancel_requested"])
    return job
