"""Logging that reads well in the journal and in a terminal."""

from __future__ import annotations

import json
import logging
import os
import sys

from homewatch.config import LoggingConfig
from homewatch.core.redact import RedactingFilter

AV_LOG_QUIET = -8
# journald adds its own timestamp and unit; syslog priority prefixes set the level there.
SYSLOG_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                   logging.CRITICAL: 2}


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = SYSLOG_PRIORITY.get(record.levelno, 6)
        return f"<{priority}>{record.name}: {super().format(record)}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": round(record.created, 3), "level": record.levelname,
                 "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(config: LoggingConfig) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if config.format == "json":
        handler.setFormatter(JsonFormatter())
    elif os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.level)
    for noisy in ("paho", "amqtt", "transitions"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _quiet_opencv(debug=config.level == "DEBUG")


def _quiet_opencv(debug: bool) -> None:
    """OpenCV prints its own warning to stderr on every failed camera open, and FFmpeg one
    line per damaged frame (20 a second from a looping truncated file); homewatch logs camera
    problems itself, once per problem. At DEBUG, FFmpeg's errors stay on."""
    if not debug:  # read by OpenCV when it first opens a video with FFmpeg
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", str(AV_LOG_QUIET))
    from cv2.utils import logging as cv_logging

    cv_logging.setLogLevel(cv_logging.LOG_LEVEL_ERROR)
