"""Every page is titled by its label in the menu, so a user can tell the page they chose is the one they see.

The menu said "Outlets × categories" and the page "Outlets × lexicon categories"; before that, "Trends" and
"Loaded wording over time". A title may say more after the label (Trends in loaded wording), not other words.
"""

import ast
from pathlib import Path

import pytest

from app_pages import open_page

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def menu_labels() -> dict[str, str]:
    """Page file -> its label in the menu, as app.py's ``sections`` name them."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    sections = next(n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "sections" for t in n.targets))
    return {file: label for entries in ast.literal_eval(sections).values() for file, label, _ in entries}


def test_the_menu_names_every_page_of_the_views_folder():
    views = {f"views/{p.name}" for p in (APP.parent / "views").glob("*.py") if p.name != "__init__.py"}
    assert set(menu_labels()) == views


@pytest.mark.parametrize("page, label", sorted(menu_labels().items()))
def test_each_page_title_starts_with_its_menu_label(store_path, page, label):
    at = open_page(store_path, page)
    assert not at.exception, [e.value for e in at.exception]
    title = at.title[0].value
    assert title == label or title.startswith(label + " "), (label, title)
