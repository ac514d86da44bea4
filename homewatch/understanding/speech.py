"""Speaking replies: the user's TTS command, the microphone deaf meanwhile, and reopened
without the wake phrase after a question."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from homewatch.understanding.config import UnderstandingConfig

log = logging.getLogger(__name__)
MuteHook = Callable[[], AbstractContextManager[None]]
ListenHook = Callable[[float], None]


class Speech:
    def __init__(self, settings: UnderstandingConfig) -> None:
        self.settings = settings
        self._tasks: set[asyncio.Task[None]] = set()
        self._muted: MuteHook = contextlib.nullcontext
        self._listen: ListenHook | None = None

    def mute_while_speaking(self, muted: MuteHook) -> None:
        """Keep the microphone deaf while a reply is spoken (the voice pipeline's `muted`)."""
        self._muted = muted

    def listen_for_answers(self, listen: ListenHook) -> None:
        """Reopen the microphone without the wake phrase after a question (`listen(seconds)`)."""
        self._listen = listen

    def say(self, text: str, listen: bool = False) -> None:
        """Speak `text` in the background; `listen`: a question, reopen the microphone after."""
        argv = self.settings.tts_command
        if not argv:
            self._reopen(listen)
            return
        task = asyncio.get_running_loop().create_task(self._speak_muted(argv, text, listen))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _speak_muted(self, argv: tuple[str, ...], text: str, listen: bool) -> None:
        with self._muted():
            await speak(argv, text, self.settings.tts_timeout_s)
        self._reopen(listen)

    def _reopen(self, listen: bool) -> None:
        if listen and self._listen is not None:
            self._listen(self.settings.confirm_timeout_s)


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
