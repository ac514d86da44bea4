"""The dialog's MQTT API: replies, intents, alarm and watches out; questions, alarm and watch
commands, confirmations in; the Home Assistant reply, ask, alarm and watches entities."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from homewatch.core.api import Api, Declaration, Json, Route, command, published
from homewatch.core.commands import CommandRejected
from homewatch.understanding.alarm import State
from homewatch.understanding.config import AlarmConfig
from homewatch.understanding.confirm import Verdict, verdict_of
from homewatch.understanding.schema import INTENTS, OBJECTS

REPLY = published("voice/reply", "JSON `{id, question, text, intent, object, camera, answer, "
                  "confidence, heard_confidence, model_confidence, confirmation, count, ts}`, "
                  "plus `details` for whole-home answers and summaries")
DEVICE_EVENT = "JSON `{device, name, state, text, ts}` for Home Assistant automations"
DEVICE_ON = published("intent/device_on", DEVICE_EVENT)
DEVICE_OFF = published("intent/device_off", DEVICE_EVENT)
ALARM_STATE = published("alarm/state", "alarm state", retained=True)
ALARM_ATTRIBUTES = published("alarm/attributes", "JSON `{last_refusal, locked, locked_for_s, "
                             "wrong_codes, lockouts, state_file_damaged}`", retained=True)
WATCHES = published("watches", "list of watches", retained=True)
WATCH_FIRED = published("watches/fired", "JSON, once per watch trigger")
ASK = command("ask", "question as text, or JSON `{text, id?, camera?}`; answer on "
              "`voice/reply`")
CONFIRM = command("confirm", "`yes` / `no` to the open confirmation question (\"Turn on the "
                  "porch light?\")")
ALARM_SET = command("alarm/set", "`ARM_AWAY`, `ARM_HOME`, `DISARM 1234` or JSON "
                    "`{action, code}`")
WATCHES_SET = command("watches/set", "JSON `{action: add|remove|clear, …}`")
DIALOG = Declaration("dialog", (REPLY, DEVICE_ON, DEVICE_OFF, ALARM_STATE, ALARM_ATTRIBUTES,
                                WATCHES, WATCH_FIRED, ASK, CONFIRM, ALARM_SET, WATCHES_SET))

MAX_QUESTION = 500
AlarmAction = Literal["ARM_AWAY", "ARM_HOME", "DISARM"]
ALARM_ACTIONS: dict[AlarmAction, State | None] = {"ARM_AWAY": "armed_away",
                                                  "ARM_HOME": "armed_home", "DISARM": None}
EVENT_TYPES = [*INTENTS, "watch_fired"]


@dataclass(frozen=True, slots=True)
class Ask:
    text: str
    camera: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmCommand:
    action: AlarmAction
    code: str | None


@dataclass(frozen=True, slots=True)
class WatchAdd:
    camera: str
    object: str
    text: str


@dataclass(frozen=True, slots=True)
class WatchRemove:
    watch_id: str


@dataclass(frozen=True, slots=True)
class WatchClear:
    pass


WatchCommand = WatchAdd | WatchRemove | WatchClear


class DialogCommands(Protocol):
    """What answers the dialog's commands."""

    def cameras(self) -> list[str]: ...

    async def ask(self, request: Ask) -> None: ...

    async def confirm(self, verdict: Verdict) -> None: ...

    async def set_alarm(self, request: AlarmCommand) -> None: ...

    async def set_watches(self, request: WatchCommand) -> None: ...


def dialog_api(commands: DialogCommands, alarm: AlarmConfig) -> Api:
    cameras: Callable[[], list[str]] = commands.cameras
    return Api(DIALOG, (
        Route(ASK, lambda c: parse_ask(c.payload, cameras()), commands.ask),
        Route(ALARM_SET, lambda c: parse_alarm(c.payload), commands.set_alarm),
        Route(WATCHES_SET, lambda c: parse_watches(c.payload, cameras()), commands.set_watches),
        Route(CONFIRM, lambda c: parse_confirm(c.payload), commands.confirm),
    ), dialog_components(alarm))


def dialog_components(alarm: AlarmConfig) -> dict[str, Json]:
    panel: Json = {
        "p": "alarm_control_panel", "name": "Alarm", "state_topic": "~/alarm/state",
        "command_topic": "~/alarm/set", "supported_features": ["arm_home", "arm_away"],
        "command_template": '{"action": "{{ action }}", "code": "{{ code }}"}',
        "code_arm_required": alarm.code_arm_required,
        "code_disarm_required": alarm.code is not None,
        "json_attributes_topic": "~/alarm/attributes"}
    if alarm.code is not None:
        panel["code"] = "REMOTE_CODE"
    return {
        "reply": {"p": "event", "name": "Voice reply", "state_topic": "~/voice/reply",
                  "event_types": EVENT_TYPES, "icon": "mdi:message-reply"},
        "ask": {"p": "text", "name": "Ask", "command_topic": "~/ask", "max": 255,
                "icon": "mdi:chat-question"},
        "alarm": panel,
        "alarm_refusal": {
            "p": "sensor", "name": "Alarm last refusal", "entity_category": "diagnostic",
            "state_topic": "~/alarm/attributes", "icon": "mdi:shield-alert",
            "value_template": "{{ value_json.last_refusal.reason if value_json.last_refusal "
                              "else 'none' }}",
            "json_attributes_topic": "~/alarm/attributes"},
        "watches": {"p": "sensor", "name": "Watches", "state_topic": "~/watches",
                    "value_template": "{{ value_json | length }}", "icon": "mdi:eye-check"},
    }


def parse_json_object(payload: bytes, topic: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise CommandRejected("bad_json", f"{topic} needs a JSON object") from None
    if not isinstance(data, dict):
        raise CommandRejected("bad_json", f"{topic} needs a JSON object")
    return data


def parse_text(payload: bytes, topic: str) -> str:
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CommandRejected("bad_request", f"{topic} payload is not UTF-8 text") from None


def parse_ask(payload: bytes, cameras: Sequence[str]) -> Ask:
    """Plain text, or JSON `{text, id?, camera?}`."""
    raw = parse_text(payload, "ask")
    if raw.startswith("{"):
        data = parse_json_object(payload, "ask")
        text, camera, request_id = data.get("text"), data.get("camera"), data.get("id")
        if not isinstance(text, str):
            raise CommandRejected("bad_request", "ask needs a 'text' string")
        if camera is not None and camera not in cameras:
            raise CommandRejected("unknown_camera", f"no camera named {camera!r}")
        if request_id is not None and not isinstance(request_id, str | int):
            raise CommandRejected("bad_request", "'id' must be a string or number")
    else:
        text, camera, request_id = raw, None, None
    text = text.strip()
    if not text:
        raise CommandRejected("bad_request", "ask needs a question")
    if len(text) > MAX_QUESTION:
        raise CommandRejected("bad_request", f"question longer than {MAX_QUESTION} characters")
    return Ask(text, camera, None if request_id is None else str(request_id))


def parse_alarm(payload: bytes) -> AlarmCommand:
    """`ARM_AWAY` | `ARM_HOME` | `DISARM` [code], or JSON `{action, code}`."""
    raw = parse_text(payload, "alarm/set")
    if raw.startswith("{"):
        data = parse_json_object(payload, "alarm/set")
        action, code = data.get("action"), data.get("code")
    else:
        action, _, code = raw.partition(" ")
    for known in ALARM_ACTIONS:
        if isinstance(action, str) and action.upper() == known:
            return AlarmCommand(known, given_code(code))
    raise CommandRejected("bad_request", f"action must be one of {list(ALARM_ACTIONS)}")


def given_code(code: object) -> str | None:
    """Home Assistant's template renders a missing code as "None" (or "null"): no code."""
    text = "" if code is None else str(code).strip()
    return None if text.lower() in ("", "none", "null") else text


def parse_watches(payload: bytes, cameras: Sequence[str]) -> WatchCommand:
    """JSON `{action: add, camera, object?, text?}`, `{action: remove, id}`, `{action: clear}`."""
    data = parse_json_object(payload, "watches/set")
    action = data.get("action")
    if action == "add":
        camera, obj = data.get("camera"), data.get("object", "person")
        if camera not in cameras:
            raise CommandRejected("unknown_camera", f"no camera named {camera!r}")
        if obj not in OBJECTS:
            raise CommandRejected("bad_request", f"object must be one of {list(OBJECTS)}")
        return WatchAdd(str(camera), str(obj), str(data.get("text", "")))
    if action == "remove":
        watch_id = data.get("id")
        if not isinstance(watch_id, str):
            raise CommandRejected("bad_request", "remove needs an 'id'")
        return WatchRemove(watch_id)
    if action == "clear":
        return WatchClear()
    raise CommandRejected("bad_request", "action must be add, remove or clear")


def parse_confirm(payload: bytes) -> Verdict:
    """`yes` / `no` (or another answer the language knows)."""
    verdict = verdict_of(parse_text(payload, "confirm"))
    if verdict is None:
        raise CommandRejected("bad_payload", "confirm takes yes or no")
    return verdict
