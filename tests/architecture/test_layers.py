"""The import contracts of pyproject.toml hold on the tree, and they would fail on an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("kg", "ingestion", "retrieval", "scoring", "api", "ui", "evals")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the packages under ``root`` with the repository's contracts."""
    script = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(script), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": str(script.parent)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    for name in PACKAGES:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.slow
def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" not in result.stdout.split("Contracts:")[-1].split("kept")[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "upward", "broken"),
    [
        ("kg/models.py", "import api.container", "kg is not allowed to import api"),
        ("retrieval/hybrid.py", "import scoring.db", "retrieval is not allowed to import scoring"),
        ("api/services/records.py", "import fastapi", "api.services is not allowed to import fastapi"),
        ("ui/client.py", "import retrieval.answer", "ui is not allowed to import retrieval"),
        ("api/services/proposals.py", "import api.http.deps", "api.services is not allowed to import api.http"),
    ],
)
def test_an_upward_import_breaks_a_contract(tree: Path, module: str, upward: str, broken: str) -> None:
    path = tree / module
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{upward}  # noqa\n", encoding="utf-8")
    try:
        result = _lint(tree)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert broken in result.stdout
