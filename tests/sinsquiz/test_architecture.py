"""The packages import one another in one direction only, as ARCHITECTURE.md draws it: rules ← cases ← training ←
problems, progress ← sets. An import against the grain fails here, named with its file."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ("sinsquiz/sins.py", "sinsquiz/grading.py", "sinsquiz/stats.py", "sinsquiz/literature.py",
         "sinsquiz/progress/charts.py")  # fmt: skip
# Each layer, and the packages above it that it must not import.
LAYERS = {
    "cases": ("sinsquiz.training", "sinsquiz.progress", "sinsquiz.sets", "sinsquiz.problems"),
    "sinsquiz/training": ("sinsquiz.progress", "sinsquiz.sets", "sinsquiz.problems"),
    "sinsquiz/problems": ("sinsquiz.progress", "sinsquiz.sets"),
    "sinsquiz/progress": ("sinsquiz.sets", "sinsquiz.problems"),
}
SEEDERS = ("cases/demo/", "cases/management/commands/seed_demo.py")  # the demo seeds every app


def imported(path: Path) -> set[str]:
    """Every module a file imports, by its full name ("from a import b" names both a and a.b)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def sources(folder: str) -> list[str]:
    paths = (path.relative_to(ROOT).as_posix() for path in (ROOT / folder).rglob("*.py"))
    return sorted(path for path in paths if "/migrations/" not in path and not path.startswith(SEEDERS))


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_nothing_above_it(layer):
    against = [(path, module) for path in sources(layer) for module in imported(ROOT / path)
               if module.startswith(LAYERS[layer])]  # fmt: skip

    assert sources(layer), "no file found: the layer has moved"
    assert against == []


def test_the_rules_import_no_django_and_nothing_of_the_project_but_other_rules():
    rules = {f"sinsquiz.{Path(rule).stem}" for rule in RULES}

    def against_the_rules(module: str) -> bool:
        return module.startswith(("django", "cases")) or module.startswith("sinsquiz.") and module not in rules

    against = [(rule, module) for rule in RULES for module in imported(ROOT / rule) if against_the_rules(module)]

    assert against == []


def test_the_check_finds_an_import_against_the_grain(tmp_path):
    upward = tmp_path / "upward.py"
    upward.write_text("from sinsquiz.sets import sittings\nimport django.db\n")

    assert {"sinsquiz.sets", "sinsquiz.sets.sittings", "django.db"} <= imported(upward)
