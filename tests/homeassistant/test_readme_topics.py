"""Every MQTT topic homewatch publishes or listens on is in the README's MQTT table.

Topics are read from the source: every `publish_state`, `publish_event` and `add_command`
call, with f-string parts and `+` wildcards as placeholders, module constants resolved.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

from tests.conftest import REPO

BUS_CALLS = {"publish_state", "publish_event", "add_command"}
LINK_TOPICS = {"status"}  # published by the link itself (retained, last will)
PLACEHOLDER = "*"


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
    """Topic pattern -> where it is used."""
    found: dict[str, str] = {t: "mqtt/link.py" for t in LINK_TOPICS}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in BUS_CALLS and node.args):
                topic = _topic(node.args[0], constants)
                assert topic is not None, f"{path}:{node.lineno}: topic not readable statically"
                found[normalise(topic)] = f"{path.relative_to(package.parent)}:{node.lineno}"
    return found


def normalise(topic: str) -> str:
    return "/".join(PLACEHOLDER if part.startswith("<") or part in ("+", PLACEHOLDER) else part
                    for part in topic.split("/"))


def readme_topics(readme: str) -> set[str]:
    section = readme.split("## MQTT API", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {normalise(t) for row in rows for t in re.findall(r"`([^`]+)`", row.split(" | ")[0])}


def undocumented(code: dict[str, str], documented: set[str]) -> list[str]:
    return sorted(f"{topic} ({where})" for topic, where in code.items()
                  if not any(fnmatch.fnmatchcase(doc, topic) for doc in documented))


def test_every_topic_in_the_code_is_in_the_readme_table() -> None:
    code = code_topics(REPO / "homewatch")
    documented = readme_topics((REPO / "README.md").read_text(encoding="utf-8"))
    assert {"voice/last", "voice/last/attributes", "*/detect/set", "error"} <= set(code)
    assert undocumented(code, documented) == []


def test_the_check_notices_a_missing_row() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    without = "\n".join(line for line in readme.splitlines()
                        if not line.startswith("| `voice/last`"))
    code = code_topics(REPO / "homewatch")
    missing = undocumented(code, readme_topics(without))
    assert [m.split(" ")[0] for m in missing] == ["voice/last"]
    assert "homewatch/voice/" in missing[0]
