"""The TFLite shim runs the real SSD under whatever runtime is installed.

CI also runs this file in a second environment with NumPy < 2 and tflite-runtime, setting
HOMEWATCH_TFLITE_RUNTIME=tflite-runtime to force that runtime. Keep imports minimal.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from homewatch.models.tflite import load_interpreter, runtime_name
from tests.conftest import DETECTOR, LABELS, MEDIA

PERSON = 0


def test_ssd_finds_the_player_through_the_shim() -> None:
    runtime = os.environ.get("HOMEWATCH_TFLITE_RUNTIME") or None
    assert runtime_name(runtime) == (runtime or runtime_name())
    interpreter = load_interpreter(DETECTOR, num_threads=2, runtime=runtime)
    inp = interpreter.get_input_details()[0]
    image = cv2.imread(str(MEDIA / "messi5.jpg"))
    rgb = cv2.cvtColor(cv2.resize(image, (300, 300)), cv2.COLOR_BGR2RGB)
    interpreter.set_tensor(inp["index"], rgb[None].astype(np.uint8))
    interpreter.invoke()
    boxes, classes, scores, count = (interpreter.get_tensor(o["index"])
                                     for o in interpreter.get_output_details()[:4])
    found = [(int(classes[0, i]), float(scores[0, i]), boxes[0, i]) for i in range(int(count[0]))]
    people = [(s, b) for c, s, b in found if c == PERSON and s >= 0.6]
    assert people, found
    _, (ymin, xmin, ymax, xmax) = max(people, key=lambda p: p[0])
    # The player spans most of the image height, left of the ball.
    assert ymax - ymin > 0.5 and xmin < 0.4 < xmax
    assert LABELS.read_text().splitlines()[PERSON] == "person"
