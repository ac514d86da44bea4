"""The dialog's handlers for questions with a scope: presence, count, where and summary.

A question naming one place keeps the one-camera answers (`dialog.py`), except that an
emptiness question flips its yes/no; otherwise the scope's cameras are asked
(`whole.py`), and summaries read the event history (`summary.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from homewatch.core.messages import EventHistory, EventLog, SceneProvider
from homewatch.language.periods import Period, parse_period
from homewatch.language.polarity import polarity
from homewatch.understanding.alarm import Alarm, ArmedSpan
from homewatch.understanding.config import DialogSetup
from homewatch.understanding.dialog import Answer, Dialog, Understanding
from homewatch.understanding.scope import Scope, resolve_scope
from homewatch.understanding.summary import summarize
from homewatch.understanding.watches import WatchStore
from homewatch.understanding.whole import WholeHome

T = TypeVar("T")


class Infer(Protocol):
    """Runs a function in the dialog's inference thread."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


class Asked(Protocol):
    """What a handler knows of the request besides its words."""

    @property
    def camera_given(self) -> bool: ...

    @property
    def now(self) -> float: ...


NamedHandler = Callable[[Understanding, Any], Awaitable[Answer]]


def last_away(spans: Sequence[ArmedSpan]) -> tuple[float, float | None] | None:
    """The last time the alarm was armed away (start, end or None while still armed)."""
    away = [s for s in spans if s.mode == "armed_away"]
    return None if not away else (away[-1].start, away[-1].end)


class ScopedHandlers:
    def __init__(self, setup: DialogSetup, dialog: Dialog, *, scenes: SceneProvider,
                 history: EventHistory, cameras: Callable[[], list[str]], infer: Infer,
                 alarm: Alarm, watches: WatchStore) -> None:
        self.settings = setup.settings
        self.dialog = dialog
        self.history = history
        self.cameras = cameras
        self.infer = infer
        self.alarm = alarm
        self.watches = watches
        self.whole = WholeHome(dialog, scenes, setup.overlaps)

    def table(self, named_presence: NamedHandler, named_count: NamedHandler,
              named_describe: NamedHandler, named_last_seen: NamedHandler
              ) -> dict[str, NamedHandler]:
        """Handlers by intent; one-place questions go to `named_*` as before (and "when did
        you last see" about the whole home: the history already covers every camera)."""
        async def presence(u: Understanding, ctx: Asked) -> Answer:
            scope, pol = self.scope(u, ctx), polarity(u.text)
            if scope.kind == "named" and pol == "pos":
                return await named_presence(u, ctx)
            return await self.infer(self.whole.presence, u, scope, pol)

        async def count(u: Understanding, ctx: Asked) -> Answer:
            scope = self.scope(u, ctx)
            if scope.kind == "named":
                return await named_count(u, ctx)
            return await self.infer(self.whole.count, u, scope)

        async def describe(u: Understanding, ctx: Asked) -> Answer:
            scope = self.scope(u, ctx)
            if scope.kind == "named":
                return await named_describe(u, ctx)
            return await self.infer(self.whole.describe, u, scope)

        async def last_seen(u: Understanding, ctx: Asked) -> Answer:
            scope = self.scope(u, ctx)
            if scope.kind != "group":
                return await named_last_seen(u, ctx)
            return await self.infer(self.whole.last_seen, u, scope, self.history, ctx.now)

        return {"ask_presence": presence, "ask_count": count, "describe": describe,
                "last_seen": last_seen, "ask_where": self.where, "summary": self.summary}

    def scope(self, u: Understanding, ctx: Asked) -> Scope:
        requested = u.camera if ctx.camera_given else None
        return resolve_scope(u.found, requested, self.settings.camera_groups, self.cameras())

    async def where(self, u: Understanding, ctx: Asked) -> Answer:
        return await self.infer(self.whole.where, u, self.scope(u, ctx), self.history, ctx.now)

    def period(self, text: str, now: float) -> Period:
        local = datetime.fromtimestamp(now).astimezone()
        return parse_period(text, local, last_away(self.alarm.armed_spans()))

    async def summary(self, u: Understanding, ctx: Asked) -> Answer:
        scope = self.scope(u, ctx)
        period = self.period(u.text, ctx.now)
        if not isinstance(self.history, EventLog):
            return Answer("I keep no event history, so I can't tell what happened.", None,
                          None, u.prediction.intent_conf, None, ())
        cameras = None if scope.kind == "all" else list(scope.cameras)
        events = await self.infer(self.history.events, period.start_ts, period.end_ts, cameras)
        return summarize(events, period, scope, place_of=self.dialog.place_of,
                         spans=self.alarm.armed_spans(), watches=self.watches.all(),
                         now=ctx.now, confidence=u.prediction.intent_conf)
