"""`homewatch train`: the fusion model, reproducibly, in one command."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from homewatch.core.errors import EX_OK, HomewatchError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("models"),
                        help="output directory for fusion.tflite and fusion.json")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--per-intent", type=int, default=None,
                        help="training sentences per intent")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--garble-kept", type=float, default=None,
                        help="recognizer outputs keeping less than this share of their "
                             "sentence are labelled unknown")
    parser.add_argument("--garble-p", type=float, default=None,
                        help="share of noisy training sentences misheard heavily")
    parser.add_argument("--spoken-p", type=float, default=None,
                        help="share of training sentences taken from recognizer output of "
                             "our own spoken sentences")
    parser.add_argument("--unk-p", type=float, default=None,
                        help="share of training words replaced by <unk>")
    parser.add_argument("--holdout-templates", action="store_true",
                        help="train without every 5th paraphrase template and test on those "
                             "(an experiment: the shipped model uses all templates)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data and one epoch (checks the pipeline, not the model)")


def cmd_train(args: argparse.Namespace) -> int:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        raise HomewatchError("training needs TensorFlow: pip install 'homewatch[train]'") from None
    from homewatch.training.train import TrainOptions, train

    opts = TrainOptions.smoke_run(args.out) if args.smoke else TrainOptions(out_dir=args.out)
    changes = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs),
                                  ("per_intent", args.per_intent), ("threads", args.threads),
                                  ("spoken_p", args.spoken_p),
                                  ("garble_kept", args.garble_kept), ("garble_p", args.garble_p),
                                  ("unk_p", args.unk_p))
               if v is not None}
    changes["holdout_templates"] = args.holdout_templates
    opts = TrainOptions(**{**opts.__dict__, **changes})
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    metrics = train(opts)
    print(json.dumps(metrics, indent=1))
    return EX_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this subsystem's subcommands to `homewatch`."""
    parser = sub.add_parser("train", help="train and quantize the fusion model (needs TensorFlow)")
    add_arguments(parser)
    parser.set_defaults(handler=cmd_train)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m homewatch.training", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_train(args)
    except HomewatchError as exc:
        print(f"homewatch: error: {exc}")
        return 1
