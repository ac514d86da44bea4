"""Reading the YAML file while remembering which line every key came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from homewatch.core.errors import ConfigError, ConfigIssue

KeyPath = tuple[str | int, ...]


def load_yaml_with_lines(path: Path) -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """Parse `path`; return its mapping and a 1-based line for every key path."""
    if not path.is_file():
        hint = "create it (see examples/homewatch.yaml) or pass --config / HOMEWATCH_CONFIG"
        raise ConfigError(str(path), [ConfigIssue("(file)", "file not found", hint=hint)])
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), [ConfigIssue("(syntax)", f"YAML syntax error: {problem}", line,
                                                  "check indentation and quoting")]) from None
    if data is None:  # an empty file is a mistake (a failed copy), not "use the defaults"
        raise ConfigError(str(path), [ConfigIssue(
            "(file)", "the file is empty (or only comments)", 1,
            "write at least `node: {id: <name>}` (see examples/homewatch.yaml), or start "
            "without --config to run on defaults")])
    if not isinstance(data, dict):
        raise ConfigError(str(path), [ConfigIssue("(root)", "top level must be a mapping", 1)])
    lines: dict[KeyPath, int] = {}
    _collect_lines(node, (), lines)
    return data, lines


def _collect_lines(node: yaml.Node | None, prefix: KeyPath, out: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, str(key_node.value))
            out[key] = key_node.start_mark.line + 1
            _collect_lines(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = (*prefix, index)
            out[key] = item.start_mark.line + 1
            _collect_lines(item, key, out)
