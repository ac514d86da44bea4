"""homewatch: offline smart-home monitoring daemon."""

__version__ = "0.1.0"
