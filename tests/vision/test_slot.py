"""The latest-wins slot between a capture thread and the loop."""

from __future__ import annotations

import asyncio
import threading

from homewatch.vision.slot import LatestSlot


def test_latest_wins_and_drops_are_counted() -> None:
    async def scenario() -> tuple[int, int, int]:
        slot: LatestSlot[int] = LatestSlot(asyncio.get_running_loop())
        thread = threading.Thread(target=lambda: [slot.put(i) for i in range(3)])
        thread.start()
        thread.join()
        first = await slot.get()
        late = threading.Timer(0.05, slot.put, args=(7,))
        late.start()
        second = await asyncio.wait_for(slot.get(), 5)
        return first, second, slot.dropped

    assert asyncio.run(scenario()) == (2, 7, 2)
