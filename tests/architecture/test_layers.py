"""The package's layers hold: no module imports upward, and the subsystems never import each
other (contracts in pyproject.toml, checked by import-linter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    # In a subprocess: import-linter's CLI reconfigures logging for the whole process.
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(REPO / "pyproject.toml"), "--no-cache"],
                            cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contract_names_every_top_level_package() -> None:
    graph = grimp.build_graph("homewatch")
    packages = {m.split(".")[1] for m in graph.modules if m.count(".") >= 1}
    layered = {"cli", "runtime", "config", "training", "vision", "voice", "understanding",
               "mqtt", "language", "models", "core"}
    assert packages - layered == {"__main__"}  # which only calls the CLI
