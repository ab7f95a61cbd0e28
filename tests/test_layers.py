"""The three layers, read from the import statements themselves (ast, not by running):
ui → sync → fieldapp, and only the composition root (fieldapp/cli/root.py) imports all
three. A dependency hidden behind importlib would not be seen here, so importlib is
refused in our packages (`importlib.resources` for data files stays allowed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = ROOT / "fieldapp" / "cli" / "root.py"
OURS = ("fieldapp", "sync", "ui")


def _imports(path: Path) -> set[str]:
    """Top-level package names imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = path.relative_to(ROOT).parts[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
            if any(alias.name == "importlib" for alias in node.names):
                found.add("importlib:import_module")
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else str(node.module).split(".")[0])
            if node.module == "importlib" and any(a.name == "import_module"
                                                  for a in node.names):
                found.add("importlib:import_module")
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package, forbidden", [
    ("fieldapp", {"sync", "ui", "PySide6", "httpx", "fastapi"}),
    ("sync", {"ui", "PySide6"}),
])
def test_lower_layers_never_import_upper_ones(package: str, forbidden: set[str]) -> None:
    bad = {}
    for path in _modules(package):
        if path == COMPOSITION_ROOT:
            continue
        hits = {name for name in _imports(path)
                if name in forbidden or name.startswith("importlib:")}
        if hits:
            bad[str(path.relative_to(ROOT))] = sorted(hits)
    assert not bad, bad


def test_ui_reaches_our_packages_plainly() -> None:
    bad = {str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n.startswith("importlib:"))
           for p in _modules("ui")}
    assert not {k: v for k, v in bad.items() if v}


def test_the_composition_root_imports_all_three_layers() -> None:
    assert {"fieldapp", "sync", "ui"} <= _imports(COMPOSITION_ROOT)


def test_no_module_over_600_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for package in OURS for p in _modules(package)
            if (n := len(p.read_text("utf-8").splitlines())) > 600}
    assert not long, long
