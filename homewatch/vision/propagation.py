"""Moving tracks between detector runs: a constant-velocity Kalman filter on each box, corrected
by the median Lucas–Kanade optical flow of points inside the box.

Runs on a downscaled luma frame (`flow_height`), a few milliseconds per frame for a crowd,
against tens of milliseconds for an SSD call.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from homewatch.vision.geometry import Box
from homewatch.vision.sources import Image
from homewatch.vision.tracker import Track

MIN_POINTS = 4  # fewer tracked points than this: the flow lost the object
MAX_POINTS = 24
INNER = 0.5  # points are picked in the box's central half (width and height)
MIN_SIDE = 8  # flow-frame pixels: the least patch points are picked in
FB_MAX_PX = 1.0  # forward-backward error (flow-frame pixels) above which a point is dropped
LK_WINDOW = (15, 15)
LK_LEVELS = 2
LK_STOP = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)


class BoxKalman:
    """Constant-velocity Kalman filter on a box: state (cx, cy, w, h, vx, vy) in pixels and
    pixels per second; measurement (cx, cy, w, h)."""

    def __init__(self, box: Box, ts: float) -> None:
        kf = cv2.KalmanFilter(6, 4)
        kf.measurementMatrix = np.eye(4, 6, dtype=np.float32)
        kf.transitionMatrix = np.eye(6, dtype=np.float32)
        kf.processNoiseCov = np.diag([1.0, 1.0, 1.0, 1.0, 25.0, 25.0]).astype(np.float32)
        kf.measurementNoiseCov = np.diag([4.0, 4.0, 16.0, 16.0]).astype(np.float32)
        kf.errorCovPost = np.diag([10.0, 10.0, 10.0, 10.0, 400.0, 400.0]).astype(np.float32)
        kf.statePost = np.array([*_measure(box), 0.0, 0.0], np.float32).reshape(6, 1)
        self._kf = kf
        self.ts = ts

    def predict(self, ts: float) -> Box:
        dt = max(0.0, ts - self.ts)
        transition = self._kf.transitionMatrix
        transition[0, 4] = transition[1, 5] = dt
        self.ts = ts
        return _box(self._kf.predict())

    def correct(self, box: Box) -> Box:
        return _box(self._kf.correct(np.array(_measure(box), np.float32).reshape(4, 1)))

    @property
    def velocity(self) -> tuple[float, float]:
        state = self._kf.statePost
        return float(state[4, 0]), float(state[5, 0])


def _measure(box: Box) -> tuple[float, float, float, float]:
    cx, cy = box.center
    return cx, cy, float(box.width), float(box.height)


def _box(state: np.ndarray) -> Box:
    cx, cy, w, h = state[:4, 0].tolist()
    return Box(round(cx - w / 2), round(cy - h / 2), round(cx + w / 2), round(cy + h / 2))


@dataclass
class _Follow:
    kalman: BoxKalman
    points: np.ndarray | None  # N×1×2 float32, in flow-frame pixels
    detection_id: int  # the track's hit count when the points were picked
    followable: bool = False  # had points to follow since the last detection


class Propagator:
    """Keeps each track's box current on frames the detector skips."""

    def __init__(self, flow_height: int) -> None:
        self.flow_height = flow_height
        self._follow: dict[int, _Follow] = {}
        self._previous: np.ndarray | None = None
        self._scale = 1.0

    def step(self, image: Image, tracks: list[Track], ts: float) -> list[Track]:
        """Move every track to `ts`; returns the tracks whose flow was lost."""
        gray = self._gray(image)
        followed = [(t, f) for t in tracks if (f := self._follow.get(t.id)) is not None]
        shifts = self._flow(gray, [f for _, f in followed])
        lost: list[Track] = []
        h, w = image.shape[:2]
        for (track, follow), shift in zip(followed, shifts, strict=True):
            predicted = follow.kalman.predict(ts)
            if shift is None and follow.points is None and follow.followable:
                follow.followable = False
                lost.append(track)  # the flow lost it: the box stays where it was last measured
                continue
            if shift is None:
                moved = predicted  # too small or plain to follow: constant velocity alone
            else:
                dx, dy = shift
                b = track.box
                moved = follow.kalman.correct(Box(round(b.x1 + dx), round(b.y1 + dy),
                                                  round(b.x2 + dx), round(b.y2 + dy)))
            inside = moved.intersect(Box(0, 0, w, h))
            if inside.area:
                track.box, track.box_ts = inside, ts
        self._previous = gray
        return lost

    def observe(self, image: Image, tracks: list[Track], ts: float) -> None:
        """After a detector run: correct each filter with the detected box, pick new points."""
        gray = self._gray(image)
        self._previous = gray
        alive = {t.id for t in tracks}
        self._follow = {k: v for k, v in self._follow.items() if k in alive}
        for track in tracks:
            follow = self._follow.get(track.id)
            if follow is None:
                follow = _Follow(BoxKalman(track.box, ts), None, -1)
                self._follow[track.id] = follow
            elif follow.detection_id != track.hits and track.last_seen == ts:
                follow.kalman.predict(ts)
                follow.kalman.correct(track.box)
            if follow.detection_id != track.hits or follow.points is None:
                follow.points = self._points(gray, track.box)
                follow.detection_id = track.hits
                follow.followable = follow.points is not None

    def _gray(self, image: Image) -> np.ndarray:
        h, w = image.shape[:2]
        self._scale = h / self.flow_height
        size = (max(1, round(w / self._scale)), self.flow_height)
        small = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
        gray: np.ndarray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        return gray

    def _points(self, gray: np.ndarray, box: Box) -> np.ndarray | None:
        """Corners in the middle of the box (the object, not the background around it)."""
        s = self._scale
        cx, cy = box.center
        half_w = max(box.width * INNER, MIN_SIDE * s) / 2
        half_h = max(box.height * INNER, MIN_SIDE * s) / 2
        x1, y1 = max(0, int((cx - half_w) / s)), max(0, int((cy - half_h) / s))
        x2 = min(gray.shape[1], int((cx + half_w) / s))
        y2 = min(gray.shape[0], int((cy + half_h) / s))
        if x2 - x1 < 4 or y2 - y1 < 4:
            return None
        found = cv2.goodFeaturesToTrack(gray[y1:y2, x1:x2], MAX_POINTS, 0.01, 2)
        if found is None or len(found) < MIN_POINTS:
            return None
        return (found + np.array([x1, y1], np.float32)).astype(np.float32)

    def _flow(self, gray: np.ndarray, follows: list[_Follow]) -> list[tuple[float, float] | None]:
        """Each follow's median shift since the previous frame, in full-frame pixels (None
        when too few points survive a forward-backward check); one LK call for all."""
        owners = [i for i, f in enumerate(follows) if f.points is not None
                  for _ in range(len(f.points))]
        if self._previous is None or not owners or self._previous.shape != gray.shape:
            return [None] * len(follows)
        start = np.concatenate([f.points for f in follows if f.points is not None])
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(self._previous, gray, start, start.copy(),
                                                winSize=LK_WINDOW, maxLevel=LK_LEVELS,
                                                criteria=LK_STOP)
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(gray, self._previous, moved, moved.copy(),
                                                    winSize=LK_WINDOW, maxLevel=LK_LEVELS,
                                                    criteria=LK_STOP)
        error = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
        good = (ok.reshape(-1) == 1) & (ok_back.reshape(-1) == 1) & (error < FB_MAX_PX)
        index = np.array(owners)
        shifts: list[tuple[float, float] | None] = []
        for i, follow in enumerate(follows):
            keep = good & (index == i)
            if int(keep.sum()) < MIN_POINTS:
                follow.points = None
                shifts.append(None)
                continue
            delta = (moved[keep] - start[keep]).reshape(-1, 2)
            follow.points = moved[keep].reshape(-1, 1, 2)
            dx, dy = np.median(delta, axis=0)
            shifts.append((float(dx) * self._scale, float(dy) * self._scale))
        return shifts
