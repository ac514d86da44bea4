"""`homewatch` command line: one module per group of commands."""

from homewatch.cli.main import main

__all__ = ["main"]
