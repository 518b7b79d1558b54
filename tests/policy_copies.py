"""Private copies of the shipped policy files, for tests that change the agreements."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from policies.loader import PACKAGED, policy_files


def copy_shipped(directory: Path) -> Path:
    """The shipped policy files (only those: no code) under ``directory``, laid out as shipped."""
    for source in policy_files(PACKAGED):
        target = directory / source.relative_to(PACKAGED)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return directory


def rewrite_rules(directory: Path, rewrite: Callable[[str], str]) -> int:
    """Pass every line of every agreement file through ``rewrite``; how many lines it changed."""
    changed = 0
    for path in (directory / "agreements").glob("*-isa.csv"):
        lines = path.read_text().splitlines()
        new = [rewrite(line) for line in lines]
        changed += sum(a != b for a, b in zip(lines, new, strict=True))
        path.write_text("\n".join(new) + "\n")
    return changed
