"""Routing inbound commands to handlers; every failure becomes an `error` reply."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from homewatch.core.bus import Command, CommandHandler, CommandRejected, Json, topic_matches

log = logging.getLogger(__name__)

MAX_PAYLOAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class Route:
    topic_filter: str
    handler: CommandHandler


class CommandRouter:
    """Dispatches by topic suffix; `reply_error` publishes `{code, text, topic}`."""

    def __init__(self, reply_error: Callable[[Json], None]) -> None:
        self._routes: list[Route] = []
        self._reply_error = reply_error
        self.rejected = 0

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
        except Exception:
            log.exception("command handler failed for %s", topic)
            self._reject("internal", "the command failed; see the daemon log", topic)

    async def _route(self, suffix: str, payload: bytes) -> None:
        if len(payload) > MAX_PAYLOAD:
            raise CommandRejected("payload_too_large", f"payload over {MAX_PAYLOAD} bytes")
        for route in self._routes:
            if topic_matches(route.topic_filter, suffix):
                await route.handler(Command(suffix, payload))
                return
        raise CommandRejected("unknown_topic", f"no command at '{suffix}'")

    def _reject(self, code: str, text: str, topic: str) -> None:
        self.rejected += 1
        log.warning("rejected command on %s: %s (%s)", topic, text, code)
        self._reply_error({"code": code, "text": text, "topic": topic})
