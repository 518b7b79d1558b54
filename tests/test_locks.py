"""The lock files pin what pyproject.toml asks for, with hashes, and the installs use them."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    found: dict[str, str] = {canonicalize_name(n): v for n, v in PIN.findall(text)}
    # Every pinned package carries at least one hash (pip's --require-hashes needs them all).
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    assert all("--hash=sha256:" in block for block in blocks if PIN.match(block)), name
    return found


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"]) + (list(project["optional-dependencies"][extra]) if extra else [])
    return [Requirement(r) for r in names]


def test_each_lock_pins_every_dependency_within_its_bounds() -> None:
    for lock, extra in (("requirements.lock", None), ("requirements-dev.lock", "dev")):
        pinned = pins(lock)
        for req in requirements(extra):
            name = canonicalize_name(req.name)
            assert name in pinned, f"{lock} does not pin {req.name}: run `make lock`"
            assert req.specifier.contains(pinned[name], prereleases=True), \
                f"{lock} pins {req.name}=={pinned[name]} outside {req.specifier}: run `make lock`"


def test_the_runtime_lock_holds_no_test_tooling() -> None:
    assert not {"pytest", "mypy", "ruff"} & set(pins("requirements.lock"))


def test_this_environment_was_installed_from_the_lock() -> None:
    for name in ("strawberry-graphql", "graphql-core", "starlette", "sqlalchemy", "pycasbin"):
        assert version(name) == pins("requirements-dev.lock")[canonicalize_name(name)], name


def test_the_installs_use_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile and "--no-deps -e ." in makefile
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
