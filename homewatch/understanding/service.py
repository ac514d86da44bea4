"""The dialog service: questions in (voice or MQTT), answers and actions out, watches running."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz import fuzz

from homewatch.core.bus import Bus, Command, CommandRejected
from homewatch.core.messages import EventHistory, SceneProvider, Utterance
from homewatch.understanding.alarm import Alarm, AlarmResult, State
from homewatch.understanding.config import DeviceConfig, DialogSetup
from homewatch.understanding.confirm import Confirmations, Pending, verdict_of
from homewatch.understanding.dialog import (
    Answer,
    Dialog,
    Understanding,
    arm_mode,
    counted_objects,
    spoken_pin,
)
from homewatch.understanding.features import vision_vector
from homewatch.understanding.model import PACKAGED, FusionModel
from homewatch.understanding.replies import Reply, noun, where
from homewatch.understanding.schema import INTENTS, OBJECTS, RISKY_INTENTS
from homewatch.understanding.watches import Hysteresis, Watch, WatchStore

log = logging.getLogger(__name__)
T = TypeVar("T")
SnapshotHook = Callable[[str], Awaitable[None]]
MuteHook = Callable[[], AbstractContextManager[None]]
ListenHook = Callable[[float], None]
MAX_QUESTION = 500
ALARM_ACTIONS: dict[str, State | None] = {"ARM_AWAY": "armed_away", "ARM_HOME": "armed_home",
                                          "DISARM": None}
EVENT_TYPES = [*INTENTS, "watch_fired"]
NOT_CAUGHT = "Sorry, I didn't catch that."


@dataclass(frozen=True, slots=True)
class Heard:
    """How sure the ear was of a spoken request (typed requests have none)."""

    confidence: float
    raw: str
    alternative: str | None = None  # an open-vocabulary pass on the same audio


@dataclass(frozen=True, slots=True)
class Context:
    camera_given: bool  # the request named its camera (MQTT `camera`)
    named: bool  # a camera or zone was named, in the request or its words
    now: float


Handler = Callable[[Understanding, Context], Awaitable[Answer]]


def model_path(setup: DialogSetup) -> Path:
    """The configured fusion model, else one in models.dir, else the bundled one."""
    return setup.models.require(setup.settings.model or PACKAGED.name, "fusion model")


class DialogService:
    """Answers spoken and typed questions with the fusion model; runs watches and the alarm."""

    name = "dialog"

    def __init__(self, setup: DialogSetup, bus: Bus, scenes: SceneProvider, history: EventHistory,
                 *, snapshot: SnapshotHook | None = None, model: FusionModel | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.setup = setup
        self.settings = setup.settings
        self.bus = bus
        self.scenes = scenes
        self.history = history
        self._snapshot_hook = snapshot
        self._clock = clock
        ucfg = setup.settings
        self.model = model or FusionModel.load(model_path(setup), ucfg.threads)
        self.dialog = Dialog(ucfg, self.model, self._camera_ids)
        state_dir = setup.state_dir
        self.watches = WatchStore(state_dir / "watches.json",
                                  Hysteresis(ucfg.watch_on, ucfg.watch_off, ucfg.watch_clear_s))
        self.alarm = Alarm(setup.alarm, state_dir / "alarm.json")
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="fusion")
        self._tasks: set[asyncio.Task[None]] = set()
        self._muted: MuteHook = contextlib.nullcontext
        self._listen: ListenHook | None = None
        self.confirmations = Confirmations()
        self.handlers: dict[str, Handler] = {
            "ask_presence": self._presence, "ask_count": self._count,
            "describe": self._describe, "ask_lights": self._lights,
            "last_seen": self._last_seen, "snapshot": self._take_snapshot,
            "watch_start": self._watch_start, "watch_stop": self._watch_stop,
            "arm": self._voice_alarm, "disarm": self._voice_alarm,
            "device_on": self._device, "device_off": self._device, "status": self._status,
        }
        self._last_tick: float | None = None
        bus.add_command("ask", self._on_ask)
        bus.add_command("alarm/set", self._on_alarm_set)
        bus.add_command("watches/set", self._on_watches_set)
        bus.add_command("confirm", self._on_confirm)
        self._add_entities()

    # ---- service protocol ------------------------------------------------------------------

    async def run(self) -> None:
        self.publish_states()
        interval = self.settings.watch_interval_s
        try:
            while True:
                self._last_tick = time.monotonic()
                self.expire_confirmation()
                await self.check_watches()
                if self.problem() is not None:  # the disk was full or read-only: retry
                    await asyncio.to_thread(self.flush_state)
                await asyncio.sleep(interval)
        finally:
            for task in list(self._tasks):
                task.cancel()
            self._executor.shutdown(wait=True, cancel_futures=True)
            await asyncio.to_thread(self.flush_state)

    def problem(self) -> str | None:
        """A state file that cannot be written (disk full or read-only), else None."""
        for what, error in (("alarm", self.alarm.write_error),
                            ("watches", self.watches.write_error)):
            if error is not None:
                return f"{what} state not saved: {error}"
        return None

    def flush_state(self) -> None:
        """Wait for state writes in flight; retry any that failed."""
        self.watches.flush()
        self.alarm.flush()

    def healthy(self) -> bool:
        if self._last_tick is None:
            return True
        allowed = 10 * self.settings.watch_interval_s + 30
        return time.monotonic() - self._last_tick < allowed

    def publish_states(self) -> None:
        self._publish_alarm()
        self._publish_watches()

    def _publish_alarm(self) -> None:
        self.bus.publish_state("alarm/state", self.alarm.state)
        self.bus.publish_state("alarm/attributes", self.alarm.attributes())

    def _publish_watches(self) -> None:
        self.bus.publish_state("watches", json.dumps(self.watches.to_json()))

    # ---- questions -----------------------------------------------------------------------

    async def handle_utterance(self, utt: Utterance) -> Reply:
        """The voice pipeline's callback."""
        return await self.ask(utt.text, heard=Heard(utt.confidence, utt.raw, utt.alternative))

    async def ask(self, text: str, camera: str | None = None,
                  request_id: str | None = None, heard: Heard | None = None) -> Reply:
        reply = await self._answer(text.strip(), camera, request_id or uuid.uuid4().hex[:12],
                                   heard)
        self._send(reply)
        return reply

    def _send(self, reply: Reply) -> None:
        self.bus.publish_event("voice/reply", reply.to_json())
        self._speak(reply.text, listen=reply.confirmation == "asked")

    async def _answer(self, text: str, camera: str | None, request_id: str,
                      heard: Heard | None) -> Reply:
        now = self._clock()
        self.expire_confirmation()
        pending = self.confirmations.take()
        verdict = verdict_of(text)
        if pending is not None and verdict is not None:
            return await self._confirmed(pending, verdict == "yes", request_id, heard, now)
        heard_conf = heard.confidence if heard is not None else None
        if not text:
            return Reply(request_id, text, NOT_CAUGHT, "unknown", None, camera, None, 0.0, None,
                         now, heard_conf, None)
        found = self.dialog.find(text)
        cam, place = self.dialog.resolve_camera(found, camera)
        snapshot = self.scenes.snapshot(cam) if cam else None
        u = await self._infer(self.dialog.understand, text, found, cam, place, snapshot)
        p = u.prediction
        if not self._sure(p.intent, p.intent_conf, heard):
            log.info("not acted on (%s, model %.2f, heard %s): %r", p.intent, p.intent_conf,
                     "typed" if heard_conf is None else f"{heard_conf:.2f}", text)
            return Reply(request_id, text, not_caught(text if heard else None), "unknown", None,
                         cam, None, p.intent_conf, None, now, heard_conf, p.intent_conf)
        ctx = Context(camera is not None, camera is not None
                      or u.found.first("camera", "zone") is not None, now)
        if p.intent in RISKY_INTENTS and self.settings.confirm_risky:
            question = self._question(u, ctx)
            if question is not None:
                deadline = now + self.settings.confirm_timeout_s
                self.confirmations.ask(Pending(u, question, ctx.camera_given, deadline))
                return self._reply(request_id, u, Answer(question), heard_conf, "asked")
        answer = await self.handlers[p.intent](u, ctx)
        return self._reply(request_id, u, answer, heard_conf)

    def _sure(self, intent: str, model_conf: float, heard: Heard | None) -> bool:
        """Sure enough to act: a known intent, a clear recording, a confident model."""
        if intent == "unknown" or model_conf < self.settings.min_confidence:
            return False
        if heard is None:
            return model_conf >= self.settings.intent_confidence.get(intent, 0.0)
        if heard.confidence < self.settings.min_heard_confidence:
            return False
        if heard.alternative is not None and disagree(heard.raw, heard.alternative):
            return False
        need = self.settings.intent_confidence.get(intent, self.settings.min_confidence)
        return min(model_conf, heard.confidence) >= need

    def _reply(self, request_id: str, u: Understanding, answer: Answer,
               heard_conf: float | None, confirmation: str | None = None) -> Reply:
        p = u.prediction
        obj = p.object if p.object != "none" else None
        return Reply(request_id, u.text, answer.text, p.intent, obj, u.camera, answer.answer,
                     min(answer.confidence, p.intent_conf), answer.count, self._clock(),
                     heard_conf, p.intent_conf, confirmation)

    async def _confirmed(self, pending: Pending, yes: bool, request_id: str,
                         heard: Heard | None, now: float) -> Reply:
        u = pending.understanding
        heard_conf = heard.confidence if heard is not None else None
        if not yes:
            return self._reply(request_id, u, Answer("OK, I won't."), heard_conf, "cancelled")
        ctx = Context(pending.camera_given, pending.camera_given
                      or u.found.first("camera", "zone") is not None, now)
        answer = await self.handlers[u.prediction.intent](u, ctx)
        return self._reply(request_id, u, answer, heard_conf, "confirmed")

    def expire_confirmation(self) -> None:
        """Silence past the deadline cancels the open question."""
        pending = self.confirmations.expired(self._clock())
        if pending is not None:
            log.info("confirmation not answered: %r", pending.understanding.text)
            self._send(self._reply(uuid.uuid4().hex[:12], pending.understanding,
                                   Answer("No answer, so I did nothing."), None, "expired"))

    def _question(self, u: Understanding, ctx: Context) -> str | None:
        """What to ask before a risky action; None when nothing would be done anyway."""
        intent = u.prediction.intent
        if intent in ("device_on", "device_off"):
            device = self._device_heard(u)
            state = "on" if intent == "device_on" else "off"
            return None if device is None else f"Turn {state} the {device.name}?"
        if intent == "watch_stop":
            n = len(self.watches)
            return None if n == 0 else (f"Stop watching the {u.place}?" if ctx.named and u.place
                                        else f"Stop {'the watch' if n == 1 else 'all watches'}?")
        if intent == "disarm":
            return None if spoken_pin(u.text) is None else "Disarm the alarm?"
        return "Arm the alarm?"

    async def _on_confirm(self, command: Command) -> None:
        """`yes` / `no` to the open question."""
        verdict = verdict_of(parse_text(command.payload, "confirm"))
        if verdict is None:
            raise CommandRejected("bad_payload", "confirm takes yes or no")
        if not self.confirmations.open:
            raise CommandRejected("not_found", "there is no question to answer")
        await self.ask(verdict)

    async def _infer(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    # ---- one handler per intent -------------------------------------------------------------

    async def _presence(self, u: Understanding, ctx: Context) -> Answer:
        return await self._infer(self.dialog.presence_answer, u, ctx.now)

    async def _count(self, u: Understanding, ctx: Context) -> Answer:
        return await self._infer(self.dialog.count_answer, u)

    async def _describe(self, u: Understanding, ctx: Context) -> Answer:
        return await self._infer(self.dialog.describe_answer, u)

    async def _lights(self, u: Understanding, ctx: Context) -> Answer:
        return self.dialog.lights_answer(u)

    async def _last_seen(self, u: Understanding, ctx: Context) -> Answer:
        # a database query: off the event loop too
        return await self._infer(self.dialog.last_seen_answer, u, self.history, ctx.named,
                                 ctx.now)

    async def _take_snapshot(self, u: Understanding, ctx: Context) -> Answer:
        if u.camera is None:
            return Answer("There is no camera to take a snapshot with.")
        if self._snapshot_hook is None:
            return Answer("Snapshots are not available.")
        await self._snapshot_hook(u.camera)
        return Answer(f"Snapshot of the {u.place} taken.")

    async def _watch_start(self, u: Understanding, ctx: Context) -> Answer:
        if u.camera is None:
            return Answer("There is no camera to watch.")
        obj = u.prediction.object
        self.watches.add(u.camera, obj, u.text, ctx.now)
        self._publish_watches()
        what = "anything" if obj == "none" else f"a {obj}"
        return Answer(f"OK, I'll tell you when {what} is{where(u.place)}.")

    async def _watch_stop(self, u: Understanding, ctx: Context) -> Answer:
        named = ctx.named
        obj = u.prediction.object
        gone = self.watches.remove(camera=u.camera if named else None,
                                   obj=obj if obj != "none" else None)
        if not gone:
            return Answer("There was no watch to stop.")
        self._publish_watches()
        return Answer(f"Stopped {len(gone)} watch{'es' if len(gone) != 1 else ''}"
                      f"{where(u.place) if named else ''}.")

    async def _voice_alarm(self, u: Understanding, ctx: Context) -> Answer:
        if u.prediction.intent == "arm":
            result = self.alarm.arm(arm_mode(u.text), spoken_pin(u.text), "voice")  # type: ignore[arg-type]
        else:
            result = self.alarm.disarm(spoken_pin(u.text), "voice")
        self._publish_alarm()
        return Answer(alarm_text(result, u.prediction.intent))

    async def _device(self, u: Understanding, ctx: Context) -> Answer:
        device = self._device_heard(u)
        state = "on" if u.prediction.intent == "device_on" else "off"
        if device is None:
            known = ", ".join(d.name for d in self.settings.devices)
            return Answer(f"Which device? I know: {known}." if known else
                          "No devices are configured.")
        self.bus.publish_event(f"intent/{u.prediction.intent}", {
            "intent": u.prediction.intent, "device": device.device_id, "name": device.name,
            "state": state.upper(), "text": u.text, "ts": ctx.now})
        return Answer(f"Turning {state} the {device.name}.")

    def _device_heard(self, u: Understanding) -> DeviceConfig | None:
        devices = {d.device_id: d for d in self.settings.devices}
        match = u.found.first("device")
        if match is not None:
            return devices.get(match.name.target)
        # A device name half-heard, or overlapping a camera name ("kitchen light"/"kitchen").
        best = max(devices.values(), default=None,
                   key=lambda d: fuzz.partial_ratio(d.name, u.text.lower()))
        if best is not None and fuzz.partial_ratio(best.name, u.text.lower()) >= 70:
            return best
        return None

    async def _status(self, u: Understanding, ctx: Context) -> Answer:
        cameras = self._camera_ids()
        live = sum(1 for c in cameras if self.scenes.snapshot(c) is not None)
        state = self.alarm.state.replace("_", " ")
        n = len(self.watches)
        return Answer(f"{live} of {len(cameras)} cameras reporting, alarm {state}, "
                      f"{n} watch{'es' if n != 1 else ''} active.")

    # ---- watches --------------------------------------------------------------------------

    async def check_watches(self) -> list[Watch]:
        """Evaluate every watch on its camera's current scene; returns those that fired."""
        fired: list[Watch] = []
        now = self._clock()
        for watch in self.watches.all():
            snapshot = self.scenes.snapshot(watch.camera)
            vision = vision_vector(snapshot, self.model.spec)
            verdict = await self._infer(self.dialog.presence, watch.object, vision)
            p_yes = verdict.answer_p if snapshot is not None else 0.0
            hit = self.watches.update(watch.id, p_yes, now)
            if hit is not None:
                fired.append(hit)
                label = "person" if watch.object == "none" else watch.object
                self._announce(hit, counted_objects(label, verdict, snapshot), p_yes, now)
        if fired:
            self._publish_watches()
        return fired

    def _announce(self, watch: Watch, count: int, p_yes: float, now: float) -> None:
        place = self.dialog.place_of(watch.camera)
        what = "Something is" if watch.object == "none" else (
            f"{max(1, count)} {noun(watch.object, max(1, count))} "
            f"{'is' if max(1, count) == 1 else 'are'}")
        text = f"{what} at the {place}."
        self.bus.publish_event("watches/fired", {**watch.to_json(), "p": round(p_yes, 3),
                                                 "ts": now})
        reply = Reply(watch.id, watch.text, text, "watch_fired",
                      None if watch.object == "none" else watch.object, watch.camera, True,
                      p_yes, count, now)
        self.bus.publish_event("voice/reply", reply.to_json())
        self._speak(text)

    # ---- commands -------------------------------------------------------------------------

    async def _on_ask(self, command: Command) -> None:
        text, camera, request_id = parse_ask(command.payload, self._camera_ids())
        await self.ask(text, camera, request_id)

    async def _on_alarm_set(self, command: Command) -> None:
        action, code = parse_alarm(command.payload)
        mode = ALARM_ACTIONS[action]
        if mode is None:
            result = self.alarm.disarm(code, "mqtt", require_code=False)
        else:
            result = self.alarm.arm(mode, code, "mqtt")
        self._publish_alarm()
        if not result.ok:
            text = alarm_text(result, action.lower())
            self._reply_refusal(action, text)
            raise CommandRejected(result.reason, text)

    def _reply_refusal(self, action: str, text: str) -> None:
        """A refused panel command also reaches Home Assistant's reply event entity."""
        intent = "disarm" if action == "DISARM" else "arm"
        reply = Reply(uuid.uuid4().hex[:12], f"alarm/set {action}", text, intent, None, None,
                      False, 1.0, None, self._clock())
        self.bus.publish_event("voice/reply", reply.to_json())

    async def _on_watches_set(self, command: Command) -> None:
        data = parse_json_object(command.payload, "watches/set")
        action = data.get("action")
        if action == "add":
            camera, obj = data.get("camera"), data.get("object", "person")
            if camera not in self._camera_ids():
                raise CommandRejected("unknown_camera", f"no camera named {camera!r}")
            if obj not in OBJECTS:
                raise CommandRejected("bad_request", f"object must be one of {list(OBJECTS)}")
            self.watches.add(str(camera), str(obj), str(data.get("text", "")), self._clock())
        elif action == "remove":
            if not isinstance(data.get("id"), str):
                raise CommandRejected("bad_request", "remove needs an 'id'")
            if not self.watches.remove(watch_id=data["id"]):
                raise CommandRejected("not_found", f"no watch with id {data['id']!r}")
        elif action == "clear":
            self.watches.remove()
        else:
            raise CommandRejected("bad_request", "action must be add, remove or clear")
        self._publish_watches()

    # ---- helpers --------------------------------------------------------------------------

    def _camera_ids(self) -> list[str]:
        configured = list(self.setup.cameras)
        return list(dict.fromkeys([*configured, *self.scenes.cameras()]))

    def mute_while_speaking(self, muted: MuteHook) -> None:
        """Keep the microphone deaf while a reply is spoken (the voice pipeline's `muted`)."""
        self._muted = muted

    def listen_for_answers(self, listen: ListenHook) -> None:
        """Reopen the microphone without the wake phrase after a question (`listen(seconds)`)."""
        self._listen = listen

    def _speak(self, text: str, listen: bool = False) -> None:
        argv = self.settings.tts_command
        if not argv:
            self._reopen(listen)
            return
        task = asyncio.get_running_loop().create_task(self._speak_muted(argv, text, listen))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _speak_muted(self, argv: tuple[str, ...], text: str, listen: bool) -> None:
        with self._muted():
            await speak(argv, text, self.settings.tts_timeout_s)
        self._reopen(listen)

    def _reopen(self, listen: bool) -> None:
        if listen and self._listen is not None:
            self._listen(self.settings.confirm_timeout_s)

    def _add_entities(self) -> None:
        self.bus.add_entity("reply", {"p": "event", "name": "Voice reply",
                                      "state_topic": "~/voice/reply",
                                      "event_types": EVENT_TYPES, "icon": "mdi:message-reply"})
        self.bus.add_entity("ask", {"p": "text", "name": "Ask", "command_topic": "~/ask",
                                    "max": 255, "icon": "mdi:chat-question"})
        alarm: dict[str, Any] = {
            "p": "alarm_control_panel", "name": "Alarm", "state_topic": "~/alarm/state",
            "command_topic": "~/alarm/set", "supported_features": ["arm_home", "arm_away"],
            "command_template": '{"action": "{{ action }}", "code": "{{ code }}"}',
            "code_arm_required": self.setup.alarm.code_arm_required,
            "code_disarm_required": self.setup.alarm.code is not None,
            "json_attributes_topic": "~/alarm/attributes"}
        if self.setup.alarm.code is not None:
            alarm["code"] = "REMOTE_CODE"
        self.bus.add_entity("alarm", alarm)
        self.bus.add_entity("alarm_refusal", {
            "p": "sensor", "name": "Alarm last refusal", "entity_category": "diagnostic",
            "state_topic": "~/alarm/attributes", "icon": "mdi:shield-alert",
            "value_template": "{{ value_json.last_refusal.reason if value_json.last_refusal "
                              "else 'none' }}",
            "json_attributes_topic": "~/alarm/attributes"})
        self.bus.add_entity("watches", {"p": "sensor", "name": "Watches",
                                        "state_topic": "~/watches",
                                        "value_template": "{{ value_json | length }}",
                                        "icon": "mdi:eye-check"})

    def close(self) -> None:
        """For offline use without `run()`."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.flush_state()


def not_caught(heard: str | None) -> str:
    return f"{NOT_CAUGHT} I heard: {heard}." if heard else f"{NOT_CAUGHT} Could you say it again?"


def disagree(heard: str, alternative: str, least: float = 0.5) -> bool:
    """The open-vocabulary pass heard something else: the words overlap too little."""
    if not heard:
        return False
    return fuzz.token_set_ratio(heard, alternative) < least * 100


def alarm_text(result: AlarmResult, intent: str) -> str:
    if result.ok:
        return "Alarm disarmed." if result.state == "disarmed" else \
            f"Alarm {result.state.replace('_', ' ')}."
    verb = "disarm" if intent == "disarm" else "arm"
    reasons = {
        "no_code": f"I need the alarm code to {verb}.",
        "wrong_code": "That code is wrong.",
        "locked": f"Too many wrong codes; try again in {round(result.retry_in)} seconds.",
        "not_configured": f"No alarm code is configured, so I can't {verb} by voice.",
    }
    return reasons.get(result.reason, "Refused.")


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


def parse_ask(payload: bytes, cameras: list[str]) -> tuple[str, str | None, str | None]:
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
    return text, camera, None if request_id is None else str(request_id)


def parse_alarm(payload: bytes) -> tuple[str, str | None]:
    """`ARM_AWAY` | `ARM_HOME` | `DISARM` [code], or JSON `{action, code}`."""
    raw = parse_text(payload, "alarm/set")
    if raw.startswith("{"):
        data = parse_json_object(payload, "alarm/set")
        action, code = data.get("action"), data.get("code")
    else:
        action, _, code = raw.partition(" ")
    if not isinstance(action, str) or action.upper() not in ALARM_ACTIONS:
        raise CommandRejected("bad_request", f"action must be one of {list(ALARM_ACTIONS)}")
    return action.upper(), given_code(code)


def given_code(code: object) -> str | None:
    """Home Assistant's template renders a missing code as "None" (or "null"): no code."""
    text = "" if code is None else str(code).strip()
    return None if text.lower() in ("", "none", "null") else text


async def speak(argv: tuple[str, ...], text: str, limit_s: float) -> None:
    """Run the user's TTS command; failures are logged, never raised."""
    uses_arg = any("{text}" in a for a in argv)
    args = [a.replace("{text}", text) for a in argv]
    try:
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL if uses_arg else asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        log.warning("tts command %s failed to start: %s", argv[0], exc)
        return
    try:
        _, err = await asyncio.wait_for(
            proc.communicate(None if uses_arg else text.encode()), limit_s)
    except TimeoutError:
        log.warning("tts command %s timed out after %.0f s", argv[0], limit_s)
        await _kill(proc)
        return
    except asyncio.CancelledError:
        await _kill(proc)
        raise
    if proc.returncode:
        log.warning("tts command %s exited %s: %s", argv[0], proc.returncode,
                    err.decode(errors="replace").strip()[:200])


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await proc.wait()
