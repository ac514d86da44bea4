"""The SQLite event history: upserts, last_seen queries, retention."""

from __future__ import annotations

from pathlib import Path

from homewatch.vision.events import ObjectEvent
from homewatch.vision.history import SqliteHistory


def _event(kind: str, event_id: str, camera: str, label: str, seen: float) -> ObjectEvent:
    return ObjectEvent(kind, event_id, camera, label, 0.7, 0.8, (1, 2, 3, 4),  # type: ignore[arg-type]
                       ("porch",), 1000.0, seen if kind == "end" else None, f"{event_id}.jpg",
                       False, seen)


def test_last_seen_and_retention(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "h.sqlite3", retention_days=1)
    history.record([_event("new", "a", "front_door", "person", 1000.0),
                    _event("new", "b", "garage", "car", 1500.0)])
    history.record([_event("end", "a", "front_door", "person", 2000.0)])
    assert history.last_seen("person") == ("front_door", 2000.0)
    assert history.last_seen("person", "garage") is None
    assert history.last_seen("dog") is None
    assert [r["id"] for r in history.recent()] == ["a", "b"]
    assert history.prune(now=1500.0 + 86400 + 1) == 1  # b is older than a day, a is not
    assert history.last_seen("car") is None
    history.close()
    reopened = SqliteHistory(tmp_path / "h.sqlite3", retention_days=1)
    assert reopened.last_seen("person") == ("front_door", 2000.0)
    reopened.close()
