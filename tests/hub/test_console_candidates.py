"""The console names candidate policy versions only from the data folder's ``policy-candidates``."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.web.console.candidates import FOLDER, NotACandidate, named
from tests.policy_copies import copy_shipped


def test_a_candidate_is_found_by_name_and_nothing_outside_its_folder(tmp_path: Path) -> None:
    inside = copy_shipped(tmp_path / FOLDER / "next-quarter")
    outside = copy_shipped(tmp_path / "elsewhere")
    assert named(tmp_path, "next-quarter") == inside.resolve()
    for name in ("../elsewhere", str(outside), "", ".", "missing", "next-quarter/../../elsewhere"):
        with pytest.raises(NotACandidate, match="policy-candidates"):
            named(tmp_path, name)
