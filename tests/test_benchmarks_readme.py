"""``benchmarks/README.md`` is true to the scripts: every script is listed, and the Commands block gives
each script exactly the options it has (none missing, none it lacks), each of which has ``--help`` text.

The options are read from the scripts' ``add_argument`` calls (``ast``), so no script is imported or run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
README = (BENCH / "README.md").read_text(encoding="utf-8")
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py"))


def arguments(script: str) -> dict[str, bool]:
    """Option strings (``--repeat``; positional names too) of *script*'s ``add_argument`` calls: whether each has help."""
    out = {}
    for node in ast.walk(ast.parse((BENCH / script).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            has_help = any(k.arg == "help" for k in node.keywords)
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    out[arg.value] = has_help
    return out


def commands() -> dict[str, set[str]]:
    """Options the README's Commands block writes for each script (its line and the comment lines under it)."""
    block = README.split("## Commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    out: dict[str, set[str]] = {}
    script = None
    for line in block.splitlines():
        if m := re.match(r"\.venv/bin/python benchmarks/(\w+\.py)", line):
            script = m.group(1)
        elif not line.lstrip().startswith("#"):
            script = None  # another program's line (framewatch demo): its options are not a script's
            continue
        if script:
            out.setdefault(script, set()).update(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))
    return out


def test_the_readme_lists_every_script():
    assert SCRIPTS, BENCH
    assert [s for s in SCRIPTS if f"`{s}`" not in README] == []


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s != "render_floor_app.py"])  # served by another
def test_the_commands_block_gives_each_script_exactly_its_options_and_each_has_help(script):
    options = {a: has_help for a, has_help in arguments(script).items() if a.startswith("--")}
    assert sorted(commands().get(script, set()) - {"--help"}) == sorted(options)
    assert [o for o, has_help in options.items() if not has_help] == []
