"""The package's layers hold: no module imports upward, and the subsystems never import each
other (contracts in pyproject.toml, checked by import-linter)."""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    assert lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True,
                        no_logo=True) == 0


def test_the_contract_names_every_top_level_package() -> None:
    graph = grimp.build_graph("homewatch")
    packages = {m.split(".")[1] for m in graph.modules if m.count(".") >= 1}
    layered = {"cli", "runtime", "config", "training", "vision", "voice", "understanding",
               "mqtt", "models", "core"}
    assert packages - layered == {"__main__"}  # which only calls the CLI
