"""Reading the policy files: CSV with ``#`` comment lines, and the problems found in them.

Every problem names the file and line so information governance can find and fix it.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 0: the file as a whole
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Row:
    file: str
    line: int
    values: Mapping[str, str]

    def problem(self, message: str, severity: Severity = "error") -> Problem:
        return Problem(self.file, self.line, message, severity)


def read_rows(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> Iterator[Row]:
    """Rows of a CSV policy file whose header is exactly ``columns`` (values stripped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, 0, f"cannot read: {exc.__class__.__name__}: {exc}"))
        return
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        problems.append(Problem(path.name, 0, "no header row"))
        return
    header = [h.strip() for h in _cells(numbered[0][1])]
    if tuple(header) != columns:
        problems.append(Problem(path.name, numbered[0][0],
                                f"header must be {','.join(columns)} (found {','.join(header)})"))
        return
    for n, line in numbered[1:]:
        cells = _cells(line)
        if len(cells) != len(columns):
            problems.append(Problem(path.name, n, f"expected {len(columns)} columns, found {len(cells)}"))
            continue
        yield Row(path.name, n, dict(zip(columns, (c.strip() for c in cells), strict=True)))


def _cells(line: str) -> list[str]:
    # One line is one row: a quote left open does not swallow the rest of the file.
    return next(csv.reader([line], skipinitialspace=True), [])


def content_hash(paths: list[Path]) -> str:
    """sha256 over the files' names and contents: the policy version (first 12 hex). By name, not path, so the
    packaged layout and a flat ConfigMap mount of the same files are the same version."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0unreadable")
        digest.update(b"\0")
    return digest.hexdigest()[:12]
