"""The checkpoint signing key: Ed25519, separate from any JWT key, generated on first use.

``audit-signing.pem`` (0600) stays with the hub's writers; ``audit-public.pem`` is all a verifier
needs. Several hub processes may start at once on one data folder: the private key is created with
an exclusive link, so exactly one key wins and every process signs with it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.verify_proof import Checkpoint, note_key_id, open_checkpoint
from hub.core.errors import ConfigurationError
from hub.core.keyfiles import create_once, write_atomically

PRIVATE_FILE = "audit-signing.pem"
PUBLIC_FILE = "audit-public.pem"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


#: prefix of a trail's origin (and signed-note key name); the key id makes it one log's name
ORIGIN_PREFIX = "partnership-hub/audit/"


def message(seq: int, head_hash: str) -> bytes:
    return f"hub-audit-checkpoint|{seq}|{head_hash}".encode()


@dataclass(frozen=True)
class CheckpointKeys:
    private: Ed25519PrivateKey | None  # None: verify only
    public: Ed25519PublicKey

    @property
    def id(self) -> str:
        return key_id(self.public)

    def sign(self, seq: int, head_hash: str) -> str:
        if self.private is None:
            raise ConfigurationError("no audit signing key: checkpoints cannot be written")
        return self.private.sign(message(seq, head_hash)).hex()

    @property
    def origin(self) -> str:
        """The log's name in its checkpoints: C2SP's origin line, and the signed-note key name."""
        return ORIGIN_PREFIX + self.id

    def checkpoint_note(self, size: int, root: bytes) -> str:
        """A C2SP tlog-checkpoint for the tree of ``size`` leaves, as a signed note (Ed25519)."""
        if self.private is None:
            raise ConfigurationError("no audit signing key: checkpoints cannot be written")
        text = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        signature = note_key_id(self.origin, self.public) + self.private.sign(text.encode())
        return f"{text}\n\u2014 {self.origin} {base64.b64encode(signature).decode()}\n"

    def open_note(self, note: str) -> Checkpoint:
        """The checkpoint in ``note`` if this key signed it; raises ``ProofError`` otherwise."""
        return open_checkpoint(note, self.public)

    def verifies(self, seq: int, head_hash: str, signature: str) -> bool:
        try:
            self.public.verify(bytes.fromhex(signature), message(seq, head_hash))
        except (InvalidSignature, ValueError):
            return False
        return True


def _create_private(path: Path) -> None:
    """Write a new private key unless one exists; the first of racing processes wins."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    create_once(path, pem, 0o600)


def _load_private(path: Path) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"{path.name} is not an Ed25519 private key")
    return loaded


def ensure_checkpoint_keys(keys_dir: Path) -> CheckpointKeys:
    """The signing key pair, generated into ``keys_dir`` the first time."""
    private_path, public_path = keys_dir / PRIVATE_FILE, keys_dir / PUBLIC_FILE
    if not private_path.exists():
        if public_path.exists():
            raise ConfigurationError(f"{PUBLIC_FILE} exists without {PRIVATE_FILE}: restore the signing key")
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _create_private(private_path)
    private = _load_private(private_path)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    if not public_path.exists():
        write_atomically(public_path, public_pem, 0o644)  # same bytes from every racing process
    elif public_path.read_bytes() != public_pem:
        raise ConfigurationError(f"{PUBLIC_FILE} does not match {PRIVATE_FILE}: checkpoints could not be verified")
    return CheckpointKeys(private, private.public_key())


def load_checkpoint_keys(keys_dir: Path) -> CheckpointKeys | None:
    """The keys a verifier has (never generating any): the public key, or else the private one; None if neither."""
    private_path, public_path = keys_dir / PRIVATE_FILE, keys_dir / PUBLIC_FILE
    if public_path.exists():
        public = serialization.load_pem_public_key(public_path.read_bytes())
        if not isinstance(public, Ed25519PublicKey):
            raise ConfigurationError(f"{PUBLIC_FILE} is not an Ed25519 public key")
        return CheckpointKeys(None, public)
    if private_path.exists():
        private = _load_private(private_path)
        return CheckpointKeys(None, private.public_key())
    return None
