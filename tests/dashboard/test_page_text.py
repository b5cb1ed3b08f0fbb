"""What every page shows besides its own content: no stray text from the scripts Streamlit runs.

Streamlit's "magic" writes any bare expression of a script it runs (the router and each page) to the
page, a string included, unless it is the module's docstring. A string meant as an attribute docstring
below an assignment therefore appears on top of every page (it did: the note on the tab's icon).
"""

import ast
from pathlib import Path

import pytest

from app_pages import open_page

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
SCRIPTS = [DASHBOARD / "app.py", *sorted((DASHBOARD / "views").glob("*.py"))]


def _magic_expressions(path: Path) -> list[int]:
    """Line numbers of module-level bare expressions (not calls) that Streamlit's magic would write."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return [node.lineno for i, node in enumerate(body)
            if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call | ast.Await)
            and not (i == 0 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_streamlit_runs_has_a_bare_expression_magic_would_show(script):
    assert _magic_expressions(script) == [], f"{script.name}: make these comments, or assign them"


def test_the_first_thing_on_a_page_is_the_banner_not_a_stray_note(store_path):
    at = open_page(store_path, "views/about.py")
    assert not at.exception
    shown = [m.value for m in at.main.markdown]
    assert not any("tab's icon" in text for text in shown), shown[:2]
