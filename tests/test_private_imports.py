"""No private name crosses a file: ``from x import _name`` (or ``module._name(...)``) from another
module of the project fails here. What two files share is public in its owning module.

Import layers and cycles are checked by ``lint-imports`` (contracts in ``pyproject.toml``).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "api",
    "audit",
    "cases",
    "core",
    "demo",
    "intel",
    "luoshi",
    "orgs",
    "party",
    "villages",
    "walks",
    "workdays",
    "workplan",
]

# Still shared as privates: delete an entry with its import.
TODO: dict[tuple[str, str], set[str]] = {}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


MODULES = {name for name, _ in _modules()}


def _crossings(module: str, path: Path):
    """(owner module, private name) for each private name ``module`` takes from another file."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported_modules = {}  # local name → project module, for ``module._name`` attribute access
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                owner = ".".join(base + ([node.module] if node.module else []))
            else:
                owner = node.module or ""
            if owner.split(".")[0] not in APPS:
                continue
            for alias in node.names:
                if _private(alias.name):
                    yield owner, alias.name
                elif f"{owner}.{alias.name}" in MODULES:
                    imported_modules[alias.asname or alias.name] = f"{owner}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    imported_modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
        ):
            yield imported_modules[node.value.id], node.attr


def test_no_private_name_is_imported_across_files():
    found = {}
    for module, path in _modules():
        for owner, name in _crossings(module, path):
            if owner != module:
                found.setdefault((module, owner), set()).add(name)
    unexpected = {}
    for key, names in found.items():
        if names - TODO.get(key, set()):
            unexpected[key] = sorted(names - TODO.get(key, set()))
    assert not unexpected, f"private names imported across files (make them public): {unexpected}"
    stale = {}
    for key, names in TODO.items():
        if names - found.get(key, set()):
            stale[key] = sorted(names - found.get(key, set()))
    assert not stale, f"TODO entries no longer needed (delete them): {stale}"
