"""The README's MQTT table is the one generated from the API declarations, and every topic
the code publishes on is declared.

Published topics are read from the source: every `publish_state` and `publish_event` call,
with f-string parts as placeholders and module constants resolved; a topic given as a
declaration's `.pattern` is declared by construction.
"""

from __future__ import annotations

import ast
import difflib
import fnmatch
from pathlib import Path

from homewatch.core.api import Declaration
from homewatch.runtime.api import DECLARATIONS
from homewatch.runtime.apidoc import BEGIN, END, table, with_table
from tests.conftest import REPO

BUS_CALLS = {"publish_state", "publish_event"}
PLACEHOLDER = "*"


def test_the_readme_table_is_generated_from_the_declarations() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    expected = with_table(readme, table())
    diff = "".join(difflib.unified_diff(readme.splitlines(True), expected.splitlines(True),
                                        "README.md", "generated"))
    assert readme == expected, f"README.md's MQTT table is out of date: run " \
                               f"scripts/mqtt-api-table\n{diff}"


def test_the_generated_table_has_every_topic_once() -> None:
    rows = [line for line in table().splitlines() if line.startswith("| `")]
    patterns = [row.split("`")[1] for row in rows]
    assert len(patterns) == len(set(patterns)) == sum(len(d.topics) for d in DECLARATIONS)
    assert {"status", "error", "<camera>/detect/set", "voice/last", "ask"} <= set(patterns)
    assert "| `events` | out | JSON `{type: new\\|update\\|end," in table()  # pipes escaped
    assert BEGIN in with_table(f"a\n{BEGIN}\nold\n{END}\nb", "new\n")


def _constants(tree: ast.Module) -> dict[str, str]:
    return {target.id: node.value.value
            for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def _topic(arg: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name):
        return constants.get(arg.id)
    if isinstance(arg, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else PLACEHOLDER
                       for v in arg.values if isinstance(v, ast.Constant | ast.FormattedValue))
    return None


def code_topics(package: Path) -> dict[str, str]:
    """Topic pattern -> where it is published."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in BUS_CALLS and node.args):
                arg = node.args[0]
                if isinstance(arg, ast.Attribute) and arg.attr == "pattern":
                    continue  # a declared topic
                topic = _topic(arg, constants)
                where = f"{path.relative_to(package.parent)}:{node.lineno}"
                assert topic is not None, f"{where}: topic not readable statically"
                found[normalise(topic)] = where
    return found


def normalise(topic: str) -> str:
    return "/".join(PLACEHOLDER if part.startswith("<") or part in ("+", PLACEHOLDER) else part
                    for part in topic.split("/"))


def undeclared(code: dict[str, str], declarations: tuple[Declaration, ...]) -> list[str]:
    declared = {normalise(t.pattern) for d in declarations for t in d.outbound()}
    return sorted(f"{topic} ({where})" for topic, where in code.items()
                  if not any(fnmatch.fnmatchcase(doc, topic) for doc in declared))


def test_every_topic_the_code_publishes_on_is_declared() -> None:
    code = code_topics(REPO / "homewatch")
    assert {"alarm/state", "*/motion", "*/snapshot", "intent/*"} <= set(code)
    assert undeclared(code, DECLARATIONS) == []


def test_the_check_notices_an_undeclared_topic() -> None:
    code = code_topics(REPO / "homewatch")
    without_dialog = tuple(d for d in DECLARATIONS if d.name != "dialog")
    missing = undeclared(code, without_dialog)
    assert "alarm/state" in [m.split(" ")[0] for m in missing]
    assert all("homewatch/understanding/" in m for m in missing)
