"""HOG people detection (Dalal–Triggs) in NumPy, matching OpenCV 4's default detector.

OpenCV 5 moved `HOGDescriptor` out of the main package, so this module computes the same
descriptor (64×128 window, 8×8 cells, 16×16 blocks at stride 8, 9 unsigned bins, Gaussian
block window, trilinear interpolation, L2-Hys) and applies OpenCV's shipped linear SVM.

Speed: each 8×8 tile is reduced once into its contributions to every block position
(one tensor contraction), then the SVM is evaluated for all windows as 105 shifted dot
products of block maps, instead of re-describing every window.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from homewatch.vision.hog_svm import PEOPLE_SVM

CELL = 8
BINS = 9
WIN_CELLS = (8, 16)  # window 64×128 in cells (x, y)
WIN_BLOCKS = (7, 15)  # blocks per window (x, y)
WINDOW = (64, 128)


def _tile_weights() -> np.ndarray:
    """W[py, px, cy, cx, i, j]: weight of pixel (i, j) of the tile at block position (py, px)
    in block cell (cy, cx): Gaussian block window (sigma 4) × bilinear cell interpolation."""
    coords = np.arange(16, dtype=np.float64)
    gauss = np.exp(-((coords - 8.0) ** 2) / (2 * 4.0**2))
    cell_pos = (coords + 0.5) / CELL - 0.5
    axis = np.stack([np.clip(1 - np.abs(cell_pos - c), 0, None) * gauss for c in (0, 1)])  # [c, k]
    weights = np.zeros((2, 2, 2, 2, CELL, CELL))
    for py in range(2):
        for px in range(2):
            rows = axis[:, py * CELL:(py + 1) * CELL]  # [cy, i]
            cols = axis[:, px * CELL:(px + 1) * CELL]  # [cx, j]
            weights[py, px] = np.einsum("ai,bj->abij", rows, cols)
    return weights.astype(np.float32)


def _strongest_channel(dx: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, the gradient of the colour channel with the largest magnitude."""
    power = dx * dx + dy * dy
    best_dx, best_dy, best = dx[..., 0], dy[..., 0], power[..., 0]
    for c in (1, 2):
        stronger = power[..., c] > best
        best = np.where(stronger, power[..., c], best)
        best_dx = np.where(stronger, dx[..., c], best_dx)
        best_dy = np.where(stronger, dy[..., c], best_dy)
    return np.ascontiguousarray(best_dx), np.ascontiguousarray(best_dy)


@dataclass(frozen=True, slots=True)
class Hit:
    x: int
    y: int
    w: int
    h: int
    margin: float


class HOGPeopleModel:
    def __init__(self) -> None:
        svm = np.asarray(PEOPLE_SVM, dtype=np.float32)
        # OpenCV orders blocks x-major (column by column) and cells within a block x-major.
        self._svm = svm[:-1].reshape(WIN_BLOCKS[0], WIN_BLOCKS[1], 36)
        self._rho = float(svm[-1])
        self._weights = _tile_weights().reshape(16, CELL * CELL)
        self._gamma = np.sqrt(np.arange(256, dtype=np.float32))

    def orientation_maps(self, image: np.ndarray) -> np.ndarray:
        """Per-pixel gradient magnitude split over 9 orientation bins: H×W×9."""
        img = self._gamma[image]
        kernel = np.array([[-1.0, 0.0, 1.0]], np.float32)
        dx = cv2.filter2D(img, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101)
        dy = cv2.filter2D(img, cv2.CV_32F, kernel.T, borderType=cv2.BORDER_REFLECT_101)
        if img.ndim == 3:  # colour: the channel with the strongest gradient wins
            dx, dy = _strongest_channel(dx, dy)
        mag, angle = cv2.cartToPolar(dx, dy)
        angle = np.fmod(angle, np.float32(np.pi)) * np.float32(BINS / np.pi) - np.float32(0.5)
        low = np.floor(angle)
        frac = (angle - low).ravel()
        low_bin = low.astype(np.int64).ravel() % BINS
        # Scatter both interpolation weights into a pixel-major H×W×9 array in two C passes.
        base = np.arange(mag.size, dtype=np.int64) * BINS
        weights = mag.ravel()
        size = mag.size * BINS
        maps = np.bincount(base + low_bin, weights * (1 - frac), minlength=size)
        maps += np.bincount(base + (low_bin + 1) % BINS, weights * frac, minlength=size)
        return maps.reshape(*mag.shape, BINS).astype(np.float32)

    def blocks(self, maps: np.ndarray) -> np.ndarray:
        """Normalised block descriptors: By×Bx×36 (block = 2×2 cells at stride one cell)."""
        hc, wc = maps.shape[0] // CELL, maps.shape[1] // CELL
        tiles = maps[: hc * CELL, : wc * CELL].reshape(hc, CELL, wc, CELL, BINS)
        tiles = tiles.transpose(0, 2, 4, 1, 3).reshape(hc, wc, BINS, CELL * CELL)
        contrib = (tiles @ self._weights.T).reshape(hc, wc, BINS, 2, 2, 2, 2)
        block = np.zeros((hc - 1, wc - 1, 2, 2, BINS), np.float32)  # [.., cx, cy, bin]
        for py in range(2):
            for px in range(2):
                part = contrib[py:hc - 1 + py, px:wc - 1 + px, :, py, px]  # [.., bin, cy, cx]
                block += part.transpose(0, 1, 4, 3, 2)
        flat = block.reshape(hc - 1, wc - 1, 36)
        flat = flat / (np.linalg.norm(flat, axis=2, keepdims=True) + 3.6)
        flat = np.minimum(flat, 0.2)
        normalised: np.ndarray = flat / (np.linalg.norm(flat, axis=2, keepdims=True) + 1e-3)
        return normalised

    def window_margins(self, blocks: np.ndarray) -> np.ndarray:
        """SVM margin of every 64×128 window at stride 8: Wy×Wx."""
        by, bx = blocks.shape[:2]
        ny, nx = by - WIN_BLOCKS[1] + 1, bx - WIN_BLOCKS[0] + 1
        if ny <= 0 or nx <= 0:
            return np.zeros((0, 0), np.float32)
        products = np.tensordot(blocks, self._svm, axes=([2], [2]))  # By×Bx×7×15
        out = np.full((ny, nx), self._rho, np.float32)
        for ix in range(WIN_BLOCKS[0]):
            for iy in range(WIN_BLOCKS[1]):
                out += products[iy:iy + ny, ix:ix + nx, ix, iy]
        return out

    def detect(self, image: np.ndarray, scale_step: float = 1.1,
               min_margin: float = 0.0) -> list[Hit]:
        """Windows with margin ≥ `min_margin` over an image pyramid, in input pixels."""
        hits: list[Hit] = []
        scale = 1.0
        h, w = image.shape[:2]
        while h / scale >= WINDOW[1] and w / scale >= WINDOW[0]:
            size = (round(w / scale), round(h / scale))
            level = image if scale == 1.0 else cv2.resize(image, size,
                                                          interpolation=cv2.INTER_LINEAR)
            margins = self.window_margins(self.blocks(self.orientation_maps(level)))
            for y, x in zip(*np.nonzero(margins >= min_margin), strict=True):
                hits.append(Hit(int(x * CELL * scale), int(y * CELL * scale),
                                int(WINDOW[0] * scale), int(WINDOW[1] * scale),
                                float(margins[y, x])))
            scale *= scale_step
        return hits
