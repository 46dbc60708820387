"""RFC 6962 hashing checked against the Certificate Transparency / Trillian reference vectors."""

from __future__ import annotations

import pytest

from securable.device.seclog import merkle

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
PATHS = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (0, 1): [],
}
CONSISTENCY = {
    (1, 1): [],
    (1, 8): PATHS[(0, 8)],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root_hash([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.CompactRange().root() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_reference_vectors(size: int) -> None:
    assert merkle.root_hash(HASHES, size).hex() == ROOTS[size - 1]
    compact = merkle.CompactRange()
    for h in HASHES[:size]:
        compact.append(h)
    assert compact.root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size"), sorted(PATHS))
def test_inclusion_proofs_match_reference_vectors(index: int, size: int) -> None:
    proof = merkle.inclusion_proof(HASHES, index, size)
    assert [p.hex() for p in proof] == PATHS[(index, size)]
    assert merkle.verify_inclusion(HASHES[index], index, size, proof, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new"), sorted(CONSISTENCY))
def test_consistency_proofs_match_reference_vectors(old: int, new: int) -> None:
    proof = merkle.consistency_proof(HASHES, old, new)
    assert [p.hex() for p in proof] == CONSISTENCY[(old, new)]
    old_root, new_root = bytes.fromhex(ROOTS[old - 1]), bytes.fromhex(ROOTS[new - 1])
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)


def test_every_proof_verifies_and_wrong_inputs_fail() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(33)]
    for n in range(1, 34):
        root = merkle.root_hash(leaves, n)
        for i in range(n):
            proof = merkle.inclusion_proof(leaves, i, n)
            assert merkle.verify_inclusion(leaves[i], i, n, proof, root)
            assert not merkle.verify_inclusion(leaves[(i + 1) % 33], i, n, proof, root)
        for m in range(1, n):
            proof = merkle.consistency_proof(leaves, m, n)
            assert merkle.verify_consistency(m, n, merkle.root_hash(leaves, m), root, proof)
            assert not merkle.verify_consistency(m, n, merkle.root_hash(leaves, m), merkle.EMPTY_ROOT, proof)
            forked = merkle.root_hash([merkle.leaf_hash(b"x"), *leaves[1:m]], m)
            assert not merkle.verify_consistency(m, n, forked, root, proof)


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        merkle.inclusion_proof(HASHES, 8, 8)
    with pytest.raises(ValueError, match="old size"):
        merkle.consistency_proof(HASHES, 5, 3)
    assert not merkle.verify_inclusion(HASHES[0], 3, 2, [], HASHES[0])
    assert not merkle.verify_consistency(5, 3, HASHES[0], HASHES[0], [])
