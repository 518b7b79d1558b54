"""The development key pair: Ed25519, generated in the data folder on first use, never committed.

Production verifies with the identity provider's keys (JWKS URL or PEM file) and holds no private key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.core.keyfiles import write_atomically

PRIVATE_FILE = "jwt-signing.pem"
PUBLIC_FILE = "jwt-public.pem"


@dataclass(frozen=True)
class DevKeys:
    private: Ed25519PrivateKey
    public: Ed25519PublicKey


def ensure_dev_keys(keys_dir: Path) -> DevKeys:
    """Load the pair, creating it once (private key readable by this user only)."""
    private_path, public_path = keys_dir / PRIVATE_FILE, keys_dir / PUBLIC_FILE
    if not private_path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        write_atomically(private_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()), 0o600)
        write_atomically(public_path, key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{private_path} is not an Ed25519 private key")
    return DevKeys(private, private.public_key())


def load_public_key(path: Path) -> object:
    return serialization.load_pem_public_key(path.read_bytes())
