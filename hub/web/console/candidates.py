"""A candidate policy version uploaded through the console: the changed files, laid over a private copy of
the version in force, and loaded as any policy directory is (checked whole, or refused with its problems)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from starlette.datastructures import UploadFile

from policies.loader import load_policy, policy_files
from policies.policy_set import PolicySet

MAX_FILE_BYTES = 1_000_000


class NotACandidate(ValueError):
    """What is wrong with what was given, in words for the officer."""


#: Where candidate versions may be named from, under the data folder: not any directory on the host.
FOLDER = "policy-candidates"


def named(data_dir: Path, name: str) -> Path:
    """A candidate directory by its name in the data folder's ``policy-candidates``; nothing outside it."""
    root = (data_dir / FOLDER).resolve()
    found = (root / name).resolve()
    if found == root or root not in found.parents or not found.is_dir():
        raise NotACandidate(f"{name!r} is not a candidate directory in {FOLDER}/ of the hub's data folder")
    return found


async def uploaded(live: Path, files: Sequence[UploadFile]) -> PolicySet:
    """The version in force with each uploaded file in place of the policy file of the same name."""
    shipped = {p.name: p for p in policy_files(live)}
    with tempfile.TemporaryDirectory(prefix="hub-candidate-") as work:
        root = Path(work)
        for source in shipped.values():
            target = root / source.relative_to(live)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        for upload in files:
            name = Path(upload.filename or "").name  # a browser may send a folder path: the name alone counts
            if name not in shipped:
                raise NotACandidate(f"{name!r} is not one of the policy files ({', '.join(sorted(shipped))})")
            body = await upload.read(MAX_FILE_BYTES + 1)
            if len(body) > MAX_FILE_BYTES:
                raise NotACandidate(f"{name} is larger than {MAX_FILE_BYTES} bytes")
            (root / shipped[name].relative_to(live)).write_bytes(body)
        return load_policy(root)
