"""Imports run one way: one import-linter ``layers`` contract covers every package, and it bites.

The contract is in pyproject.toml. These tests check that no package escapes it (every top-level package,
and every subpackage of the two split across layers, hub and schema, is listed) and that a deliberate
back-import, from the foundation up to the graph, makes ``lint-imports`` fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "schema", "policies", "connectors", "audit", "synthetic", "bench")


def contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c for c in config["contracts"] if c["type"] == "layers"]
    assert len(config["contracts"]) == 1, "one contract says it all"
    assert set(config["root_packages"]) == set(PACKAGES)
    return dict(layers)


def listed() -> set[str]:
    layers = contract()["layers"]
    assert isinstance(layers, list)
    return {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}


def test_every_package_is_in_one_layer() -> None:
    names = listed()
    split = {"hub", "schema"}  # their subpackages sit in different layers
    for package in PACKAGES:
        if package in split:
            children = {p.name for p in (ROOT / package).iterdir() if (p / "__init__.py").exists()}
            modules = {p.stem for p in (ROOT / package).glob("*.py") if p.stem != "__init__"}
            assert not modules, f"{package} keeps modules outside its layered subpackages: {modules}"
            assert {f"{package}.{c}" for c in children} <= names, (package, children)
        else:
            assert package in names, package


def test_a_back_import_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", ".data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    kept = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    errors = tmp_path / "hub" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nimport schema.graph.query  # noqa: E402, F401\n")
    broken = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout and "hub.core.errors -> schema.graph.query" in broken.stdout, broken.stdout
