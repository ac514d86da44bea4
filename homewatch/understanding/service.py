"""The dialog service: questions in (voice or MQTT), answers and actions out, watches running."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz import fuzz

from homewatch.core.bus import Bus
from homewatch.core.messages import EventHistory, SceneProvider, Utterance
from homewatch.understanding.alarm import Alarm
from homewatch.understanding.api import dialog_api
from homewatch.understanding.commands import DialogCommands
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
from homewatch.understanding.hearing import NOT_CAUGHT, Heard, not_caught, sure
from homewatch.understanding.model import PACKAGED, FusionModel
from homewatch.understanding.replies import Reply, alarm_text, noun, where
from homewatch.understanding.schema import RISKY_INTENTS
from homewatch.understanding.scoped import ScopedHandlers
from homewatch.understanding.speech import Speech
from homewatch.understanding.watches import Hysteresis, Watch, WatchStore

log = logging.getLogger(__name__)
T = TypeVar("T")
SnapshotHook = Callable[[str], Awaitable[None]]


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
        self.clock = clock
        ucfg = setup.settings
        self.model = model or FusionModel.load(model_path(setup), ucfg.threads)
        self.dialog = Dialog(ucfg, self.model, self.camera_ids)
        state_dir = setup.state_dir
        self.watches = WatchStore(state_dir / "watches.json",
                                  Hysteresis(ucfg.watch_on, ucfg.watch_off, ucfg.watch_clear_s))
        self.alarm = Alarm(setup.alarm, state_dir / "alarm.json")
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="fusion")
        self.speech = Speech(ucfg)
        self.confirmations = Confirmations()
        self.handlers: dict[str, Handler] = {
            "ask_presence": self._presence, "ask_count": self._count,
            "describe": self._describe, "ask_lights": self._lights,
            "last_seen": self._last_seen, "snapshot": self._take_snapshot,
            "watch_start": self._watch_start, "watch_stop": self._watch_stop,
            "arm": self._voice_alarm, "disarm": self._voice_alarm,
            "device_on": self._device, "device_off": self._device, "status": self._status,
        }
        scoped = ScopedHandlers(setup, self.dialog, scenes=scenes, history=history,
                                cameras=self.camera_ids, infer=self._infer, alarm=self.alarm,
                                watches=self.watches)
        self.handlers.update(scoped.table(self._presence, self._count, self._describe,
                                          self._last_seen))
        self._last_tick: float | None = None
        bus.add_api(dialog_api(DialogCommands(self), setup.alarm))

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
            self.speech.cancel()
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
        self.publish_alarm()
        self.publish_watches()

    def publish_alarm(self) -> None:
        self.bus.publish_state("alarm/state", self.alarm.state)
        self.bus.publish_state("alarm/attributes", self.alarm.attributes())

    def publish_watches(self) -> None:
        self.bus.publish_state("watches", json.dumps(self.watches.to_json()))

    # ---- questions -----------------------------------------------------------------------

    async def handle_utterance(self, utt: Utterance) -> Reply:
        """The voice pipeline's callback."""
        return await self.ask(utt.text, heard=Heard(utt.confidence, utt.raw, utt.alternative,
                                                    utt.alternatives))

    async def ask(self, text: str, camera: str | None = None,
                  request_id: str | None = None, heard: Heard | None = None) -> Reply:
        reply = await self._answer(text.strip(), camera, request_id or uuid.uuid4().hex[:12],
                                   heard)
        self._send(reply)
        return reply

    def _send(self, reply: Reply) -> None:
        self.bus.publish_event("voice/reply", reply.to_json())
        self.speech.say(reply.text, listen=reply.confirmation == "asked")

    async def _answer(self, text: str, camera: str | None, request_id: str,
                      heard: Heard | None) -> Reply:
        now = self.clock()
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
        if heard is not None and len(heard.alternatives) > 1:
            # What the recognizer was sure of: the share of its best hypotheses that mean
            # the same (its word confidences hardly tell a right transcript from a wrong one).
            agreement = await self._infer(self.dialog.agreement, p.intent,
                                          heard.alternatives, snapshot)
            heard = Heard(agreement, heard.raw, heard.alternative, heard.alternatives)
            heard_conf = agreement
        if not sure(self.settings, p.intent, p.intent_conf, heard):
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

    def _reply(self, request_id: str, u: Understanding, answer: Answer,
               heard_conf: float | None, confirmation: str | None = None) -> Reply:
        p = u.prediction
        obj = p.object if p.object != "none" else None
        camera = u.camera if answer.cameras is None else (
            answer.cameras[0] if len(answer.cameras) == 1 else None)
        return Reply(request_id, u.text, answer.text, p.intent, obj, camera, answer.answer,
                     min(answer.confidence, p.intent_conf), answer.count, self.clock(),
                     heard_conf, p.intent_conf, confirmation, answer.details)

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
        pending = self.confirmations.expired(self.clock())
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
        self.publish_watches()
        what = "anything" if obj == "none" else f"a {obj}"
        return Answer(f"OK, I'll tell you when {what} is{where(u.place)}.")

    async def _watch_stop(self, u: Understanding, ctx: Context) -> Answer:
        named = ctx.named
        obj = u.prediction.object
        gone = self.watches.remove(camera=u.camera if named else None,
                                   obj=obj if obj != "none" else None)
        if not gone:
            return Answer("There was no watch to stop.")
        self.publish_watches()
        return Answer(f"Stopped {len(gone)} watch{'es' if len(gone) != 1 else ''}"
                      f"{where(u.place) if named else ''}.")

    async def _voice_alarm(self, u: Understanding, ctx: Context) -> Answer:
        if u.prediction.intent == "arm":
            result = self.alarm.arm(arm_mode(u.text), spoken_pin(u.text), "voice")  # type: ignore[arg-type]
        else:
            result = self.alarm.disarm(spoken_pin(u.text), "voice")
        self.publish_alarm()
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
        cameras = self.camera_ids()
        live = sum(1 for c in cameras if self.scenes.snapshot(c) is not None)
        state = self.alarm.state.replace("_", " ")
        n = len(self.watches)
        return Answer(f"{live} of {len(cameras)} cameras reporting, alarm {state}, "
                      f"{n} watch{'es' if n != 1 else ''} active.")

    # ---- watches --------------------------------------------------------------------------

    async def check_watches(self) -> list[Watch]:
        """Evaluate every watch on its camera's current scene; returns those that fired."""
        fired: list[Watch] = []
        now = self.clock()
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
            self.publish_watches()
        return fired

    def _announce(self, watch: Watch, count: int, p_yes: float, now: float) -> None:
        place = self.dialog.place_of(watch.camera)
        what = "Something is" if watch.object == "none" else (
            f"{max(1, count)} {noun(watch.object, max(1, count))} "
            f"{'is' if max(1, count) == 1 else 'are'}")
        text = f"{what}{where(place)}."
        self.bus.publish_event("watches/fired", {**watch.to_json(), "p": round(p_yes, 3),
                                                 "ts": now})
        reply = Reply(watch.id, watch.text, text, "watch_fired",
                      None if watch.object == "none" else watch.object, watch.camera, True,
                      p_yes, count, now)
        self.bus.publish_event("voice/reply", reply.to_json())
        self.speech.say(text)

    # ---- helpers --------------------------------------------------------------------------

    def camera_ids(self) -> list[str]:
        configured = list(self.setup.cameras)
        return list(dict.fromkeys([*configured, *self.scenes.cameras()]))

    def close(self) -> None:
        """For offline use without `run()`."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.flush_state()

