"""When this device last received something written by each pseudonym: the "last seen"
column of the coordinator's device list (the server keeps no such time, on purpose)."""

from __future__ import annotations

from .store.db import Connection


def last_written(conn: Connection) -> dict[str, str]:
    """Pseudonym → the newest creation time (ISO 8601) of a version it wrote."""
    return {str(author): str(at) for author, at in conn.execute(
        "SELECT author, max(created_at) FROM version GROUP BY author")}
