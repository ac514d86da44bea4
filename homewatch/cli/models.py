"""`homewatch models list | pull NAME | verify | path NAME`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from homewatch.cli.options import config_arg, load_config_of
from homewatch.core.errors import EX_FAILURE, EX_OK
from homewatch.models.catalog import CATALOG, ModelSpec, State, check, pull, verify
from homewatch.models.download import Progress
from homewatch.models.resolver import resolve_model


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `homewatch models …`."""
    models = sub.add_parser("models", help="list, download and verify models")
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="known models and whether they are installed")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_list)
    get = actions.add_parser("pull", help="download, verify and install a model")
    get.add_argument("name", help="catalog name (see `homewatch models list`)")
    get.add_argument("--sha256", help="expected checksum; required where none is published")
    get.add_argument("--url", help="download this model from another URL (still verified)")
    get.add_argument("--mirror", help="mirror base URL serving the installed file names")
    get.add_argument("--force", action="store_true", help="download again even if installed")
    get.set_defaults(handler=cmd_pull)
    check_cmd = actions.add_parser("verify", help="re-hash installed models")
    check_cmd.add_argument("names", nargs="*", help="models to check (default: all installed)")
    check_cmd.set_defaults(handler=cmd_verify)
    where = actions.add_parser("path", help="print where an installed model is")
    where.add_argument("name")
    where.set_defaults(handler=cmd_path)
    for parser in (listing, get, check_cmd, where):
        config_arg(parser, required=False)
        parser.add_argument("--dir", type=Path, help="models directory (overrides the config)")


def models_dir(args: argparse.Namespace) -> Path:
    """--dir, else the config's models.dir; without any config file, defaults + environment."""
    if args.dir is not None:
        return Path(args.dir)
    return load_config_of(args, required=False).models.dir


def cmd_list(args: argparse.Namespace) -> int:
    directory = models_dir(args)
    rows = [(spec, check(spec, directory).state) for spec in CATALOG]
    if args.json:
        print(json.dumps([{"name": s.name, "kind": str(s.kind), "size": s.size,
                           "installed": st is State.INSTALLED, "state": str(st),
                           "checksum": "pinned" if s.sha256 else "required", "url": s.url,
                           "path": str(directory / s.filename)} for s, st in rows], indent=2))
        return EX_OK
    print(f"models directory: {directory}")
    print(f"{'NAME':<18} {'KIND':<9} {'SIZE':>9}  {'STATE':<11} DESCRIPTION")
    for spec, state in rows:
        print(f"{spec.name:<18} {spec.kind:<9} {_size(spec.size):>9}  {state:<11} "
              f"{spec.description}")
    return EX_OK


def cmd_pull(args: argparse.Namespace) -> int:
    directory = models_dir(args)
    results = pull(args.name, directory, sha256=args.sha256, url=args.url, mirror=args.mirror,
                   force=args.force, progress=_progress_printer)
    for result in results:
        how = "downloaded" if result.downloaded else "already installed"
        resumed = f", resumed at {_size(result.resumed_from)}" if result.resumed_from else ""
        print(f"{result.spec.name}: {how}, sha256 verified{resumed} -> {result.path}")
    return EX_OK


def cmd_verify(args: argparse.Namespace) -> int:
    directory = models_dir(args)
    results = verify(directory, args.names)
    if not results:
        print(f"no models installed in {directory}")
    for result in results:
        print(f"{result.spec.name}: {_verdict(result.state)}")
        for problem in result.problems:
            print(f"  {problem}")
    bad = [r for r in results if r.state is not State.INSTALLED]
    if bad:
        names = " ".join(r.spec.name for r in bad)
        print(f"fix with: homewatch models pull --force NAME  (for {names})", file=sys.stderr)
    return EX_FAILURE if bad else EX_OK


def cmd_path(args: argparse.Namespace) -> int:
    print(resolve_model(args.name, models_dir(args)))
    return EX_OK


def _verdict(state: State) -> str:
    return {State.INSTALLED: "OK", State.CORRUPT: "CORRUPT", State.ABSENT: "not installed",
            State.UNVERIFIED: "present but never verified (no marker)"}[state]


def _size(size: int | None) -> str:
    if size is None:
        return "?"
    if size < 1024:
        return f"{size} B"
    exponent = min(3, (size.bit_length() - 1) // 10)
    return f"{size / 1024**exponent:.1f} {('B', 'KiB', 'MiB', 'GiB')[exponent]}"


def _progress_printer(spec: ModelSpec) -> Progress | None:
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and done != total:
            return
        last[0] = now
        share = f" {100 * done / total:3.0f}%" if total else ""
        end = "\n" if done == total else ""
        print(f"\r{spec.name}: {_size(done)} of {_size(total)}{share}   ", end=end,
              file=sys.stderr, flush=True)

    return report
