"""`python -m homewatch.training`: train, quantize and write models/fusion.{tflite,json}."""

from __future__ import annotations

import sys

from homewatch.training.cli import main

sys.exit(main())
