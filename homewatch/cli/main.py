"""`homewatch` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from homewatch import __version__
from homewatch.cli import doctor as doctor_cli
from homewatch.cli import models as models_cli
from homewatch.cli import understanding as understanding_cli
from homewatch.cli import vision as vision_cli
from homewatch.cli import voice as voice_cli
from homewatch.cli.options import config_arg, load_config_of
from homewatch.config import Config, load
from homewatch.core.errors import EX_CONFIG, EX_OK, ConfigError, HomewatchError
from homewatch.training import cli as training_cli

Handler = Callable[[argparse.Namespace], int]


def cmd_check_config(args: argparse.Namespace) -> int:
    loaded = load(args.config)
    config = loaded.config
    print(f"{loaded.path}: OK "
          f"(node {config.node.id}, {len(config.cameras)} camera(s))")
    return EX_OK


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Config.model_json_schema(), indent=2))
    return EX_OK


def cmd_run(args: argparse.Namespace) -> int:
    from homewatch.runtime.daemon import run_daemon

    return run_daemon(load_config_of(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from homewatch.runtime.demo import run_demo

    return run_demo(seconds=args.seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homewatch", description=__doc__)
    parser.add_argument("--version", action="version", version=f"homewatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the daemon")
    config_arg(run)
    run.set_defaults(handler=cmd_run)
    check = sub.add_parser("check-config", help="validate the config; exit 0 or 78")
    config_arg(check)
    check.set_defaults(handler=cmd_check_config)
    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_sub.add_parser("schema", help="print the JSON Schema").set_defaults(handler=cmd_schema)
    demo = sub.add_parser("demo", help="run the daemon on a sample clip with an embedded broker")
    demo.add_argument("--seconds", type=float, default=30.0, help="how long to run")
    demo.set_defaults(handler=cmd_demo)
    for module in (vision_cli, voice_cli, understanding_cli, training_cli, models_cli,
                   doctor_cli):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return EX_CONFIG
    except HomewatchError as exc:
        print(f"homewatch: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
