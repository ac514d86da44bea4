"""The dialog's MQTT commands, each handed a request its parser accepted (see `api`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from homewatch.core.commands import CommandRejected
from homewatch.understanding.api import (
    ALARM_ACTIONS,
    REPLY,
    AlarmCommand,
    Ask,
    WatchAdd,
    WatchCommand,
    WatchRemove,
)
from homewatch.understanding.confirm import Verdict
from homewatch.understanding.replies import Reply, alarm_text

if TYPE_CHECKING:
    from homewatch.understanding.service import DialogService


class DialogCommands:
    """Questions, confirmations, the alarm panel and watch edits arriving over MQTT."""

    def __init__(self, service: DialogService) -> None:
        self.service = service

    def cameras(self) -> list[str]:
        return self.service.camera_ids()

    async def ask(self, request: Ask) -> None:
        await self.service.ask(request.text, request.camera, request.request_id)

    async def confirm(self, verdict: Verdict) -> None:
        """`yes` / `no` to the open question."""
        if not self.service.confirmations.open:
            raise CommandRejected("not_found", "there is no question to answer")
        await self.service.ask(verdict)

    async def set_alarm(self, request: AlarmCommand) -> None:
        alarm, mode = self.service.alarm, ALARM_ACTIONS[request.action]
        if mode is None:
            result = alarm.disarm(request.code, "mqtt", require_code=False)
        else:
            result = alarm.arm(mode, request.code, "mqtt")
        self.service.publish_alarm()
        if not result.ok:
            text = alarm_text(result, request.action.lower())
            self._reply_refusal(request.action, text)
            raise CommandRejected(result.reason, text)

    def _reply_refusal(self, action: str, text: str) -> None:
        """A refused panel command also reaches Home Assistant's reply event entity."""
        intent = "disarm" if action == "DISARM" else "arm"
        reply = Reply(uuid.uuid4().hex[:12], f"alarm/set {action}", text, intent, None, None,
                      False, 1.0, None, self.service.clock())
        self.service.bus.publish_event(REPLY.pattern, reply.to_json())

    async def set_watches(self, request: WatchCommand) -> None:
        watches = self.service.watches
        if isinstance(request, WatchAdd):
            watches.add(request.camera, request.object, request.text, self.service.clock())
        elif isinstance(request, WatchRemove):
            if not watches.remove(watch_id=request.watch_id):
                raise CommandRejected("not_found", f"no watch with id {request.watch_id!r}")
        else:
            watches.remove()
        self.service.publish_watches()
