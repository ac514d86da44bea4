"""The durable outbox on its own: order, bounds, persistence."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from homewatch.core.bus import topic_matches
from homewatch.mqtt.outbox import Outbox, OutboxMessage


def messages(start: int, count: int) -> list[OutboxMessage]:
    return [OutboxMessage("t", str(i).encode()) for i in range(start, start + count)]


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.integers(1, 30), min_size=1, max_size=12), limit=st.integers(10, 60),
       acks=st.integers(0, 20))
def test_keeps_the_newest_in_order_within_the_limit(batches: list[int], limit: int, acks: int
                                                    ) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outbox = Outbox(Path(tmp) / "o.db", limit)
        sent = 0
        for size in batches:
            outbox.append(messages(sent, size))
            sent += size
        rows = outbox.peek(0, 10_000)
        kept = list(range(max(0, sent - limit), sent))
        assert [int(r.payload) for r in rows] == kept
        assert outbox.depth() == len(kept) and outbox.dropped == sent - len(kept)
        outbox.ack([r.id for r in rows[:acks]])
        outbox.close()
        reopened = Outbox(Path(tmp) / "o.db", limit)
        assert [int(r.payload) for r in reopened.peek(0, 10_000)] == kept[acks:]
        assert reopened.depth() == len(kept[acks:])
        reopened.close()


def test_topic_filters() -> None:
    assert topic_matches("+/detect/set", "front_door/detect/set")
    assert topic_matches("voice/#", "voice/listen")
    assert not topic_matches("+/detect/set", "front_door/snapshot/take")
    assert not topic_matches("ask", "ask/extra")
    assert not topic_matches("+/set", "a/b/set")
