"""Inbound commands: what arrives, how a handler refuses it, and the routing to handlers.

Every bus routes through `CommandRouter`, so a command is answered the same way on the
broker and in memory: every failure becomes an `error` reply `{code, text, topic}`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homewatch.core.ratelimit import LogLimiter, suppressed
from homewatch.core.statefile import MAX_JSON_DEPTH, json_depth_ok

log = logging.getLogger(__name__)

MAX_PAYLOAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class Command:
    """An inbound command: the suffix it arrived on and its raw payload."""

    suffix: str
    payload: bytes

    def text(self) -> str:
        return self.payload.decode("utf-8").strip()

    def json(self) -> Any:
        return json.loads(self.payload)


class CommandRejected(Exception):
    """Raised by a command handler: published as `error {code, text, topic}`."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


CommandHandler = Callable[[Command], Awaitable[None]]
ErrorReply = Callable[[dict[str, str]], None]


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT topic filter matching (`+` one level, `#` the rest)."""
    fparts, tparts = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(fparts):
        if part == "#":
            return True
        if i >= len(tparts) or (part != "+" and part != tparts[i]):
            return False
    return len(fparts) == len(tparts)


@dataclass(frozen=True, slots=True)
class Route:
    topic_filter: str
    handler: CommandHandler


class CommandRouter:
    """Dispatches by topic suffix; `reply_error` publishes `{code, text, topic}`."""

    def __init__(self, reply_error: ErrorReply) -> None:
        self._routes: list[Route] = []
        self._reply_error = reply_error
        self.rejected = 0
        self._log_limit = LogLimiter()

    def add(self, topic_filter: str, handler: CommandHandler) -> None:
        self._routes.append(Route(topic_filter, handler))

    def filters(self) -> list[str]:
        return [r.topic_filter for r in self._routes]

    async def dispatch(self, suffix: str, topic: str, payload: bytes) -> None:
        try:
            await self._route(suffix, payload)
        except CommandRejected as exc:
            self._reject(exc.code, exc.text, topic)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._reject("bad_payload", f"payload is not valid UTF-8 JSON/text: {exc}", topic)
        except RecursionError:
            self._reject("bad_payload", "JSON nested too deeply", topic)
        except Exception:
            log.exception("command handler failed for %s", topic)
            self._reject("internal", "the command failed; see the daemon log", topic)

    async def _route(self, suffix: str, payload: bytes) -> None:
        if len(payload) > MAX_PAYLOAD:
            raise CommandRejected("payload_too_large", f"payload over {MAX_PAYLOAD} bytes")
        if payload.lstrip()[:1] in (b"{", b"[") and not json_depth_ok(payload):
            raise CommandRejected("bad_payload", f"JSON nested deeper than {MAX_JSON_DEPTH} "
                                  "levels")
        for route in self._routes:
            if topic_matches(route.topic_filter, suffix):
                await route.handler(Command(suffix, payload))
                return
        raise CommandRejected("unknown_topic", f"no command at '{suffix}'")

    def _reject(self, code: str, text: str, topic: str) -> None:
        self.rejected += 1
        held = self._log_limit.allow(code)  # a flood of bad payloads: one line per kind
        if held is not None:
            log.warning("rejected command on %s: %s (%s)%s", topic, text, code, suppressed(held))
        self._reply_error({"code": code, "text": text, "topic": topic})
