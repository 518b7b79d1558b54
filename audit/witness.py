"""The witness: a copy of every signed checkpoint kept outside the audit database.

Whoever can rewrite the audit database (and read the signing key on the hub's host) can cut records
off its end or recompute every hash and re-sign every checkpoint; the store alone cannot show it. The
witness can: ``hub audit verify`` finds a witnessed tree larger than the store's (truncation) or a
witnessed root the store's records no longer hash to (a rewrite). So the witness must live where the
hub's host cannot change what it already holds.

``HUB_AUDIT_WITNESS`` names it. The embedded default is a directory (``witness`` under the data
folder): put it on other storage (another volume, an NFS export written by this host only, a
folder a backup job copies away). Each checkpoint is a new file, written then linked into place,
never overwritten. For production, implement :class:`Witness` over storage that refuses deletion by
the hub itself: an S3-compatible bucket with object lock (compliance mode), or an HTTP endpoint of
another organisation (a C2SP tlog-witness cosigner); each is two methods.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings

SUFFIX = ".checkpoint"


class WitnessConflict(Exception):
    """The witness already holds a different checkpoint under the name this one would take."""


class Witness(Protocol):
    #: where the witness is, for messages (never a credential)
    where: str

    def publish(self, note: str, size: int) -> None:
        """Keep the signed checkpoint ``note`` (of a tree of ``size`` records) for good; idempotent."""
        ...

    def checkpoints(self) -> list[str]:
        """Every checkpoint the witness holds, as signed notes."""
        ...


class DirectoryWitness:
    """One file per checkpoint, named by tree size and content: never overwritten, never rewritten."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.where = str(folder)

    def name_for(self, note: str, size: int) -> Path:
        return self.folder / f"{size:015d}-{hashlib.sha256(note.encode()).hexdigest()[:16]}{SUFFIX}"

    def publish(self, note: str, size: int) -> None:
        target = self.name_for(note, size)
        if target.exists():
            self._same(target, note)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")
        try:
            os.write(fd, note.encode())
            os.fchmod(fd, 0o444)
            os.fsync(fd)
            os.close(fd)
            try:
                os.link(tmp, target)  # unlike a rename, fails if the name is taken: nothing is ever replaced
            except FileExistsError:
                self._same(target, note)
        finally:
            os.unlink(tmp)
        self._sync_folder()

    @staticmethod
    def _same(target: Path, note: str) -> None:
        if target.read_text() != note:
            raise WitnessConflict(f"the witness holds a different checkpoint as {target.name}; it was not replaced")

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            with contextlib.suppress(OSError):  # not every file system syncs a directory
                os.fsync(fd)
        finally:
            os.close(fd)

    def checkpoints(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return [p.read_text() for p in sorted(self.folder.glob(f"*{SUFFIX}"))]


def witness_for(settings: Settings) -> Witness:
    """The witness ``HUB_AUDIT_WITNESS`` names: a directory (default: ``witness`` under the data folder)."""
    spec = settings.audit_witness
    if not spec:
        return DirectoryWitness(settings.data_dir / "witness")
    if "://" in spec:
        raise ConfigurationError("HUB_AUDIT_WITNESS: only a directory witness is built in; an S3 or HTTP witness "
                                 "is an implementation of audit.witness.Witness")
    return DirectoryWitness(Path(spec))
