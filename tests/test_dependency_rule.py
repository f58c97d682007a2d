"""The apps depend one way (README, "Layout"): scim → keys → organizations, never back.

Checked on the source, so a new import, or a read of the key through the reverse
relation ``organization.scim_key``, fails here before it hides a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"organizations": {"keys", "scim"}, "keys": {"scim"}}


def imported_apps(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def names_the_key(tree: ast.AST) -> bool:
    """``x.scim_key`` or ``getattr(x, "scim_key", …)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "scim_key":
            return True
        if isinstance(node, ast.Constant) and node.value == "scim_key":
            return True
    return False


def sources(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_imports_nothing_from_the_apps_that_depend_on_it(app):
    crossing = {
        str(path.relative_to(ROOT)): sorted(imported_apps(ast.parse(path.read_text())) & FORBIDDEN[app])
        for path in sources(app)
    }
    assert {path: apps for path, apps in crossing.items() if apps} == {}


def test_organizations_never_reads_the_key_through_the_organization():
    assert [str(p.relative_to(ROOT)) for p in sources("organizations") if names_the_key(ast.parse(p.read_text()))] == []
