"""Options every command shares, and the one way a command loads its configuration."""

from __future__ import annotations

import argparse

from homewatch.config import Config, load

CONFIG_HELP = "YAML config (default: $HOMEWATCH_CONFIG, else /etc/homewatch/config.yaml{})"


def config_arg(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    tail = "" if required else " when it exists, else built-in defaults"
    parser.add_argument("-c", "--config", help=CONFIG_HELP.format(tail))


def load_config_of(args: argparse.Namespace, *, required: bool = True) -> Config:
    """Defaults < file < credentials < environment, the same for every command; offline tools
    pass `required=False` and run on defaults when no file is given or installed."""
    return load(args.config, required=required).config
