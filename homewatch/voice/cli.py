"""Command-line subcommands of this subsystem."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this subsystem's subcommands to `homewatch`."""
