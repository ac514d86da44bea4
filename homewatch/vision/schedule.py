"""When a busy scene needs the detector: the reasons, judged on the motion mask and the tracks
moved by optical flow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from homewatch.vision.config import ScheduleConfig
from homewatch.vision.geometry import Box
from homewatch.vision.motion import MotionResult
from homewatch.vision.tracker import Track

Reason = Literal["new_motion", "disagreement", "proximity", "floor"]
BOX_MARGIN = 0.25  # predicted boxes grow by this fraction per side before motion counts as new
EXPLAINED_GROW = 2  # gate pixels: unexplained motion the detector saw may move this far


@dataclass
class _Seen:
    """What the last detector run saw: motion it could not explain (nothing found there)."""

    unexplained: np.ndarray | None = None
    frames_since: int = 0
    close: frozenset[tuple[int, int]] = frozenset()  # track pairs already close then


class DetectSchedule:
    """Decides, per analysed frame with motion, whether the detector runs and why."""

    def __init__(self, config: ScheduleConfig) -> None:
        self.config = config
        self._seen = _Seen()
        self._kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))

    def reason(self, motion: MotionResult, tracks: list[Track], lost: list[Track]
               ) -> Reason | None:
        """Why the detector must run on this frame, or None to keep propagating."""
        self._seen.frames_since += 1
        if self._new_motion(motion, tracks):
            return "new_motion"
        if lost or self._disagree(motion, tracks):
            return "disagreement"
        if self._close(tracks):
            return "proximity"
        if self._seen.frames_since >= self.config.floor_every:
            return "floor"
        return None

    def detected(self, motion: MotionResult, tracks: list[Track]) -> None:
        """After a detector run: motion still outside every track was looked at and is noise
        (or something the detector cannot see) until it spreads or the floor comes."""
        self._seen = _Seen(self._outside(motion, tracks),
                           close=frozenset(self._close_pairs(tracks)))
        if self._seen.unexplained is not None:
            self._seen.unexplained = cv2.dilate(self._seen.unexplained, self._kernel,
                                                iterations=EXPLAINED_GROW)

    def _outside(self, motion: MotionResult, tracks: list[Track]) -> np.ndarray | None:
        if motion.changed is None:
            return None
        outside = motion.changed.copy()
        for track in tracks:
            x1, y1, x2, y2 = _scaled(_grow(track.box, BOX_MARGIN), motion.scale)
            outside[y1:y2, x1:x2] = 0
        return outside

    def _new_motion(self, motion: MotionResult, tracks: list[Track]) -> bool:
        outside = self._outside(motion, tracks)
        if outside is None:
            return False
        seen = self._seen.unexplained
        if seen is not None and seen.shape == outside.shape:
            outside[seen > 0] = 0
        return cv2.countNonZero(outside) >= self.config.new_motion_px

    def _disagree(self, motion: MotionResult, tracks: list[Track]) -> bool:
        """A moving track whose predicted box holds almost no motion: it went elsewhere."""
        if motion.changed is None or self.config.disagreement <= 0:
            return False
        for track in tracks:
            if float(np.hypot(*track.velocity)) < self.config.moving_px_s:
                continue
            x1, y1, x2, y2 = _scaled(track.box, motion.scale)
            area = max(1, (x2 - x1) * (y2 - y1))
            inside = cv2.countNonZero(motion.changed[y1:y2, x1:x2]) if area > 1 else 0
            if inside < self.config.disagreement * area:
                return True
        return False

    def _close(self, tracks: list[Track]) -> bool:
        """Two tracks of a label that came close since the last detector run while moving
        towards each other (not walking together): where identities swap."""
        return any(pair not in self._seen.close for pair in self._close_pairs(tracks))

    def _close_pairs(self, tracks: list[Track]) -> list[tuple[int, int]]:
        pairs = []
        for a, b in itertools.combinations(tracks, 2):
            if a.label != b.label or a.box.iou(b.box) < self.config.proximity_iou:
                continue
            (ax, ay), (bx, by) = a.box.center, b.box.center
            rx, ry = b.velocity[0] - a.velocity[0], b.velocity[1] - a.velocity[1]
            approaching = (bx - ax) * rx + (by - ay) * ry < 0
            if approaching and np.hypot(rx, ry) >= self.config.moving_px_s:
                pairs.append((a.id, b.id))
        return pairs


def _grow(box: Box, margin: float) -> Box:
    dx, dy = int(box.width * margin), int(box.height * margin)
    return Box(box.x1 - dx, box.y1 - dy, box.x2 + dx, box.y2 + dy)


def _scaled(box: Box, scale: float) -> tuple[int, int, int, int]:
    return (max(0, int(box.x1 / scale)), max(0, int(box.y1 / scale)),
            max(0, int(np.ceil(box.x2 / scale))), max(0, int(np.ceil(box.y2 / scale))))
