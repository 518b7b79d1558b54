"""The Merkle tree's arithmetic against RFC 6962 written out again, and proofs that verify only when true."""

from __future__ import annotations

import hashlib

import pytest

from audit.merkle import CompactRange, Node, consistency_path, inclusion_path, leaf_hash
from audit.verify_proof import ProofError, verify_consistency, verify_inclusion

LEAVES = [f'{{"n":{i}}}' for i in range(70)]


def mth(entries: list[str]) -> bytes:
    """RFC 6962 section 2.1, literally: the reference the implementation is checked against."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0].encode()).digest()
    k = 1
    while k * 2 < len(entries):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def reference_subtree(level: int, index: int) -> bytes:
    return mth(LEAVES[index << level: (index + 1) << level])


def test_rfc6962_test_vector_empty_and_single() -> None:
    # From RFC 6962's reference tests (Certificate Transparency): the empty tree and a one-leaf tree of "".
    assert CompactRange().root().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    one = CompactRange()
    one.append(hashlib.sha256(b"\x00").digest())
    assert one.root().hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


#: The RFC 6962 reference vectors (as Certificate Transparency's and transparency-dev/merkle's tests use
#: them): eight leaf inputs and the root of the tree of the first n of them, for n = 1..8.
VECTOR_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_the_rfc6962_reference_roots() -> None:
    tree = CompactRange()
    # Every vector byte is ASCII, so the text whose UTF-8 is those bytes is the latin-1 reading of them.
    for leaf, root in zip(VECTOR_LEAVES, VECTOR_ROOTS, strict=True):
        tree.append(leaf_hash(bytes.fromhex(leaf).decode("latin-1")))
        assert tree.root().hex() == root


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 31, 63, 64, 65, 70])
def test_the_compact_range_root_is_the_reference_root(size: int) -> None:
    tree = CompactRange()
    for body in LEAVES[:size]:
        tree.append(leaf_hash(body))
    assert tree.size == size and tree.root() == mth(LEAVES[:size])
    assert len(tree.hashes) == bin(size).count("1")


def test_completed_subtrees_are_reported_once_with_their_position() -> None:
    tree = CompactRange()
    completed: list[Node] = []
    for body in LEAVES[:70]:
        completed += tree.append(leaf_hash(body), keep_from_level=2)
    # Every perfect subtree of 4, 8, 16, 32 and 64 leaves within 70, and nothing else.
    expected = {(level, index) for level in range(2, 7) for index in range(70 >> level)}
    assert {(n.level, n.index) for n in completed} == expected and len(completed) == len(expected)
    assert all(n.hash == reference_subtree(n.level, n.index) for n in completed)


@pytest.mark.parametrize("size", [1, 2, 5, 8, 13, 64, 70])
def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not(size: int) -> None:
    root = mth(LEAVES[:size])
    for index in range(size):
        path = inclusion_path(index, size, reference_subtree)
        assert len(path) <= (size - 1).bit_length()
        verify_inclusion(index, size, leaf_hash(LEAVES[index]), path, root)
        with pytest.raises(ProofError):  # another record at that place
            verify_inclusion(index, size, leaf_hash(LEAVES[index] + " "), path, root)
        if size > 1:
            with pytest.raises(ProofError):  # the record claimed at another place
                verify_inclusion((index + 1) % size, size, leaf_hash(LEAVES[index]), path, root)
            with pytest.raises(ProofError):  # against another tree head
                verify_inclusion(index, size, leaf_hash(LEAVES[index]), path, mth(LEAVES[:size - 1]))


@pytest.mark.parametrize(("old", "new"), [(1, 1), (1, 2), (3, 7), (4, 8), (6, 8), (7, 70), (32, 64), (64, 70),
                                          (69, 70)])
def test_consistency_proofs_verify_and_fail_on_a_wrong_head(old: int, new: int) -> None:
    path = consistency_path(old, new, reference_subtree)
    assert len(path) <= 2 * new.bit_length()
    old_root, new_root = mth(LEAVES[:old]), mth(LEAVES[:new])
    verify_consistency(old, new, old_root, new_root, path)
    forked = [*LEAVES[:old - 1], "forged", *LEAVES[old:]]
    with pytest.raises(ProofError):  # the older head is of a history the newer tree does not extend
        verify_consistency(old, new, mth(forked[:old]), new_root, path)
    if old != new:
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, mth(forked[:new]), path)
        with pytest.raises(ProofError):  # the right hashes, claimed for another size
            verify_consistency(old - 1 if old > 1 else old + 1, new, old_root, new_root, path)
