"""Key files: written safely (whole or not at all, the mode set before any byte is written), and the
deployment's HMAC secrets read from them."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from hub.core.errors import ConfigurationError


def write_atomically(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def create_once(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` unless it exists. Of several processes racing to create it, the first wins
    and the others keep its bytes: the file is linked into place, which (unlike a rename) fails
    when the name is taken."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


#: the fewest bytes a deployment's HMAC secret may hold
MIN_KEY_BYTES = 32


def load_secret(path: Path | None, *, keys_dir: Path, file_name: str, production: bool, name: str,
                variable: str) -> bytes:
    """A deployment's HMAC secret: the bytes of ``path`` (set by ``variable``) or, outside production, of a key
    generated once as ``file_name`` under ``keys_dir``. ConfigurationError, naming the ``name`` key, when
    production has none, or the file cannot be read or holds fewer than MIN_KEY_BYTES."""
    if path is None:
        if production:
            raise ConfigurationError(f"production needs {variable} (the {name} key): a generated development key "
                                     "is refused")
        path = dev_secret(keys_dir, file_name)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigurationError(f"the {name} key file cannot be read: {exc.strerror}") from None
    if len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(f"the {name} key file holds fewer than {MIN_KEY_BYTES} bytes: use at least 32 "
                                 "random bytes, e.g. `openssl rand -hex 32`")
    return key


def dev_secret(keys_dir: Path, file_name: str) -> Path:
    """A development secret under ``keys_dir``, created once (readable by this user only); its path."""
    path = keys_dir / file_name
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        create_once(path, (secrets.token_hex(MIN_KEY_BYTES) + "\n").encode(), 0o600)
    return path
